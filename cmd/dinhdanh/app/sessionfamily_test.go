package app_test

import (
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/dinhdanh/dinhdanh/provider"
)

// tabOf is a second tab of b: the same cookies as b has now (cookie jars
// are per browser, so each tab's response overwrites the other's).
func (e *env) tabOf(b *browser) *browser {
	hostURL, _ := url.Parse(e.issuer)
	tab := newBrowser(e.t)
	tab.client.Jar.SetCookies(hostURL, b.client.Jar.Cookies(hostURL))
	return tab
}

// stepUpPage logs a new browser in at level 1, then opens a level-2
// request: the code page of a step-up, its code sent. It returns the
// browser, the level-1 ID token and the code.
func (e *env) stepUpPage(t *testing.T) (b *browser, idToken, code string) {
	t.Helper()
	b = newBrowser(t)
	u, ar := e.authURL()
	tok, err := e.exchange(e.login(b, u, newPassword).Get("code"), ar)
	if err != nil {
		t.Fatal(err)
	}
	u, _ = e.authURL(oauth2.SetAuthURLParam("acr_values", "urn:vn:eid:loa:2"))
	b.get(u)
	if !strings.Contains(b.body, `name="otp"`) {
		t.Fatalf("not a step-up:\n%s", b.body)
	}
	return b, tok.Extra("id_token").(string), e.lastCode()
}

func (e *env) liveSessions(t *testing.T) int {
	t.Helper()
	acc, err := e.app.Store.GetAccountByPIN(e.ctx, testPIN)
	if err != nil {
		t.Fatal(err)
	}
	list, err := e.app.Store.ListAuthSessions(e.ctx, acc.ID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

// Two tabs re-authenticate with the same cookie; the second login is
// answered after the first and carries the replaced cookie. Whichever
// response the browser keeps, the logout reaches the relying party that
// logged in through the first tab, with the sid it was given, and no
// session is left behind (Back-Channel Logout 1.0 §2.1: one sid per
// browser session at the OP).
func TestTwoTabLoginsKeepOneSession(t *testing.T) {
	for _, keep := range []string{"first tab's cookie", "second tab's cookie"} {
		t.Run(keep, func(t *testing.T) {
			eachBackend(t, func(t *testing.T, backend envOption) {
				e := newEnv(t, backend)
				rp, tokens := backchannelRP(t)
				id, secret := e.registerClient(provider.ClientSpec{ID: "portal-a", Name: "A", RedirectURIs: []string{rpCallback},
					Scopes: []string{"openid"}, BackchannelLogoutURI: rp.URL})
				e.useClient(id, secret, "openid")
				b, tok, _ := e.fullLogin()
				sub, sid := e.sidOf(tok.Extra("id_token").(string))

				tab1, tab2 := e.tabOf(b), e.tabOf(b)
				u1, ar1 := e.authURL(oauth2.SetAuthURLParam("prompt", "login"))
				tab1.get(u1)
				u2, ar2 := e.authURL(oauth2.SetAuthURLParam("prompt", "login"))
				tab2.get(u2)

				tab1.submit(e.issuer, "/login", url.Values{"id_number": {testPIN}, "password": {newPassword}})
				tok1, err := e.exchange(tab1.callback().Get("code"), ar1)
				if err != nil {
					t.Fatal(err)
				}
				tab2.submit(e.issuer, "/login", url.Values{"id_number": {testPIN}, "password": {newPassword}})
				tok2, err := e.exchange(tab2.callback().Get("code"), ar2)
				if err != nil {
					t.Fatal(err)
				}
				_, sid1 := e.sidOf(tok1.Extra("id_token").(string))
				_, sid2 := e.sidOf(tok2.Extra("id_token").(string))
				if sid1 != sid || sid2 != sid {
					t.Fatalf("sids %q and %q, want %q for both tabs", sid1, sid2, sid)
				}
				if n := e.liveSessions(t); n != 1 {
					t.Fatalf("%d sessions listed for one browser", n)
				}

				kept := tab1
				if keep == "second tab's cookie" {
					kept = tab2
				}
				kept.get(e.issuer + "/oauth2/logout?" + url.Values{"id_token_hint": {tok2.Extra("id_token").(string)}}.Encode())
				ltSub, ltSID := e.sidOf(nextToken(t, tokens, "A"))
				if ltSub != sub || ltSID != sid {
					t.Errorf("logout token sub %q sid %q, want %q %q", ltSub, ltSID, sub, sid)
				}
				select {
				case extra := <-tokens:
					t.Errorf("a second logout token: %s", extra)
				case <-time.After(300 * time.Millisecond):
				}
				if n := e.liveSessions(t); n != 0 {
					t.Errorf("%d sessions outlived the logout", n)
				}
				for _, tab := range []*browser{tab1, tab2} {
					u, _ := e.authURL(oauth2.SetAuthURLParam("prompt", "none"))
					tab.get(u)
					if tab.callback().Get("error") != "login_required" {
						t.Errorf("a tab is still logged in after the logout")
					}
				}
			})
		})
	}
}

// A step-up's code entered while the session it steps up is being logged
// out: whatever the order, once both requests are answered the browser
// has no session (the step-up never starts a level-2 session of its own
// with a fresh lifetime).
func TestStepUpRacingLogoutLeavesNoSession(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend envOption) {
		e := newEnv(t, backend)
		e.fullLogin() // the first login's password change, once
		others := e.liveSessions(t)
		for i := range 4 {
			b, idToken, code := e.stepUpPage(t)
			logoutTab := e.tabOf(b)
			var wg sync.WaitGroup
			wg.Add(2)
			go func() {
				defer wg.Done()
				logoutTab.get(e.issuer + "/oauth2/logout?" + url.Values{"id_token_hint": {idToken}}.Encode())
			}()
			go func() {
				defer wg.Done()
				b.submit(e.issuer, "/otp", url.Values{"otp": {code}, "action": {"verify"}})
			}()
			wg.Wait()
			if n := e.liveSessions(t) - others; n != 0 {
				t.Fatalf("round %d: %d sessions outlived a logout that raced the step-up (step-up answered %d)", i, n, b.last.StatusCode)
			}
		}
	})
}

// Re-authenticating as the same citizen in one tab leaves the forms open
// in the others usable: the CSRF cookie is renewed only when a citizen's
// session begins in this browser (login CSRF), not at a step-up or
// prompt=login of the same citizen.
func TestReauthenticationKeepsOtherTabsForms(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend envOption) {
		e := newEnv(t, backend)
		b, _, _ := e.fullLogin()
		id, secret := e.registerClient(provider.ClientSpec{ID: "insurer", Name: "Bảo hiểm", RedirectURIs: []string{rpCallback},
			Scopes: []string{"openid", "profile"}})
		e.useClient(id, secret, "openid", "profile")
		u, ar := e.authURL()
		b.get(u)
		if !strings.Contains(b.body, `name="decision"`) {
			t.Fatalf("no consent page:\n%s", b.body)
		}
		consentPage := b.body

		u2, _ := e.authURL(oauth2.SetAuthURLParam("prompt", "login"))
		b.get(u2)
		b.submit(e.issuer, "/login", url.Values{"id_number": {testPIN}, "password": {newPassword}})

		b.body = consentPage // the first tab's form
		b.submit(e.issuer, "/consent", url.Values{"decision": {"allow"}})
		if _, err := e.exchange(b.callback().Get("code"), ar); err != nil {
			t.Fatal(err)
		}
	})
}
