package app_test

// Authorization requests (issue 8 §2): everything is validated before the
// citizen sees a page, through real HTTP.

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/dinhdanh/dinhdanh/identity"
	"github.com/dinhdanh/dinhdanh/provider"
)

// authParams is a valid authorization request of the env's client, as
// raw parameters for requests the libraries would not send.
func (e *env) authParams() (url.Values, authRequest) {
	ar := authRequest{state: "state-0123456789", nonce: "nonce-0123456789", verifier: oauth2.GenerateVerifier()}
	return url.Values{
		"client_id": {e.clientID}, "response_type": {"code"}, "redirect_uri": {rpCallback},
		"scope": {"openid profile"}, "state": {ar.state}, "nonce": {ar.nonce},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(ar.verifier)}, "code_challenge_method": {"S256"},
	}, ar
}

// stopAll makes b stop at every redirect, so Location can be inspected.
func stopAll(b *browser) *browser {
	b.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return b
}

// redirected returns the error parameters of a redirect to the relying
// party: from the query, or from the fragment when fragment is true.
func redirected(t *testing.T, b *browser, fragment bool) url.Values {
	t.Helper()
	loc := b.last.Header.Get("Location")
	if !strings.HasPrefix(loc, rpCallback) {
		t.Fatalf("expected a redirect to the relying party, got %d %q\n%.400s", b.last.StatusCode, loc, b.body)
	}
	u, _ := url.Parse(loc)
	if fragment {
		if u.RawQuery != "" {
			t.Errorf("error in the query where the fragment is required: %s", loc)
		}
		q, _ := url.ParseQuery(u.Fragment)
		return q
	}
	if u.Fragment != "" {
		t.Errorf("unexpected fragment: %s", loc)
	}
	return u.Query()
}

// noRedirect fails unless the answer is an error page (no Location).
func noRedirect(t *testing.T, b *browser, status int) {
	t.Helper()
	if b.last.StatusCode != status || b.last.Header.Get("Location") != "" {
		t.Fatalf("want an error page %d, got %d Location=%q", status, b.last.StatusCode, b.last.Header.Get("Location"))
	}
}

// A short nonce and no state are valid (OIDC Core §3.1.2.1, RFC 6749
// §4.1.1): the citizen logs in and the client gets its tokens, with the
// nonce in the ID token. Before, fosite refused them after the login or
// at the token endpoint.
func TestShortNonceAndNoStateGetTokens(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend envOption) {
		e := newEnv(t, backend)
		params, ar := e.authParams()
		params.Set("nonce", "n")
		params.Del("state")
		b := newBrowser(t)
		q := e.login(b, e.issuer+"/oauth2/auth?"+params.Encode(), testPassword)
		if q.Get("code") == "" || q.Has("state") {
			t.Fatalf("callback: %v", q)
		}
		tok, err := e.exchange(q.Get("code"), ar)
		if err != nil {
			t.Fatalf("token endpoint refused a short nonce: %v", err)
		}
		if got := e.idToken(e.oauth, tok)["nonce"]; got != "n" {
			t.Errorf("nonce in ID token = %v", got)
		}
	})
}

// RFC 6749 §3.1: a parameter given twice is invalid_request, in the query,
// in a POST body, or across both; never "first one wins".
func TestRepeatedParametersAreRefused(t *testing.T) {
	e := newEnv(t)
	params, _ := e.authParams()
	// A second redirect_uri: nobody is redirected anywhere.
	b := stopAll(newBrowser(t))
	b.get(e.issuer + "/oauth2/auth?" + params.Encode() + "&redirect_uri=" + url.QueryEscape("https://attacker.example/cb"))
	noRedirect(t, b, http.StatusBadRequest)
	if !strings.Contains(b.body, "invalid_request") {
		t.Errorf("page lacks the error code:\n%.400s", b.body)
	}
	// Other repeated parameters go back to the client, state not echoed.
	for _, extra := range []string{"state=other-state-1", "response_type=code", "scope=openid", "code_challenge=" + strings.Repeat("A", 43)} {
		b.get(e.issuer + "/oauth2/auth?" + params.Encode() + "&" + extra)
		q := redirected(t, b, false)
		if q.Get("error") != "invalid_request" || q.Get("iss") != e.issuer || (strings.HasPrefix(extra, "state") && q.Has("state")) {
			t.Errorf("%s: %v", extra, q)
		}
	}
	// POST body repeating itself, and POST body repeating the query.
	post := func(query, body string) url.Values {
		req, _ := http.NewRequest(http.MethodPost, e.issuer+"/oauth2/auth?"+query, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		b.do(req)
		return redirected(t, b, false)
	}
	if q := post("", params.Encode()+"&nonce=second-nonce"); q.Get("error") != "invalid_request" {
		t.Errorf("POST with repeated nonce: %v", q)
	}
	if q := post("nonce=other-nonce-1", params.Encode()); q.Get("error") != "invalid_request" {
		t.Errorf("nonce in query and body: %v", q)
	}
	// The same request once each is fine (login page).
	b.get(e.issuer + "/oauth2/auth?" + params.Encode())
	if loc := b.last.Header.Get("Location"); !strings.HasPrefix(loc, "/login") {
		t.Errorf("valid request: %d %q", b.last.StatusCode, loc)
	}
}

// With a valid client and redirect URI, unsupported features are errors
// at the client, in the encoding its response type calls for (OAuth 2.0
// Multiple Response Type Encoding Practices §5), never an HTML page.
func TestUnsupportedRequestFeaturesAreRedirectedErrors(t *testing.T) {
	e := newEnv(t)
	b := stopAll(newBrowser(t))
	for _, c := range []struct {
		name     string
		set      url.Values // replaces the parameters of the valid request
		want     string
		fragment bool
	}{
		{"response_mode", url.Values{"response_mode": {"jwt"}}, "unsupported_response_mode", false},
		{"fragment mode", url.Values{"response_mode": {"fragment"}}, "unsupported_response_mode", false},
		{"request object", url.Values{"request": {"eyJhbGciOiJub25lIn0.e30."}}, "request_not_supported", false},
		{"request_uri", url.Values{"request_uri": {"https://rp.example/request.jwt"}}, "request_uri_not_supported", false},
		{"missing response_type", url.Values{"response_type": nil}, "invalid_request", false},
		{"hybrid", url.Values{"response_type": {"code id_token"}}, "unsupported_response_type", true},
		{"implicit", url.Values{"response_type": {"token"}}, "unsupported_response_type", true},
		{"implicit with query", url.Values{"response_type": {"id_token token"}, "response_mode": {"query"}}, "unsupported_response_type", true},
		{"unknown", url.Values{"response_type": {"magic"}}, "unsupported_response_type", false},
		{"registration", url.Values{"registration": {"{}"}}, "registration_not_supported", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			params, ar := e.authParams()
			for k, v := range c.set {
				params[k] = v
			}
			b.get(e.issuer + "/oauth2/auth?" + params.Encode())
			q := redirected(t, b, c.fragment)
			if q.Get("error") != c.want || q.Get("iss") != e.issuer || q.Get("state") != ar.state {
				t.Errorf("got %v, want error %s with iss and state", q, c.want)
			}
		})
	}
}

// Prompt values we do not implement are answered before the login page:
// invalid_request (Initiating User Registration via OpenID Connect 1.0
// §4.1; not in prompt_values_supported), not after a password was typed.
func TestUnsupportedPromptIsRefusedBeforeLogin(t *testing.T) {
	e := newEnv(t)
	b := stopAll(newBrowser(t))
	for _, prompt := range []string{"select_account", "create", "login select_account", "none consent", "whatever"} {
		params, _ := e.authParams()
		params.Set("prompt", prompt)
		b.get(e.issuer + "/oauth2/auth?" + params.Encode())
		if q := redirected(t, b, false); q.Get("error") != "invalid_request" {
			t.Errorf("prompt=%s: %v", prompt, q)
		}
	}
}

// a second citizen with an account, for the tests that need two.
const (
	otherPIN      = "079304123456"
	otherPassword = "mat-khau-cua-ngoc-1"
	otherNew      = "mat-khau-moi-cua-ngoc-2"
)

func (e *env) addOtherCitizen() {
	e.t.Helper()
	if _, _, _, err := e.app.Store.UpsertCitizens(e.ctx, []identity.Citizen{{PIN: otherPIN, FullName: "Trần Thị Bích Ngọc",
		Birthdate: "2004-08-21", Gender: identity.Female, Phone: "+84903123456"}}); err != nil {
		e.t.Fatal(err)
	}
	if _, _, err := e.app.Auth.Issue(e.ctx, otherPIN, otherPassword, identity.Level1); err != nil {
		e.t.Fatal(err)
	}
}

// loginAs submits the login form (and the first-login password change)
// for pin on the page b shows.
func (e *env) loginAs(b *browser, pin, password, changed string) {
	e.t.Helper()
	if !strings.Contains(b.body, `name="id_number"`) {
		e.t.Fatalf("expected the login page, got %d\n%.400s", b.last.StatusCode, b.body)
	}
	b.submit(e.issuer, "/login", url.Values{"id_number": {pin}, "password": {password}})
	if strings.Contains(b.body, `name="new_password"`) {
		b.submit(e.issuer, "/password", url.Values{"new_password": {changed}, "confirm_password": {changed}})
	}
}

// otherLogin logs the second citizen in on a browser of their own and
// returns their ID token.
func (e *env) otherLogin() string {
	e.t.Helper()
	e.addOtherCitizen()
	other := newBrowser(e.t)
	u, ar := e.authURL()
	other.get(u)
	e.loginAs(other, otherPIN, otherPassword, otherNew)
	other.submit(e.issuer, "/consent", url.Values{"decision": {"allow"}})
	tok, err := e.exchange(other.callback().Get("code"), ar)
	if err != nil {
		e.t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	return raw
}

// id_token_hint naming citizen B while citizen A is logged in: the login
// page; and if A logs in again instead of B, an error at the relying
// party (OIDC Core §3.1.2.1, §3.1.2.6 login_required), not a login loop.
func TestIDTokenHintForAnotherCitizenEndsAtTheClient(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend envOption) {
		e := newEnv(t, backend)
		b, _, _ := e.fullLogin()
		hintB := e.otherLogin()
		u, ar := e.authURL(oauth2.SetAuthURLParam("id_token_hint", hintB))
		b.get(u)
		e.loginAs(b, testPIN, newPassword, "")
		q := b.callback()
		if q.Get("error") != "login_required" || q.Get("code") != "" || q.Get("state") != ar.state {
			t.Fatalf("A logged in for B's hint: %v", q)
		}
		// B logging in on that browser gets through.
		u, ar = e.authURL(oauth2.SetAuthURLParam("id_token_hint", hintB))
		b.get(u)
		e.loginAs(b, otherPIN, otherNew, "")
		if q := b.callback(); q.Get("code") == "" {
			t.Fatalf("B logged in for B's hint: %v", q)
		}
	})
}

// Only an ID Token this provider issued to this client is a hint: garbage,
// a token of another client and a captured back-channel logout token
// (typ logout+jwt, RFC 8725 §3.11) are invalid_request up front, and the
// logout token does not log anyone out at the end-session endpoint.
func TestOnlyOurIDTokensAreHints(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend envOption) {
		e := newEnv(t, backend)
		tokens := make(chan string, 4)
		rp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tokens <- r.PostFormValue("logout_token")
		}))
		defer rp.Close()
		id, secret := e.registerClient(provider.ClientSpec{ID: "bank", Name: "Ngân hàng", RedirectURIs: []string{rpCallback},
			Scopes: []string{"openid", "profile"}, BackchannelLogoutURI: rp.URL + "/backchannel"})
		portal := e.oauth
		e.oauth.ClientID, e.oauth.ClientSecret, e.oauth.Scopes = id, secret, []string{"openid"}
		b, tok, _ := e.fullLogin()
		rawID, _ := tok.Extra("id_token").(string)
		b.get(e.issuer + "/oauth2/logout?" + url.Values{"id_token_hint": {rawID}}.Encode())
		var logoutToken string
		select {
		case logoutToken = <-tokens:
		case <-time.After(10 * time.Second):
			t.Fatal("no logout token arrived")
		}
		// The citizen logs in again, to both clients; the logout token is all
		// an attacker has.
		u, _ := e.authURL()
		q := e.login(b, u, newPassword)
		if q.Get("code") == "" {
			t.Fatalf("second login: %v", q)
		}
		bank := e.oauth
		e.oauth = portal
		u, _ = e.authURL()
		if q := e.login(b, u, newPassword); q.Get("code") == "" {
			t.Fatalf("login to the portal: %v", q)
		}
		e.oauth = bank
		for name, hint := range map[string]string{
			"logout token":   logoutToken,
			"garbage":        "not.a.jwt",
			"unsigned":       "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + strings.Split(rawID, ".")[1] + ".",
			"another client": rawID, // issued to bank, presented by the portal
		} {
			cfg := e.oauth
			if name == "another client" {
				e.oauth = portal
			}
			u, _ := e.authURL(oauth2.SetAuthURLParam("prompt", "none"), oauth2.SetAuthURLParam("id_token_hint", hint))
			e.oauth = cfg
			b.get(u)
			if q := b.callback(); q.Get("error") != "invalid_request" || q.Get("code") != "" {
				t.Errorf("%s as id_token_hint: %v", name, q)
			}
		}
		// End-session: refused, and the session lives on.
		b.get(e.issuer + "/oauth2/logout?" + url.Values{"id_token_hint": {logoutToken}}.Encode())
		if b.last.StatusCode != http.StatusBadRequest {
			t.Errorf("logout with a logout token: %d", b.last.StatusCode)
		}
		if !e.loggedIn(b) {
			t.Error("a logout token as id_token_hint logged the citizen out")
		}
	})
}

// A claims request for sub with a value (OIDC Core §5.5.1) is honoured:
// tokens for that citizen only.
func TestClaimsSubValueIsHonoured(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend envOption) {
		e := newEnv(t, backend)
		b, tok, _ := e.fullLogin()
		subA := e.idToken(e.oauth, tok)["sub"].(string)
		subClaim := func(sub string) oauth2.AuthCodeOption {
			raw, _ := json.Marshal(map[string]any{"id_token": map[string]any{"sub": map[string]any{"value": sub}}})
			return oauth2.SetAuthURLParam("claims", string(raw))
		}
		// A's own sub with A's session: no page.
		u, ar := e.authURL(subClaim(subA), oauth2.SetAuthURLParam("prompt", "none"))
		b.get(u)
		q := b.callback()
		tokA, err := e.exchange(q.Get("code"), ar)
		if err != nil {
			t.Fatalf("own sub: %v %v", q, err)
		}
		if got := e.idToken(e.oauth, tokA)["sub"]; got != subA {
			t.Errorf("sub = %v", got)
		}
		// B's sub with A logged in: prompt=none is login_required …
		hintB := e.otherLogin()
		subB := e.idTokenSub(hintB)
		u, _ = e.authURL(subClaim(subB), oauth2.SetAuthURLParam("prompt", "none"))
		b.get(u)
		if q := b.callback(); q.Get("error") != "login_required" {
			t.Errorf("prompt=none for another sub: %v", q)
		}
		// … otherwise the login page; A logging in again ends at the client.
		u, _ = e.authURL(subClaim(subB))
		b.get(u)
		e.loginAs(b, testPIN, newPassword, "")
		if q := b.callback(); q.Get("error") != "login_required" || q.Get("code") != "" {
			t.Errorf("A logged in for B's sub: %v", q)
		}
		// B logging in gets B's tokens.
		u, ar = e.authURL(subClaim(subB))
		b.get(u)
		e.loginAs(b, otherPIN, otherNew, "")
		q = b.callback()
		tokB, err := e.exchange(q.Get("code"), ar)
		if err != nil {
			t.Fatalf("B for B's sub: %v %v", q, err)
		}
		if got := e.idToken(e.oauth, tokB)["sub"]; got != subB {
			t.Errorf("sub = %v, want %v", got, subB)
		}
		// A non-string sub value is invalid_request before any page.
		b2 := stopAll(newBrowser(t))
		u, _ = e.authURL(oauth2.SetAuthURLParam("claims", `{"id_token":{"sub":{"value":42}}}`))
		b2.get(u)
		if q := redirected(t, b2, false); q.Get("error") != "invalid_request" {
			t.Errorf("numeric sub value: %v", q)
		}
	})
}

func (e *env) idTokenSub(raw string) string {
	e.t.Helper()
	idt, err := e.provider.Verifier(&oidc.Config{ClientID: e.clientID}).Verify(e.ctx, raw)
	if err != nil {
		e.t.Fatal(err)
	}
	return idt.Subject
}

// Public clients with a loopback redirect URI cannot prove who they are:
// a remembered consent does not skip the consent page, and prompt=none is
// consent_required (RFC 8252 §8.6).
func TestPublicLoopbackClientAlwaysAsks(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend envOption) {
		e := newEnv(t, backend)
		id, _ := e.registerClient(provider.ClientSpec{ID: "desktop-app", Name: "Ứng dụng máy tính", RedirectURIs: []string{rpCallback},
			Scopes: []string{"openid", "profile"}, Public: true})
		e.oauth.ClientID, e.oauth.ClientSecret, e.oauth.Scopes = id, "", []string{"openid", "profile"}
		e.oauth.Endpoint.AuthStyle = oauth2.AuthStyleInParams
		b, _, _ := e.fullLogin()
		// SSO session and a remembered consent: the consent page again.
		u, ar := e.authURL()
		b.get(u)
		if !strings.Contains(b.body, `name="decision"`) {
			t.Fatalf("no consent page for a public loopback client: %d %q", b.last.StatusCode, b.last.Header.Get("Location"))
		}
		b.submit(e.issuer, "/consent", url.Values{"decision": {"allow"}})
		if _, err := e.exchange(b.callback().Get("code"), ar); err != nil {
			t.Fatal(err)
		}
		u, _ = e.authURL(oauth2.SetAuthURLParam("prompt", "none"))
		b.get(u)
		if q := b.callback(); q.Get("error") != "consent_required" {
			t.Errorf("prompt=none: %v", q)
		}
	})
}

// Loopback redirect URIs: any port (RFC 8252 §7.3), but otherwise exactly
// the registered text: no userinfo, no encoding, case or dot-segment
// variant, no other loopback spelling.
func TestLoopbackRedirectURIMatching(t *testing.T) {
	e := newEnv(t)
	b := stopAll(newBrowser(t))
	try := func(redirect string) {
		params, _ := e.authParams()
		params.Set("redirect_uri", redirect)
		b.get(e.issuer + "/oauth2/auth?" + params.Encode())
	}
	for _, ok := range []string{rpCallback, "http://127.0.0.1:49152/callback", "http://127.0.0.1/callback"} {
		try(ok)
		if loc := b.last.Header.Get("Location"); !strings.HasPrefix(loc, "/login") {
			t.Errorf("%s refused: %d %q", ok, b.last.StatusCode, loc)
		}
	}
	for _, bad := range []string{
		"http://evil@127.0.0.1:9/callback", "http://evil:x@127.0.0.1:9/callback", "http://127.0.0.1:9/c%61llback",
		"http://127.0.0.1:9/%63allback", "http://127.0.0.1:9/Callback", "http://127.0.0.1:9/x/../callback",
		"http://127.0.0.1:9/./callback", "http://127.0.0.1:9/callback/", "http://127.0.0.1:9//callback",
		"http://localhost:9/callback", "http://[::1]:9/callback", "http://[::ffff:127.0.0.1]:9/callback",
		"http://127.1:9/callback", "http://2130706433:9/callback", "http://127.0.0.2:9/callback",
		"HTTP://127.0.0.1:9/callback", "http://127.0.0.1:9/callback?", "http://127.0.0.1:9/callback#",
		"http://127.0.0.1:99999/callback", "http://127.0.0.1:/callback", "http://127.0.0.1:9/callback%2F",
		"https://127.0.0.1:9/callback",
	} {
		try(bad)
		if b.last.StatusCode != http.StatusBadRequest || b.last.Header.Get("Location") != "" {
			t.Errorf("%s accepted: %d %q", bad, b.last.StatusCode, b.last.Header.Get("Location"))
		}
	}
}

// A POSTed request has the GET size limit, and single parameters have
// their own: nothing oversized is stored for an unauthenticated caller.
func TestPostedAuthorizationRequestSizeLimit(t *testing.T) {
	e := newEnv(t)
	b := stopAll(newBrowser(t))
	params, _ := e.authParams()
	big := url.Values{}
	for k, v := range params {
		big[k] = v
	}
	big.Set("login_hint", strings.Repeat("0", 60<<10))
	req, _ := http.NewRequest(http.MethodPost, e.issuer+"/oauth2/auth", strings.NewReader(big.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	b.do(req)
	noRedirect(t, b, http.StatusRequestEntityTooLarge)
	b.get(e.issuer + "/oauth2/auth?" + big.Encode())
	if b.last.StatusCode < 400 || strings.HasPrefix(b.last.Header.Get("Location"), "/login") {
		t.Errorf("60 KB query: %d %q", b.last.StatusCode, b.last.Header.Get("Location"))
	}
	// Within the total, but over the parameter's own limit.
	params.Set("login_hint", strings.Repeat("0", 1000))
	req, _ = http.NewRequest(http.MethodPost, e.issuer+"/oauth2/auth", strings.NewReader(params.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	b.do(req)
	if q := redirected(t, b, false); q.Get("error") != "invalid_request" {
		t.Errorf("1000-byte login_hint: %v", q)
	}
	// A normal POSTed request reaches the login page.
	params.Set("login_hint", testPIN)
	req, _ = http.NewRequest(http.MethodPost, e.issuer+"/oauth2/auth", strings.NewReader(params.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	b.do(req)
	if loc := b.last.Header.Get("Location"); !strings.HasPrefix(loc, "/login") {
		t.Errorf("valid POST: %d %q", b.last.StatusCode, loc)
	}
}

// A huge max_age is a valid request (OIDC Core §3.1.2.1) and must not
// fail after the login: fosite's time.Duration arithmetic overflowed.
func TestHugeMaxAgeDoesNotFailAfterLogin(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t)
	password := testPassword
	for _, maxAge := range []string{"9223372037", "18446744073709551615", "99999999999999999999", "0"} {
		u, ar := e.authURL(oauth2.SetAuthURLParam("max_age", maxAge))
		q := e.login(b, u, password)
		password = newPassword
		if q.Get("code") == "" {
			t.Fatalf("max_age=%s: %v", maxAge, q)
		}
		if _, err := e.exchange(q.Get("code"), ar); err != nil {
			t.Fatalf("max_age=%s at the token endpoint: %v", maxAge, err)
		}
	}
}

// Malformed requests are told apart from oversized ones.
func TestMalformedAuthorizationRequestIsAPage(t *testing.T) {
	e := newEnv(t)
	b := stopAll(newBrowser(t))
	params, _ := e.authParams()
	b.get(e.issuer + "/oauth2/auth?" + params.Encode() + "&state=%zz")
	noRedirect(t, b, http.StatusBadRequest)
	b.get(e.issuer + "/oauth2/auth?" + params.Encode() + "&login_hint=" + strings.Repeat("0", 25<<10))
	noRedirect(t, b, http.StatusRequestURITooLong)
	req, _ := http.NewRequest(http.MethodPost, e.issuer+"/oauth2/auth", strings.NewReader(params.Encode()))
	req.Header.Set("Content-Type", "application/json")
	b.do(req)
	noRedirect(t, b, http.StatusBadRequest)
}
