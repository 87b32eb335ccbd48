package portal

import (
	"strings"
	"time"
)

// Field is one item of the registration form.
type Field struct {
	Value string
	// FromEID marks a value taken from the e-ID: the page shows it
	// read-only with a badge, and a submission cannot change it.
	FromEID bool
}

// Form holds the items of the exam-registration form (Circular 24/2024)
// that the e-ID can fill. The school's own items (school, class, priority
// category, subjects) are never prefilled: they come from school records.
type Form struct {
	FullName     Field // upper case, with diacritics
	Sex          Field // "Nam" or "Nữ"
	DateOfBirth  Field // DD/MM/YYYY
	PlaceOfBirth Field // province, or country when born abroad
	Ethnicity    Field
	Nationality  Field
	IDNumber     Field

	PermanentAddress Field
	ProvinceCode     Field
	DistrictCode     Field
	CommuneCode      Field
	ResidenceSince   Field // DD/MM/YYYY; the priority-area rule needs 18 months

	Phone          Field
	Email          Field
	ContactAddress Field
}

// FormFromClaims maps the claims released by the provider (ID token and
// userinfo, decoded from JSON) onto the form. It is pure: a claim that is
// missing or malformed leaves its item empty for the candidate to fill.
func FormFromClaims(claims map[string]any) Form {
	var f Form
	f.FullName = eid(fullName(claims))
	switch str(claims, "gender") {
	case "male":
		f.Sex = eid("Nam")
	case "female":
		f.Sex = eid("Nữ")
	}
	f.DateOfBirth = eid(dayMonthYear(str(claims, "birthdate")))
	f.PlaceOfBirth = eid(placeOfBirth(obj(claims, "place_of_birth")))
	f.Ethnicity = eid(codeLabel(claims["vn_ethnicity"]))
	f.Nationality = eid(nationalities(claims["nationalities"]))
	f.IDNumber = eid(str(claims, "vn_pin"))

	// vn_permanent_residence carries the codes the priority-area rule
	// needs; the standard address claim is the fallback for each part.
	res := []map[string]any{obj(claims, "vn_permanent_residence"), obj(claims, "address")}
	f.PermanentAddress = eid(oneLine(first(res, "formatted")))
	f.ProvinceCode = eid(provinceCode(res))
	f.DistrictCode = eid(first(res, "district_code"))
	f.CommuneCode = eid(first(res, "commune_code"))
	f.ResidenceSince = eid(dayMonthYear(first(res, "since")))

	f.Phone = eid(localPhone(str(claims, "phone_number")))
	f.Email = eid(str(claims, "email"))
	f.ContactAddress = eid(oneLine(addressText(claims["vn_current_residence"])))
	return f
}

func eid(v string) Field { return Field{Value: v, FromEID: v != ""} }

// str returns a string claim, trimmed; any other type counts as missing.
func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return strings.TrimSpace(s)
}

func obj(m map[string]any, key string) map[string]any {
	o, _ := m[key].(map[string]any)
	return o
}

func first(objs []map[string]any, key string) string {
	for _, o := range objs {
		if v := str(o, key); v != "" {
			return v
		}
	}
	return ""
}

// fullName prefers name, which the catalog makes authoritative, and falls
// back to the parts in Vietnamese order (family, middle, given).
func fullName(c map[string]any) string {
	n := str(c, "name")
	if n == "" {
		n = str(c, "family_name") + " " + str(c, "middle_name") + " " + str(c, "given_name")
	}
	// strings.ToUpper uses Unicode case mapping, so ễ becomes Ễ.
	return strings.ToUpper(strings.Join(strings.Fields(n), " "))
}

// dayMonthYear turns a full ISO date into the form's DD/MM/YYYY. Partial
// dates (OIDC Core §5.1 allows "YYYY" or "0000-MM-DD") are left empty.
func dayMonthYear(iso string) string {
	t, err := time.Parse("2006-01-02", iso)
	if err != nil || t.Year() == 0 {
		return ""
	}
	return t.Format("02/01/2006")
}

func placeOfBirth(p map[string]any) string {
	country := strings.ToUpper(str(p, "country"))
	if country != "" && country != "VN" && country != "VNM" {
		return countryName(country)
	}
	if r := str(p, "region"); r != "" {
		if name, ok := provinces[r]; ok {
			return name
		}
		return r
	}
	return str(p, "locality")
}

// codeLabel reads a {code, label} claim, or a plain string.
func codeLabel(v any) string {
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v)
	case map[string]any:
		if l := str(v, "label"); l != "" {
			return l
		}
		return str(v, "code")
	}
	return ""
}

func nationalities(v any) string {
	list, _ := v.([]any)
	var names []string
	for _, n := range list {
		if s, ok := n.(string); ok && strings.TrimSpace(s) != "" {
			names = append(names, countryName(strings.ToUpper(strings.TrimSpace(s))))
		}
	}
	return strings.Join(names, ", ")
}

func countryName(code string) string {
	if code == "VN" || code == "VNM" {
		return "Việt Nam"
	}
	return code
}

// provinceCode takes province_code, else the address claim's region when
// it is a three-digit code (the provider puts the province code there).
func provinceCode(res []map[string]any) string {
	if c := first(res, "province_code"); c != "" {
		return c
	}
	r := first(res, "region")
	if len(r) == 3 && strings.Trim(r, "0123456789") == "" {
		return r
	}
	return ""
}

// addressText reads an address claim, or a plain string.
func addressText(v any) string {
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v)
	case map[string]any:
		return str(v, "formatted")
	}
	return ""
}

// oneLine joins the lines of a formatted address (OIDC Core §5.1.1 allows
// "\r\n" or "\n") for a single-line input.
func oneLine(s string) string {
	lines := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, ", ")
}

// localPhone shows an E.164 Vietnamese number the way candidates write it
// (+84912345678 -> 0912345678); other numbers are kept as given.
func localPhone(e164 string) string {
	if rest, ok := strings.CutPrefix(e164, "+84"); ok && rest != "" && strings.Trim(rest, "0123456789") == "" {
		return "0" + rest
	}
	return e164
}
