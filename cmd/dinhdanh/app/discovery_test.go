package app_test

import (
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/dinhdanh/dinhdanh/provider"
)

// postJSON posts a form (with HTTP Basic when user is set) and decodes
// the JSON answer.
func postJSON(t *testing.T, endpoint string, form url.Values, user, pass string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(url.QueryEscape(user), url.QueryEscape(pass))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	_ = json.Unmarshal(body, &out)
	return resp.StatusCode, out
}

var formPostCode = regexp.MustCompile(`name="code" value="([^"]+)"`)

// Discovery is truthful (OpenID Connect Discovery 1.0 §3, RFC 8414 §2):
// the same metadata at both well-known URIs, every advertised endpoint
// answers, every advertised value works and values left out are refused.
func TestDiscoveryIsTruthful(t *testing.T) {
	e := newEnv(t)
	var oidcMeta, asMeta map[string]any
	getJSON(t, e.issuer+"/.well-known/openid-configuration", &oidcMeta)
	getJSON(t, e.issuer+"/.well-known/oauth-authorization-server", &asMeta)
	if !equalJSON(oidcMeta, asMeta) || asMeta["issuer"] != e.issuer {
		t.Fatalf("RFC 8414 metadata differs or names another issuer:\n%v\n%v", oidcMeta, asMeta)
	}
	list := func(field string) []string {
		var out []string
		raw, _ := json.Marshal(oidcMeta[field])
		_ = json.Unmarshal(raw, &out)
		return out
	}
	for _, field := range []string{"userinfo_signing_alg_values_supported", "request_object_signing_alg_values_supported"} {
		if _, ok := oidcMeta[field]; ok {
			t.Errorf("%s advertised, but it does not work", field)
		}
	}
	if oidcMeta["request_parameter_supported"] != false || oidcMeta["request_uri_parameter_supported"] != false {
		t.Errorf("request objects advertised: %v %v", oidcMeta["request_parameter_supported"], oidcMeta["request_uri_parameter_supported"])
	}

	// Every endpoint answers: a protocol error, never 404/405/5xx.
	for field, v := range oidcMeta {
		u, ok := v.(string)
		if !ok || !(strings.HasSuffix(field, "_endpoint") || field == "jwks_uri") {
			continue
		}
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			req, _ := http.NewRequest(method, u, strings.NewReader(""))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			allowed := resp.StatusCode != http.StatusMethodNotAllowed
			if (method == http.MethodGet && (field == "token_endpoint" || field == "revocation_endpoint" ||
				field == "introspection_endpoint" || field == "pushed_authorization_request_endpoint" ||
				field == "device_authorization_endpoint")) ||
				(method == http.MethodPost && field == "jwks_uri") {
				continue // not a method of this endpoint
			}
			if resp.StatusCode == http.StatusNotFound || !allowed || resp.StatusCode >= 500 {
				t.Errorf("%s %s (%s): %d", method, field, u, resp.StatusCode)
			}
		}
	}

	// Grant types and response modes: a code by query, another by
	// form_post, refreshed; client credentials for a machine client; the
	// device grant in TestDeviceGrantEndToEnd.
	b, tok, _ := e.fullLogin()
	if !slices.Equal(list("grant_types_supported"), []string{"authorization_code", "refresh_token", "client_credentials", provider.GrantTypeDeviceCode}) ||
		!slices.Equal(list("response_modes_supported"), []string{"query", "form_post"}) ||
		!slices.Equal(list("response_types_supported"), []string{"code"}) {
		t.Fatalf("metadata changed; update this test with what now works: %v", oidcMeta)
	}
	if _, err := e.oauth.TokenSource(e.ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err != nil {
		t.Errorf("refresh_token grant: %v", err)
	}
	u, ar := e.authURL(oauth2.SetAuthURLParam("response_mode", "form_post"))
	b.get(u)
	m := formPostCode.FindStringSubmatch(b.body)
	if m == nil || !strings.Contains(b.body, `action="`+rpCallback) {
		t.Fatalf("response_mode=form_post: %d\n%s", b.last.StatusCode, b.body)
	}
	status, body := postJSON(t, e.provider.Endpoint().TokenURL, url.Values{"grant_type": {"authorization_code"}, "code": {html.UnescapeString(m[1])},
		"redirect_uri": {rpCallback}, "code_verifier": {ar.verifier}}, e.clientID, e.secret)
	if status != http.StatusOK || body["access_token"] == nil {
		t.Errorf("form_post code exchange: %d %v", status, body)
	}
	// client_secret_post: a client registered for it sends the secret in
	// the form, not the header.
	poster, posterSecret := e.registerClient(provider.ClientSpec{ID: "post-job", Name: "Post", GrantTypes: []string{"client_credentials"},
		Scopes: []string{"vn_id", "introspect"}, AuthMethod: "client_secret_post"})
	status, body = postJSON(t, e.provider.Endpoint().TokenURL, url.Values{"grant_type": {"client_credentials"}, "scope": {"vn_id"},
		"client_id": {poster}, "client_secret": {posterSecret}}, "", "")
	if status != http.StatusOK || body["access_token"] == nil {
		t.Errorf("client_secret_post: %d %v", status, body)
	}
	posterToken, _ := body["access_token"].(string)
	machine, machineSecret := e.registerClient(provider.ClientSpec{ID: "batch-job", Name: "Batch", GrantTypes: []string{"client_credentials"}, Scopes: []string{"vn_id"}})
	status, body = postJSON(t, e.provider.Endpoint().TokenURL, url.Values{"grant_type": {"client_credentials"}, "scope": {"vn_id"}}, machine, machineSecret)
	if status != http.StatusOK || body["access_token"] == nil {
		t.Errorf("client_credentials: %d %v", status, body)
	}
	for _, grant := range []string{"password", "implicit", "urn:ietf:params:oauth:grant-type:jwt-bearer", "urn:ietf:params:oauth:grant-type:token-exchange"} {
		status, body = postJSON(t, e.provider.Endpoint().TokenURL, url.Values{"grant_type": {grant}, "username": {testPIN}, "password": {newPassword}}, e.clientID, e.secret)
		if status < 400 || status >= 500 || body["access_token"] != nil || body["error"] == nil {
			t.Errorf("unadvertised grant %s: %d %v", grant, status, body)
		}
	}

	// Unadvertised response types and modes, and the plain PKCE method,
	// get an error, never a code or a token.
	refused := func(what string, opts ...oauth2.AuthCodeOption) {
		t.Helper()
		u, _ := e.authURL(opts...)
		b.get(u)
		loc := b.last.Header.Get("Location")
		if strings.Contains(loc, "code=") || strings.Contains(loc, "token=") || formPostCode.MatchString(b.body) ||
			(!strings.Contains(loc, "error=") && b.last.StatusCode < 400) {
			t.Errorf("%s: %d %q", what, b.last.StatusCode, loc)
		}
	}
	for _, mode := range []string{"fragment", "query.jwt", "jwt", "form_post.jwt"} {
		refused("response_mode="+mode, oauth2.SetAuthURLParam("response_mode", mode))
	}
	for _, rt := range []string{"token", "id_token", "code id_token", "code token", "none"} {
		refused("response_type="+rt, oauth2.SetAuthURLParam("response_type", rt))
	}
	refused("code_challenge_method=plain", oauth2.SetAuthURLParam("code_challenge_method", "plain"), oauth2.SetAuthURLParam("code_challenge", strings.Repeat("a", 43)))
	refused("prompt=select_account", oauth2.SetAuthURLParam("prompt", "select_account"))
	refused("acr_values beyond the advertised", oauth2.SetAuthURLParam("acr_values", "urn:vn:eid:loa:3"))

	// Client authentication: none (a public client with PKCE) works; JWT
	// assertions are not advertised and are refused.
	pub, _ := e.registerClient(provider.ClientSpec{ID: "desktop-app", Name: "Ứng dụng", Public: true, RedirectURIs: []string{rpCallback}, Scopes: []string{"openid"}})
	saved := e.oauth
	e.useClient(pub, "", "openid")
	u, ar = e.authURL()
	q := e.login(b, u, newPassword)
	status, body = postJSON(t, e.provider.Endpoint().TokenURL, url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")},
		"redirect_uri": {rpCallback}, "code_verifier": {ar.verifier}, "client_id": {pub}}, "", "")
	if status != http.StatusOK || body["access_token"] == nil {
		t.Errorf("token_endpoint_auth_method none: %d %v", status, body)
	}
	e.oauth, e.clientID = saved, saved.ClientID
	if got := list("token_endpoint_auth_methods_supported"); !slices.Equal(got, []string{"client_secret_basic", "client_secret_post", "none"}) {
		t.Errorf("token_endpoint_auth_methods_supported = %v: update this test", got)
	}
	fakeJWT := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256"}`)) + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"`+e.clientID+`"}`)) + ".c2ln"
	for _, assertionType := range []string{"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"} {
		status, body = postJSON(t, e.provider.Endpoint().TokenURL, url.Values{"grant_type": {"client_credentials"}, "client_id": {e.clientID},
			"client_assertion_type": {assertionType}, "client_assertion": {fakeJWT}}, "", "")
		if status != http.StatusUnauthorized && status != http.StatusBadRequest || body["access_token"] != nil {
			t.Errorf("client assertion (private_key_jwt / client_secret_jwt): %d %v", status, body)
		}
	}
	// Introspection takes each advertised method, from a client registered
	// for it; another method is refused.
	if got := list("introspection_endpoint_auth_methods_supported"); !slices.Equal(got, []string{"client_secret_basic", "client_secret_post"}) {
		t.Errorf("introspection_endpoint_auth_methods_supported = %v", got)
	}
	status, body = postJSON(t, oidcMeta["introspection_endpoint"].(string), url.Values{"token": {posterToken}, "client_id": {poster}, "client_secret": {posterSecret}}, "", "")
	if status != http.StatusOK || body["active"] != true {
		t.Errorf("introspection with client_secret_post: %d %v", status, body)
	}
	status, _ = postJSON(t, oidcMeta["introspection_endpoint"].(string), url.Values{"token": {tok.AccessToken}}, e.clientID, e.secret)
	if status != http.StatusOK {
		t.Errorf("introspection with client_secret_basic: %d", status)
	}
	status, body = postJSON(t, oidcMeta["introspection_endpoint"].(string), url.Values{"token": {tok.AccessToken}, "client_id": {e.clientID}, "client_secret": {e.secret}}, "", "")
	if status != http.StatusUnauthorized || body["active"] == true {
		t.Errorf("introspection by a basic client with client_secret_post: %d %v", status, body)
	}
}
