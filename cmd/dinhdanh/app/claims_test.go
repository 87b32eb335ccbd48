package app_test

import (
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/dinhdanh/dinhdanh/identity"
	"github.com/dinhdanh/dinhdanh/internal/idaschema"
	"github.com/dinhdanh/dinhdanh/provider"
)

// richCitizen is the test citizen with every part of the record held.
func richCitizen() identity.Citizen {
	return identity.Citizen{
		PIN: testPIN, FullName: "Nguyễn Văn An", Birthdate: "1995-03-14", Gender: identity.Male,
		Phone: "+84912345678", Email: "an.nguyen@example.vn", PermanentAddress: "Số 12 phố Tràng Tiền, Hà Nội", ProvinceCode: "01",
		Details: identity.CitizenDetails{
			OldIDNumber:       "012345678",
			IDCard:            &identity.IDCard{Number: testPIN, Issued: "2021-04-01", Expires: "2035-03-14", Authority: "Cục Cảnh sát QLHC về TTXH"},
			Nationalities:     []string{"VN"},
			PlaceOfBirth:      &identity.PlaceOfBirth{Country: "VN", Region: "Hà Nội", Locality: "Hoàn Kiếm"},
			Hometown:          &identity.Address{Formatted: "Xã Nghi Phong, Nghi Lộc, Nghệ An", ProvinceCode: "40"},
			MaritalStatus:     "married",
			Ethnicity:         &identity.Coded{Code: "01", Label: "Kinh"},
			Religion:          &identity.Coded{Code: "00", Label: "Không"},
			DistrictCode:      "002",
			CommuneCode:       "00037",
			ResidenceSince:    "2015-06-01",
			CurrentResidence:  &identity.Address{Formatted: "45 Lê Lợi, Bến Thành, TP. Hồ Chí Minh", ProvinceCode: "79", DistrictCode: "760", CommuneCode: "26743"},
			DrivingLicence:    &identity.DrivingLicence{Number: "790123456789", Classes: []identity.LicenceClass{{Class: "B2", Issued: "2017-05-01", Expires: "2027-05-01"}}, Issuer: "Sở GTVT Hà Nội"},
			Vehicles:          []identity.Vehicle{{Plate: "29A-123.45", Type: "car", Brand: "VinFast", ChassisNo: "RLLV1234567890", RegDate: "2022-01-10"}},
			HealthInsurance:   &identity.HealthInsurance{CardNo: "DN4010123456789", BenefitLevel: "4", Province: "01", InitialFacility: "01-001", ValidFrom: "2026-01-01", ValidTo: "2026-12-31"},
			SocialInsuranceNo: "0123456789",
		},
	}
}

// allScopes registers a client allowed every scope and returns its
// relying-party configuration.
func (e *env) allScopes(id string) oauth2.Config {
	e.t.Helper()
	var scopes []string
	for _, s := range identity.Scopes {
		scopes = append(scopes, s.Name)
	}
	cid, secret := e.registerClient(provider.ClientSpec{ID: id, Name: "Dịch vụ thử " + id, RedirectURIs: []string{rpCallback},
		Scopes: scopes, Purpose: "Kiểm thử"})
	return oauth2.Config{ClientID: cid, ClientSecret: secret, Endpoint: e.provider.Endpoint(), RedirectURL: rpCallback}
}

// citizen logs in through whatever pages come: login, first-login
// password change, SMS code. It ends on the consent page or at the RP.
type citizen struct {
	pin, password string
}

func (c *citizen) signIn(e *env, b *browser) {
	e.t.Helper()
	if strings.Contains(b.body, `name="id_number"`) {
		b.submit(e.issuer, "/login", url.Values{"id_number": {c.pin}, "password": {c.password}})
	}
	if strings.Contains(b.body, `name="new_password"`) {
		b.submit(e.issuer, "/password", url.Values{"new_password": {newPassword}, "confirm_password": {newPassword}})
		c.password = newPassword
	}
	if strings.Contains(b.body, `name="otp"`) {
		b.submit(e.issuer, "/otp", url.Values{"otp": {e.lastCode()}, "action": {"verify"}})
	}
}

// flow is one authorization with cfg: sign in, answer the consent page
// with consent (when it is shown), exchange the code.
func (e *env) flow(b *browser, c *citizen, cfg oauth2.Config, consent url.Values, opts ...oauth2.AuthCodeOption) (*oauth2.Token, string) {
	e.t.Helper()
	ar := authRequest{state: "state-0123456789", nonce: "nonce-0123456789", verifier: oauth2.GenerateVerifier()}
	opts = append(opts, oidc.Nonce(ar.nonce), oauth2.S256ChallengeOption(ar.verifier))
	b.get(cfg.AuthCodeURL(ar.state, opts...))
	c.signIn(e, b)
	consentPage := ""
	if strings.Contains(b.body, `name="decision"`) {
		consentPage = b.body
		if ticks := consent["tick"]; ticks != nil {
			// tick: boxes to tick on top of those ticked already.
			v := url.Values{"decision": consent["decision"], "claim": append(checkedValues(b.body), ticks...)}
			consent = v
		}
		b.submit(e.issuer, "/consent", consent)
	}
	q := b.callback()
	if q.Get("error") != "" {
		e.t.Fatalf("authorization failed: %v", q)
	}
	tok, err := cfg.Exchange(e.ctx, q.Get("code"), oauth2.VerifierOption(ar.verifier))
	if err != nil {
		e.t.Fatal(err)
	}
	return tok, consentPage
}

func (e *env) userinfo(tok *oauth2.Token) map[string]any {
	e.t.Helper()
	ui, err := e.provider.UserInfo(e.ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		e.t.Fatal(err)
	}
	var out map[string]any
	if err := ui.Claims(&out); err != nil {
		e.t.Fatal(err)
	}
	return out
}

func (e *env) idToken(cfg oauth2.Config, tok *oauth2.Token) map[string]any {
	e.t.Helper()
	raw, _ := tok.Extra("id_token").(string)
	idt, err := e.provider.Verifier(&oidc.Config{ClientID: cfg.ClientID}).Verify(e.ctx, raw)
	if err != nil {
		e.t.Fatal(err)
	}
	var out map[string]any
	_ = idt.Claims(&out)
	return out
}

func keys(m map[string]any, drop ...string) []string {
	var out []string
	for k := range m {
		if !slices.Contains(drop, k) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

var anyBox = regexp.MustCompile(`<input type="checkbox" name="claim" value="([^"]*)"`)

var allow = url.Values{"decision": {"allow"}}

// allowAll ticks every checkbox the page offers, sensitive ones included.
func allowAll(page string) url.Values {
	v := url.Values{"decision": {"allow"}}
	for _, m := range anyBox.FindAllStringSubmatch(page, -1) {
		v.Add("claim", m[1])
	}
	return v
}

// Each scope yields exactly its claims in userinfo, no more, no fewer
// (the record holds every field). Documents need a level-2 login.
func TestEachScopeYieldsExactlyItsClaims(t *testing.T) {
	e := newEnv(t)
	if _, _, _, err := e.app.Store.UpsertCitizens(e.ctx, []identity.Citizen{richCitizen()}); err != nil {
		t.Fatal(err)
	}
	cfg := e.allScopes("scopes")
	c := &citizen{pin: testPIN, password: testPassword}
	for _, s := range identity.Scopes {
		if s.Name == "openid" || s.Name == "offline_access" {
			continue
		}
		t.Run(s.Name, func(t *testing.T) {
			b := newBrowser(t)
			cfg.Scopes = []string{"openid", s.Name}
			var opts []oauth2.AuthCodeOption
			if slices.ContainsFunc(identity.ClaimsForScopes([]string{s.Name}), func(c identity.Claim) bool { return c.MinLevel > 0 }) {
				opts = append(opts, oauth2.SetAuthURLParam("acr_values", "urn:vn:eid:loa:2"))
			}
			// prompt=consent: each subtest answers its own consent page.
			opts = append(opts, oauth2.SetAuthURLParam("prompt", "consent"))
			ar := authRequest{state: "state-0123456789", nonce: "nonce-0123456789", verifier: oauth2.GenerateVerifier()}
			b.get(cfg.AuthCodeURL(ar.state, append(opts, oidc.Nonce(ar.nonce), oauth2.S256ChallengeOption(ar.verifier))...))
			c.signIn(e, b)
			page := b.body
			b.submit(e.issuer, "/consent", allowAll(page))
			tok, err := cfg.Exchange(e.ctx, b.callback().Get("code"), oauth2.VerifierOption(ar.verifier))
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, cl := range identity.ClaimsForScopes([]string{s.Name}) {
				want = append(want, cl.Name)
			}
			sort.Strings(want)
			if got := keys(e.userinfo(tok), "sub"); !slices.Equal(got, want) {
				t.Errorf("scope %s released %v, want %v", s.Name, got, want)
			}
			// The ID token carries no personal data unless asked for there.
			if got := keys(e.idToken(cfg, tok), "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "at_hash", "sid", "rat", "jti"); len(got) != 0 {
				t.Errorf("scope %s put %v in the ID token", s.Name, got)
			}
		})
	}
}

// The claims parameter (OIDC Core §5.5) asks for individual claims in
// userinfo and in the ID token with scope openid alone; derived claims
// answer without the data; value constraints withhold a mismatch;
// unknown claims are ignored.
func TestClaimsParameter(t *testing.T) {
	e := newEnv(t)
	if _, _, _, err := e.app.Store.UpsertCitizens(e.ctx, []identity.Citizen{richCitizen()}); err != nil {
		t.Fatal(err)
	}
	cfg := e.allScopes("claims-param")
	cfg.Scopes = []string{"openid"}
	req := `{"userinfo":{"birthdate":{"essential":true},"vn_age_over_18":null,"vn_residence_province":null,` +
		`"gender":{"value":"female"},"vn_account_level":{"values":[1,2]},"no_such_claim":null},` +
		`"id_token":{"name":{"essential":true},"vn_age_over_16":null,"acr":{"essential":false}}}`
	b := newBrowser(t)
	c := &citizen{pin: testPIN, password: testPassword}
	tok, page := e.flow(b, c, cfg, allow, oauth2.SetAuthURLParam("claims", req))
	// Essential claims are fixed (no checkbox); voluntary ones are offered.
	if strings.Contains(page, `value="birthdate"`) || strings.Contains(page, `value="name"`) {
		t.Errorf("an essential claim has a checkbox")
	}
	for _, want := range []string{`value="vn_age_over_18"`, `value="vn_age_over_16"`, "14/03/1995", "Nguyễn Văn An", "Đủ 18 tuổi trở lên"} {
		if !strings.Contains(page, want) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	if strings.Contains(page, "no_such_claim") {
		t.Error("an unknown claim is shown")
	}
	ui := e.userinfo(tok)
	if got, want := keys(ui, "sub"), []string{"birthdate", "vn_account_level", "vn_age_over_18", "vn_residence_province"}; !slices.Equal(got, want) {
		t.Errorf("userinfo %v, want %v", got, want)
	}
	if ui["vn_age_over_18"] != true || ui["vn_residence_province"] != "01" || ui["birthdate"] != "1995-03-14" {
		t.Errorf("userinfo values %v", ui)
	}
	idt := e.idToken(cfg, tok)
	if idt["name"] != "Nguyễn Văn An" || idt["vn_age_over_16"] != true {
		t.Errorf("ID token %v", idt)
	}
	if _, ok := idt["birthdate"]; ok {
		t.Error("a userinfo claim went into the ID token")
	}
	if _, ok := ui["name"]; ok {
		t.Error("an ID-token claim went into userinfo")
	}
	// The log holds each release, from either channel, and nothing else.
	acc, err := e.app.Store.GetAccountByPIN(e.ctx, testPIN)
	if err != nil {
		t.Fatal(err)
	}
	log, err := e.app.Store.ListDisclosures(e.ctx, acc.ID, identity.DisclosureFilter{})
	if err != nil {
		t.Fatal(err)
	}
	byChannel := map[string][]string{}
	for _, d := range log {
		byChannel[d.Channel] = append(byChannel[d.Channel], strings.Join(d.Claims, " "))
	}
	if len(log) != 2 || !slices.Equal(byChannel["id_token"], []string{"name vn_age_over_16"}) ||
		!slices.Equal(byChannel["userinfo"], []string{"birthdate vn_account_level vn_age_over_18 vn_residence_province"}) {
		t.Errorf("disclosure log %v", byChannel)
	}
	var disc map[string]any
	getJSON(t, e.issuer+"/.well-known/openid-configuration", &disc)
	if disc["claims_parameter_supported"] != true {
		t.Error("discovery: claims_parameter_supported is not true")
	}
}

// A claims parameter that is not JSON, or not of the §5.5 shape, is
// invalid_request with a description, sent back to the client.
func TestBadClaimsParameter(t *testing.T) {
	e := newEnv(t)
	for _, bad := range []string{
		`{"userinfo":`,
		`["userinfo"]`,
		`{"userinfo":["name"]}`,
		`{"userinfo":{"name":{"essential":"yes"}}}`,
		`{"userinfo":{"name":{"values":"x"}}}`,
		`{"userinfo":{"name":42}}`,
		`{"userinfo":{"verified_claims":{"verification":{"trust_framework":null}}}}`,
		`{"userinfo":{"verified_claims":{"verification":{"trust_framework":null},"claims":{}}}}`,
		`{"id_token":{"verified_claims":{"claims":{"name":null}}}}`,
		`{"userinfo":{"gender":{"values":[]}}}`,
	} {
		b := newBrowser(t)
		u, _ := e.authURL(oauth2.SetAuthURLParam("claims", bad))
		b.get(u)
		q := b.callback()
		if q.Get("error") != "invalid_request" || q.Get("error_description") == "" {
			t.Errorf("claims=%s: got %v", bad, q)
		}
	}
}

// Sensitive claims are grouped with a warning and start unticked: only an
// explicit tick releases one, even when the client calls it essential.
func TestSensitiveClaimNeedsItsOwnTick(t *testing.T) {
	e := newEnv(t)
	if _, _, _, err := e.app.Store.UpsertCitizens(e.ctx, []identity.Citizen{richCitizen()}); err != nil {
		t.Fatal(err)
	}
	cfg := e.allScopes("sensitive")
	cfg.Scopes = []string{"openid", "profile"}
	req := oauth2.SetAuthURLParam("claims", `{"userinfo":{"vn_ethnicity":{"essential":true},"vn_religion":null}}`)
	b := newBrowser(t)
	c := &citizen{pin: testPIN, password: testPassword}
	tok, page := e.flow(b, c, cfg, allow, req)
	if !strings.Contains(page, "Dữ liệu cá nhân nhạy cảm") || !strings.Contains(page, "Nghị định 13/2023") {
		t.Errorf("no sensitive group with its warning:\n%s", page)
	}
	if checkedBox.MatchString(page) && strings.Contains(strings.Join(checkedValues(page), " "), "vn_ethnicity") {
		t.Error("a sensitive claim starts ticked")
	}
	ui := e.userinfo(tok)
	if _, ok := ui["vn_ethnicity"]; ok {
		t.Error("vn_ethnicity released without its own tick")
	}
	if ui["name"] == nil {
		t.Error("basic claims missing")
	}
	// Not asked again (declined, and only voluntary), so prompt=consent
	// to tick it; now it is released.
	tok, _ = e.flow(b, c, cfg, url.Values{"decision": {"allow"}, "tick": {"vn_ethnicity"}}, req, oauth2.SetAuthURLParam("prompt", "consent"))
	ui = e.userinfo(tok)
	if eth, _ := ui["vn_ethnicity"].(map[string]any); eth["code"] != "01" || eth["label"] != "Kinh" {
		t.Errorf("vn_ethnicity after ticking: %v", ui["vn_ethnicity"])
	}
	if _, ok := ui["vn_religion"]; ok {
		t.Error("vn_religion released though unticked")
	}
	// Unticked again: the token issued while it was ticked stops
	// releasing it too.
	ticked := tok
	e.flow(b, c, cfg, allow, req, oauth2.SetAuthURLParam("prompt", "consent"))
	if _, ok := e.userinfo(ticked)["vn_ethnicity"]; ok {
		t.Error("an older token still releases vn_ethnicity after it was unticked")
	}
}

func checkedValues(page string) []string {
	var out []string
	for _, m := range checkedBox.FindAllStringSubmatch(page, -1) {
		out = append(out, m[2])
	}
	return out
}

// Documents are released only for level-2 accounts in a level-2 login;
// otherwise they are absent and the consent page says why.
func TestDocumentsNeedLevel2(t *testing.T) {
	e := newEnv(t)
	rich := richCitizen()
	lvl1 := richCitizen()
	lvl1.PIN, lvl1.FullName = "079304123456", "Trần Thị Bích Ngọc"
	lvl1.Details.IDCard = nil
	if _, _, _, err := e.app.Store.UpsertCitizens(e.ctx, []identity.Citizen{rich, lvl1}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.app.Auth.Issue(e.ctx, lvl1.PIN, testPassword, identity.Level1); err != nil {
		t.Fatal(err)
	}
	cfg := e.allScopes("docs")
	cfg.Scopes = []string{"openid", "vn_driving_licence", "vn_vehicles", "vn_health_insurance"}
	docs := []string{"vn_driving_licence", "vn_health_insurance", "vn_vehicles"}

	// Level-1 account, even with a level-2 login: withheld.
	b := newBrowser(t)
	tok, page := e.flow(b, &citizen{pin: lvl1.PIN, password: testPassword}, cfg, allow, oauth2.SetAuthURLParam("acr_values", "urn:vn:eid:loa:2"))
	if !strings.Contains(page, "chỉ chia sẻ với tài khoản định danh mức 2") {
		t.Errorf("consent page does not say why documents are withheld:\n%s", page)
	}
	if got := keys(e.userinfo(tok), "sub", "vn_account_level"); len(got) != 0 {
		t.Errorf("level-1 account released %v", got)
	}

	// Level-2 account, password-only login: withheld, the page says why.
	c := &citizen{pin: testPIN, password: testPassword}
	b = newBrowser(t)
	tok, page = e.flow(b, c, cfg, allow)
	if !strings.Contains(page, "cần đăng nhập bằng mật khẩu và mã xác thực") {
		t.Errorf("consent page does not ask for a level-2 login:\n%s", page)
	}
	if got := keys(e.userinfo(tok), "sub", "vn_account_level"); len(got) != 0 {
		t.Errorf("level-1 login released %v", got)
	}

	// Level-2 account, level-2 login: released (health insurance is
	// sensitive: ticked on its own).
	tok, _ = e.flow(b, c, cfg, url.Values{"decision": {"allow"}, "tick": {"vn_health_insurance"}}, oauth2.SetAuthURLParam("acr_values", "urn:vn:eid:loa:2"))
	ui := e.userinfo(tok)
	if got := keys(ui, "sub", "vn_account_level"); !slices.Equal(got, docs) {
		t.Errorf("level-2 login released %v, want %v", got, docs)
	}
	if dl, _ := ui["vn_driving_licence"].(map[string]any); dl["number"] != "790123456789" {
		t.Errorf("driving licence %v", ui["vn_driving_licence"])
	}
}

// verified_claims (OIDC4IDA) in userinfo and the ID token, validated
// against the schema shipped in internal/idaschema.
func TestVerifiedClaims(t *testing.T) {
	e := newEnv(t)
	if _, _, _, err := e.app.Store.UpsertCitizens(e.ctx, []identity.Citizen{richCitizen()}); err != nil {
		t.Fatal(err)
	}
	cfg := e.allScopes("ida")
	cfg.Scopes = []string{"openid"}
	req := `{"userinfo":{"verified_claims":{"verification":{"trust_framework":null},"claims":{"given_name":null,"family_name":null,"birthdate":null,"vn_pin":null,"email":null}}},` +
		`"id_token":{"verified_claims":[{"verification":{"trust_framework":{"value":"vn_nd69_2024"}},"claims":{"name":null}},` +
		`{"verification":{"trust_framework":{"value":"eidas"}},"claims":{"birthdate":null}},` +
		`{"verification":{"trust_framework":null,"assurance_level":{"value":"1"}},"claims":{"gender":null}}]}}`
	b := newBrowser(t)
	tok, page := e.flow(b, &citizen{pin: testPIN, password: testPassword}, cfg, allow, oauth2.SetAuthURLParam("claims", req))
	if !strings.Contains(page, "Thông tin xác minh danh tính") || !strings.Contains(page, "đã xác minh") {
		t.Errorf("consent page does not show the verification:\n%s", page)
	}
	check := func(where string, vc any, wantClaims []string) {
		t.Helper()
		if err := idaschema.ValidateVerifiedClaims(vc); err != nil {
			t.Fatalf("%s: verified_claims fails the OIDC4IDA schema: %v\n%v", where, err, vc)
		}
		obj, _ := vc.(map[string]any)
		v, _ := obj["verification"].(map[string]any)
		if v["trust_framework"] != "vn_nd69_2024" || v["assurance_level"] != "2" {
			t.Errorf("%s: verification %v", where, v)
		}
		ev, _ := v["evidence"].([]any)
		if len(ev) != 1 {
			t.Fatalf("%s: evidence %v", where, v["evidence"])
		}
		claims, _ := obj["claims"].(map[string]any)
		if got := keys(claims); !slices.Equal(got, wantClaims) {
			t.Errorf("%s: verified claims %v, want %v", where, got, wantClaims)
		}
	}
	ui := e.userinfo(tok)
	// email cannot be verified by the framework: not inside.
	check("userinfo", ui["verified_claims"], []string{"birthdate", "family_name", "given_name", "vn_pin"})
	if got := keys(ui, "sub"); !slices.Equal(got, []string{"verified_claims"}) {
		t.Errorf("userinfo %v", got)
	}
	// The eidas request is not ours, and the account is level 2, not 1:
	// only the first element comes back.
	check("id_token", e.idToken(cfg, tok)["verified_claims"], []string{"name"})

	var disc map[string]any
	getJSON(t, e.issuer+"/.well-known/openid-configuration", &disc)
	if disc["verified_claims_supported"] != true || !slices.Contains(toStrings(disc["trust_frameworks_supported"]), "vn_nd69_2024") ||
		!slices.Contains(toStrings(disc["claims_in_verified_claims_supported"]), "given_name") || !slices.Contains(toStrings(disc["evidence_supported"]), "document") {
		t.Errorf("discovery lacks OIDC4IDA metadata")
	}
	for _, name := range identity.ClaimNames() {
		if !slices.Contains(toStrings(disc["claims_supported"]), name) {
			t.Errorf("claims_supported lacks %s", name)
		}
	}
}

func toStrings(v any) []string {
	var out []string
	b, _ := json.Marshal(v)
	_ = json.Unmarshal(b, &out)
	return out
}

// A later request asks only for claims not yet decided; a declined
// voluntary claim is not asked again until the client marks it essential.
func TestLaterRequestAsksOnlyForNewClaims(t *testing.T) {
	e := newEnv(t)
	cfg := e.allScopes("more")
	c := &citizen{pin: testPIN, password: testPassword}
	b := newBrowser(t)
	cfg.Scopes = []string{"openid", "profile", "phone"}
	e.flow(b, c, cfg, url.Values{"decision": {"allow"}, "untick": {"phone_number"}})

	// The same request again: settled, no page.
	_, page := e.flow(b, c, cfg, allow)
	if page != "" {
		t.Fatalf("asked again for the same claims:\n%s", page)
	}
	// More claims: only the new ones have checkboxes; earlier ones are
	// listed as already consented.
	cfg.Scopes = []string{"openid", "profile", "phone", "email"}
	tok, page := e.flow(b, c, cfg, allow)
	if got := checkboxValues(page); !slices.Equal(got, []string{"email"}) {
		t.Errorf("asked for %v, want only the email claims", got)
	}
	if !strings.Contains(page, "Bạn đã đồng ý chia sẻ trước đây") {
		t.Error("earlier consents are not shown")
	}
	ui := e.userinfo(tok)
	if _, ok := ui["phone_number"]; ok {
		t.Error("declined phone_number released")
	}
	if ui["email"] == nil || ui["name"] == nil {
		t.Errorf("userinfo %v", ui)
	}
	// phone_number becomes essential: asked again, and fixed.
	_, page = e.flow(b, c, cfg, allow, oauth2.SetAuthURLParam("claims", `{"userinfo":{"phone_number":{"essential":true}}}`))
	if page == "" || !strings.Contains(page, "Số điện thoại") || len(checkboxValues(page)) != 0 {
		t.Errorf("essential phone_number not asked as a fixed item:\n%s", page)
	}
}

func checkboxValues(page string) []string {
	var out []string
	for _, m := range anyBox.FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}
