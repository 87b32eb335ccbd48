package app_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/dinhdanh/dinhdanh/cmd/dinhdanh/app"
	"github.com/dinhdanh/dinhdanh/identity"
	"github.com/dinhdanh/dinhdanh/provider"
)

// clock is a movable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func withClock(c *clock) envOption { return func(o *app.Options) { o.Now = c.Now } }

var sixDigits = regexp.MustCompile(`\b(\d{6})\b`)

// sentSMS delivers what the outbox holds, then returns the messages the
// log SMS sender got, newest first.
func (e *env) sentSMS() []identity.SMSMessage {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
	defer cancel()
	if err := e.app.Outbox.Drain(ctx); err != nil {
		e.t.Fatalf("delivering the outbox: %v", err)
	}
	sms, ok := e.app.SMS.(*identity.LogSMSSender)
	if !ok {
		e.t.Fatal("not the log SMS sender")
	}
	return sms.Recent()
}

// lastCode reads the newest one-time code from the log SMS sender.
func (e *env) lastCode() string {
	e.t.Helper()
	sent := e.sentSMS()
	if len(sent) == 0 {
		e.t.Fatal("no SMS was sent")
	}
	// The newest message with a code: notices may be delivered in the
	// same batch, in any order.
	for _, msg := range sent {
		if m := sixDigits.FindStringSubmatch(msg.Body); m != nil {
			return m[1]
		}
	}
	e.t.Fatalf("no code in the SMS sent")
	return ""
}

func (e *env) idTokenClaims(tok *oauth2.Token) (acr string, amr []string, authTime int64) {
	e.t.Helper()
	raw, _ := tok.Extra("id_token").(string)
	idt, err := e.provider.Verifier(&oidc.Config{ClientID: e.clientID}).Verify(e.ctx, raw)
	if err != nil {
		e.t.Fatal(err)
	}
	var c struct {
		ACR      string   `json:"acr"`
		AMR      []string `json:"amr"`
		AuthTime int64    `json:"auth_time"`
	}
	_ = idt.Claims(&c)
	return c.ACR, c.AMR, c.AuthTime
}

func TestLevel2LoginWithSMSCode(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t)
	u, ar := e.authURL(oauth2.SetAuthURLParam("acr_values", "urn:vn:eid:loa:2"))
	b.get(u)
	b.submit(e.issuer, "/login", url.Values{"id_number": {testPIN}, "password": {testPassword}})
	b.submit(e.issuer, "/password", url.Values{"new_password": {newPassword}, "confirm_password": {newPassword}})
	if !strings.Contains(b.body, `name="otp"`) {
		t.Fatalf("no code page after the password:\n%s", b.body)
	}
	// A wrong code first: an error, the page again.
	b.submit(e.issuer, "/otp", url.Values{"otp": {"000000"}, "action": {"verify"}})
	if b.last.StatusCode != http.StatusBadRequest || !strings.Contains(b.body, "Mã xác thực không đúng") {
		t.Fatalf("wrong code: %d", b.last.StatusCode)
	}
	b.submit(e.issuer, "/otp", url.Values{"otp": {e.lastCode()}, "action": {"verify"}})
	b.submit(e.issuer, "/consent", url.Values{"decision": {"allow"}})
	q := b.callback()
	tok, err := e.exchange(q.Get("code"), ar)
	if err != nil {
		t.Fatal(err)
	}
	acr, amr, _ := e.idTokenClaims(tok)
	if acr != "urn:vn:eid:loa:2" || !contains(amr, "pwd") || !contains(amr, "sms") || !contains(amr, "mfa") {
		t.Errorf("acr %q amr %v", acr, amr)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestStepUpAsksOnlyForTheCode(t *testing.T) {
	e := newEnv(t)
	b, tok, _ := e.fullLogin()
	if acr, _, _ := e.idTokenClaims(tok); acr != "urn:vn:eid:loa:1" {
		t.Fatalf("first login acr %q", acr)
	}
	u, ar := e.authURL(oauth2.SetAuthURLParam("acr_values", "LoA2"))
	b.get(u)
	if strings.Contains(b.body, `name="password"`) || !strings.Contains(b.body, `name="otp"`) {
		t.Fatalf("step-up did not go straight to the code page:\n%s", b.body)
	}
	b.submit(e.issuer, "/otp", url.Values{"otp": {e.lastCode()}, "action": {"verify"}})
	q := b.callback()
	tok, err := e.exchange(q.Get("code"), ar)
	if err != nil {
		t.Fatal(err)
	}
	if acr, amr, _ := e.idTokenClaims(tok); acr != "urn:vn:eid:loa:2" || !contains(amr, "pwd") || !contains(amr, "sms") {
		t.Errorf("after step-up: acr %q amr %v", acr, amr)
	}
	// The session is level 2 now: a level-2 request passes without pages.
	u, _ = e.authURL(oauth2.SetAuthURLParam("acr_values", "urn:vn:eid:loa:2"))
	b.get(u)
	if q := b.callback(); q.Get("code") == "" {
		t.Errorf("level-2 session asked again: %v", q)
	}
}

func TestUnmetACRIsAnErrorNotALowerLevel(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t)
	u, _ := e.authURL(oauth2.SetAuthURLParam("acr_values", "urn:vn:eid:loa:3"))
	b.get(u)
	if q := b.callback(); q.Get("error") != "unmet_authentication_requirements" || q.Get("iss") != e.issuer {
		t.Errorf("got %v", q)
	}
	// An essential acr claim in the claims parameter (OIDC Core §5.5.1.1).
	claims := `{"id_token":{"acr":{"essential":true,"values":["urn:vn:eid:loa:4"]}}}`
	u, _ = e.authURL(oauth2.SetAuthURLParam("claims", claims))
	b.get(u)
	if q := b.callback(); q.Get("error") != "unmet_authentication_requirements" {
		t.Errorf("essential acr: %v", q)
	}
	u, _ = e.authURL(oauth2.SetAuthURLParam("claims", "{not json"))
	b.get(u)
	if q := b.callback(); q.Get("error") != "invalid_request" {
		t.Errorf("bad claims JSON: %v", q)
	}
}

func TestLockoutAndRecoveryWithInjectedClock(t *testing.T) {
	c := &clock{now: time.Now()}
	e := newEnv(t, withClock(c))
	try := func(password string) (int, string) {
		b := newBrowser(t)
		u, _ := e.authURL()
		b.get(u)
		b.submit(e.issuer, "/login", url.Values{"id_number": {testPIN}, "password": {password}})
		return b.last.StatusCode, b.body
	}
	for i := 0; i < identity.DefaultThrottlePolicy.LockAfter; i++ {
		c.Advance(time.Minute) // past each growing delay
		if status, _ := try("wrong-password-123"); status != http.StatusUnauthorized {
			t.Fatalf("failure %d answered %d", i+1, status)
		}
	}
	status, body := try(testPassword)
	if status != http.StatusTooManyRequests || !strings.Contains(body, "quá nhiều lần") {
		t.Fatalf("locked account with the right password: %d", status)
	}
	// An unknown ID number locks the same way: no hint which numbers exist.
	audit, err := e.app.Store.ListAudit(e.ctx, 10)
	if err != nil || len(audit) == 0 || audit[0].Kind != "account_locked" {
		t.Fatalf("lock not audited: %+v %v", audit, err)
	}
	if strings.Contains(audit[0].Detail, testPIN) {
		t.Error("audit detail holds the ID number")
	}
	c.Advance(identity.DefaultThrottlePolicy.LockFor + time.Second)
	if status, body := try(testPassword); status != http.StatusOK || !strings.Contains(body, `name="new_password"`) {
		t.Errorf("after the lock period: %d", status)
	}
}

func TestInteractionIsBoundToItsBrowser(t *testing.T) {
	e := newEnv(t)
	attacker := newBrowser(t)
	u, _ := e.authURL()
	attacker.get(u)
	interaction := hiddenValue(attacker.body, "interaction")
	if interaction == "" {
		t.Fatal("no interaction")
	}
	victim := newBrowser(t)
	victim.get(e.issuer + "/login?interaction=" + url.QueryEscape(interaction))
	if victim.last.StatusCode != http.StatusBadRequest || strings.Contains(victim.body, `name="password"`) {
		t.Fatalf("another browser opened the interaction: %d", victim.last.StatusCode)
	}
	victim.get(e.issuer + "/oauth2/auth/continue?interaction=" + url.QueryEscape(interaction))
	if victim.last.StatusCode != http.StatusBadRequest {
		t.Errorf("another browser resumed the interaction: %d", victim.last.StatusCode)
	}
}

func TestConsentPromptKeepsTheSession(t *testing.T) {
	e := newEnv(t)
	b, tok, _ := e.fullLogin()
	_, _, firstAuth := e.idTokenClaims(tok)
	u, ar := e.authURL(oauth2.SetAuthURLParam("prompt", "consent"))
	b.get(u)
	if strings.Contains(b.body, `name="password"`) || !strings.Contains(b.body, `value="allow"`) {
		t.Fatalf("prompt=consent did not go straight to consent:\n%s", b.body)
	}
	b.submit(e.issuer, "/consent", url.Values{"decision": {"allow"}})
	tok, err := e.exchange(b.callback().Get("code"), ar)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, auth := e.idTokenClaims(tok); auth != firstAuth {
		t.Errorf("auth_time changed from %d to %d without a login", firstAuth, auth)
	}
}

func TestMaxAgeZeroForcesLoginAndPromptNoneUsesSession(t *testing.T) {
	e := newEnv(t)
	b, _, _ := e.fullLogin()
	u, _ := e.authURL(oauth2.SetAuthURLParam("prompt", "none"))
	b.get(u)
	if q := b.callback(); q.Get("code") == "" {
		t.Fatalf("prompt=none with a session: %v", q)
	}
	u, ar := e.authURL(oauth2.SetAuthURLParam("max_age", "0"))
	b.get(u)
	if !strings.Contains(b.body, `name="password"`) {
		t.Fatalf("max_age=0 did not ask for the password")
	}
	b.submit(e.issuer, "/login", url.Values{"id_number": {testPIN}, "password": {newPassword}})
	tok, err := e.exchange(b.callback().Get("code"), ar)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, auth := e.idTokenClaims(tok); auth == 0 {
		t.Error("auth_time missing with max_age")
	}
	u, _ = e.authURL(oauth2.SetAuthURLParam("max_age", "-1"))
	b.get(u)
	if q := b.callback(); q.Get("error") != "invalid_request" {
		t.Errorf("max_age=-1: %v", q)
	}
}

func TestTokensOnlyWhereTheyBelong(t *testing.T) {
	e := newEnv(t)
	_, tok, _ := e.fullLogin()
	// A refresh token is not a bearer credential (RFC 6749 §1.5).
	req, _ := http.NewRequest(http.MethodGet, e.provider.UserInfoEndpoint(), nil)
	req.Header.Set("Authorization", "Bearer "+tok.RefreshToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("refresh token at userinfo: %d", resp.StatusCode)
	}
	// Introspection wants the client's own credentials, not a bearer token.
	req, _ = http.NewRequest(http.MethodPost, e.issuer+"/oauth2/introspect", strings.NewReader(url.Values{"token": {tok.RefreshToken}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("introspection with a bearer token: %d", resp.StatusCode)
	}
}

// Attempts are counted before the password is checked, so a burst of
// parallel guesses cannot all slip past the limit.
func TestParallelGuessesShareTheLimit(t *testing.T) {
	e := newEnv(t)
	const n = 40
	var wg sync.WaitGroup
	statuses := make(chan int, n)
	pages := make([]*browser, n)
	for i := range pages {
		pages[i] = newBrowser(t)
		u, _ := e.authURL()
		pages[i].get(u)
	}
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(b *browser) {
			defer wg.Done()
			form := url.Values{"id_number": {testPIN}, "password": {"wrong-password-123"},
				"csrf_token": {hiddenValue(b.body, "csrf_token")}, "interaction": {hiddenValue(b.body, "interaction")}}
			req, _ := http.NewRequest(http.MethodPost, e.issuer+"/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := b.client.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}(pages[i])
	}
	wg.Wait()
	close(statuses)
	verified := 0
	for s := range statuses {
		if s == http.StatusUnauthorized {
			verified++
		}
	}
	if verified > identity.DefaultThrottlePolicy.LockAfter {
		t.Errorf("%d of %d parallel guesses were checked; the limit is %d", verified, n, identity.DefaultThrottlePolicy.LockAfter)
	}
}

func TestSessionIdleAndAbsoluteLifetimes(t *testing.T) {
	c := &clock{now: time.Now()}
	e := newEnv(t, withClock(c))
	b, _, _ := e.fullLogin()
	// Used every 50 minutes: it stays (idle limit 1 hour).
	for i := 0; i < 3; i++ {
		c.Advance(50 * time.Minute)
		if !e.loggedIn(b) {
			t.Fatalf("session ended after %d active periods", i+1)
		}
	}
	// Unused for over an hour: it ends.
	c.Advance(61 * time.Minute)
	if e.loggedIn(b) {
		t.Error("idle session still works")
	}
	// The absolute lifetime (8 hours) ends even an active session.
	b = newBrowser(t)
	u, _ := e.authURL()
	e.login(b, u, newPassword)
	for i := 0; i < 10; i++ {
		c.Advance(50 * time.Minute)
		e.loggedIn(b)
	}
	if e.loggedIn(b) {
		t.Error("session outlived its absolute lifetime")
	}
}

// id_token_hint naming another citizen: prompt=none answers
// login_required instead of logging in the session's citizen.
func TestIDTokenHintForAnotherCitizen(t *testing.T) {
	e := newEnv(t)
	b, tok, _ := e.fullLogin()
	hint, _ := tok.Extra("id_token").(string)
	u, _ := e.authURL(oauth2.SetAuthURLParam("prompt", "none"), oauth2.SetAuthURLParam("id_token_hint", hint))
	b.get(u)
	if q := b.callback(); q.Get("code") == "" {
		t.Fatalf("matching hint refused: %v", q)
	}
	// A second citizen logs in on another browser; the first browser's
	// session does not match their hint.
	if _, _, _, err := e.app.Store.UpsertCitizens(e.ctx, []identity.Citizen{{PIN: "079304123456", FullName: "Trần Thị Bích Ngọc",
		Birthdate: "2004-08-21", Gender: identity.Female, Phone: "+84903123456"}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.app.Auth.Issue(e.ctx, "079304123456", "mat-khau-cua-ngoc-1", identity.Level1); err != nil {
		t.Fatal(err)
	}
	other := newBrowser(t)
	u, ar := e.authURL()
	other.get(u)
	other.submit(e.issuer, "/login", url.Values{"id_number": {"079304123456"}, "password": {"mat-khau-cua-ngoc-1"}})
	other.submit(e.issuer, "/password", url.Values{"new_password": {"mat-khau-moi-cua-ngoc-2"}, "confirm_password": {"mat-khau-moi-cua-ngoc-2"}})
	other.submit(e.issuer, "/consent", url.Values{"decision": {"allow"}})
	otherTok, err := e.exchange(other.callback().Get("code"), ar)
	if err != nil {
		t.Fatal(err)
	}
	otherHint, _ := otherTok.Extra("id_token").(string)
	u, _ = e.authURL(oauth2.SetAuthURLParam("prompt", "none"), oauth2.SetAuthURLParam("id_token_hint", otherHint))
	b.get(u)
	if q := b.callback(); q.Get("error") != "login_required" {
		t.Errorf("hint for another citizen: %v", q)
	}
}

// A client registered with a minimum level gets it without asking.
func TestClientMinimumLevel(t *testing.T) {
	e := newEnv(t)
	id, secret := e.registerClient(provider.ClientSpec{ID: "bank", Name: "Ngân hàng", RedirectURIs: []string{rpCallback},
		Scopes: []string{"openid"}, MinLevel: 2})
	e.clientID = id
	e.oauth.ClientID, e.oauth.ClientSecret, e.oauth.Scopes = id, secret, []string{"openid"}
	b := newBrowser(t)
	u, ar := e.authURL()
	b.get(u)
	b.submit(e.issuer, "/login", url.Values{"id_number": {testPIN}, "password": {testPassword}})
	b.submit(e.issuer, "/password", url.Values{"new_password": {newPassword}, "confirm_password": {newPassword}})
	if !strings.Contains(b.body, `name="otp"`) {
		t.Fatalf("no code asked for a level-2 client:\n%s", b.body)
	}
	b.submit(e.issuer, "/otp", url.Values{"otp": {e.lastCode()}, "action": {"verify"}})
	b.submit(e.issuer, "/consent", url.Values{"decision": {"allow"}})
	tok, err := e.exchange(b.callback().Get("code"), ar)
	if err != nil {
		t.Fatal(err)
	}
	if acr, _, _ := e.idTokenClaims(tok); acr != "urn:vn:eid:loa:2" {
		t.Errorf("acr %q", acr)
	}
}

// Raising the argon2id cost upgrades a stored hash at the next login.
func TestPasswordHashUpgradedAtLogin(t *testing.T) {
	e := newEnv(t)
	e.fullLogin() // sets newPassword at the cheap test cost
	acc, err := e.app.Store.GetAccountByPIN(e.ctx, testPIN)
	if err != nil {
		t.Fatal(err)
	}
	stronger := identity.PasswordParams{Memory: 128, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
	auth, err := identity.NewAuthenticator(identity.AuthenticatorConfig{Accounts: e.app.Store, Citizens: e.app.Store, Params: stronger})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Login(e.ctx, testPIN, newPassword, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	after, _ := e.app.Store.GetAccountByPIN(e.ctx, testPIN)
	if after.PasswordHash == acc.PasswordHash || !strings.Contains(after.PasswordHash, "m=128,t=2,p=1") {
		t.Errorf("hash not upgraded: %s", after.PasswordHash)
	}
	if _, err := auth.Login(e.ctx, testPIN, newPassword, "127.0.0.1"); err != nil {
		t.Errorf("upgraded hash does not verify: %v", err)
	}
}
