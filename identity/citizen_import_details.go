package identity

import (
	"fmt"
	"slices"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// The optional columns of a citizen file: the rest of the claims catalog
// (DOMAIN.md). Each group of columns fills one record field; a group's
// columns come together in a file (parseCitizenHeader), and a group
// absent from the file leaves the stored value alone (Citizen.Fields).
// Within a present group, empty cells mean "not held": an empty group
// clears the value.

// detailGroup is the columns of one record field.
type detailGroup struct {
	field   string
	columns []string // the first one is the group's main column
	parse   func(r *rowReader, c *Citizen)
}

// Limits of free-text detail values, in characters.
const (
	maxAuthorityRunes = 200
	maxRegionRunes    = 100
	maxLabelRunes     = 100
	maxShortRunes     = 50
	maxVehicles       = 20
	maxNationalities  = 5
)

var detailGroups = []detailGroup{
	{FieldOldIDNumber, []string{"old_id_number"}, func(r *rowReader, c *Citizen) {
		c.Details.OldIDNumber = r.digits("old_id_number", 9)
	}},
	{FieldIDCard, []string{"id_card_number", "id_card_issued", "id_card_expires", "id_card_authority"}, parseIDCard},
	{FieldNationalities, []string{"nationalities"}, parseNationalities},
	{FieldPlaceOfBirth, []string{"birth_country", "birth_region", "birth_locality"}, parsePlaceOfBirth},
	{FieldHometown, []string{"hometown", "hometown_province_code"}, parseHometown},
	{FieldMaritalStatus, []string{"marital_status"}, parseMaritalStatus},
	{FieldEthnicity, []string{"ethnicity_code"}, parseEthnicity},
	{FieldReligion, []string{"religion_code", "religion_label"}, parseReligion},
	{FieldDistrictCode, []string{"district_code"}, func(r *rowReader, c *Citizen) {
		c.Details.DistrictCode = r.digits("district_code", 3)
	}},
	{FieldCommuneCode, []string{"commune_code"}, func(r *rowReader, c *Citizen) {
		c.Details.CommuneCode = r.digits("commune_code", 5)
	}},
	{FieldResidenceSince, []string{"residence_since"}, func(r *rowReader, c *Citizen) {
		c.Details.ResidenceSince = r.date("residence_since", true)
	}},
	{FieldCurrentResidence, []string{"current_address", "current_province_code", "current_district_code", "current_commune_code", "current_since"}, parseCurrentResidence},
	{FieldDrivingLicence, []string{"driving_licence_number", "driving_licence_issuer", "driving_licence_classes"}, parseDrivingLicence},
	{FieldVehicles, []string{"vehicles"}, parseVehicles},
	{FieldHealthInsurance, []string{"health_insurance_card_no", "health_insurance_benefit_level", "health_insurance_province",
		"health_insurance_initial_facility", "health_insurance_valid_from", "health_insurance_valid_to"}, parseHealthInsurance},
	{FieldSocialInsurance, []string{"social_insurance_no"}, func(r *rowReader, c *Citizen) {
		c.Details.SocialInsuranceNo = r.digits("social_insurance_no", 10)
	}},
}

// DetailColumns lists the optional columns of a citizen file, in groups
// that come together.
func DetailColumns() [][]string {
	out := make([][]string, len(detailGroups))
	for i, g := range detailGroups {
		out[i] = slices.Clone(g.columns)
	}
	return out
}

// digits reads a code of exactly n digits; "" when empty or invalid.
func (r *rowReader) digits(col string, n int) string {
	v, ok := r.get(col)
	if !ok || v == "" {
		return ""
	}
	if err := checkDigits(v, n); err != nil {
		r.bad(col, err)
		return ""
	}
	return v
}

func checkDigits(v string, n int) LocalizedError {
	if len(v) == n && onlyDigits(v) == v {
		return nil
	}
	if onlyDigits(v) == v && len(v) < n {
		return &fieldError{"digits",
			fmt.Sprintf("must have exactly %d digits; leading zeros may have been dropped by a spreadsheet: format the column as text", n),
			fmt.Sprintf("phải có đúng %d chữ số; có thể bảng tính đã bỏ mất các số 0 ở đầu: hãy định dạng cột là văn bản (Text)", n)}
	}
	return &fieldError{"digits", fmt.Sprintf("must have exactly %d digits", n), fmt.Sprintf("phải có đúng %d chữ số", n)}
}

// date reads a date YYYY-MM-DD; pastOnly rejects a date after today.
func (r *rowReader) date(col string, pastOnly bool) string {
	v, ok := r.get(col)
	if !ok || v == "" {
		return ""
	}
	if err := r.checkDate(v, pastOnly); err != nil {
		r.bad(col, err)
		return ""
	}
	return v
}

func (r *rowReader) checkDate(v string, pastOnly bool) LocalizedError {
	today := ""
	if pastOnly {
		today = r.today
	}
	return checkDate(v, today)
}

// text reads free text of at most max characters.
func (r *rowReader) text(col string, max int) string {
	v, ok := r.get(col)
	if !ok || v == "" {
		return ""
	}
	t, err := normalizeText(v, max)
	if err != nil {
		r.bad(col, err)
		return ""
	}
	return t
}

// province reads a province code, as the province_code column.
func (r *rowReader) province(col string) string {
	v, ok := r.get(col)
	if !ok || v == "" {
		return ""
	}
	if !validProvinceCode(v) {
		r.bad(col, errProvinceCode)
		return ""
	}
	return v
}

// country reads an ISO 3166-1 alpha-2 code, in either case.
func (r *rowReader) country(col string) string {
	v, ok := r.get(col)
	if !ok || v == "" {
		return ""
	}
	if c, ok := countryCode(v); ok {
		return c
	}
	r.bad(col, errCountry)
	return ""
}

var errCountry = &fieldError{"country", "must be a two-letter ISO 3166-1 country code (VN, FR, …)",
	"phải là mã quốc gia 2 chữ cái theo ISO 3166-1 (VN, FR, …)"}

func countryCode(v string) (string, bool) {
	c := strings.ToUpper(v)
	if len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
		return "", false
	}
	return c, true
}

// requiredWith reports col as required because another column of its
// group has a value.
func (r *rowReader) requiredWith(col, other string) {
	r.bad(col, &fieldError{"required_with", "required when " + other + " is given",
		"bắt buộc khi có " + other})
}

// errBefore is a date range that ends before it starts.
func errBefore(startCol string) LocalizedError {
	return &fieldError{"date_order", "is before " + startCol, "trước " + startCol}
}

// rawFilled reports whether any of the columns has a value in the row,
// valid or not (so a missing main value is reported once, not as a
// consequence of another column's error).
func (r *rowReader) rawFilled(cols ...string) bool {
	for _, col := range cols {
		if i, ok := r.index[col]; ok && strings.TrimSpace(r.rec[i]) != "" {
			return true
		}
	}
	return false
}

func parseIDCard(r *rowReader, c *Citizen) {
	number := r.digits("id_card_number", 12)
	issued := r.date("id_card_issued", true)
	expires := r.date("id_card_expires", false)
	authority := r.text("id_card_authority", maxAuthorityRunes)
	if issued != "" && expires != "" && expires <= issued {
		r.bad("id_card_expires", errBefore("id_card_issued"))
	}
	if !r.rawFilled("id_card_number", "id_card_issued", "id_card_expires", "id_card_authority") {
		return
	}
	if !r.rawFilled("id_card_number") {
		r.requiredWith("id_card_number", "another id_card_ column")
		return
	}
	if number != "" {
		c.Details.IDCard = &IDCard{Number: number, Issued: issued, Expires: expires, Authority: authority}
	}
}

func parseNationalities(r *rowReader, c *Citizen) {
	v, ok := r.get("nationalities")
	if !ok || v == "" {
		return
	}
	var out []string
	for _, part := range strings.Split(v, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		code, ok := countryCode(part)
		if !ok {
			r.bad("nationalities", &fieldError{"country",
				`must be two-letter ISO 3166-1 country codes separated by ";" (VN or VN;FR)`,
				`phải là các mã quốc gia 2 chữ cái theo ISO 3166-1, cách nhau bằng dấu ";" (VN hoặc VN;FR)`})
			return
		}
		if !slices.Contains(out, code) {
			out = append(out, code)
		}
	}
	if len(out) > maxNationalities {
		r.bad("nationalities", &fieldError{"too_many", fmt.Sprintf("more than %d nationalities", maxNationalities),
			fmt.Sprintf("nhiều hơn %d quốc tịch", maxNationalities)})
		return
	}
	c.Details.Nationalities = out
}

func parsePlaceOfBirth(r *rowReader, c *Citizen) {
	country := r.country("birth_country")
	region := r.text("birth_region", maxRegionRunes)
	locality := r.text("birth_locality", maxAuthorityRunes)
	if !r.rawFilled("birth_country", "birth_region", "birth_locality") {
		return
	}
	if !r.rawFilled("birth_country") {
		r.requiredWith("birth_country", "birth_region or birth_locality")
		return
	}
	if country != "" {
		c.Details.PlaceOfBirth = &PlaceOfBirth{Country: country, Region: region, Locality: locality}
	}
}

func parseHometown(r *rowReader, c *Citizen) {
	addr := r.text("hometown", maxAddressRunes)
	code := r.province("hometown_province_code")
	if !r.rawFilled("hometown", "hometown_province_code") {
		return
	}
	if !r.rawFilled("hometown") {
		r.requiredWith("hometown", "hometown_province_code")
		return
	}
	if addr != "" {
		c.Details.Hometown = &Address{Formatted: addr, ProvinceCode: code}
	}
}

// maritalStatusNames maps the accepted spellings (lower case, NFC) to
// MaritalStatuses: the English values and the Vietnamese words.
var maritalStatusNames = map[string]string{
	"single": "single", "độc thân": "single", "chưa kết hôn": "single",
	"married": "married", "đã kết hôn": "married", "kết hôn": "married",
	"divorced": "divorced", "ly hôn": "divorced", "đã ly hôn": "divorced",
	"widowed": "widowed", "góa": "widowed", "goá": "widowed",
}

func parseMaritalStatus(r *rowReader, c *Citizen) {
	v, ok := r.get("marital_status")
	if !ok || v == "" {
		return
	}
	key := strings.Join(strings.Fields(strings.ToLower(norm.NFC.String(v))), " ")
	if s, ok := maritalStatusNames[key]; ok {
		c.Details.MaritalStatus = s
		return
	}
	r.bad("marital_status", &fieldError{"marital_status",
		"must be " + strings.Join(MaritalStatuses, ", ") + " (or độc thân, đã kết hôn, ly hôn, góa)",
		"phải là " + strings.Join(MaritalStatuses, ", ") + " (hoặc độc thân, đã kết hôn, ly hôn, góa)"})
}

func parseEthnicity(r *rowReader, c *Citizen) {
	v, ok := r.get("ethnicity_code")
	if !ok || v == "" {
		return
	}
	if err := checkDigits(v, 2); err != nil {
		r.bad("ethnicity_code", err)
		return
	}
	e, ok := Ethnicity(v)
	if !ok {
		r.bad("ethnicity_code", &fieldError{"ethnicity_code",
			"is not a code of the General Statistics Office's list of 54 ethnic groups (01 to 54)",
			"không phải mã trong danh mục 54 dân tộc của Tổng cục Thống kê (01 đến 54)"})
		return
	}
	c.Details.Ethnicity = &e
}

func parseReligion(r *rowReader, c *Citizen) {
	code := r.digits("religion_code", 2)
	label := r.text("religion_label", maxLabelRunes)
	if !r.rawFilled("religion_code", "religion_label") {
		return
	}
	if !r.rawFilled("religion_label") {
		r.requiredWith("religion_label", "religion_code")
		return
	}
	if label != "" {
		c.Details.Religion = &Coded{Code: code, Label: label}
	}
}

func parseCurrentResidence(r *rowReader, c *Citizen) {
	addr := r.text("current_address", maxAddressRunes)
	a := &Address{Formatted: addr,
		ProvinceCode: r.province("current_province_code"),
		DistrictCode: r.digits("current_district_code", 3),
		CommuneCode:  r.digits("current_commune_code", 5),
		Since:        r.date("current_since", true)}
	if !r.rawFilled("current_address", "current_province_code", "current_district_code", "current_commune_code", "current_since") {
		return
	}
	if !r.rawFilled("current_address") {
		r.requiredWith("current_address", "another current_ column")
		return
	}
	if addr != "" {
		c.Details.CurrentResidence = a
	}
}

// licenceClasses are the driving-licence classes: those of the Law on
// Road Traffic Order and Safety 2024 (from 2025) and the older ones still
// on valid licences (Circular 12/2017/TT-BGTVT).
var licenceClasses = []string{
	"A1", "A", "B1", "B", "C1", "C", "D1", "D2", "D", "BE", "C1E", "CE", "D1E", "D2E", "DE",
	"A2", "A3", "A4", "B2", "E", "F", "FB2", "FC", "FD", "FE",
}

func parseDrivingLicence(r *rowReader, c *Citizen) {
	const col = "driving_licence_classes"
	number := r.digits("driving_licence_number", 12)
	issuer := r.text("driving_licence_issuer", maxAuthorityRunes)
	var classes []LicenceClass
	if v, ok := r.get(col); ok && v != "" {
		classes = r.licenceClasses(v)
	}
	if !r.rawFilled("driving_licence_number", "driving_licence_issuer", col) {
		return
	}
	if !r.rawFilled("driving_licence_number") {
		r.requiredWith("driving_licence_number", "driving_licence_issuer or driving_licence_classes")
		return
	}
	if number != "" {
		c.Details.DrivingLicence = &DrivingLicence{Number: number, Issuer: issuer, Classes: classes}
	}
}

// entryError is a problem of the n-th entry (1-based) of a list column.
func entryError(n int, err LocalizedError) LocalizedError {
	return &fieldError{err.Code(), fmt.Sprintf("entry %d: %s", n, err.MessageEN()),
		fmt.Sprintf("mục thứ %d: %s", n, err.MessageVI())}
}

// licenceClasses reads "CLASS:ISSUED:EXPIRES" entries separated by ";"
// (the dates may be empty or left out: "B2:2020-01-05:2030-01-05;A1").
func (r *rowReader) licenceClasses(v string) []LicenceClass {
	const col = "driving_licence_classes"
	var out []LicenceClass
	n := 0
	for _, entry := range strings.Split(v, ";") {
		if strings.TrimSpace(entry) == "" {
			continue
		}
		n++
		parts := strings.Split(entry, ":")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		if len(parts) > 3 {
			r.bad(col, entryError(n, &fieldError{"format", `must be CLASS:ISSUED:EXPIRES (e.g. B2:2020-01-05:2030-01-05)`,
				`phải có dạng HẠNG:NGÀY CẤP:NGÀY HẾT HẠN (ví dụ B2:2020-01-05:2030-01-05)`}))
			return nil
		}
		parts = append(parts, "", "")[:3]
		lc := LicenceClass{Class: strings.ToUpper(parts[0]), Issued: parts[1], Expires: parts[2]}
		switch {
		case !slices.Contains(licenceClasses, lc.Class):
			r.bad(col, entryError(n, &fieldError{"licence_class", "is not a driving-licence class (A1, A, B1, B, B2, C, …)",
				"không phải hạng giấy phép lái xe (A1, A, B1, B, B2, C, …)"}))
			return nil
		case slices.ContainsFunc(out, func(o LicenceClass) bool { return o.Class == lc.Class }):
			r.bad(col, entryError(n, &fieldError{"duplicate", "repeats a class", "lặp lại một hạng"}))
			return nil
		}
		if lc.Issued != "" {
			if err := r.checkDate(lc.Issued, true); err != nil {
				r.bad(col, entryError(n, prefixed("issue date", "ngày cấp", err)))
				return nil
			}
		}
		if lc.Expires != "" {
			if err := r.checkDate(lc.Expires, false); err != nil {
				r.bad(col, entryError(n, prefixed("expiry date", "ngày hết hạn", err)))
				return nil
			}
			if lc.Issued != "" && lc.Expires <= lc.Issued {
				r.bad(col, entryError(n, &fieldError{"date_order", "expires before it was issued", "hết hạn trước ngày cấp"}))
				return nil
			}
		}
		out = append(out, lc)
	}
	return out
}

// prefixed names the part of an entry an error is about.
func prefixed(en, vi string, err LocalizedError) LocalizedError {
	return &fieldError{err.Code(), en + " " + err.MessageEN(), vi + " " + err.MessageVI()}
}

// parseVehicles reads "plate|type|brand|chassis_no|reg_date" entries
// separated by ";"; all but the plate may be empty, trailing ones left out.
func parseVehicles(r *rowReader, c *Citizen) {
	const col = "vehicles"
	v, ok := r.get(col)
	if !ok || v == "" {
		return
	}
	var out []Vehicle
	n := 0
	for _, entry := range strings.Split(v, ";") {
		if strings.TrimSpace(entry) == "" {
			continue
		}
		n++
		if n > maxVehicles {
			r.bad(col, &fieldError{"too_many", fmt.Sprintf("more than %d vehicles", maxVehicles),
				fmt.Sprintf("nhiều hơn %d xe", maxVehicles)})
			return
		}
		parts := strings.Split(entry, "|")
		if len(parts) > 5 {
			r.bad(col, entryError(n, &fieldError{"format", "must be plate|type|brand|chassis_no|reg_date",
				"phải có dạng biển số|loại xe|nhãn hiệu|số khung|ngày đăng ký"}))
			return
		}
		parts = append(parts, "", "", "", "")[:5]
		veh, err := parseVehicle(parts, r)
		if err != nil {
			r.bad(col, entryError(n, err))
			return
		}
		if slices.ContainsFunc(out, func(o Vehicle) bool { return o.Plate == veh.Plate }) {
			r.bad(col, entryError(n, &fieldError{"duplicate", "repeats a plate", "lặp lại một biển số"}))
			return
		}
		out = append(out, veh)
	}
	c.Details.Vehicles = out
}

func parseVehicle(parts []string, r *rowReader) (Vehicle, LocalizedError) {
	plate := strings.ToUpper(strings.Join(strings.Fields(parts[0]), " "))
	if !validPlate(plate) {
		return Vehicle{}, &fieldError{"plate", "the plate must be letters, digits, '-', '.' and spaces (e.g. 30A-123.45)",
			"biển số chỉ gồm chữ cái, chữ số, '-', '.' và dấu cách (ví dụ 30A-123.45)"}
	}
	typ, err := normalizeText(parts[1], maxShortRunes)
	if err != nil {
		return Vehicle{}, prefixed("type", "loại xe", err)
	}
	brand, err := normalizeText(parts[2], maxShortRunes)
	if err != nil {
		return Vehicle{}, prefixed("brand", "nhãn hiệu", err)
	}
	chassis := strings.ToUpper(strings.TrimSpace(parts[3]))
	if chassis != "" && !validChassis(chassis) {
		return Vehicle{}, &fieldError{"chassis_no", "the chassis number must be 4 to 25 letters, digits or '-'",
			"số khung phải gồm 4 đến 25 chữ cái, chữ số hoặc '-'"}
	}
	reg := strings.TrimSpace(parts[4])
	if reg != "" {
		if err := r.checkDate(reg, true); err != nil {
			return Vehicle{}, prefixed("registration date", "ngày đăng ký", err)
		}
	}
	return Vehicle{Plate: plate, Type: typ, Brand: brand, ChassisNo: chassis, RegDate: reg}, nil
}

// validPlate accepts a Vietnamese registration plate as written: 5 to 15
// characters of letters, digits, '-', '.' and spaces, with at least one
// letter and two digits (30A-123.45, 29-B1 234.56, 51LD-123.45).
func validPlate(p string) bool {
	if len(p) < 5 || len(p) > 15 {
		return false
	}
	letters, digits := 0, 0
	for _, r := range p {
		switch {
		case r >= 'A' && r <= 'Z':
			letters++
		case r >= '0' && r <= '9':
			digits++
		case r == '-' || r == '.' || r == ' ':
		default:
			return false
		}
	}
	return letters > 0 && digits >= 2
}

func validChassis(s string) bool {
	if len(s) < 4 || len(s) > 25 {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// parseHealthInsurance reads the health-insurance card. Its 15-character
// number (Decision 1351/QĐ-BHXH of 2015) is two letters (the beneficiary
// group), the benefit level (1 to 5), the 2-digit province code and the
// 10-digit social-insurance number; the benefit level and province
// columns, when given, must agree with it.
func parseHealthInsurance(r *rowReader, c *Citizen) {
	const (
		colCard     = "health_insurance_card_no"
		colLevel    = "health_insurance_benefit_level"
		colProvince = "health_insurance_province"
		colFacility = "health_insurance_initial_facility"
		colFrom     = "health_insurance_valid_from"
		colTo       = "health_insurance_valid_to"
	)
	card := ""
	if v, ok := r.get(colCard); ok && v != "" {
		v = strings.ToUpper(v)
		if validHealthCard(v) {
			card = v
		} else {
			r.bad(colCard, &fieldError{"card_no", "must be 15 characters: 2 letters, then 13 digits of which the first is the benefit level (1 to 5)",
				"phải gồm 15 ký tự: 2 chữ cái, rồi 13 chữ số, chữ số đầu tiên là mức hưởng (1 đến 5)"})
		}
	}
	level := ""
	if v, ok := r.get(colLevel); ok && v != "" {
		if len(v) == 1 && v[0] >= '1' && v[0] <= '5' {
			level = v
		} else {
			r.bad(colLevel, &fieldError{"benefit_level", "must be a digit from 1 to 5", "phải là một chữ số từ 1 đến 5"})
		}
	}
	province := r.digits(colProvince, 2)
	facility := r.text(colFacility, maxAuthorityRunes)
	from := r.date(colFrom, false)
	to := r.date(colTo, false)
	if from != "" && to != "" && to < from {
		r.bad(colTo, errBefore(colFrom))
	}
	if card != "" && level != "" && level != card[2:3] {
		r.bad(colLevel, &fieldError{"mismatch", "differs from the benefit level in the card number (its 3rd character)",
			"khác mức hưởng trong số thẻ (ký tự thứ 3)"})
	}
	if card != "" && province != "" && province != card[3:5] {
		r.bad(colProvince, &fieldError{"mismatch", "differs from the province code in the card number (its 4th and 5th characters)",
			"khác mã tỉnh trong số thẻ (ký tự thứ 4 và 5)"})
	}
	if !r.rawFilled(colCard, colLevel, colProvince, colFacility, colFrom, colTo) {
		return
	}
	if !r.rawFilled(colCard) {
		r.requiredWith(colCard, "another health_insurance_ column")
		return
	}
	if card != "" {
		c.Details.HealthInsurance = &HealthInsurance{CardNo: card, BenefitLevel: level, Province: province,
			InitialFacility: facility, ValidFrom: from, ValidTo: to}
	}
}

func validHealthCard(v string) bool {
	if len(v) != 15 {
		return false
	}
	for i := 0; i < 2; i++ {
		if v[i] < 'A' || v[i] > 'Z' {
			return false
		}
	}
	return onlyDigits(v[2:]) == v[2:] && v[2] >= '1' && v[2] <= '5'
}
