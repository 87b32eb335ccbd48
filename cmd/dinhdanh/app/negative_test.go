package app_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/dinhdanh/dinhdanh/cmd/dinhdanh/app"
	"github.com/dinhdanh/dinhdanh/provider"
)

func tokenError(t *testing.T, err error) (int, string) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("expected an OAuth error response, got %v", err)
	}
	return re.Response.StatusCode, re.ErrorCode
}

func TestRedirectURIMismatchIsNeverRedirected(t *testing.T) {
	e := newEnv(t)
	for name, redirect := range map[string]string{
		"extra path":   rpCallback + "/extra",
		"other host":   "http://127.0.0.2:9/callback",
		"extra query":  rpCallback + "?x=1",
		"unregistered": "https://attacker.example/callback",
	} {
		t.Run(name, func(t *testing.T) {
			cfg := e.oauth
			cfg.RedirectURL = redirect
			u := cfg.AuthCodeURL("state-12345678", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
			b := newBrowser(t)
			b.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			b.get(u)
			if b.last.StatusCode != http.StatusBadRequest || b.last.Header.Get("Location") != "" {
				t.Fatalf("got %d Location=%q", b.last.StatusCode, b.last.Header.Get("Location"))
			}
			if !strings.Contains(b.body, "Không thể tiếp tục") || !strings.Contains(b.body, "invalid_request") {
				t.Errorf("error page lacks explanation:\n%s", b.body)
			}
		})
	}
	// An unknown client gets the same treatment.
	b := newBrowser(t)
	b.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	b.get(e.issuer + "/oauth2/auth?client_id=nobody&response_type=code&redirect_uri=" + url.QueryEscape(rpCallback))
	if b.last.StatusCode == http.StatusSeeOther || b.last.Header.Get("Location") != "" {
		t.Fatalf("unknown client redirected: %d %q", b.last.StatusCode, b.last.Header.Get("Location"))
	}
	if !strings.Contains(b.body, "invalid_client") {
		t.Errorf("unknown client page: %s", b.body)
	}
}

func TestMissingPKCEIsRejected(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t)
	b.get(e.oauth.AuthCodeURL("state-12345678"))
	q := b.callback()
	if q.Get("error") != "invalid_request" || !strings.Contains(q.Get("error_description"), "PKCE") && !strings.Contains(q.Get("error_description"), "code_challenge") {
		t.Errorf("got %v", q)
	}
	if q.Get("iss") != e.issuer || q.Get("state") != "state-12345678" {
		t.Errorf("error response lacks iss/state: %v", q)
	}
	// plain is not accepted either: S256 only.
	b.get(e.oauth.AuthCodeURL("state-12345678", oauth2.SetAuthURLParam("code_challenge", strings.Repeat("a", 43)), oauth2.SetAuthURLParam("code_challenge_method", "plain")))
	if q := b.callback(); q.Get("error") != "invalid_request" {
		t.Errorf("plain PKCE: %v", q)
	}
}

func TestWrongCodeVerifier(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t)
	u, _ := e.authURL()
	q := e.login(b, u, testPassword)
	_, err := e.oauth.Exchange(e.ctx, q.Get("code"), oauth2.VerifierOption(oauth2.GenerateVerifier()))
	if status, code := tokenError(t, err); status != http.StatusBadRequest || code != "invalid_grant" {
		t.Errorf("got %d %s", status, code)
	}
}

func TestReusedCodeRevokesFirstTokens(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t)
	u, ar := e.authURL()
	q := e.login(b, u, testPassword)
	tok, err := e.exchange(q.Get("code"), ar)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.provider.UserInfo(e.ctx, oauth2.StaticTokenSource(tok)); err != nil {
		t.Fatal(err)
	}
	_, err = e.exchange(q.Get("code"), ar)
	if _, code := tokenError(t, err); code != "invalid_grant" {
		t.Errorf("second exchange: %s", code)
	}
	// RFC 6749 §4.1.2: tokens issued from a reused code should be revoked.
	if _, err := e.provider.UserInfo(e.ctx, oauth2.StaticTokenSource(tok)); err == nil {
		t.Error("access token from the first exchange still works after code reuse")
	}
	if _, err := e.oauth.TokenSource(e.ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
		t.Error("refresh token from the first exchange still works after code reuse")
	}
}

func TestWrongClientSecret(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t)
	u, ar := e.authURL()
	q := e.login(b, u, testPassword)
	cfg := e.oauth
	cfg.ClientSecret = strings.Repeat("x", 43)
	_, err := cfg.Exchange(e.ctx, q.Get("code"), oauth2.VerifierOption(ar.verifier))
	if status, code := tokenError(t, err); status != http.StatusUnauthorized || code != "invalid_client" {
		t.Errorf("got %d %s", status, code)
	}
}

func TestExpiredCode(t *testing.T) {
	e := newEnv(t, func(o *app.Options) { o.AuthCodeLifespan = -time.Minute })
	b := newBrowser(t)
	u, ar := e.authURL()
	q := e.login(b, u, testPassword)
	_, err := e.exchange(q.Get("code"), ar)
	if status, code := tokenError(t, err); status != http.StatusBadRequest || code != "invalid_grant" {
		t.Errorf("got %d %s", status, code)
	}
}

func TestWrongPasswordGivesNoHint(t *testing.T) {
	e := newEnv(t)
	attempt := func(pin, password string) (int, string) {
		b := newBrowser(t)
		u, _ := e.authURL()
		b.get(u)
		b.submit(e.issuer, "/login", url.Values{"id_number": {pin}, "password": {password}})
		return b.last.StatusCode, b.body
	}
	s1, body1 := attempt(testPIN, "wrong-password-123")
	s2, body2 := attempt("079304123456", "wrong-password-123") // well-formed, no account
	if s1 != http.StatusUnauthorized || s2 != http.StatusUnauthorized {
		t.Errorf("statuses %d %d", s1, s2)
	}
	msg := "Số định danh hoặc mật khẩu không đúng."
	if !strings.Contains(body1, msg) || !strings.Contains(body2, msg) {
		t.Errorf("messages differ or missing")
	}
	// A malformed number gets a format error instead.
	s3, body3 := attempt("07909512345", "whatever-123")
	if s3 != http.StatusBadRequest || strings.Contains(body3, msg) {
		t.Errorf("malformed ID: %d", s3)
	}
	// Oversize and non-UTF-8 input: a clear error, never a crash.
	s4, _ := attempt(strings.Repeat("1", 5000), "x")
	s5, _ := attempt("\xff\xfe", "x")
	if s4 != http.StatusBadRequest || s5 != http.StatusBadRequest {
		t.Errorf("oversize %d, bad utf-8 %d", s4, s5)
	}
}

func TestConsentDenied(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t)
	u, ar := e.authURL()
	b.get(u)
	b.submit(e.issuer, "/login", url.Values{"id_number": {testPIN}, "password": {testPassword}})
	b.submit(e.issuer, "/password", url.Values{"new_password": {newPassword}, "confirm_password": {newPassword}})
	b.submit(e.issuer, "/consent", url.Values{"decision": {"deny"}})
	q := b.callback()
	if q.Get("error") != "access_denied" || q.Get("state") != ar.state || q.Get("iss") != e.issuer || q.Get("code") != "" {
		t.Errorf("got %v", q)
	}
}

func TestFormsRequireCSRFToken(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t)
	u, _ := e.authURL()
	b.get(u)
	b.submit(e.issuer, "/login", url.Values{"id_number": {testPIN}, "password": {testPassword}, "csrf_token": {"forged"}})
	if b.last.StatusCode != http.StatusForbidden {
		t.Errorf("forged CSRF token: %d", b.last.StatusCode)
	}
}

func TestPromptNoneWithoutSession(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t)
	u, _ := e.authURL(oauth2.SetAuthURLParam("prompt", "none"))
	b.get(u)
	if q := b.callback(); q.Get("error") != "login_required" {
		t.Errorf("got %v", q)
	}
}

func TestConcurrentRefreshDoesNotLogOut(t *testing.T) {
	e := newEnv(t)
	_, tok, _ := e.fullLogin()
	const n = 20
	var wg sync.WaitGroup
	results := make([]*oauth2.Token, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i], errs[i] = e.oauth.TokenSource(e.ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("refresh %d failed: %v", i, err)
		}
	}
	// The grant is intact: every new pair works.
	for i, r := range results {
		if _, err := e.provider.UserInfo(e.ctx, oauth2.StaticTokenSource(r)); err != nil {
			t.Errorf("access token %d rejected: %v", i, err)
		}
	}
	if _, err := e.oauth.TokenSource(e.ctx, &oauth2.Token{RefreshToken: results[n-1].RefreshToken}).Token(); err != nil {
		t.Errorf("a rotated refresh token no longer works: %v", err)
	}
}

func TestNoRefreshTokenWithoutOfflineAccess(t *testing.T) {
	e := newEnv(t)
	e.oauth.Scopes = []string{"openid", "profile"}
	_, tok, _ := e.fullLogin()
	if tok.RefreshToken != "" {
		t.Error("refresh token issued without offline_access")
	}
}

func TestClientCredentialsAndIntrospection(t *testing.T) {
	e := newEnv(t)
	id, secret := e.registerClient(provider.ClientSpec{ID: "bank-batch", Name: "Bank batch", GrantTypes: []string{"client_credentials"}, Scopes: []string{"introspect"}})
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"introspect"}}
	req, _ := http.NewRequest(http.MethodPost, e.issuer+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tr struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tr)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || tr.AccessToken == "" {
		t.Fatalf("client_credentials: %d", resp.StatusCode)
	}

	introspect := func(user, pass, token string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, e.issuer+"/oauth2/introspect", strings.NewReader(url.Values{"token": {token}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		body, _ := io.ReadAll(resp.Body)
		_ = json.Unmarshal(body, &out)
		return resp.StatusCode, out
	}
	if status, out := introspect(id, secret, tr.AccessToken); status != http.StatusOK || out["active"] != true {
		t.Errorf("introspection by a resource server: %d %v", status, out)
	}
	// RFC 7662 §4: a client not registered for introspection learns nothing.
	if status, out := introspect(e.clientID, e.secret, tr.AccessToken); status != http.StatusOK || len(out) != 1 || out["active"] != false {
		t.Errorf("introspection by a relying party: %d %v", status, out)
	}
	if status, _ := introspect("", "", tr.AccessToken); status != http.StatusUnauthorized {
		t.Errorf("introspection without client authentication: %d", status)
	}
	if status, out := introspect(id, secret, "not-a-token"); status != http.StatusOK || out["active"] != false {
		t.Errorf("unknown token: %d %v", status, out)
	}
}
