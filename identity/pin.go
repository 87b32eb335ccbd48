package identity

import (
	"log/slog"
	"time"
	"unicode"
)

// PIN is a parsed personal identification number (số định danh cá nhân),
// laid out as PPP G YY NNNNNN (Decree 137/2015 art. 13, Circular
// 07/2016/TT-BCA). There is no check digit, so a well-formed number is not
// proof that it was ever issued.
type PIN struct {
	Number    string // the normalized 12 digits
	Province  string // PPP: a province code, or a country code when Abroad
	Abroad    bool   // birth registered abroad (PPP in 101–295)
	BirthYear int
	Gender    Gender
}

// LogValue keeps the number out of structured logs even when a PIN value
// is passed to slog by mistake (DESIGN.md §3, Logs).
func (p PIN) LogValue() slog.Value { return slog.StringValue("[redacted PIN]") }

// ProvinceName returns the province of birth registration, or "" when the
// birth was registered abroad.
func (p PIN) ProvinceName() string {
	n, _ := ProvinceName(p.Province)
	return n
}

// PINReason says why a personal identification number was rejected.
type PINReason string

const (
	PINBadFormat       PINReason = "pin_format"            // not exactly 12 digits
	PINUnknownProvince PINReason = "pin_unknown_province"  // PPP not in the table nor 101–295
	PINFutureBirthYear PINReason = "pin_future_birth_year" // G and YY give a year after this one
)

// PINError is returned by ParsePIN. It never contains the number itself.
type PINError struct {
	Reason PINReason
}

// Sentinels for errors.Is; PINError.Is compares reasons only.
var (
	ErrPINFormat          = &PINError{Reason: PINBadFormat}
	ErrPINUnknownProvince = &PINError{Reason: PINUnknownProvince}
	ErrPINFutureBirthYear = &PINError{Reason: PINFutureBirthYear}
)

var _ LocalizedError = (*PINError)(nil)

func (e *PINError) Error() string { return "identity: " + e.MessageEN() }
func (e *PINError) Code() string  { return string(e.Reason) }

func (e *PINError) Is(target error) bool {
	t, ok := target.(*PINError)
	return ok && t.Reason == e.Reason
}

func (e *PINError) MessageEN() string {
	switch e.Reason {
	case PINBadFormat:
		return "The personal identification number must have exactly 12 digits."
	case PINUnknownProvince:
		return "The personal identification number starts with an unknown province or country code."
	case PINFutureBirthYear:
		return "The birth year in the personal identification number is later than the current year."
	}
	return "The personal identification number is not valid."
}

func (e *PINError) MessageVI() string {
	switch e.Reason {
	case PINBadFormat:
		return "Số định danh cá nhân phải gồm đúng 12 chữ số."
	case PINUnknownProvince:
		return "Số định danh cá nhân có mã tỉnh hoặc mã quốc gia không hợp lệ."
	case PINFutureBirthYear:
		return "Năm sinh trong số định danh cá nhân lớn hơn năm hiện tại."
	}
	return "Số định danh cá nhân không hợp lệ."
}

// vietnamTime is Indochina Time (UTC+7, no daylight saving). Civil dates
// such as "born this year" are judged on the Vietnamese calendar, not the
// server's: at 20:00 UTC on 31 December it is already the new year in Hanoi.
var vietnamTime = time.FixedZone("ICT", 7*60*60)

// ParsePIN parses and validates a personal identification number against
// the current time. Use ParsePINAt where the clock matters.
func ParsePIN(s string) (PIN, error) { return ParsePINAt(s, time.Now()) }

// ParsePINAt parses s as a personal identification number, judging "birth
// year in the future" against now (in Vietnamese time). Spaces and dots are
// ignored, as numbers are often written "001 095 012 345" or "001.095.012.345".
func ParsePINAt(s string, now time.Time) (PIN, error) {
	if len(s) > 64 { // far longer than any formatted number; don't scan it
		return PIN{}, &PINError{Reason: PINBadFormat}
	}
	digits := make([]byte, 0, 12)
	for _, r := range s {
		switch {
		case r == '.' || unicode.IsSpace(r):
			continue
		case r >= '0' && r <= '9' && len(digits) < 12:
			digits = append(digits, byte(r))
		default: // a 13th digit, a letter, or a non-ASCII digit
			return PIN{}, &PINError{Reason: PINBadFormat}
		}
	}
	if len(digits) != 12 {
		return PIN{}, &PINError{Reason: PINBadFormat}
	}
	num := string(digits)

	p := PIN{Number: num, Province: num[:3]}
	code := atoiDigits(num[:3])
	if _, ok := provinceNames[p.Province]; !ok {
		if code < abroadCodeMin || code > abroadCodeMax {
			return PIN{}, &PINError{Reason: PINUnknownProvince}
		}
		p.Abroad = true
	}

	// G: 0/1 = 20th century male/female, 2/3 = 21st, … (Decree 137/2015
	// art. 13 §3). Even is male, odd is female.
	g := int(num[3] - '0')
	p.BirthYear = 1900 + 100*(g/2) + atoiDigits(num[4:6])
	if g%2 == 0 {
		p.Gender = Male
	} else {
		p.Gender = Female
	}
	if p.BirthYear > now.In(vietnamTime).Year() {
		return PIN{}, &PINError{Reason: PINFutureBirthYear}
	}
	return p, nil
}

// atoiDigits converts a string known to hold only ASCII digits.
func atoiDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// Data-quality warnings from CheckAgainst. A mismatch is reported to the
// registrar, not treated as an error: numbers can be cancelled and reissued
// (DOMAIN.md, inferred).
const (
	WarnPINBirthYear = "the birth year in the ID number does not match the birthdate"
	WarnPINGender    = "the sex in the ID number does not match the gender"
)

// CheckAgainst compares what the number encodes with a record's birthdate
// ("YYYY-MM-DD") and gender. An empty or unparseable birthdate and an empty
// gender are not compared.
func (p PIN) CheckAgainst(birthdate string, g Gender) []string {
	var warnings []string
	if d, err := time.Parse(time.DateOnly, birthdate); err == nil && d.Year() != p.BirthYear {
		warnings = append(warnings, WarnPINBirthYear)
	}
	if g != "" && g != p.Gender {
		warnings = append(warnings, WarnPINGender)
	}
	return warnings
}
