package identity

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// detailHeader is the eight basic columns and every optional one.
func detailHeader() []string {
	cols := strings.Split(citizenHeader, ",")
	for _, g := range DetailColumns() {
		cols = append(cols, g...)
	}
	return cols
}

// detailValues is a row holding every detail (fictional, valid at importNow).
var detailValues = map[string]string{
	"id_number": "001095012345", "full_name": "Nguyễn Văn An", "birthdate": "1995-03-14", "gender": "male",
	"phone": "0912345678", "email": "an.nguyen@example.vn", "permanent_address": "Số 12 phố Tràng Tiền, Hoàn Kiếm, Hà Nội", "province_code": "01",
	"old_id_number":     "012345678",
	"id_card_number":    "001095012345",
	"id_card_issued":    "2021-04-10",
	"id_card_expires":   "2035-03-14",
	"id_card_authority": "Cục Cảnh sát QLHC về TTXH",
	"nationalities":     "vn; fr",
	"birth_country":     "VN", "birth_region": "Hà Nội", "birth_locality": "Quận Hoàn Kiếm",
	"hometown": "Xã Phù Đổng, huyện Gia Lâm, Hà Nội", "hometown_province_code": "01",
	"marital_status": "Đã kết hôn",
	"ethnicity_code": "01",
	"religion_code":  "", "religion_label": "Không",
	"district_code": "002", "commune_code": "00070", "residence_since": "2015-09-01",
	"current_address": "Số 8 ngõ 12 Láng Hạ, Đống Đa, Hà Nội", "current_province_code": "01",
	"current_district_code": "006", "current_commune_code": "00235", "current_since": "2022-06-01",
	"driving_licence_number": "010123456789", "driving_licence_issuer": "Sở GTVT Hà Nội",
	"driving_licence_classes":  "b2:2018-07-01:2028-07-01; A1:2014-01-05:",
	"vehicles":                 "30A-123.45|ô tô con|Toyota|rl4bt9f30k1234567|2019-05-20;29b1-234.56|xe mô tô|Honda",
	"health_insurance_card_no": "dn4010123456789", "health_insurance_benefit_level": "4", "health_insurance_province": "01",
	"health_insurance_initial_facility": "Bệnh viện Đa khoa Đống Đa", "health_insurance_valid_from": "2025-01-01",
	"health_insurance_valid_to": "2025-12-31",
	"social_insurance_no":       "0123456789",
}

// wantDetails is detailValues as parsed.
var wantDetails = CitizenDetails{
	OldIDNumber:      "012345678",
	IDCard:           &IDCard{Number: "001095012345", Issued: "2021-04-10", Expires: "2035-03-14", Authority: "Cục Cảnh sát QLHC về TTXH"},
	Nationalities:    []string{"VN", "FR"},
	PlaceOfBirth:     &PlaceOfBirth{Country: "VN", Region: "Hà Nội", Locality: "Quận Hoàn Kiếm"},
	Hometown:         &Address{Formatted: "Xã Phù Đổng, huyện Gia Lâm, Hà Nội", ProvinceCode: "01"},
	MaritalStatus:    "married",
	Ethnicity:        &Coded{Code: "01", Label: "Kinh"},
	Religion:         &Coded{Label: "Không"},
	DistrictCode:     "002",
	CommuneCode:      "00070",
	ResidenceSince:   "2015-09-01",
	CurrentResidence: &Address{Formatted: "Số 8 ngõ 12 Láng Hạ, Đống Đa, Hà Nội", ProvinceCode: "01", DistrictCode: "006", CommuneCode: "00235", Since: "2022-06-01"},
	DrivingLicence: &DrivingLicence{Number: "010123456789", Issuer: "Sở GTVT Hà Nội", Classes: []LicenceClass{
		{Class: "B2", Issued: "2018-07-01", Expires: "2028-07-01"}, {Class: "A1", Issued: "2014-01-05"}}},
	Vehicles: []Vehicle{
		{Plate: "30A-123.45", Type: "ô tô con", Brand: "Toyota", ChassisNo: "RL4BT9F30K1234567", RegDate: "2019-05-20"},
		{Plate: "29B1-234.56", Type: "xe mô tô", Brand: "Honda"},
	},
	HealthInsurance: &HealthInsurance{CardNo: "DN4010123456789", BenefitLevel: "4", Province: "01",
		InitialFacility: "Bệnh viện Đa khoa Đống Đa", ValidFrom: "2025-01-01", ValidTo: "2025-12-31"},
	SocialInsuranceNo: "0123456789",
}

// csvLine joins fields as one CSV line, quoting where needed.
func csvLine(fields []string) string {
	out := make([]string, len(fields))
	for i, f := range fields {
		if strings.ContainsAny(f, ",\"\n") {
			f = `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
		}
		out[i] = f
	}
	return strings.Join(out, ",")
}

// detailRow is a row under header with detailValues, some overridden.
func detailRow(header []string, over map[string]string) string {
	fields := make([]string, len(header))
	for i, col := range header {
		fields[i] = detailValues[col]
		if v, ok := over[col]; ok {
			fields[i] = v
		}
	}
	return csvLine(fields)
}

func TestParseCitizensCSVDetails(t *testing.T) {
	header := detailHeader()
	blank := map[string]string{}
	for _, g := range DetailColumns() {
		for _, col := range g {
			blank[col] = ""
		}
	}
	blank["id_number"] = "079304123456"
	in := csvLine(header) + "\n" + detailRow(header, nil) + "\n" + detailRow(header, blank) + "\n"
	good, rejected := parseCSV(t, in)
	if len(rejected) != 0 || len(good) != 2 {
		t.Fatalf("good %d, rejected %+v", len(good), rejected)
	}
	// The fixture must hold every detail.
	v := reflect.ValueOf(wantDetails)
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Fatalf("wantDetails leaves %s empty", v.Type().Field(i).Name)
		}
	}
	if !reflect.DeepEqual(good[0].Details, wantDetails) {
		t.Errorf("details:\n got %+v\nwant %+v", good[0].Details, wantDetails)
	}
	if !reflect.DeepEqual(good[1].Details, CitizenDetails{}) {
		t.Errorf("empty detail cells: %+v", good[1].Details)
	}
	// The file carries every field: empty cells clear stored values.
	if !sameSet(good[0].Fields, RecordFields()) {
		t.Errorf("Fields = %v, want every field", good[0].Fields)
	}
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

func TestParseCitizensCSVDetailFields(t *testing.T) {
	// Fields lists the basic columns present and the detail groups present.
	tests := []struct {
		header string
		want   []string
	}{
		{"id_number,full_name,birthdate,gender,phone",
			[]string{FieldFullName, FieldBirthdate, FieldGender, FieldPhone}},
		{"id_number,full_name,birthdate,gender,phone,ethnicity_code,vehicles",
			[]string{FieldFullName, FieldBirthdate, FieldGender, FieldPhone, FieldEthnicity, FieldVehicles}},
		{"vehicles,id_number,full_name,birthdate,gender,phone,email,driving_licence_classes,driving_licence_number,driving_licence_issuer",
			[]string{FieldFullName, FieldBirthdate, FieldGender, FieldPhone, FieldEmail, FieldDrivingLicence, FieldVehicles}},
	}
	for _, tt := range tests {
		header := strings.Split(tt.header, ",")
		good, rejected := parseCSV(t, tt.header+"\n"+detailRow(header, nil)+"\n")
		if len(good) != 1 {
			t.Fatalf("%s: rejected %+v", tt.header, rejected)
		}
		if !reflect.DeepEqual(good[0].Fields, tt.want) {
			t.Errorf("%s: Fields = %v, want %v", tt.header, good[0].Fields, tt.want)
		}
		for _, f := range good[0].Fields {
			if _, ok := FieldPart(f); !ok {
				t.Errorf("unknown field %q", f)
			}
		}
	}
}

func TestParseCitizensCSVDetailRules(t *testing.T) {
	tests := []struct {
		name   string
		over   map[string]string
		reason string // substring of the English reason; "" = accepted
	}{
		{"baseline", nil, ""},
		// old_id_number
		{"old id 8 digits", map[string]string{"old_id_number": "12345678"}, "old_id_number: must have exactly 9 digits; leading zeros"},
		{"old id 12 digits", map[string]string{"old_id_number": "001095012345"}, "old_id_number: must have exactly 9 digits"},
		{"old id letters", map[string]string{"old_id_number": "A12345678"}, "old_id_number: must have exactly 9 digits"},
		// id card
		{"card number 11 digits", map[string]string{"id_card_number": "01095012345"}, "id_card_number: must have exactly 12 digits"},
		{"card issued in the future", map[string]string{"id_card_issued": "2025-06-16"}, "id_card_issued: is in the future"},
		{"card issued today", map[string]string{"id_card_issued": "2025-06-15"}, ""},
		{"card issued not a date", map[string]string{"id_card_issued": "10/04/2021"}, "id_card_issued: must be a date written YYYY-MM-DD"},
		{"card expires in the future", map[string]string{"id_card_expires": "2040-01-01"}, ""},
		{"card expired", map[string]string{"id_card_expires": "2024-01-01", "id_card_issued": "2010-01-01"}, ""},
		{"card expires before issue", map[string]string{"id_card_expires": "2021-04-10"}, "id_card_expires: is before id_card_issued"},
		{"card without number", map[string]string{"id_card_number": ""}, "id_card_number: required when another id_card_ column is given"},
		{"card number only", map[string]string{"id_card_issued": "", "id_card_expires": "", "id_card_authority": ""}, ""},
		{"card authority too long", map[string]string{"id_card_authority": strings.Repeat("a", 201)}, "id_card_authority: longer than 200 characters"},
		{"card authority control character", map[string]string{"id_card_authority": "Cục\u0007"}, "id_card_authority: contains control characters"},
		// nationalities
		{"nationality three letters", map[string]string{"nationalities": "VNM"}, "nationalities: must be two-letter ISO 3166-1 country codes"},
		{"nationalities comma", map[string]string{"nationalities": "VN,FR"}, "nationalities: must be two-letter"},
		{"nationalities repeated", map[string]string{"nationalities": "VN;vn;"}, ""},
		{"six nationalities", map[string]string{"nationalities": "VN;FR;DE;US;JP;KR"}, "nationalities: more than 5"},
		// place of birth
		{"birth country word", map[string]string{"birth_country": "Việt Nam"}, "birth_country: must be a two-letter ISO 3166-1 country code"},
		{"birth region without country", map[string]string{"birth_country": ""}, "birth_country: required when birth_region or birth_locality is given"},
		{"birth country only", map[string]string{"birth_region": "", "birth_locality": ""}, ""},
		// hometown
		{"hometown code without address", map[string]string{"hometown": ""}, "hometown: required when hometown_province_code is given"},
		{"hometown bad code", map[string]string{"hometown_province_code": "003"}, "hometown_province_code: must be a 2-digit province code"},
		{"hometown 3-digit code", map[string]string{"hometown_province_code": "001"}, ""},
		// marital status
		{"marital status English", map[string]string{"marital_status": "Widowed"}, ""},
		{"marital status Vietnamese", map[string]string{"marital_status": "độc thân"}, ""},
		{"marital status unknown", map[string]string{"marital_status": "engaged"}, "marital_status: must be single, married, divorced, widowed"},
		// ethnicity
		{"ethnicity Thái", map[string]string{"ethnicity_code": "03"}, ""},
		{"ethnicity 54", map[string]string{"ethnicity_code": "54"}, ""},
		{"ethnicity 55", map[string]string{"ethnicity_code": "55"}, "ethnicity_code: is not a code of the General Statistics Office's list"},
		{"ethnicity 00", map[string]string{"ethnicity_code": "00"}, "ethnicity_code: is not a code"},
		{"ethnicity leading zero dropped", map[string]string{"ethnicity_code": "3"}, "ethnicity_code: must have exactly 2 digits; leading zeros"},
		{"ethnicity as a name", map[string]string{"ethnicity_code": "Kinh"}, "ethnicity_code: must have exactly 2 digits"},
		// religion
		{"religion code and label", map[string]string{"religion_code": "01", "religion_label": "Phật giáo"}, ""},
		{"religion code without label", map[string]string{"religion_code": "01", "religion_label": ""}, "religion_label: required when religion_code is given"},
		{"religion code 3 digits", map[string]string{"religion_code": "001"}, "religion_code: must have exactly 2 digits"},
		// permanent residence codes
		{"district 2 digits", map[string]string{"district_code": "02"}, "district_code: must have exactly 3 digits; leading zeros"},
		{"district letters", map[string]string{"district_code": "Q1"}, "district_code: must have exactly 3 digits"},
		{"commune 6 digits", map[string]string{"commune_code": "000700"}, "commune_code: must have exactly 5 digits"},
		{"residence since in the future", map[string]string{"residence_since": "2026-01-01"}, "residence_since: is in the future"},
		{"residence since 1899", map[string]string{"residence_since": "1899-12-31"}, "residence_since: is before 1900"},
		// current residence
		{"current without address", map[string]string{"current_address": ""}, "current_address: required when another current_ column is given"},
		{"current address only", map[string]string{"current_province_code": "", "current_district_code": "", "current_commune_code": "", "current_since": ""}, ""},
		{"current province letters", map[string]string{"current_province_code": "HN"}, "current_province_code: must be a 2-digit province code"},
		{"current district 4 digits", map[string]string{"current_district_code": "0060"}, "current_district_code: must have exactly 3 digits"},
		{"current commune 4 digits", map[string]string{"current_commune_code": "0235"}, "current_commune_code: must have exactly 5 digits; leading zeros"},
		{"current since in the future", map[string]string{"current_since": "2025-07-01"}, "current_since: is in the future"},
		// driving licence
		{"licence number 11 digits", map[string]string{"driving_licence_number": "10123456789"}, "driving_licence_number: must have exactly 12 digits"},
		{"licence without number", map[string]string{"driving_licence_number": ""}, "driving_licence_number: required when driving_licence_issuer or driving_licence_classes is given"},
		{"licence class unknown", map[string]string{"driving_licence_classes": "B2:2018-07-01:2028-07-01;Z:2014-01-05"}, "driving_licence_classes: entry 2: is not a driving-licence class"},
		{"licence class repeated", map[string]string{"driving_licence_classes": "B2;b2"}, "driving_licence_classes: entry 2: repeats a class"},
		{"licence classes without dates", map[string]string{"driving_licence_classes": "B;A1"}, ""},
		{"licence 2025 classes", map[string]string{"driving_licence_classes": "C1E:2025-02-01:2035-02-01;D2"}, ""},
		{"licence class issued in the future", map[string]string{"driving_licence_classes": "B2:2025-07-01:2035-07-01"}, "driving_licence_classes: entry 1: issue date is in the future"},
		{"licence class bad expiry", map[string]string{"driving_licence_classes": "B2:2018-07-01:2028-02-30"}, "driving_licence_classes: entry 1: expiry date must be a date"},
		{"licence class expires before issue", map[string]string{"driving_licence_classes": "B2:2018-07-01:2018-07-01"}, "driving_licence_classes: entry 1: expires before it was issued"},
		{"licence class too many parts", map[string]string{"driving_licence_classes": "B2:2018-07-01:2028-07-01:x"}, "driving_licence_classes: entry 1: must be CLASS:ISSUED:EXPIRES"},
		{"licence number only", map[string]string{"driving_licence_issuer": "", "driving_licence_classes": ""}, ""},
		// vehicles
		{"vehicle plate only", map[string]string{"vehicles": "37A-111.22"}, ""},
		{"vehicle bad plate", map[string]string{"vehicles": "30A-123.45;30A_999"}, "vehicles: entry 2: the plate must be letters"},
		{"vehicle empty plate", map[string]string{"vehicles": "|ô tô con|Toyota"}, "vehicles: entry 1: the plate must be"},
		{"vehicle too many fields", map[string]string{"vehicles": "30A-123.45|a|b|c|2019-05-20|x"}, "vehicles: entry 1: must be plate|type|brand|chassis_no|reg_date"},
		{"vehicle bad chassis", map[string]string{"vehicles": "30A-123.45|||RL4 BT9|"}, "vehicles: entry 1: the chassis number"},
		{"vehicle registered in the future", map[string]string{"vehicles": "30A-123.45||||2025-06-16"}, "vehicles: entry 1: registration date is in the future"},
		{"vehicle repeated plate", map[string]string{"vehicles": "30A-123.45;30a-123.45"}, "vehicles: entry 2: repeats a plate"},
		{"vehicle brand too long", map[string]string{"vehicles": "30A-123.45||" + strings.Repeat("x", 51)}, "vehicles: entry 1: brand longer than 50"},
		{"21 vehicles", map[string]string{"vehicles": manyPlates(21)}, "vehicles: more than 20 vehicles"},
		{"20 vehicles", map[string]string{"vehicles": manyPlates(20)}, ""},
		// health insurance
		{"health card 14 characters", map[string]string{"health_insurance_card_no": "DN401012345678"}, "health_insurance_card_no: must be 15 characters"},
		{"health card benefit level 6", map[string]string{"health_insurance_card_no": "DN6010123456789", "health_insurance_benefit_level": ""}, "health_insurance_card_no: must be 15 characters"},
		{"health card digits first", map[string]string{"health_insurance_card_no": "404010123456789"}, "health_insurance_card_no: must be 15 characters"},
		{"health benefit level mismatch", map[string]string{"health_insurance_benefit_level": "3"}, "health_insurance_benefit_level: differs from the benefit level in the card number"},
		{"health benefit level 0", map[string]string{"health_insurance_benefit_level": "0"}, "health_insurance_benefit_level: must be a digit from 1 to 5"},
		{"health province mismatch", map[string]string{"health_insurance_province": "79"}, "health_insurance_province: differs from the province code in the card number"},
		{"health province 1 digit", map[string]string{"health_insurance_province": "1"}, "health_insurance_province: must have exactly 2 digits; leading zeros"},
		{"health valid to before from", map[string]string{"health_insurance_valid_to": "2024-12-31"}, "health_insurance_valid_to: is before health_insurance_valid_from"},
		{"health valid from in the future", map[string]string{"health_insurance_valid_from": "2026-01-01", "health_insurance_valid_to": "2026-12-31"}, ""},
		{"health without card", map[string]string{"health_insurance_card_no": ""}, "health_insurance_card_no: required when another health_insurance_ column is given"},
		// social insurance
		{"social insurance 9 digits", map[string]string{"social_insurance_no": "123456789"}, "social_insurance_no: must have exactly 10 digits; leading zeros"},
		{"social insurance letters", map[string]string{"social_insurance_no": "01234S6789"}, "social_insurance_no: must have exactly 10 digits"},
	}
	header := detailHeader()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			good, rejected := parseCSV(t, csvLine(header)+"\n"+detailRow(header, tt.over)+"\n")
			if tt.reason == "" {
				if len(rejected) != 0 || len(good) != 1 {
					t.Fatalf("rejected: %+v", rejected)
				}
				return
			}
			if len(rejected) != 1 || len(good) != 0 {
				t.Fatalf("good=%+v rejected=%+v, want one rejection containing %q", good, rejected, tt.reason)
			}
			r := rejected[0]
			if !strings.Contains(r.Reason, tt.reason) {
				t.Errorf("reason %q does not contain %q", r.Reason, tt.reason)
			}
			col, _, _ := strings.Cut(tt.reason, ":")
			if !strings.Contains(r.ReasonVI, col+":") || r.ReasonVI == r.Reason {
				t.Errorf("Vietnamese reason %q", r.ReasonVI)
			}
			for _, v := range tt.over {
				if len(v) >= 4 && strings.Contains(r.Reason+r.ReasonVI, v) {
					t.Errorf("reason repeats the value %q: %+v", v, r)
				}
			}
		})
	}
}

func manyPlates(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "30A-1%02d.45;", i)
	}
	return b.String()
}

func TestParseCitizensCSVDetailsParsed(t *testing.T) {
	header := detailHeader()
	tests := []struct {
		over  map[string]string
		check func(d CitizenDetails) bool
	}{
		{map[string]string{"ethnicity_code": "03"}, func(d CitizenDetails) bool { return *d.Ethnicity == Coded{Code: "03", Label: "Thái"} }},
		{map[string]string{"marital_status": "GÓA"}, func(d CitizenDetails) bool { return d.MaritalStatus == "widowed" }},
		{map[string]string{"marital_status": "chưa  kết hôn"}, func(d CitizenDetails) bool { return d.MaritalStatus == "single" }},
		{map[string]string{"nationalities": "VN;vn;"}, func(d CitizenDetails) bool { return slices.Equal(d.Nationalities, []string{"VN"}) }},
		{map[string]string{"birth_country": "fr", "birth_region": "", "birth_locality": "Paris"},
			func(d CitizenDetails) bool { return *d.PlaceOfBirth == PlaceOfBirth{Country: "FR", Locality: "Paris"} }},
		{map[string]string{"driving_licence_classes": ""}, func(d CitizenDetails) bool {
			return d.DrivingLicence.Number == "010123456789" && d.DrivingLicence.Classes == nil
		}},
		{map[string]string{"vehicles": " 29-b1  234.56 |xe mô tô||| ;"}, func(d CitizenDetails) bool {
			return slices.Equal(d.Vehicles, []Vehicle{{Plate: "29-B1 234.56", Type: "xe mô tô"}})
		}},
		{map[string]string{"religion_code": "", "religion_label": ""}, func(d CitizenDetails) bool { return d.Religion == nil }},
		{map[string]string{"hometown_province_code": ""}, func(d CitizenDetails) bool {
			return *d.Hometown == Address{Formatted: "Xã Phù Đổng, huyện Gia Lâm, Hà Nội"}
		}},
	}
	for i, tt := range tests {
		good, rejected := parseCSV(t, csvLine(header)+"\n"+detailRow(header, tt.over)+"\n")
		if len(good) != 1 {
			t.Fatalf("case %d: rejected %+v", i, rejected)
		}
		if !tt.check(good[0].Details) {
			t.Errorf("case %d (%v): %+v", i, tt.over, good[0].Details)
		}
	}
}

func TestParseCitizensCSVDetailHeader(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"a group split", citizenHeader + ",id_card_number,id_card_issued\n",
			[]string{"columns that go together: id_card_number, id_card_issued also needs id_card_expires, id_card_authority"}},
		{"two groups split", citizenHeader + ",current_since,driving_licence_classes\n",
			[]string{"current_since also needs current_address, current_province_code, current_district_code, current_commune_code",
				"driving_licence_classes also needs driving_licence_number, driving_licence_issuer"}},
		{"a name close to a column", citizenHeader + ",ethnicity\n", []string{`unknown columns: "ethnicity"`, "ethnicity_code"}},
		{"a detail column twice", citizenHeader + ",vehicles,Vehicles\n", []string{"repeated columns: vehicles"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ParseCitizensCSV(strings.NewReader(tt.in), importNow)
			if !errors.Is(err, ErrImportHeader) {
				t.Fatalf("err = %v, want ErrImportHeader", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	// maxImportLineBytes is sized for this many columns.
	if n := len(detailHeader()); n != 42 {
		t.Errorf("%d columns: check the comment on maxImportLineBytes", n)
	}
	// Every optional column on its own group is accepted.
	for _, g := range DetailColumns() {
		h := citizenHeader + "," + strings.Join(g, ",")
		if _, _, err := ParseCitizensCSV(strings.NewReader(h+"\n"), importNow); err != nil {
			t.Errorf("header %s: %v", h, err)
		}
	}
}
