package identity

import (
	"time"

	"github.com/ory/fosite"
)

// Subject types (OIDC Core §8).
const (
	SubjectPairwise = "pairwise"
	SubjectPublic   = "public"
)

// Client is a registered relying party. SecretHash is a keyed hash of the
// secret (HMAC-SHA-256), never the secret itself.
type Client struct {
	ID                      string
	Name                    string
	SecretHash              []byte
	Public                  bool
	RedirectURIs            []string
	PostLogoutRedirectURIs  []string
	GrantTypes              []string
	ResponseTypes           []string
	Scopes                  []string
	Audience                []string
	SubjectType             string
	TokenEndpointAuthMethod string // client_secret_basic, client_secret_post, private_key_jwt or none
	JWKSURI                 string
	LogoURI                 string
	Purpose                 string
	// MinLevel is the least authentication level every login for this
	// client must reach (0 or 1: password; 2: a second factor).
	MinLevel int
	// AllowOTPLogin lets citizens log in with their ID number and an SMS
	// code alone (one factor: urn:vn:eid:loa:1).
	AllowOTPLogin bool
	// BackchannelLogoutURI receives logout tokens when a session that
	// logged in to this client ends (Back-Channel Logout 1.0 §2.2).
	BackchannelLogoutURI string
	// DeviceLevel2 lets the device authorization grant (RFC 8628) reach
	// level-2 documents; without it a device may not ask for them.
	DeviceLevel2 bool
	CreatedAt    time.Time
	// Metadata holds the keys, response-signing and encryption settings
	// and other registration metadata of issue 12 (client_metadata.go).
	Metadata ClientMetadata
}

var (
	_ fosite.Client             = (*Client)(nil)
	_ fosite.ResponseModeClient = (*Client)(nil)
)

func (c *Client) GetID() string             { return c.ID }
func (c *Client) GetHashedSecret() []byte   { return c.SecretHash }
func (c *Client) GetRedirectURIs() []string { return c.RedirectURIs }
func (c *Client) GetGrantTypes() fosite.Arguments {
	if len(c.GrantTypes) == 0 {
		return fosite.Arguments{"authorization_code", "refresh_token"}
	}
	return c.GrantTypes
}
func (c *Client) GetResponseTypes() fosite.Arguments {
	if len(c.ResponseTypes) == 0 {
		return fosite.Arguments{"code"}
	}
	return c.ResponseTypes
}
func (c *Client) GetScopes() fosite.Arguments   { return c.Scopes }
func (c *Client) IsPublic() bool                { return c.Public }
func (c *Client) GetAudience() fosite.Arguments { return c.Audience }

// GetResponseModes allows only query and form_post: fragment is for
// implicit flows, which we do not offer.
func (c *Client) GetResponseModes() []fosite.ResponseModeType {
	return []fosite.ResponseModeType{fosite.ResponseModeDefault, fosite.ResponseModeQuery, fosite.ResponseModeFormPost}
}

// GetTokenEndpointAuthMethod is the registered way the client
// authenticates (RFC 7591 §2): an empty value means client_secret_basic
// for a confidential client, none for a public one.
func (c *Client) GetTokenEndpointAuthMethod() string {
	switch {
	case c.TokenEndpointAuthMethod != "":
		return c.TokenEndpointAuthMethod
	case c.Public:
		return "none"
	}
	return "client_secret_basic"
}

// UsesPublicSubject reports whether the client receives the account id as
// `sub` instead of a pairwise identifier.
func (c *Client) UsesPublicSubject() bool { return c.SubjectType == SubjectPublic }
