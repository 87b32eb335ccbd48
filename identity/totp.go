package identity

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP parameters: 30-second steps from T0 = 0 (RFC 6238 §4.1 defaults)
// over HOTP with HMAC-SHA-1 and 6 digits (RFC 4226 §5.3). The only
// combination every authenticator app honours; apps that ignore the URL's
// parameters silently use it anyway.
const (
	totpPeriod     = 30
	totpDigits     = otp.DigitsSix
	totpSecretSize = 20 // 160 bits: RFC 4226 §4 R6 recommends 160, requires ≥128
	// totpSkew is how many steps either side of now are accepted. RFC 6238
	// §5.2 recommends at most one step for network delay and clock drift.
	totpSkew = 1

	recoveryCodeCount = 10
	recoveryCodeLen   = 10 // 50 bits each: far beyond online guessing under throttling
)

// TOTPEnrolment is an account's authenticator-app secret. The secret is
// stored only sealed (RFC 4226 §7.5: secrets must be protected at rest).
type TOTPEnrolment struct {
	AccountID    string
	SecretSealed []byte // AES-256-GCM nonce||ciphertext of the base32 secret
	Confirmed    bool
	// LastStep is the last accepted time step (RFC 6238 §4.2, T). A code is
	// accepted only for a later step, so none is accepted twice (§5.2).
	LastStep    int64
	CreatedAt   time.Time
	ConfirmedAt time.Time
}

// RecoveryCode is a single-use code for when the phone is lost. Only a
// keyed hash is stored.
type RecoveryCode struct {
	AccountID string
	Hash      []byte
	UsedAt    time.Time
}

// TOTPStore keeps enrolments and recovery codes in the database.
type TOTPStore interface {
	// SaveTOTP inserts or replaces the enrolment of e.AccountID.
	SaveTOTP(ctx context.Context, e TOTPEnrolment) error
	// GetTOTP returns ErrNotFound when the account has no enrolment.
	GetTOTP(ctx context.Context, accountID string) (TOTPEnrolment, error)
	// AdvanceTOTPStep sets LastStep to step only if step is greater than
	// the stored LastStep, in one conditional update; otherwise it fails
	// with ErrConflict (ErrNotFound if there is no enrolment). This is what
	// makes a code work once even when two requests race.
	AdvanceTOTPStep(ctx context.Context, accountID string, step int64) error
	// ReplaceRecoveryCodes deletes the account's recovery codes, used or
	// not, and stores hashes as unused codes created at at, in one
	// transaction.
	ReplaceRecoveryCodes(ctx context.Context, accountID string, hashes [][]byte, at time.Time) error
	// UseRecoveryCode sets UsedAt on the unused code with this hash, in one
	// conditional update; ErrNotFound if no unused code matches.
	UseRecoveryCode(ctx context.Context, accountID string, hash []byte, at time.Time) error
	// DeleteTOTP deletes the enrolment and all recovery codes of the
	// account. Deleting what does not exist is not an error.
	DeleteTOTP(ctx context.Context, accountID string) error
}

// TOTP errors; all but ErrTOTPDecrypt are LocalizedError.
var (
	ErrTOTPInvalid         = &otpError{"totp_invalid", "The code from your authenticator app is wrong or has already been used. Wait for the next code and try again.", "Mã từ ứng dụng xác thực không đúng hoặc đã được sử dụng. Vui lòng chờ mã tiếp theo và thử lại."}
	ErrTOTPNotEnrolled     = &otpError{"totp_not_enrolled", "No authenticator app is set up for this account.", "Tài khoản chưa cài đặt ứng dụng xác thực."}
	ErrTOTPAlreadyEnrolled = &otpError{"totp_already_enrolled", "An authenticator app is already set up for this account. Remove it before setting up another.", "Tài khoản đã cài đặt ứng dụng xác thực. Vui lòng gỡ bỏ trước khi cài đặt ứng dụng khác."}
	ErrRecoveryCodeInvalid = &otpError{"recovery_code_invalid", "The recovery code is wrong or has already been used.", "Mã khôi phục không đúng hoặc đã được sử dụng."}

	// ErrTOTPDecrypt means a stored secret could not be opened: the key is
	// not the one it was sealed with, or the record was altered or moved to
	// another account. An operator problem, not the citizen's.
	ErrTOTPDecrypt = errors.New("identity: cannot decrypt TOTP secret (wrong key, or the stored record was altered)")
)

// totpAADPrefix binds a sealed secret to its account: a ciphertext copied
// onto another account's row does not open.
const totpAADPrefix = "dinhdanh/totp:"

// recoveryAlphabet is Crockford's base32: no I, L, O or U, so a code read
// aloud or copied by hand is unambiguous; 32 symbols, so a random byte
// masked to 5 bits picks one uniformly.
const recoveryAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// TOTPConfig wires a TOTPService.
type TOTPConfig struct {
	Store TOTPStore
	// Key is a 32-byte secret. Separate subkeys are derived from it for
	// sealing secrets (AES-256-GCM) and hashing recovery codes (HMAC), so
	// neither use weakens the other.
	Key    []byte
	Issuer string // shown in the app, e.g. "Định danh điện tử"
	Now    func() time.Time
}

// TOTPService enrols authenticator apps and verifies their codes (RFC 6238).
// It does not throttle: callers must limit wrong tries per account, as for
// SMS codes (RFC 4226 §7.3), since six digits fall to unlimited guessing.
type TOTPService struct {
	store  TOTPStore
	aead   cipher.AEAD
	macKey []byte
	issuer string
	now    func() time.Time
}

// NewTOTPService checks the configuration and derives the subkeys.
func NewTOTPService(c TOTPConfig) (*TOTPService, error) {
	if c.Store == nil {
		return nil, errors.New("identity: TOTP store is nil")
	}
	if len(c.Key) != 32 {
		return nil, fmt.Errorf("identity: TOTP key must be 32 bytes, got %d", len(c.Key))
	}
	// The otpauth label is "issuer:account" (Key URI Format), so a colon in
	// the issuer would move the split.
	if strings.TrimSpace(c.Issuer) == "" || strings.Contains(c.Issuer, ":") {
		return nil, errors.New("identity: TOTP issuer must be non-empty and contain no colon")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	// Key is already uniformly random, so HKDF-Expand alone suffices
	// (RFC 5869 §3.3).
	sealKey, err := hkdf.Expand(sha256.New, c.Key, "dinhdanh/totp/seal", 32)
	if err != nil {
		return nil, err
	}
	macKey, err := hkdf.Expand(sha256.New, c.Key, "dinhdanh/totp/recovery", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(sealKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &TOTPService{store: c.Store, aead: aead, macKey: macKey, issuer: c.Issuer, now: c.Now}, nil
}

// Begin starts enrolment: it creates a secret, stores it sealed and
// unconfirmed (replacing an unconfirmed one), and returns the otpauth URL
// and its QR code as a PNG. Both carry the secret: show them once, never
// log or cache them. accountLabel is shown in the app and lands in the
// phone's backups, so it must not be the ID number or a phone number; pass
// a masked label.
func (s *TOTPService) Begin(ctx context.Context, accountID, accountLabel string) (otpauthURL string, qrPNG []byte, err error) {
	if err := checkTOTPLabel(accountLabel); err != nil {
		return "", nil, err
	}
	old, err := s.store.GetTOTP(ctx, accountID)
	switch {
	case err == nil && old.Confirmed:
		return "", nil, ErrTOTPAlreadyEnrolled
	case err != nil && !errors.Is(err, ErrNotFound):
		return "", nil, err
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer:      s.issuer,
		AccountName: accountLabel,
		Period:      totpPeriod,
		SecretSize:  totpSecretSize,
		Digits:      totpDigits,
		Algorithm:   otp.AlgorithmSHA1,
		Rand:        rand.Reader,
	})
	if err != nil {
		return "", nil, fmt.Errorf("identity: generating TOTP secret: %w", err)
	}
	sealed, err := s.seal(accountID, []byte(key.Secret()))
	if err != nil {
		return "", nil, err
	}
	img, err := key.Image(256, 256)
	if err != nil {
		return "", nil, fmt.Errorf("identity: drawing TOTP QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", nil, fmt.Errorf("identity: encoding TOTP QR code: %w", err)
	}
	e := TOTPEnrolment{AccountID: accountID, SecretSealed: sealed, CreatedAt: s.now()}
	if err := s.store.SaveTOTP(ctx, e); err != nil {
		return "", nil, err
	}
	return key.URL(), buf.Bytes(), nil
}

// Confirm checks the first code from the app, which proves it holds the
// secret, marks the enrolment confirmed and returns recoveryCodeCount
// recovery codes. They are shown this once; only their hashes are kept.
func (s *TOTPService) Confirm(ctx context.Context, accountID, code string) (recoveryCodes []string, err error) {
	e, err := s.store.GetTOTP(ctx, accountID)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrTOTPNotEnrolled
	}
	if err != nil {
		return nil, err
	}
	if e.Confirmed {
		return nil, ErrTOTPAlreadyEnrolled
	}
	step, err := s.check(ctx, e, code)
	if err != nil {
		return nil, err
	}
	codes := make([]string, recoveryCodeCount)
	hashes := make([][]byte, recoveryCodeCount)
	for i := range codes {
		codes[i] = newRecoveryCode()
		hashes[i] = s.recoveryHash(accountID, normalizeRecoveryCode(codes[i]))
	}
	now := s.now()
	// Codes first: if marking confirmed then fails, the citizen retries
	// and gets fresh codes; the other order could leave an enrolment whose
	// recovery codes were never stored.
	if err := s.store.ReplaceRecoveryCodes(ctx, accountID, hashes, now); err != nil {
		return nil, err
	}
	e.Confirmed, e.ConfirmedAt, e.LastStep = true, now, step
	if err := s.store.SaveTOTP(ctx, e); err != nil {
		return nil, err
	}
	return codes, nil
}

// Verify accepts a code from a confirmed enrolment once.
func (s *TOTPService) Verify(ctx context.Context, accountID, code string) error {
	e, err := s.store.GetTOTP(ctx, accountID)
	if errors.Is(err, ErrNotFound) {
		return ErrTOTPNotEnrolled
	}
	if err != nil {
		return err
	}
	if !e.Confirmed {
		return ErrTOTPNotEnrolled
	}
	_, err = s.check(ctx, e, code)
	return err
}

// check matches code against the steps around now and records the
// matched step, returning it. RFC 6238 §4.2: T = floor(unix time / 30).
func (s *TOTPService) check(ctx context.Context, e TOTPEnrolment, code string) (int64, error) {
	code = strings.Join(strings.Fields(code), "") // apps show "123 456"
	if len(code) != totpDigits.Length() || onlyDigits(code) != code {
		return 0, ErrTOTPInvalid
	}
	secret, err := s.open(e.AccountID, e.SecretSealed)
	if err != nil {
		return 0, err
	}
	now := s.now().Unix()
	t := now / totpPeriod
	if now < 0 && now%totpPeriod != 0 {
		t-- // floor, not truncation
	}
	// Compare against every candidate step without stopping early, so the
	// timing says nothing about which step (if any) matched. Of the matches
	// later than the last accepted step, take the earliest: it leaves the
	// most later codes usable.
	var match int64
	found := false
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		step := t + d
		want, err := totp.GenerateCodeCustom(string(secret), time.Unix(step*totpPeriod, 0), totp.ValidateOpts{
			Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1,
		})
		if err != nil {
			return 0, fmt.Errorf("identity: computing TOTP code: %w", err)
		}
		ok := subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1
		if ok && step > e.LastStep && !found {
			match, found = step, true
		}
	}
	if !found {
		return 0, ErrTOTPInvalid
	}
	// The read above may be stale; the conditional update is the real
	// replay check (RFC 6238 §5.2: the verifier MUST NOT accept the second
	// attempt of an OTP once the first has been validated).
	if err := s.store.AdvanceTOTPStep(ctx, e.AccountID, match); err != nil {
		if errors.Is(err, ErrConflict) {
			return 0, ErrTOTPInvalid
		}
		return 0, err
	}
	return match, nil
}

// UseRecoveryCode accepts one of the account's recovery codes, once. Case,
// spaces and hyphens are ignored, as are the letters Crockford's base32
// reads as digits (o as 0, i and l as 1).
func (s *TOTPService) UseRecoveryCode(ctx context.Context, accountID, code string) error {
	e, err := s.store.GetTOTP(ctx, accountID)
	if errors.Is(err, ErrNotFound) || (err == nil && !e.Confirmed) {
		return ErrTOTPNotEnrolled
	}
	if err != nil {
		return err
	}
	c := normalizeRecoveryCode(code)
	if len(c) != recoveryCodeLen || strings.Trim(c, recoveryAlphabet) != "" {
		return ErrRecoveryCodeInvalid
	}
	err = s.store.UseRecoveryCode(ctx, accountID, s.recoveryHash(accountID, c), s.now())
	if errors.Is(err, ErrNotFound) {
		return ErrRecoveryCodeInvalid
	}
	return err
}

// Enrolled reports whether the account has a confirmed authenticator app.
func (s *TOTPService) Enrolled(ctx context.Context, accountID string) (bool, error) {
	e, err := s.store.GetTOTP(ctx, accountID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return e.Confirmed, nil
}

// Remove deletes the enrolment and its recovery codes.
func (s *TOTPService) Remove(ctx context.Context, accountID string) error {
	return s.store.DeleteTOTP(ctx, accountID)
}

// seal returns nonce || ciphertext. Random 96-bit nonces are safe far
// beyond one seal per enrolment (NIST SP 800-38D §8.3).
func (s *TOTPService) seal(accountID string, secret []byte) ([]byte, error) {
	ns := s.aead.NonceSize()
	out := make([]byte, ns, ns+len(secret)+s.aead.Overhead())
	if _, err := rand.Read(out); err != nil {
		return nil, fmt.Errorf("identity: generating nonce: %w", err)
	}
	return s.aead.Seal(out, out[:ns], secret, []byte(totpAADPrefix+accountID)), nil
}

func (s *TOTPService) open(accountID string, sealed []byte) ([]byte, error) {
	ns := s.aead.NonceSize()
	if len(sealed) < ns+s.aead.Overhead() {
		return nil, ErrTOTPDecrypt
	}
	pt, err := s.aead.Open(nil, sealed[:ns], sealed[ns:], []byte(totpAADPrefix+accountID))
	if err != nil {
		return nil, ErrTOTPDecrypt
	}
	return pt, nil
}

// recoveryHash binds the code to the account, so a stored hash says
// nothing about other accounts' codes and cannot be moved between them.
func (s *TOTPService) recoveryHash(accountID, normalized string) []byte {
	m := hmac.New(sha256.New, s.macKey)
	m.Write([]byte(accountID))
	m.Write([]byte{0})
	m.Write([]byte(normalized))
	return m.Sum(nil)
}

// newRecoveryCode returns "xxxxx-xxxxx" from recoveryAlphabet.
func newRecoveryCode() string {
	var b [recoveryCodeLen]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("identity: crypto/rand failed: " + err.Error()) // never happens since Go 1.24
	}
	for i := range b {
		b[i] = recoveryAlphabet[b[i]&31]
	}
	return string(b[:5]) + "-" + string(b[5:])
}

// normalizeRecoveryCode lower-cases, drops spaces and hyphens, and maps
// the look-alike letters Crockford's base32 excludes onto their digits.
func normalizeRecoveryCode(code string) string {
	var sb strings.Builder
	for _, r := range strings.ToLower(code) {
		switch r {
		case ' ', '\t', '-':
		case 'o':
			sb.WriteByte('0')
		case 'i', 'l':
			sb.WriteByte('1')
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// checkTOTPLabel refuses labels the Key URI Format cannot carry (a colon
// splits issuer from account) and labels that may hold an ID or phone
// number: a 9-digit ID card, a 12-digit personal number and a 10-digit
// phone number all have at least nine digits, however they are spaced.
func checkTOTPLabel(label string) error {
	if strings.TrimSpace(label) == "" || strings.Contains(label, ":") {
		return errors.New("identity: TOTP account label must be non-empty and contain no colon")
	}
	if len(onlyDigits(label)) >= 9 {
		return errors.New("identity: TOTP account label looks like an ID or phone number; pass a masked label")
	}
	return nil
}
