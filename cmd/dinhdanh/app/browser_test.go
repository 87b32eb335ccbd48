package app_test

import (
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/dinhdanh/dinhdanh/cmd/exam-portal/portal"
	"github.com/dinhdanh/dinhdanh/identity"
	"github.com/dinhdanh/dinhdanh/provider"
)

// uncheckedClaim is the voluntary claim the citizen leaves unticked on
// the consent page: the portal's voluntary, sensitive vn_ethnicity. The
// portal must ask for it, so that it has a checkbox there (the test fails
// if not), and it needs an entry in uncheckedClaimShows.
const uncheckedClaim = "vn_ethnicity"

// uncheckedClaimShows is, per claim, the test citizen's value as the
// portal's form would show it: it must not be on the form once unticked.
var uncheckedClaimShows = map[string]string{
	"email":        "an.nguyen@example.vn",
	"vn_ethnicity": "Kinh",
}

const browserPortalName = "Cổng đăng ký thi tốt nghiệp THPT"

// TestBrowserJourney drives Chromium through the exam portal's e-ID login
// at a phone and a desktop viewport: portal home, provider login and
// consent (both by keyboard alone), the prefilled form, then the
// citizen's account page, where the portal's consent is withdrawn. Every
// page is checked for labelled form controls and a document language and
// saved as a full-page screenshot under artifacts/screenshots/.
func TestBrowserJourney(t *testing.T) {
	h := startChromium(t)
	for _, vp := range []viewport{
		{name: "phone", width: 390, height: 844, mobile: true},
		{name: "desktop", width: 1366, height: 900},
	} {
		t.Run(vp.name, func(t *testing.T) { browserJourney(t, h, vp) })
	}
}

func browserJourney(t *testing.T, h *headless, vp viewport) {
	shown, ok := uncheckedClaimShows[uncheckedClaim]
	if !ok {
		t.Fatalf("uncheckedClaimShows has no value for uncheckedClaim %q", uncheckedClaim)
	}
	claim, ok := identity.LookupClaim(uncheckedClaim)
	if !ok {
		t.Fatalf("uncheckedClaim %q is not in the claims catalog", uncheckedClaim)
	}
	e := newEnv(t)
	// The first-login password change has its own tests; this citizen
	// has already changed the SMS password.
	acc, err := e.app.Store.GetAccountByPIN(e.ctx, testPIN)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.app.Auth.ChangeInitialPassword(e.ctx, acc.ID, newPassword); err != nil {
		t.Fatal(err)
	}
	cit, err := e.app.Store.GetCitizen(e.ctx, testPIN)
	if err != nil {
		t.Fatal(err)
	}
	// The record the exam form draws on.
	cit.Details.Ethnicity = &identity.Coded{Code: "01", Label: "Kinh"}
	cit.Details.PlaceOfBirth = &identity.PlaceOfBirth{Country: "VN", Region: "Hà Nội"}
	cit.Details.DistrictCode, cit.Details.CommuneCode, cit.Details.ResidenceSince = "002", "00037", "2015-06-01"
	cit.Details.CurrentResidence = &identity.Address{Formatted: "45 Lê Lợi, Bến Thành, TP. Hồ Chí Minh", ProvinceCode: "79"}
	if _, _, _, err := e.app.Store.UpsertCitizens(e.ctx, []identity.Citizen{cit}); err != nil {
		t.Fatal(err)
	}
	portalURL, clientID := startBrowserPortal(t, e)

	tb := h.newTab(t, vp, 60*time.Second)
	start := time.Now()

	// 1. The portal's home page.
	tb.do("opening the portal", chromedp.Navigate(portalURL+"/"))
	if !eval[bool](tb, `(() => {
		const want = 'Đăng nhập bằng tài khoản định danh điện tử';
		const el = Array.from(document.querySelectorAll('a, button')).find(
			el => el.innerText.replace(/\s+/g, ' ').trim() === want && el.checkVisibility());
		if (!el) return false;
		el.setAttribute('data-e2e', 'eid-login');
		return true;
	})()`) {
		tb.fatalf("the portal home has no visible e-ID login button")
	}
	tb.checkPage("portal-home")
	tb.navigates("activating the e-ID login button", tb.press(`[data-e2e="eid-login"]`))

	// 2. The provider's login page, by keyboard alone.
	tb.pageIs("login", e.issuer+"/", `input[name="id_number"]`)
	tb.checkPage("login")
	tb.focusPageStart()
	tb.tabTo(`input[name="id_number"]`, 25)
	tb.typeKeys("ID number", testPIN)
	tb.tabTo(`input[name="password"]`, 25)
	tb.typeKeys("password", newPassword)
	tb.navigates("pressing Enter in the password field", chromedp.KeyEvent(kb.Enter))

	// 3. Consent, by keyboard alone: untick one claim, allow.
	tb.pageIs("consent", e.issuer+"/", `button[name="decision"][value="allow"]`)
	tb.checkPage("consent")
	offered := eval[[]string](tb, `Array.from(document.querySelectorAll('input[type=checkbox][name=claim]')).map(b => b.value)`)
	if !slices.Contains(offered, uncheckedClaim) {
		tb.fatalf("the consent page has no checkbox name=\"claim\" value=%q (uncheckedClaim); it offers %v", uncheckedClaim, offered)
	}
	box := fmt.Sprintf(`input[type="checkbox"][name="claim"][value=%q]`, uncheckedClaim)
	isChecked := fmt.Sprintf(`document.querySelector(%q).checked`, box)
	// A sensitive claim starts unticked (it needs its own tick); a basic
	// one starts ticked. Either way Space toggles it, and it ends unticked.
	sensitive := claim.Class == identity.Sensitive
	if eval[bool](tb, isChecked) == sensitive {
		tb.fatalf("the %s checkbox starts ticked=%v; want %v", uncheckedClaim, !sensitive, !sensitive)
	}
	tb.focusPageStart()
	tb.tabTo(box, 60)
	if sensitive {
		tb.do("pressing Space on the checkbox", chromedp.KeyEvent(" "))
		if !eval[bool](tb, isChecked) {
			tb.fatalf("Space did not tick the %s checkbox", uncheckedClaim)
		}
	}
	tb.do("pressing Space on the checkbox", chromedp.KeyEvent(" "))
	if eval[bool](tb, isChecked) {
		tb.fatalf("Space did not untick the %s checkbox", uncheckedClaim)
	}
	tb.tabTo(`button[name="decision"][value="allow"]`, 60)
	tb.navigates("pressing Enter on the allow button", chromedp.KeyEvent(kb.Enter))

	// 4. The portal's prefilled form.
	tb.pageIs("portal form", portalURL+"/", "form")
	tb.checkPage("portal-form")
	onForm := eval[string](tb, shownJS)
	for _, want := range []string{"NGUYỄN VĂN AN", testPIN, "14/03/1995", "Hà Nội", "45 Lê Lợi", "0912345678"} {
		if !strings.Contains(onForm, want) {
			t.Errorf("%s: the prefilled form does not show %q", vp.name, want)
		}
	}
	if strings.Contains(onForm, shown) || strings.Contains(eval[string](tb, fieldValuesJS), shown) {
		t.Errorf("%s: the form holds the unticked claim %s (%q)", vp.name, uncheckedClaim, shown)
	}

	// 5. The account page, in the same browser: single sign-on.
	tb.do("opening the account page", chromedp.Navigate(e.issuer+"/account"))
	tb.pageIs("account", e.issuer+"/account", "#services")
	tb.checkPage("account")
	type account struct {
		Services string `json:"services"`
		Withdraw bool   `json:"withdraw"`
		Log      []struct {
			Service string `json:"service"`
			Data    string `json:"data"`
		} `json:"log"`
	}
	readAccount := fmt.Sprintf(`(() => {
		const section = id => { const h = document.getElementById(id); return h ? h.closest('section') || h.parentElement : null; };
		const services = section('services'), log = section('log');
		return {
			services: services ? services.innerText : '',
			withdraw: !!document.querySelector('form[action="/account/consents/withdraw"] input[name="client_id"][value=%q]'),
			log: log ? Array.from(log.querySelectorAll('tbody tr')).map(tr => ({
				service: tr.cells[1] ? tr.cells[1].innerText : '',
				data: tr.cells[2] ? tr.cells[2].innerText : '',
			})) : [],
		};
	})()`, clientID)
	a := eval[account](tb, readAccount)
	label := claim.LabelVI
	if strings.HasPrefix(eval[string](tb, `document.documentElement.lang`), "en") {
		label = claim.LabelEN
	}
	if !strings.Contains(a.Services, browserPortalName) || !a.Withdraw {
		tb.fatalf("connected services do not list the portal with a withdraw button: %q", a.Services)
	}
	released := 0
	for _, row := range a.Log {
		if strings.Contains(row.Service, browserPortalName) {
			released++
			if slices.Contains(strings.Split(row.Data, ", "), label) {
				t.Errorf("%s: the disclosure log says %q (%s) was released to the portal: %q", vp.name, label, uncheckedClaim, row.Data)
			}
		}
	}
	if released == 0 {
		t.Errorf("%s: the disclosure log lists no release to the portal: %+v", vp.name, a.Log)
	}

	// 6. Withdraw the portal's consent.
	withdraw := fmt.Sprintf(`form[action="/account/consents/withdraw"]:has(input[name="client_id"][value=%q]) button[type="submit"]`, clientID)
	tb.navigates("activating the withdraw button", tb.press(withdraw))
	tb.pageIs("account", e.issuer+"/account", "#services")
	tb.checkPage("account-withdrawn")
	if a := eval[account](tb, readAccount); strings.Contains(a.Services, browserPortalName) || a.Withdraw {
		t.Errorf("%s: the portal is still among connected services after withdrawal: %q", vp.name, a.Services)
	}
	t.Logf("%s journey: %s in the browser", vp.name, time.Since(start).Round(10*time.Millisecond))
}

// startBrowserPortal runs the real exam portal, with the scopes it asks
// for by default, against e's provider and returns its URL and client id.
// The client may also ask for the ethnicity the form has a place for.
func startBrowserPortal(t *testing.T, e *env) (string, string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	t.Cleanup(srv.Close)
	id, secret := e.registerClient(provider.ClientSpec{
		ID: "exam-portal-browser", Name: browserPortalName, RedirectURIs: []string{srv.URL + "/callback"},
		Scopes:  []string{"openid", "profile", "vn_id", "vn_civil", "vn_ethnicity", "vn_residence", "phone", "email"},
		Purpose: "Đăng ký dự thi tốt nghiệp THPT",
	})
	p, err := portal.New(e.ctx, portal.Config{Issuer: e.issuer, ClientID: id, ClientSecret: secret,
		RedirectURL: srv.URL + "/callback", Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = p
	return srv.URL, id
}
