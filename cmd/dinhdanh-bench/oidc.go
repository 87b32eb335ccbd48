package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// discoveryPath is the only path this program knows; the rest comes
// from the discovery document (DESIGN.md §3).
const discoveryPath = "/.well-known/openid-configuration"

type discovery struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	UserinfoEndpoint      string `json:"userinfo_endpoint"`
	JWKSURI               string `json:"jwks_uri"`
}

func fetchDiscovery(ctx context.Context, c *http.Client, issuer string) (discovery, error) {
	var d discovery
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, issuer+discoveryPath, nil)
	if err != nil {
		return d, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return d, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return d, fmt.Errorf("discovery: %s", describe(resp))
	}
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		return d, fmt.Errorf("discovery: %w", err)
	}
	if d.Issuer != issuer {
		return d, fmt.Errorf("discovery: issuer %q, want %q", d.Issuer, issuer)
	}
	// All traffic stays on the server under test.
	for _, e := range []string{d.AuthorizationEndpoint, d.TokenEndpoint, d.UserinfoEndpoint, d.JWKSURI} {
		if !strings.HasPrefix(e, issuer+"/") {
			return d, fmt.Errorf("discovery: endpoint %q is not under the issuer %s", e, issuer)
		}
	}
	return d, nil
}

type relyingParty struct {
	disc        discovery
	clientID    string
	redirectURI string
	scope       string
	extra       url.Values // more authorization parameters (prompt, acr_values)
}

// authRequest is what the relying party remembers about one request.
type authRequest struct {
	state, nonce, verifier string
}

func newAuthRequest() authRequest {
	// 32 random bytes: a 43-character verifier (RFC 7636 §4.1).
	v := make([]byte, 32)
	_, _ = rand.Read(v)
	return authRequest{state: rand.Text(), nonce: rand.Text(), verifier: base64.RawURLEncoding.EncodeToString(v)}
}

func (rp relyingParty) authorizeURL(ar authRequest) string {
	sum := sha256.Sum256([]byte(ar.verifier))
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {rp.clientID},
		"redirect_uri":          {rp.redirectURI},
		"scope":                 {rp.scope},
		"state":                 {ar.state},
		"nonce":                 {ar.nonce},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}
	for k, v := range rp.extra {
		q[k] = v
	}
	sep := "?"
	if strings.Contains(rp.disc.AuthorizationEndpoint, "?") {
		sep = "&"
	}
	return rp.disc.AuthorizationEndpoint + sep + q.Encode()
}

// tokenRequest builds a token request authenticated as the client was
// registered (client_secret_basic unless the CLI said otherwise).
func tokenRequest(ctx context.Context, endpoint string, c clientCreds, form url.Values) (*http.Request, error) {
	if c.Method == "client_secret_post" {
		form = cloneValues(form)
		form.Set("client_id", c.ID)
		form.Set("client_secret", c.Secret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.Method != "client_secret_post" {
		// RFC 6749 §2.3.1: both parts are form-encoded before base64.
		req.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(c.Secret))
	}
	return req, nil
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v)+2)
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// browser is the citizen's browser: a cookie jar (the SSO session),
// redirects followed until the relying party's callback, where it stops.
// noFollow shares the jar and the connections but stops at the first
// answer, for measuring one request of a flow.
type browser struct {
	client   *http.Client
	noFollow *http.Client
	callback string
}

func newBrowser(callback string, conns int) *browser {
	jar, _ := cookiejar.New(nil)
	tr := newTransport(conns)
	return &browser{callback: callback, client: &http.Client{
		Transport: tr,
		Jar:       jar,
		Timeout:   30 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if strings.HasPrefix(req.URL.String(), callback) {
				return http.ErrUseLastResponse
			}
			if len(via) >= 10 {
				return errors.New("more than 10 redirects")
			}
			return nil
		},
	}, noFollow: &http.Client{
		Transport:     tr,
		Jar:           jar,
		Timeout:       60 * time.Second, // a login storm queues for the hash slots
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// page is where the browser ended up.
type page struct {
	url      *url.URL
	status   int
	body     string
	callback url.Values // set when it stopped at the relying party
}

func (b *browser) do(req *http.Request) (page, error) {
	resp, err := b.client.Do(req)
	if err != nil {
		return page{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return page{}, err
	}
	p := page{url: resp.Request.URL, status: resp.StatusCode, body: string(body)}
	if loc := resp.Header.Get("Location"); resp.StatusCode/100 == 3 && strings.HasPrefix(loc, b.callback) {
		u, err := url.Parse(loc)
		if err != nil {
			return p, err
		}
		p.callback = u.Query()
	}
	return p, nil
}

func (b *browser) get(ctx context.Context, u string) (page, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return page{}, err
	}
	return b.do(req)
}

var (
	formTag   = regexp.MustCompile(`(?s)<form\b[^>]*>.*?</form>`)
	actionAt  = regexp.MustCompile(`\baction="([^"]*)"`)
	inputTag  = regexp.MustCompile(`<input\b[^>]*>`)
	nameAttr  = regexp.MustCompile(`\bname="([^"]*)"`)
	valueAttr = regexp.MustCompile(`\bvalue="([^"]*)"`)
)

// submit posts the page's form that has the input named field, with its
// hidden inputs (csrf_token, interaction, ticket, …) plus fields, to the
// form's action, as a browser would.
func (b *browser) submit(ctx context.Context, p page, field string, fields url.Values) (page, error) {
	f, err := formOf(p, field, fields)
	if err != nil {
		return page{}, err
	}
	req, err := f.request(ctx)
	if err != nil {
		return page{}, err
	}
	return b.do(req)
}

// filledForm is a form ready to post: its action and all its values.
type filledForm struct {
	action string
	values url.Values
}

func (f filledForm) request(ctx context.Context) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.action, strings.NewReader(f.values.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req, nil
}

// formOf fills the page's form that has the input named field: its hidden
// inputs plus fields.
func formOf(p page, field string, fields url.Values) (filledForm, error) {
	var form string
	for _, f := range formTag.FindAllString(p.body, -1) {
		if strings.Contains(f, `name="`+field+`"`) {
			form = f
			break
		}
	}
	m := actionAt.FindStringSubmatch(form)
	if m == nil {
		return filledForm{}, fmt.Errorf("no form with %q on %s", field, p.url.Path)
	}
	action, err := p.url.Parse(html.UnescapeString(m[1]))
	if err != nil {
		return filledForm{}, err
	}
	values := url.Values{}
	for _, in := range inputTag.FindAllString(form, -1) {
		hidden := strings.Contains(in, `type="hidden"`)
		// Ticked checkboxes go too, as from a browser (the consent
		// page's claims), so userinfo releases and logs real claims.
		ticked := strings.Contains(in, `type="checkbox"`) && strings.Contains(in, " checked")
		if !hidden && !ticked {
			continue
		}
		n, v := nameAttr.FindStringSubmatch(in), valueAttr.FindStringSubmatch(in)
		if n != nil && v != nil {
			if ticked {
				values.Add(html.UnescapeString(n[1]), html.UnescapeString(v[1]))
			} else {
				values.Set(html.UnescapeString(n[1]), html.UnescapeString(v[1]))
			}
		}
	}
	for k, v := range fields {
		values[k] = v
	}
	return filledForm{action: action.String(), values: values}, nil
}

// login walks through the login page, the first-login password change
// and the consent page until the callback, leaving the SSO session in
// the jar and the consent remembered by the server.
func (b *browser) login(ctx context.Context, authURL, pin, password, newPassword string) error {
	p, err := b.get(ctx, authURL)
	for step := 0; err == nil && step < 6; step++ {
		switch {
		case p.callback != nil:
			if e := p.callback.Get("error"); e != "" {
				return fmt.Errorf("authorization error %s: %s", e, p.callback.Get("error_description"))
			}
			if p.callback.Get("code") == "" {
				return errors.New("callback without a code")
			}
			return nil
		case strings.Contains(p.body, `name="id_number"`):
			p, err = b.submit(ctx, p, "id_number", url.Values{"id_number": {pin}, "password": {password}})
		case strings.Contains(p.body, `name="new_password"`):
			p, err = b.submit(ctx, p, "new_password", url.Values{"new_password": {newPassword}, "confirm_password": {newPassword}})
		case strings.Contains(p.body, `name="decision"`):
			p, err = b.submit(ctx, p, "decision", url.Values{"decision": {"allow"}})
		default:
			return fmt.Errorf("unexpected page %s (%d): %s", p.url.Path, p.status, snippet(p.body))
		}
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("no callback after six pages; last %s (%d): %s", p.url.Path, p.status, snippet(p.body))
}

func snippet(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 400 {
		s = s[:400] + "…"
	}
	return s
}

// authorize sends one authorization request through the SSO session and
// returns the code; any page on the way is an error.
func (b *browser) authorize(ctx context.Context, rp relyingParty) (string, authRequest, error) {
	ar := newAuthRequest()
	p, err := b.get(ctx, rp.authorizeURL(ar))
	switch {
	case err != nil:
		return "", ar, err
	case p.callback == nil:
		return "", ar, fmt.Errorf("GET authorize ended on %s (%d), not at the callback: %s", p.url.Path, p.status, snippet(p.body))
	case p.callback.Get("error") != "":
		return "", ar, fmt.Errorf("authorization error %s: %s", p.callback.Get("error"), p.callback.Get("error_description"))
	case p.callback.Get("state") != ar.state:
		return "", ar, errors.New("callback state does not match the request")
	case p.callback.Get("code") == "":
		return "", ar, errors.New("callback without a code")
	}
	return p.callback.Get("code"), ar, nil
}

// codeOp issues one code per iteration into pool.
func (b *browser) codeOp(rp relyingParty, pool *codePool) func(context.Context) outcome {
	return func(ctx context.Context) outcome {
		code, ar, err := b.authorize(ctx, rp)
		if err != nil {
			return outcome{failure: err.Error()}
		}
		pool.put(issuedCode{code: code, verifier: ar.verifier, at: time.Now()})
		return outcome{}
	}
}

func exchangeForm(rp relyingParty, code, verifier string) url.Values {
	return url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {rp.redirectURI},
		"code_verifier": {verifier},
	}
}

// exchangeOp exchanges one pooled code per iteration.
func exchangeOp(client *http.Client, rp relyingParty, c clientCreds, pool *codePool) func(context.Context) outcome {
	return httpOp(client, func(ctx context.Context) (*http.Request, error) {
		ic, ok := pool.take()
		if !ok {
			return nil, errNoWork
		}
		return tokenRequest(ctx, rp.disc.TokenEndpoint, c, exchangeForm(rp, ic.code, ic.verifier))
	})
}

// freshAccessToken runs one authorize + exchange and returns the access token.
func (b *browser) freshAccessToken(ctx context.Context, client *http.Client, rp relyingParty, c clientCreds) (string, error) {
	code, ar, err := b.authorize(ctx, rp)
	if err != nil {
		return "", err
	}
	req, err := tokenRequest(ctx, rp.disc.TokenEndpoint, c, exchangeForm(rp, code, ar.verifier))
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", errors.New(describe(resp))
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("token response without access_token (%v)", err)
	}
	return tok.AccessToken, nil
}

type issuedCode struct {
	code, verifier string
	at             time.Time
}

// codePool hands out codes oldest first; each is taken once.
type codePool struct {
	mu      sync.Mutex
	codes   []issuedCode
	dropped atomic.Int64
}

// codeMaxAge keeps a margin to the 60-second code lifetime.
const codeMaxAge = 55 * time.Second

func (p *codePool) put(c issuedCode) {
	p.mu.Lock()
	p.codes = append(p.codes, c)
	p.mu.Unlock()
}

func (p *codePool) take() (issuedCode, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.codes) > 0 {
		c := p.codes[0]
		p.codes = p.codes[1:]
		if time.Since(c.at) < codeMaxAge {
			return c, true
		}
		p.dropped.Add(1)
	}
	return issuedCode{}, false
}

func (p *codePool) len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.codes)
}
