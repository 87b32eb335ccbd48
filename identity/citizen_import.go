package identity

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The registrar's citizen file (DESIGN.md §3, `dinhdanh citizens import`).
const (
	colIDNumber         = "id_number"
	colFullName         = "full_name"
	colBirthdate        = "birthdate"
	colGender           = "gender"
	colPhone            = "phone"
	colEmail            = "email"
	colPermanentAddress = "permanent_address"
	colProvinceCode     = "province_code"
)

// citizenColumns in file order. Columns whose value may be empty may also be
// left out of the file entirely.
var citizenColumns = []struct {
	name     string
	required bool
}{
	{colIDNumber, true},
	{colFullName, true},
	{colBirthdate, true},
	{colGender, true},
	{colPhone, true},
	{colEmail, false},
	{colPermanentAddress, false},
	{colProvinceCode, false},
}

// Limits of one import.
const (
	MaxImportRows       = 1_000_000
	MaxImportFieldBytes = 1024
	maxFullNameRunes    = 100
	maxAddressRunes     = 300
	maxEmailBytes       = 254 // RFC 5321 §4.5.3.1.3 path limit, less the brackets
	// maxImportLineBytes bounds one physical line, so a file without line
	// breaks cannot be read into memory whole. A valid row of the basic
	// columns is under 10 KiB; with all 42 columns full, under 48 KiB.
	maxImportLineBytes = 64 << 10
)

// importRowLimit is MaxImportRows, lowered by tests.
var importRowLimit = MaxImportRows

// Errors for a file that cannot be imported at all (wrapped with details).
var (
	ErrImportHeader  = errors.New("identity: bad citizen file header")
	ErrImportTooBig  = errors.New("identity: citizen file too large")
	errImportLineLen = errors.New("line too long")
)

// RowError is one rejected row of a citizen file. Reasons name the column
// and the rule, never the rejected value: import reports get logged and
// mailed around.
type RowError struct {
	Line     int    // 1-based line in the file where the row starts; the header is line 1
	Reason   string // English
	ReasonVI string // Vietnamese
}

func (e RowError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// ParseCitizensCSV reads a registrar's citizen file and validates every
// row. Valid rows come back normalized in good, each with Fields set to
// the record fields the file's columns carry: storing them replaces those
// fields and keeps the others as stored, so a column absent from the file
// never erases a value (an empty cell in a present column clears it).
// Each invalid row is in rejected with its line and every reason found,
// and the rest of the file is still read. err is for a file that cannot
// be imported at all: a bad header, more than MaxImportRows rows, a line
// over 64 KiB or a read error. now decides what "in the future" means.
//
// Rows whose every field is empty (spreadsheets export them for blank
// rows) are skipped silently. An ID number already seen in an earlier row,
// valid or not, rejects the later row: the file is ambiguous about it.
func ParseCitizensCSV(r io.Reader, now time.Time) (good []Citizen, rejected []RowError, err error) {
	lr := &lineLimitReader{r: r, max: maxImportLineBytes, line: 1}
	cr := csv.NewReader(lr)
	cr.FieldsPerRecord = -1 // checked per row, so one bad row does not stop the import
	cr.ReuseRecord = true

	header, err := cr.Read()
	var pe *csv.ParseError
	switch {
	case errors.Is(err, io.EOF):
		return nil, nil, fmt.Errorf("%w: the file is empty; the first line must name the columns", ErrImportHeader)
	case errors.As(err, &pe):
		return nil, nil, fmt.Errorf("%w: line %d: %v", ErrImportHeader, pe.StartLine, pe.Err)
	case err != nil:
		return nil, nil, importReadError(err, lr)
	}
	index, err := parseCitizenHeader(header)
	if err != nil {
		return nil, nil, err
	}
	width := len(header) // header's contents are reused by the next Read
	fields := fileFields(index)

	today := now.In(vietnamTime).Format(time.DateOnly)
	seen := make(map[string]int) // PIN → line of its first row
	rows := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err == nil && allEmpty(rec) {
			continue
		}
		if rows++; rows > importRowLimit {
			return nil, nil, fmt.Errorf("%w: more than %d rows", ErrImportTooBig, importRowLimit)
		}
		if errors.As(err, &pe) {
			rejected = append(rejected, csvSyntaxRowError(pe))
			continue
		}
		if err != nil {
			return nil, nil, importReadError(err, lr)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != width {
			rejected = append(rejected, RowError{Line: line,
				Reason:   fmt.Sprintf("expected %d fields, found %d", width, len(rec)),
				ReasonVI: fmt.Sprintf("cần %d trường, có %d trường", width, len(rec))})
			continue
		}
		c, problems := parseCitizenRow(rec, index, now, today)
		if c.PIN != "" {
			if first, dup := seen[c.PIN]; dup {
				problems = append(problems, columnProblem{colIDNumber, &fieldError{"duplicate",
					fmt.Sprintf("the same ID number is on line %d", first),
					fmt.Sprintf("số định danh trùng với dòng %d", first)}})
			} else {
				seen[c.PIN] = line
			}
		}
		if len(problems) > 0 {
			rejected = append(rejected, problemsRowError(line, problems))
			continue
		}
		c.UpdatedAt = now
		c.Fields = fields // shared, read-only (clipped: an append copies)
		good = append(good, c)
	}
	return good, rejected, nil
}

// parseCitizenHeader maps column names to field positions. It rejects
// unknown, duplicate and missing columns, all in one message.
func parseCitizenHeader(header []string) (map[string]int, error) {
	known := make(map[string]bool, len(citizenColumns))
	for _, c := range citizenColumns {
		known[c.name] = true
	}
	for _, g := range detailGroups {
		for _, col := range g.columns {
			known[col] = true
		}
	}
	index := make(map[string]int, len(header))
	var unknown, dups []string
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff") // Excel's "CSV UTF-8" starts with a BOM
		}
		h = strings.ToLower(strings.TrimSpace(h))
		switch _, dup := index[h]; {
		case h == "":
			unknown = append(unknown, fmt.Sprintf("(empty, column %d)", i+1))
		case !known[h]:
			unknown = append(unknown, strconv.Quote(truncateRunes(h, 40)))
		case dup:
			dups = append(dups, h)
		default:
			index[h] = i
		}
	}
	if len(index) == 0 {
		// Probably a data row: do not echo it, it is personal data.
		return nil, fmt.Errorf("%w: the first line must name the columns (%s)", ErrImportHeader, citizenColumnList())
	}
	var missing []string
	for _, c := range citizenColumns {
		if _, ok := index[c.name]; c.required && !ok {
			missing = append(missing, c.name)
		}
	}
	// The columns of one value come together, so that a file never
	// replaces part of a document and leaves the rest as stored.
	var partial []string
	for _, g := range detailGroups {
		var have, lack []string
		for _, col := range g.columns {
			if _, ok := index[col]; ok {
				have = append(have, col)
			} else {
				lack = append(lack, col)
			}
		}
		if len(have) > 0 && len(lack) > 0 {
			partial = append(partial, fmt.Sprintf("%s also needs %s", strings.Join(have, ", "), strings.Join(lack, ", ")))
		}
	}
	var probs []string
	if len(missing) > 0 {
		probs = append(probs, "missing columns: "+strings.Join(missing, ", "))
	}
	if len(partial) > 0 {
		probs = append(probs, "columns that go together: "+strings.Join(partial, "; "))
	}
	if len(unknown) > 0 {
		probs = append(probs, "unknown columns: "+strings.Join(unknown, ", "))
	}
	if len(dups) > 0 {
		probs = append(probs, "repeated columns: "+strings.Join(dups, ", "))
	}
	if len(probs) > 0 {
		return nil, fmt.Errorf("%w: %s (expected %s)", ErrImportHeader, strings.Join(probs, "; "), citizenColumnList())
	}
	return index, nil
}

func citizenColumnList() string {
	names := make([]string, len(citizenColumns))
	for i, c := range citizenColumns {
		names[i] = c.name
	}
	var optional []string
	for _, g := range detailGroups {
		optional = append(optional, g.columns...)
	}
	return strings.Join(names, ",") + ", optionally " + strings.Join(optional, ",")
}

// basicColumnFields are the record fields of the basic columns (the
// id_number is the record's key).
var basicColumnFields = map[string]string{
	colFullName: FieldFullName, colBirthdate: FieldBirthdate, colGender: FieldGender, colPhone: FieldPhone,
	colEmail: FieldEmail, colPermanentAddress: FieldPermanentAddress, colProvinceCode: FieldProvinceCode,
}

// fileFields lists the record fields a file's columns carry: an import
// replaces those and keeps the stored value of the others.
func fileFields(index map[string]int) []string {
	var out []string
	for _, c := range citizenColumns {
		if f, ok := basicColumnFields[c.name]; ok {
			if _, present := index[c.name]; present {
				out = append(out, f)
			}
		}
	}
	for _, g := range detailGroups {
		if _, present := index[g.columns[0]]; present {
			out = append(out, g.field)
		}
	}
	return slices.Clip(out)
}

// columnProblem is one invalid value of a row.
type columnProblem struct {
	column string
	err    LocalizedError
}

func problemsRowError(line int, problems []columnProblem) RowError {
	en := make([]string, len(problems))
	vi := make([]string, len(problems))
	for i, p := range problems {
		en[i] = p.column + ": " + p.err.MessageEN()
		vi[i] = p.column + ": " + p.err.MessageVI()
	}
	return RowError{Line: line, Reason: strings.Join(en, "; "), ReasonVI: strings.Join(vi, "; ")}
}

// rowReader reads the fields of one row and collects its problems.
type rowReader struct {
	rec      []string
	index    map[string]int
	today    string // YYYY-MM-DD in Vietnam
	problems []columnProblem
}

func (r *rowReader) bad(col string, err LocalizedError) {
	r.problems = append(r.problems, columnProblem{col, err})
}

// get returns the trimmed value of a column ("" when the file has no such
// column); ok is false when the value is unreadable (already reported).
func (r *rowReader) get(col string) (string, bool) {
	i, ok := r.index[col]
	if !ok {
		return "", true
	}
	v := r.rec[i]
	if len(v) > MaxImportFieldBytes {
		r.bad(col, &fieldError{"too_long", fmt.Sprintf("longer than %d bytes", MaxImportFieldBytes),
			fmt.Sprintf("dài quá %d byte", MaxImportFieldBytes)})
		return "", false
	}
	if !utf8.ValidString(v) {
		r.bad(col, &fieldError{"not_utf8", `not UTF-8 text (save the file as "CSV UTF-8")`,
			`không phải văn bản UTF-8 (hãy lưu tệp dạng "CSV UTF-8")`})
		return "", false
	}
	return strings.TrimSpace(v), true
}

// parseCitizenRow validates one row of the right width. The PIN is set
// whenever the id_number is valid, even if other fields are not, so that
// duplicates are found among rejected rows too.
func parseCitizenRow(rec []string, index map[string]int, now time.Time, today string) (Citizen, []columnProblem) {
	var c Citizen
	r := &rowReader{rec: rec, index: index, today: today}
	get, bad := r.get, r.bad

	if v, ok := get(colIDNumber); ok {
		if p, err := parseImportPIN(v, now); err != nil {
			bad(colIDNumber, err)
		} else {
			c.PIN = p
		}
	}
	if v, ok := get(colFullName); ok {
		if n, err := normalizeFullName(v); err != nil {
			bad(colFullName, err)
		} else {
			c.FullName = n
		}
	}
	if v, ok := get(colBirthdate); ok {
		if err := checkBirthdate(v, today); err != nil {
			bad(colBirthdate, err)
		} else {
			c.Birthdate = v
		}
	}
	if v, ok := get(colGender); ok {
		if g, found := ParseGender(v); !found {
			bad(colGender, &fieldError{"gender", "must be male or female (or nam, nữ, M, F)",
				"phải là male hoặc female (hoặc nam, nữ, M, F)"})
		} else {
			c.Gender = g
		}
	}
	if v, ok := get(colPhone); ok {
		if v == "" {
			bad(colPhone, errRequired)
		} else if p, err := NormalizePhone(v); err != nil {
			bad(colPhone, err.(LocalizedError))
		} else {
			c.Phone = p
		}
	}
	if v, ok := get(colEmail); ok && v != "" {
		if e, err := normalizeEmail(v); err != nil {
			bad(colEmail, err)
		} else {
			c.Email = e
		}
	}
	if v, ok := get(colPermanentAddress); ok && v != "" {
		if a, err := normalizeAddress(v); err != nil {
			bad(colPermanentAddress, err)
		} else {
			c.PermanentAddress = a
		}
	}
	if v, ok := get(colProvinceCode); ok && v != "" {
		if !validProvinceCode(v) {
			bad(colProvinceCode, errProvinceCode)
		} else {
			c.ProvinceCode = v
		}
	}
	for _, g := range detailGroups {
		if _, ok := index[g.columns[0]]; ok {
			g.parse(r, &c)
		}
	}
	return c, r.problems
}

var errProvinceCode = &fieldError{"province_code",
	"must be a 2-digit province code or a 3-digit code from Circular 07/2016",
	"phải là mã tỉnh 2 chữ số hoặc mã 3 chữ số theo Thông tư 07/2016"}

var errRequired = &fieldError{"required", "required", "bắt buộc"}

func parseImportPIN(v string, now time.Time) (string, LocalizedError) {
	if v == "" {
		return "", errRequired
	}
	p, err := ParsePINAt(v, now)
	if err == nil {
		return p.Number, nil
	}
	pe := err.(*PINError)
	if pe.Reason == PINBadFormat && onlyDigits(v) == v && (len(v) == 10 || len(v) == 11) {
		// Province codes all start with 0, and a spreadsheet that stores
		// the column as numbers drops leading zeros: 001… becomes 1….
		return "", &fieldError{string(pe.Reason),
			pe.MessageEN() + " Leading zeros may have been dropped by a spreadsheet: format the column as text.",
			pe.MessageVI() + " Có thể bảng tính đã bỏ mất các số 0 ở đầu: hãy định dạng cột là văn bản (Text)."}
	}
	return "", pe
}

// normalizeFullName returns the name in NFC with single spaces. Letters in
// any script are allowed (names of ethnic minorities, e.g. "H'Hen Niê"),
// plus spaces, apostrophes and hyphens; typographic apostrophes become "'".
func normalizeFullName(v string) (string, LocalizedError) {
	n := strings.Join(strings.Fields(norm.NFC.String(v)), " ")
	if n == "" {
		return "", errRequired
	}
	n = strings.NewReplacer("\u2019", "'", "\u02bc", "'").Replace(n)
	if utf8.RuneCountInString(n) > maxFullNameRunes {
		return "", &fieldError{"too_long", fmt.Sprintf("longer than %d characters", maxFullNameRunes),
			fmt.Sprintf("dài quá %d ký tự", maxFullNameRunes)}
	}
	letters := 0
	prevLetter := false
	for _, r := range n {
		switch {
		case unicode.IsLetter(r):
			letters++
			prevLetter = true
		case unicode.Is(unicode.Mn, r) && prevLetter:
			// a combining mark with no precomposed form; stays on its letter
		case r == ' ' || r == '\'' || r == '-':
			prevLetter = false
		default:
			return "", &fieldError{"characters", "may contain only letters, spaces, apostrophes (') and hyphens (-)",
				"chỉ được gồm chữ cái, dấu cách, dấu nháy đơn (') và dấu gạch nối (-)"}
		}
	}
	if letters == 0 {
		return "", &fieldError{"characters", "contains no letters", "không có chữ cái nào"}
	}
	return n, nil
}

// checkBirthdate accepts a real calendar date YYYY-MM-DD from 1900 to
// today (today is a YYYY-MM-DD string, so strings compare as dates).
func checkBirthdate(v, today string) LocalizedError {
	if v == "" {
		return errRequired
	}
	return checkDate(v, today)
}

// checkDate accepts a real calendar date YYYY-MM-DD from 1900, and not
// after today unless today is "".
func checkDate(v, today string) LocalizedError {
	if _, err := time.Parse(time.DateOnly, v); err != nil || len(v) != 10 {
		return &fieldError{"date", "must be a date written YYYY-MM-DD", "phải là ngày hợp lệ, viết dạng YYYY-MM-DD (năm-tháng-ngày)"}
	}
	if v < "1900-01-01" {
		return &fieldError{"date_too_early", "is before 1900", "trước năm 1900"}
	}
	if today != "" && v > today {
		return &fieldError{"date_future", "is in the future", "là ngày trong tương lai"}
	}
	return nil
}

// ParseGender reads male/female, also as Vietnamese "nam"/"nữ" (or "nu"
// without diacritics) and "M"/"F", in any case.
func ParseGender(s string) (Gender, bool) {
	switch strings.ToLower(norm.NFC.String(strings.TrimSpace(s))) {
	case "male", "m", "nam":
		return Male, true
	case "female", "f", "nữ", "nu":
		return Female, true
	}
	return "", false
}

var (
	errPhone = &fieldError{"phone",
		"must be a Vietnamese mobile number: +84xxxxxxxxx, 84xxxxxxxxx or 0xxxxxxxxx",
		"phải là số di động Việt Nam dạng +84xxxxxxxxx, 84xxxxxxxxx hoặc 0xxxxxxxxx"}
	errPhoneZero = &fieldError{"phone",
		errPhone.en + "; the leading 0 may have been dropped by a spreadsheet: format the column as text",
		errPhone.vi + "; có thể bảng tính đã bỏ mất số 0 ở đầu: hãy định dạng cột là văn bản (Text)"}
)

// NormalizePhone returns a Vietnamese mobile number in E.164 (+84 and nine
// digits). It accepts +84…, 84… and 0… forms, with spaces, dots, hyphens
// or parentheses between digits. Mobile numbers start 03, 05, 07, 08 or 09
// in the national numbering plan (Circular 22/2014/TT-BTTTT as amended;
// 10-digit since the 2018 conversion); landlines (02…) cannot receive an
// SMS code. Errors implement LocalizedError.
func NormalizePhone(s string) (string, error) {
	d := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '.', '-', '(', ')':
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	var nsn string
	switch {
	case strings.HasPrefix(d, "+84"):
		nsn = d[3:]
	case strings.HasPrefix(d, "84") && len(d) == 11:
		nsn = d[2:]
	case strings.HasPrefix(d, "0"):
		nsn = d[1:]
	case len(d) == 9 && onlyDigits(d) == d && strings.ContainsRune("35789", rune(d[0])):
		return "", errPhoneZero
	default:
		return "", errPhone
	}
	if len(nsn) != 9 || onlyDigits(nsn) != nsn || !strings.ContainsRune("35789", rune(nsn[0])) {
		return "", errPhone
	}
	return "+84" + nsn, nil
}

// normalizeEmail accepts a bare address (no display name, no angle
// brackets) and lower-cases its domain, which is case-insensitive
// (RFC 5321 §2.4); the local part is left alone.
func normalizeEmail(v string) (string, LocalizedError) {
	bad := &fieldError{"email", "not a valid e-mail address (write the bare address, without a name)",
		"địa chỉ email không hợp lệ (chỉ ghi địa chỉ, không kèm tên)"}
	if len(v) > maxEmailBytes {
		return "", bad
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Name != "" || a.Address != v {
		return "", bad
	}
	at := strings.LastIndexByte(v, '@')
	domain := strings.ToLower(v[at+1:])
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", bad
	}
	return v[:at+1] + domain, nil
}

// normalizeAddress returns the address in NFC with single spaces (a line
// break inside a spreadsheet cell becomes a space).
func normalizeAddress(v string) (string, LocalizedError) {
	return normalizeText(v, maxAddressRunes)
}

// normalizeText returns free text in NFC with single spaces, at most max
// characters and without control characters.
func normalizeText(v string, max int) (string, LocalizedError) {
	a := strings.Join(strings.Fields(norm.NFC.String(v)), " ")
	if utf8.RuneCountInString(a) > max {
		return "", &fieldError{"too_long", fmt.Sprintf("longer than %d characters", max),
			fmt.Sprintf("dài quá %d ký tự", max)}
	}
	for _, r := range a {
		if unicode.IsControl(r) {
			return "", &fieldError{"characters", "contains control characters", "chứa ký tự điều khiển"}
		}
	}
	return a, nil
}

// validProvinceCode accepts a 2-digit code (the 34 provinces since 2025)
// or a 3-digit code of Circular 07/2016.
func validProvinceCode(v string) bool {
	if onlyDigits(v) != v {
		return false
	}
	switch len(v) {
	case 2:
		return true
	case 3:
		_, ok := provinceNames[v]
		return ok
	}
	return false
}

// SplitName splits a Vietnamese full name, written family-middle-given,
// into its parts: the first word, the words between, the last word. A
// one-word name is a given name. The split is a convention that fails for
// some names (e.g. Ê Đê names put the family name last), which is why the
// full name is the authoritative claim (DOMAIN.md, claims catalog).
func SplitName(full string) (family, middle, given string) {
	w := strings.Fields(full)
	switch len(w) {
	case 0:
		return "", "", ""
	case 1:
		return "", "", w[0]
	}
	return w[0], strings.Join(w[1:len(w)-1], " "), w[len(w)-1]
}

func allEmpty(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// csvSyntaxRowError turns a CSV syntax error into a row error.
func csvSyntaxRowError(pe *csv.ParseError) RowError {
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return RowError{Line: pe.StartLine,
			Reason:   `a quote (") inside a field that does not start with a quote; put the field in quotes and double the quote ("")`,
			ReasonVI: `có dấu ngoặc kép (") trong trường không mở đầu bằng dấu ngoặc kép; hãy đặt cả trường trong ngoặc kép và viết dấu ngoặc kép bên trong thành ("")`}
	case errors.Is(pe.Err, csv.ErrQuote) && pe.Line > pe.StartLine:
		// An unclosed quote runs on: say which lines it swallowed.
		return RowError{Line: pe.StartLine,
			Reason:   fmt.Sprintf("a quoted field is not closed properly; lines %d to %d were read as one row", pe.StartLine, pe.Line),
			ReasonVI: fmt.Sprintf("trường trong ngoặc kép không được đóng đúng; các dòng %d đến %d bị đọc thành một dòng", pe.StartLine, pe.Line)}
	case errors.Is(pe.Err, csv.ErrQuote):
		return RowError{Line: pe.StartLine,
			Reason:   `a quoted field is not closed properly (text after the closing quote, or a missing quote)`,
			ReasonVI: `trường trong ngoặc kép không được đóng đúng (có chữ sau dấu ngoặc kép đóng, hoặc thiếu dấu ngoặc kép)`}
	}
	return RowError{Line: pe.StartLine, Reason: "malformed CSV: " + pe.Err.Error(), ReasonVI: "sai cú pháp CSV: " + pe.Err.Error()}
}

func importReadError(err error, lr *lineLimitReader) error {
	if errors.Is(err, errImportLineLen) {
		return fmt.Errorf("%w: line %d is longer than %d bytes", ErrImportTooBig, lr.line, lr.max)
	}
	return fmt.Errorf("identity: reading citizen file: %w", err)
}

// lineLimitReader fails once a physical line exceeds max bytes; the CSV
// reader would otherwise buffer a line of any length.
type lineLimitReader struct {
	r    io.Reader
	max  int
	cur  int   // bytes since the last '\n'
	line int   // 1-based number of the line being read
	err  error // sticky: the CSV reader may drop a read error once
}

func (l *lineLimitReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	for i := 0; i < n; i++ {
		if p[i] == '\n' {
			l.line++
			l.cur = 0
			continue
		}
		l.cur++
		if l.cur > l.max {
			l.err = errImportLineLen
			return i, l.err
		}
	}
	return n, err
}
