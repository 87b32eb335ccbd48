package provider

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"time"

	"github.com/dinhdanh/dinhdanh/identity"
)

// ClientSpec is a client registration as an operator gives it.
type ClientSpec struct {
	ID                     string
	Name                   string
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	GrantTypes             []string
	Scopes                 []string
	Secret                 string // empty: generate one (unless Public)
	Public                 bool
	// AuthMethod is the token_endpoint_auth_method (RFC 7591 §2):
	// client_secret_basic (the default) or client_secret_post; none for a
	// public client.
	AuthMethod           string
	JWKSURI              string
	PublicSubject        bool
	BackchannelLogoutURI string
	AllowOTPLogin        bool
	// DeviceLevel2 lets the device grant reach level-2 documents.
	DeviceLevel2 bool
	MinLevel     int // least authentication level for every login
	LogoURI      string
	Purpose      string
}

var clientIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$`)

var supportedGrantTypes = []string{"authorization_code", "refresh_token", "client_credentials", GrantTypeDeviceCode}

// minSecretLen is 43 characters: 32 random bytes in base64url, 256 bits.
const minSecretLen = 43

// BuildClient validates a registration and returns the client to store and
// the plain secret, which is shown once and never stored.
func BuildClient(spec ClientSpec, secretKey []byte, now time.Time) (identity.Client, string, error) {
	c := identity.Client{
		ID: spec.ID, Name: spec.Name, Public: spec.Public,
		RedirectURIs: spec.RedirectURIs, PostLogoutRedirectURIs: spec.PostLogoutRedirectURIs,
		GrantTypes: spec.GrantTypes, Scopes: spec.Scopes, JWKSURI: spec.JWKSURI,
		SubjectType: identity.SubjectPairwise, LogoURI: spec.LogoURI, Purpose: spec.Purpose,
		BackchannelLogoutURI: spec.BackchannelLogoutURI, AllowOTPLogin: spec.AllowOTPLogin, DeviceLevel2: spec.DeviceLevel2, MinLevel: spec.MinLevel,
		ResponseTypes: []string{"code"}, CreatedAt: now,
	}
	if spec.PublicSubject {
		c.SubjectType = identity.SubjectPublic
	}
	if c.MinLevel < 0 || c.MinLevel > maxSupportedLevel {
		return c, "", fmt.Errorf("client %s: --min-level must be 1 or %d", c.ID, maxSupportedLevel)
	}
	if c.AllowOTPLogin && c.MinLevel >= 2 {
		return c, "", fmt.Errorf("client %s: an SMS code alone is level 1, below the client's minimum", c.ID)
	}
	if !clientIDPattern.MatchString(c.ID) {
		return c, "", fmt.Errorf("client id %q: use 2-64 letters, digits, '.', '_' or '-'", c.ID)
	}
	if c.Name == "" {
		return c, "", fmt.Errorf("client %s: a name is required (it is shown on the consent page)", c.ID)
	}
	if len(c.GrantTypes) == 0 {
		c.GrantTypes = []string{"authorization_code", "refresh_token"}
	}
	for _, g := range c.GrantTypes {
		if !slices.Contains(supportedGrantTypes, g) {
			return c, "", fmt.Errorf("grant type %q is not supported (use %v)", g, supportedGrantTypes)
		}
	}
	interactive := slices.Contains(c.GrantTypes, "authorization_code")
	if interactive && len(c.RedirectURIs) == 0 {
		return c, "", fmt.Errorf("client %s: the authorization_code grant needs at least one --redirect-uri", c.ID)
	}
	if !interactive && len(c.RedirectURIs) > 0 {
		return c, "", fmt.Errorf("client %s: redirect URIs need the authorization_code grant", c.ID)
	}
	if !interactive {
		c.ResponseTypes = nil
	}
	uris := append(append([]string{}, c.RedirectURIs...), c.PostLogoutRedirectURIs...)
	if c.BackchannelLogoutURI != "" {
		uris = append(uris, c.BackchannelLogoutURI)
	}
	for _, u := range uris {
		if err := checkRedirectURI(u); err != nil {
			return c, "", err
		}
	}
	if c.SubjectType == identity.SubjectPairwise && len(c.RedirectURIs) > 1 {
		// OIDC Core §8.1: the sector is the redirect URIs' host; several
		// hosts would need a sector_identifier_uri, which we do not offer.
		host := ""
		for _, raw := range c.RedirectURIs {
			u, _ := url.Parse(raw)
			if host != "" && u.Hostname() != host {
				return c, "", fmt.Errorf("client %s: pairwise subjects need all redirect URIs on one host", c.ID)
			}
			host = u.Hostname()
		}
	}
	if len(c.Scopes) == 0 {
		return c, "", fmt.Errorf("client %s: --scope is required", c.ID)
	}
	if interactive && !slices.Contains(c.Scopes, "openid") {
		return c, "", fmt.Errorf("client %s: an interactive client needs the openid scope", c.ID)
	}
	device := slices.Contains(c.GrantTypes, GrantTypeDeviceCode)
	if c.DeviceLevel2 && !device {
		return c, "", fmt.Errorf("client %s: --device-level2 needs the %s grant", c.ID, GrantTypeDeviceCode)
	}
	for _, s := range c.Scopes {
		if !identity.IsSupportedScope(s) && (interactive || device) {
			return c, "", fmt.Errorf("scope %q is not in the claims catalog", s)
		}
	}
	if spec.Public {
		if spec.Secret != "" || spec.JWKSURI != "" {
			return c, "", fmt.Errorf("client %s: a public client has no secret and no JWKS", c.ID)
		}
		if slices.Contains(c.GrantTypes, "client_credentials") {
			return c, "", fmt.Errorf("client %s: a public client cannot use client_credentials", c.ID)
		}
		if spec.AuthMethod != "" && spec.AuthMethod != authNone {
			return c, "", fmt.Errorf("client %s: a public client authenticates with none, not %s", c.ID, spec.AuthMethod)
		}
		c.TokenEndpointAuthMethod = authNone
		return c, "", nil
	}
	if spec.JWKSURI != "" {
		return c, "", fmt.Errorf("client %s: private_key_jwt clients are not supported yet", c.ID)
	}
	switch spec.AuthMethod {
	case "":
		c.TokenEndpointAuthMethod = authBasic
	case authBasic, authPost:
		c.TokenEndpointAuthMethod = spec.AuthMethod
	case authNone:
		return c, "", fmt.Errorf("client %s: auth method none is for public clients (--public)", c.ID)
	default:
		return c, "", fmt.Errorf("client %s: auth method %q is not supported (use %s or %s)", c.ID, spec.AuthMethod, authBasic, authPost)
	}
	secret := spec.Secret
	if secret == "" {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return c, "", err
		}
		secret = base64.RawURLEncoding.EncodeToString(b)
	} else if len(secret) < minSecretLen {
		return c, "", fmt.Errorf("client %s: a given secret must be at least %d characters", c.ID, minSecretLen)
	}
	c.SecretHash = SecretHasher{Key: secretKey}.sum([]byte(secret))
	return c, secret, nil
}

// checkRedirectURI enforces RFC 6749 §3.1.2: absolute, no fragment; and
// https except for loopback development clients (RFC 8252 §7.3).
func checkRedirectURI(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return fmt.Errorf("redirect URI %q must be an absolute URL", raw)
	}
	if u.Fragment != "" {
		return fmt.Errorf("redirect URI %q must not contain a fragment", raw)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopbackHost(u.Hostname())) {
		return fmt.Errorf("redirect URI %q must use https (http only for localhost)", raw)
	}
	return nil
}

func isLoopbackHost(h string) bool {
	return h == "localhost" || h == "127.0.0.1" || h == "::1"
}
