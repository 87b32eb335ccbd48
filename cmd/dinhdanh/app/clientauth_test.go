package app_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/dinhdanh/dinhdanh/provider"
)

// oauthResponse is a raw answer of a protocol endpoint.
type oauthResponse struct {
	status int
	header http.Header
	body   map[string]any
}

func (r oauthResponse) errorCode() string { s, _ := r.body["error"].(string); return s }

type requestOption func(*http.Request)

func withBasic(id, secret string) requestOption {
	return func(r *http.Request) { r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret)) }
}

func withBearer(token string) requestOption {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

func withQuery(q url.Values) requestOption {
	return func(r *http.Request) { r.URL.RawQuery = q.Encode() }
}

// post sends a form as a client library would, or as one never would.
// Every 401 must carry WWW-Authenticate (RFC 6749 §5.2, RFC 9110 §15.5.2).
func post(t *testing.T, endpoint string, form url.Values, opts ...requestOption) oauthResponse {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, o := range opts {
		o(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := oauthResponse{status: resp.StatusCode, header: resp.Header}
	_ = json.Unmarshal(raw, &out.body)
	if resp.StatusCode == http.StatusUnauthorized && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
		t.Errorf("POST %s: 401 without a Basic WWW-Authenticate challenge (%q)", endpoint, resp.Header.Get("WWW-Authenticate"))
	}
	return out
}

// with returns a copy of form with the given pairs set.
func with(form url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, v := range form {
		out[k] = append([]string{}, v...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

type endpoints struct {
	token, revocation, introspection, par string
}

func (e *env) endpoints() endpoints {
	e.t.Helper()
	var meta map[string]any
	getJSON(e.t, e.issuer+"/.well-known/openid-configuration", &meta)
	s := func(k string) string { v, _ := meta[k].(string); return v }
	return endpoints{s("token_endpoint"), s("revocation_endpoint"), s("introspection_endpoint"), s("pushed_authorization_request_endpoint")}
}

// resourceServer registers a client allowed to introspect (README).
func (e *env) resourceServer() (string, string) {
	return e.registerClient(provider.ClientSpec{ID: "bank-api", Name: "Bank API", GrantTypes: []string{"client_credentials"}, Scopes: []string{"introspect"}})
}

// clientCredentialsToken gets a machine token with HTTP Basic.
func (e *env) clientCredentialsToken(id, secret string) string {
	e.t.Helper()
	r := post(e.t, e.endpoints().token, url.Values{"grant_type": {"client_credentials"}}, withBasic(id, secret))
	tok, _ := r.body["access_token"].(string)
	if r.status != http.StatusOK || tok == "" {
		e.t.Fatalf("client_credentials for %s: %d %v", id, r.status, r.body)
	}
	return tok
}

func parForm() url.Values {
	sum := sha256.Sum256([]byte(oauth2.GenerateVerifier()))
	return url.Values{
		"response_type": {"code"}, "redirect_uri": {rpCallback}, "scope": {"openid profile"},
		"state": {"state-0123456789"}, "nonce": {"nonce-0123456789"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
}

// TestClientAuthenticationOnEveryEndpoint: token, revocation,
// introspection and PAR authenticate the client the same way, with the
// method it registered and no other (RFC 7591 §2), and every failure is a
// 401 invalid_client with a challenge (RFC 6749 §5.2).
func TestClientAuthenticationOnEveryEndpoint(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend envOption) {
		e := newEnv(t, backend)
		ep := e.endpoints()
		grants := []string{"authorization_code", "refresh_token", "client_credentials"}
		scopes := []string{"openid", "profile"}
		basicID, basicSecret := e.registerClient(provider.ClientSpec{ID: "rp-basic", Name: "RP basic", RedirectURIs: []string{rpCallback}, GrantTypes: grants, Scopes: scopes})
		postID, postSecret := e.registerClient(provider.ClientSpec{ID: "rp-post", Name: "RP post", RedirectURIs: []string{rpCallback}, GrantTypes: grants, Scopes: scopes, AuthMethod: "client_secret_post"})
		pubID, _ := e.registerClient(provider.ClientSpec{ID: "rp-public", Name: "RP public", RedirectURIs: []string{rpCallback}, Scopes: scopes, Public: true})
		bearer := e.clientCredentialsToken(basicID, basicSecret)
		wrong := strings.Repeat("w", 43)

		for _, c := range []struct {
			name, url string
			form      url.Values
			ok        int
			// publicOK: a public client identified by client_id alone is
			// past authentication (introspection wants authentication).
			publicOK bool
		}{
			{"token", ep.token, url.Values{"grant_type": {"client_credentials"}}, http.StatusOK, true},
			{"revocation", ep.revocation, url.Values{"token": {"not-a-token"}}, http.StatusOK, true},
			{"introspection", ep.introspection, url.Values{"token": {"not-a-token"}}, http.StatusOK, false},
			{"par", ep.par, parForm(), http.StatusCreated, true},
		} {
			t.Run(c.name, func(t *testing.T) {
				succeeds := func(what string, r oauthResponse) {
					t.Helper()
					if r.status != c.ok {
						t.Errorf("%s: %d %v, want %d", what, r.status, r.body, c.ok)
					}
				}
				refused := func(what string, r oauthResponse) {
					t.Helper()
					if r.status != http.StatusUnauthorized || r.errorCode() != "invalid_client" {
						t.Errorf("%s: %d %v, want 401 invalid_client", what, r.status, r.body)
					}
				}
				malformed := func(what string, r oauthResponse) {
					t.Helper()
					// fosite's PAR endpoint turns every authentication error into invalid_client.
					if !(r.status == http.StatusBadRequest && r.errorCode() == "invalid_request") &&
						!(c.name == "par" && r.status == http.StatusUnauthorized && r.errorCode() == "invalid_client") {
						t.Errorf("%s: %d %v, want 400 invalid_request", what, r.status, r.body)
					}
				}

				succeeds("client_secret_basic client with Basic", post(t, c.url, c.form, withBasic(basicID, basicSecret)))
				succeeds("client_secret_post client in the body", post(t, c.url, with(c.form, "client_id", postID, "client_secret", postSecret)))

				refused("client_secret_basic client in the body", post(t, c.url, with(c.form, "client_id", basicID, "client_secret", basicSecret)))
				refused("client_secret_post client with Basic", post(t, c.url, c.form, withBasic(postID, postSecret)))
				refused("public client sending a secret in the body", post(t, c.url, with(c.form, "client_id", pubID, "client_secret", wrong)))
				refused("public client sending a secret with Basic", post(t, c.url, c.form, withBasic(pubID, wrong)))
				refused("no credentials at all", post(t, c.url, c.form))
				refused("confidential client sending only its id", post(t, c.url, with(c.form, "client_id", basicID)))
				refused("confidential client with an empty Basic secret", post(t, c.url, c.form, withBasic(basicID, "")))
				refused("wrong secret with Basic", post(t, c.url, c.form, withBasic(basicID, wrong)))
				refused("wrong secret in the body", post(t, c.url, with(c.form, "client_id", postID, "client_secret", wrong)))
				refused("unknown client", post(t, c.url, c.form, withBasic("nobody", basicSecret)))
				refused("a bearer token instead of client credentials", post(t, c.url, with(c.form, "client_id", basicID), withBearer(bearer)))
				refused("a client assertion (not offered)", post(t, c.url, with(c.form, "client_id", basicID,
					"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion", "e30.e30.sig")))

				malformed("Basic and a secret in the body", post(t, c.url, with(c.form, "client_secret", basicSecret), withBasic(basicID, basicSecret)))
				malformed("client_id naming another client than Basic", post(t, c.url, with(c.form, "client_id", postID), withBasic(basicID, basicSecret)))
				malformed("the secret in the URL", post(t, c.url, with(c.form, "client_id", postID),
					withQuery(url.Values{"client_secret": {postSecret}})))
				twice := with(c.form, "client_id", postID)
				twice["client_secret"] = []string{postSecret, postSecret}
				malformed("client_secret twice", post(t, c.url, twice))

				r := post(t, c.url, with(c.form, "client_id", pubID))
				if c.publicOK && (r.status == http.StatusUnauthorized || r.errorCode() == "invalid_client") {
					t.Errorf("public client identified by client_id: %d %v", r.status, r.body)
				}
				if !c.publicOK {
					refused("public client at introspection", r)
				}
				if r := post(t, c.url, c.form, withBasic(pubID, "")); c.publicOK && r.status == http.StatusUnauthorized {
					t.Errorf("public client identified by Basic without a secret: %d %v", r.status, r.body)
				}
			})
		}
	})
}

// TestTokenRequestFormErrors: the token endpoint's own answers to a
// malformed request (RFC 6749 §3.2, §5.2).
func TestTokenRequestFormErrors(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend envOption) {
		e := newEnv(t, backend)
		token := e.endpoints().token
		auth := withBasic(e.clientID, e.secret)
		for _, gt := range []string{"password", "implicit", "authorization_code refresh_token"} {
			r := post(t, token, url.Values{"grant_type": {gt}, "username": {"x"}}, auth)
			if r.status != http.StatusBadRequest || r.errorCode() != "unsupported_grant_type" {
				t.Errorf("grant_type %q: %d %v", gt, r.status, r.body)
			}
		}
		// The device grant (RFC 8628 §3.4) is supported: without its
		// device_code the request is malformed; with one, a client not
		// registered for the grant is refused (RFC 6749 §5.2).
		device := "urn:ietf:params:oauth:grant-type:device_code"
		if r := post(t, token, url.Values{"grant_type": {device}}, auth); r.status != http.StatusBadRequest || r.errorCode() != "invalid_request" {
			t.Errorf("device grant without device_code: %d %v", r.status, r.body)
		}
		if r := post(t, token, url.Values{"grant_type": {device}, "device_code": {"x"}}, auth); r.errorCode() != "unauthorized_client" {
			t.Errorf("device grant for a client not registered for it: %d %v", r.status, r.body)
		}
		if r := post(t, token, url.Values{"code": {"x"}}, auth); r.errorCode() != "invalid_request" {
			t.Errorf("no grant_type: %d %v", r.status, r.body)
		}
		for _, dup := range []url.Values{
			{"grant_type": {"authorization_code", "authorization_code"}, "code": {"x"}},
			{"grant_type": {"authorization_code"}, "code": {"x", "y"}},
			{"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "scope": {"openid", "profile"}},
		} {
			if r := post(t, token, dup, auth); r.status != http.StatusBadRequest || r.errorCode() != "invalid_request" {
				t.Errorf("repeated parameter %v: %d %v", dup, r.status, r.body)
			}
		}
		// A grant the client is not registered for is not unsupported.
		if r := post(t, token, url.Values{"grant_type": {"client_credentials"}}, auth); r.errorCode() != "unauthorized_client" {
			t.Errorf("client_credentials by an interactive-only client: %d %v", r.status, r.body)
		}
	})
}

// TestIntrospectionAuthenticatesTheClient: RFC 7662 §2.1, the caller is
// always authenticated as a client (a bearer token in the header or in an
// access_token field is no credential), and §4, only resource servers
// (scope introspect) learn anything.
func TestIntrospectionAuthenticatesTheClient(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend envOption) {
		e := newEnv(t, backend)
		ep := e.endpoints()
		rsID, rsSecret := e.resourceServer()
		otherID, otherSecret := e.registerClient(provider.ClientSpec{ID: "other-rp", Name: "Other", RedirectURIs: []string{rpCallback}, Scopes: []string{"openid", "profile"}})
		_, tok, _ := e.fullLogin()
		citizen := url.Values{"token": {tok.AccessToken}}

		// The critical finding: a wrong Basic credential with a valid
		// token in the access_token field answered active:true.
		for name, r := range map[string]oauthResponse{
			"wrong Basic secret plus access_token field":   post(t, ep.introspection, with(citizen, "access_token", tok.AccessToken), withBasic(rsID, strings.Repeat("x", 43))),
			"wrong Basic secret plus another access_token": post(t, ep.introspection, with(citizen, "access_token", e.clientCredentialsToken(rsID, rsSecret)), withBasic(rsID, "nope")),
			"access_token field alone":                     post(t, ep.introspection, with(citizen, "access_token", e.clientCredentialsToken(rsID, rsSecret))),
			"bearer header":                                post(t, ep.introspection, citizen, withBearer(e.clientCredentialsToken(rsID, rsSecret))),
			"unknown client":                               post(t, ep.introspection, citizen, withBasic("nobody", rsSecret)),
			"no credentials":                               post(t, ep.introspection, citizen),
		} {
			if r.status != http.StatusUnauthorized || r.errorCode() != "invalid_client" || r.body["active"] != nil {
				t.Errorf("%s: %d %v, want 401 invalid_client", name, r.status, r.body)
			}
		}

		// A resource server learns about the citizen's token.
		r := post(t, ep.introspection, citizen, withBasic(rsID, rsSecret))
		if r.status != http.StatusOK || r.body["active"] != true || r.body["client_id"] != e.clientID || r.body["sub"] == nil {
			t.Fatalf("resource server: %d %v", r.status, r.body)
		}
		// Any other authenticated client, the token's own included, learns
		// nothing: not active, no pairwise sub.
		for name, r := range map[string]oauthResponse{
			"the token's own client": post(t, ep.introspection, citizen, withBasic(e.clientID, e.secret)),
			"another relying party":  post(t, ep.introspection, citizen, withBasic(otherID, otherSecret)),
			"refresh token, other":   post(t, ep.introspection, url.Values{"token": {tok.RefreshToken}}, withBasic(otherID, otherSecret)),
		} {
			if r.status != http.StatusOK || len(r.body) != 1 || r.body["active"] != false {
				t.Errorf("%s: %d %v, want only active:false", name, r.status, r.body)
			}
		}
		if r := post(t, ep.introspection, url.Values{}, withBasic(rsID, rsSecret)); r.status != http.StatusBadRequest || r.errorCode() != "invalid_request" {
			t.Errorf("no token parameter: %d %v", r.status, r.body)
		}
	})
}

// TestRevokingAnotherClientsToken: RFC 7009 §2.1, the server "verifies
// whether the token was issued to the client making the revocation
// request"; if not, the request is refused and nothing changes.
func TestRevokingAnotherClientsToken(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend envOption) {
		e := newEnv(t, backend)
		ep := e.endpoints()
		otherID, otherSecret := e.registerClient(provider.ClientSpec{ID: "other-rp", Name: "Other", RedirectURIs: []string{rpCallback}, Scopes: []string{"openid", "profile"}})
		_, tok, _ := e.fullLogin()
		for _, c := range []struct{ token, hint string }{
			{tok.AccessToken, "access_token"}, {tok.RefreshToken, "refresh_token"},
			{tok.AccessToken, ""}, {tok.RefreshToken, "access_token"},
		} {
			r := post(t, ep.revocation, url.Values{"token": {c.token}, "token_type_hint": {c.hint}}, withBasic(otherID, otherSecret))
			if r.status != http.StatusBadRequest || r.errorCode() != "unauthorized_client" {
				t.Errorf("another client revoking (hint %q): %d %v, want 400 unauthorized_client", c.hint, r.status, r.body)
			}
		}
		if r := post(t, ep.revocation, url.Values{}, withBasic(otherID, otherSecret)); r.errorCode() != "invalid_request" {
			t.Errorf("revocation without a token: %d %v", r.status, r.body)
		}
		// Both tokens still work.
		if _, err := e.provider.UserInfo(e.ctx, oauth2.StaticTokenSource(tok)); err != nil {
			t.Fatalf("access token stopped working after a refused revocation: %v", err)
		}
		refreshed, err := e.oauth.TokenSource(e.ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		if err != nil {
			t.Fatalf("refresh token stopped working after a refused revocation: %v", err)
		}
		// The token's own client revokes its access token: it stops working.
		if r := post(t, ep.revocation, url.Values{"token": {refreshed.AccessToken}, "token_type_hint": {"access_token"}}, withBasic(e.clientID, e.secret)); r.status != http.StatusOK {
			t.Fatalf("own revocation: %d %v", r.status, r.body)
		}
		if _, err := e.provider.UserInfo(e.ctx, oauth2.StaticTokenSource(refreshed)); err == nil {
			t.Error("revoked access token still works")
		}
	})
}

// TestNoClientSecretIsStored: after a PAR with client_secret_post, a login
// page reached through it, an authorization request that (wrongly) carries
// the secret, and the code exchange, no stored form holds the secret.
func TestNoClientSecretIsStored(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend envOption) {
		e := newEnv(t, backend)
		ep := e.endpoints()
		id, secret := e.registerClient(provider.ClientSpec{ID: "rp-post", Name: "RP post", RedirectURIs: []string{rpCallback},
			Scopes: []string{"openid", "profile", "offline_access"}, AuthMethod: "client_secret_post"})
		cfg := oauth2.Config{ClientID: id, ClientSecret: secret, RedirectURL: rpCallback, Scopes: []string{"openid", "profile"}, Endpoint: e.provider.Endpoint()}
		cfg.Endpoint.AuthStyle = oauth2.AuthStyleInParams

		verifier := oauth2.GenerateVerifier()
		sum := sha256.Sum256([]byte(verifier))
		form := with(parForm(), "client_id", id, "client_secret", secret, "code_challenge", base64.RawURLEncoding.EncodeToString(sum[:]),
			"scope", "openid profile offline_access")
		// noSecretStored reads every stored form, past the store's mapping,
		// and counts the rows of the tables named.
		noSecretStored := func(when string, mustHave ...string) {
			t.Helper()
			db := e.app.Store.DB()
			for _, table := range []string{"oauth2_par_requests", "interactions", "oauth2_authorize_codes", "oauth2_access_tokens", "oauth2_refresh_tokens", "oauth2_pkce_requests", "oauth2_oidc_sessions"} {
				var forms []string
				if err := db.Table(table).Pluck("form", &forms).Error; err != nil {
					t.Fatalf("%s: %v", table, err)
				}
				for _, f := range forms {
					if strings.Contains(f, secret) || strings.Contains(f, url.QueryEscape(secret)) || strings.Contains(f, "client_secret") {
						t.Errorf("%s: %s stores the client secret: %s", when, table, f)
					}
				}
				if slices.Contains(mustHave, table) && len(forms) == 0 {
					t.Errorf("%s: no row in %s, so the check saw nothing", when, table)
				}
			}
		}
		r := post(t, ep.par, form)
		uri, _ := r.body["request_uri"].(string)
		if r.status != http.StatusCreated || uri == "" {
			t.Fatalf("PAR: %d %v", r.status, r.body)
		}
		noSecretStored("after PAR", "oauth2_par_requests")
		b := newBrowser(t)
		b.get(e.provider.Endpoint().AuthURL + "?" + url.Values{"client_id": {id}, "request_uri": {uri}}.Encode())
		if !strings.Contains(b.body, `name="id_number"`) {
			t.Fatalf("expected the login page, got %d", b.last.StatusCode)
		}
		// A relying party that puts its secret in the authorization request.
		leaky := newBrowser(t)
		leaky.get(cfg.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("client_secret", secret),
			oauth2.SetAuthURLParam("nonce", "nonce-0123456789")))
		if !strings.Contains(leaky.body, `name="id_number"`) {
			t.Fatalf("expected the login page for the leaky request, got %d", leaky.last.StatusCode)
		}
		noSecretStored("at the login pages", "interactions")

		b.submit(e.issuer, "/login", url.Values{"id_number": {testPIN}, "password": {testPassword}})
		if strings.Contains(b.body, `name="new_password"`) {
			b.submit(e.issuer, "/password", url.Values{"new_password": {newPassword}, "confirm_password": {newPassword}})
		}
		if strings.Contains(b.body, `name="decision"`) {
			b.submit(e.issuer, "/consent", url.Values{"decision": {"allow"}})
		}
		if _, err := cfg.Exchange(e.ctx, b.callback().Get("code"), oauth2.VerifierOption(verifier)); err != nil {
			t.Fatal(err)
		}

		noSecretStored("after the exchange", "oauth2_access_tokens", "oauth2_refresh_tokens")
	})
}

// TestRefreshScopeAndExpiry: RFC 6749 §6, a refresh may ask for less
// scope, never more; the refresh token keeps its scope. RFC 7662 §2.2,
// introspection of a refresh token gives its own exp.
func TestRefreshScopeAndExpiry(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend envOption) {
		e := newEnv(t, backend)
		ep := e.endpoints()
		rsID, rsSecret := e.resourceServer()
		_, tok, _ := e.fullLogin()
		introspect := func(token string) map[string]any {
			t.Helper()
			r := post(t, ep.introspection, url.Values{"token": {token}}, withBasic(rsID, rsSecret))
			if r.status != http.StatusOK || r.body["active"] != true {
				t.Fatalf("introspection: %d %v", r.status, r.body)
			}
			return r.body
		}
		refresh := func(rt, scope string) oauthResponse {
			t.Helper()
			form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
			if scope != "" {
				form.Set("scope", scope)
			}
			return post(t, ep.token, form, withBasic(e.clientID, e.secret))
		}

		// The refresh token's own expiry, not the access token's.
		at, rt := introspect(tok.AccessToken), introspect(tok.RefreshToken)
		atExp, _ := at["exp"].(float64)
		rtExp, _ := rt["exp"].(float64)
		const want = 30*24*3600 - 15*60 // default refresh minus access lifetime, both set at issuance
		if d := rtExp - atExp; d < want-2 || d > want+2 {
			t.Errorf("refresh token exp %v, access token exp %v: %v apart, want about %d", rtExp, atExp, d, want)
		}

		// Wider than granted: invalid_scope, and the token is not used up.
		for _, wider := range []string{"openid email", "openid profile introspect", "nonsense"} {
			if r := refresh(tok.RefreshToken, wider); r.status != http.StatusBadRequest || r.errorCode() != "invalid_scope" {
				t.Errorf("refresh with scope %q: %d %v", wider, r.status, r.body)
			}
		}

		r := refresh(tok.RefreshToken, "openid profile")
		if r.status != http.StatusOK || r.body["scope"] != "openid profile" {
			t.Fatalf("narrowed refresh: %d %v", r.status, r.body)
		}
		narrowAT, _ := r.body["access_token"].(string)
		newRT, _ := r.body["refresh_token"].(string)
		if got := introspect(narrowAT)["scope"]; got != "openid profile" {
			t.Errorf("narrowed access token scope = %v", got)
		}
		info := e.userinfo(&oauth2.Token{AccessToken: narrowAT, TokenType: "Bearer"})
		if info["name"] == nil || info["phone_number"] != nil || info["vn_pin"] != nil {
			t.Errorf("userinfo of the narrowed token: %v", info)
		}
		// The new refresh token keeps the original scope (RFC 6749 §6).
		if got, _ := introspect(newRT)["scope"].(string); !strings.Contains(got, "offline_access") || !strings.Contains(got, "vn_id") {
			t.Errorf("new refresh token scope = %q, want the original", got)
		}
		r = refresh(newRT, "")
		if r.status != http.StatusOK || !strings.Contains(r.body["scope"].(string), "vn_id") {
			t.Errorf("refresh without scope after a narrowed one: %d %v", r.status, r.body)
		}
	})
}
