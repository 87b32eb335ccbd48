package identity

// The claims catalog (DOMAIN.md): one declarative table from which the
// consent page, discovery, userinfo and the ID token are all generated.

// Class is the Decree 13/2023 class of personal data.
type Class int

const (
	Basic Class = iota
	Sensitive
)

// Claim describes one releasable claim.
type Claim struct {
	Name    string
	Scope   string
	LabelVI string
	LabelEN string
	Class   Class
	// Value returns the claim's value for a citizen, or ok=false when the
	// record does not hold it (the claim is then omitted, OIDC Core §5.3.2).
	Value func(c Citizen, a Account) (v any, ok bool)
}

// Scope describes a scope the provider understands.
type Scope struct {
	Name    string
	LabelVI string
	LabelEN string
}

// Scopes lists the supported scopes in the order the consent page shows
// them. openid and offline_access carry no claims of their own.
var Scopes = []Scope{
	{"openid", "Định danh bạn với dịch vụ (mã định danh riêng cho dịch vụ này)", "Identify you to the service (an identifier private to this service)"},
	{"profile", "Họ tên, ngày sinh, giới tính, quốc tịch", "Name, date of birth, sex, nationality"},
	{"email", "Địa chỉ email", "Email address"},
	{"phone", "Số điện thoại", "Phone number"},
	{"address", "Nơi thường trú", "Permanent address"},
	{"vn_id", "Số định danh cá nhân và mức tài khoản", "Personal identification number and account level"},
	{"offline_access", "Duy trì truy cập khi bạn không trực tuyến", "Keep access while you are offline"},
}

func nonEmpty(s string) (any, bool) { return s, s != "" }

// Claims is the catalog. Standard OIDC claims keep their names and formats
// (OIDC Core §5.1); the ID number is released only as vn_pin under vn_id.
var Claims = []Claim{
	{Name: "name", Scope: "profile", LabelVI: "Họ, chữ đệm và tên", LabelEN: "Full name",
		Value: func(c Citizen, _ Account) (any, bool) { return nonEmpty(c.FullName) }},
	{Name: "family_name", Scope: "profile", LabelVI: "Họ", LabelEN: "Family name",
		Value: func(c Citizen, _ Account) (any, bool) { f, _, _ := SplitName(c.FullName); return nonEmpty(f) }},
	{Name: "middle_name", Scope: "profile", LabelVI: "Chữ đệm", LabelEN: "Middle name",
		Value: func(c Citizen, _ Account) (any, bool) { _, m, _ := SplitName(c.FullName); return nonEmpty(m) }},
	{Name: "given_name", Scope: "profile", LabelVI: "Tên", LabelEN: "Given name",
		Value: func(c Citizen, _ Account) (any, bool) { _, _, g := SplitName(c.FullName); return nonEmpty(g) }},
	{Name: "birthdate", Scope: "profile", LabelVI: "Ngày sinh", LabelEN: "Date of birth",
		Value: func(c Citizen, _ Account) (any, bool) { return nonEmpty(c.Birthdate) }},
	{Name: "gender", Scope: "profile", LabelVI: "Giới tính", LabelEN: "Sex",
		Value: func(c Citizen, _ Account) (any, bool) { return nonEmpty(string(c.Gender)) }},
	{Name: "nationalities", Scope: "profile", LabelVI: "Quốc tịch", LabelEN: "Nationality",
		Value: func(Citizen, Account) (any, bool) { return []string{"VN"}, true }},
	{Name: "email", Scope: "email", LabelVI: "Email", LabelEN: "Email",
		Value: func(c Citizen, _ Account) (any, bool) { return nonEmpty(c.Email) }},
	// Registrars copy e-mail addresses from paper forms: never verified.
	{Name: "email_verified", Scope: "email", LabelVI: "Email đã xác minh", LabelEN: "Email verified",
		Value: func(c Citizen, _ Account) (any, bool) { return false, c.Email != "" }},
	{Name: "phone_number", Scope: "phone", LabelVI: "Số điện thoại", LabelEN: "Phone number",
		Value: func(c Citizen, _ Account) (any, bool) { return nonEmpty(c.Phone) }},
	// Not yet tracked per number (a registrar may record a new one after
	// the last SMS got through), so never claimed (OIDC Core §5.1).
	{Name: "phone_number_verified", Scope: "phone", LabelVI: "Số điện thoại đã xác minh", LabelEN: "Phone number verified",
		Value: func(c Citizen, _ Account) (any, bool) { return false, c.Phone != "" }},
	{Name: "address", Scope: "address", LabelVI: "Nơi thường trú", LabelEN: "Permanent address",
		Value: func(c Citizen, _ Account) (any, bool) {
			if c.PermanentAddress == "" {
				return nil, false
			}
			// OIDC Core §5.1.1 address claim.
			a := map[string]string{"formatted": c.PermanentAddress, "country": "VN"}
			if c.ProvinceCode != "" {
				a["region"] = c.ProvinceCode
			}
			return a, true
		}},
	{Name: "vn_pin", Scope: "vn_id", LabelVI: "Số định danh cá nhân", LabelEN: "Personal identification number",
		Value: func(c Citizen, _ Account) (any, bool) { return nonEmpty(c.PIN) }},
	{Name: "vn_account_level", Scope: "vn_id", LabelVI: "Mức tài khoản định danh", LabelEN: "e-ID account level",
		Value: func(_ Citizen, a Account) (any, bool) { return int(a.Level), a.Level > 0 }},
}

// ClaimsForScopes returns the catalog entries released under the scopes.
func ClaimsForScopes(scopes []string) []Claim {
	want := make(map[string]bool, len(scopes))
	for _, s := range scopes {
		want[s] = true
	}
	var out []Claim
	for _, c := range Claims {
		if want[c.Scope] {
			out = append(out, c)
		}
	}
	return out
}

// IsSupportedScope reports whether the scope is in the catalog.
func IsSupportedScope(name string) bool {
	for _, s := range Scopes {
		if s.Name == name {
			return true
		}
	}
	return false
}

// ClaimNames lists every claim name, for discovery's claims_supported.
func ClaimNames() []string {
	out := make([]string, 0, len(Claims))
	for _, c := range Claims {
		out = append(out, c.Name)
	}
	return out
}
