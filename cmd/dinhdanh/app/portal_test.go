package app_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/dinhdanh/dinhdanh/cmd/exam-portal/portal"
	"github.com/dinhdanh/dinhdanh/provider"
)

// The exam portal, a real go-oidc relying party, against the real
// provider: login, first-login password change, consent, prefilled form;
// and a refusal that the portal reports politely.
func TestExamPortalPrefillsTheForm(t *testing.T) {
	e := newEnv(t)
	portalSrv := httptest.NewUnstartedServer(nil)
	portalSrv.Start()
	t.Cleanup(portalSrv.Close)
	id, secret := e.registerClient(provider.ClientSpec{
		ID: "exam-portal-real", Name: "Cổng đăng ký thi tốt nghiệp THPT", RedirectURIs: []string{portalSrv.URL + "/callback"},
		Scopes: []string{"openid", "profile", "email", "phone", "address", "vn_id"},
	})
	p, err := portal.New(e.ctx, portal.Config{Issuer: e.issuer, ClientID: id, ClientSecret: secret, RedirectURL: portalSrv.URL + "/callback"})
	if err != nil {
		t.Fatal(err)
	}
	portalSrv.Config.Handler = p

	run := func(decision string) *browser {
		b := newBrowser(t)
		jar, _ := cookiejar.New(nil)
		b.client = &http.Client{Jar: jar}
		b.get(portalSrv.URL + "/")
		if !strings.Contains(b.body, "Đăng nhập bằng tài khoản định danh điện tử") {
			t.Fatalf("portal home lacks the login button:\n%s", b.body)
		}
		b.get(portalSrv.URL + "/login")
		if strings.Contains(b.body, `name="id_number"`) {
			b.submit(e.issuer, "/login", url.Values{"id_number": {testPIN}, "password": {testPassword}})
		}
		if strings.Contains(b.body, `name="new_password"`) {
			b.submit(e.issuer, "/password", url.Values{"new_password": {newPassword}, "confirm_password": {newPassword}})
		}
		if strings.Contains(b.body, `name="id_number"`) {
			b.submit(e.issuer, "/login", url.Values{"id_number": {testPIN}, "password": {newPassword}})
		}
		b.submit(e.issuer, "/consent", url.Values{"decision": {decision}})
		return b
	}

	// Refusing first: nothing is remembered, so the next login asks again.
	b := run("deny")
	if !strings.Contains(b.body, "Bạn đã từ chối chia sẻ thông tin") {
		t.Errorf("denial page:\n%s", b.body)
	}

	b = run("allow")
	if b.last.Request.URL.Host != strings.TrimPrefix(portalSrv.URL, "http://") {
		t.Fatalf("ended at %s, not the portal", b.last.Request.URL)
	}
	for _, want := range []string{"NGUYỄN VĂN AN", testPIN, "14/03/1995", "0912345678", "an.nguyen@example.vn", "Từ định danh điện tử"} {
		if !strings.Contains(b.body, want) {
			t.Errorf("prefilled form lacks %q", want)
		}
	}
}
