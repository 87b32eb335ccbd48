package identity

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// OTP purposes.
const (
	OTPLogin = "login"
	OTPReset = "reset"
)

// OTPChallenge is one code sent by SMS. Only a keyed hash of the code is
// stored; PhoneKey is a keyed hash of the number, for the per-phone cap.
type OTPChallenge struct {
	ID        string
	AccountID string
	Purpose   string
	CodeHash  []byte
	PhoneKey  string
	Attempts  int
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time
}

// OTPStore keeps challenges in the database.
type OTPStore interface {
	CreateOTP(ctx context.Context, c OTPChallenge) error
	GetOTP(ctx context.Context, id string) (OTPChallenge, error)
	// AddOTPAttempt increments Attempts atomically and returns the count.
	AddOTPAttempt(ctx context.Context, id string) (int, error)
	// UseOTP sets UsedAt if unset, else fails with ErrConflict: a code
	// works once even when two requests race.
	UseOTP(ctx context.Context, id string, at time.Time) error
	// CountOTPs counts challenges created since a time, for the account
	// and for the phone key.
	CountOTPs(ctx context.Context, accountID, phoneKey string, since time.Time) (byAccount, byPhone int, err error)
}

// OTPPolicy: 6 digits valid 5 minutes, 5 tries, one resend a minute, at
// most 10 codes an hour per account and per phone number (DESIGN.md §3).
type OTPPolicy struct {
	Lifetime     time.Duration
	MaxAttempts  int
	ResendAfter  time.Duration
	PerHourLimit int
}

var DefaultOTPPolicy = OTPPolicy{Lifetime: 5 * time.Minute, MaxAttempts: 5, ResendAfter: time.Minute, PerHourLimit: 10}

// OTP errors; all are LocalizedError.
var (
	ErrOTPInvalid  = &otpError{"otp_invalid", "The code is wrong.", "Mã xác thực không đúng."}
	ErrOTPExpired  = &otpError{"otp_expired", "The code has expired. Ask for a new one.", "Mã xác thực đã hết hạn. Vui lòng lấy mã mới."}
	ErrOTPTooMany  = &otpError{"otp_attempts", "Too many wrong codes. Ask for a new one.", "Bạn đã nhập sai quá nhiều lần. Vui lòng lấy mã mới."}
	ErrOTPSendFail = &otpError{"otp_send", "We could not send the code. Please try again.", "Không gửi được mã xác thực. Vui lòng thử lại."}
	ErrNoPhone     = &otpError{"no_phone", "No phone number is registered for this account. Please contact a registrar.", "Tài khoản chưa đăng ký số điện thoại. Vui lòng liên hệ cán bộ đăng ký."}
)

type otpError struct{ code, en, vi string }

func (e *otpError) Error() string     { return "identity: " + e.en }
func (e *otpError) Code() string      { return e.code }
func (e *otpError) MessageEN() string { return e.en }
func (e *otpError) MessageVI() string { return e.vi }

// OTPRateError says when another code may be sent.
type OTPRateError struct{ RetryAfter time.Duration }

func (e *OTPRateError) Error() string { return "identity: code requested too often" }
func (e *OTPRateError) Code() string  { return "otp_rate" }
func (e *OTPRateError) MessageEN() string {
	return fmt.Sprintf("A code was sent recently. You can ask for another in %d seconds.", int(e.RetryAfter.Round(time.Second)/time.Second))
}
func (e *OTPRateError) MessageVI() string {
	return fmt.Sprintf("Mã vừa được gửi. Bạn có thể lấy mã mới sau %d giây.", int(e.RetryAfter.Round(time.Second)/time.Second))
}

var (
	_ LocalizedError = (*otpError)(nil)
	_ LocalizedError = (*OTPRateError)(nil)
)

// OTPService sends and verifies SMS codes.
type OTPService struct {
	store    OTPStore
	accounts AccountStore
	citizens CitizenStore
	sms      SMSSender
	key      []byte
	now      func() time.Time
	policy   OTPPolicy
}

// OTPConfig wires an OTPService.
type OTPConfig struct {
	Store    OTPStore
	Accounts AccountStore
	Citizens CitizenStore
	SMS      SMSSender
	Key      []byte // HMAC key for codes and phone numbers
	Policy   OTPPolicy
	Now      func() time.Time
}

func NewOTPService(c OTPConfig) *OTPService {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Policy == (OTPPolicy{}) {
		c.Policy = DefaultOTPPolicy
	}
	return &OTPService{store: c.Store, accounts: c.Accounts, citizens: c.Citizens, sms: c.SMS, key: c.Key, now: c.Now, policy: c.Policy}
}

// SendToAccount texts a code to the phone number on the account's citizen
// record. previousID names the last challenge of the same login ("" for
// the first), so a resend waits ResendAfter.
func (s *OTPService) SendToAccount(ctx context.Context, accountID, purpose, previousID string) (OTPChallenge, error) {
	acc, err := s.accounts.GetAccount(ctx, accountID)
	if err != nil {
		return OTPChallenge{}, err
	}
	cit, err := s.citizens.GetCitizen(ctx, acc.PIN)
	if err != nil {
		return OTPChallenge{}, err
	}
	var previous *OTPChallenge
	if previousID != "" {
		if p, err := s.store.GetOTP(ctx, previousID); err == nil && p.AccountID == accountID {
			previous = &p
		}
	}
	return s.Send(ctx, acc, cit.Phone, purpose, previous)
}

// Policy returns the policy in force.
func (s *OTPService) Policy() OTPPolicy { return s.policy }

func (s *OTPService) mac(parts ...string) []byte {
	m := hmac.New(sha256.New, s.key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}

// Send creates a challenge and texts its code. previous, when given, is
// the last challenge of the same login: a resend waits ResendAfter.
func (s *OTPService) Send(ctx context.Context, acc Account, phone, purpose string, previous *OTPChallenge) (OTPChallenge, error) {
	now := s.now()
	if phone == "" {
		return OTPChallenge{}, ErrNoPhone
	}
	if previous != nil {
		if wait := previous.CreatedAt.Add(s.policy.ResendAfter).Sub(now); wait > 0 {
			return OTPChallenge{}, &OTPRateError{RetryAfter: wait}
		}
	}
	phoneKey := fmt.Sprintf("%x", s.mac("phone", phone)[:16])
	byAccount, byPhone, err := s.store.CountOTPs(ctx, acc.ID, phoneKey, now.Add(-time.Hour))
	if err != nil {
		return OTPChallenge{}, err
	}
	if byAccount >= s.policy.PerHourLimit || byPhone >= s.policy.PerHourLimit {
		return OTPChallenge{}, &OTPRateError{RetryAfter: time.Hour}
	}
	code, err := sixDigits()
	if err != nil {
		return OTPChallenge{}, err
	}
	c := OTPChallenge{ID: NewID(), AccountID: acc.ID, Purpose: purpose, PhoneKey: phoneKey, CreatedAt: now, ExpiresAt: now.Add(s.policy.Lifetime)}
	c.CodeHash = s.mac("otp", c.ID, code)
	if err := s.store.CreateOTP(ctx, c); err != nil {
		return OTPChallenge{}, err
	}
	if err := s.sms.Send(ctx, phone, CodeMessage(purpose, code, s.policy.Lifetime)); err != nil {
		// The login in progress stays; the citizen can ask again.
		return c, fmt.Errorf("%w: %v", ErrOTPSendFail, err)
	}
	return c, nil
}

// Verify checks a code against a challenge of accountID. It counts every
// try, refuses after MaxAttempts, and accepts a code once.
func (s *OTPService) Verify(ctx context.Context, challengeID, accountID, purpose, code string) error {
	now := s.now()
	c, err := s.store.GetOTP(ctx, challengeID)
	if errors.Is(err, ErrNotFound) {
		return ErrOTPInvalid
	}
	if err != nil {
		return err
	}
	if c.AccountID != accountID || c.Purpose != purpose || !c.UsedAt.IsZero() {
		return ErrOTPInvalid
	}
	if !now.Before(c.ExpiresAt) {
		return ErrOTPExpired
	}
	n, err := s.store.AddOTPAttempt(ctx, challengeID)
	if err != nil {
		return err
	}
	if n > s.policy.MaxAttempts {
		return ErrOTPTooMany
	}
	if len(code) != 6 || !hmac.Equal(c.CodeHash, s.mac("otp", c.ID, code)) {
		if n == s.policy.MaxAttempts {
			return ErrOTPTooMany
		}
		return ErrOTPInvalid
	}
	if err := s.store.UseOTP(ctx, challengeID, now); err != nil {
		if errors.Is(err, ErrConflict) {
			return ErrOTPInvalid
		}
		return err
	}
	return nil
}

// sixDigits draws a uniform code from crypto/rand.
func sixDigits() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// decoySender is an SMSSender that can queue a message it will discard.
type decoySender interface {
	SendDecoy(ctx context.Context) error
}

// SendDecoy does the work of SendToAccount for an ID number without an
// account: an account read, the counting query, a challenge row (for no
// account, never verifiable) and one queued message the worker discards,
// so neither the time taken nor the writes tell whether the number has an
// account.
func (s *OTPService) SendDecoy(ctx context.Context) error {
	now := s.now()
	id := NewID()
	if _, err := s.accounts.GetAccount(ctx, id); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	key := fmt.Sprintf("%x", s.mac("decoy", id)[:16])
	if _, _, err := s.store.CountOTPs(ctx, id, key, now.Add(-time.Hour)); err != nil {
		return err
	}
	code, err := sixDigits()
	if err != nil {
		return err
	}
	c := OTPChallenge{ID: NewID(), AccountID: id, Purpose: OTPLogin, PhoneKey: key, CreatedAt: now, ExpiresAt: now.Add(s.policy.Lifetime)}
	c.CodeHash = s.mac("otp", c.ID, code)
	if err := s.store.CreateOTP(ctx, c); err != nil {
		return err
	}
	if d, ok := s.sms.(decoySender); ok {
		return d.SendDecoy(ctx)
	}
	return nil
}
