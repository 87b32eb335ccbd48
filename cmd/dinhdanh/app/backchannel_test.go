package app_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/dinhdanh/dinhdanh/provider"
)

// A relying party that registered a back-channel logout URI receives a
// signed logout token when the citizen logs out (Back-Channel Logout 1.0
// §2.4-2.6); it verifies it like an ID token, plus the events claim.
func TestBackchannelLogoutTokenIsDeliveredAndVerifies(t *testing.T) {
	e := newEnv(t)
	tokens := make(chan string, 4)
	calls := 0
	rp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			http.Error(w, "busy", http.StatusServiceUnavailable) // retried
			return
		}
		tokens <- r.PostFormValue("logout_token")
	}))
	defer rp.Close()
	id, secret := e.registerClient(provider.ClientSpec{ID: "bank", Name: "Ngân hàng", RedirectURIs: []string{rpCallback},
		Scopes: []string{"openid", "profile"}, BackchannelLogoutURI: rp.URL + "/backchannel"})
	e.oauth.ClientID, e.oauth.ClientSecret, e.oauth.Scopes = id, secret, []string{"openid"}
	b, tok, _ := e.fullLogin()
	rawID, _ := tok.Extra("id_token").(string)
	idt, err := e.provider.Verifier(&oidc.Config{ClientID: id}).Verify(e.ctx, rawID)
	if err != nil {
		t.Fatal(err)
	}
	var idClaims struct {
		SID string `json:"sid"`
	}
	_ = idt.Claims(&idClaims)
	if idClaims.SID == "" {
		t.Fatal("ID token has no sid")
	}

	b.get(e.issuer + "/oauth2/logout?" + url.Values{"id_token_hint": {rawID}}.Encode())
	var logoutToken string
	select {
	case logoutToken = <-tokens:
	case <-time.After(10 * time.Second):
		t.Fatal("no logout token arrived")
	}
	lt, err := e.provider.Verifier(&oidc.Config{ClientID: id}).Verify(e.ctx, logoutToken)
	if err != nil {
		t.Fatalf("logout token does not verify: %v", err)
	}
	var c struct {
		SID    string                    `json:"sid"`
		Nonce  string                    `json:"nonce"`
		Events map[string]map[string]any `json:"events"`
		JTI    string                    `json:"jti"`
	}
	if err := lt.Claims(&c); err != nil {
		t.Fatal(err)
	}
	if lt.Subject != idt.Subject || c.SID != idClaims.SID || c.Nonce != "" || c.JTI == "" {
		t.Errorf("logout token claims: sub %q sid %q nonce %q jti %q", lt.Subject, c.SID, c.Nonce, c.JTI)
	}
	if _, ok := c.Events["http://schemas.openid.net/event/backchannel-logout"]; !ok {
		t.Errorf("no back-channel logout event: %v", c.Events)
	}
}
