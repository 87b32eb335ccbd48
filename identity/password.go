package identity

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// PasswordParams are the argon2id cost parameters (RFC 9106). Every hash
// records its own, so the defaults can be raised later and old hashes are
// upgraded on the next successful login (see VerifyPassword).
type PasswordParams struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over memory
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultPasswordParams is the OWASP Password Storage Cheat Sheet minimum
// for argon2id (19 MiB, 2 passes, 1 lane). RFC 9106's recommendations
// (2 GiB, or 64 MiB × 3 passes) would cap a node at a handful of concurrent
// logins during an enrolment campaign; 19 MiB keeps a login near 30 ms
// and a node's memory bounded, and the cost can be raised per deployment.
var DefaultPasswordParams = PasswordParams{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Bounds on parameters read back from a stored hash: a corrupt or hostile
// row must not make argon2 panic (threads or time 0) or allocate without
// limit (memory is allocated in full for every verification).
const (
	maxArgonMemory = 1 << 21 // KiB (2 GiB, RFC 9106's first recommendation)
	maxArgonTime   = 64
	minSaltLen     = 8 // RFC 9106 §3.1: salt of at least 8 bytes
	maxSaltLen     = 64
	minKeyLen      = 16
	maxKeyLen      = 64
)

// ErrMalformedHash is wrapped by VerifyPassword for a stored hash it cannot
// read; it never means "wrong password".
var ErrMalformedHash = errors.New("identity: malformed password hash")

func (p PasswordParams) validate() error {
	switch {
	case p.Threads < 1:
		return errors.New("identity: argon2id needs at least 1 thread")
	case p.Time < 1 || p.Time > maxArgonTime:
		return fmt.Errorf("identity: argon2id time must be 1..%d", maxArgonTime)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxArgonMemory:
		return fmt.Errorf("identity: argon2id memory must be 8×threads..%d KiB", maxArgonMemory)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("identity: salt length must be %d..%d bytes", minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("identity: key length must be %d..%d bytes", minKeyLen, maxKeyLen)
	}
	return nil
}

// normalizePassword applies NFKC, as NIST SP 800-63B §5.1.1.2 advises for
// Unicode secrets: Vietnamese keyboards (Unikey "dựng sẵn" vs "tổ hợp",
// phones vs PCs) produce the same letters as different code points.
func normalizePassword(pw string) []byte { return norm.NFKC.Bytes([]byte(pw)) }

// b64 is the PHC string format's base64: standard alphabet, no padding.
var b64 = base64.RawStdEncoding.Strict()

// HashPassword hashes pw with argon2id and a fresh random salt, returning a
// PHC string: $argon2id$v=19$m=…,t=…,p=…$salt$hash.
func HashPassword(pw string, p PasswordParams) (string, error) {
	if err := p.validate(); err != nil {
		return "", err
	}
	if pw == "" {
		return "", errors.New("identity: refusing to hash an empty password")
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey(normalizePassword(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// parsePasswordHash reads a PHC argon2id string; the returned params carry
// the salt and key lengths found in it.
func parsePasswordHash(h string) (p PasswordParams, salt, key []byte, err error) {
	fail := func(why string) (PasswordParams, []byte, []byte, error) {
		return PasswordParams{}, nil, nil, fmt.Errorf("%w: %s", ErrMalformedHash, why)
	}
	parts := strings.Split(h, "$")
	if len(parts) != 6 || parts[0] != "" {
		return fail("want 5 $-separated fields")
	}
	if parts[1] != "argon2id" {
		return fail("algorithm is not argon2id")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return fail("unsupported argon2 version")
	}
	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return fail("want parameters m, t and p")
	}
	var vals [3]uint64
	for i, name := range []string{"m", "t", "p"} {
		k, v, ok := strings.Cut(kv[i], "=")
		if !ok || k != name {
			return fail("want parameters m, t and p in that order")
		}
		bits := 32
		if name == "p" {
			bits = 8
		}
		n, err := strconv.ParseUint(v, 10, bits)
		if err != nil {
			return fail("parameter " + name + " out of range")
		}
		vals[i] = n
	}
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return fail("salt is not base64")
	}
	if key, err = b64.DecodeString(parts[5]); err != nil {
		return fail("hash is not base64")
	}
	p = PasswordParams{Memory: uint32(vals[0]), Time: uint32(vals[1]), Threads: uint8(vals[2]),
		SaltLen: uint32(len(salt)), KeyLen: uint32(len(key))}
	if err := p.validate(); err != nil {
		return fail(err.Error())
	}
	return p, salt, key, nil
}

// VerifyPassword checks pw against a stored PHC hash in constant time.
// needsRehash is true when pw is correct but the hash was made with
// parameters other than current, so the caller should store a new hash.
// A hash that cannot be read gives an error wrapping ErrMalformedHash.
func VerifyPassword(hash, pw string, current PasswordParams) (ok, needsRehash bool, err error) {
	p, salt, want, err := parsePasswordHash(hash)
	if err != nil {
		return false, false, err
	}
	got := argon2.IDKey(normalizePassword(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, false, nil
	}
	return true, p != current, nil
}

// The alphabet for generated passwords: lower case (no shift key on a
// phone) without look-alikes 0/o, 1/l/i.
const generatedAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"

// GeneratePassword returns a random 12-character initial password, easy to
// copy from an SMS: log2(31^12) ≈ 59 bits, ample for a one-time secret that
// must be changed at first login under login rate limits.
func GeneratePassword() string {
	const n = 12
	// 248 is the largest multiple of 31 ≤ 256: rejecting bytes above it
	// keeps every character equally likely.
	const limit = 256 - 256%len(generatedAlphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			panic("identity: crypto/rand failed: " + err.Error()) // never happens since Go 1.24
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, generatedAlphabet[int(b)%len(generatedAlphabet)])
			}
		}
	}
	return string(out)
}

// Password policy for passwords chosen by the citizen. Length, not
// composition rules, per NIST SP 800-63B §5.1.1.2; the ID number and the
// date of birth are printed on the ID card, so they are no secret; and
// nothing on the list of common passwords (commonpasswords.go).
const (
	MinPasswordRunes = 10
	MaxPasswordRunes = 128
)

// PasswordReason says why a new password was refused.
type PasswordReason string

const (
	PasswordTooShort          PasswordReason = "password_too_short"
	PasswordTooLong           PasswordReason = "password_too_long"
	PasswordInvalidChars      PasswordReason = "password_invalid_characters"
	PasswordContainsPIN       PasswordReason = "password_contains_pin"
	PasswordContainsBirthdate PasswordReason = "password_contains_birthdate"
	PasswordTooCommon         PasswordReason = "password_too_common"
)

// PasswordError is returned by ValidateNewPassword.
type PasswordError struct {
	Reason PasswordReason
}

var _ LocalizedError = (*PasswordError)(nil)

func (e *PasswordError) Error() string { return "identity: " + e.MessageEN() }
func (e *PasswordError) Code() string  { return string(e.Reason) }

func (e *PasswordError) Is(target error) bool {
	t, ok := target.(*PasswordError)
	return ok && t.Reason == e.Reason
}

func (e *PasswordError) MessageEN() string {
	switch e.Reason {
	case PasswordTooShort:
		return fmt.Sprintf("The password must be at least %d characters long.", MinPasswordRunes)
	case PasswordTooLong:
		return fmt.Sprintf("The password must be at most %d characters long.", MaxPasswordRunes)
	case PasswordInvalidChars:
		return "The password contains characters that cannot be typed."
	case PasswordContainsPIN:
		return "The password must not contain your personal identification number."
	case PasswordContainsBirthdate:
		return "The password must not contain your date of birth."
	case PasswordTooCommon:
		return "This password is too common and easy to guess. Please choose another."
	}
	return "The password is not allowed."
}

func (e *PasswordError) MessageVI() string {
	switch e.Reason {
	case PasswordTooShort:
		return fmt.Sprintf("Mật khẩu phải có ít nhất %d ký tự.", MinPasswordRunes)
	case PasswordTooLong:
		return fmt.Sprintf("Mật khẩu không được dài quá %d ký tự.", MaxPasswordRunes)
	case PasswordInvalidChars:
		return "Mật khẩu chứa ký tự không thể nhập từ bàn phím."
	case PasswordContainsPIN:
		return "Mật khẩu không được chứa số định danh cá nhân của bạn."
	case PasswordContainsBirthdate:
		return "Mật khẩu không được chứa ngày sinh của bạn."
	case PasswordTooCommon:
		return "Mật khẩu này quá phổ biến, dễ bị đoán. Vui lòng chọn mật khẩu khác."
	}
	return "Mật khẩu không được chấp nhận."
}

// ValidateNewPassword applies the password policy to pw, for the citizen
// with this ID number (any formatting) and birthdate ("YYYY-MM-DD"; other
// values skip the birthdate check). Checks run on the NFKC form that
// HashPassword stores, so full-width digits do not hide the ID number.
func ValidateNewPassword(pw, pin, birthdate string) error {
	if !utf8.ValidString(pw) {
		return &PasswordError{Reason: PasswordInvalidChars}
	}
	n := string(normalizePassword(pw))
	for _, r := range n {
		if unicode.IsControl(r) {
			return &PasswordError{Reason: PasswordInvalidChars}
		}
	}
	switch c := utf8.RuneCountInString(n); {
	case c < MinPasswordRunes:
		return &PasswordError{Reason: PasswordTooShort}
	case c > MaxPasswordRunes:
		return &PasswordError{Reason: PasswordTooLong}
	}

	// Separators are ignored so "001.095.012.345" counts as the number.
	bare := strings.Map(func(r rune) rune {
		if r == ' ' || r == '.' || r == '-' || r == '/' {
			return -1
		}
		return r
	}, n)
	if digits := onlyDigits(pin); len(digits) == 12 && strings.Contains(bare, digits) {
		return &PasswordError{Reason: PasswordContainsPIN}
	}
	if d, err := time.Parse(time.DateOnly, birthdate); err == nil {
		for _, form := range birthdateForms(d) {
			if strings.Contains(n, form) {
				return &PasswordError{Reason: PasswordContainsBirthdate}
			}
		}
	}
	if isCommonPassword(n) {
		return &PasswordError{Reason: PasswordTooCommon}
	}
	return nil
}

func onlyDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// birthdateForms lists the ways Vietnamese users commonly write a date:
// day first, with "/", "-", "." or nothing between, with and without
// leading zeros, and the ISO form.
func birthdateForms(d time.Time) []string {
	y, m, day := d.Date()
	yyyy := fmt.Sprintf("%04d", y)
	dd, mm := fmt.Sprintf("%02d", day), fmt.Sprintf("%02d", int(m))
	dn, mn := strconv.Itoa(day), strconv.Itoa(int(m))
	forms := []string{dd + mm + yyyy, yyyy + mm + dd, yyyy + "-" + mm + "-" + dd}
	for _, sep := range []string{"/", "-", "."} {
		forms = append(forms, dd+sep+mm+sep+yyyy, dn+sep+mn+sep+yyyy)
	}
	return forms
}
