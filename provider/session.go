package provider

import (
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/openid"
	"github.com/ory/fosite/token/jwt"
)

// Session is what fosite stores with every code and token. It carries the
// ID-token claims plus the internal account id, from which userinfo is
// assembled; it never holds personal data itself.
type Session struct {
	*openid.DefaultSession `json:"oidc"`
	AccountID              string `json:"aid,omitempty"`
	// Claims are the consented claims; userinfo releases no others. No
	// omitempty: an empty list must stay empty, never become "all".
	Claims []string `json:"claims"`
	// ClaimsParam is the request's claims parameter (OIDC Core §5.5), kept
	// so userinfo and the ID token release what was asked for there.
	ClaimsParam string `json:"cp,omitempty"`
	// RefreshScope is the refresh token's scope when a refresh narrowed
	// the access token's (refreshScopeHandler).
	RefreshScope []string `json:"rs,omitempty"`
}

var _ openid.Session = (*Session)(nil)

func newSession() *Session {
	return &Session{DefaultSession: &openid.DefaultSession{
		Claims:  &jwt.IDTokenClaims{},
		Headers: &jwt.Headers{},
	}}
}

// Clone must return *Session, or fosite's copies lose AccountID.
func (s *Session) Clone() fosite.Session {
	if s == nil {
		return nil
	}
	c := &Session{AccountID: s.AccountID, Claims: append([]string{}, s.Claims...), ClaimsParam: s.ClaimsParam}
	if s.RefreshScope != nil {
		c.RefreshScope = append([]string{}, s.RefreshScope...)
	}
	if s.DefaultSession != nil {
		c.DefaultSession = s.DefaultSession.Clone().(*openid.DefaultSession)
	}
	return c
}

func (s *Session) IDTokenClaims() *jwt.IDTokenClaims {
	if s.DefaultSession.Claims == nil {
		s.DefaultSession.Claims = &jwt.IDTokenClaims{}
	}
	return s.DefaultSession.Claims
}

func (s *Session) IDTokenHeaders() *jwt.Headers {
	if s.DefaultSession.Headers == nil {
		s.DefaultSession.Headers = &jwt.Headers{}
	}
	return s.DefaultSession.Headers
}

// Assurance levels (DOMAIN.md); the short aliases are accepted on input.
const (
	ACRLevel1 = "urn:vn:eid:loa:1"
	ACRLevel2 = "urn:vn:eid:loa:2"
)

func truncateSecond(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }
