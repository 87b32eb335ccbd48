package app_test

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"golang.org/x/oauth2"
)

var totpSecret = regexp.MustCompile(`<code id="totp_secret">([A-Z2-7]+)</code>`)

func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func TestAccountPageSessionsAndTOTP(t *testing.T) {
	e := newEnv(t)
	b, _, _ := e.fullLogin()
	other := newBrowser(t)
	u, _ := e.authURL()
	e.login(other, u, newPassword)

	b.get(e.issuer + "/account")
	if got := strings.Count(b.body, `name="session_id"`); got != 2 || !strings.Contains(b.body, "thiết bị này") {
		t.Fatalf("account page lists %d sessions\n%s", got, b.body)
	}
	// End the other browser's session.
	ids := regexp.MustCompile(`name="session_id" value="([0-9a-f]+)"`).FindAllStringSubmatch(b.body, -1)
	current := regexp.MustCompile(`(?s)thiết bị này.*?name="session_id" value="([0-9a-f]+)"`).FindStringSubmatch(b.body)[1]
	for _, m := range ids {
		if m[1] != current {
			form := url.Values{"session_id": {m[1]}, "csrf_token": {hiddenValue(b.body, "csrf_token")}}
			b.submit(e.issuer, "/account/sessions/end", form)
		}
	}
	if e.loggedIn(other) {
		t.Error("the ended session still works")
	}
	if !e.loggedIn(b) {
		t.Error("this browser's session was ended too")
	}

	// Enrol an authenticator app.
	b.get(e.issuer + "/account")
	b.submit(e.issuer, "/account/totp/begin", nil)
	// A password session must first prove the phone: no QR code yet.
	if totpSecret.MatchString(b.body) || !strings.Contains(b.body, `name="otp"`) {
		t.Fatalf("enrolment from a password-only session was not stepped up:\n%s", b.body)
	}
	b.submit(e.issuer, "/otp", url.Values{"otp": {e.lastCode()}, "action": {"verify"}})
	b.submit(e.issuer, "/account/totp/begin", nil)
	m := totpSecret.FindStringSubmatch(b.body)
	if m == nil || !strings.Contains(b.body, `src="data:image/png;base64,`) {
		t.Fatalf("no QR code or key:\n%s", b.body)
	}
	secret := m[1]
	b.submit(e.issuer, "/account/totp/confirm", url.Values{"otp": {totpCode(t, secret, time.Now())}})
	if got := strings.Count(b.body, "<li><code>"); got != 10 {
		t.Fatalf("%d recovery codes shown\n%s", got, b.body)
	}

	// Level 2 now asks for the app's code, not an SMS.
	u, ar := e.authURL(oauth2.SetAuthURLParam("acr_values", "LoA2"), oauth2.SetAuthURLParam("prompt", "login"))
	b.get(u)
	b.submit(e.issuer, "/login", url.Values{"id_number": {testPIN}, "password": {newPassword}})
	if !strings.Contains(b.body, "ứng dụng xác thực") {
		t.Fatalf("code page does not ask for the app's code:\n%s", b.body)
	}
	// The confirming code's step is used up: the next one works.
	b.submit(e.issuer, "/otp", url.Values{"otp": {totpCode(t, secret, time.Now().Add(30*time.Second))}, "action": {"verify"}})
	tok, err := e.exchange(b.callback().Get("code"), ar)
	if err != nil {
		t.Fatal(err)
	}
	if acr, amr, _ := e.idTokenClaims(tok); acr != "urn:vn:eid:loa:2" || !contains(amr, "otp") || contains(amr, "sms") {
		t.Errorf("TOTP login: acr %q amr %v", acr, amr)
	}
}

func TestAccountPasswordChange(t *testing.T) {
	e := newEnv(t)
	b, _, _ := e.fullLogin()
	b.get(e.issuer + "/account")
	b.submit(e.issuer, "/account/password", url.Values{"current_password": {"not-the-password"}, "new_password": {"another-strong-pass-9"}, "confirm_password": {"another-strong-pass-9"}})
	if !strings.Contains(b.body, "Mật khẩu hiện tại không đúng") {
		t.Fatalf("wrong current password accepted:\n%s", b.body)
	}
	elsewhere := newBrowser(t)
	u0, _ := e.authURL()
	e.login(elsewhere, u0, newPassword)
	b.get(e.issuer + "/account")
	b.submit(e.issuer, "/account/password", url.Values{"current_password": {newPassword}, "new_password": {"another-strong-pass-9"}, "confirm_password": {"another-strong-pass-9"}})
	if !strings.Contains(b.body, "Đã đổi mật khẩu") {
		t.Fatalf("change refused:\n%s", b.body)
	}
	// Whoever knew the old password is logged out everywhere else.
	if e.loggedIn(elsewhere) {
		t.Error("another session survived the password change")
	}
	if !e.loggedIn(b) {
		t.Error("the session that changed the password was ended")
	}
	fresh := newBrowser(t)
	u, _ := e.authURL()
	fresh.get(u)
	fresh.submit(e.issuer, "/login", url.Values{"id_number": {testPIN}, "password": {"another-strong-pass-9"}})
	if q := fresh.callback(); q.Get("code") == "" && !strings.Contains(fresh.body, `value="allow"`) {
		t.Errorf("new password does not log in")
	}
}

// Every release of data is in the citizen's disclosure log: claim names,
// service, level; never a value; downloadable as CSV and JSON.
func TestDisclosureLog(t *testing.T) {
	e := newEnv(t)
	b, tok, _ := e.fullLogin()
	for i := 0; i < 2; i++ {
		if _, err := e.provider.UserInfo(e.ctx, oauth2.StaticTokenSource(tok)); err != nil {
			t.Fatal(err)
		}
	}
	b.get(e.issuer + "/account")
	if got := strings.Count(b.body, "Cổng thi</a>"); got != 2 || !strings.Contains(b.body, "Số định danh cá nhân") {
		t.Fatalf("account page shows %d releases:\n%s", got, b.body)
	}
	b.get(e.issuer + "/account/disclosures.csv")
	lines := strings.Split(strings.TrimSpace(b.body), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "time,client_id") || !strings.Contains(lines[1], "vn_pin") || !strings.Contains(lines[1], "exam-portal") {
		t.Fatalf("CSV:\n%s", b.body)
	}
	if strings.Contains(b.body, testPIN) || strings.Contains(b.body, "Nguyễn") || strings.Contains(b.body, "+8491") {
		t.Error("the log holds claim values")
	}
	b.get(e.issuer + "/account/disclosures.json")
	var rows []struct {
		ClientID string   `json:"client_id"`
		Claims   []string `json:"claims"`
		Level    int      `json:"level"`
	}
	if err := json.Unmarshal([]byte(b.body), &rows); err != nil || len(rows) != 2 || rows[0].Level != 1 || len(rows[0].Claims) == 0 {
		t.Fatalf("JSON: %v %s", err, b.body)
	}
	// Only releases are logged: a login without userinfo adds nothing.
	other := newBrowser(t)
	u, _ := e.authURL()
	e.login(other, u, newPassword)
	b.get(e.issuer + "/account/disclosures.json")
	_ = json.Unmarshal([]byte(b.body), &rows)
	if len(rows) != 2 {
		t.Errorf("a login without a release was logged: %d entries", len(rows))
	}
}

// Withdrawing a service's consent revokes its tokens at once and the next
// login asks again.
func TestWithdrawConsent(t *testing.T) {
	e := newEnv(t)
	b, tok, _ := e.fullLogin()
	b.get(e.issuer + "/account")
	if !strings.Contains(b.body, `name="client_id" value="exam-portal"`) {
		t.Fatalf("connected services missing:\n%s", b.body)
	}
	b.submit(e.issuer, "/account/consents/withdraw", url.Values{"client_id": {"exam-portal"}})
	if !strings.Contains(b.body, "Đã rút lại sự đồng ý") || strings.Contains(b.body, `name="client_id" value="exam-portal"`) {
		t.Errorf("after withdrawal the page does not say so, or still lists the service:\n%s", b.body)
	}
	if _, err := e.provider.UserInfo(e.ctx, oauth2.StaticTokenSource(tok)); err == nil {
		t.Error("access token works after withdrawal")
	}
	if _, err := e.oauth.TokenSource(e.ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
		t.Error("refresh token works after withdrawal")
	}
	u, _ := e.authURL()
	b.get(u)
	if !strings.Contains(b.body, `value="allow"`) {
		t.Errorf("consent not asked again after withdrawal")
	}
}
