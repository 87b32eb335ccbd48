package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/dinhdanh/dinhdanh/cmd/dinhdanh/app"
	"github.com/dinhdanh/dinhdanh/identity"
)

func TestPasswordResetBySMS(t *testing.T) {
	e := newEnv(t)

	// An ID number without an account: the same answer, and no SMS.
	b := newBrowser(t)
	b.get(e.issuer + "/reset")
	b.submit(e.issuer, "/reset", url.Values{"id_number": {"079304123456"}, "action": {"send"}})
	sentUnknown := b.body
	if len(e.sentSMS()) != 0 {
		t.Fatal("an SMS was sent for an ID number without an account")
	}

	b = newBrowser(t)
	b.get(e.issuer + "/reset")
	b.submit(e.issuer, "/reset", url.Values{"id_number": {testPIN}, "action": {"send"}})
	notice := "Nếu số định danh có tài khoản"
	if !strings.Contains(b.body, notice) || !strings.Contains(sentUnknown, notice) || b.last.StatusCode != 200 {
		t.Fatalf("reset notice differs or missing:\n%s", b.body)
	}
	b.submit(e.issuer, "/reset", url.Values{"otp": {"000000"}, "new_password": {"mat-khau-sau-reset-1"}, "confirm_password": {"mat-khau-sau-reset-1"}, "action": {"reset"}})
	if !strings.Contains(b.body, "Mã xác thực không đúng") && e.lastCode() != "000000" {
		t.Fatalf("wrong code accepted:\n%s", b.body)
	}
	b.submit(e.issuer, "/reset", url.Values{"otp": {e.lastCode()}, "new_password": {"mat-khau-sau-reset-1"}, "confirm_password": {"mat-khau-sau-reset-1"}, "action": {"reset"}})
	if !strings.Contains(b.body, "Đã đặt mật khẩu mới") {
		t.Fatalf("reset failed:\n%s", b.body)
	}
	fresh := newBrowser(t)
	u, _ := e.authURL()
	fresh.get(u)
	fresh.submit(e.issuer, "/login", url.Values{"id_number": {testPIN}, "password": {"mat-khau-sau-reset-1"}})
	if !strings.Contains(fresh.body, `value="allow"`) {
		t.Errorf("the new password does not log in:\n%s", fresh.body)
	}
}

// One address cannot have codes sent without limit (SMS pumping, sweeps
// of guessable ID numbers).
func TestSMSRequestsPerAddressAreCapped(t *testing.T) {
	policy := identity.DefaultThrottlePolicy
	policy.IPLockAfter = 3
	e := newEnv(t, func(o *app.Options) { o.ThrottlePolicy = policy })
	for i := 0; i < policy.IPLockAfter; i++ {
		b := newBrowser(t)
		b.get(e.issuer + "/reset")
		b.submit(e.issuer, "/reset", url.Values{"id_number": {"079304123456"}, "action": {"send"}})
		if b.last.StatusCode != http.StatusOK {
			t.Fatalf("request %d refused: %d", i+1, b.last.StatusCode)
		}
	}
	b := newBrowser(t)
	b.get(e.issuer + "/reset")
	b.submit(e.issuer, "/reset", url.Values{"id_number": {testPIN}, "action": {"send"}})
	if b.last.StatusCode != http.StatusTooManyRequests {
		t.Errorf("request over the cap: %d", b.last.StatusCode)
	}
}
