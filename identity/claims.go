package identity

import (
	"strings"
	"time"
)

// The claims catalog (DOMAIN.md): one declarative table from which the
// consent page, discovery, userinfo, the ID token and docs/claims.md are
// all generated.

// Class is the Decree 13/2023 class of personal data.
type Class int

const (
	Basic Class = iota
	// Sensitive data (Decree 13/2023 art. 2(4)) is consented on its own
	// line with a warning.
	Sensitive
)

func (c Class) String() string {
	if c == Sensitive {
		return "sensitive"
	}
	return "basic"
}

// Claim describes one releasable claim.
type Claim struct {
	Name    string
	LabelVI string
	LabelEN string
	Format  string // for the documentation
	Class   Class
	// Scope releases the claim; empty for claims asked for only through
	// the claims parameter (derived ones, verified_claims). AnyVNScope
	// claims come with every vn_* scope.
	Scope      string
	AnyVNScope bool
	// MinLevel is the account level (identity proofing) and the
	// authentication level both needed for release (Decree 69/2024:
	// integrated documents need level 2).
	MinLevel Level
	// Derived claims answer a question without revealing the data. Basis
	// is the scope of the data they are derived from: a client must be
	// registered for it to ask.
	Derived bool
	Basis   string
	// Verifiable claims may be released inside verified_claims (OIDC4IDA).
	Verifiable bool
	// With names the claim this one qualifies (email_verified of email):
	// it is not consented on its own and is released only along with it.
	With string
	// Value returns the claim's value, or ok=false when the record does
	// not hold it (the claim is then omitted, OIDC Core §5.3.2). now is the
	// moment of release, for derived claims.
	Value func(c Citizen, a Account, now time.Time) (v any, ok bool)
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
	{"address", "Nơi thường trú (địa chỉ)", "Permanent address"},
	{"vn_id", "Số định danh cá nhân, CMND cũ, thẻ căn cước", "Personal identification number, old ID number, ID card"},
	{"vn_civil", "Nơi sinh, quê quán, tình trạng hôn nhân", "Place of birth, hometown, marital status"},
	{"vn_ethnicity", "Dân tộc", "Ethnicity"},
	{"vn_religion", "Tôn giáo", "Religion"},
	{"vn_residence", "Nơi thường trú và nơi ở hiện tại (kèm mã hành chính)", "Permanent and current residence (with administrative codes)"},
	{"vn_driving_licence", "Giấy phép lái xe", "Driving licence"},
	{"vn_vehicles", "Đăng ký xe", "Vehicle registrations"},
	{"vn_health_insurance", "Thẻ bảo hiểm y tế", "Health-insurance card"},
	{"vn_social_insurance", "Số bảo hiểm xã hội", "Social-insurance number"},
	{"offline_access", "Duy trì truy cập khi bạn không trực tuyến", "Keep access while you are offline"},
}

func nonEmpty(s string) (any, bool) { return s, s != "" }

func present[T any](p *T) (any, bool) { return p, p != nil }

// vietnam is where "the day of release" is reckoned for age claims.
var vietnam = time.FixedZone("ICT", 7*60*60)

// ageOver answers "is the citizen at least n years old today?".
func ageOver(n int) func(Citizen, Account, time.Time) (any, bool) {
	return func(c Citizen, _ Account, now time.Time) (any, bool) {
		birth, err := time.Parse(time.DateOnly, c.Birthdate)
		if err != nil {
			return nil, false
		}
		today := now.In(vietnam)
		// Born on 29 February: the birthday is 1 March in other years
		// (AddDate normalises), as Vietnamese civil law counts it.
		nth := birth.AddDate(n, 0, 0)
		return !time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC).Before(nth), true
	}
}

// PermanentResidence is the vn_permanent_residence value of a record.
func (c Citizen) PermanentResidence() (Address, bool) {
	a := Address{Formatted: c.PermanentAddress, ProvinceCode: c.ProvinceCode,
		DistrictCode: c.Details.DistrictCode, CommuneCode: c.Details.CommuneCode, Since: c.Details.ResidenceSince}
	return a, a != Address{}
}

// NationalitiesOrVN returns the nationalities, VN when none is recorded
// (a record in the national population database is a citizen's).
func (c Citizen) NationalitiesOrVN() []string {
	if len(c.Details.Nationalities) == 0 {
		return []string{"VN"}
	}
	return c.Details.Nationalities
}

// Claims is the catalog. Standard OIDC claims keep their names and formats
// (OIDC Core §5.1); the ID number is released only as vn_pin under vn_id.
var Claims = []Claim{
	// vn_id
	{Name: "vn_pin", Scope: "vn_id", Verifiable: true, Format: "12 digits",
		LabelVI: "Số định danh cá nhân", LabelEN: "Personal identification number",
		Value: func(c Citizen, _ Account, _ time.Time) (any, bool) { return nonEmpty(c.PIN) }},
	{Name: "vn_old_id_number", Scope: "vn_id", Format: "9 digits",
		LabelVI: "Số CMND cũ", LabelEN: "Old ID-card number",
		Value: func(c Citizen, _ Account, _ time.Time) (any, bool) { return nonEmpty(c.Details.OldIDNumber) }},
	{Name: "vn_id_card", Scope: "vn_id", Format: "{number, issued, expires, authority}",
		LabelVI: "Thẻ căn cước", LabelEN: "Identity card",
		Value: func(c Citizen, _ Account, _ time.Time) (any, bool) { return present(c.Details.IDCard) }},
	// profile
	{Name: "name", Scope: "profile", Verifiable: true, Format: "NFC Unicode, family middle given",
		LabelVI: "Họ, chữ đệm và tên", LabelEN: "Full name",
		Value: func(c Citizen, _ Account, _ time.Time) (any, bool) { return nonEmpty(c.FullName) }},
	{Name: "family_name", Scope: "profile", Verifiable: true, Format: "NFC Unicode",
		LabelVI: "Họ", LabelEN: "Family name",
		Value: func(c Citizen, _ Account, _ time.Time) (any, bool) {
			f, _, _ := SplitName(c.FullName)
			return nonEmpty(f)
		}},
	{Name: "middle_name", Scope: "profile", Verifiable: true, Format: "NFC Unicode",
		LabelVI: "Chữ đệm", LabelEN: "Middle name",
		Value: func(c Citizen, _ Account, _ time.Time) (any, bool) {
			_, m, _ := SplitName(c.FullName)
			return nonEmpty(m)
		}},
	{Name: "given_name", Scope: "profile", Verifiable: true, Format: "NFC Unicode",
		LabelVI: "Tên", LabelEN: "Given name",
		Value: func(c Citizen, _ Account, _ time.Time) (any, bool) {
			_, _, g := SplitName(c.FullName)
			return nonEmpty(g)
		}},
	{Name: "birthdate", Scope: "profile", Verifiable: true, Format: "YYYY-MM-DD",
		LabelVI: "Ngày sinh", LabelEN: "Date of birth",
		Value: func(c Citizen, _ Account, _ time.Time) (any, bool) { return nonEmpty(c.Birthdate) }},
	{Name: "gender", Scope: "profile", Verifiable: true, Format: "male / female",
		LabelVI: "Giới tính", LabelEN: "Sex",
		Value: func(c Citizen, _ Account, _ time.Time) (any, bool) { return nonEmpty(string(c.Gender)) }},
	{Name: "nationalities", Scope: "profile", Verifiable: true, Format: `["VN"] (ISO 3166-1 alpha-2)`,
		LabelVI: "Quốc tịch", LabelEN: "Nationality",
		Value: func(c Citizen, _ Account, _ time.Time) (any, bool) { return c.NationalitiesOrVN(), true }},
	// vn_civil
	{Name: "place_of_birth", Scope: "vn_civil", Verifiable: true, Format: "{country, region, locality}",
		LabelVI: "Nơi sinh", LabelEN: "Place of birth",
		Value: func(c Citizen, _ Account, _ time.Time) (any, bool) { return present(c.Details.PlaceOfBirth) }},
	{Name: "vn_hometown", Scope: "vn_civil", Format: "address",
		LabelVI: "Quê quán", LabelEN: "Hometown",
		Value: func(c Citizen, _ Account, _ time.Time) (any, bool) { return present(c.Details.Hometown) }},
	{Name: "vn_marital_status", Scope: "vn_civil", Format: strings.Join(MaritalStatuses, " / "),
		LabelVI: "Tình trạng hôn nhân", LabelEN: "Marital status",
		Value: func(c Citizen, _ Account, _ time.Time) (any, bool) { return nonEmpty(c.Details.MaritalStatus) }},
	// Sensitive (Decree 13/2023 art. 2(4)(a)): each in its own scope.
	{Name: "vn_ethnicity", Scope: "vn_ethnicity", Class: Sensitive, Format: "{code, label}",
		LabelVI: "Dân tộc", LabelEN: "Ethnicity",
		Value: func(c Citizen, _ Account, _ time.Time) (any, bool) { return present(c.Details.Ethnicity) }},
	{Name: "vn_religion", Scope: "vn_religion", Class: Sensitive, Format: "{code, label}",
		LabelVI: "Tôn giáo", LabelEN: "Religion",
		Value: func(c Citizen, _ Account, _ time.Time) (any, bool) { return present(c.Details.Religion) }},
	// address / vn_residence
	{Name: "address", Scope: "address", Verifiable: true, Format: "OIDC address {formatted, region, country}",
		LabelVI: "Nơi thường trú", LabelEN: "Permanent address",
		Value: func(c Citizen, _ Account, _ time.Time) (any, bool) {
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
	{Name: "vn_permanent_residence", Scope: "vn_residence", Format: "{formatted, province_code, district_code, commune_code, since}",
		LabelVI: "Nơi thường trú (kèm mã hành chính)", LabelEN: "Permanent residence (with codes)",
		Value: func(c Citizen, _ Account, _ time.Time) (any, bool) { return c.PermanentResidence() }},
	{Name: "vn_current_residence", Scope: "vn_residence", Format: "address",
		LabelVI: "Nơi ở hiện tại", LabelEN: "Current residence",
		Value: func(c Citizen, _ Account, _ time.Time) (any, bool) { return present(c.Details.CurrentResidence) }},
	// phone / email
	{Name: "phone_number", Scope: "phone", Format: "E.164 +84…",
		LabelVI: "Số điện thoại", LabelEN: "Phone number",
		Value: func(c Citizen, _ Account, _ time.Time) (any, bool) { return nonEmpty(c.Phone) }},
	// Not yet tracked per number (a registrar may record a new one after
	// the last SMS got through), so never claimed (OIDC Core §5.1).
	{Name: "phone_number_verified", Scope: "phone", With: "phone_number", Format: "boolean",
		LabelVI: "Số điện thoại đã xác minh", LabelEN: "Phone number verified",
		Value: func(c Citizen, _ Account, _ time.Time) (any, bool) { return false, c.Phone != "" }},
	{Name: "email", Scope: "email", Format: "RFC 5322 address",
		LabelVI: "Email", LabelEN: "Email",
		Value: func(c Citizen, _ Account, _ time.Time) (any, bool) { return nonEmpty(c.Email) }},
	// Registrars copy e-mail addresses from paper forms: never verified.
	{Name: "email_verified", Scope: "email", With: "email", Format: "boolean",
		LabelVI: "Email đã xác minh", LabelEN: "Email verified",
		Value: func(c Citizen, _ Account, _ time.Time) (any, bool) { return false, c.Email != "" }},
	// Integrated documents: level 2 only (Decree 69/2024).
	{Name: "vn_driving_licence", Scope: "vn_driving_licence", MinLevel: Level2, Format: "{number, classes[{class, issued, expires}], issuer}",
		LabelVI: "Giấy phép lái xe", LabelEN: "Driving licence",
		Value: func(c Citizen, _ Account, _ time.Time) (any, bool) { return present(c.Details.DrivingLicence) }},
	{Name: "vn_vehicles", Scope: "vn_vehicles", MinLevel: Level2, Format: "[{plate, type, brand, chassis_no, reg_date}]",
		LabelVI: "Đăng ký xe", LabelEN: "Vehicle registrations",
		Value: func(c Citizen, _ Account, _ time.Time) (any, bool) {
			return c.Details.Vehicles, len(c.Details.Vehicles) > 0
		}},
	{Name: "vn_health_insurance", Scope: "vn_health_insurance", MinLevel: Level2, Class: Sensitive,
		Format:  "{card_no, benefit_level, province, initial_facility, valid_from, valid_to}",
		LabelVI: "Thẻ bảo hiểm y tế", LabelEN: "Health-insurance card",
		Value: func(c Citizen, _ Account, _ time.Time) (any, bool) { return present(c.Details.HealthInsurance) }},
	{Name: "vn_social_insurance_no", Scope: "vn_social_insurance", Format: "10 digits",
		LabelVI: "Số bảo hiểm xã hội", LabelEN: "Social-insurance number",
		Value: func(c Citizen, _ Account, _ time.Time) (any, bool) { return nonEmpty(c.Details.SocialInsuranceNo) }},
	{Name: "vn_account_level", AnyVNScope: true, Format: "1 or 2",
		LabelVI: "Mức tài khoản định danh", LabelEN: "e-ID account level",
		Value: func(_ Citizen, a Account, _ time.Time) (any, bool) { return int(a.Level), a.Level > 0 }},
	// Derived: only through the claims parameter.
	{Name: "vn_age_over_14", Derived: true, Basis: "profile", Format: "boolean, on the day of release",
		LabelVI: "Đủ 14 tuổi trở lên (có/không)", LabelEN: "Aged 14 or over (yes/no)", Value: ageOver(14)},
	{Name: "vn_age_over_16", Derived: true, Basis: "profile", Format: "boolean, on the day of release",
		LabelVI: "Đủ 16 tuổi trở lên (có/không)", LabelEN: "Aged 16 or over (yes/no)", Value: ageOver(16)},
	{Name: "vn_age_over_18", Derived: true, Basis: "profile", Format: "boolean, on the day of release",
		LabelVI: "Đủ 18 tuổi trở lên (có/không)", LabelEN: "Aged 18 or over (yes/no)", Value: ageOver(18)},
	{Name: "vn_residence_province", Derived: true, Basis: "vn_residence", Format: "province code of the permanent residence",
		LabelVI: "Tỉnh/thành phố thường trú (chỉ mã)", LabelEN: "Province of permanent residence (code only)",
		Value: func(c Citizen, _ Account, _ time.Time) (any, bool) { return nonEmpty(c.ProvinceCode) }},
}

// VerifiedClaims is the claim name of OIDC4IDA §5; its consent line
// covers the verification element (trust framework, account level,
// evidence); the claims inside are consented one by one.
const VerifiedClaims = "verified_claims"

// VerifiedClaimsEntry is the consent line for the verification element.
var VerifiedClaimsEntry = Claim{Name: VerifiedClaims, Format: "OIDC4IDA verified_claims",
	LabelVI: "Thông tin xác minh danh tính (mức tài khoản, cách xác minh)",
	LabelEN: "Identity verification details (account level, how it was verified)"}

// LookupClaim returns the catalog entry for name (verified_claims included).
func LookupClaim(name string) (Claim, bool) {
	if name == VerifiedClaims {
		return VerifiedClaimsEntry, true
	}
	for _, c := range Claims {
		if c.Name == name {
			return c, true
		}
	}
	return Claim{}, false
}

// RegisteredFor reports whether a client registered for scopes may ask
// for the claim, by scope or through the claims parameter.
func (c Claim) RegisteredFor(scopes []string) bool {
	for _, s := range scopes {
		if c.ReleasedUnder(s) || c.Basis != "" && c.Basis == s {
			return true
		}
	}
	return c.Name == VerifiedClaims // its claims are checked one by one
}

// ReleasedUnder reports whether the scope releases the claim.
func (c Claim) ReleasedUnder(scope string) bool {
	if c.AnyVNScope {
		return strings.HasPrefix(scope, "vn_")
	}
	return c.Scope != "" && c.Scope == scope
}

// ClaimsForScopes returns the catalog entries released under the scopes,
// in catalog order.
func ClaimsForScopes(scopes []string) []Claim {
	var out []Claim
	for _, c := range Claims {
		for _, s := range scopes {
			if c.ReleasedUnder(s) {
				out = append(out, c)
				break
			}
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
	out := make([]string, 0, len(Claims)+1)
	for _, c := range Claims {
		out = append(out, c.Name)
	}
	return append(out, VerifiedClaims)
}

// VerifiableClaimNames lists the claims that may appear inside
// verified_claims (claims_in_verified_claims_supported).
func VerifiableClaimNames() []string {
	var out []string
	for _, c := range Claims {
		if c.Verifiable {
			out = append(out, c.Name)
		}
	}
	return out
}

// Available reports whether the claim may be released for an account
// authenticated at authLevel; when not, the reason is the level missing.
func (c Claim) Available(a Account, authLevel int) bool {
	return c.MinLevel == 0 || a.Level >= c.MinLevel && authLevel >= int(c.MinLevel)
}
