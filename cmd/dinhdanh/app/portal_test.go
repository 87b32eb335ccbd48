package app_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/dinhdanh/dinhdanh/cmd/exam-portal/portal"
	"github.com/dinhdanh/dinhdanh/identity"
	"github.com/dinhdanh/dinhdanh/provider"
)

// The exam portal, a real go-oidc relying party, against the real
// provider: login, first-login password change, consent, prefilled form;
// and a refusal that the portal reports politely.
func TestExamPortalPrefillsTheForm(t *testing.T) {
	e := newEnv(t)
	if _, _, _, err := e.app.Store.UpsertCitizens(e.ctx, []identity.Citizen{richCitizen()}); err != nil {
		t.Fatal(err)
	}
	portalSrv := httptest.NewUnstartedServer(nil)
	portalSrv.Start()
	t.Cleanup(portalSrv.Close)
	id, secret := e.registerClient(provider.ClientSpec{
		ID: "exam-portal-real", Name: "Cổng đăng ký thi tốt nghiệp THPT", RedirectURIs: []string{portalSrv.URL + "/callback"},
		Scopes:  []string{"openid", "profile", "vn_id", "vn_civil", "vn_ethnicity", "vn_residence", "phone", "email"},
		Purpose: "Đăng ký dự thi tốt nghiệp THPT",
	})
	p, err := portal.New(e.ctx, portal.Config{Issuer: e.issuer, ClientID: id, ClientSecret: secret, RedirectURL: portalSrv.URL + "/callback"})
	if err != nil {
		t.Fatal(err)
	}
	portalSrv.Config.Handler = p

	var consentPage string
	run := func(decision string, tick ...string) *browser {
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
		if !strings.Contains(b.body, `name="decision"`) {
			t.Fatalf("no consent page:\n%s", b.body)
		}
		consentPage = b.body
		b.submit(e.issuer, "/consent", url.Values{"decision": {decision}, "claim": append(checkedValues(b.body), tick...)})
		return b
	}

	// Refusing first: nothing is remembered, so the next login asks again.
	b := run("deny")
	if !strings.Contains(b.body, "Bạn đã từ chối chia sẻ thông tin") {
		t.Errorf("denial page:\n%s", b.body)
	}

	// The consent page lists exactly the form's claims, ethnicity as a
	// sensitive voluntary checkbox; nothing else the client could ask for.
	if got := checkboxValues(consentPage); !slices.Equal(got, []string{"vn_ethnicity"}) {
		t.Errorf("consent checkboxes %v, want only vn_ethnicity", got)
	}
	for _, absent := range []string{"Tôn giáo", "Thẻ căn cước", "Quê quán", "Số CMND cũ"} {
		if strings.Contains(consentPage, absent) {
			t.Errorf("consent page shows %q, which the portal did not ask for", absent)
		}
	}

	// Ethnicity left unticked (its default): everything else prefilled,
	// ethnicity left to the candidate.
	b = run("allow")
	if b.last.Request.URL.Host != strings.TrimPrefix(portalSrv.URL, "http://") {
		t.Fatalf("ended at %s, not the portal", b.last.Request.URL)
	}
	prefilled := []string{"NGUYỄN VĂN AN", testPIN, "14/03/1995", "Hà Nội", "002", "00037", "45 Lê Lợi", "0912345678", "an.nguyen@example.vn", "Từ định danh điện tử"}
	for _, want := range prefilled {
		if !strings.Contains(b.body, want) {
			t.Errorf("prefilled form lacks %q", want)
		}
	}
	if strings.Contains(b.body, "Kinh") || !strings.Contains(b.body, "không chia sẻ thông tin dân tộc") {
		t.Error("unticked ethnicity reached the form, or the form does not say it was not shared")
	}

	// Ticked after withdrawing (the declined claim is otherwise not asked
	// again): the ethnicity is prefilled too.
	acc, err := e.app.Store.GetAccountByPIN(e.ctx, testPIN)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.app.Store.DeleteConsent(e.ctx, acc.ID, id); err != nil {
		t.Fatal(err)
	}
	b = run("allow", "vn_ethnicity")
	for _, want := range append(prefilled, "Kinh") {
		if !strings.Contains(b.body, want) {
			t.Errorf("with ethnicity ticked, the form lacks %q", want)
		}
	}
}
