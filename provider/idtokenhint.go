package provider

import (
	"context"
	"errors"
	"slices"
	"strings"

	fositejwt "github.com/ory/fosite/token/jwt"
)

// maxIDTokenHint bounds a hint before any parsing. Our own ID tokens
// with every claim of the catalog (verified_claims included) pass 4 KiB,
// and a hint we issued must be accepted (OIDC Core §3.1.2.1).
const maxIDTokenHint = 16 << 10

var errNotOurIDToken = errors.New("not an ID Token issued by this provider")

// idTokenHint is a decoded id_token_hint.
type idTokenHint struct {
	Subject  string
	Audience []string
}

// decodeIDTokenHint accepts only an ID Token this provider issued (OIDC
// Core §3.1.2.1 id_token_hint; RP-Initiated Logout §2): our signature, our
// iss, a sub, and the typ our ID Tokens carry. Other JWTs we sign, such as
// back-channel logout tokens (typ logout+jwt, with an events claim), are
// refused by their explicit type (RFC 8725 §3.11), so a captured logout
// token can neither authorize nor log anyone out. An expired ID Token is
// still a valid hint (§3.1.2.1). clientID, when set, must be an audience.
// The authorization endpoint and the end-session endpoint both use it.
func (p *Provider) decodeIDTokenHint(ctx context.Context, raw, clientID string) (idTokenHint, error) {
	if raw == "" || len(raw) > maxIDTokenHint {
		return idTokenHint{}, errNotOurIDToken
	}
	tok, err := p.keys.Signer("RS256").Decode(ctx, raw)
	var ve *fositejwt.ValidationError
	if err != nil && !(errors.As(err, &ve) && ve.Errors == fositejwt.ValidationErrorExpired && tok != nil) {
		return idTokenHint{}, errNotOurIDToken
	}
	// Our ID Tokens are typed "JWT" (keys.Signer); typ is case-insensitive
	// (RFC 7515 §4.1.9).
	if typ, _ := tok.Header["typ"].(string); !strings.EqualFold(typ, "JWT") {
		return idTokenHint{}, errNotOurIDToken
	}
	if _, isEvent := tok.Claims["events"]; isEvent {
		return idTokenHint{}, errNotOurIDToken // a SET, never an ID Token
	}
	if iss, _ := tok.Claims["iss"].(string); iss != p.cfg.Issuer {
		return idTokenHint{}, errNotOurIDToken
	}
	h := idTokenHint{Audience: audiences(tok.Claims["aud"])}
	h.Subject, _ = tok.Claims["sub"].(string)
	if h.Subject == "" || len(h.Audience) == 0 {
		return idTokenHint{}, errNotOurIDToken
	}
	if clientID != "" && !slices.Contains(h.Audience, clientID) {
		return idTokenHint{}, errNotOurIDToken
	}
	return h, nil
}

// audiences reads aud, a string or an array of strings (RFC 7519 §4.1.3).
func audiences(v any) []string {
	switch a := v.(type) {
	case string:
		if a != "" {
			return []string{a}
		}
	case []any:
		var out []string
		for _, x := range a {
			if s, ok := x.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	case []string:
		return a
	}
	return nil
}
