package portal

import (
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
)

// The registration form of the national high-school exam (Phiếu đăng ký
// dự thi tốt nghiệp THPT, Circular 24/2024/TT-BGDĐT), as one declarative
// table: sections hold the numbered items of the paper form, items hold
// inputs, and an input names the claim that fills it. The same table
// gives the claims request sent to the provider (claims.go) and the page
// (render.go), so the portal asks for exactly what the form uses.

// Field is the value of one input.
type Field struct {
	Value string
	// FromEID marks a value taken from the e-ID: the page shows it
	// read-only with the "Từ định danh điện tử" marker, and a submission
	// cannot change it. Read-only rather than editable because the form
	// must match the national record (a wrong value is corrected by the
	// police, not on the form) and the server keeps the session's value
	// whatever is posted, so an editable input would mislead. Read-only
	// rather than disabled: the input stays focusable, is read by screen
	// readers, can be selected and copied, and is submitted.
	FromEID bool
	// Note explains the value to the candidate (e.g. the 18-month rule
	// worked out), or why a received claim leaves the input empty.
	Note string
}

// Form holds the fields the e-ID filled or commented on, by input ID.
// Inputs absent from it are the candidate's (or the school's) to fill.
type Form map[string]Field

type inputKind int

const (
	kindText inputKind = iota
	kindEmail
	kindTel
	kindRadio
	kindSelect
	kindCheckboxes
	kindTextarea // an address: seen whole on a phone
)

// fillFunc turns a claim's value, decoded from JSON, into the input's
// field. today is the civil date in Vietnam (UTC midnight). A zero Field
// leaves the input to the candidate.
type fillFunc func(claim any, today time.Time) Field

// input is one input of the form. ID is both its id and its name.
type input struct {
	ID, Label                                     string
	Kind                                          inputKind
	Options                                       []string // radio, select, checkboxes
	Autocomplete, InputMode, Pattern, Placeholder string
	Hint                                          string
	Required                                      bool
	Short                                         bool // a code or a date: narrow on wide screens

	// Claim names the claim that fills the input; empty for the
	// candidate's and the school's own items.
	Claim string
	// Voluntary asks for the claim as voluntary (JSON null) rather than
	// essential (OIDC Core §5.5.1).
	Voluntary bool
	// Withheld is said when the candidate logged in with the e-ID and the
	// claim did not come; empty means the generic notice.
	Withheld string
	fill     fillFunc
}

// item is a numbered item of the paper form.
type item struct {
	No, Title string
	Note      string
	Inputs    []input
}

type section struct {
	Title, Note string
	Items       []item
}

const (
	yes = "Có"
	no  = "Không"
)

// electives are the optional subjects of the exam from 2025: a candidate
// takes Mathematics and Literature and two of these.
var electives = []string{
	"Vật lí", "Hóa học", "Sinh học", "Lịch sử", "Địa lí",
	"Giáo dục kinh tế và pháp luật", "Tin học",
	"Công nghệ – Công nghiệp", "Công nghệ – Nông nghiệp", "Ngoại ngữ",
}

// foreignLanguages are the languages of the Ngoại ngữ paper (N1–N7).
var foreignLanguages = []string{
	"", "N1 – Tiếng Anh", "N2 – Tiếng Nga", "N3 – Tiếng Pháp", "N4 – Tiếng Trung Quốc",
	"N5 – Tiếng Đức", "N6 – Tiếng Nhật", "N7 – Tiếng Hàn",
}

const dateHint = "Ngày/tháng/năm, ví dụ 05/09/2007."

// schoolYear is item 8's line for one school year.
func schoolYear(grade string) []input {
	return []input{
		{ID: "school_" + grade + "_name", Label: "Lớp " + grade + ": tên trường, huyện, tỉnh"},
		{ID: "school_" + grade + "_province", Label: "Lớp " + grade + ": mã tỉnh", InputMode: "numeric", Short: true},
		{ID: "school_" + grade + "_code", Label: "Lớp " + grade + ": mã trường", InputMode: "numeric", Short: true},
	}
}

// formSections is the form, in the order of the paper form.
var formSections = []section{
	{Title: "Thông tin cá nhân", Items: []item{
		{No: "1", Title: "Họ, chữ đệm và tên", Inputs: []input{
			{ID: "full_name", Label: "Họ, chữ đệm và tên (chữ in hoa, có dấu)", Autocomplete: "name", Required: true,
				Claim: "name", fill: fillName},
		}},
		{No: "2", Title: "Ngày sinh và giới tính", Inputs: []input{
			{ID: "date_of_birth", Label: "Ngày, tháng, năm sinh", Placeholder: "dd/mm/yyyy", Pattern: `\d{2}/\d{2}/\d{4}`,
				Hint: dateHint, Required: true, Short: true, Claim: "birthdate", fill: fillDate},
			{ID: "sex", Label: "Giới tính", Kind: kindRadio, Options: []string{"Nam", "Nữ"}, Required: true,
				Claim: "gender", fill: fillSex},
		}},
		{No: "3", Title: "Nơi sinh", Inputs: []input{
			{ID: "place_of_birth", Label: "Nơi sinh (tỉnh, thành phố; nếu sinh ở nước ngoài, tên nước)",
				Claim: "place_of_birth", fill: fillPlaceOfBirth},
		}},
		{No: "4", Title: "Dân tộc", Inputs: []input{
			{ID: "ethnicity", Label: "Dân tộc (ghi bằng chữ)", Claim: "vn_ethnicity", Voluntary: true,
				Withheld: "Bạn đã không chia sẻ thông tin dân tộc (thông tin nhạy cảm) khi đăng nhập. Vui lòng tự ghi.",
				fill:     fillEthnicity},
		}},
		{No: "5", Title: "Quốc tịch nước ngoài", Inputs: []input{
			{ID: "foreign_nationality", Label: "Quốc tịch nước ngoài (nếu có)", Hint: "Để trống nếu bạn chỉ có quốc tịch Việt Nam.",
				Claim: "nationalities", fill: fillForeignNationality},
		}},
		{No: "6", Title: "Số định danh cá nhân", Inputs: []input{
			{ID: "id_number", Label: "Số định danh cá nhân (số căn cước)", InputMode: "numeric", Pattern: `\d{12}`,
				Hint: "12 chữ số.", Required: true, Short: true, Claim: "vn_pin", fill: fillPIN},
		}},
		{No: "7", Title: "Hộ khẩu thường trú",
			Note: "Mã tỉnh, mã huyện, mã xã lấy theo hồ sơ cư trú; nhà trường đối chiếu khi xét ưu tiên.",
			Inputs: []input{
				{ID: "permanent_address", Label: "Địa chỉ thường trú", Kind: kindTextarea, Autocomplete: "street-address",
					Claim: "vn_permanent_residence", fill: residence(fillFormatted)},
				{ID: "province_code", Label: "Mã tỉnh (thành phố)", InputMode: "numeric", Short: true,
					Claim: "vn_permanent_residence", fill: residence(fillCode("province_code"))},
				{ID: "district_code", Label: "Mã huyện (quận)", InputMode: "numeric", Short: true,
					Claim: "vn_permanent_residence", fill: residence(fillCode("district_code"))},
				{ID: "commune_code", Label: "Mã xã (phường)", InputMode: "numeric", Short: true,
					Claim: "vn_permanent_residence", fill: residence(fillCode("commune_code"))},
				{ID: "residence_since", Label: "Thường trú tại địa chỉ này từ ngày", Placeholder: "dd/mm/yyyy",
					Pattern: `\d{2}/\d{2}/\d{4}`, Hint: dateHint, Short: true,
					Claim: "vn_permanent_residence", fill: residence(fillSince)},
				{ID: "residence_over_18_months", Label: "Thường trú tại địa chỉ này trên 18 tháng (tính đến hôm nay)",
					Kind: kindRadio, Options: []string{yes, no},
					Claim: "vn_permanent_residence", fill: residence(fillOver18Months)},
				{ID: "special_commune", Label: "Thường trú trên 18 tháng tại xã đặc biệt khó khăn / khu vực I",
					Kind: kindSelect, Options: []string{"", yes, no},
					Hint: "Nhà trường hoặc nơi tiếp nhận hồ sơ xác định theo danh mục xã, khu vực hiện hành."},
			}},
	}},
	{Title: "Nơi học và liên hệ", Items: []item{
		{No: "8", Title: "Nơi học THPT hoặc tương đương",
			Note:   "Ghi theo hồ sơ của nhà trường; định danh điện tử không có các mục này.",
			Inputs: append(append(schoolYear("10"), schoolYear("11")...), schoolYear("12")...)},
		{No: "9", Title: "Điện thoại, email", Inputs: []input{
			{ID: "phone", Label: "Điện thoại", Kind: kindTel, Autocomplete: "tel", Short: true,
				Claim: "phone_number", fill: fillPhone},
			{ID: "email", Label: "Email", Kind: kindEmail, Autocomplete: "email",
				Claim: "email", fill: fillEmail},
		}},
		{No: "10", Title: "Địa chỉ liên hệ", Inputs: []input{
			{ID: "contact_address", Label: "Địa chỉ liên hệ (nơi nhận giấy báo)", Kind: kindTextarea,
				Claim: "vn_current_residence", fill: residence(fillFormatted)},
		}},
	}},
	{Title: "Đăng ký dự thi và ưu tiên",
		Note: "Các mục dưới đây điền theo hồ sơ và hướng dẫn của nhà trường; định danh điện tử không cung cấp.",
		Items: []item{
			{No: "11", Title: "Đơn vị đăng ký dự thi", Inputs: []input{
				{ID: "registration_unit", Label: "Tên và mã đơn vị đăng ký dự thi"},
			}},
			{No: "12", Title: "Đối tượng ưu tiên", Inputs: []input{
				{ID: "priority_category", Label: "Đối tượng ưu tiên (nếu có)", Hint: "Ghi ký hiệu đối tượng; để trống nếu không có.", Short: true},
			}},
			{No: "13", Title: "Khu vực ưu tiên", Inputs: []input{
				{ID: "priority_area", Label: "Khu vực ưu tiên", Kind: kindSelect, Options: []string{"", "KV1", "KV2-NT", "KV2", "KV3"}},
			}},
			{No: "14", Title: "Đăng ký bài thi/môn thi", Note: "Bắt buộc: Toán, Ngữ văn. Chọn thêm 2 môn.", Inputs: []input{
				{ID: "elective", Label: "Môn tự chọn", Kind: kindCheckboxes, Options: electives},
				{ID: "foreign_language", Label: "Ngoại ngữ (nếu chọn môn Ngoại ngữ)", Kind: kindSelect, Options: foreignLanguages},
			}},
			{No: "15", Title: "Miễn thi ngoại ngữ", Inputs: []input{
				{ID: "language_exemption", Label: "Chứng chỉ hoặc căn cứ miễn thi ngoại ngữ (nếu có)"},
			}},
		}},
}

// FormFromClaims maps the released claims (ID token and userinfo, decoded
// from JSON) onto the form, reckoning durations on now's date in Vietnam.
// It is pure: a claim that is missing or malformed leaves its inputs to
// the candidate.
func FormFromClaims(claims map[string]any, now time.Time) Form {
	today := civilDate(now)
	f := Form{}
	for _, in := range formInputs() {
		v, ok := claims[in.Claim]
		if in.fill == nil || !ok || v == nil {
			continue
		}
		if fd := in.fill(v, today); fd != (Field{}) {
			f[in.ID] = fd
		}
	}
	return f
}

// formInputs lists every input of the form, in order.
func formInputs() []input {
	var out []input
	for _, s := range formSections {
		for _, it := range s.Items {
			out = append(out, it.Inputs...)
		}
	}
	return out
}

func eid(v string) Field { return Field{Value: v, FromEID: v != ""} }

// text returns a string claim, trimmed; any other type counts as missing.
func text(v any) string {
	s, _ := v.(string)
	return strings.TrimSpace(s)
}

func member(v any, key string) string {
	o, _ := v.(map[string]any)
	return text(o[key])
}

// vietnam is the zone in which "today" is reckoned.
var vietnam = time.FixedZone("ICT", 7*60*60)

// civilDate returns the date of t in Vietnam, at UTC midnight.
func civilDate(t time.Time) time.Time {
	t = t.In(vietnam)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// parseDate reads a full ISO date. Partial dates (OIDC Core §5.1 allows
// "YYYY" and "0000-MM-DD") do not parse.
func parseDate(iso string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, iso)
	return t, err == nil && t.Year() != 0
}

func dmy(t time.Time) string { return t.Format("02/01/2006") }

// upperVI is Unicode upper-casing with Vietnamese rules: diacritics stay
// (ễ → Ễ, đ → Đ).
var upperVI = cases.Upper(language.Vietnamese)

// fillName writes the name as the form asks: upper case with diacritics,
// in NFC (a decomposed name would otherwise stay decomposed), single
// spaces. name is authoritative and in family, middle, given order.
func fillName(v any, _ time.Time) Field {
	n := strings.Join(strings.Fields(text(v)), " ")
	return eid(norm.NFC.String(upperVI.String(norm.NFC.String(n))))
}

func fillDate(v any, _ time.Time) Field {
	t, ok := parseDate(text(v))
	if !ok {
		return Field{}
	}
	return eid(dmy(t))
}

func fillSex(v any, _ time.Time) Field {
	switch text(v) {
	case "male":
		return eid("Nam")
	case "female":
		return eid("Nữ")
	}
	return Field{}
}

// fillPlaceOfBirth gives the province of a birth in Vietnam, or the
// country of a birth abroad, as item 3 asks.
func fillPlaceOfBirth(v any, _ time.Time) Field {
	country := strings.ToUpper(member(v, "country"))
	if country != "" && !isVN(country) {
		return eid(countryName(country))
	}
	r := member(v, "region")
	if isDigits(r) {
		// A code: province codes are the national administrative-unit
		// codes, which the ID-number table writes with three digits.
		if len(r) < 3 {
			r = strings.Repeat("0", 3-len(r)) + r
		}
		r = provinces[r]
	}
	return eid(r)
}

func fillEthnicity(v any, _ time.Time) Field {
	// The form wants the name in words; a code alone is left to the
	// candidate.
	return eid(member(v, "label"))
}

// fillForeignNationality fills item 5 only with nationalities other than
// Vietnamese.
func fillForeignNationality(v any, _ time.Time) Field {
	list, ok := v.([]any)
	if !ok {
		return Field{}
	}
	var foreign []string
	vn := false
	for _, n := range list {
		c := strings.ToUpper(text(n))
		switch {
		case c == "":
		case isVN(c):
			vn = true
		default:
			foreign = append(foreign, countryName(c))
		}
	}
	if len(foreign) > 0 {
		return eid(strings.Join(foreign, ", "))
	}
	if vn {
		return Field{Note: "Định danh điện tử ghi bạn có quốc tịch Việt Nam, không ghi quốc tịch nước ngoài."}
	}
	return Field{}
}

func fillPIN(v any, _ time.Time) Field {
	s := text(v)
	if len(s) != 12 || !isDigits(s) {
		return Field{}
	}
	return eid(s)
}

// residence adapts a fill function of an address object
// (vn_permanent_residence, vn_current_residence).
func residence(fill func(addr map[string]any, today time.Time) Field) fillFunc {
	return func(v any, today time.Time) Field {
		addr, ok := v.(map[string]any)
		if !ok {
			return Field{}
		}
		return fill(addr, today)
	}
}

// fillFormatted joins the lines of a formatted address (OIDC Core §5.1.1
// allows "\r\n" or "\n") for a single-line input.
func fillFormatted(addr map[string]any, _ time.Time) Field {
	lines := strings.FieldsFunc(text(addr["formatted"]), func(r rune) bool { return r == '\n' || r == '\r' })
	var kept []string
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			kept = append(kept, l)
		}
	}
	return eid(strings.Join(kept, ", "))
}

func fillCode(key string) func(map[string]any, time.Time) Field {
	return func(addr map[string]any, _ time.Time) Field {
		c := text(addr[key])
		if !isDigits(c) {
			return Field{}
		}
		return eid(c)
	}
}

func fillSince(addr map[string]any, today time.Time) Field {
	since, ok := parseDate(text(addr["since"]))
	if !ok || since.After(today) {
		return Field{}
	}
	return eid(dmy(since))
}

// fillOver18Months answers whether the candidate has lived at the permanent
// residence for more than 18 months today, and states the rule so the
// candidate can check it. It does not decide the priority area: that is
// the school's, under the exam rules.
func fillOver18Months(addr map[string]any, today time.Time) Field {
	since, ok := parseDate(text(addr["since"]))
	if !ok || since.After(today) {
		return Field{}
	}
	over, full := over18Months(since, today)
	f := eid(no)
	verdict := "chưa quá 18 tháng"
	if over {
		f.Value, verdict = yes, "trên 18 tháng"
	}
	f.Note = fmt.Sprintf("Cách tính: thường trú từ %s thì tròn 18 tháng vào ngày %s; "+
		"từ ngày hôm sau trở đi là trên 18 tháng. Tính đến hôm nay (%s): %s. "+
		"Vui lòng kiểm tra lại; việc hưởng ưu tiên khu vực do nhà trường và nơi tiếp nhận hồ sơ xét.",
		dmy(since), dmy(full), dmy(today), verdict)
	return f
}

// over18Months reports whether today is more than 18 months after since,
// and the day the 18 months are complete. Months are counted as the Civil
// Code counts them: the period ends on the same day of the month 18
// months on, or on the last day of that month when it has no such day
// (31 August + 18 months = 28 or 29 February). Living there exactly 18
// months is not "over 18 months".
func over18Months(since, today time.Time) (over bool, full time.Time) {
	full = addMonths(since, 18)
	return today.After(full), full
}

// addMonths adds n months to a date, keeping the day of the month or
// moving back to the month's last day when the day does not exist.
func addMonths(t time.Time, n int) time.Time {
	first := time.Date(t.Year(), t.Month()+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(t.Day(), last), 0, 0, 0, 0, time.UTC)
}

// fillPhone shows an E.164 Vietnamese number the way candidates write it
// (+84912345678 -> 0912345678); other numbers are kept as given.
func fillPhone(v any, _ time.Time) Field {
	s := text(v)
	if rest, ok := strings.CutPrefix(s, "+84"); ok && isDigits(rest) {
		return eid("0" + rest)
	}
	return eid(s)
}

func fillEmail(v any, _ time.Time) Field { return eid(text(v)) }

func isDigits(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }

func isVN(code string) bool { return code == "VN" || code == "VNM" }
