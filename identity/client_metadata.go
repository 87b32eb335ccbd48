package identity

import "encoding/json"

// ClientMetadata is the part of a client registration that issue 12 adds:
// the RFC 7591 §2 / OpenID Connect Registration §2 fields for keys,
// signed and encrypted responses and request objects, and our vn_
// extensions. It is kept apart from Client's original fields (and stored
// as one JSON document) so protocol additions extend it without touching
// the rest of the model.
type ClientMetadata struct {
	// JWKS is the client's public key set, given by value (RFC 7591 §2
	// "jwks"); JWKSURI on Client names one fetched instead. Never both.
	JWKS json.RawMessage `json:"jwks,omitempty"`
	// TokenEndpointAuthSigningAlg is the one JWS alg accepted for
	// private_key_jwt assertions (OIDC Registration §2).
	TokenEndpointAuthSigningAlg string `json:"token_endpoint_auth_signing_alg,omitempty"`

	IDTokenSignedResponseAlg     string `json:"id_token_signed_response_alg,omitempty"`
	IDTokenEncryptedResponseAlg  string `json:"id_token_encrypted_response_alg,omitempty"`
	IDTokenEncryptedResponseEnc  string `json:"id_token_encrypted_response_enc,omitempty"`
	UserinfoSignedResponseAlg    string `json:"userinfo_signed_response_alg,omitempty"`
	UserinfoEncryptedResponseAlg string `json:"userinfo_encrypted_response_alg,omitempty"`
	UserinfoEncryptedResponseEnc string `json:"userinfo_encrypted_response_enc,omitempty"`
	RequestObjectSigningAlg      string `json:"request_object_signing_alg,omitempty"`

	RequirePushedAuthorizationRequests bool `json:"require_pushed_authorization_requests,omitempty"`
	DPoPBoundAccessTokens              bool `json:"dpop_bound_access_tokens,omitempty"`

	ClientURI string   `json:"client_uri,omitempty"`
	PolicyURI string   `json:"policy_uri,omitempty"`
	TosURI    string   `json:"tos_uri,omitempty"`
	Contacts  []string `json:"contacts,omitempty"`

	// Profile is "fapi2" for a client held to the FAPI 2.0 Security
	// Profile (vn_profile); AccessTokenFormat is "jwt" for RFC 9068
	// access tokens (vn_access_token_format).
	Profile           string `json:"vn_profile,omitempty"`
	AccessTokenFormat string `json:"vn_access_token_format,omitempty"`
}
