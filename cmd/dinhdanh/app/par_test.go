package app_test

// Pushed authorization requests (RFC 9126; issue 8 §3).

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dinhdanh/dinhdanh/provider"
)

// push posts form to the PAR endpoint as clientID, returning the status
// and the JSON answer.
func (e *env) push(clientID, secret string, body string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.issuer+"/oauth2/par", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// pushed pushes a valid request of the env's client and returns its
// request_uri.
func (e *env) pushed(params url.Values) string {
	e.t.Helper()
	status, out := e.push(e.clientID, e.secret, params.Encode())
	uri, _ := out["request_uri"].(string)
	if status != http.StatusCreated || uri == "" {
		e.t.Fatalf("PAR: %d %v", status, out)
	}
	return uri
}

// The PAR endpoint refuses what the authorization endpoint refuses, with
// the same codes, as a 400 (RFC 9126 §2.1, §2.3).
func TestPARValidatesLikeTheAuthorizationEndpoint(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name string
		set  url.Values
		raw  string // appended to the body
		want string
	}{
		{"no PKCE", url.Values{"code_challenge": nil, "code_challenge_method": nil}, "", "invalid_request"},
		{"plain PKCE", url.Values{"code_challenge_method": {"plain"}}, "", "invalid_request"},
		{"claims shape", url.Values{"claims": {`{"userinfo":{"name":{"essential":"yes"}}}`}}, "", "invalid_request"},
		{"claims not JSON", url.Values{"claims": {`{`}}, "", "invalid_request"},
		{"max_age", url.Values{"max_age": {"-1"}}, "", "invalid_request"},
		{"prompt", url.Values{"prompt": {"select_account"}}, "", "invalid_request"},
		{"prompt none and login", url.Values{"prompt": {"none login"}}, "", "invalid_request"},
		{"acr_values", url.Values{"acr_values": {"urn:vn:eid:loa:4"}}, "", "unmet_authentication_requirements"},
		{"repeated", nil, "&nonce=second-nonce", "invalid_request"},
		{"oversized", url.Values{"login_hint": {strings.Repeat("0", 1000)}}, "", "invalid_request"},
		{"too large", url.Values{"login_hint": {strings.Repeat("0", 60<<10)}}, "", "invalid_request"},
		{"response_mode", url.Values{"response_mode": {"jwt"}}, "", "unsupported_response_mode"},
		{"request object", url.Values{"request": {"eyJhbGciOiJub25lIn0.e30."}}, "", "request_not_supported"},
		{"request_uri", url.Values{"request_uri": {"urn:ietf:params:oauth:request_uri:x"}}, "", "invalid_request"},
		{"no response_type", url.Values{"response_type": nil}, "", "invalid_request"},
		{"loopback userinfo", url.Values{"redirect_uri": {"http://evil@127.0.0.1:9/callback"}}, "", "invalid_request"},
		{"encoded path", url.Values{"redirect_uri": {"http://127.0.0.1:9/c%61llback"}}, "", "invalid_request"},
		{"foreign hint", url.Values{"id_token_hint": {"not.a.jwt"}}, "", "invalid_request"},
	} {
		t.Run(c.name, func(t *testing.T) {
			params, _ := e.authParams()
			for k, v := range c.set {
				params[k] = v
			}
			status, out := e.push(e.clientID, e.secret, params.Encode()+c.raw)
			if status != http.StatusBadRequest || out["error"] != c.want {
				t.Errorf("got %d %v, want 400 %s", status, out, c.want)
			}
		})
	}
	// A valid push with no state and a one-letter nonce is accepted and
	// leads to tokens.
	params, ar := e.authParams()
	params.Del("state")
	params.Set("nonce", "n")
	uri := e.pushed(params)
	q := e.login(newBrowser(t), e.issuer+"/oauth2/auth?"+url.Values{"client_id": {e.clientID}, "request_uri": {uri}}.Encode(), testPassword)
	if q.Has("state") || q.Get("code") == "" {
		t.Fatalf("callback: %v", q)
	}
	if _, err := e.exchange(q.Get("code"), ar); err != nil {
		t.Fatal(err)
	}
}

// With request_uri only the pushed parameters count (RFC 9126 §4): a
// front-channel claims, state or prompt changes nothing.
func TestPARIgnoresFrontChannelParameters(t *testing.T) {
	e := newEnv(t)
	params, ar := e.authParams()
	uri := e.pushed(params)
	front := url.Values{"client_id": {e.clientID}, "request_uri": {uri},
		"claims": {`{"id_token":{"birthdate":{"essential":true},"vn_pin":null}}`}, "state": {"front-state-1"}, "scope": {"openid vn_id"}}
	q := e.login(newBrowser(t), e.issuer+"/oauth2/auth?"+front.Encode(), testPassword)
	if q.Get("state") != ar.state {
		t.Fatalf("state %q, want the pushed %q (%v)", q.Get("state"), ar.state, q)
	}
	tok, err := e.exchange(q.Get("code"), ar)
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Extra("scope"); got != "openid profile" {
		t.Errorf("scope %v: front-channel scope counted", got)
	}
	idt := e.idToken(e.oauth, tok)
	for _, claim := range []string{"birthdate", "vn_pin"} {
		if _, ok := idt[claim]; ok {
			t.Errorf("front-channel claims added %s to the ID token", claim)
		}
	}
}

// A request_uri is redeemed only by its client, and another client's
// attempt does not consume it (RFC 9126 §4); it expires (§2.2) by the
// storage clock, and is single-use. On both backends.
func TestPARRequestURIBelongsToItsClient(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend envOption) {
		clk := &clock{now: time.Now()}
		e := newEnv(t, backend, withClock(clk))
		other, _ := e.registerClient(provider.ClientSpec{ID: "other-portal", Name: "Cổng khác", RedirectURIs: []string{rpCallback},
			Scopes: []string{"openid", "profile"}})
		params, ar := e.authParams()
		uri := e.pushed(params)
		b := stopAll(newBrowser(t))
		b.get(e.issuer + "/oauth2/auth?" + url.Values{"client_id": {other}, "request_uri": {uri}}.Encode())
		noRedirect(t, b, http.StatusBadRequest)
		if !strings.Contains(b.body, "invalid_request_uri") {
			t.Errorf("other client's page:\n%.400s", b.body)
		}
		// Still there for its own client.
		front := e.issuer + "/oauth2/auth?" + url.Values{"client_id": {e.clientID}, "request_uri": {uri}}.Encode()
		q := e.login(newBrowser(t), front, testPassword)
		if _, err := e.exchange(q.Get("code"), ar); err != nil {
			t.Fatalf("own client after the other's attempt: %v %v", q, err)
		}
		// Used: gone.
		b.get(front)
		noRedirect(t, b, http.StatusBadRequest)
		// Expired: refused, by the injected clock (fosite does not check).
		params, _ = e.authParams()
		uri = e.pushed(params)
		clk.Advance(2 * time.Minute)
		b.get(e.issuer + "/oauth2/auth?" + url.Values{"client_id": {e.clientID}, "request_uri": {uri}}.Encode())
		noRedirect(t, b, http.StatusBadRequest)
		if !strings.Contains(b.body, "invalid_request_uri") {
			t.Errorf("expired request_uri page:\n%.400s", b.body)
		}
	})
}
