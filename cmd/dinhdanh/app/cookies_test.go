package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestCookieAttributes(t *testing.T) {
	check := func(t *testing.T, e *env, wantSecure bool) {
		b := newBrowser(t)
		u, _ := e.authURL()
		b.get(strings.Replace(u, "https://", "http://", 1))
		var csrf *http.Cookie
		for _, c := range b.last.Cookies() {
			if c.Name == "dd_csrf" {
				csrf = c
			}
		}
		if csrf == nil {
			t.Fatal("no CSRF cookie set on the login page")
		}
		if !csrf.HttpOnly || csrf.SameSite != http.SameSiteLaxMode || csrf.Secure != wantSecure {
			t.Errorf("CSRF cookie: HttpOnly=%v SameSite=%v Secure=%v", csrf.HttpOnly, csrf.SameSite, csrf.Secure)
		}
		req, _ := http.NewRequest(http.MethodPost, e.issuer+"/login", strings.NewReader(url.Values{
			"id_number": {testPIN}, "password": {testPassword},
			"csrf_token": {hiddenValue(b.body, "csrf_token")}, "interaction": {hiddenValue(b.body, "interaction")},
		}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		b.do(req)
		b.submit(e.issuer, "/password", url.Values{"new_password": {newPassword}, "confirm_password": {newPassword}})
		var session *http.Cookie
		for _, resp := range []*http.Response{b.last} {
			for r := resp; r != nil; r = r.Request.Response {
				for _, c := range r.Cookies() {
					if c.Name == "dd_session" {
						session = c
					}
				}
			}
		}
		if session == nil {
			t.Fatal("no session cookie after login")
		}
		if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure {
			t.Errorf("session cookie: HttpOnly=%v SameSite=%v Secure=%v", session.HttpOnly, session.SameSite, session.Secure)
		}
	}
	t.Run("http issuer", func(t *testing.T) { check(t, newEnv(t), false) })
	// The https issuer's cookies: TestHTTPSIssuerCookiesAndHSTS.
}

func hiddenValue(body, name string) string {
	for _, m := range hiddenInput.FindAllStringSubmatch(body, -1) {
		if m[1] == name {
			return m[2]
		}
	}
	return ""
}

// Pushed authorization requests (RFC 9126): the parameters go to the
// token-authenticated endpoint; the browser carries only request_uri.
func TestPushedAuthorizationRequest(t *testing.T) {
	e := newEnv(t)
	u, ar := e.authURL()
	parsed, _ := url.Parse(u)
	req, _ := http.NewRequest(http.MethodPost, e.issuer+"/oauth2/par", strings.NewReader(parsed.RawQuery))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(e.clientID, e.secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var par struct {
		RequestURI string `json:"request_uri"`
		ExpiresIn  int    `json:"expires_in"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&par)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(par.RequestURI, "urn:ietf:params:oauth:request_uri:") {
		t.Fatalf("PAR: %d %+v", resp.StatusCode, par)
	}
	b := newBrowser(t)
	q := e.login(b, e.issuer+"/oauth2/auth?client_id="+e.clientID+"&request_uri="+url.QueryEscape(par.RequestURI), testPassword)
	if q.Get("state") != ar.state || q.Get("code") == "" {
		t.Fatalf("callback: %v", q)
	}
	if _, err := e.exchange(q.Get("code"), ar); err != nil {
		t.Fatal(err)
	}
}
