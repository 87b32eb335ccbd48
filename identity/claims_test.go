package identity

import (
	"testing"
	"time"
)

// vn_age_over_N is computed on the day of release, in Vietnam's time zone.
func TestAgeOverOnTheDayOfRelease(t *testing.T) {
	c := Citizen{Birthdate: "2008-11-28"}
	over18 := ageOver(18)
	for _, tc := range []struct {
		at   string
		want bool
	}{
		{"2026-11-27T16:59:59Z", false}, // 23:59:59 on 27 Nov in Hà Nội
		{"2026-11-27T17:00:00Z", true},  // midnight of the 18th birthday there
		{"2026-11-28T12:00:00Z", true},
		{"2025-11-28T12:00:00Z", false},
	} {
		at, _ := time.Parse(time.RFC3339, tc.at)
		if got, ok := over18(c, Account{}, at); !ok || got != tc.want {
			t.Errorf("at %s: %v, %v; want %v", tc.at, got, ok, tc.want)
		}
	}
	// Born 29 February: of age on 1 March in a common year.
	leap := Citizen{Birthdate: "2008-02-29"}
	for at, want := range map[string]bool{"2026-02-28T12:00:00+07:00": false, "2026-03-01T00:00:00+07:00": true} {
		tm, _ := time.Parse(time.RFC3339, at)
		if got, _ := over18(leap, Account{}, tm); got != want {
			t.Errorf("leap birthday at %s: %v, want %v", at, got, want)
		}
	}
	if _, ok := over18(Citizen{}, Account{}, time.Now()); ok {
		t.Error("no birth date, yet a value")
	}
}

func TestScopesReleaseTheirClaims(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Claims {
		if seen[c.Name] {
			t.Errorf("claim %s listed twice", c.Name)
		}
		seen[c.Name] = true
		if c.Scope != "" && !IsSupportedScope(c.Scope) {
			t.Errorf("claim %s names unknown scope %s", c.Name, c.Scope)
		}
		if c.Scope == "" && !c.AnyVNScope && !c.Derived {
			t.Errorf("claim %s cannot be asked for", c.Name)
		}
		if c.LabelVI == "" || c.LabelEN == "" || c.Value == nil {
			t.Errorf("claim %s lacks a label or a value", c.Name)
		}
	}
	got := ClaimsForScopes([]string{"vn_ethnicity"})
	if len(got) != 2 || got[0].Name != "vn_ethnicity" || got[1].Name != "vn_account_level" {
		t.Errorf("vn_ethnicity releases %v", got)
	}
	if len(ClaimsForScopes([]string{"openid", "offline_access"})) != 0 {
		t.Error("openid or offline_access releases claims")
	}
	for _, name := range []string{"vn_ethnicity", "vn_religion", "vn_health_insurance"} {
		if c, _ := LookupClaim(name); c.Class != Sensitive {
			t.Errorf("%s is not sensitive", name)
		}
	}
	for _, name := range []string{"vn_driving_licence", "vn_vehicles", "vn_health_insurance"} {
		if c, _ := LookupClaim(name); c.MinLevel != Level2 || c.Available(Account{Level: Level1}, 2) || c.Available(Account{Level: Level2}, 1) || !c.Available(Account{Level: Level2}, 2) {
			t.Errorf("%s is not level-2 only", name)
		}
	}
}
