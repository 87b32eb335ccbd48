package app_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/dinhdanh/dinhdanh/provider"
)

func TestPasswordlessLoginWithSMSCode(t *testing.T) {
	e := newEnv(t)
	id, secret := e.registerClient(provider.ClientSpec{ID: "public-service", Name: "Cổng dịch vụ công", RedirectURIs: []string{rpCallback},
		Scopes: []string{"openid", "profile"}, AllowOTPLogin: true})
	e.clientID = id
	e.oauth.ClientID, e.oauth.ClientSecret, e.oauth.Scopes = id, secret, []string{"openid", "profile"}

	// An unknown number: the same code page, and no SMS.
	b := newBrowser(t)
	u, _ := e.authURL()
	b.get(u)
	if !strings.Contains(b.body, `value="otp"`) {
		t.Fatalf("login page lacks the SMS-code button:\n%s", b.body)
	}
	b.submit(e.issuer, "/login", url.Values{"id_number": {"079304123456"}, "action": {"otp"}})
	if !strings.Contains(b.body, `name="otp"`) || len(e.sentSMS()) != 0 {
		t.Fatalf("unknown number: code page %v, SMS sent %d", strings.Contains(b.body, `name="otp"`), len(e.sentSMS()))
	}

	b = newBrowser(t)
	u, ar := e.authURL()
	b.get(u)
	b.submit(e.issuer, "/login", url.Values{"id_number": {testPIN}, "action": {"otp"}})
	b.submit(e.issuer, "/otp", url.Values{"otp": {e.lastCode()}, "action": {"verify"}})
	b.submit(e.issuer, "/consent", url.Values{"decision": {"allow"}})
	tok, err := e.exchange(b.callback().Get("code"), ar)
	if err != nil {
		t.Fatal(err)
	}
	acr, amr, _ := e.idTokenClaims(tok)
	if acr != "urn:vn:eid:loa:1" || contains(amr, "pwd") || contains(amr, "mfa") || !contains(amr, "sms") {
		t.Errorf("passwordless: acr %q amr %v", acr, amr)
	}
	// A code session cannot step up with another code: the password is asked.
	u, _ = e.authURL(oauth2.SetAuthURLParam("acr_values", "LoA2"))
	b.get(u)
	if !strings.Contains(b.body, `name="password"`) {
		t.Errorf("step-up from a code-only session skipped the password")
	}
}

// Without a password, nothing tells a number with an account from one
// without: resends and wrong codes answer alike, and wrong codes lock the
// number like wrong passwords.
func TestCodeOnlyFlowsAnswerAlike(t *testing.T) {
	e := newEnv(t)
	id, secret := e.registerClient(provider.ClientSpec{ID: "public-service", Name: "Cổng dịch vụ công", RedirectURIs: []string{rpCallback},
		Scopes: []string{"openid"}, AllowOTPLogin: true})
	e.clientID = id
	e.oauth.ClientID, e.oauth.ClientSecret, e.oauth.Scopes = id, secret, []string{"openid"}
	answers := func(pin string) []string {
		b := newBrowser(t)
		u, _ := e.authURL()
		b.get(u)
		b.submit(e.issuer, "/login", url.Values{"id_number": {pin}, "action": {"otp"}})
		out := []string{fmt.Sprint(b.last.StatusCode)}
		b.submit(e.issuer, "/otp", url.Values{"action": {"resend"}})
		out = append(out, fmt.Sprint(b.last.StatusCode), fmt.Sprint(strings.Contains(b.body, "Đã gửi mã mới")))
		for i := 0; i < 6; i++ {
			b.submit(e.issuer, "/otp", url.Values{"otp": {"000000"}, "action": {"verify"}})
		}
		out = append(out, fmt.Sprint(b.last.StatusCode), errorText(b.body))
		return out
	}
	known, unknown := answers(testPIN), answers("079304123456")
	t.Logf("answers: %v", known)
	if strings.Join(known, "|") != strings.Join(unknown, "|") {
		t.Errorf("answers differ:\n known   %v\n unknown %v", known, unknown)
	}
}

func errorText(body string) string {
	i := strings.Index(body, `role="alert">`)
	if i < 0 {
		return ""
	}
	rest := body[i+len(`role="alert">`):]
	return rest[:strings.Index(rest, "<")]
}
