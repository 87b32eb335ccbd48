package storagetest

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"github.com/ory/fosite/handler/openid"
	"github.com/ory/fosite/token/jwt"

	"github.com/dinhdanh/dinhdanh/identity"
)

// These tests drive fosite's own handlers against the store, so the
// contracts fosite only checks at run time are exercised as fosite uses
// them: transactions around the code exchange and refresh, replay
// detection, refresh-token reuse detection.

// testHasher compares SHA-256 digests; fosite's bcrypt would only slow
// the suite down.
type testHasher struct{}

func (testHasher) Hash(_ context.Context, data []byte) ([]byte, error) {
	s := sha256.Sum256(data)
	return s[:], nil
}

func (testHasher) Compare(ctx context.Context, hash, data []byte) error {
	h, _ := testHasher{}.Hash(ctx, data)
	if subtle.ConstantTimeCompare(h, hash) != 1 {
		return errors.New("secret mismatch")
	}
	return nil
}

const clientSecret = "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t-xyz"

func newFosite(t *testing.T, e *env) (fosite.OAuth2Provider, *identity.Client) {
	t.Helper()
	hash, _ := testHasher{}.Hash(context.Background(), []byte(clientSecret))
	c := testClient("exam-portal")
	c.SecretHash = hash
	if err := e.s.CreateClient(e.ctx, c); err != nil {
		t.Fatal(err)
	}
	cfg := &fosite.Config{
		GlobalSecret:          []byte("a-global-secret-of-at-least-32-bytes!"),
		ClientSecretsHasher:   testHasher{},
		AccessTokenLifespan:   15 * time.Minute,
		RefreshTokenLifespan:  24 * time.Hour,
		AuthorizeCodeLifespan: 5 * time.Minute,
		EnforcePKCE:           true,
		ScopeStrategy:         fosite.ExactScopeStrategy,
		RefreshTokenScopes:    []string{"offline_access"},
	}
	p := compose.Compose(cfg, e.s, compose.NewOAuth2HMACStrategy(cfg),
		compose.OAuth2AuthorizeExplicitFactory,
		compose.OAuth2RefreshTokenGrantFactory,
		compose.OAuth2TokenRevocationFactory,
		compose.OAuth2TokenIntrospectionFactory,
		compose.OAuth2PKCEFactory,
	)
	return p, &c
}

func fositeSession(subject string) *openid.DefaultSession {
	return &openid.DefaultSession{
		Subject: subject,
		Claims:  &jwt.IDTokenClaims{Subject: subject},
		Headers: &jwt.Headers{},
	}
}

// authorize runs an authorization request with PKCE and returns the code.
func authorize(t *testing.T, e *env, p fosite.OAuth2Provider, verifier string) string {
	t.Helper()
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {"exam-portal"},
		"redirect_uri":          {"https://rp.example/cb"},
		"scope":                 {"offline_access profile"},
		"state":                 {"state-0123456789"},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}
	req := httptest.NewRequest(http.MethodGet, "https://id.example.vn/oauth2/auth?"+q.Encode(), nil)
	ar, err := p.NewAuthorizeRequest(e.ctx, req)
	if err != nil {
		t.Fatalf("NewAuthorizeRequest: %v", fositeDebug(err))
	}
	ar.GrantScope("offline_access")
	ar.GrantScope("profile")
	resp, err := p.NewAuthorizeResponse(e.ctx, ar, fositeSession("pairwise-sub"))
	if err != nil {
		t.Fatalf("NewAuthorizeResponse: %v", fositeDebug(err))
	}
	code := resp.GetParameters().Get("code")
	if code == "" {
		t.Fatal("no code")
	}
	return code
}

func tokenRequest(ctx context.Context, p fosite.OAuth2Provider, form url.Values) (fosite.AccessResponder, error) {
	req := httptest.NewRequest(http.MethodPost, "https://id.example.vn/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("exam-portal", clientSecret)
	ar, err := p.NewAccessRequest(ctx, req, fositeSession(""))
	if err != nil {
		return nil, err
	}
	return p.NewAccessResponse(ctx, ar)
}

func fositeDebug(err error) string {
	var rfc *fosite.RFC6749Error
	if errors.As(err, &rfc) {
		return rfc.ErrorField + ": " + rfc.GetDescription() + " (" + rfc.DebugField + ")"
	}
	return err.Error()
}

func testFositeCodeFlow(t *testing.T, e *env) {
	p, _ := newFosite(t, e)
	const verifier = "a-pkce-code-verifier-of-sufficient-length-0123456789"
	code := authorize(t, e, p, verifier)
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {"https://rp.example/cb"},
		"code_verifier": {verifier},
	}
	resp, err := tokenRequest(e.ctx, p, form)
	if err != nil {
		t.Fatalf("code exchange: %v", fositeDebug(err))
	}
	at := resp.GetAccessToken()
	rt, _ := resp.GetExtra("refresh_token").(string)
	if at == "" || rt == "" {
		t.Fatalf("tokens missing: %+v", resp.ToMap())
	}
	if _, _, err := p.IntrospectToken(e.ctx, at, fosite.AccessToken, fositeSession("")); err != nil {
		t.Fatalf("introspect access token: %v", fositeDebug(err))
	}

	// Replaying the code fails and revokes what it issued (RFC 6749 §4.1.2).
	if _, err := tokenRequest(e.ctx, p, form); !errors.Is(err, fosite.ErrInvalidGrant) {
		t.Fatalf("code replay: err = %v, want invalid_grant", fositeDebug(err))
	}
	if _, _, err := p.IntrospectToken(e.ctx, at, fosite.AccessToken, fositeSession("")); err == nil {
		t.Fatal("access token still active after code replay")
	}
	if _, err := tokenRequest(e.ctx, p, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}); err == nil {
		t.Fatal("refresh token still usable after code replay")
	}

	// A second authorization: refresh, then revoke (RFC 7009).
	code = authorize(t, e, p, verifier)
	form.Set("code", code)
	resp, err = tokenRequest(e.ctx, p, form)
	if err != nil {
		t.Fatalf("second code exchange: %v", fositeDebug(err))
	}
	rt, _ = resp.GetExtra("refresh_token").(string)
	resp, err = tokenRequest(e.ctx, p, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	if err != nil {
		t.Fatalf("refresh: %v", fositeDebug(err))
	}
	rt2, _ := resp.GetExtra("refresh_token").(string)
	revoke := httptest.NewRequest(http.MethodPost, "https://id.example.vn/oauth2/revoke",
		strings.NewReader(url.Values{"token": {rt2}, "token_type_hint": {"refresh_token"}}.Encode()))
	revoke.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	revoke.SetBasicAuth("exam-portal", clientSecret)
	if err := p.NewRevocationRequest(e.ctx, revoke); err != nil {
		t.Fatalf("revoke: %v", fositeDebug(err))
	}
	if _, _, err := p.IntrospectToken(e.ctx, resp.GetAccessToken(), fosite.AccessToken, fositeSession("")); err == nil {
		t.Fatal("access token active after revoking its refresh token")
	}
	// Revoked tokens get no grace period, even right after rotation.
	if _, err := tokenRequest(e.ctx, p, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}); err == nil {
		t.Fatal("rotated refresh token usable after revocation")
	}
}

// 20 clients-side retries of one refresh at once through fosite: all get
// a new pair; none is mistaken for reuse (which would revoke the grant).
// After the grace period the old token is reuse, and revokes everything.
func testFositeConcurrentRefresh(t *testing.T, e *env) {
	p, _ := newFosite(t, e)
	const verifier = "a-pkce-code-verifier-of-sufficient-length-0123456789"
	code := authorize(t, e, p, verifier)
	resp, err := tokenRequest(e.ctx, p, url.Values{
		"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {"https://rp.example/cb"}, "code_verifier": {verifier},
	})
	if err != nil {
		t.Fatalf("code exchange: %v", fositeDebug(err))
	}
	rt, _ := resp.GetExtra("refresh_token").(string)

	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	pairs := make([][2]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := tokenRequest(e.ctx, p, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
			if err != nil {
				errs[i] = err
				return
			}
			nrt, _ := r.GetExtra("refresh_token").(string)
			pairs[i] = [2]string{r.GetAccessToken(), nrt}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("refresh %d: %s", i, fositeDebug(err))
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	for i, pair := range pairs {
		if _, _, err := p.IntrospectToken(e.ctx, pair[0], fosite.AccessToken, fositeSession("")); err != nil {
			t.Errorf("access token %d inactive: %s", i, fositeDebug(err))
		}
		if _, _, err := p.IntrospectToken(e.ctx, pair[1], fosite.RefreshToken, fositeSession("")); err != nil {
			t.Errorf("refresh token %d inactive: %s", i, fositeDebug(err))
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	e.clock.Advance(GracePeriod)
	if _, err := tokenRequest(e.ctx, p, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}); !errors.Is(err, fosite.ErrInvalidGrant) {
		t.Fatalf("reuse after grace: err = %v, want invalid_grant", err)
	}
	for i, pair := range pairs {
		if _, _, err := p.IntrospectToken(e.ctx, pair[1], fosite.RefreshToken, fositeSession("")); err == nil {
			t.Errorf("refresh token %d still active after reuse detection", i)
		}
	}
}
