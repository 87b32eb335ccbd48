package identity

import (
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// cheap keeps tests fast; the format and logic are the same.
var cheap = PasswordParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashPasswordFormat(t *testing.T) {
	h, err := HashPassword("correct horse battery", DefaultPasswordParams)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$`)
	m := re.FindStringSubmatch(h)
	if m == nil {
		t.Fatalf("hash %q is not a PHC argon2id string with the default parameters", h)
	}
	salt, _ := base64.RawStdEncoding.DecodeString(m[1])
	want := argon2.IDKey([]byte("correct horse battery"), salt, 2, 19456, 1, 32)
	if got, _ := base64.RawStdEncoding.DecodeString(m[2]); string(got) != string(want) {
		t.Error("hash field is not argon2id of the password with the recorded salt and parameters")
	}
	ok, rehash, err := VerifyPassword(h, "correct horse battery", DefaultPasswordParams)
	if !ok || rehash || err != nil {
		t.Errorf("VerifyPassword = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
}

// A hash assembled by hand (as another PHC implementation would write it)
// verifies, whatever the current parameters are.
func TestVerifyPasswordKnownHash(t *testing.T) {
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte("Mật khẩu rất dài"), salt, 3, 256, 2, 24)
	h := fmt.Sprintf("$argon2id$v=19$m=256,t=3,p=2$%s$%s",
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
	ok, rehash, err := VerifyPassword(h, "Mật khẩu rất dài", cheap)
	if !ok || !rehash || err != nil {
		t.Errorf("VerifyPassword = %v, %v, %v; want true, true (params differ), nil", ok, rehash, err)
	}
	want := PasswordParams{Memory: 256, Time: 3, Threads: 2, SaltLen: 16, KeyLen: 24}
	if ok, rehash, _ := VerifyPassword(h, "Mật khẩu rất dài", want); !ok || rehash {
		t.Errorf("with matching params: ok=%v rehash=%v, want true, false", ok, rehash)
	}
}

func TestVerifyPassword(t *testing.T) {
	h, err := HashPassword("Đà Nẵng mùa hè 2024", cheap)
	if err != nil {
		t.Fatal(err)
	}
	raised := cheap
	raised.Memory *= 2
	longerSalt := cheap
	longerSalt.SaltLen = 32
	tests := []struct {
		name       string
		pw         string
		current    PasswordParams
		ok, rehash bool
	}{
		{"right", "Đà Nẵng mùa hè 2024", cheap, true, false},
		{"right, decomposed diacritics", norm.NFD.String("Đà Nẵng mùa hè 2024"), cheap, true, false},
		{"wrong", "Đà Nẵng mùa hè 2025", cheap, false, false},
		{"wrong, no diacritics", "Da Nang mua he 2024", cheap, false, false},
		{"empty", "", cheap, false, false},
		{"right, cost raised", "Đà Nẵng mùa hè 2024", raised, true, true},
		{"right, salt length changed", "Đà Nẵng mùa hè 2024", longerSalt, true, true},
		{"wrong, cost raised", "nope nope nope", raised, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := VerifyPassword(h, tt.pw, tt.current)
			if err != nil || ok != tt.ok || rehash != tt.rehash {
				t.Errorf("got %v, %v, %v; want %v, %v, nil", ok, rehash, err, tt.ok, tt.rehash)
			}
		})
	}
}

func TestHashPasswordSalted(t *testing.T) {
	a, _ := HashPassword("same password here", cheap)
	b, _ := HashPassword("same password here", cheap)
	if a == b || a == "" {
		t.Errorf("two hashes of one password are equal (%q): salt is not random", a)
	}
}

func TestHashPasswordRejects(t *testing.T) {
	mod := func(f func(*PasswordParams)) PasswordParams { p := cheap; f(&p); return p }
	tests := []struct {
		name string
		pw   string
		p    PasswordParams
	}{
		{"empty password", "", cheap},
		{"zero params", "long enough pw", PasswordParams{}},
		{"no threads", "long enough pw", mod(func(p *PasswordParams) { p.Threads = 0 })},
		{"no time", "long enough pw", mod(func(p *PasswordParams) { p.Time = 0 })},
		{"memory below 8×threads", "long enough pw", mod(func(p *PasswordParams) { p.Threads = 4; p.Memory = 31 })},
		{"memory above 2 GiB", "long enough pw", mod(func(p *PasswordParams) { p.Memory = 1<<21 + 1 })},
		{"short salt", "long enough pw", mod(func(p *PasswordParams) { p.SaltLen = 7 })},
		{"short key", "long enough pw", mod(func(p *PasswordParams) { p.KeyLen = 15 })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if h, err := HashPassword(tt.pw, tt.p); err == nil {
				t.Errorf("HashPassword = %q, want an error", h)
			}
		})
	}
}

func TestVerifyPasswordMalformed(t *testing.T) {
	salt := base64.RawStdEncoding.EncodeToString([]byte("0123456789abcdef"))
	key := base64.RawStdEncoding.EncodeToString(make([]byte, 32))
	good := "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key
	if _, _, err := VerifyPassword(good, "x", cheap); err != nil {
		t.Fatalf("baseline hash rejected: %v", err)
	}
	tests := []string{
		"",
		"plaintext",
		"$argon2id$",
		strings.Replace(good, "argon2id", "argon2i", 1),
		strings.Replace(good, "v=19", "v=16", 1),
		strings.Replace(good, "$v=19", "", 1),
		strings.Replace(good, "m=64,t=1,p=1", "t=1,m=64,p=1", 1),
		strings.Replace(good, "m=64,t=1,p=1", "m=64,t=1", 1),
		strings.Replace(good, "m=64,t=1,p=1", "m=64,t=1,p=1,k=2", 1),
		strings.Replace(good, "p=1", "p=0", 1),   // argon2 would panic
		strings.Replace(good, "t=1", "t=0", 1),   // argon2 would panic
		strings.Replace(good, "m=64", "m=0", 1),  // below 8×threads
		strings.Replace(good, "p=1", "p=256", 1), // not a uint8
		strings.Replace(good, "p=1", "p=-1", 1),
		strings.Replace(good, "m=64", "m=4294967295", 1), // 4 TiB: refuse, don't allocate
		strings.Replace(good, "m=64", "m=4294967296", 1),
		strings.Replace(good, "t=1", "t=1000", 1),
		strings.Replace(good, "m=64", "m=abc", 1),
		strings.Replace(good, salt, salt+"==", 1), // padded
		strings.Replace(good, salt, "!!!!", 1),
		strings.Replace(good, salt, base64.RawStdEncoding.EncodeToString([]byte("short")), 1),
		strings.Replace(good, key, base64.RawStdEncoding.EncodeToString(make([]byte, 8)), 1),
		strings.Replace(good, key, "", 1),
		good + "$extra",
		"x" + good,
	}
	for _, h := range tests {
		t.Run(h, func(t *testing.T) {
			ok, rehash, err := VerifyPassword(h, "x", cheap)
			if !errors.Is(err, ErrMalformedHash) || ok || rehash {
				t.Errorf("got %v, %v, %v; want false, false, ErrMalformedHash", ok, rehash, err)
			}
		})
	}
}

func FuzzVerifyPassword(f *testing.F) {
	good, _ := HashPassword("seed password", cheap)
	f.Add(good)
	f.Add("$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, h string) {
		if p, _, _, err := parsePasswordHash(h); err == nil && (p.Memory > 1024 || p.Time > 4) {
			t.Skip() // legal but slow costs: nothing to learn, just time lost
		}
		ok, rehash, err := VerifyPassword(h, "seed password", cheap)
		if err != nil && (ok || rehash || !errors.Is(err, ErrMalformedHash)) {
			t.Fatalf("got %v, %v, %v", ok, rehash, err)
		}
	})
}

func TestGeneratePassword(t *testing.T) {
	counts := map[rune]int{}
	seen := map[string]bool{}
	const n = 20000
	for i := 0; i < n; i++ {
		pw := GeneratePassword()
		if len(pw) != 12 {
			t.Fatalf("%q has %d characters, want 12", pw, len(pw))
		}
		if seen[pw] {
			t.Fatalf("%q generated twice", pw)
		}
		seen[pw] = true
		for _, r := range pw {
			if !strings.ContainsRune(generatedAlphabet, r) {
				t.Fatalf("%q contains %q outside the alphabet", pw, r)
			}
			counts[r]++
		}
		if err := ValidateNewPassword(pw, "001095012345", "1995-03-07"); err != nil {
			t.Fatalf("generated %q fails the policy: %v", pw, err)
		}
	}
	for _, ambiguous := range "01ilo" {
		if strings.ContainsRune(generatedAlphabet, ambiguous) {
			t.Errorf("alphabet contains look-alike %q", ambiguous)
		}
	}
	// Each of the 31 characters is expected n*12/31 ≈ 7742 times (σ ≈ 87).
	expect := float64(n*12) / float64(len(generatedAlphabet))
	for _, r := range generatedAlphabet {
		if c := float64(counts[r]); c < 0.9*expect || c > 1.1*expect {
			t.Errorf("character %q appeared %.0f times, want about %.0f", r, c, expect)
		}
	}
	// Plain "byte % 31" would favour the first 256%31 = 8 characters by
	// 9:8; their mean count would be 12.5% above the others'.
	var first, rest float64
	for i, r := range generatedAlphabet {
		if i < 256%len(generatedAlphabet) {
			first += float64(counts[r]) / 8
		} else {
			rest += float64(counts[r]) / float64(len(generatedAlphabet)-8)
		}
	}
	if ratio := first / rest; ratio > 1.06 || ratio < 0.94 {
		t.Errorf("modulo bias: first characters %.3f× as frequent as the rest", ratio)
	}
}

func TestValidateNewPassword(t *testing.T) {
	const pin, birth = "001095012345", "1995-03-07"
	tests := []struct {
		name string
		pw   string
		want PasswordReason // "" = accepted
	}{
		{"10 ASCII characters", "tp7kq2vnxr", ""},
		{"9 ASCII characters", "abcdefghi", PasswordTooShort},
		{"empty", "", PasswordTooShort},
		{"10 letters with diacritics", "mậtkhẩuđẹp", ""},
		{"9 letters, 17 bytes", "mậtkhẩuđẹ", PasswordTooShort},
		{"10 letters decomposed (more runes before NFKC)", norm.NFD.String("mậtkhẩuđẹp"), ""},
		{"9 letters decomposed", norm.NFD.String("mậtkhẩuđẹ"), PasswordTooShort},
		{"128 characters", strings.Repeat("ă", 128), ""},
		{"129 characters", strings.Repeat("ă", 129), PasswordTooLong},
		{"spaces are fine", "four words in a row", ""},
		{"control character", "abcdefghij\x00", PasswordInvalidChars},
		{"newline", "abcdefghij\n", PasswordInvalidChars},
		{"invalid UTF-8", "abcdefghij\xff", PasswordInvalidChars},
		{"the PIN", "001095012345", PasswordContainsPIN},
		{"the PIN inside", "toi-la-001095012345!", PasswordContainsPIN},
		{"the PIN with dots", "x001.095.012.345", PasswordContainsPIN},
		{"the PIN with spaces", "pin 001 095 012 345", PasswordContainsPIN},
		{"the PIN in full-width digits", "ａ００１０９５０１２３４５", PasswordContainsPIN},
		{"most of the PIN", "00109501234x", ""},
		{"ISO birthdate", "1995-03-07", PasswordContainsBirthdate},
		{"DDMMYYYY inside", "xinchao07031995", PasswordContainsBirthdate},
		{"DD/MM/YYYY", "07/03/1995", PasswordContainsBirthdate},
		{"D/M/YYYY inside", "sinh 7/3/1995 nhé", PasswordContainsBirthdate},
		{"DD-MM-YYYY", "07-03-1995!!", PasswordContainsBirthdate},
		{"DD.MM.YYYY", "07.03.1995!!", PasswordContainsBirthdate},
		{"YYYYMMDD", "pw19950307pw", PasswordContainsBirthdate},
		{"another date", "08/03/1995 ok", ""},
		{"MM/DD (not a Vietnamese form)", "03/07/1995xx", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateNewPassword(tt.pw, pin, birth)
			if tt.want == "" {
				if err != nil {
					t.Errorf("ValidateNewPassword(%q) = %v, want nil", tt.pw, err)
				}
				return
			}
			var pe *PasswordError
			if !errors.As(err, &pe) || pe.Reason != tt.want {
				t.Errorf("ValidateNewPassword(%q) = %v, want reason %s", tt.pw, err, tt.want)
			}
		})
	}
}

func TestValidateNewPasswordWithoutRecordData(t *testing.T) {
	// With no PIN or birthdate to compare, only length and characters apply.
	for _, pw := range []string{"001095012345", "07/03/1995"} {
		if err := ValidateNewPassword(pw, "", ""); err != nil {
			t.Errorf("ValidateNewPassword(%q, \"\", \"\") = %v, want nil", pw, err)
		}
		if err := ValidateNewPassword(pw, "", "not a date"); err != nil {
			t.Errorf("ValidateNewPassword(%q, \"\", bad date) = %v, want nil", pw, err)
		}
	}
	// A formatted PIN argument is compared by its digits.
	if err := ValidateNewPassword("a001095012345", "001 095 012 345", ""); !errors.Is(err, &PasswordError{Reason: PasswordContainsPIN}) {
		t.Errorf("formatted PIN argument: %v, want PasswordContainsPIN", err)
	}
}

func TestPasswordErrorMessages(t *testing.T) {
	reasons := []PasswordReason{PasswordTooShort, PasswordTooLong, PasswordInvalidChars, PasswordContainsPIN, PasswordContainsBirthdate, PasswordTooCommon}
	seen := map[string]bool{}
	for _, r := range reasons {
		var e LocalizedError = &PasswordError{Reason: r}
		if e.Code() != string(r) {
			t.Errorf("Code() = %q, want %q", e.Code(), r)
		}
		for _, m := range []string{e.MessageEN(), e.MessageVI()} {
			if seen[m] || m == "" {
				t.Errorf("%s: message %q empty or shared", r, m)
			}
			seen[m] = true
		}
		if !strings.HasPrefix(e.MessageVI(), "Mật khẩu") {
			t.Errorf("%s: Vietnamese message %q", r, e.MessageVI())
		}
	}
	if !strings.Contains((&PasswordError{Reason: PasswordTooShort}).MessageVI(), "10") {
		t.Error("too-short message does not state the minimum")
	}
}

func TestValidateNewPasswordRefusesCommon(t *testing.T) {
	const pin, birth = "001095012345", "1995-03-07"
	common := []string{
		"matkhau123", "MatKhau123", "Mật khẩu 123", norm.NFD.String("mật khẩu 123"), "MATKHAU-123",
		"anhyeuem123", "AnhYeuEm123", "anh yêu em 123", "123456789a", "123456789A", "1234567890",
		"１２３４５６７８９０", // full-width digits: NFKC makes them ASCII
		"qwertyuiop", "QWERTYUIOP", "iloveyou123", "ILoveYou123", "I love you 123", "password123",
		"Password123", "P@ssw0rd123", "1111111111", "8888888888888", "0987654321", "9876543210",
		"1q2w3e4r5t", "1qaz2wsx3edc", "asdfghjkl;", "1212121212", "123123123123", "abcdefghij",
		"Nguyen123456", "vietnam1234", "Việt Nam 1234", "emyeuanh2005", "dinhdanh123", "Hanoi@12345",
	}
	for _, pw := range common {
		err := ValidateNewPassword(pw, pin, birth)
		if !errors.Is(err, &PasswordError{Reason: PasswordTooCommon}) {
			t.Errorf("ValidateNewPassword(%q) = %v, want %s", pw, err, PasswordTooCommon)
		}
	}
	// Too short is reported as too short, the ID number as the ID number.
	if err := ValidateNewPassword("password1", pin, birth); !errors.Is(err, &PasswordError{Reason: PasswordTooShort}) {
		t.Errorf("short common password: %v", err)
	}
	if err := ValidateNewPassword("001095012345", pin, birth); !errors.Is(err, &PasswordError{Reason: PasswordContainsPIN}) {
		t.Errorf("the PIN: %v", err)
	}
	for _, pw := range []string{
		"Hoa sen nở giữa đầm lầy",
		"con-tàu-vũ-trụ-xanh-lá",
		"tp7kq2vnxr",
		"matkhau123 của riêng tôi ở Huế",
		"correct horse battery staple",
		"Ba con mèo ngồi trên mái nhà 1987",
	} {
		if err := ValidateNewPassword(pw, pin, birth); err != nil {
			t.Errorf("ValidateNewPassword(%q) = %v, want nil", pw, err)
		}
	}
}

func TestCommonPasswordList(t *testing.T) {
	var entries []string
	for _, line := range strings.Split(commonPasswordsTxt, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			entries = append(entries, line)
		}
	}
	if len(entries) < 300 {
		t.Errorf("the hand-written list has %d entries, want at least 300", len(entries))
	}
	seen := map[string]bool{}
	for _, pw := range entries {
		if utf8.RuneCountInString(pw) < MinPasswordRunes {
			t.Errorf("%q is shorter than %d characters: it is refused anyway", pw, MinPasswordRunes)
		}
		if k := commonPasswordKey(pw); seen[k] {
			t.Errorf("%q is listed twice", pw)
		} else {
			seen[k] = true
		}
		if err := ValidateNewPassword(pw, "", ""); !errors.Is(err, &PasswordError{Reason: PasswordTooCommon}) {
			t.Errorf("listed %q: %v", pw, err)
		}
	}
}
