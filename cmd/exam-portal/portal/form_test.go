package portal

import (
	"encoding/json"
	"testing"
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

func TestFormFromClaimsFull(t *testing.T) {
	c := claimsJSON(t, `{
		"sub": "pairwise-123",
		"name": "Nguyễn Văn An",
		"gender": "male",
		"birthdate": "2007-09-05",
		"place_of_birth": {"country": "VN", "region": "040"},
		"vn_ethnicity": {"code": "01", "label": "Kinh"},
		"nationalities": ["VN"],
		"vn_pin": "040207654321",
		"address": {"formatted": "Số 1 đường Lê Lợi\nPhường Hưng Bình, TP. Vinh", "country": "VN", "region": "040"},
		"vn_permanent_residence": {"province_code": "040", "district_code": "412", "commune_code": "16681", "since": "2015-03-01"},
		"phone_number": "+84912345678",
		"email": "an.nguyen@example.vn",
		"vn_current_residence": {"formatted": "Ký túc xá A, Hà Nội"}
	}`)
	got := FormFromClaims(c)
	e := func(v string) Field { return Field{Value: v, FromEID: true} }
	want := Form{
		FullName:         e("NGUYỄN VĂN AN"),
		Sex:              e("Nam"),
		DateOfBirth:      e("05/09/2007"),
		PlaceOfBirth:     e("Nghệ An"),
		Ethnicity:        e("Kinh"),
		Nationality:      e("Việt Nam"),
		IDNumber:         e("040207654321"),
		PermanentAddress: e("Số 1 đường Lê Lợi, Phường Hưng Bình, TP. Vinh"),
		ProvinceCode:     e("040"),
		DistrictCode:     e("412"),
		CommuneCode:      e("16681"),
		ResidenceSince:   e("01/03/2015"),
		Phone:            e("0912345678"),
		Email:            e("an.nguyen@example.vn"),
		ContactAddress:   e("Ký túc xá A, Hà Nội"),
	}
	if got != want {
		t.Errorf("FormFromClaims:\n got %+v\nwant %+v", got, want)
	}
}

func TestFormFromClaimsMissingLeavesFieldsEditable(t *testing.T) {
	for _, c := range []map[string]any{nil, {}, {"sub": "x", "email_verified": false}} {
		if got := FormFromClaims(c); got != (Form{}) {
			t.Errorf("FormFromClaims(%v) = %+v, want the empty form", c, got)
		}
	}
	// Wrong types count as missing rather than being printed.
	c := claimsJSON(t, `{"name": 42, "gender": true, "birthdate": ["2007-09-05"], "vn_pin": {"x": 1}, "nationalities": "VN", "address": "Hà Nội"}`)
	if got := FormFromClaims(c); got != (Form{}) {
		t.Errorf("malformed claims: got %+v, want the empty form", got)
	}
}

func TestFormFromClaimsItems(t *testing.T) {
	tests := []struct {
		name   string
		claims string
		field  func(Form) Field
		want   string
	}{
		{"name upper case keeps diacritics", `{"name":"Nguyễn Văn An"}`, func(f Form) Field { return f.FullName }, "NGUYỄN VĂN AN"},
		{"name đ and spaces", `{"name":"  đặng   thị ngọc  ánh "}`, func(f Form) Field { return f.FullName }, "ĐẶNG THỊ NGỌC ÁNH"},
		{"name from parts", `{"family_name":"Trần","middle_name":"Thị","given_name":"Bích"}`, func(f Form) Field { return f.FullName }, "TRẦN THỊ BÍCH"},
		{"name preferred to parts", `{"name":"Lê Minh","family_name":"X"}`, func(f Form) Field { return f.FullName }, "LÊ MINH"},
		{"female", `{"gender":"female"}`, func(f Form) Field { return f.Sex }, "Nữ"},
		{"other gender left to candidate", `{"gender":"other"}`, func(f Form) Field { return f.Sex }, ""},
		{"year-only birthdate", `{"birthdate":"2007"}`, func(f Form) Field { return f.DateOfBirth }, ""},
		{"birthdate without year", `{"birthdate":"0000-09-05"}`, func(f Form) Field { return f.DateOfBirth }, ""},
		{"impossible birthdate", `{"birthdate":"2007-02-30"}`, func(f Form) Field { return f.DateOfBirth }, ""},
		{"place of birth by name", `{"place_of_birth":{"region":"Hà Nội"}}`, func(f Form) Field { return f.PlaceOfBirth }, "Hà Nội"},
		{"place of birth HCMC code", `{"place_of_birth":{"country":"vn","region":"079"}}`, func(f Form) Field { return f.PlaceOfBirth }, "TP. Hồ Chí Minh"},
		{"born abroad gives the country", `{"place_of_birth":{"country":"JP","locality":"Tokyo"}}`, func(f Form) Field { return f.PlaceOfBirth }, "JP"},
		{"locality only", `{"place_of_birth":{"locality":"Xã Nghi Phú"}}`, func(f Form) Field { return f.PlaceOfBirth }, "Xã Nghi Phú"},
		{"ethnicity code only", `{"vn_ethnicity":{"code":"01"}}`, func(f Form) Field { return f.Ethnicity }, "01"},
		{"two nationalities", `{"nationalities":["VN","FR"]}`, func(f Form) Field { return f.Nationality }, "Việt Nam, FR"},
		{"address claim alone", `{"address":{"formatted":"Quận 1, TP. HCM","region":"079"}}`, func(f Form) Field { return f.ProvinceCode }, "079"},
		{"region that is no code", `{"address":{"formatted":"x","region":"Hà Nội"}}`, func(f Form) Field { return f.ProvinceCode }, ""},
		{"residence claim wins", `{"address":{"formatted":"A","region":"079"},"vn_permanent_residence":{"formatted":"B","province_code":"001"}}`, func(f Form) Field { return f.PermanentAddress }, "B"},
		{"residence code wins", `{"address":{"formatted":"A","region":"079"},"vn_permanent_residence":{"province_code":"001"}}`, func(f Form) Field { return f.ProvinceCode }, "001"},
		{"address fills what residence lacks", `{"address":{"formatted":"A","region":"079"},"vn_permanent_residence":{"province_code":"001"}}`, func(f Form) Field { return f.PermanentAddress }, "A"},
		{"CRLF address", `{"address":{"formatted":"Dòng 1\r\nDòng 2"}}`, func(f Form) Field { return f.PermanentAddress }, "Dòng 1, Dòng 2"},
		{"foreign phone kept", `{"phone_number":"+12025550100"}`, func(f Form) Field { return f.Phone }, "+12025550100"},
		{"contact address as string", `{"vn_current_residence":"Ký túc xá B"}`, func(f Form) Field { return f.ContactAddress }, "Ký túc xá B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.field(FormFromClaims(claimsJSON(t, tt.claims)))
			if got.Value != tt.want || got.FromEID != (tt.want != "") {
				t.Errorf("got %+v, want value %q (from e-ID: %v)", got, tt.want, tt.want != "")
			}
		})
	}
}
