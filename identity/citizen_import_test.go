package identity

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"golang.org/x/text/unicode/norm"
)

const citizenHeader = "id_number,full_name,birthdate,gender,phone,email,permanent_address,province_code"

// importNow is the clock for import tests: 15 June 2025, 12:00 in Hanoi.
var importNow = time.Date(2025, 6, 15, 12, 0, 0, 0, vietnamTime)

func parseCSV(t *testing.T, in string) ([]Citizen, []RowError) {
	t.Helper()
	good, rejected, err := ParseCitizensCSV(strings.NewReader(in), importNow)
	if err != nil {
		t.Fatalf("ParseCitizensCSV: %v", err)
	}
	return good, rejected
}

func TestParseCitizensCSVGood(t *testing.T) {
	in := "\ufeff" + citizenHeader + "\r\n" +
		"001095012345,Nguyễn Văn An,1995-03-07,male,0901234567,an@Example.COM,\"Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội\",001\r\n" +
		"079 304 123 456,  Trần   Thị\u00a0Bình ,2004-11-30,Nữ,+84 912 345 678,,,79\r\n" +
		"040.207.654.321," + norm.NFD.String("Lê Đức Cường") + ",2007-01-01,NAM,84987654321,,,\r\n" +
		"048188000777,H\u2019Hen Niê,1988-02-29,f,038.123.4567,hhen.nie+id@mail.example.vn,\"Thôn 3,\nxã Hòa Khánh\",048\r\n" +
		"240090111222,Phạm Minh-Tuấn,1990-12-31,M,(090) 111-2223,,,\r\n" +
		"001195000001,Đỗ Thu,1995-06-15,nu,0351234567,,,\r\n"
	good, rejected := parseCSV(t, in)
	if len(rejected) != 0 {
		t.Fatalf("rejected: %+v", rejected)
	}
	want := []Citizen{
		{PIN: "001095012345", FullName: "Nguyễn Văn An", Birthdate: "1995-03-07", Gender: Male, Phone: "+84901234567",
			Email: "an@example.com", PermanentAddress: "Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội", ProvinceCode: "001"},
		{PIN: "079304123456", FullName: "Trần Thị Bình", Birthdate: "2004-11-30", Gender: Female, Phone: "+84912345678", ProvinceCode: "79"},
		{PIN: "040207654321", FullName: "Lê Đức Cường", Birthdate: "2007-01-01", Gender: Male, Phone: "+84987654321"},
		{PIN: "048188000777", FullName: "H'Hen Niê", Birthdate: "1988-02-29", Gender: Female, Phone: "+84381234567",
			Email: "hhen.nie+id@mail.example.vn", PermanentAddress: "Thôn 3, xã Hòa Khánh", ProvinceCode: "048"},
		{PIN: "240090111222", FullName: "Phạm Minh-Tuấn", Birthdate: "1990-12-31", Gender: Male, Phone: "+84901112223"},
		{PIN: "001195000001", FullName: "Đỗ Thu", Birthdate: "1995-06-15", Gender: Female, Phone: "+84351234567"},
	}
	basic := []string{FieldFullName, FieldBirthdate, FieldGender, FieldPhone, FieldEmail, FieldPermanentAddress, FieldProvinceCode}
	for i := range want {
		want[i].UpdatedAt = importNow
		want[i].Fields = basic
	}
	if !reflect.DeepEqual(good, want) {
		t.Errorf("got\n%+v\nwant\n%+v", good, want)
	}
	for _, c := range good {
		if !norm.NFC.IsNormalString(c.FullName) {
			t.Errorf("%q is not NFC", c.FullName)
		}
	}
}

func TestParseCitizensCSVColumnOrder(t *testing.T) {
	// Any order, any case; optional columns may be left out, and then
	// the record does not carry their fields (the stored values stay).
	in := "Phone, GENDER ,birthdate,full_name,id_number\n" +
		"0901234567,female,2004-11-30,Trần Thị Bình,079304123456\n"
	good, rejected := parseCSV(t, in)
	want := []Citizen{{PIN: "079304123456", FullName: "Trần Thị Bình", Birthdate: "2004-11-30", Gender: Female,
		Phone: "+84901234567", UpdatedAt: importNow, Fields: []string{FieldFullName, FieldBirthdate, FieldGender, FieldPhone}}}
	if len(rejected) != 0 || !reflect.DeepEqual(good, want) {
		t.Errorf("got %+v, %+v; want %+v", good, rejected, want)
	}
}

// row builds a data line from the eight columns, overriding some.
func row(over map[string]string) string {
	v := map[string]string{
		"id_number": "001095012345", "full_name": "Nguyễn Văn An", "birthdate": "1995-03-07", "gender": "male",
		"phone": "0901234567", "email": "", "permanent_address": "", "province_code": "",
	}
	for k, x := range over {
		v[k] = x
	}
	var fields []string
	for _, col := range strings.Split(citizenHeader, ",") {
		f := v[col]
		if strings.ContainsAny(f, ",\"\n") {
			f = `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
		}
		fields = append(fields, f)
	}
	return strings.Join(fields, ",")
}

func TestParseCitizensCSVRowRules(t *testing.T) {
	tests := []struct {
		name   string
		over   map[string]string
		reason string // substring of the English reason; "" = accepted
	}{
		{"baseline", nil, ""},
		// id_number
		{"no id", map[string]string{"id_number": ""}, "id_number: required"},
		{"unknown province", map[string]string{"id_number": "003095012345"}, "id_number: The personal identification number starts with an unknown province"},
		{"born 2195", map[string]string{"id_number": "079495000001"}, "id_number: The birth year"},
		{"11 digits", map[string]string{"id_number": "07909512345"}, "Leading zeros may have been dropped"},
		{"10 digits", map[string]string{"id_number": "1095012345"}, "Leading zeros may have been dropped"},
		{"9 digits (an old CMND?)", map[string]string{"id_number": "123456789"}, "id_number: The personal identification number must have exactly 12 digits."},
		{"scientific notation", map[string]string{"id_number": "1.09501E+11"}, "exactly 12 digits"},
		// full_name
		{"no name", map[string]string{"full_name": "   "}, "full_name: required"},
		{"digits in name", map[string]string{"full_name": "Nguyễn Văn 2"}, "full_name: may contain only letters"},
		{"punctuation only", map[string]string{"full_name": "' -"}, "full_name: contains no letters"},
		{"zero-width space", map[string]string{"full_name": "Nguyễn\u200bAn"}, "full_name: may contain only letters"},
		{"100 characters", map[string]string{"full_name": strings.Repeat("ữ", 100)}, ""},
		{"101 characters", map[string]string{"full_name": strings.Repeat("ữ", 101)}, "full_name: longer than 100 characters"},
		{"Windows-1258 bytes", map[string]string{"full_name": "Nguy\xd2n V\xe3n An"}, "full_name: not UTF-8 text"},
		// birthdate
		{"no birthdate", map[string]string{"birthdate": ""}, "birthdate: required"},
		{"day first", map[string]string{"birthdate": "07/03/1995"}, "birthdate: must be a date written YYYY-MM-DD"},
		{"no zero padding", map[string]string{"birthdate": "1995-3-7"}, "birthdate: must be a date"},
		{"30 February", map[string]string{"birthdate": "1995-02-30"}, "birthdate: must be a date"},
		{"29 February, not leap", map[string]string{"birthdate": "1995-02-29"}, "birthdate: must be a date"},
		{"with time", map[string]string{"birthdate": "1995-03-07T00:00:00"}, "birthdate: must be a date"},
		{"tomorrow", map[string]string{"id_number": "001225012345", "birthdate": "2025-06-16"}, "birthdate: is in the future"},
		{"today", map[string]string{"id_number": "001225012345", "birthdate": "2025-06-15"}, ""},
		{"1899", map[string]string{"birthdate": "1899-12-31"}, "birthdate: is before 1900"},
		{"1900-01-01", map[string]string{"birthdate": "1900-01-01"}, ""},
		// gender
		{"no gender", map[string]string{"gender": ""}, "gender: must be male or female"},
		{"other gender word", map[string]string{"gender": "x"}, "gender: must be male or female"},
		{"nữ decomposed", map[string]string{"gender": norm.NFD.String("NỮ")}, ""},
		// phone
		{"no phone", map[string]string{"phone": ""}, "phone: required"},
		{"landline", map[string]string{"phone": "02438251234"}, "phone: must be a Vietnamese mobile number"},
		{"leading zero dropped", map[string]string{"phone": "901234567"}, "the leading 0 may have been dropped"},
		{"foreign", map[string]string{"phone": "+14155550123"}, "phone: must be a Vietnamese mobile number"},
		{"too long", map[string]string{"phone": "09012345678"}, "phone: must be a Vietnamese mobile number"},
		{"letters", map[string]string{"phone": "090123456a"}, "phone: must be a Vietnamese mobile number"},
		// email
		{"display name", map[string]string{"email": "An <an@example.com>"}, "email: not a valid e-mail address"},
		{"angle brackets", map[string]string{"email": "<an@example.com>"}, "email: not a valid e-mail address"},
		{"no at", map[string]string{"email": "an.example.com"}, "email: not a valid e-mail address"},
		{"no dot in domain", map[string]string{"email": "an@localhost"}, "email: not a valid e-mail address"},
		{"two addresses", map[string]string{"email": "a@example.com, b@example.com"}, "email: not a valid e-mail address"},
		{"too long", map[string]string{"email": strings.Repeat("a", 250) + "@example.com"}, "email: not a valid e-mail address"},
		// permanent_address
		{"300 characters", map[string]string{"permanent_address": strings.Repeat("đ", 300)}, ""},
		{"301 characters", map[string]string{"permanent_address": strings.Repeat("đ", 301)}, "permanent_address: longer than 300 characters"},
		{"control character", map[string]string{"permanent_address": "Số 1\x07 Hà Nội"}, "permanent_address: contains control characters"},
		// province_code
		{"2 digits", map[string]string{"province_code": "01"}, ""},
		{"3 digits, not in table", map[string]string{"province_code": "003"}, "province_code: must be a 2-digit"},
		{"1 digit", map[string]string{"province_code": "1"}, "province_code: must be a 2-digit"},
		{"4 digits", map[string]string{"province_code": "0001"}, "province_code: must be a 2-digit"},
		{"letters", map[string]string{"province_code": "HN"}, "province_code: must be a 2-digit"},
		// limits
		{"field over 1 KiB", map[string]string{"permanent_address": strings.Repeat("a", 1025)}, "permanent_address: longer than 1024 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			good, rejected := parseCSV(t, citizenHeader+"\n"+row(tt.over)+"\n")
			if tt.reason == "" {
				if len(good) != 1 || len(rejected) != 0 {
					t.Fatalf("want accepted; got good=%d rejected=%+v", len(good), rejected)
				}
				return
			}
			if len(good) != 0 || len(rejected) != 1 {
				t.Fatalf("want one rejection; got good=%+v rejected=%+v", good, rejected)
			}
			r := rejected[0]
			if r.Line != 2 {
				t.Errorf("line = %d, want 2", r.Line)
			}
			if !strings.Contains(r.Reason, tt.reason) {
				t.Errorf("reason %q does not contain %q", r.Reason, tt.reason)
			}
			col, _, _ := strings.Cut(tt.reason, ":")
			if r.ReasonVI == "" || r.ReasonVI == r.Reason || (strings.Contains(tt.reason, ":") && !strings.HasPrefix(r.ReasonVI, col+":")) {
				t.Errorf("Vietnamese reason %q", r.ReasonVI)
			}
		})
	}
}

func TestParseCitizensCSVNoValuesInReasons(t *testing.T) {
	secret := map[string]string{
		"id_number": "003095012345", "full_name": "Nguyễn Văn 7", "phone": "02438251234",
		"email": "Ông An <secret@example.com>", "birthdate": "07/03/1995",
	}
	_, rejected := parseCSV(t, citizenHeader+"\n"+row(secret)+"\n")
	if len(rejected) != 1 {
		t.Fatalf("rejected = %+v", rejected)
	}
	for _, v := range []string{"003095012345", "Nguyễn", "02438251234", "secret", "07/03/1995"} {
		if strings.Contains(rejected[0].Reason, v) || strings.Contains(rejected[0].ReasonVI, v) {
			t.Errorf("reason repeats the value %q: %+v", v, rejected[0])
		}
	}
}

func TestParseCitizensCSVAllProblemsOfARow(t *testing.T) {
	_, rejected := parseCSV(t, citizenHeader+"\n"+row(map[string]string{"birthdate": "x", "gender": "x", "phone": "x"})+"\n")
	if len(rejected) != 1 {
		t.Fatalf("rejected = %+v", rejected)
	}
	for _, col := range []string{"birthdate:", "gender:", "phone:"} {
		if !strings.Contains(rejected[0].Reason, col) || !strings.Contains(rejected[0].ReasonVI, col) {
			t.Errorf("reason %+v lacks %s", rejected[0], col)
		}
	}
	if strings.Contains(rejected[0].Reason, "id_number") {
		t.Errorf("reason %q blames a valid column", rejected[0].Reason)
	}
}

func TestParseCitizensCSVLinesAndStructure(t *testing.T) {
	in := citizenHeader + "\n" + // 1
		row(nil) + "\n" + // 2 good
		"\n" + // 3 blank: skipped
		",,,,,,,\n" + // 4 spreadsheet blank row: skipped
		row(map[string]string{"id_number": "079304123456", "permanent_address": "Phường 1,\nQuận 3\nTP HCM"}) + "\n" + // 5–7 good, multi-line
		"079304123456,too,few\n" + // 8 wrong count
		row(map[string]string{"id_number": "001 095 012 345", "full_name": "Người Khác"}) + "\n" + // 9 duplicate of line 2
		"048188000777,Đặng Thị Hoa,1988-02-29,female,0901234567,,,1,2\n" + // 10: 9 fields
		`040207654321,Lê "Cường",2007-01-01,male,0901234567,,,` + "\n" + // 11 bare quote
		row(map[string]string{"id_number": "040207654321"}) + "\n" + // 12 good: the CSV error did not stop the import
		row(map[string]string{"id_number": "079304123456", "phone": "x"}) + "\n" + // 13 duplicate and bad phone
		row(map[string]string{"id_number": "048188000777", "gender": "x"}) + "\n" + // 14 bad gender
		row(map[string]string{"id_number": "048188000777"}) + "\n" // 15 duplicate of a rejected row
	good, rejected := parseCSV(t, in)

	var pins []string
	for _, c := range good {
		pins = append(pins, c.PIN)
	}
	if want := []string{"001095012345", "079304123456", "040207654321"}; !reflect.DeepEqual(pins, want) {
		t.Errorf("good PINs = %v, want %v", pins, want)
	}
	if good[1].PermanentAddress != "Phường 1, Quận 3 TP HCM" {
		t.Errorf("multi-line address = %q", good[1].PermanentAddress)
	}
	want := []struct {
		line   int
		reason string
	}{
		{8, "expected 8 fields, found 3"},
		{9, "id_number: the same ID number is on line 2"},
		{10, "expected 8 fields, found 9"},
		{11, `a quote (") inside a field`},
		{13, "phone: must be"},
		{14, "gender: must be"},
		{15, "id_number: the same ID number is on line 14"},
	}
	if len(rejected) != len(want) {
		t.Fatalf("rejected = %+v, want %d rows", rejected, len(want))
	}
	for i, w := range want {
		if rejected[i].Line != w.line || !strings.Contains(rejected[i].Reason, w.reason) {
			t.Errorf("rejected[%d] = %+v, want line %d reason containing %q", i, rejected[i], w.line, w.reason)
		}
		if rejected[i].ReasonVI == "" {
			t.Errorf("rejected[%d] has no Vietnamese reason", i)
		}
	}
	if !strings.Contains(rejected[4].Reason, "the same ID number is on line 5") {
		t.Errorf("line 13 should also be a duplicate of line 5: %q", rejected[4].Reason)
	}
}

func TestParseCitizensCSVUnclosedQuote(t *testing.T) {
	in := citizenHeader + "\n" +
		row(nil) + "\n" +
		`079304123456,"Trần Thị Bình,2004-11-30,female,0901234567,,,` + "\n" +
		row(map[string]string{"id_number": "040207654321"}) + "\n"
	good, rejected := parseCSV(t, in)
	if len(good) != 1 || len(rejected) != 1 {
		t.Fatalf("good=%+v rejected=%+v", good, rejected)
	}
	if r := rejected[0]; r.Line != 3 || !strings.Contains(r.Reason, "lines 3 to 4 were read as one row") {
		t.Errorf("rejected = %+v", r)
	}
}

func TestParseCitizensCSVHeaderErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // substrings of the error
	}{
		{"empty file", "", []string{"empty"}},
		{"bad quoting", `id_number,"full_name"x,birthdate` + "\n", []string{"line 1"}},
		{"only blank lines", "\n\n", []string{"empty"}},
		{"data without header", row(nil) + "\n", []string{"first line must name the columns"}},
		{"missing columns", "id_number,full_name,birthdate\n", []string{"missing columns: gender, phone"}},
		{"unknown columns", citizenHeader + ",ethnicity,Nơi sinh\n", []string{`unknown columns: "ethnicity", "nơi sinh"`}},
		{"empty column name", citizenHeader + ",\n", []string{"(empty, column 9)"}},
		{"repeated column", citizenHeader + ",phone\n", []string{"repeated columns: phone"}},
		{"several problems", "id_number,full_name,extra,full_name\n", []string{"missing columns: birthdate, gender, phone", `unknown columns: "extra"`, "repeated columns: full_name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			good, rejected, err := ParseCitizensCSV(strings.NewReader(tt.in), importNow)
			if !errors.Is(err, ErrImportHeader) {
				t.Fatalf("err = %v, want ErrImportHeader", err)
			}
			if good != nil || rejected != nil {
				t.Errorf("results alongside a header error: %v %v", good, rejected)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "001095012345") || strings.Contains(err.Error(), "Nguyễn") {
				t.Errorf("error %q repeats personal data from the file", err)
			}
		})
	}
}

func TestParseCitizensCSVHeaderOnly(t *testing.T) {
	good, rejected, err := ParseCitizensCSV(strings.NewReader(citizenHeader+"\n"), importNow)
	if err != nil || len(good) != 0 || len(rejected) != 0 {
		t.Errorf("got %v, %v, %v; want nothing and no error", good, rejected, err)
	}
}

func TestParseCitizensCSVRowLimit(t *testing.T) {
	if importRowLimit != 1_000_000 {
		t.Fatalf("row limit is %d, want 1,000,000", importRowLimit)
	}
	defer func(n int) { importRowLimit = n }(importRowLimit)
	importRowLimit = 3

	body := citizenHeader + "\n" +
		row(nil) + "\n" + // counts
		"x\n" + // rejected rows count too
		`"bad"quote` + "\n" + // and so do unparseable ones
		",,,,,,,\n" // an empty row does not
	good, rejected, err := ParseCitizensCSV(strings.NewReader(body), importNow)
	if err != nil || len(good) != 1 || len(rejected) != 2 {
		t.Fatalf("at the limit: %v, %v, %v", good, rejected, err)
	}
	for _, extra := range []string{row(map[string]string{"id_number": "079304123456"}), "x", `"bad"quote`} {
		good, rejected, err := ParseCitizensCSV(strings.NewReader(body+extra+"\n"), importNow)
		if !errors.Is(err, ErrImportTooBig) || !strings.Contains(err.Error(), "more than 3 rows") || good != nil || rejected != nil {
			t.Errorf("over the limit with %q: %v, %v, %v; want ErrImportTooBig only", extra, good, rejected, err)
		}
	}
}

func TestParseCitizensCSVLongLine(t *testing.T) {
	// A field over 1 KiB rejects its row; a line over 64 KiB (a file with
	// no line breaks, say) stops the import before it is read into memory.
	long := citizenHeader + "\n" + row(map[string]string{"permanent_address": strings.Repeat("a", 60<<10)}) + "\n" + row(map[string]string{"id_number": "079304123456"}) + "\n"
	good, rejected := parseCSV(t, long)
	if len(good) != 1 || len(rejected) != 1 || rejected[0].Line != 2 {
		t.Errorf("60 KiB line: good=%d rejected=%+v", len(good), rejected)
	}

	huge := citizenHeader + "\n" + row(nil) + "\n" + strings.Repeat("a", 70<<10) + "\n"
	_, _, err := ParseCitizensCSV(strings.NewReader(huge), importNow)
	if !errors.Is(err, ErrImportTooBig) || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("70 KiB line: err = %v, want ErrImportTooBig on line 3", err)
	}

	// The same inside an unclosed quoted field: physical lines still count.
	quoted := citizenHeader + "\n\"" + strings.Repeat("a", 70<<10) + "\n"
	if _, _, err := ParseCitizensCSV(strings.NewReader(quoted), importNow); !errors.Is(err, ErrImportTooBig) {
		t.Errorf("70 KiB quoted line: err = %v, want ErrImportTooBig", err)
	}
}

func TestParseCitizensCSVReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	r := io.MultiReader(strings.NewReader(citizenHeader+"\n"+row(nil)+"\n"), iotest.ErrReader(boom))
	good, rejected, err := ParseCitizensCSV(r, importNow)
	if !errors.Is(err, boom) || good != nil || rejected != nil {
		t.Errorf("got %v, %v, %v; want only the read error", good, rejected, err)
	}
}

func TestNormalizePhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0901234567", "+84901234567"},
		{"+84901234567", "+84901234567"},
		{"84901234567", "+84901234567"},
		{" 090 123 4567 ", "+84901234567"},
		{"0901.234.567", "+84901234567"},
		{"(+84) 90-123-4567", "+84901234567"},
		{"0321234567", "+84321234567"},
		{"0561234567", "+84561234567"},
		{"0701234567", "+84701234567"},
		{"0812345678", "+84812345678"},
		{"0241234567", ""},   // 02x is a landline prefix
		{"02438251234", ""},  // landline, 11 digits
		{"0121234567", ""},   // 01x mobile prefixes were retired in 2018
		{"01212345678", ""},  // the old 11-digit form
		{"090123456", ""},    // 9 digits with 0
		{"09012345678", ""},  // 11 digits with 0
		{"8490123456", ""},   // 84 + 8 digits
		{"849012345678", ""}, // 84 + 10 digits
		{"+840901234567", ""},
		{"+1 415 555 0123", ""},
		{"0090123456", ""},
		{"090123456x", ""},
		{"", ""},
		{"+84", ""},
		{"０９０１２３４５６７", ""}, // full-width digits
	}
	for _, tt := range tests {
		got, err := NormalizePhone(tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("NormalizePhone(%q) = %q, want an error", tt.in, got)
			} else if _, ok := err.(LocalizedError); !ok {
				t.Errorf("NormalizePhone(%q) error %T is not a LocalizedError", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestParseGender(t *testing.T) {
	tests := []struct {
		in   string
		want Gender
		ok   bool
	}{
		{"male", Male, true}, {"MALE", Male, true}, {"Nam", Male, true}, {"m", Male, true}, {" M ", Male, true},
		{"female", Female, true}, {"Female", Female, true}, {"nữ", Female, true}, {"NỮ", Female, true},
		{norm.NFD.String("Nữ"), Female, true}, {"nu", Female, true}, {"F", Female, true},
		{"", "", false}, {"man", "", false}, {"woman", "", false}, {"0", "", false}, {"1", "", false},
		{"nư", "", false}, {"n", "", false}, {"other", "", false},
	}
	for _, tt := range tests {
		g, ok := ParseGender(tt.in)
		if g != tt.want || ok != tt.ok {
			t.Errorf("ParseGender(%q) = %q, %v; want %q, %v", tt.in, g, ok, tt.want, tt.ok)
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	tests := []struct{ in, want string }{
		{"an@example.com", "an@example.com"},
		{"An.Nguyen@Example.COM", "An.Nguyen@example.com"}, // local part kept
		{"a+tag@mail.example.vn", "a+tag@mail.example.vn"},
		{"an@example", ""},
		{"an@.example.com", ""},
		{"an@example.com.", ""},
		{"An <an@example.com>", ""},
		{"an@example.com (An)", ""},
		{"an@@example.com", ""},
		{"@example.com", ""},
	}
	for _, tt := range tests {
		got, err := normalizeEmail(tt.in)
		if (tt.want == "") != (err != nil) || got != tt.want {
			t.Errorf("normalizeEmail(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestSplitName(t *testing.T) {
	tests := []struct{ in, family, middle, given string }{
		{"Nguyễn Văn An", "Nguyễn", "Văn", "An"},
		{"Trần Thị Ngọc Bích", "Trần", "Thị Ngọc", "Bích"},
		{"Lê Cường", "Lê", "", "Cường"},
		{"Tôn Nữ Thị Minh Khai", "Tôn", "Nữ Thị Minh", "Khai"},
		{"  Đỗ   Thu  ", "Đỗ", "", "Thu"},
		{"An", "", "", "An"},
		{"", "", "", ""},
	}
	for _, tt := range tests {
		f, m, g := SplitName(tt.in)
		if f != tt.family || m != tt.middle || g != tt.given {
			t.Errorf("SplitName(%q) = %q, %q, %q; want %q, %q, %q", tt.in, f, m, g, tt.family, tt.middle, tt.given)
		}
	}
}

func TestRowErrorError(t *testing.T) {
	e := RowError{Line: 7, Reason: "gender: must be male or female", ReasonVI: "gender: …"}
	if got, want := e.Error(), "line 7: gender: must be male or female"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	_ = fmt.Sprint(e)
}
