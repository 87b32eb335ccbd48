package app_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/dinhdanh/dinhdanh/cmd/dinhdanh/app"
	"github.com/dinhdanh/dinhdanh/identity"
	"github.com/dinhdanh/dinhdanh/provider"
)

const resetPassword = "mat-khau-sau-reset-2026"

// resetBySMS resets the password through /reset with the SMS code.
func (e *env) resetBySMS(pw string) {
	e.t.Helper()
	b := newBrowser(e.t)
	b.get(e.issuer + "/reset")
	b.submit(e.issuer, "/reset", url.Values{"id_number": {testPIN}, "action": {"send"}})
	b.submit(e.issuer, "/reset", url.Values{"otp": {e.lastCode()}, "new_password": {pw}, "confirm_password": {pw}, "action": {"reset"}})
	if !strings.Contains(b.body, "Đã đặt mật khẩu mới") {
		e.t.Fatalf("reset failed:\n%s", errorText(b.body))
	}
}

// enrolTOTP enrols an authenticator app from b's (password) session and
// returns its secret and recovery codes.
func (e *env) enrolTOTP(b *browser) (string, []string) {
	e.t.Helper()
	b.get(e.issuer + "/account")
	b.submit(e.issuer, "/account/totp/begin", nil)
	b.submit(e.issuer, "/otp", url.Values{"otp": {e.lastCode()}, "action": {"verify"}})
	b.submit(e.issuer, "/account/totp/begin", nil)
	m := totpSecret.FindStringSubmatch(b.body)
	if m == nil {
		e.t.Fatalf("no TOTP secret:\n%s", b.body)
	}
	b.submit(e.issuer, "/account/totp/confirm", url.Values{"otp": {totpCode(e.t, m[1], time.Now())}})
	var codes []string
	for _, part := range strings.Split(b.body, "<li><code>")[1:] {
		codes = append(codes, part[:strings.Index(part, "<")])
	}
	if len(codes) == 0 {
		e.t.Fatalf("no recovery codes:\n%s", b.body)
	}
	return m[1], codes
}

// consentIfAsked allows on a consent page, if one is shown.
func (b *browser) consentIfAsked(e *env) {
	if strings.Contains(b.body, `name="decision"`) {
		b.submit(e.issuer, "/consent", url.Values{"decision": {"allow"}})
	}
}

// level2Login starts a fresh level-2 login with the password and returns
// the browser on the page that follows.
func (e *env) level2Login(pw string) (*browser, authRequest) {
	e.t.Helper()
	b := newBrowser(e.t)
	u, ar := e.authURL(oauth2.SetAuthURLParam("acr_values", "urn:vn:eid:loa:2"))
	b.get(u)
	b.submit(e.issuer, "/login", url.Values{"id_number": {testPIN}, "password": {pw}})
	return b, ar
}

// NIST SP 800-63B §5.1.3.3, §6.1.2.3: once an authenticator app is
// enrolled, SMS is no second factor for level 2; and a password reset by
// SMS alone is not combined with SMS for level 2.
func TestSIMSwapDoesNotReachLevel2(t *testing.T) {
	// Each case on each backend (a schema per environment).
	run := func(name string, fn func(t *testing.T, backend envOption)) {
		t.Run(name, func(t *testing.T) { eachBackend(t, fn) })
	}
	{
		run("app enrolled: no SMS instead", func(t *testing.T, backend envOption) {
			e := newEnv(t, backend)
			b, _, _ := e.fullLogin()
			secret, codes := e.enrolTOTP(b)
			before := len(e.sentSMS())
			b2, _ := e.level2Login(newPassword)
			if !strings.Contains(b2.body, "ứng dụng xác thực") || strings.Contains(b2.body, `value="resend"`) {
				t.Fatalf("the app's page offers SMS:\n%s", b2.body)
			}
			// The old "send an SMS instead" request, posted by hand.
			b2.submit(e.issuer, "/otp", url.Values{"action": {"resend"}})
			if b2.last.StatusCode != http.StatusBadRequest || len(e.sentSMS()) != before {
				t.Fatalf("SMS instead of the app: %d, %d new SMS", b2.last.StatusCode, len(e.sentSMS())-before)
			}
			// A SIM swapper resets the password, then tries level 2.
			e.resetBySMS(resetPassword)
			b3, ar := e.level2Login(resetPassword)
			if !strings.Contains(b3.body, "ứng dụng xác thực") || strings.Contains(b3.body, `value="resend"`) {
				t.Fatalf("after an SMS reset the app is not required:\n%s", b3.body)
			}
			// The citizen's own recovery code still works.
			b3.submit(e.issuer, "/otp", url.Values{"otp": {codes[0]}, "action": {"verify"}})
			b3.consentIfAsked(e)
			tok, err := e.exchange(b3.callback().Get("code"), ar)
			if err != nil {
				t.Fatal(err)
			}
			if acr, amr, _ := e.idTokenClaims(tok); acr != provider.ACRLevel2 || contains(amr, "sms") {
				t.Errorf("recovery code login: acr %q amr %v", acr, amr)
			}
			_ = secret
		})
		run("reset by SMS, no app: level 2 refused until a registrar", func(t *testing.T, backend envOption) {
			e := newEnv(t, backend)
			e.fullLogin() // the first-login change
			e.resetBySMS(resetPassword)
			before := len(e.sentSMS())
			b, _ := e.level2Login(resetPassword)
			if b.last.StatusCode != http.StatusForbidden || !strings.Contains(b.body, "cán bộ đăng ký") || strings.Contains(b.body, `name="otp"`) {
				t.Fatalf("level 2 after an SMS reset: %d\n%s", b.last.StatusCode, b.body)
			}
			if n := len(e.sentSMS()) - before; n != 0 {
				t.Errorf("%d SMS codes sent for a login SMS cannot complete", n)
			}
			// Not stuck: the page's link ends at the relying party.
			m := regexp.MustCompile(`href="([^"]+)" data-continue`).FindStringSubmatch(b.body)
			if m == nil {
				t.Fatalf("no way back to the service:\n%s", b.body)
			}
			b.get(e.issuer + html.UnescapeString(m[1]))
			if q := b.callback(); q.Get("error") != "unmet_authentication_requirements" {
				t.Fatalf("relying party got %v", q)
			}
			// Level 1 still works.
			fresh := newBrowser(t)
			u, _ := e.authURL()
			if q := e.login(fresh, u, resetPassword); q.Get("code") == "" {
				t.Fatalf("level 1 after reset: %v", q)
			}
			// A registrar's in-person check (accounts verify) gives SMS back.
			acc, err := e.app.Store.GetAccountByPIN(e.ctx, testPIN)
			if err != nil || !acc.SMSResetHold {
				t.Fatalf("hold not stored: %+v %v", acc.SMSResetHold, err)
			}
			if err := e.app.Assurance.VerifiedInPerson(e.ctx, acc.ID); err != nil {
				t.Fatal(err)
			}
			b2, ar := e.level2Login(resetPassword)
			b2.submit(e.issuer, "/otp", url.Values{"otp": {e.lastCode()}, "action": {"verify"}})
			b2.consentIfAsked(e)
			tok, err := e.exchange(b2.callback().Get("code"), ar)
			if err != nil {
				t.Fatal(err)
			}
			if acr, _, _ := e.idTokenClaims(tok); acr != provider.ACRLevel2 {
				t.Errorf("after the in-person check: acr %q", acr)
			}
		})
		run("code page already open when the reset happens", func(t *testing.T, backend envOption) {
			e := newEnv(t, backend)
			e.fullLogin()
			b, _ := e.level2Login(newPassword)
			if !strings.Contains(b.body, `name="otp"`) {
				t.Fatalf("no code page:\n%s", b.body)
			}
			code := e.lastCode()
			e.resetBySMS(resetPassword)
			b.submit(e.issuer, "/otp", url.Values{"otp": {code}, "action": {"verify"}})
			if b.last.StatusCode != http.StatusForbidden {
				t.Fatalf("an SMS code sent before the reset completed level 2: %d %q", b.last.StatusCode, b.last.Header.Get("Location"))
			}
		})
	}
}

// The reset's code is checked, and counted, before the new password: the
// policy's "no birth date" rule must not answer anyone without the code.
func TestResetChecksTheCodeFirst(t *testing.T) {
	c := &clock{now: time.Now()}
	e := newEnv(t, withClock(c))
	e.fullLogin()
	b := newBrowser(t)
	b.get(e.issuer + "/reset")
	b.submit(e.issuer, "/reset", url.Values{"id_number": {testPIN}, "action": {"send"}})
	ticket := hiddenValue(b.body, "ticket")
	answer := func(pw, confirm string) (int, string) {
		b.submit(e.issuer, "/reset", url.Values{"ticket": {ticket}, "otp": {"000000"}, "new_password": {pw}, "confirm_password": {confirm}, "action": {"reset"}})
		return b.last.StatusCode, errorText(b.body)
	}
	// Birth date 1995-03-14 in the password, a good password, a mismatch,
	// an overlong one: one answer.
	s1, m1 := answer("an-14031995-mat-khau", "an-14031995-mat-khau")
	s2, m2 := answer("mot-mat-khau-rat-tot-42", "mot-mat-khau-rat-tot-42")
	s3, m3 := answer("mot-mat-khau-rat-tot-42", "khac-hoan-toan-99")
	s4, m4 := answer(strings.Repeat("x", 200), strings.Repeat("x", 200))
	if m1 == "" || s1 != s2 || m1 != m2 || s1 != s3 || m1 != m3 || s1 != s4 || m1 != m4 {
		t.Fatalf("answers differ: %d %q | %d %q | %d %q | %d %q", s1, m1, s2, m2, s3, m3, s4, m4)
	}
	if strings.Contains(m1, "ngày sinh") {
		t.Fatalf("the policy answered before the code: %q", m1)
	}
	// Every wrong code counts: the number locks like wrong passwords.
	for i := 0; i < identity.DefaultThrottlePolicy.LockAfter; i++ {
		c.Advance(40 * time.Second) // past each growing delay, within the ticket's life
		answer("an-14031995-mat-khau", "an-14031995-mat-khau")
	}
	if !strings.Contains(errorText(b.body), "phút") {
		t.Fatalf("wrong codes not throttled: %d %q", b.last.StatusCode, errorText(b.body))
	}
	c.Advance(identity.DefaultThrottlePolicy.LockFor + time.Minute)
	// With the right code, the policy speaks, and the citizen retries the
	// password without a new code.
	b = newBrowser(t)
	b.get(e.issuer + "/reset")
	b.submit(e.issuer, "/reset", url.Values{"id_number": {testPIN}, "action": {"send"}})
	b.submit(e.issuer, "/reset", url.Values{"otp": {e.lastCode()}, "new_password": {"an-14031995-mat-khau"}, "confirm_password": {"an-14031995-mat-khau"}, "action": {"reset"}})
	if !strings.Contains(errorText(b.body), "ngày sinh") || strings.Contains(b.body, `name="otp"`) {
		t.Fatalf("after the code: %q\n%s", errorText(b.body), b.body)
	}
	verified := hiddenValue(b.body, "ticket")
	b.submit(e.issuer, "/reset", url.Values{"new_password": {resetPassword}, "confirm_password": {resetPassword}, "action": {"reset"}})
	if !strings.Contains(b.body, "Đã đặt mật khẩu mới") {
		t.Fatalf("retry after the code: %q", errorText(b.body))
	}
	// One code sets one password: the proven ticket does not replay.
	b.submit(e.issuer, "/reset", url.Values{"ticket": {verified}, "new_password": {"mat-khau-khac-nua-55"}, "confirm_password": {"mat-khau-khac-nua-55"}, "action": {"reset"}})
	if b.last.StatusCode != http.StatusBadRequest || !strings.Contains(b.body, "interaction_expired") {
		t.Fatalf("a proven ticket set a second password: %d", b.last.StatusCode)
	}
}

// Tickets are sealed: nothing in them reads, and the same length with and
// without an account; bound to the browser's CSRF cookie.
func TestTicketsAreSealedAndEqualLength(t *testing.T) {
	e := newEnv(t)
	acc, err := e.app.Store.GetAccountByPIN(e.ctx, testPIN)
	if err != nil {
		t.Fatal(err)
	}
	tickets, answers := map[string]string{}, map[string]string{}
	for _, pin := range []string{testPIN, "079304123456"} {
		b := newBrowser(t)
		b.get(e.issuer + "/reset")
		b.submit(e.issuer, "/reset", url.Values{"id_number": {pin}, "action": {"send"}})
		tickets[pin] = hiddenValue(b.body, "ticket")
		b.submit(e.issuer, "/reset", url.Values{"otp": {"000000"}, "new_password": {"an-14031995-mat-khau"}, "confirm_password": {"an-14031995-mat-khau"}, "action": {"reset"}})
		answers[pin] = fmt.Sprint(b.last.StatusCode, errorText(b.body))
		raw, err := base64.RawURLEncoding.DecodeString(tickets[pin])
		if err != nil {
			t.Fatalf("ticket is not base64url: %v", err)
		}
		if strings.Contains(string(raw), acc.ID) || strings.Contains(string(raw), `"a"`) || strings.Contains(string(raw), "none") {
			t.Fatalf("ticket readable: %q", raw)
		}
		// Another browser (another CSRF cookie) cannot use it.
		other := newBrowser(t)
		other.get(e.issuer + "/reset")
		other.submit(e.issuer, "/reset", url.Values{"ticket": {tickets[pin]}, "otp": {"000000"}, "new_password": {resetPassword}, "confirm_password": {resetPassword}, "action": {"reset"}})
		if other.last.StatusCode != http.StatusBadRequest || !strings.Contains(other.body, "interaction_expired") {
			t.Fatalf("ticket worked in another browser: %d", other.last.StatusCode)
		}
	}
	if answers[testPIN] != answers["079304123456"] {
		t.Errorf("a wrong code answers differently: %q vs %q", answers[testPIN], answers["079304123456"])
	}
	if len(tickets[testPIN]) != len(tickets["079304123456"]) || tickets[testPIN] == "" {
		t.Fatalf("ticket lengths differ: %d vs %d", len(tickets[testPIN]), len(tickets["079304123456"]))
	}
}

// gateSender is a slow gateway: Send waits until the test opens the gate.
type gateSender struct {
	gate chan struct{}
	mu   sync.Mutex
	sent []string
}

func (g *gateSender) Send(ctx context.Context, phone, msg string) error {
	select {
	case <-g.gate:
	case <-ctx.Done():
		return ctx.Err()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sent = append(g.sent, msg)
	return nil
}

// The request path only queues: a gateway that does not answer does not
// hold up the page, so known and unknown numbers answer alike; the worker
// delivers once the gateway answers.
func TestCodesAreQueuedNotSentInTheRequest(t *testing.T) {
	g := &gateSender{gate: make(chan struct{})}
	e := newEnv(t, func(o *app.Options) { o.SMS = g })
	answers := map[string]string{}
	for _, pin := range []string{testPIN, "079304123456"} {
		b := newBrowser(t)
		b.get(e.issuer + "/reset")
		b.submit(e.issuer, "/reset", url.Values{"id_number": {pin}, "action": {"send"}})
		answers[pin] = fmt.Sprint(b.last.StatusCode, errorText(b.body), strings.Contains(b.body, `name="ticket"`))
	}
	if answers[testPIN] != answers["079304123456"] {
		t.Fatalf("answers differ: %q vs %q", answers[testPIN], answers["079304123456"])
	}
	// The same writes for both: a challenge row and a queued message each
	// (the unknown number's message is a decoy the worker drops).
	for _, table := range []string{"otp_challenges", "outbox_messages"} {
		var n int64
		if err := e.app.Store.DB().Table(table).Count(&n).Error; err != nil || n != 2 {
			t.Errorf("%s holds %d rows, want 2 (%v)", table, n, err)
		}
	}
	close(g.gate)
	ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
	defer cancel()
	if err := e.app.Outbox.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.sent) != 1 || !strings.Contains(g.sent[0], "dat lai mat khau") || !strings.Contains(g.sent[0], "KHONG chia se") {
		t.Fatalf("delivered %d messages: %q", len(g.sent), g.sent)
	}
}

func TestCodeOnlySessionCannotOpenAccount(t *testing.T) {
	e := newEnv(t)
	e.fullLogin()
	id, secret := e.registerClient(provider.ClientSpec{ID: "public-service", Name: "Cổng dịch vụ công", RedirectURIs: []string{rpCallback},
		Scopes: []string{"openid"}, AllowOTPLogin: true})
	e.clientID = id
	e.oauth.ClientID, e.oauth.ClientSecret, e.oauth.Scopes = id, secret, []string{"openid"}
	b := newBrowser(t)
	u, _ := e.authURL()
	b.get(u)
	b.submit(e.issuer, "/login", url.Values{"id_number": {testPIN}, "action": {"otp"}})
	b.submit(e.issuer, "/otp", url.Values{"otp": {e.lastCode()}, "action": {"verify"}})
	if b.last.StatusCode >= 400 {
		t.Fatalf("passwordless login failed: %d", b.last.StatusCode)
	}
	for _, path := range []string{"/account", "/account/disclosures.csv", "/account/disclosures.json"} {
		b.get(e.issuer + path)
		if b.last.StatusCode != http.StatusForbidden || !strings.Contains(b.body, `name="password"`) || strings.Contains(b.body, "Nguyễn Văn An") {
			t.Errorf("%s from an SMS-code session: %d", path, b.last.StatusCode)
		}
	}
	csrf := hiddenValue(b.body, "csrf_token")
	b.submit(e.issuer, "/account/consents/withdraw", url.Values{"csrf_token": {csrf}, "client_id": {"exam-portal"}})
	if b.last.StatusCode != http.StatusForbidden {
		t.Errorf("withdrawal from an SMS-code session: %d", b.last.StatusCode)
	}
}

func TestInitialPasswordExpires(t *testing.T) {
	// Issued 49 hours ago (fosite checks auth_time against the real
	// clock, so the test clock ends at the real time).
	c := &clock{now: time.Now().Add(-49 * time.Hour)}
	e := newEnv(t, withClock(c), func(o *app.Options) { o.InitialPasswordLifetime = 48 * time.Hour })
	c.Advance(49 * time.Hour)
	b := newBrowser(t)
	u, _ := e.authURL()
	b.get(u)
	b.submit(e.issuer, "/login", url.Values{"id_number": {testPIN}, "password": {testPassword}})
	if b.last.StatusCode != http.StatusBadRequest || !strings.Contains(errorText(b.body), "Quên mật khẩu") || strings.Contains(b.body, `name="new_password"`) {
		t.Fatalf("expired initial password: %d %q", b.last.StatusCode, errorText(b.body))
	}
	b.get(u + "&ui_locales=en")
	b.submit(e.issuer, "/login", url.Values{"id_number": {testPIN}, "password": {testPassword}, "lang": {"en"}})
	if !strings.Contains(errorText(b.body), "registrar") {
		t.Errorf("English text: %q", errorText(b.body))
	}
	// A reset by SMS still gets the citizen in.
	e.resetBySMS(resetPassword)
	fresh := newBrowser(t)
	if q := e.login(fresh, u, resetPassword); q.Get("code") == "" {
		t.Fatalf("after reset: %v", q)
	}
}

// ASVS 3.3.3: a password change or reset revokes every token of the
// account, at every client.
func TestPasswordChangeRevokesEveryToken(t *testing.T) {
	for _, how := range []string{"reset", "account page"} {
		t.Run(how, func(t *testing.T) {
			eachBackend(t, func(t *testing.T, backend envOption) {
				e := newEnv(t, backend)
				b, tok, _ := e.fullLogin()
				if tok.RefreshToken == "" {
					t.Fatal("no refresh token")
				}
				e.userinfo(tok) // works now
				if how == "reset" {
					e.resetBySMS(resetPassword)
				} else {
					b.get(e.issuer + "/account")
					b.submit(e.issuer, "/account/password", url.Values{"current_password": {newPassword}, "new_password": {resetPassword}, "confirm_password": {resetPassword}})
					if !strings.Contains(b.body, "đã bị thu hồi") {
						t.Fatalf("the page does not say tokens were revoked:\n%s", b.body)
					}
				}
				if _, err := e.provider.UserInfo(e.ctx, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok.AccessToken, TokenType: "Bearer"})); err == nil {
					t.Error("userinfo accepts the old access token")
				}
				old := &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Hour)}
				if _, err := e.oauth.TokenSource(e.ctx, old).Token(); err == nil {
					t.Error("the old refresh token still refreshes")
				} else if _, code := tokenError(t, err); code != "invalid_grant" {
					t.Errorf("refresh error %q", code)
				}
			})
		})
	}
}

// Notices go out after security events; codes say what they are for.
func TestNoticesAfterSecurityEvents(t *testing.T) {
	e := newEnv(t)
	b, _, _ := e.fullLogin() // consent given: a notice
	has := func(what string) bool {
		for _, m := range e.sentSMS() {
			if strings.Contains(m.Body, what) {
				return true
			}
		}
		return false
	}
	if !has("dong y chia se du lieu voi dich vu: Cong thi") {
		t.Error("no notice of the new consent")
	}
	e.enrolTOTP(b)
	if !has("ung dung xac thuc moi") {
		t.Error("no notice of the new authenticator")
	}
	if !has("Ma dang nhap") || !has("KHONG chia se") {
		t.Error("the login code does not say what it is for")
	}
	b.get(e.issuer + "/account")
	b.submit(e.issuer, "/account/password", url.Values{"current_password": {newPassword}, "new_password": {resetPassword}, "confirm_password": {resetPassword}})
	if !has("vua duoc doi") {
		t.Error("no notice of the password change")
	}
	e.resetBySMS("mat-khau-lan-thu-ba-77")
	if !has("vua duoc dat lai") {
		t.Error("no notice of the reset")
	}
	for _, m := range e.sentSMS() {
		if m.To != identity.MaskPhone("+84912345678") {
			t.Errorf("recipient not masked: %q", m.To)
		}
	}
}

// --dev: what the worker delivered through the log sender is on /dev/sms,
// recipient masked.
func TestDevSMSPageShowsDeliveredMessages(t *testing.T) {
	e := newEnv(t, func(o *app.Options) { o.Dev = true })
	b := newBrowser(t)
	b.get(e.issuer + "/reset")
	b.submit(e.issuer, "/reset", url.Values{"id_number": {testPIN}, "action": {"send"}})
	code := e.lastCode()
	b.get(e.issuer + "/dev/sms")
	page := html.UnescapeString(b.body)
	if b.last.StatusCode != http.StatusOK || !strings.Contains(page, code) || !strings.Contains(page, identity.MaskPhone("+84912345678")) || strings.Contains(page, "912345678") {
		t.Fatalf("/dev/sms: %d\n%s", b.last.StatusCode, b.body)
	}
}
