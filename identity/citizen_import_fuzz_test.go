package identity

import (
	"strings"
	"testing"
	"time"
)

// Rows of `citizens import` are outside input: whatever a file holds, the
// parser neither panics nor lets through a row with an invalid ID number,
// and every rejected row names a line of the file and a reason in both
// languages.
func FuzzParseCitizensCSV(f *testing.F) {
	header := "id_number,full_name,birthdate,gender,phone,email,permanent_address,province_code\n"
	for _, row := range []string{
		"001095012345,Nguyễn Văn An,1995-03-14,male,+84912345678,an@example.vn,Hà Nội,01\n",
		"079304123456,Trần Thị Bích Ngọc,2003-08-21,female,0903123456,,TP. Hồ Chí Minh,79\n",
		"048188000777,Phạm Thị Hoa,1988-13-40,female,+84935000777,,,\n",
		"040207654321,Lê Minh Khoa\n",
		"\"001095012345\",\"=cmd|' /C calc'!A0\",1995-03-14,male,+84912345678,,,01\n",
		"001095012345,\"An\nnewline\",1995-03-14,male,+84912345678,,,01\n",
		"\"unterminated,1995-03-14\n",
		"",
	} {
		f.Add(header + row)
	}
	f.Add("id_number,full_name,birthdate,gender,phone,ethnicity_code,vehicles\n001095012345,An,1995-03-14,male,0912345678,01,30A-123.45|ô tô con|Toyota||2019-05-20\n")
	f.Add("not,a,header\n1,2,3\n")
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, file string) {
		good, rejected, err := ParseCitizensCSV(strings.NewReader(file), now)
		if err != nil {
			if len(good) != 0 {
				t.Fatalf("an error (%v) with %d good rows", err, len(good))
			}
			return
		}
		lines := strings.Count(file, "\n") + 1
		for _, c := range good {
			if _, perr := ParsePIN(c.PIN); perr != nil {
				t.Fatalf("row with an invalid ID number accepted: %q (%v)", c.PIN, perr)
			}
		}
		for _, r := range rejected {
			if r.Line < 2 || r.Line > lines || r.Reason == "" || r.ReasonVI == "" {
				t.Fatalf("rejection %+v in a file of %d lines", r, lines)
			}
		}
	})
}
