package portal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// discoveryServer serves only a static discovery document and an empty
// JWKS: enough for /login to redirect, with no token logic at all.
type discoveryServer struct {
	*httptest.Server
	hits     atomic.Int32
	down     atomic.Bool
	issParam bool
}

func newDiscoveryServer(t *testing.T, issParam bool) *discoveryServer {
	t.Helper()
	d := &discoveryServer{issParam: issParam}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		d.hits.Add(1)
		if d.down.Load() {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"issuer":                                d.URL,
			"authorization_endpoint":                d.URL + "/discovered/auth",
			"token_endpoint":                        d.URL + "/discovered/token",
			"userinfo_endpoint":                     d.URL + "/discovered/userinfo",
			"jwks_uri":                              d.URL + "/discovered/jwks",
			"response_types_supported":              []string{"code"},
			"subject_types_supported":               []string{"pairwise"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"authorization_response_iss_parameter_supported": d.issParam,
		})
	})
	mux.HandleFunc("GET /discovered/jwks", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"keys":[]}`)
	})
	d.Server = httptest.NewServer(mux)
	t.Cleanup(d.Close)
	return d
}

func testConfig(issuer string) Config {
	return Config{
		Issuer:       issuer,
		ClientID:     "exam-portal",
		ClientSecret: "test-secret-test-secret-test-secret-test-secret",
		RedirectURL:  "http://portal.test/callback",
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

func newTestPortal(t *testing.T, cfg Config) *Portal {
	t.Helper()
	p, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type response struct {
	*http.Response
	body string
}

func do(t *testing.T, h http.Handler, method, target string, cookies []*http.Cookie, form url.Values) response {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, target, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return response{res, string(b)}
}

func cookieNamed(res response, name string) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// startLogin does GET /login and returns the login cookie and the state
// sent to the provider.
func startLogin(t *testing.T, p *Portal) (*http.Cookie, string) {
	t.Helper()
	res := do(t, p, "GET", "/login", nil, nil)
	if res.StatusCode != http.StatusFound {
		t.Fatalf("GET /login: status %d, body %s", res.StatusCode, res.body)
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	c := cookieNamed(res, p.loginCookie)
	if c == nil {
		t.Fatalf("GET /login set no %s cookie", p.loginCookie)
	}
	return c, loc.Query().Get("state")
}

func TestHomeLinksToLoginWithoutDiscovery(t *testing.T) {
	d := newDiscoveryServer(t, false)
	p := newTestPortal(t, testConfig(d.URL))
	res := do(t, p, "GET", "/", nil, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	for _, want := range []string{`<html lang="vi">`, `href="/login"`, "Đăng nhập bằng tài khoản định danh điện tử"} {
		if !strings.Contains(res.body, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	if n := d.hits.Load(); n != 0 {
		t.Errorf("New and GET / fetched discovery %d times; discovery must wait for the first login", n)
	}
	for name, want := range map[string]string{
		"Cache-Control":   "no-store",
		"Referrer-Policy": "no-referrer",
	} {
		if got := res.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if !strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("CSP %q does not forbid framing", res.Header.Get("Content-Security-Policy"))
	}
}

func TestLoginRedirectsToDiscoveredEndpoint(t *testing.T) {
	d := newDiscoveryServer(t, false)
	p := newTestPortal(t, testConfig(d.URL))
	res := do(t, p, "GET", "/login", nil, nil)
	if res.StatusCode != http.StatusFound {
		t.Fatalf("status %d, body %s", res.StatusCode, res.body)
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != d.URL+"/discovered/auth" {
		t.Errorf("redirected to %s, want the discovered authorization endpoint", got)
	}
	q := loc.Query()
	for k, want := range map[string]string{
		"response_type":         "code",
		"client_id":             "exam-portal",
		"redirect_uri":          "http://portal.test/callback",
		"scope":                 "openid",
		"ui_locales":            "vi",
		"code_challenge_method": "S256",
	} {
		if got := q.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	c := cookieNamed(res, "exam_portal_login")
	if c == nil {
		t.Fatal("no login cookie")
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.MaxAge <= 0 || c.MaxAge > 900 {
		t.Errorf("login cookie %+v: want HttpOnly, SameSite=Lax, not Secure, short-lived", c)
	}
	pl, ok := p.logins.get(c.Value)
	if !ok {
		t.Fatal("login cookie does not name a pending login")
	}
	if q.Get("state") != pl.State || q.Get("nonce") != pl.Nonce || pl.State == "" || pl.Nonce == "" || pl.State == pl.Nonce {
		t.Errorf("state %q / nonce %q sent; stored %+v", q.Get("state"), q.Get("nonce"), pl)
	}
	sum := sha256.Sum256([]byte(pl.Verifier))
	if got, want := q.Get("code_challenge"), base64.RawURLEncoding.EncodeToString(sum[:]); got != want {
		t.Errorf("code_challenge %q is not S256 of the stored verifier (%q)", got, want)
	}
	if strings.Contains(c.Value, pl.Verifier) || strings.Contains(c.Value, pl.State) {
		t.Error("the cookie carries the login secrets; it must only name them")
	}
	// A second login gets fresh values.
	_, state2 := startLogin(t, p)
	if state2 == pl.State {
		t.Error("two logins share a state")
	}
}

func TestLoginSecureCookiesAndScopes(t *testing.T) {
	d := newDiscoveryServer(t, false)
	cfg := testConfig(d.URL)
	cfg.SecureCookies = true
	cfg.Scopes = []string{"openid", "profile"}
	p := newTestPortal(t, cfg)
	res := do(t, p, "GET", "/login", nil, nil)
	c := cookieNamed(res, "__Host-exam_portal_login")
	if c == nil || !c.Secure || c.Path != "/" {
		t.Errorf("cookies %v: want a Secure __Host- cookie with Path=/", res.Cookies())
	}
	loc, _ := url.Parse(res.Header.Get("Location"))
	if got := loc.Query().Get("scope"); got != "openid profile" {
		t.Errorf("scope = %q, want the configured scopes", got)
	}
}

func TestDiscoveryIsLazyRetriedAndCached(t *testing.T) {
	d := newDiscoveryServer(t, false)
	d.down.Store(true) // the provider has not started yet
	p := newTestPortal(t, testConfig(d.URL))

	res := do(t, p, "GET", "/login", nil, nil)
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(res.body, "tạm thời không truy cập được") {
		t.Fatalf("login while the provider is down: status %d, body %s", res.StatusCode, res.body)
	}
	d.down.Store(false)
	if res := do(t, p, "GET", "/login", nil, nil); res.StatusCode != http.StatusFound {
		t.Fatalf("login once the provider is up: status %d", res.StatusCode)
	}
	d.down.Store(true)
	if res := do(t, p, "GET", "/login", nil, nil); res.StatusCode != http.StatusFound {
		t.Fatalf("login after discovery succeeded: status %d; the result must be cached", res.StatusCode)
	}
	if n := d.hits.Load(); n != 2 {
		t.Errorf("discovery fetched %d times, want 2 (one failure, one success)", n)
	}
}

type countingTransport struct{ n atomic.Int32 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

func TestConfiguredHTTPClientIsUsed(t *testing.T) {
	d := newDiscoveryServer(t, false)
	t.Run("Config.HTTPClient", func(t *testing.T) {
		tr := &countingTransport{}
		cfg := testConfig(d.URL)
		cfg.HTTPClient = &http.Client{Transport: tr}
		startLogin(t, newTestPortal(t, cfg))
		if tr.n.Load() == 0 {
			t.Error("discovery bypassed Config.HTTPClient")
		}
	})
	t.Run("client from New's context", func(t *testing.T) {
		tr := &countingTransport{}
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: tr})
		p, err := New(ctx, testConfig(d.URL))
		if err != nil {
			t.Fatal(err)
		}
		startLogin(t, p)
		if tr.n.Load() == 0 {
			t.Error("discovery bypassed the client carried by New's context")
		}
	})
}

func TestCallbackRejectsBadState(t *testing.T) {
	d := newDiscoveryServer(t, false)
	p := newTestPortal(t, testConfig(d.URL))
	c, state := startLogin(t, p)
	stale := &http.Cookie{Name: p.loginCookie, Value: "no-such-login"}
	tests := []struct {
		name   string
		query  string
		cookie *http.Cookie
	}{
		{"no cookie", "?code=abc&state=" + url.QueryEscape(state), nil},
		{"unknown cookie", "?code=abc&state=" + url.QueryEscape(state), stale},
		{"wrong state", "?code=abc&state=forged", c},
		{"missing state", "?code=abc", c},
		{"state with a suffix", "?code=abc&state=" + url.QueryEscape(state+"x"), c},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cookies []*http.Cookie
			if tt.cookie != nil {
				cookies = append(cookies, tt.cookie)
			}
			res := do(t, p, "GET", "/callback"+tt.query, cookies, nil)
			if res.StatusCode != http.StatusBadRequest {
				t.Errorf("status %d, want 400", res.StatusCode)
			}
			if !strings.Contains(res.body, "Phiên đăng nhập không khớp hoặc đã hết hạn") {
				t.Errorf("body lacks the Vietnamese explanation: %s", res.body)
			}
		})
	}
	// A forged response must not spoil the real one still on its way.
	res := do(t, p, "GET", "/callback?error=access_denied&state="+url.QueryEscape(state), []*http.Cookie{c}, nil)
	if res.StatusCode != http.StatusOK {
		t.Errorf("genuine response after forged ones: status %d", res.StatusCode)
	}
}

func TestCallbackAccessDeniedIsPolite(t *testing.T) {
	d := newDiscoveryServer(t, false)
	p := newTestPortal(t, testConfig(d.URL))
	c, state := startLogin(t, p)
	target := "/callback?error=access_denied&error_description=The+resource+owner+denied+the+request&state=" + url.QueryEscape(state)
	res := do(t, p, "GET", target, []*http.Cookie{c}, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d, body %s", res.StatusCode, res.body)
	}
	for _, want := range []string{"Bạn đã từ chối chia sẻ thông tin", `href="/login"`, `href="/form"`} {
		if !strings.Contains(res.body, want) {
			t.Errorf("denial page lacks %q", want)
		}
	}
	if strings.Contains(res.body, "access_denied") {
		t.Error("the denial page shows a raw error code")
	}
	if cleared := cookieNamed(res, p.loginCookie); cleared == nil || cleared.MaxAge >= 0 {
		t.Error("the login cookie was not cleared")
	}
	// The pending login is spent: a replay is refused.
	if res := do(t, p, "GET", target, []*http.Cookie{c}, nil); res.StatusCode != http.StatusBadRequest {
		t.Errorf("replayed response: status %d, want 400", res.StatusCode)
	}
}

func TestCallbackOtherErrorIsEscaped(t *testing.T) {
	d := newDiscoveryServer(t, false)
	p := newTestPortal(t, testConfig(d.URL))
	c, state := startLogin(t, p)
	q := url.Values{"state": {state}, "error": {"invalid_scope"}, "error_description": {`<script>alert("x")</script>`}}
	res := do(t, p, "GET", "/callback?"+q.Encode(), []*http.Cookie{c}, nil)
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d, want 400", res.StatusCode)
	}
	if !strings.Contains(res.body, "invalid_scope") || !strings.Contains(res.body, "&lt;script&gt;") {
		t.Errorf("body should show the code and the escaped description: %s", res.body)
	}
	if strings.Contains(res.body, "<script>") {
		t.Error("error_description reached the page unescaped")
	}
}

func TestCallbackChecksIssuer(t *testing.T) {
	t.Run("wrong iss", func(t *testing.T) {
		d := newDiscoveryServer(t, false)
		p := newTestPortal(t, testConfig(d.URL))
		c, state := startLogin(t, p)
		q := url.Values{"state": {state}, "code": {"abc"}, "iss": {"https://attacker.example"}}
		res := do(t, p, "GET", "/callback?"+q.Encode(), []*http.Cookie{c}, nil)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(res.body, "không đến từ hệ thống định danh điện tử") {
			t.Errorf("status %d, body %s", res.StatusCode, res.body)
		}
	})
	t.Run("right iss", func(t *testing.T) {
		d := newDiscoveryServer(t, true)
		p := newTestPortal(t, testConfig(d.URL))
		c, state := startLogin(t, p)
		q := url.Values{"state": {state}, "error": {"access_denied"}, "iss": {d.URL}}
		if res := do(t, p, "GET", "/callback?"+q.Encode(), []*http.Cookie{c}, nil); res.StatusCode != http.StatusOK {
			t.Errorf("status %d, want 200", res.StatusCode)
		}
	})
	t.Run("iss advertised but missing", func(t *testing.T) {
		d := newDiscoveryServer(t, true)
		p := newTestPortal(t, testConfig(d.URL))
		c, state := startLogin(t, p)
		q := url.Values{"state": {state}, "error": {"access_denied"}}
		if res := do(t, p, "GET", "/callback?"+q.Encode(), []*http.Cookie{c}, nil); res.StatusCode != http.StatusBadRequest {
			t.Errorf("status %d, want 400 (RFC 9207 §2.4)", res.StatusCode)
		}
	})
}

func TestCallbackWithoutCode(t *testing.T) {
	d := newDiscoveryServer(t, false)
	p := newTestPortal(t, testConfig(d.URL))
	c, state := startLogin(t, p)
	res := do(t, p, "GET", "/callback?state="+url.QueryEscape(state), []*http.Cookie{c}, nil)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(res.body, "thiếu mã xác thực") {
		t.Errorf("status %d, body %s", res.StatusCode, res.body)
	}
}

var anClaims = map[string]any{
	"sub": "pairwise-1", "name": "Nguyễn Văn An", "gender": "male", "birthdate": "2007-09-05",
	"vn_pin": "040207654321", "phone_number": "+84912345678",
}

// loggedIn puts a session in place, as a successful callback would.
func loggedIn(t *testing.T, p *Portal, claims map[string]any) (*http.Cookie, session) {
	t.Helper()
	s := session{Claims: claims, CSRF: "csrf-" + t.Name()}
	key, err := p.sessions.put(s)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Cookie{Name: p.sessionCookie, Value: key}, s
}

func TestSubmitKeepsEIDValuesAndLogsNoPersonalData(t *testing.T) {
	var logs bytes.Buffer
	cfg := testConfig("http://unused.test")
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p := newTestPortal(t, cfg)
	c, s := loggedIn(t, p, anClaims)
	form := url.Values{
		"csrf_token": {s.CSRF}, "full_name": {"TÊN GIẢ MẠO"}, "email": {"<b>an@example.vn</b>"},
		"priority_area": {"KV2-NT"}, "elective": {"Vật lí", "Tin học", "Môn lạ"},
	}
	res := do(t, p, "POST", "/form", []*http.Cookie{c}, form)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d, body %s", res.StatusCode, res.body)
	}
	if !strings.Contains(res.body, "NGUYỄN VĂN AN") || strings.Contains(res.body, "TÊN GIẢ MẠO") {
		t.Error("a posted value replaced an item the e-ID filled")
	}
	for _, want := range []string{"&lt;b&gt;an@example.vn&lt;/b&gt;", "KV2-NT", "Toán, Ngữ văn, Vật lí, Tin học"} {
		if !strings.Contains(res.body, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	if strings.Contains(res.body, "Môn lạ") {
		t.Error("an unknown subject was accepted")
	}
	if strings.Contains(logs.String(), "NGUY") || strings.Contains(logs.String(), "040207654321") {
		t.Errorf("personal data in logs: %s", logs.String())
	}

	form.Set("csrf_token", "wrong")
	if res := do(t, p, "POST", "/form", []*http.Cookie{c}, form); res.StatusCode != http.StatusBadRequest {
		t.Errorf("wrong csrf_token: status %d, want 400", res.StatusCode)
	}
}

func TestLogoutEndsSession(t *testing.T) {
	p := newTestPortal(t, testConfig("http://unused.test"))
	c, s := loggedIn(t, p, anClaims)
	if res := do(t, p, "POST", "/logout", []*http.Cookie{c}, url.Values{"csrf_token": {"wrong"}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("logout with a wrong token: status %d, want 400", res.StatusCode)
	}
	if _, ok := p.sessions.get(c.Value); !ok {
		t.Fatal("a forged logout ended the session")
	}
	res := do(t, p, "POST", "/logout", []*http.Cookie{c}, url.Values{"csrf_token": {s.CSRF}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Errorf("logout: status %d, Location %q", res.StatusCode, res.Header.Get("Location"))
	}
	if cleared := cookieNamed(res, p.sessionCookie); cleared == nil || cleared.MaxAge >= 0 {
		t.Error("the session cookie was not cleared")
	}
	if strings.Contains(do(t, p, "GET", "/form", []*http.Cookie{c}, nil).body, "NGUYỄN VĂN AN") {
		t.Error("the form still shows the claims after logout")
	}
	if res := do(t, p, "GET", "/logout", []*http.Cookie{c}, nil); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /logout: status %d, want 405", res.StatusCode)
	}
}

func TestStoreExpiresAndBounds(t *testing.T) {
	now := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	s := newStore[int](time.Minute, 2, func() time.Time { return now })
	a, err := s.put(1)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := s.get(a); !ok || v != 1 {
		t.Fatalf("get = %v, %v", v, ok)
	}
	if _, err := s.put(2); err != nil {
		t.Fatal(err)
	}
	if _, err := s.put(3); err != errStoreFull {
		t.Errorf("put into a full store: err %v, want errStoreFull", err)
	}
	now = now.Add(time.Minute)
	if _, err := s.put(3); err != nil {
		t.Errorf("put after expiry: %v; expired entries must be pruned", err)
	}
	if len(s.entries) != 1 {
		t.Errorf("%d entries left, want 1", len(s.entries))
	}
	if _, ok := s.get(a); ok {
		t.Error("an expired entry was returned")
	}
}

func TestNewValidatesConfig(t *testing.T) {
	cfg := testConfig("http://unused.test")
	cfg.ClientSecret = ""
	if _, err := New(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "ClientSecret") {
		t.Errorf("missing secret: err %v", err)
	}
	cfg = testConfig("http://unused.test")
	cfg.Scopes = []string{"profile"}
	if _, err := New(context.Background(), cfg); err == nil {
		t.Error("scopes without openid were accepted")
	}
}

func TestAuthStyleFollowsDiscovery(t *testing.T) {
	tests := []struct {
		methods []string
		want    oauth2.AuthStyle
		err     bool
	}{
		{nil, oauth2.AuthStyleInHeader, false},
		{[]string{"client_secret_post", "client_secret_basic"}, oauth2.AuthStyleInHeader, false},
		{[]string{"client_secret_post"}, oauth2.AuthStyleInParams, false},
		{[]string{"private_key_jwt"}, 0, true},
	}
	for _, tt := range tests {
		got, err := authStyle(tt.methods)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("authStyle(%v) = %v, %v; want %v, error %v", tt.methods, got, err, tt.want, tt.err)
		}
	}
}
