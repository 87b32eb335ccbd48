package keys

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/openid"
	"github.com/ory/fosite/token/jwt"
)

func oidcSession(sub string, headers *jwt.Headers) *openid.DefaultSession {
	now := time.Now().UTC().Truncate(time.Second)
	return &openid.DefaultSession{
		Claims:  &jwt.IDTokenClaims{Subject: sub, AuthTime: now, RequestedAt: now},
		Headers: headers,
		Subject: sub,
	}
}

func idTokenRequest(sess *openid.DefaultSession, hint string) *fosite.AccessRequest {
	ar := fosite.NewAccessRequest(sess)
	ar.Client = &fosite.DefaultClient{ID: "exam-portal"}
	ar.Form = url.Values{}
	if hint != "" {
		ar.Form.Set("id_token_hint", hint)
	}
	return ar
}

// fosite's own ID token strategy, driven by our signer: the kid comes from
// the Manager (not from the stored session headers), and an id_token_hint
// signed by a key retired since still decodes.
func TestFositeIDTokenStrategy(t *testing.T) {
	ctx := context.Background()
	m, _, _ := newTestManager(t)
	cfg := &fosite.Config{IDTokenIssuer: "https://id.example.vn"}
	for _, alg := range algs {
		t.Run(alg, func(t *testing.T) {
			strategy := openid.DefaultStrategy{Signer: m.Signer(alg), Config: cfg}

			stale := jwt.NewHeaders()
			stale.Add("kid", "kid-from-an-old-session")
			first, err := strategy.GenerateIDToken(ctx, time.Hour, idTokenRequest(oidcSession("citizen-1", stale), ""))
			if err != nil {
				t.Fatal(err)
			}
			firstKID := kidOf(t, first)
			if !jwksKIDs(t, m.JWKS())[firstKID] {
				t.Fatalf("ID token kid %q not published", firstKID)
			}

			if _, err := m.Rotate(ctx); err != nil {
				t.Fatal(err)
			}
			second, err := strategy.GenerateIDToken(ctx, time.Hour, idTokenRequest(oidcSession("citizen-1", stale), first))
			if err != nil {
				t.Fatalf("id_token_hint from the retired key: %v", err)
			}
			if kidOf(t, second) == firstKID {
				t.Fatal("still signing with the retired key")
			}

			_, err = strategy.GenerateIDToken(ctx, time.Hour, idTokenRequest(oidcSession("citizen-2", jwt.NewHeaders()), second))
			if !errors.Is(err, fosite.ErrServerError) {
				t.Fatalf("hint for another subject: got %v", err)
			}
		})
	}
}

// The authorize-time validator accepts an expired id_token_hint (OIDC Core
// §3.1.2.1) and rejects one we did not sign.
func TestFositePromptValidatorHint(t *testing.T) {
	ctx := context.Background()
	m, _, _ := newTestManager(t)
	v := openid.NewOpenIDConnectRequestValidator(m.Signer(RS256), &fosite.Config{})
	req := func(hint string) *fosite.AuthorizeRequest {
		ar := fosite.NewAuthorizeRequest()
		ar.Client = &fosite.DefaultClient{ID: "exam-portal"}
		ar.Session = oidcSession("citizen-1", jwt.NewHeaders())
		ar.Form = url.Values{"id_token_hint": {hint}}
		return ar
	}
	expired := idClaims()
	expired["sub"] = "citizen-1"
	expired["iat"] = time.Now().Add(-3 * time.Hour).Unix()
	expired["exp"] = time.Now().Add(-2 * time.Hour).Unix()
	if err := v.ValidatePrompt(ctx, req(mustGenerate(t, m.Signer(ES256), expired))); err != nil {
		t.Fatalf("expired hint: %v", err)
	}

	other, _, _ := newTestManager(t)
	forged := idClaims()
	forged["sub"] = "citizen-1"
	if err := v.ValidatePrompt(ctx, req(mustGenerate(t, other.Signer(RS256), forged))); !errors.Is(err, fosite.ErrInvalidRequest) {
		t.Fatalf("hint signed by another provider: got %v", err)
	}
}
