package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// loggedIn reports whether the browser still has an SSO session, asking
// with prompt=none (OIDC Core §3.1.2.1).
func (e *env) loggedIn(b *browser) bool {
	e.t.Helper()
	u, _ := e.authURL(oauth2.SetAuthURLParam("prompt", "none"))
	b.get(u)
	q := b.callback()
	return q.Get("code") != ""
}

func TestLogoutWithIDTokenHint(t *testing.T) {
	e := newEnv(t)
	b, tok, _ := e.fullLogin()
	if !e.loggedIn(b) {
		t.Fatal("no session after login")
	}
	idToken, _ := tok.Extra("id_token").(string)
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	getJSON(t, e.issuer+"/.well-known/openid-configuration", &meta)
	b.get(meta.EndSession + "?" + url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {rpLoggedOut}, "state": {"bye-123"}}.Encode())
	loc := b.last.Header.Get("Location")
	if b.last.StatusCode != http.StatusSeeOther || loc != rpLoggedOut+"?state=bye-123" {
		t.Fatalf("logout answered %d %q\n%s", b.last.StatusCode, loc, b.body)
	}
	if e.loggedIn(b) {
		t.Error("still logged in after logout")
	}
}

func TestLogoutWithoutHintAsksFirst(t *testing.T) {
	e := newEnv(t)
	b, _, _ := e.fullLogin()
	b.get(e.issuer + "/oauth2/logout")
	if !strings.Contains(b.body, `value="logout"`) || b.last.StatusCode != http.StatusOK {
		t.Fatalf("no confirmation page: %d\n%s", b.last.StatusCode, b.body)
	}
	if !e.loggedIn(b) {
		t.Fatal("logged out before confirming")
	}
	b.get(e.issuer + "/oauth2/logout")
	b.submit(e.issuer, "/logout", url.Values{"decision": {"logout"}})
	if !strings.Contains(b.body, "Đã đăng xuất") {
		t.Errorf("no logged-out page: %d\n%s", b.last.StatusCode, b.body)
	}
	if e.loggedIn(b) {
		t.Error("still logged in after confirming")
	}
}

func TestLogoutNeverRedirectsToUnregisteredURI(t *testing.T) {
	e := newEnv(t)
	b, tok, _ := e.fullLogin()
	idToken, _ := tok.Extra("id_token").(string)
	b.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	b.get(e.issuer + "/oauth2/logout?" + url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {"https://attacker.example/"}}.Encode())
	if b.last.StatusCode != http.StatusBadRequest || b.last.Header.Get("Location") != "" {
		t.Errorf("got %d %q", b.last.StatusCode, b.last.Header.Get("Location"))
	}
	// A forged hint is refused too.
	b.get(e.issuer + "/oauth2/logout?" + url.Values{"id_token_hint": {idToken[:len(idToken)-4] + "AAAA"}, "post_logout_redirect_uri": {rpLoggedOut}}.Encode())
	if b.last.StatusCode != http.StatusBadRequest {
		t.Errorf("forged hint: %d", b.last.StatusCode)
	}
}

// The end-session endpoint also takes POST (RP-Initiated Logout 1.0 §2):
// no CSRF token is expected from a relying party's form.
func TestLogoutByPost(t *testing.T) {
	e := newEnv(t)
	b, tok, _ := e.fullLogin()
	idToken, _ := tok.Extra("id_token").(string)
	req, _ := http.NewRequest(http.MethodPost, e.issuer+"/oauth2/logout", strings.NewReader(url.Values{
		"id_token_hint": {idToken}, "post_logout_redirect_uri": {rpLoggedOut}, "state": {"s-1"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	b.do(req)
	if loc := b.last.Header.Get("Location"); loc != rpLoggedOut+"?state=s-1" {
		t.Fatalf("POST logout: %d %q\n%s", b.last.StatusCode, loc, b.body)
	}
	if e.loggedIn(b) {
		t.Error("still logged in")
	}
}

// Account-page forms refuse a forged CSRF token.
func TestAccountFormsNeedCSRF(t *testing.T) {
	e := newEnv(t)
	b, tok, _ := e.fullLogin()
	b.get(e.issuer + "/account")
	b.submit(e.issuer, "/account/consents/withdraw", url.Values{"client_id": {"exam-portal"}, "csrf_token": {"forged"}})
	if b.last.StatusCode != http.StatusForbidden {
		t.Errorf("forged token: %d", b.last.StatusCode)
	}
	if _, err := e.provider.UserInfo(e.ctx, oauth2.StaticTokenSource(tok)); err != nil {
		t.Errorf("consent withdrawn by a forged form: %v", err)
	}
}
