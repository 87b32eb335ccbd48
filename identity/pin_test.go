package identity

import (
	"bytes"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

var testNow = time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)

func TestParsePINValid(t *testing.T) {
	tests := []struct {
		in   string
		want PIN
		name string // province name
	}{
		// The fictional fixtures of DOMAIN.md.
		{"001095012345", PIN{Number: "001095012345", Province: "001", BirthYear: 1995, Gender: Male}, "Hà Nội"},
		{"079304123456", PIN{Number: "079304123456", Province: "079", BirthYear: 2004, Gender: Female}, "TP. Hồ Chí Minh"},
		{"040207654321", PIN{Number: "040207654321", Province: "040", BirthYear: 2007, Gender: Male}, "Nghệ An"},
		{"048188000777", PIN{Number: "048188000777", Province: "048", BirthYear: 1988, Gender: Female}, "Đà Nẵng"},
		{"240090111222", PIN{Number: "240090111222", Province: "240", Abroad: true, BirthYear: 1990, Gender: Male}, ""},
		// Formatting that is stripped.
		{"001 095 012 345", PIN{Number: "001095012345", Province: "001", BirthYear: 1995, Gender: Male}, "Hà Nội"},
		{"001.095.012.345", PIN{Number: "001095012345", Province: "001", BirthYear: 1995, Gender: Male}, "Hà Nội"},
		{" 001095012345\t", PIN{Number: "001095012345", Province: "001", BirthYear: 1995, Gender: Male}, "Hà Nội"},
		{"001\u00a0095\u00a0012\u00a0345", PIN{Number: "001095012345", Province: "001", BirthYear: 1995, Gender: Male}, "Hà Nội"},
		// Edges of the province table and the abroad range.
		{"096000000000", PIN{Number: "096000000000", Province: "096", BirthYear: 1900, Gender: Male}, "Cà Mau"},
		{"101199000000", PIN{Number: "101199000000", Province: "101", Abroad: true, BirthYear: 1999, Gender: Female}, ""},
		{"295325000000", PIN{Number: "295325000000", Province: "295", Abroad: true, BirthYear: 2025, Gender: Female}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePINAt(tt.in, testNow)
			if err != nil {
				t.Fatalf("ParsePINAt(%q) error: %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParsePINAt(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if n := got.ProvinceName(); n != tt.name {
				t.Errorf("ProvinceName() = %q, want %q", n, tt.name)
			}
		})
	}
}

func TestParsePINInvalid(t *testing.T) {
	tests := []struct {
		in   string
		want PINReason
	}{
		{"003095012345", PINUnknownProvince}, // fixture: no such code
		{"079495000001", PINFutureBirthYear}, // fixture: born 2195
		{"07909512345", PINBadFormat},        // fixture: 11 digits
		{"", PINBadFormat},
		{"0010950123456", PINBadFormat}, // 13 digits
		{"00109501234a", PINBadFormat},
		{"001-095-012-345", PINBadFormat},                         // only spaces and dots are stripped
		{"００１０９５０１２３４５", PINBadFormat},                            // full-width digits are not ASCII digits
		{"٠٠١٠٩٥٠١٢٣٤٥", PINBadFormat},                            // nor are Arabic-Indic ones
		{strings.Repeat(" ", 100) + "001095012345", PINBadFormat}, // absurdly long input
		{"000095012345", PINUnknownProvince},
		{"097095012345", PINUnknownProvince}, // gap 097–100
		{"100095012345", PINUnknownProvince},
		{"296095012345", PINUnknownProvince}, // above the abroad range
		{"999095012345", PINUnknownProvince},
		{"001226012345", PINFutureBirthYear}, // 2026, a year after testNow
		{"001999999999", PINFutureBirthYear}, // G=9: 2399
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePINAt(tt.in, testNow)
			var pe *PINError
			if !errors.As(err, &pe) {
				t.Fatalf("ParsePINAt(%q) = %+v, %v; want *PINError", tt.in, got, err)
			}
			if pe.Reason != tt.want {
				t.Errorf("reason = %q, want %q", pe.Reason, tt.want)
			}
			if got != (PIN{}) {
				t.Errorf("got %+v alongside an error, want zero PIN", got)
			}
			if d := onlyDigits(tt.in); len(d) >= 6 && strings.Contains(err.Error()+pe.MessageVI(), d) {
				t.Errorf("error message leaks the number: %v", err)
			}
		})
	}
}

func TestParsePINCenturyAndSex(t *testing.T) {
	far := time.Date(2500, 1, 1, 0, 0, 0, 0, time.UTC)
	wantYear := []int{1950, 1950, 2050, 2050, 2150, 2150, 2250, 2250, 2350, 2350}
	for g := 0; g <= 9; g++ {
		in := "001" + string(rune('0'+g)) + "50000000"
		p, err := ParsePINAt(in, far)
		if err != nil {
			t.Fatalf("G=%d: %v", g, err)
		}
		wantGender := Male
		if g%2 == 1 {
			wantGender = Female
		}
		if p.BirthYear != wantYear[g] || p.Gender != wantGender {
			t.Errorf("G=%d: year %d gender %s, want %d %s", g, p.BirthYear, p.Gender, wantYear[g], wantGender)
		}
	}
}

// "In the future" is judged on the Vietnamese calendar (UTC+7).
func TestParsePINYearBoundary(t *testing.T) {
	const born2007 = "040207654321"
	tests := []struct {
		now  time.Time
		ok   bool
		name string
	}{
		{time.Date(2007, 1, 1, 0, 0, 0, 0, vietnamTime), true, "first instant of 2007 in Hanoi"},
		{time.Date(2006, 12, 31, 23, 59, 59, 0, vietnamTime), false, "last second of 2006 in Hanoi"},
		{time.Date(2006, 12, 31, 17, 30, 0, 0, time.UTC), true, "2006 in UTC but 2007 in Hanoi"},
		{time.Date(2006, 12, 31, 16, 30, 0, 0, time.UTC), false, "2006 in UTC and in Hanoi"},
		{time.Date(2007, 1, 1, 1, 0, 0, 0, time.FixedZone("EST", -5*3600)), true, "2007 everywhere"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePINAt(born2007, tt.now)
			if tt.ok && err != nil {
				t.Errorf("error %v, want none", err)
			}
			if !tt.ok && !errors.Is(err, ErrPINFutureBirthYear) {
				t.Errorf("error %v, want ErrPINFutureBirthYear", err)
			}
		})
	}
}

func TestParsePINUsesClock(t *testing.T) {
	// ParsePIN is ParsePINAt(time.Now()): a number born this year passes,
	// one born next year does not.
	y := time.Now().In(vietnamTime).Year()
	if y < 2000 || y > 2098 {
		t.Skip("test assumes the 21st century")
	}
	yy := func(year int) string { return string(rune('0'+year%100/10)) + string(rune('0'+year%10)) }
	if _, err := ParsePIN("0012" + yy(y) + "000000"); err != nil {
		t.Errorf("born this year: %v", err)
	}
	if _, err := ParsePIN("0012" + yy(y+1) + "000000"); !errors.Is(err, ErrPINFutureBirthYear) {
		t.Errorf("born next year: %v, want ErrPINFutureBirthYear", err)
	}
}

func TestPINErrorMessages(t *testing.T) {
	seenEN, seenVI := map[string]bool{}, map[string]bool{}
	for _, r := range []PINReason{PINBadFormat, PINUnknownProvince, PINFutureBirthYear} {
		e := &PINError{Reason: r}
		var le LocalizedError = e
		if le.Code() != string(r) {
			t.Errorf("Code() = %q, want %q", le.Code(), r)
		}
		if seenEN[e.MessageEN()] || seenVI[e.MessageVI()] {
			t.Errorf("%s: message shared with another reason", r)
		}
		seenEN[e.MessageEN()], seenVI[e.MessageVI()] = true, true
		if !strings.Contains(e.MessageVI(), "Số định danh cá nhân") && !strings.Contains(e.MessageVI(), "số định danh cá nhân") {
			t.Errorf("%s: Vietnamese message %q does not name the number", r, e.MessageVI())
		}
		if !strings.Contains(e.Error(), e.MessageEN()) {
			t.Errorf("%s: Error() = %q lacks the English message", r, e.Error())
		}
		if !errors.Is(e, &PINError{Reason: r}) {
			t.Errorf("%s: errors.Is with the same reason is false", r)
		}
	}
	if errors.Is(ErrPINFormat, ErrPINUnknownProvince) {
		t.Error("errors.Is matched different reasons")
	}
}

func TestProvinceTable(t *testing.T) {
	if len(provinceNames) != 63 {
		t.Errorf("table has %d provinces, want the 63 of Circular 07/2016", len(provinceNames))
	}
	code := regexp.MustCompile(`^0\d\d$`)
	for c, n := range provinceNames {
		if !code.MatchString(c) {
			t.Errorf("code %q is not 0dd", c)
		}
		if n == "" || !norm.NFC.IsNormalString(n) {
			t.Errorf("name of %s is empty or not NFC: %q", c, n)
		}
	}
	for _, tt := range []struct{ code, name string }{
		{"001", "Hà Nội"}, {"046", "Thừa Thiên Huế"}, {"079", "TP. Hồ Chí Minh"}, {"092", "Cần Thơ"}, {"096", "Cà Mau"},
	} {
		if n, ok := ProvinceName(tt.code); !ok || n != tt.name {
			t.Errorf("ProvinceName(%s) = %q, %v; want %q", tt.code, n, ok, tt.name)
		}
	}
	for _, gap := range []string{"003", "005", "028", "097", "098", "099", "100", "101", "1", "01"} {
		if n, ok := ProvinceName(gap); ok {
			t.Errorf("ProvinceName(%s) = %q, want unknown", gap, n)
		}
	}
}

func TestCheckAgainst(t *testing.T) {
	p, err := ParsePINAt("001095012345", testNow) // male, 1995
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		birthdate string
		gender    Gender
		want      []string
	}{
		{"1995-03-07", Male, nil},
		{"1996-03-07", Male, []string{WarnPINBirthYear}},
		{"1995-03-07", Female, []string{WarnPINGender}},
		{"2095-03-07", Female, []string{WarnPINBirthYear, WarnPINGender}},
		{"", "", nil},             // nothing to compare
		{"07/03/1996", Male, nil}, // not a date we read: not compared
		{"1995-02-30", Male, nil}, // invalid date: not compared
		{"1994-12-31", "", []string{WarnPINBirthYear}},
	}
	for _, tt := range tests {
		got := p.CheckAgainst(tt.birthdate, tt.gender)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("CheckAgainst(%q, %q) = %q, want %q", tt.birthdate, tt.gender, got, tt.want)
		}
	}
}

func TestPINNotLogged(t *testing.T) {
	p, _ := ParsePINAt("001095012345", testNow)
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("login", "pin", p)
	if strings.Contains(buf.String(), "001095012345") {
		t.Errorf("log line holds the number: %s", buf.String())
	}
	if !strings.Contains(buf.String(), "redacted") {
		t.Errorf("log line lacks the redaction marker: %s", buf.String())
	}
}

func FuzzParsePIN(f *testing.F) {
	for _, s := range []string{
		"001095012345", "079304123456", "040207654321", "048188000777", "240090111222",
		"003095012345", "079495000001", "07909512345", "001 095 012 345", "001.095.012.345",
		"", ".", "０", "295999999999", "\xff\xfe",
	} {
		f.Add(s)
	}
	digits12 := regexp.MustCompile(`^\d{12}$`)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePINAt(s, testNow)
		if err != nil {
			var pe *PINError
			if !errors.As(err, &pe) {
				t.Fatalf("error of type %T, want *PINError", err)
			}
			return
		}
		if !digits12.MatchString(p.Number) {
			t.Fatalf("accepted %q as %q, not 12 digits", s, p.Number)
		}
		again, err := ParsePINAt(p.Number, testNow)
		if err != nil || again != p {
			t.Fatalf("%q re-parsed to %+v, %v; want %+v", p.Number, again, err, p)
		}
		if p.Province != p.Number[:3] || p.BirthYear > 2025 || p.BirthYear < 1900 {
			t.Fatalf("inconsistent PIN %+v", p)
		}
		if _, known := ProvinceName(p.Province); known == p.Abroad {
			t.Fatalf("Abroad=%v but province %q known=%v", p.Abroad, p.Province, known)
		}
	})
}
