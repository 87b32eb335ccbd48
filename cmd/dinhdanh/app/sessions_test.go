package app_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/dinhdanh/dinhdanh/identity"
	"github.com/dinhdanh/dinhdanh/provider"
)

// backchannelRP is a relying party's back-channel logout endpoint that
// keeps every logout token it receives.
func backchannelRP(t *testing.T) (*httptest.Server, chan string) {
	tokens := make(chan string, 16)
	rp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tokens <- r.PostFormValue("logout_token")
	}))
	t.Cleanup(rp.Close)
	return rp, tokens
}

// useClient points the test relying party at another registered client.
func (e *env) useClient(id, secret string, scopes ...string) {
	e.clientID = id
	e.oauth.ClientID, e.oauth.ClientSecret, e.oauth.Scopes = id, secret, scopes
}

// sidOf verifies an ID or logout token for the current client and
// returns its sub and sid.
func (e *env) sidOf(raw string) (sub, sid string) {
	e.t.Helper()
	tok, err := e.provider.Verifier(&oidc.Config{ClientID: e.clientID}).Verify(e.ctx, raw)
	if err != nil {
		e.t.Fatal(err)
	}
	var c struct {
		SID string `json:"sid"`
	}
	_ = tok.Claims(&c)
	return tok.Subject, c.SID
}

func nextToken(t *testing.T, ch chan string, who string) string {
	t.Helper()
	select {
	case tok := <-ch:
		return tok
	case <-time.After(10 * time.Second):
		t.Fatalf("no logout token reached %s", who)
		return ""
	}
}

// Re-authenticating in the same browser (a step-up for another relying
// party, then prompt=login) keeps one sid, so the logout reaches every
// relying party with the sid it was given, once each (Back-Channel Logout
// 1.0 §2.1); a new cookie value is still set each time (no fixation).
func TestReauthenticationKeepsOneSIDPerBrowser(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend envOption) {
		e := newEnv(t, backend)
		rpA, tokensA := backchannelRP(t)
		rpB, tokensB := backchannelRP(t)
		idA, secretA := e.registerClient(provider.ClientSpec{ID: "portal-a", Name: "A", RedirectURIs: []string{rpCallback},
			Scopes: []string{"openid"}, BackchannelLogoutURI: rpA.URL})
		idB, secretB := e.registerClient(provider.ClientSpec{ID: "bank-b", Name: "B", RedirectURIs: []string{rpCallback},
			Scopes: []string{"openid"}, BackchannelLogoutURI: rpB.URL, MinLevel: 2})

		e.useClient(idA, secretA, "openid")
		b, tokA, _ := e.fullLogin()
		subA, sidA := e.sidOf(tokA.Extra("id_token").(string))
		hostURL, _ := url.Parse(e.issuer)
		cookie := func() string {
			for _, c := range b.client.Jar.Cookies(hostURL) {
				if c.Name == "dd_session" {
					return c.Value
				}
			}
			return ""
		}
		first := cookie()

		// B needs level 2: the session is stepped up with a code.
		e.useClient(idB, secretB, "openid")
		u, ar := e.authURL()
		b.get(u)
		if !strings.Contains(b.body, `name="otp"`) {
			t.Fatalf("no step-up for B:\n%s", b.body)
		}
		b.submit(e.issuer, "/otp", url.Values{"otp": {e.lastCode()}, "action": {"verify"}})
		b.submit(e.issuer, "/consent", url.Values{"decision": {"allow"}})
		tokB, err := e.exchange(b.callback().Get("code"), ar)
		if err != nil {
			t.Fatal(err)
		}
		rawB := tokB.Extra("id_token").(string)
		subB, sidB := e.sidOf(rawB)
		stepped := cookie()

		// A asks for a fresh login.
		e.useClient(idA, secretA, "openid")
		u, ar = e.authURL(oauth2.SetAuthURLParam("prompt", "login"))
		b.get(u)
		b.submit(e.issuer, "/login", url.Values{"id_number": {testPIN}, "password": {newPassword}})
		tokA2, err := e.exchange(b.callback().Get("code"), ar)
		if err != nil {
			t.Fatal(err)
		}
		_, sidA2 := e.sidOf(tokA2.Extra("id_token").(string))
		if sidA == "" || sidB != sidA || sidA2 != sidA {
			t.Fatalf("sid changed with re-authentication: %q, step-up %q, prompt=login %q", sidA, sidB, sidA2)
		}
		if first == "" || stepped == first || cookie() == stepped {
			t.Error("re-authentication kept the session cookie value (session fixation)")
		}

		// Logout from B: A and B each get one token with their sid.
		b.get(e.issuer + "/oauth2/logout?" + url.Values{"id_token_hint": {rawB}}.Encode())
		e.useClient(idA, secretA, "openid")
		ltSub, ltSID := e.sidOf(nextToken(t, tokensA, "A"))
		if ltSub != subA || ltSID != sidA {
			t.Errorf("A's logout token: sub %q sid %q, want %q %q", ltSub, ltSID, subA, sidA)
		}
		e.useClient(idB, secretB, "openid")
		ltSub, ltSID = e.sidOf(nextToken(t, tokensB, "B"))
		if ltSub != subB || ltSID != sidB {
			t.Errorf("B's logout token: sub %q sid %q, want %q %q", ltSub, ltSID, subB, sidB)
		}

		// A sentinel: a new session logged out after the first logout's
		// deliveries were started. Its token is the next one A sees, and
		// no second token for the first sid came before it.
		e.useClient(idA, secretA, "openid")
		b2 := newBrowser(t)
		u, ar = e.authURL()
		tok3, err := e.exchange(e.login(b2, u, newPassword).Get("code"), ar)
		if err != nil {
			t.Fatal(err)
		}
		_, sid3 := e.sidOf(tok3.Extra("id_token").(string))
		if sid3 == sidA {
			t.Fatal("a new browser session reused the sid")
		}
		b2.get(e.issuer + "/oauth2/logout?" + url.Values{"id_token_hint": {tok3.Extra("id_token").(string)}}.Encode())
		if _, got := e.sidOf(nextToken(t, tokensA, "A (sentinel)")); got != sid3 {
			t.Errorf("A got another token for sid %q before the sentinel's", got)
		}
		select {
		case extra := <-tokensB:
			e.useClient(idB, secretB, "openid")
			_, sid := e.sidOf(extra)
			t.Errorf("B got a second logout token (sid %q)", sid)
		default:
		}
	})
}

// A step-up raises the level of the session it steps up without
// extending its absolute lifetime; its amr is that session's password
// plus the code just entered, and a later fresh login lists only what
// that login did (OIDC Core §2 amr, RFC 8176 §2).
func TestStepUpKeepsAbsoluteLifetimeAndAMR(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend envOption) {
		// Behind the real clock: fosite signs ID tokens by the real clock
		// and refuses an auth_time in its future.
		c := &clock{now: time.Now().Add(-4 * time.Hour).Truncate(time.Second)}
		e := newEnv(t, backend, withClock(c))
		b, _, _ := e.fullLogin()
		start := c.Now()
		for range 3 {
			c.Advance(50 * time.Minute)
			if !e.loggedIn(b) {
				t.Fatal("session ended while in use")
			}
		}
		u, ar := e.authURL(oauth2.SetAuthURLParam("acr_values", "urn:vn:eid:loa:2"))
		b.get(u)
		if !strings.Contains(b.body, `name="otp"`) || strings.Contains(b.body, `name="password"`) {
			t.Fatalf("not a step-up:\n%s", b.body)
		}
		b.submit(e.issuer, "/otp", url.Values{"otp": {e.lastCode()}, "action": {"verify"}})
		tok, err := e.exchange(b.callback().Get("code"), ar)
		if err != nil {
			t.Fatal(err)
		}
		acr, amr, authTime := e.idTokenClaims(tok)
		slices.Sort(amr)
		if acr != provider.ACRLevel2 || !slices.Equal(amr, []string{"mfa", "otp", "pwd", "sms"}) || authTime != c.Now().Unix() {
			t.Errorf("step-up: acr %q amr %v auth_time %d (now %d)", acr, amr, authTime, c.Now().Unix())
		}

		// prompt=login at level 1: a password only, so amr is pwd alone,
		// though the session had proved more before.
		u, ar = e.authURL(oauth2.SetAuthURLParam("prompt", "login"))
		b.get(u)
		b.submit(e.issuer, "/login", url.Values{"id_number": {testPIN}, "password": {newPassword}})
		tok, err = e.exchange(b.callback().Get("code"), ar)
		if err != nil {
			t.Fatal(err)
		}
		if acr, amr, _ := e.idTokenClaims(tok); acr != provider.ACRLevel1 || !slices.Equal(amr, []string{"pwd"}) {
			t.Errorf("fresh password login after a step-up: acr %q amr %v", acr, amr)
		}

		// Kept in use, the session still ends 8 hours after the first login.
		for c.Now().Add(50 * time.Minute).Before(start.Add(8 * time.Hour)) {
			c.Advance(50 * time.Minute)
			if !e.loggedIn(b) {
				t.Fatalf("session ended %v after the first login", c.Now().Sub(start))
			}
		}
		c.Advance(start.Add(8 * time.Hour).Sub(c.Now()))
		if e.loggedIn(b) {
			t.Error("re-authentication extended the session past its absolute lifetime")
		}
	})
}

// The password a step-up carries belongs to the session it steps up: if
// that session ends, or another citizen logs in on the browser, before
// the code is entered, the code does not make a level-2 session.
func TestStepUpNeedsTheSessionItStepsUp(t *testing.T) {
	e := newEnv(t)
	e.fullLogin() // the first login's password change, once
	ngoc := "079304123456"
	if _, _, _, err := e.app.Store.UpsertCitizens(e.ctx, []identity.Citizen{{PIN: ngoc, FullName: "Trần Thị Bích Ngọc",
		Birthdate: "2004-08-21", Gender: identity.Female, Phone: "+84903123456"}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.app.Auth.Issue(e.ctx, ngoc, "mat-khau-cua-ngoc-1", identity.Level1); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		between func(b *browser, idToken string)
	}{
		{"logged out", func(b *browser, idToken string) {
			b.get(e.issuer + "/oauth2/logout?" + url.Values{"id_token_hint": {idToken}}.Encode())
		}},
		{"another citizen logged in", func(b *browser, _ string) {
			u, _ := e.authURL(oauth2.SetAuthURLParam("prompt", "login"))
			b.get(u)
			b.submit(e.issuer, "/login", url.Values{"id_number": {ngoc}, "password": {"mat-khau-cua-ngoc-1"}})
			b.submit(e.issuer, "/password", url.Values{"new_password": {"mat-khau-moi-cua-ngoc-2"}, "confirm_password": {"mat-khau-moi-cua-ngoc-2"}})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, idToken, code := e.stepUpPage(t)
			otpPage := b.body
			tc.between(b, idToken)
			b.body = otpPage // the code page, still open in a tab
			b.submit(e.issuer, "/otp", url.Values{"otp": {code}, "action": {"verify"}})
			// Logged out: refused here (400). Another citizen's login has also
			// renewed the CSRF cookie the form and ticket are bound to (403).
			if b.last.StatusCode != http.StatusBadRequest && (tc.name == "logged out" || b.last.StatusCode != http.StatusForbidden) {
				t.Fatalf("the code completed a step-up of a session that is gone: %d %s", b.last.StatusCode, b.last.Header.Get("Location"))
			}
			u, _ := e.authURL(oauth2.SetAuthURLParam("acr_values", "urn:vn:eid:loa:2"), oauth2.SetAuthURLParam("prompt", "none"))
			b.get(u)
			if q := b.callback(); q.Get("code") != "" {
				t.Error("the browser has a level-2 session")
			}
		})
	}
}

// Another citizen logging in on the browser gets a session of their own,
// with a new sid; the previous citizen's relying parties get their logout
// token with the sid they were given.
func TestAnotherCitizenOnTheBrowserGetsANewSID(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend envOption) {
		e := newEnv(t, backend)
		rp, tokens := backchannelRP(t)
		id, secret := e.registerClient(provider.ClientSpec{ID: "portal-a", Name: "A", RedirectURIs: []string{rpCallback},
			Scopes: []string{"openid"}, BackchannelLogoutURI: rp.URL})
		e.useClient(id, secret, "openid")
		b, tok, _ := e.fullLogin()
		subAn, sidAn := e.sidOf(tok.Extra("id_token").(string))

		ngoc := "079304123456"
		if _, _, _, err := e.app.Store.UpsertCitizens(e.ctx, []identity.Citizen{{PIN: ngoc, FullName: "Trần Thị Bích Ngọc",
			Birthdate: "2004-08-21", Gender: identity.Female, Phone: "+84903123456"}}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.app.Auth.Issue(e.ctx, ngoc, "mat-khau-cua-ngoc-1", identity.Level1); err != nil {
			t.Fatal(err)
		}
		u, ar := e.authURL(oauth2.SetAuthURLParam("prompt", "login"))
		b.get(u)
		b.submit(e.issuer, "/login", url.Values{"id_number": {ngoc}, "password": {"mat-khau-cua-ngoc-1"}})
		b.submit(e.issuer, "/password", url.Values{"new_password": {"mat-khau-moi-cua-ngoc-2"}, "confirm_password": {"mat-khau-moi-cua-ngoc-2"}})
		b.submit(e.issuer, "/consent", url.Values{"decision": {"allow"}})
		tokNgoc, err := e.exchange(b.callback().Get("code"), ar)
		if err != nil {
			t.Fatal(err)
		}
		subNgoc, sidNgoc := e.sidOf(tokNgoc.Extra("id_token").(string))
		if subNgoc == subAn || sidNgoc == "" || sidNgoc == sidAn {
			t.Fatalf("another citizen kept the sid: %q %q", sidAn, sidNgoc)
		}
		ltSub, ltSID := e.sidOf(nextToken(t, tokens, "A"))
		if ltSub != subAn || ltSID != sidAn {
			t.Errorf("logout token for the replaced session: sub %q sid %q, want %q %q", ltSub, ltSID, subAn, sidAn)
		}
	})
}

// Logins racing in one browser (several tabs, one cookie): all stay in
// the browser's one session (its sid), listed once, and one logout from
// any tab ends every row of it.
func TestRacingReauthenticationsCarryTheSIDOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend envOption) {
		e := newEnv(t, backend)
		b, tok, _ := e.fullLogin()
		_, sid := e.sidOf(tok.Extra("id_token").(string))
		hostURL, _ := url.Parse(e.issuer)
		const tabs = 4
		pages := make([]*browser, tabs)
		for i := range pages {
			pages[i] = newBrowser(t)
			pages[i].client.Jar.SetCookies(hostURL, b.client.Jar.Cookies(hostURL))
			u, _ := e.authURL(oauth2.SetAuthURLParam("prompt", "login"))
			pages[i].get(u)
		}
		done := make(chan int, tabs)
		for _, p := range pages {
			go func(p *browser) {
				form := url.Values{"id_number": {testPIN}, "password": {newPassword},
					"csrf_token": {hiddenValue(p.body, "csrf_token")}, "interaction": {hiddenValue(p.body, "interaction")}}
				req, _ := http.NewRequest(http.MethodPost, e.issuer+"/login", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				resp, err := p.client.Do(req)
				if err != nil {
					done <- 0
					return
				}
				resp.Body.Close()
				done <- resp.StatusCode
			}(p)
		}
		for range tabs {
			<-done
		}
		acc, err := e.app.Store.GetAccountByPIN(e.ctx, testPIN)
		if err != nil {
			t.Fatal(err)
		}
		list, err := e.app.Store.ListAuthSessions(e.ctx, acc.ID, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		carried := 0
		for _, s := range list {
			if s.SID == sid {
				carried++
			}
		}
		if carried != 1 || len(list) != 1 {
			t.Fatalf("after racing logins: %d sessions listed, %d with the sid %q", len(list), carried, sid)
		}
		last := pages[tabs-1]
		last.get(e.issuer + "/oauth2/logout?" + url.Values{"id_token_hint": {tok.Extra("id_token").(string)}}.Encode())
		if n := e.liveSessions(t); n != 0 {
			t.Errorf("%d sessions outlived the logout", n)
		}
	})
}

// A session nobody comes back to is ended by the janitor, not merely
// purged: the relying party gets its back-channel logout token, and the
// session is gone from the account page.
func TestJanitorEndsIdleSessionsWithLogout(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend envOption) {
		c := &clock{now: time.Now()}
		e := newEnv(t, backend, withClock(c))
		rp, tokens := backchannelRP(t)
		id, secret := e.registerClient(provider.ClientSpec{ID: "portal-a", Name: "A", RedirectURIs: []string{rpCallback},
			Scopes: []string{"openid"}, BackchannelLogoutURI: rp.URL})
		e.useClient(id, secret, "openid")
		_, tok, _ := e.fullLogin()
		sub, sid := e.sidOf(tok.Extra("id_token").(string))

		if n, err := e.app.Provider.EndExpiredSessions(e.ctx, 10); err != nil || n != 0 {
			t.Fatalf("a live session was ended: n=%d err=%v", n, err)
		}
		c.Advance(61 * time.Minute)
		if n, err := e.app.Provider.EndExpiredSessions(e.ctx, 10); err != nil || n != 1 {
			t.Fatalf("ended %d idle sessions (err %v), want 1", n, err)
		}
		gotSub, gotSID := e.sidOf(nextToken(t, tokens, "portal-a"))
		if gotSub != sub || gotSID != sid {
			t.Errorf("logout token for %s/%s, want %s/%s", gotSub, gotSID, sub, sid)
		}
		if n, _ := e.app.Provider.EndExpiredSessions(e.ctx, 10); n != 0 {
			t.Errorf("the ended session was found again (%d)", n)
		}
		if e.liveSessions(t) != 0 {
			t.Error("the idle session is still listed as live")
		}
	})
}
