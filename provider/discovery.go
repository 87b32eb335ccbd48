package provider

import (
	"encoding/json"
	"net/http"

	"github.com/dinhdanh/dinhdanh/identity"
)

// Client authentication methods the token, revocation and PAR endpoints
// accept from clients registered with BuildClient (fosite checks the
// secret in the Basic header or the form; public clients send client_id).
// Discovery advertises exactly these; TestDiscoveryIsTruthful proves each.
var tokenEndpointAuthMethods = []string{"client_secret_basic", "client_secret_post", "none"}

// buildDiscovery renders the metadata once; it is served from these bytes
// as OpenID Provider Metadata (OpenID Connect Discovery 1.0 §3) and as
// OAuth 2.0 Authorization Server Metadata (RFC 8414 §2, same issuer).
// Only what works is advertised: no JWT userinfo, so no
// userinfo_signing_alg_values_supported; no request objects, so
// request_parameter_supported and request_uri_parameter_supported are
// false (PAR's request_uri is RFC 9126's, advertised by its endpoint).
func (p *Provider) buildDiscovery() ([]byte, error) {
	iss := p.cfg.Issuer
	scopes := make([]string, 0, len(identity.Scopes))
	for _, s := range identity.Scopes {
		scopes = append(scopes, s.Name)
	}
	claims := append([]string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "at_hash", "sid"}, identity.ClaimNames()...)
	meta := map[string]any{
		"issuer":                                        iss,
		"authorization_endpoint":                        iss + pathAuthorize,
		"token_endpoint":                                iss + pathToken,
		"userinfo_endpoint":                             iss + pathUserinfo,
		"jwks_uri":                                      iss + pathJWKS,
		"revocation_endpoint":                           iss + pathRevoke,
		"introspection_endpoint":                        iss + pathIntrospect,
		"pushed_authorization_request_endpoint":         iss + pathPAR,
		"end_session_endpoint":                          iss + pathLogout,
		"device_authorization_endpoint":                 iss + pathDeviceAuthorization, // RFC 8628 §4
		"backchannel_logout_supported":                  true,
		"backchannel_logout_session_supported":          true,
		"scopes_supported":                              scopes,
		"response_types_supported":                      []string{"code"},
		"response_modes_supported":                      []string{"query", "form_post"}, // identity.Client.GetResponseModes
		"grant_types_supported":                         supportedGrantTypes,
		"subject_types_supported":                       []string{identity.SubjectPairwise, identity.SubjectPublic},
		"id_token_signing_alg_values_supported":         []string{"RS256"},
		"token_endpoint_auth_methods_supported":         tokenEndpointAuthMethods,
		"revocation_endpoint_auth_methods_supported":    tokenEndpointAuthMethods,
		"introspection_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"code_challenge_methods_supported":              []string{"S256"},
		"claims_supported":                              claims,
		"acr_values_supported":                          []string{ACRLevel1, ACRLevel2},
		"prompt_values_supported":                       []string{"none", "login", "consent"},
		"ui_locales_supported":                          []string{"vi", "en"},
		"claims_parameter_supported":                    true,
		// OpenID Connect for Identity Assurance 1.0 §9 (OP metadata).
		"verified_claims_supported":             true,
		"trust_frameworks_supported":            []string{TrustFramework},
		"evidence_supported":                    []string{"document"},
		"documents_supported":                   []string{"idcard"},
		"documents_check_methods_supported":     []string{"vpip", "vcrypt", "bvr"},
		"claims_in_verified_claims_supported":   identity.VerifiableClaimNames(),
		"request_parameter_supported":           false,
		"request_uri_parameter_supported":       false,
		"require_pushed_authorization_requests": false,
		// RFC 9207 §3.
		"authorization_response_iss_parameter_supported": true,
	}
	return json.Marshal(meta)
}

func (p *Provider) handleDiscovery(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(p.discovery)
}

func (p *Provider) handleJWKS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/jwk-set+json")
	// Short cache: relying parties must see a rotated key soon.
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(p.keys.JWKS())
}
