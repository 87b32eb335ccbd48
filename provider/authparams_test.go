package provider

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ory/fosite"
	fositejwt "github.com/ory/fosite/token/jwt"

	"github.com/dinhdanh/dinhdanh/identity"
	"github.com/dinhdanh/dinhdanh/keys"
)

var fuzzClient = &identity.Client{ID: "portal", RedirectURIs: []string{"http://127.0.0.1:9/callback", "https://rp.example/cb"},
	Scopes: []string{"openid", "profile"}, ResponseTypes: []string{"code"}}

// refusalCodes are the error codes an authorization or PAR request may be
// refused with before fosite sees it.
var refusalCodes = []string{"invalid_request", "unsupported_response_type", "unsupported_response_mode",
	"request_not_supported", "request_uri_not_supported", "registration_not_supported", "unmet_authentication_requirements"}

// FuzzAuthorizeParams: any query and body are either refused with an
// OAuth error code or accepted, and what is accepted has every parameter
// once, within its limits, with PKCE S256 and supported prompts. Seeds run
// under plain go test.
func FuzzAuthorizeParams(f *testing.F) {
	valid := "client_id=portal&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcallback&scope=openid&code_challenge=" +
		strings.Repeat("A", 43) + "&code_challenge_method=S256"
	for _, s := range [][2]string{
		{valid, ""}, {valid + "&state=x&nonce=n", ""}, {valid + "&state=a&state=b", ""}, {valid, "nonce=a&nonce=b"},
		{valid + "&nonce=a", "nonce=b"}, {valid + "&prompt=select_account", ""}, {valid + "&prompt=none+login", ""},
		{valid + "&max_age=-1", ""}, {valid + "&claims=%7B%22id_token%22%3A%7B%22sub%22%3A%7B%22value%22%3A1%7D%7D%7D", ""},
		{valid + "&response_mode=jwt", ""}, {valid + "&request=x", ""}, {valid + "&request_uri=x", ""},
		{valid + "&acr_values=urn%3Avn%3Aeid%3Aloa%3A4", ""}, {valid + "&state=%1F", ""}, {"%zz", ""}, {"", "a=%ff"},
		{valid + "&login_hint=" + strings.Repeat("1", 300), ""}, {"", strings.Repeat("a", 9000)},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, query, body string) {
		r := httptest.NewRequest(http.MethodPost, "/oauth2/auth", strings.NewReader(body))
		r.URL.RawQuery = query
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		form, err := readAuthorizeForm(r, true)
		if err == nil {
			err = checkParamShape(form)
		}
		if err == nil {
			err = checkFormRules(form, fuzzClient, false)
		}
		if err != nil {
			if code := fosite.ErrorToRFC6749Error(err).ErrorField; !slices.Contains(refusalCodes, code) {
				t.Fatalf("refused with %q (%v)", code, err)
			}
			return
		}
		if len(query)+len(body) > maxAuthorizeParams {
			t.Fatalf("accepted %d bytes", len(query)+len(body))
		}
		for k, v := range form {
			if len(v) != 1 || v[0] == "" {
				t.Fatalf("accepted %s = %q", k, v)
			}
		}
		if form.Get("code_challenge_method") != "S256" || len(form.Get("code_challenge")) != 43 {
			t.Fatalf("accepted without S256 PKCE: %v", form)
		}
		for _, p := range strings.Fields(form.Get("prompt")) {
			if !slices.Contains(supportedPrompts, p) {
				t.Fatalf("accepted prompt %q", p)
			}
		}
	})
}

// FuzzRedirectURI: an accepted redirect URI is a registered one, or a
// registered loopback one with another port; never with userinfo, never
// with another path or query than registered; and fosite agrees.
func FuzzRedirectURI(f *testing.F) {
	for _, s := range []string{
		"http://127.0.0.1:9/callback", "http://127.0.0.1:1234/callback", "http://127.0.0.1/callback", "http://evil@127.0.0.1:9/callback",
		"http://127.0.0.1:9/c%61llback", "http://[::1]:9/callback", "http://localhost:9/callback", "https://rp.example/cb",
		"https://rp.example/cb/", "http://127.0.0.1:9/callback?x", "http://127.0.0.1:9/callback#f", "http://127.0.0.1:65536/callback", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := matchRedirectURI(raw, fuzzClient.RedirectURIs)
		if err != nil {
			return
		}
		if u.User != nil || u.Fragment != "" {
			t.Fatalf("accepted %q", raw)
		}
		ok := slices.Contains(fuzzClient.RedirectURIs, raw) || raw == ""
		if !ok {
			if u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.EscapedPath() != "/callback" || u.RawQuery != "" || u.ForceQuery {
				t.Fatalf("accepted %q as a loopback variant", raw)
			}
		}
		if _, err := fosite.MatchRedirectURIWithClientRedirectURIs(u.String(), fuzzClient); err != nil {
			t.Fatalf("fosite refuses %q, which we accepted: %v", raw, err)
		}
	})
}

// memKeys is an in-memory keys.Store.
type memKeys struct {
	mu   sync.Mutex
	recs []keys.Record
}

func (m *memKeys) InsertKey(_ context.Context, r keys.Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.recs = append([]keys.Record{r}, m.recs...)
	return nil
}

func (m *memKeys) ListKeys(context.Context) ([]keys.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]keys.Record(nil), m.recs...), nil
}

func (m *memKeys) RetireKey(_ context.Context, kid string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.recs {
		if m.recs[i].KID == kid && m.recs[i].RetiredAt.IsZero() {
			m.recs[i].RetiredAt = at
		}
	}
	return nil
}

func hintProvider(t testing.TB) *Provider {
	t.Helper()
	mk := make([]byte, 32)
	_, _ = rand.Read(mk)
	km, err := keys.NewManager(&memKeys{}, mk, keys.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := km.EnsureKeys(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &Provider{cfg: Config{Issuer: "https://id.example"}, keys: km}
}

func signHint(t testing.TB, p *Provider, claims fositejwt.MapClaims, typ string) string {
	t.Helper()
	h := &fositejwt.Headers{Extra: map[string]any{}}
	if typ != "" {
		h.Extra["typ"] = typ
	}
	tok, _, err := p.keys.Signer("RS256").Generate(context.Background(), claims, h)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// FuzzIDTokenHint: the hint decoder never panics and accepts only our ID
// Tokens; the seeds are an ID Token (accepted, also expired), a logout
// token, tokens of another issuer, without sub, and altered ones.
func FuzzIDTokenHint(f *testing.F) {
	p := hintProvider(f)
	now := time.Now()
	id := fositejwt.MapClaims{"iss": "https://id.example", "sub": "s1", "aud": []string{"portal"}, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	expired := fositejwt.MapClaims{"iss": "https://id.example", "sub": "s1", "aud": "portal", "iat": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix()}
	logout := fositejwt.MapClaims{"iss": "https://id.example", "sub": "s1", "aud": []string{"portal"}, "iat": now.Unix(), "exp": now.Add(time.Minute).Unix(),
		"jti": "j", "sid": "x", "events": map[string]any{backchannelEvent: map[string]any{}}}
	good := signHint(f, p, id, "")
	seeds := []struct {
		tok  string
		want bool
	}{
		{good, true},
		{signHint(f, p, expired, ""), true},
		{signHint(f, p, logout, "logout+jwt"), false},
		{signHint(f, p, logout, ""), false}, // untyped, but a SET
		{signHint(f, p, id, "at+jwt"), false},
		{signHint(f, p, fositejwt.MapClaims{"iss": "https://other.example", "sub": "s1", "aud": "portal", "exp": now.Add(time.Hour).Unix()}, ""), false},
		{signHint(f, p, fositejwt.MapClaims{"iss": "https://id.example", "aud": "portal", "exp": now.Add(time.Hour).Unix()}, ""), false},
		{signHint(f, p, fositejwt.MapClaims{"iss": "https://id.example", "sub": "s1", "aud": "bank", "exp": now.Add(time.Hour).Unix()}, ""), false},
		{good[:len(good)-2] + "AA", false},
		{"eyJhbGciOiJub25lIn0." + strings.Split(good, ".")[1] + ".", false},
		{"", false}, {"a.b.c", false},
	}
	for _, s := range seeds {
		_, err := p.decodeIDTokenHint(context.Background(), s.tok, "portal")
		if (err == nil) != s.want {
			f.Fatalf("hint %.40q: err %v, want accepted=%v", s.tok, err, s.want)
		}
		f.Add(s.tok)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		h, err := p.decodeIDTokenHint(context.Background(), raw, "portal")
		if err != nil {
			return
		}
		if h.Subject == "" || !slices.Contains(h.Audience, "portal") {
			t.Fatalf("accepted %+v", h)
		}
	})
}
