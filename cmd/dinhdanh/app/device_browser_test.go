package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"
)

// TestBrowserDeviceGrant: a kiosk polls with x/oauth2 while the citizen,
// in headless Chromium at a phone viewport, opens verification_uri_complete,
// logs in, answers the "another device" warning (whose Deny button looks
// exactly like Allow) and consents; the kiosk then gets its tokens.
func TestBrowserDeviceGrant(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend envOption) {
		h := startChromium(t)
		e := newEnv(t, backend, withDeviceInterval(1))
		acc, err := e.app.Store.GetAccountByPIN(e.ctx, testPIN)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.app.Auth.ChangeInitialPassword(e.ctx, acc.ID, newPassword); err != nil {
			t.Fatal(err)
		}
		rp := e.deviceRP()
		ctx, cancel := context.WithTimeout(e.ctx, 90*time.Second)
		defer cancel()
		da, err := rp.DeviceAuth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		type result struct {
			tok *oauth2.Token
			err error
		}
		done := make(chan result, 1)
		go func() {
			tok, err := rp.DeviceAccessToken(ctx, da)
			done <- result{tok, err}
		}()

		tb := h.newTab(t, viewport{name: "device-phone", width: 390, height: 844, mobile: true}, 60*time.Second)
		tb.do("opening verification_uri_complete", chromedp.Navigate(da.VerificationURIComplete))
		tb.pageIs("device", e.issuer+"/device", `input[name="user_code"]`)
		if got := eval[string](tb, `document.querySelector('input[name="user_code"]').value`); got != da.UserCode {
			tb.fatalf("the code field holds %q, want %q", got, da.UserCode)
		}
		tb.checkPage("device")
		tb.navigates("submitting the code", tb.press(`form[action="/device"] button[type="submit"]`))

		tb.pageIs("login", e.issuer+"/login", `input[name="id_number"]`)
		tb.do("typing the credentials",
			chromedp.SendKeys(chromedp.CSS(`input[name="id_number"]`), testPIN),
			chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), newPassword))
		tb.navigates("logging in", tb.press(`form[action="/login"] button[type="submit"]:not([name])`))

		tb.pageIs("device warning", e.issuer+"/device/confirm", `button[name="decision"][value="deny"]`)
		tb.checkPage("device-warning")
		text := eval[string](tb, shownJS)
		for _, want := range []string{"MỘT THIẾT BỊ KHÁC", "Máy kiosk bưu điện", "Từ chối"} {
			if !strings.Contains(text, want) {
				tb.fatalf("the warning does not show %q:\n%s", want, text)
			}
		}
		// Deny as prominent as Allow (RFC 10027): the same look and size.
		same := eval[bool](tb, `(() => {
			const a = getComputedStyle(document.querySelector('button[value="allow"]'));
			const d = getComputedStyle(document.querySelector('button[value="deny"]'));
			return ['backgroundColor', 'color', 'fontSize', 'fontWeight', 'borderStyle', 'paddingTop'].every(p => a[p] === d[p]);
		})()`)
		if !same {
			tb.fatalf("the Deny button is styled differently from Allow")
		}
		tb.navigates("allowing on the warning", tb.press(`button[name="decision"][value="allow"]`))

		tb.pageIs("consent", e.issuer+"/consent", `button[name="decision"][value="allow"]`)
		tb.checkPage("device-consent")
		tb.navigates("consenting", tb.press(`button[name="decision"][value="allow"]`))
		tb.pageIs("done", e.issuer+"/device/done", `[data-result="allowed"]`)
		tb.checkPage("device-done")

		res := <-done
		if res.err != nil {
			t.Fatalf("the kiosk's polling: %v", res.err)
		}
		if info := e.userinfo(res.tok); info["name"] != "Nguyễn Văn An" {
			t.Errorf("userinfo for the kiosk: %v", info)
		}
	})
}
