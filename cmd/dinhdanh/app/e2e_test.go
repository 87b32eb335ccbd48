package app_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/dinhdanh/dinhdanh/cmd/dinhdanh/app"
	"github.com/dinhdanh/dinhdanh/identity"
	"github.com/dinhdanh/dinhdanh/provider"
)

const (
	testPIN      = "001095012345"
	testPassword = "mat-khau-ban-dau-01"
	newPassword  = "mat-khau-moi-cua-an-2026"
	rpCallback   = "http://127.0.0.1:9/callback" // never contacted: the test browser stops there
	rpLoggedOut  = rpCallback + "/logged-out"
)

// env is a running provider with one citizen, one account and one
// confidential relying party.
type env struct {
	t        *testing.T
	srv      *httptest.Server
	app      *app.App
	issuer   string
	clientID string
	secret   string
	oauth    oauth2.Config
	provider *oidc.Provider
	ctx      context.Context
}

type envOption func(*app.Options)

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	ctx := context.Background()
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	t.Cleanup(srv.Close)
	mk := make([]byte, 32)
	_, _ = rand.Read(mk)
	o := app.Options{
		Issuer:      srv.URL,
		DatabaseURL: "sqlite:" + filepath.Join(t.TempDir(), "e2e.db"),
		MasterKey:   mk,
		Logger:      testLogger(),
		// Cheap hashes keep the suite fast; production cost is benchmarked.
		PasswordParams: identity.PasswordParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
	}
	for _, opt := range opts {
		opt(&o)
	}
	a, err := app.New(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	srv.Config.Handler = a.Handler()

	if _, _, _, err := a.Store.UpsertCitizens(ctx, []identity.Citizen{{
		PIN: testPIN, FullName: "Nguyễn Văn An", Birthdate: "1995-03-14", Gender: identity.Male,
		Phone: "+84912345678", Email: "an.nguyen@example.vn", PermanentAddress: "Số 12 phố Tràng Tiền, Hà Nội", ProvinceCode: "01",
	}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Auth.Issue(ctx, testPIN, testPassword, identity.Level2); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: srv, app: a, issuer: srv.URL, ctx: ctx}
	e.clientID, e.secret = e.registerClient(provider.ClientSpec{
		ID: "exam-portal", Name: "Cổng thi", RedirectURIs: []string{rpCallback}, PostLogoutRedirectURIs: []string{rpLoggedOut},
		Scopes: []string{"openid", "profile", "email", "phone", "address", "vn_id", "offline_access"},
	})
	// A test may configure an https issuer on this plain-http server.
	e.provider, err = oidc.NewProvider(oidc.InsecureIssuerURLContext(ctx, o.Issuer), e.issuer)
	if err != nil {
		t.Fatal(err)
	}
	// The client is registered for client_secret_basic, which is enforced:
	// x/oauth2's auto-detection would retry any token error with
	// client_secret_post and get invalid_client instead of the real error.
	ep := e.provider.Endpoint()
	ep.AuthStyle = oauth2.AuthStyleInHeader
	e.oauth = oauth2.Config{ClientID: e.clientID, ClientSecret: e.secret, Endpoint: ep,
		RedirectURL: rpCallback, Scopes: []string{oidc.ScopeOpenID, "profile", "phone", "vn_id", "offline_access"}}
	return e
}

func (e *env) registerClient(spec provider.ClientSpec) (string, string) {
	e.t.Helper()
	c, secret, err := provider.BuildClient(spec, e.app.Secrets.ClientSecrets, time.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.app.Store.CreateClient(e.ctx, c); err != nil {
		e.t.Fatal(err)
	}
	return c.ID, secret
}

// browser is a citizen's browser: a cookie jar, redirects followed except
// to the relying party's callback, where it stops.
type browser struct {
	t      *testing.T
	client *http.Client
	last   *http.Response
	body   string
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t}
	b.client = &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), rpCallback) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return b
}

func (b *browser) do(req *http.Request) {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	b.last, b.body = resp, string(body)
}

func (b *browser) get(u string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	b.do(req)
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

var checkedBox = regexp.MustCompile(`<input type="checkbox" name="([a-z_]+)" value="([^"]*)"[^>]* checked>`)

// submit posts the page's form (its hidden fields, its ticked checkboxes,
// plus fields) to action, as a browser would. fields["untick"] lists
// checkbox values to untick first.
func (b *browser) submit(base, action string, fields url.Values) {
	b.t.Helper()
	form := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(b.body, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	untick := fields["untick"]
	for _, m := range checkedBox.FindAllStringSubmatch(b.body, -1) {
		if !slices.Contains(untick, m[2]) {
			form.Add(m[1], html.UnescapeString(m[2]))
		}
	}
	for k, v := range fields {
		if k != "untick" {
			form[k] = v
		}
	}
	req, _ := http.NewRequest(http.MethodPost, base+action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	b.do(req)
}

// callback returns the parameters the browser was redirected with to the
// relying party, failing if it was not.
func (b *browser) callback() url.Values {
	b.t.Helper()
	loc := b.last.Header.Get("Location")
	if !strings.HasPrefix(loc, rpCallback) {
		b.t.Fatalf("expected a redirect to the relying party, got %d %q\n%s", b.last.StatusCode, loc, b.body)
	}
	u, _ := url.Parse(loc)
	return u.Query()
}

type authRequest struct {
	state, nonce, verifier string
}

func (e *env) authURL(extra ...oauth2.AuthCodeOption) (string, authRequest) {
	ar := authRequest{state: "state-" + rand.Text(), nonce: "nonce-" + rand.Text(), verifier: oauth2.GenerateVerifier()}
	opts := append([]oauth2.AuthCodeOption{oidc.Nonce(ar.nonce), oauth2.S256ChallengeOption(ar.verifier)}, extra...)
	return e.oauth.AuthCodeURL(ar.state, opts...), ar
}

// login walks through login (and the first-login password change when
// the page asks for it) and consent, returning the callback parameters.
func (e *env) login(b *browser, authURL, password string) url.Values {
	e.t.Helper()
	b.get(authURL)
	if strings.Contains(b.body, `name="id_number"`) {
		b.submit(e.issuer, "/login", url.Values{"id_number": {testPIN}, "password": {password}})
	}
	if strings.Contains(b.body, `name="new_password"`) {
		b.submit(e.issuer, "/password", url.Values{"new_password": {newPassword}, "confirm_password": {newPassword}})
	}
	if strings.Contains(b.body, `name="decision"`) {
		b.submit(e.issuer, "/consent", url.Values{"decision": {"allow"}})
	}
	return b.callback()
}

func (e *env) exchange(code string, ar authRequest) (*oauth2.Token, error) {
	return e.oauth.Exchange(e.ctx, code, oauth2.VerifierOption(ar.verifier))
}

// fullLogin is a first login to a token.
func (e *env) fullLogin() (*browser, *oauth2.Token, authRequest) {
	e.t.Helper()
	b := newBrowser(e.t)
	u, ar := e.authURL()
	q := e.login(b, u, testPassword)
	if q.Get("error") != "" {
		e.t.Fatalf("authorization failed: %v", q)
	}
	tok, err := e.exchange(q.Get("code"), ar)
	if err != nil {
		e.t.Fatal(err)
	}
	return b, tok, ar
}

func TestWholeFlowWithRealRelyingPartyLibraries(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t)
	u, ar := e.authURL()

	// Login page, in Vietnamese by default.
	b.get(u)
	if !strings.Contains(b.body, `name="id_number"`) || !strings.Contains(b.body, "Đăng nhập") {
		t.Fatalf("expected the Vietnamese login page, got %d\n%s", b.last.StatusCode, b.body)
	}
	if got := b.last.Header.Get("X-Frame-Options"); got != "DENY" {
		t.Errorf("X-Frame-Options = %q", got)
	}
	if !strings.Contains(b.last.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("CSP = %q", b.last.Header.Get("Content-Security-Policy"))
	}
	b.submit(e.issuer, "/login", url.Values{"id_number": {testPIN}, "password": {testPassword}})
	// First login: the password must change.
	if !strings.Contains(b.body, `name="new_password"`) {
		t.Fatalf("expected the password change page\n%s", b.body)
	}
	b.submit(e.issuer, "/password", url.Values{"new_password": {newPassword}, "confirm_password": {newPassword}})
	// Consent page names the client and lists the data in Vietnamese.
	for _, want := range []string{"Cổng thi", "Số định danh cá nhân", "Ngày sinh", `value="allow"`, `value="deny"`} {
		if !strings.Contains(b.body, want) {
			t.Fatalf("consent page lacks %q\n%s", want, b.body)
		}
	}
	b.submit(e.issuer, "/consent", url.Values{"decision": {"allow"}})
	q := b.callback()
	if q.Get("state") != ar.state {
		t.Errorf("state = %q, want %q", q.Get("state"), ar.state)
	}
	if q.Get("iss") != e.issuer { // RFC 9207
		t.Errorf("iss = %q, want %q", q.Get("iss"), e.issuer)
	}

	tok, err := e.exchange(q.Get("code"), ar)
	if err != nil {
		t.Fatal(err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	idt, err := e.provider.Verifier(&oidc.Config{ClientID: e.clientID}).Verify(e.ctx, rawID)
	if err != nil {
		t.Fatal(err)
	}
	if idt.Nonce != ar.nonce {
		t.Errorf("nonce = %q", idt.Nonce)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Errorf("at_hash: %v", err)
	}
	var claims struct {
		AuthTime int64    `json:"auth_time"`
		ACR      string   `json:"acr"`
		AMR      []string `json:"amr"`
		PIN      string   `json:"vn_pin"`
		Name     string   `json:"name"`
	}
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if claims.AuthTime == 0 || claims.ACR != "urn:vn:eid:loa:1" || len(claims.AMR) != 1 || claims.AMR[0] != "pwd" {
		t.Errorf("auth_time/acr/amr = %d %q %v", claims.AuthTime, claims.ACR, claims.AMR)
	}
	if claims.PIN != "" || claims.Name != "" {
		t.Errorf("ID token carries personal data that belongs in userinfo: %+v", claims)
	}
	if idt.Subject == "" || strings.Contains(idt.Subject, testPIN) {
		t.Errorf("sub = %q: must be pairwise, never the ID number", idt.Subject)
	}

	// Userinfo through go-oidc (GET with bearer).
	ui, err := e.provider.UserInfo(e.ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatal(err)
	}
	var info map[string]any
	if err := ui.Claims(&info); err != nil {
		t.Fatal(err)
	}
	if ui.Subject != idt.Subject {
		t.Errorf("userinfo sub %q != ID token sub %q", ui.Subject, idt.Subject)
	}
	for k, want := range map[string]any{"name": "Nguyễn Văn An", "birthdate": "1995-03-14", "gender": "male", "vn_pin": testPIN, "phone_number": "+84912345678"} {
		if info[k] != want {
			t.Errorf("userinfo %s = %v, want %v", k, info[k], want)
		}
	}
	if _, ok := info["email"]; ok {
		t.Errorf("email released without the email scope: %v", info)
	}
	// Userinfo by POST with the token in the body (RFC 6750 §2.2).
	resp, err := http.PostForm(e.provider.UserInfoEndpoint(), url.Values{"access_token": {tok.AccessToken}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("POST userinfo: %d", resp.StatusCode)
	}

	// Refresh with rotation.
	if tok.RefreshToken == "" {
		t.Fatal("no refresh token with offline_access")
	}
	refreshed, err := e.oauth.TokenSource(e.ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatal(err)
	}
	if refreshed.RefreshToken == "" || refreshed.RefreshToken == tok.RefreshToken {
		t.Errorf("refresh token not rotated")
	}
	if _, err := e.provider.UserInfo(e.ctx, oauth2.StaticTokenSource(refreshed)); err != nil {
		t.Errorf("refreshed access token rejected: %v", err)
	}

	// Revocation (RFC 7009) of the refresh token kills its access tokens.
	e.revoke(t, refreshed.RefreshToken, "refresh_token")
	if _, err := e.oauth.TokenSource(e.ctx, &oauth2.Token{RefreshToken: refreshed.RefreshToken}).Token(); err == nil {
		t.Error("revoked refresh token still works")
	}
	if _, err := e.provider.UserInfo(e.ctx, oauth2.StaticTokenSource(refreshed)); err == nil {
		t.Error("access token of a revoked grant still works")
	}

	// The same request again: SSO session and remembered consent, no page.
	b2u, ar2 := e.authURL()
	b.get(b2u)
	q2 := b.callback()
	if q2.Get("code") == "" {
		t.Fatalf("second login did not skip the pages: %v", q2)
	}
	if _, err := e.exchange(q2.Get("code"), ar2); err != nil {
		t.Fatal(err)
	}
}

func (e *env) revoke(t *testing.T, token, hint string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.issuer+"/oauth2/revoke", strings.NewReader(url.Values{"token": {token}, "token_type_hint": {hint}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(e.clientID), url.QueryEscape(e.secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
}

func TestDiscoveryAndJWKS(t *testing.T) {
	e := newEnv(t)
	var meta map[string]any
	getJSON(t, e.issuer+"/.well-known/openid-configuration", &meta)
	if meta["issuer"] != e.issuer || meta["authorization_response_iss_parameter_supported"] != true {
		t.Errorf("discovery: %v", meta)
	}
	if got := meta["code_challenge_methods_supported"]; !equalJSON(got, []any{"S256"}) {
		t.Errorf("code_challenge_methods_supported = %v", got)
	}
	var jwks struct {
		Keys []struct {
			Kid, Alg, Use string
		} `json:"keys"`
	}
	getJSON(t, meta["jwks_uri"].(string), &jwks)
	algs := map[string]bool{}
	for _, k := range jwks.Keys {
		if k.Kid == "" {
			t.Errorf("key without kid: %+v", k)
		}
		algs[k.Alg] = true
	}
	if !algs["RS256"] || !algs["ES256"] {
		t.Errorf("JWKS algs = %v", algs)
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(e.issuer + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestPagesFollowTheCitizensLanguage(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t)
	u, _ := e.authURL(oauth2.SetAuthURLParam("ui_locales", "en"))
	b.get(u)
	if !strings.Contains(b.body, "Personal identification number") || !strings.Contains(b.body, `lang="en"`) {
		t.Errorf("ui_locales=en did not give the English page:\n%s", b.body)
	}
	b = newBrowser(t)
	u, _ = e.authURL()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Accept-Language", "en-GB,en;q=0.8")
	b.do(req)
	if !strings.Contains(b.body, "Log in") {
		t.Errorf("Accept-Language: en did not give the English page")
	}
	b.submit(e.issuer, "/login", url.Values{"id_number": {testPIN}, "password": {"wrong-password-1"}})
	if !strings.Contains(b.body, "Wrong identification number or password.") {
		t.Errorf("error message not in English after POST:\n%s", b.body)
	}
	// The login hint prefills the ID number (OIDC Core §3.1.2.1).
	b = newBrowser(t)
	u, _ = e.authURL(oauth2.SetAuthURLParam("login_hint", testPIN))
	b.get(u)
	if !strings.Contains(b.body, `value="`+testPIN+`"`) {
		t.Errorf("login_hint not prefilled")
	}
}

// testLogger discards logs unless DINHDANH_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("DINHDANH_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func TestUnknownScopesAreIgnored(t *testing.T) {
	e := newEnv(t)
	e.oauth.Scopes = []string{"openid", "profile", "no_such_scope"}
	_, tok, _ := e.fullLogin()
	if got := tok.Extra("scope"); got != "openid profile" {
		t.Errorf("granted scope %v", got)
	}
}

// An unticked claim is never released: not in userinfo, not after a
// refresh, not when the remembered consent skips the page.
func TestUntickedClaimIsNeverReleased(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t)
	u, ar := e.authURL()
	b.get(u)
	b.submit(e.issuer, "/login", url.Values{"id_number": {testPIN}, "password": {testPassword}})
	b.submit(e.issuer, "/password", url.Values{"new_password": {newPassword}, "confirm_password": {newPassword}})
	if !strings.Contains(b.body, `name="claim" value="phone_number"`) {
		t.Fatalf("consent page has no checkbox per claim:\n%s", b.body)
	}
	b.submit(e.issuer, "/consent", url.Values{"decision": {"allow"}, "untick": {"phone_number", "vn_pin"}})
	tok, err := e.exchange(b.callback().Get("code"), ar)
	if err != nil {
		t.Fatal(err)
	}
	check := func(when string, tok *oauth2.Token) {
		ui, err := e.provider.UserInfo(e.ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		var info map[string]any
		_ = ui.Claims(&info)
		if _, ok := info["phone_number"]; ok {
			t.Errorf("%s: unticked phone_number released", when)
		}
		if _, ok := info["vn_pin"]; ok {
			t.Errorf("%s: unticked vn_pin released", when)
		}
		if info["name"] != "Nguyễn Văn An" || info["vn_account_level"] == nil {
			t.Errorf("%s: ticked claims missing: %v", when, info)
		}
	}
	check("first token", tok)
	refreshed, err := e.oauth.TokenSource(e.ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatal(err)
	}
	check("after refresh", refreshed)
	u, ar = e.authURL()
	b.get(u)
	tok2, err := e.exchange(b.callback().Get("code"), ar)
	if err != nil {
		t.Fatal(err)
	}
	check("remembered consent", tok2)
}
