package portal

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

// claimsJSON decodes claims the way go-oidc hands them over.
func claimsJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// at is a moment in Vietnam (UTC+7) on the given date.
func at(t *testing.T, date string, hour int) time.Time {
	t.Helper()
	d, err := time.ParseInLocation(time.DateOnly, date, vietnam)
	if err != nil {
		t.Fatal(err)
	}
	return d.Add(time.Duration(hour) * time.Hour)
}

// fullClaims are the shapes the provider releases (identity/types.go,
// DOMAIN.md), with fictional data.
const fullClaims = `{
	"sub": "pairwise-123",
	"name": "Nguyễn Văn An",
	"gender": "male",
	"birthdate": "2007-09-05",
	"place_of_birth": {"country": "VN", "region": "Nghệ An", "locality": "Xã Nghi Phú, TP. Vinh"},
	"nationalities": ["VN"],
	"vn_pin": "040207654321",
	"vn_ethnicity": {"code": "03", "label": "Thái"},
	"vn_permanent_residence": {"formatted": "Số 1 đường Lê Lợi\nPhường Hưng Bình, TP. Vinh, Nghệ An",
		"province_code": "40", "district_code": "412", "commune_code": "17503", "since": "2019-06-01"},
	"vn_current_residence": {"formatted": "Ký túc xá A, Hà Nội", "province_code": "01", "district_code": "001", "commune_code": "00004", "since": "2024-09-01"},
	"phone_number": "+84987654321",
	"email": "an.nguyen@example.vn"
}`

func TestFormFromClaimsFull(t *testing.T) {
	got := FormFromClaims(claimsJSON(t, fullClaims), at(t, "2025-03-10", 9))
	e := func(v string) Field { return Field{Value: v, FromEID: true} }
	over := e("Có")
	over.Note = "Cách tính: thường trú từ 01/06/2019 thì tròn 18 tháng vào ngày 01/12/2020; " +
		"từ ngày hôm sau trở đi là trên 18 tháng. Tính đến hôm nay (10/03/2025): trên 18 tháng. " +
		"Vui lòng kiểm tra lại; việc hưởng ưu tiên khu vực do nhà trường và nơi tiếp nhận hồ sơ xét."
	want := Form{
		"full_name":                e("NGUYỄN VĂN AN"),
		"date_of_birth":            e("05/09/2007"),
		"sex":                      e("Nam"),
		"place_of_birth":           e("Nghệ An"),
		"ethnicity":                e("Thái"),
		"foreign_nationality":      {Note: "Định danh điện tử ghi bạn có quốc tịch Việt Nam, không ghi quốc tịch nước ngoài."},
		"id_number":                e("040207654321"),
		"permanent_address":        e("Số 1 đường Lê Lợi, Phường Hưng Bình, TP. Vinh, Nghệ An"),
		"province_code":            e("40"),
		"district_code":            e("412"),
		"commune_code":             e("17503"),
		"residence_since":          e("01/06/2019"),
		"residence_over_18_months": over,
		"phone":                    e("0987654321"),
		"email":                    e("an.nguyen@example.vn"),
		"contact_address":          e("Ký túc xá A, Hà Nội"),
	}
	if !maps.Equal(got, want) {
		for k := range maps.Keys(want) {
			if got[k] != want[k] {
				t.Errorf("%s: got %+v, want %+v", k, got[k], want[k])
			}
		}
		for k := range maps.Keys(got) {
			if _, ok := want[k]; !ok {
				t.Errorf("%s: unexpected %+v", k, got[k])
			}
		}
	}
}

func TestFullNameUpperCaseKeepsDiacritics(t *testing.T) {
	for in, want := range map[string]string{
		"Lê Minh Khoa":            "LÊ MINH KHOA",
		"Nguyễn Thị Ánh":          "NGUYỄN THỊ ÁNH",
		"Nguyễn Văn An":           "NGUYỄN VĂN AN",
		"  đặng   thị ngọc  ánh ": "ĐẶNG THỊ NGỌC ÁNH",
		"Phạm Thị Hương Giang":    "PHẠM THỊ HƯƠNG GIANG",
		"Hoàng Đức Thuỷ":          "HOÀNG ĐỨC THUỶ",
		"Lò Văn Ỷ":                "LÒ VĂN Ỷ",
		// Decomposed input (base letter + combining marks) comes out NFC.
		norm.NFD.String("Trần Thị Ánh Tuyết"): "TRẦN THỊ ÁNH TUYẾT",
	} {
		got := FormFromClaims(map[string]any{"name": in}, time.Now())["full_name"]
		if got.Value != want || !got.FromEID {
			t.Errorf("name %q: got %+v, want %q from the e-ID", in, got, want)
		}
		if !norm.NFC.IsNormalString(got.Value) {
			t.Errorf("name %q: %q is not NFC", in, got.Value)
		}
	}
}

func TestOver18Months(t *testing.T) {
	day := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		since, today, full string
		over               bool
	}{
		{"2019-06-01", "2020-11-30", "2020-12-01", false},
		{"2019-06-01", "2020-12-01", "2020-12-01", false}, // exactly 18 months is not "over"
		{"2019-06-01", "2020-12-02", "2020-12-01", true},
		{"2023-08-31", "2025-02-28", "2025-02-28", false}, // no 31 February: the month's last day
		{"2023-08-31", "2025-03-01", "2025-02-28", true},
		{"2022-08-31", "2024-02-29", "2024-02-29", false}, // leap year
		{"2022-08-31", "2024-03-01", "2024-02-29", true},
		{"2023-12-15", "2025-06-15", "2025-06-15", false}, // across a year end
		{"2023-12-15", "2025-06-16", "2025-06-15", true},
		{"2025-01-01", "2025-01-01", "2026-07-01", false},
	}
	for _, tt := range tests {
		over, full := over18Months(day(tt.since), day(tt.today))
		if over != tt.over || !full.Equal(day(tt.full)) {
			t.Errorf("since %s, today %s: over %v, full %s; want %v, %s", tt.since, tt.today, over, full.Format(time.DateOnly), tt.over, tt.full)
		}
	}
}

func TestOver18MonthsCountsTheDayInVietnam(t *testing.T) {
	c := map[string]any{"vn_permanent_residence": map[string]any{"since": "2019-06-01"}}
	// 1 December 2020, 23:00 in Vietnam: exactly 18 months.
	if got := FormFromClaims(c, at(t, "2020-12-01", 23))["residence_over_18_months"]; got.Value != "Không" {
		t.Errorf("on the day 18 months are complete: %+v, want Không", got)
	}
	// 2 December, 00:30 in Vietnam, which is still 1 December in UTC.
	now := at(t, "2020-12-02", 0).Add(30 * time.Minute)
	if now.UTC().Day() != 1 {
		t.Fatal("test moment should still be 1 December in UTC")
	}
	got := FormFromClaims(c, now)["residence_over_18_months"]
	if got.Value != "Có" || !got.FromEID {
		t.Errorf("the day after: %+v, want Có", got)
	}
	for _, want := range []string{"01/06/2019", "01/12/2020", "hôm nay (02/12/2020)", "trên 18 tháng", "nhà trường"} {
		if !strings.Contains(got.Note, want) {
			t.Errorf("the rule as stated %q lacks %q", got.Note, want)
		}
	}
	// A date in the future is a data error: left to the candidate.
	c = map[string]any{"vn_permanent_residence": map[string]any{"since": "2030-01-01"}}
	f := FormFromClaims(c, at(t, "2025-03-10", 9))
	if _, ok := f["residence_over_18_months"]; ok {
		t.Errorf("a future since date was used: %+v", f)
	}
}

func TestPlaceOfBirth(t *testing.T) {
	for claim, want := range map[string]string{
		`{"country":"VN","region":"Nghệ An","locality":"Xã Nghi Phú"}`: "Nghệ An",
		`{"country":"VN","region":"040"}`:                              "Nghệ An",
		`{"country":"vn","region":"79"}`:                               "TP. Hồ Chí Minh",
		`{"region":"Hà Nội"}`:                                          "Hà Nội",
		`{"country":"JP","region":"Tokyo","locality":"Shinjuku"}`:      "Nhật Bản",
		`{"country":"de"}`:                                             "Đức",
		`{"country":"ZZ","region":"Somewhere"}`:                        "ZZ",
		`{"country":"VN","locality":"Xã Nghi Phú"}`:                    "", // no province
		`{"country":"VN","region":"003"}`:                              "", // no such code
		`"Nghệ An"`:                                                    "", // not an object
	} {
		got := FormFromClaims(claimsJSON(t, `{"place_of_birth":`+claim+`}`), time.Now())["place_of_birth"]
		if got.Value != want || got.FromEID != (want != "") {
			t.Errorf("place_of_birth %s: got %+v, want %q", claim, got, want)
		}
	}
}

func TestForeignNationality(t *testing.T) {
	for claim, want := range map[string]string{
		`["VN","FR"]`:      "Pháp",
		`["US"]`:           "Hoa Kỳ",
		`["KR","VN","CA"]`: "Hàn Quốc, Ca-na-đa",
	} {
		got := FormFromClaims(claimsJSON(t, `{"nationalities":`+claim+`}`), time.Now())["foreign_nationality"]
		if got.Value != want || !got.FromEID {
			t.Errorf("nationalities %s: got %+v, want %q", claim, got, want)
		}
	}
	got := FormFromClaims(claimsJSON(t, `{"nationalities":["VN"]}`), time.Now())["foreign_nationality"]
	if got.Value != "" || got.FromEID || got.Note == "" {
		t.Errorf(`["VN"]: got %+v, want an empty item with a note`, got)
	}
}

func TestMissingClaimsLeaveItemsToTheCandidate(t *testing.T) {
	now := time.Now()
	for _, c := range []map[string]any{nil, {}, {"sub": "x", "email_verified": false}} {
		if got := FormFromClaims(c, now); len(got) != 0 {
			t.Errorf("FormFromClaims(%v) = %+v, want the empty form", c, got)
		}
	}
	// Wrong types and malformed values count as missing, never printed.
	c := claimsJSON(t, `{"name": 42, "gender": "other", "birthdate": "2007", "vn_pin": "04020765432",
		"nationalities": "VN", "place_of_birth": null, "vn_ethnicity": "Thái",
		"vn_permanent_residence": "Hà Nội", "vn_current_residence": {"province_code": "01"},
		"phone_number": ["+84987654321"], "email": {"x": 1}}`)
	if got := FormFromClaims(c, now); len(got) != 0 {
		t.Errorf("malformed claims: got %+v, want the empty form", got)
	}
	// Partial dates (OIDC Core §5.1) and impossible ones are left empty.
	for _, b := range []string{"2007", "0000-09-05", "2007-02-30"} {
		if got := FormFromClaims(map[string]any{"birthdate": b}, now); len(got) != 0 {
			t.Errorf("birthdate %q: got %+v", b, got)
		}
	}
	// Ethnicity withheld: the rest is filled, item 4 is not.
	c = claimsJSON(t, fullClaims)
	delete(c, "vn_ethnicity")
	f := FormFromClaims(c, now)
	if _, ok := f["ethnicity"]; ok {
		t.Errorf("ethnicity filled without the claim: %+v", f["ethnicity"])
	}
	if f["full_name"].Value != "NGUYỄN VĂN AN" {
		t.Errorf("full_name: %+v", f["full_name"])
	}
	// Residence without codes or date: the address alone.
	f = FormFromClaims(claimsJSON(t, `{"vn_permanent_residence":{"formatted":"Dòng 1\r\nDòng 2","province_code":"4O"}}`), now)
	if want := (Form{"permanent_address": {Value: "Dòng 1, Dòng 2", FromEID: true}}); !maps.Equal(f, want) {
		t.Errorf("residence without codes: got %+v, want %+v", f, want)
	}
	// A foreign phone number is kept as given.
	if got := FormFromClaims(map[string]any{"phone_number": "+12025550100"}, now)["phone"].Value; got != "+12025550100" {
		t.Errorf("foreign phone: %q", got)
	}
}

// The table is the single source of the form and the claims request:
// ids are unique, every claim-backed input can be filled, and inputs that
// share a claim agree on whether it is essential.
func TestFormTableIsConsistent(t *testing.T) {
	ids := map[string]bool{}
	voluntary := map[string]bool{}
	for _, in := range formInputs() {
		if ids[in.ID] {
			t.Errorf("duplicate input id %q", in.ID)
		}
		ids[in.ID] = true
		if in.Label == "" {
			t.Errorf("%s has no label", in.ID)
		}
		if (in.Claim == "") != (in.fill == nil) {
			t.Errorf("%s: claim %q and fill function must come together", in.ID, in.Claim)
		}
		if in.Claim == "" {
			continue
		}
		if v, seen := voluntary[in.Claim]; seen && v != in.Voluntary {
			t.Errorf("inputs of %s disagree on whether it is voluntary", in.Claim)
		}
		voluntary[in.Claim] = in.Voluntary
	}
	items := map[string]bool{}
	for _, s := range formSections {
		for _, it := range s.Items {
			if items[it.No] {
				t.Errorf("item %s appears twice", it.No)
			}
			items[it.No] = true
		}
	}
}
