package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/dinhdanh/dinhdanh/identity"
)

// An ID token this provider issued is a valid id_token_hint however many
// claims it carries (OIDC Core §3.1.2.1; it passed 4 KiB and was refused).
func TestOwnLargeIDTokenIsAValidHint(t *testing.T) {
	e := newEnv(t)
	c := richCitizen()
	if _, _, _, err := e.app.Store.UpsertCitizens(e.ctx, []identity.Citizen{c}); err != nil {
		t.Fatal(err)
	}
	cfg := e.allScopes("big")
	cfg.Scopes = []string{"openid"}
	var members []string
	for _, n := range identity.ClaimNames() {
		if n == identity.VerifiedClaims {
			continue
		}
		members = append(members, `"`+n+`":null`)
	}
	var vc []string
	for _, n := range identity.VerifiableClaimNames() {
		vc = append(vc, `"`+n+`":null`)
	}
	claims := `{"id_token":{` + strings.Join(members, ",") + `,"verified_claims":{"verification":{"trust_framework":null,"evidence":null},"claims":{` + strings.Join(vc, ",") + `}}}}`
	t.Logf("claims parameter: %d bytes", len(claims))
	b := newBrowser(t)
	tok, _ := e.flow(b, &citizen{pin: testPIN, password: testPassword}, cfg, url.Values{"decision": {"allow"}, "tick": identity.ClaimNames()}, oauth2.SetAuthURLParam("claims", claims), oauth2.SetAuthURLParam("acr_values", "urn:vn:eid:loa:2"))
	raw, _ := tok.Extra("id_token").(string)
	idt := e.idToken(cfg, tok)
	t.Logf("ID token: %d bytes, %d claims", len(raw), len(idt))
	if len(raw) <= 4096 || len(idt) < 10 {
		t.Fatalf("the test needs a large ID token, got %d bytes", len(raw))
	}
	// Re-authenticate silently with the hint, as an RP does.
	ar := authRequest{state: "state-0123456789", nonce: "nonce-0123456789", verifier: oauth2.GenerateVerifier()}
	u := cfg.AuthCodeURL(ar.state, oauth2.S256ChallengeOption(ar.verifier), oauth2.SetAuthURLParam("acr_values", "urn:vn:eid:loa:2"), oauth2.SetAuthURLParam("prompt", "none"), oauth2.SetAuthURLParam("id_token_hint", raw))
	stopAll(b).get(u)
	if q := redirected(t, b, false); q.Get("code") == "" {
		t.Errorf("our own %d-byte ID token refused as id_token_hint: %v", len(raw), q)
	}
	// And log out with it (RP-Initiated Logout §2).
	b.get(e.issuer + "/oauth2/logout?" + url.Values{"id_token_hint": {raw}}.Encode())
	if b.last.StatusCode != http.StatusOK || e.loggedIn(b) {
		t.Errorf("logout with our own %d-byte ID token: %d, still logged in: %v", len(raw), b.last.StatusCode, e.loggedIn(b))
	}
}

// Missing required token parameters are invalid_request (RFC 6749 §5.2),
// and a request without code_verifier does not burn the code for the
// real client (fosite drops the PKCE session before verifying).
func TestTokenRequestMissingParameters(t *testing.T) {
	e := newEnv(t)
	ep := e.endpoints()
	auth := withBasic(e.clientID, e.secret)
	b := newBrowser(t)
	u, ar := e.authURL()
	q := e.login(b, u, testPassword)
	code := q.Get("code")
	for name, f := range map[string]url.Values{
		"code missing":          {"grant_type": {"authorization_code"}, "redirect_uri": {rpCallback}, "code_verifier": {ar.verifier}},
		"refresh_token missing": {"grant_type": {"refresh_token"}},
		"verifier missing":      {"grant_type": {"authorization_code"}, "code": {code + "x"}, "redirect_uri": {rpCallback}},
	} {
		r := post(t, ep.token, f, auth)
		if name != "verifier missing" && r.errorCode() != "invalid_request" {
			t.Errorf("%s: %d %v, want invalid_request (RFC 6749 §5.2)", name, r.status, r.body["error"])
		}
	}
	// Missing verifier for a real code (RFC 7636 §4.6 / §4.5)
	r := post(t, ep.token, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {rpCallback}}, auth)
	if r.errorCode() != "invalid_request" {
		t.Errorf("real code, no verifier: %d %v, want invalid_request", r.status, r.body["error"])
	}
	r = post(t, ep.token, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {rpCallback}, "code_verifier": {ar.verifier}}, auth)
	if r.status != http.StatusOK {
		t.Errorf("a token request without code_verifier burned the code: %d %v", r.status, r.body["error_description"])
	}
}
