package portal

import (
	"encoding/json"
	"maps"
	"net/url"
	"reflect"
	"slices"
	"testing"
)

// loginURL does GET /login and returns the authorization request's query.
func loginURL(t *testing.T, cfg Config) url.Values {
	t.Helper()
	res := do(t, newTestPortal(t, cfg), "GET", "/login", nil, nil)
	if res.StatusCode != 302 {
		t.Fatalf("GET /login: status %d, body %s", res.StatusCode, res.body)
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc.Query()
}

// The exam-portal table of DOMAIN.md, as the claims request must carry it.
var domainTable = map[string]string{
	"name":                   `{"essential":true}`,
	"gender":                 `{"essential":true}`,
	"birthdate":              `{"essential":true}`,
	"place_of_birth":         `{"essential":true}`,
	"nationalities":          `{"essential":true}`,
	"vn_pin":                 `{"essential":true}`,
	"vn_permanent_residence": `{"essential":true}`,
	"phone_number":           `{"essential":true}`,
	"email":                  `{"essential":true}`,
	"vn_current_residence":   `{"essential":true}`,
	"vn_ethnicity":           `null`, // sensitive: voluntary
}

func TestLoginSendsExactlyTheFormClaims(t *testing.T) {
	d := newDiscoveryServer(t, false)
	q := loginURL(t, testConfig(d.URL))
	if got := q["scope"]; !slices.Equal(got, []string{"openid"}) {
		t.Errorf("scope %q, want openid alone", got)
	}
	if n := len(q["claims"]); n != 1 {
		t.Fatalf("%d claims parameters, want 1", n)
	}
	var req map[string]map[string]json.RawMessage
	if err := json.Unmarshal([]byte(q.Get("claims")), &req); err != nil {
		t.Fatalf("claims parameter %q: %v", q.Get("claims"), err)
	}
	if keys := slices.Sorted(maps.Keys(req)); !slices.Equal(keys, []string{"userinfo"}) {
		t.Errorf("claims request has %v, want userinfo alone", keys)
	}
	ui := req["userinfo"]
	for name, want := range domainTable {
		raw, ok := ui[name]
		if !ok {
			t.Errorf("userinfo lacks %s", name)
			continue
		}
		var got, exp any
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatal(err)
		}
		json.Unmarshal([]byte(want), &exp)
		if !reflect.DeepEqual(got, exp) {
			t.Errorf("%s requested as %s, want %s", name, raw, want)
		}
	}
	for name := range ui {
		if _, ok := domainTable[name]; !ok {
			t.Errorf("userinfo asks for %s, which the form does not use", name)
		}
	}
	// PKCE, state and nonce are still there.
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if q.Get(k) == "" {
			t.Errorf("no %s", k)
		}
	}
}

// Every claim the request asks for fills some input, and every claim an
// input reads is asked for.
func TestFormClaimsFollowTheTable(t *testing.T) {
	used := map[string]bool{}
	for _, in := range formInputs() {
		if in.Claim != "" {
			used[in.Claim] = true
			c, ok := FormClaims().UserInfo[in.Claim]
			if !ok {
				t.Errorf("input %s reads %s, which is not requested", in.ID, in.Claim)
			} else if (c == nil) != in.Voluntary {
				t.Errorf("input %s: %s requested as %+v, voluntary %v", in.ID, in.Claim, c, in.Voluntary)
			}
		}
	}
	for name := range FormClaims().UserInfo {
		if !used[name] {
			t.Errorf("%s is requested but fills nothing", name)
		}
	}
}

func TestConfigOverridesClaimsAndScopes(t *testing.T) {
	d := newDiscoveryServer(t, false)

	cfg := testConfig(d.URL)
	cfg.Scopes = []string{"openid", "profile"}
	cfg.Claims = &ClaimsRequest{
		IDToken:  map[string]*ClaimRequest{"acr": {Essential: true, Values: []any{"urn:vn:eid:loa:2"}}},
		UserInfo: map[string]*ClaimRequest{"vn_age_over_18": nil},
	}
	q := loginURL(t, cfg)
	if q.Get("scope") != "openid profile" {
		t.Errorf("scope %q", q.Get("scope"))
	}
	want := `{"userinfo":{"vn_age_over_18":null},"id_token":{"acr":{"essential":true,"values":["urn:vn:eid:loa:2"]}}}`
	if got := q.Get("claims"); got != want {
		t.Errorf("claims %s, want %s", got, want)
	}

	cfg = testConfig(d.URL)
	cfg.Scopes = []string{"openid", "profile", "phone"}
	cfg.Claims = &ClaimsRequest{}
	if q := loginURL(t, cfg); q.Has("claims") || q.Get("scope") != "openid profile phone" {
		t.Errorf("an empty claims request: claims %q, scope %q; want no claims parameter", q.Get("claims"), q.Get("scope"))
	}

	cfg = testConfig(d.URL)
	cfg.Claims = &ClaimsRequest{UserInfo: map[string]*ClaimRequest{"name": {Value: func() {}}}}
	if _, err := New(t.Context(), cfg); err == nil {
		t.Error("a claims request that is not JSON was accepted")
	}
}
