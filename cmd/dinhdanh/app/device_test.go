package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/dinhdanh/dinhdanh/cmd/dinhdanh/app"
	"github.com/dinhdanh/dinhdanh/identity"
	"github.com/dinhdanh/dinhdanh/provider"
)

const tvClient = "tv-kiosk"

func withDeviceInterval(s int) envOption {
	return func(o *app.Options) { o.DevicePollInterval = s }
}

// deviceRP registers a public kiosk client for the device grant and
// returns its x/oauth2 configuration, with the endpoints from discovery.
func (e *env) deviceRP(scopes ...string) oauth2.Config {
	e.t.Helper()
	if len(scopes) == 0 {
		scopes = []string{"openid", "profile", "offline_access"}
	}
	e.registerClient(provider.ClientSpec{ID: tvClient, Name: "Máy kiosk bưu điện", Public: true,
		GrantTypes: []string{provider.GrantTypeDeviceCode, "refresh_token"},
		Scopes:     []string{"openid", "profile", "offline_access", "vn_id", "vn_driving_licence"}})
	var meta struct {
		Device string   `json:"device_authorization_endpoint"`
		Token  string   `json:"token_endpoint"`
		Grants []string `json:"grant_types_supported"`
	}
	if err := e.provider.Claims(&meta); err != nil {
		e.t.Fatal(err)
	}
	if meta.Device == "" || !contains(meta.Grants, provider.GrantTypeDeviceCode) {
		e.t.Fatalf("discovery lacks the device grant: %+v", meta)
	}
	return oauth2.Config{ClientID: tvClient, Scopes: scopes,
		Endpoint: oauth2.Endpoint{DeviceAuthURL: meta.Device, TokenURL: meta.Token, AuthStyle: oauth2.AuthStyleInParams}}
}

var filledCode = regexp.MustCompile(`name="user_code" value="([A-Z-]+)"`)

var userCodeShape = regexp.MustCompile(`^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$`)

// citizenApproves walks the citizen's side in b from the verification URI:
// the code form, login, the "another device" warning (answer), consent.
func (e *env) citizenApproves(b *browser, verification, warning, consent string) {
	e.t.Helper()
	b.get(verification)
	if !strings.Contains(b.body, `name="user_code"`) || !strings.Contains(b.body, `name="csrf_token"`) {
		e.t.Fatalf("no user_code form on /device\n%s", b.body)
	}
	m := filledCode.FindStringSubmatch(b.body)
	if m == nil {
		e.t.Fatalf("verification_uri_complete did not fill the code in\n%s", b.body)
	}
	b.submit(e.issuer, "/device", url.Values{"user_code": {m[1]}})
	if strings.Contains(b.body, `name="id_number"`) {
		b.submit(e.issuer, "/login", url.Values{"id_number": {testPIN}, "password": {testPassword}})
	}
	if strings.Contains(b.body, `name="new_password"`) {
		b.submit(e.issuer, "/password", url.Values{"new_password": {newPassword}, "confirm_password": {newPassword}})
	}
	for _, want := range []string{"MỘT THIẾT BỊ KHÁC", "Máy kiosk bưu điện", "Từ chối", `value="allow"`, `value="deny"`} {
		if !strings.Contains(b.body, want) {
			e.t.Fatalf("the warning page lacks %q\n%s", want, b.body)
		}
	}
	b.submit(e.issuer, "/device/confirm", url.Values{"decision": {warning}})
	if warning == "deny" {
		return
	}
	if !strings.Contains(b.body, `action="/consent"`) {
		e.t.Fatalf("expected the consent page\n%s", b.body)
	}
	b.submit(e.issuer, "/consent", url.Values{"decision": {consent}})
}

// devicePoll is one token request with the device code, as the device
// makes it; it returns the error code ("" on success) and the body.
func (e *env) devicePoll(clientID, deviceCode string) (string, map[string]any) {
	e.t.Helper()
	form := url.Values{"grant_type": {provider.GrantTypeDeviceCode}, "device_code": {deviceCode}, "client_id": {clientID}}
	resp, err := http.PostForm(e.issuer+"/oauth2/token", form)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	code, _ := body["error"].(string)
	if code == "" && resp.StatusCode != http.StatusOK {
		e.t.Fatalf("status %d without an error code: %v", resp.StatusCode, body)
	}
	return code, body
}

// TestDeviceGrantEndToEnd: a kiosk polls with x/oauth2 while the citizen
// approves on their own browser; the device gets tokens once, with the
// citizen's pairwise subject, and the citizen gets a notice.
func TestDeviceGrantEndToEnd(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend envOption) {
		e := newEnv(t, backend, withDeviceInterval(1))
		rp := e.deviceRP()
		ctx, cancel := context.WithTimeout(e.ctx, time.Minute)
		defer cancel()
		da, err := rp.DeviceAuth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !userCodeShape.MatchString(da.UserCode) || da.VerificationURI != e.issuer+"/device" ||
			da.VerificationURIComplete != e.issuer+"/device?user_code="+da.UserCode || da.Interval != 1 {
			t.Fatalf("device authorization response: %+v", da)
		}
		if left := time.Until(da.Expiry); left < 9*time.Minute || left > 10*time.Minute+time.Second {
			t.Errorf("expires in %s, want 10 minutes", left)
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
		b := newBrowser(t)
		e.citizenApproves(b, da.VerificationURIComplete, "allow", "allow")
		if !strings.Contains(b.body, `data-result="allowed"`) {
			t.Fatalf("expected the done page\n%s", b.body)
		}
		res := <-done
		if res.err != nil {
			t.Fatalf("polling: %v", res.err)
		}
		rawID, _ := res.tok.Extra("id_token").(string)
		idt, err := e.provider.Verifier(&oidc.Config{ClientID: tvClient}).Verify(e.ctx, rawID)
		if err != nil {
			t.Fatal(err)
		}
		var claims struct {
			ACR string   `json:"acr"`
			AMR []string `json:"amr"`
		}
		_ = idt.Claims(&claims)
		if claims.ACR != provider.ACRLevel1 || !contains(claims.AMR, "pwd") || idt.Subject == "" || strings.Contains(idt.Subject, testPIN) {
			t.Errorf("ID token: sub %q acr %q amr %v", idt.Subject, claims.ACR, claims.AMR)
		}
		if res.tok.RefreshToken == "" {
			t.Error("offline_access granted but no refresh token")
		}
		refreshed, err := rp.TokenSource(e.ctx, &oauth2.Token{RefreshToken: res.tok.RefreshToken}).Token()
		if err != nil || refreshed.AccessToken == "" {
			t.Fatalf("refreshing the device's token: %v", err)
		}
		// The refresh revoked the first access token; the new one works.
		info := e.userinfo(refreshed)
		if info["sub"] != idt.Subject || info["name"] != "Nguyễn Văn An" {
			t.Errorf("userinfo: %v", info)
		}
		// Redeemed once (RFC 8628 §3.5 / RFC 6749 §5.2).
		if code, _ := e.devicePoll(tvClient, da.DeviceCode); code != "invalid_grant" {
			t.Errorf("second redemption: %q, want invalid_grant", code)
		}
		// The citizen is told (issue 11: a notice after every use).
		found := false
		for _, m := range e.sentSMS() {
			found = found || strings.Contains(m.Body, "thiet bi khac") && strings.Contains(m.Body, "May kiosk buu dien")
		}
		if !found {
			t.Error("no notice of the device sign-in")
		}
	})
}

// TestDeviceGrantPollingAnswers: every RFC 8628 §3.5 answer, on a clock
// the test moves.
func TestDeviceGrantPollingAnswers(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend envOption) {
		c := &clock{now: time.Now()}
		e := newEnv(t, backend, withClock(c), withDeviceInterval(5))
		rp := e.deviceRP()
		da, err := rp.DeviceAuth(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if code, _ := e.devicePoll(tvClient, da.DeviceCode); code != "authorization_pending" {
			t.Fatalf("first poll: %q", code)
		}
		c.Advance(time.Second)
		if code, _ := e.devicePoll(tvClient, da.DeviceCode); code != "slow_down" {
			t.Fatalf("poll after 1 s: %q, want slow_down", code)
		}
		// The interval is now 10 s: 6 s later is still too fast.
		c.Advance(6 * time.Second)
		if code, _ := e.devicePoll(tvClient, da.DeviceCode); code != "slow_down" {
			t.Fatalf("poll 6 s after a slow_down: %q, want slow_down", code)
		}
		c.Advance(16 * time.Second)
		if code, _ := e.devicePoll(tvClient, da.DeviceCode); code != "authorization_pending" {
			t.Fatalf("poll after 16 s: %q, want authorization_pending", code)
		}
		// A device code of another client, and an unknown one.
		e.registerClient(provider.ClientSpec{ID: "tv-other", Name: "Other TV", Public: true,
			GrantTypes: []string{provider.GrantTypeDeviceCode}, Scopes: []string{"openid"}})
		if code, _ := e.devicePoll("tv-other", da.DeviceCode); code != "invalid_grant" {
			t.Errorf("another client's device code: %q", code)
		}
		if code, _ := e.devicePoll(tvClient, "guessed-"+da.DeviceCode[8:]); code != "invalid_grant" {
			t.Errorf("unknown device code: %q", code)
		}

		// Denied on the warning page: access_denied, and the code is spent.
		b := newBrowser(t)
		e.citizenApproves(b, da.VerificationURIComplete, "deny", "")
		if !strings.Contains(b.body, `data-result="denied"`) {
			t.Fatalf("expected the denied page\n%s", b.body)
		}
		c.Advance(20 * time.Second)
		if code, _ := e.devicePoll(tvClient, da.DeviceCode); code != "access_denied" {
			t.Errorf("after deny: %q, want access_denied", code)
		}
		b.get(e.issuer + "/device")
		b.submit(e.issuer, "/device", url.Values{"user_code": {da.UserCode}})
		if !strings.Contains(b.body, "đã được dùng") {
			t.Errorf("a decided code was accepted again\n%s", b.body)
		}

		// Denied on the consent page: access_denied too.
		da2, err := rp.DeviceAuth(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		e.citizenApproves(b, da2.VerificationURIComplete, "allow", "deny")
		if !strings.Contains(b.body, `data-result="denied"`) {
			t.Fatalf("expected the denied page\n%s", b.body)
		}
		if code, _ := e.devicePoll(tvClient, da2.DeviceCode); code != "access_denied" {
			t.Errorf("after consent deny: %q, want access_denied", code)
		}

		// Expired: 10 minutes later, expired_token; the page refuses it.
		da3, err := rp.DeviceAuth(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		c.Advance(10*time.Minute + time.Second)
		if code, _ := e.devicePoll(tvClient, da3.DeviceCode); code != "expired_token" {
			t.Errorf("after 10 minutes: %q, want expired_token", code)
		}
		b.get(e.issuer + "/device")
		b.submit(e.issuer, "/device", url.Values{"user_code": {da3.UserCode}})
		if !strings.Contains(b.body, "hết hạn") || strings.Contains(b.body, "MỘT THIẾT BỊ KHÁC") {
			t.Errorf("an expired code was accepted\n%s", b.body)
		}
	})
}

// TestDeviceGrantRefusals: only clients registered for the grant, only
// their scopes, level-2 documents only with the client option.
func TestDeviceGrantRefusals(t *testing.T) {
	e := newEnv(t)
	rp := e.deviceRP()
	post := func(form url.Values) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, rp.Endpoint.DeviceAuthURL, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if form.Get("client_id") == e.clientID {
			form.Del("client_id")
			req, _ = http.NewRequest(http.MethodPost, rp.Endpoint.DeviceAuthURL, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(e.clientID, e.secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			Error string `json:"error"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body.Error
	}
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"client without the grant", url.Values{"client_id": {e.clientID}, "scope": {"openid"}}, "unauthorized_client"},
		{"unknown client", url.Values{"client_id": {"nobody"}, "scope": {"openid"}}, "invalid_client"},
		{"scope not registered", url.Values{"client_id": {tvClient}, "scope": {"openid email"}}, "invalid_scope"},
		{"no scope", url.Values{"client_id": {tvClient}}, "invalid_scope"},
		{"level-2 documents", url.Values{"client_id": {tvClient}, "scope": {"openid vn_driving_licence"}}, "invalid_scope"},
		{"repeated parameter", url.Values{"client_id": {tvClient}, "scope": {"openid", "profile"}}, "invalid_request"},
	} {
		if status, got := post(tc.form); got != tc.want || status < 400 {
			t.Errorf("%s: %d %q, want %q", tc.name, status, got, tc.want)
		}
	}
	// The exam portal (authorization_code only) cannot redeem device codes.
	da, err := rp.DeviceAuth(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"grant_type": {provider.GrantTypeDeviceCode}, "device_code": {da.DeviceCode}}
	req, _ := http.NewRequest(http.MethodPost, rp.Endpoint.TokenURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(e.clientID, e.secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Error string `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if body.Error != "unauthorized_client" {
		t.Errorf("exam portal redeeming a device code: %q", body.Error)
	}

	// An authorization request cannot pose as a device request: the
	// internal keys are dropped and the code goes to the relying party.
	u, _ := e.authURL()
	q := e.login(newBrowser(t), u+"&vn_device="+url.QueryEscape(da.DeviceCode)+"&vn_device_confirmed=x", testPassword)
	if q.Get("code") == "" {
		t.Errorf("an authorization request with vn_device did not end at the relying party: %v", q)
	}

	// With the client option, level-2 documents may be asked for.
	e.registerClient(provider.ClientSpec{ID: "counter-l2", Name: "Quầy công chứng", Public: true, DeviceLevel2: true,
		GrantTypes: []string{provider.GrantTypeDeviceCode}, Scopes: []string{"openid", "vn_driving_licence"}})
	if status, got := post(url.Values{"client_id": {"counter-l2"}, "scope": {"openid vn_driving_licence"}}); status != http.StatusOK {
		t.Errorf("level-2 client: %d %q", status, got)
	}
}

// TestDeviceUserCodeBruteForce: wrong codes from one address slow down,
// then lock; a malformed one is a typo and does not count.
func TestDeviceUserCodeBruteForce(t *testing.T) {
	c := &clock{now: time.Now()}
	e := newEnv(t, withClock(c))
	rp := e.deviceRP()
	da, err := rp.DeviceAuth(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	b.get(e.issuer + "/device")
	page := b.body
	try := func(code string) int {
		b.body = page
		b.submit(e.issuer, "/device", url.Values{"user_code": {code}})
		return b.last.StatusCode
	}
	if got := try("12345678"); got != http.StatusBadRequest || !strings.Contains(b.body, "8 chữ cái") {
		t.Fatalf("malformed code: %d", got)
	}
	wrong := "BBBB-BBBB"
	if identity.FormatUserCode(strings.ReplaceAll(da.UserCode, "-", "")) == wrong {
		wrong = "CCCC-CCCC"
	}
	locked := false
	for i := 0; i < identity.DefaultThrottlePolicy.LockAfter+1; i++ {
		c.Advance(31 * time.Second) // past every growing delay
		if try(wrong) == http.StatusTooManyRequests {
			locked = true
			break
		}
	}
	if !locked {
		t.Fatal("wrong user codes never locked")
	}
	// Locked: even the right code is refused from this address for now.
	if got := try(da.UserCode); got != http.StatusTooManyRequests {
		t.Errorf("right code while locked: %d", got)
	}
}
