package identity

import (
	"context"
	"errors"
	"regexp"
	"testing"
	"time"
)

type memOTP struct{ m map[string]OTPChallenge }

func (s *memOTP) CreateOTP(_ context.Context, c OTPChallenge) error { s.m[c.ID] = c; return nil }
func (s *memOTP) GetOTP(_ context.Context, id string) (OTPChallenge, error) {
	c, ok := s.m[id]
	if !ok {
		return c, ErrNotFound
	}
	return c, nil
}
func (s *memOTP) AddOTPAttempt(_ context.Context, id string) (int, error) {
	c := s.m[id]
	c.Attempts++
	s.m[id] = c
	return c.Attempts, nil
}
func (s *memOTP) UseOTP(_ context.Context, id string, at time.Time) error {
	c := s.m[id]
	if !c.UsedAt.IsZero() {
		return ErrConflict
	}
	c.UsedAt = at
	s.m[id] = c
	return nil
}
func (s *memOTP) CountOTPs(_ context.Context, acc, phone string, since time.Time) (int, int, error) {
	a, p := 0, 0
	for _, c := range s.m {
		if c.CreatedAt.Before(since) {
			continue
		}
		if c.AccountID == acc {
			a++
		}
		if c.PhoneKey == phone {
			p++
		}
	}
	return a, p, nil
}

var codeInSMS = regexp.MustCompile(`\b(\d{6})\b`)

func TestOTPSendVerifyLimits(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	sms := NewLogSMSSender(nil)
	svc := NewOTPService(OTPConfig{Store: &memOTP{m: map[string]OTPChallenge{}}, SMS: sms, Key: []byte("k"), Now: func() time.Time { return now }})
	acc := Account{ID: "acc1"}
	c, err := svc.Send(ctx, acc, "+84912345678", OTPLogin, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := codeInSMS.FindStringSubmatch(sms.Recent()[0].Body)
	if m == nil {
		t.Fatalf("no code in %q", sms.Recent()[0].Body)
	}
	code := m[1]
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	if err := svc.Verify(ctx, c.ID, acc.ID, OTPLogin, wrong); !errors.Is(err, ErrOTPInvalid) {
		t.Fatalf("wrong code: %v", err)
	}
	if err := svc.Verify(ctx, c.ID, "someone-else", OTPLogin, code); !errors.Is(err, ErrOTPInvalid) {
		t.Fatalf("another account's challenge: %v", err)
	}
	if err := svc.Verify(ctx, c.ID, acc.ID, OTPReset, code); !errors.Is(err, ErrOTPInvalid) {
		t.Fatalf("another purpose: %v", err)
	}
	if err := svc.Verify(ctx, c.ID, acc.ID, OTPLogin, code); err != nil {
		t.Fatalf("right code: %v", err)
	}
	if err := svc.Verify(ctx, c.ID, acc.ID, OTPLogin, code); !errors.Is(err, ErrOTPInvalid) {
		t.Fatalf("code reused: %v", err)
	}

	// Resend waits a minute.
	var rate *OTPRateError
	if _, err := svc.Send(ctx, acc, "+84912345678", OTPLogin, &c); !errors.As(err, &rate) {
		t.Fatalf("early resend: %v", err)
	}
	now = now.Add(time.Minute)
	c2, err := svc.Send(ctx, acc, "+84912345678", OTPLogin, &c)
	if err != nil {
		t.Fatal(err)
	}
	// Five wrong tries exhaust the code, even the right one after.
	for i := 0; i < DefaultOTPPolicy.MaxAttempts; i++ {
		_ = svc.Verify(ctx, c2.ID, acc.ID, OTPLogin, wrong)
	}
	code2 := codeInSMS.FindStringSubmatch(sms.Recent()[0].Body)[1]
	if err := svc.Verify(ctx, c2.ID, acc.ID, OTPLogin, code2); !errors.Is(err, ErrOTPTooMany) {
		t.Fatalf("after 5 wrong tries: %v", err)
	}
	// Expiry.
	c3, _ := svc.Send(ctx, acc, "+84912345678", OTPLogin, nil)
	code3 := codeInSMS.FindStringSubmatch(sms.Recent()[0].Body)[1]
	now = now.Add(DefaultOTPPolicy.Lifetime)
	if err := svc.Verify(ctx, c3.ID, acc.ID, OTPLogin, code3); !errors.Is(err, ErrOTPExpired) {
		t.Fatalf("expired: %v", err)
	}
	// Hourly cap per account (3 sent so far).
	for i := 0; i < DefaultOTPPolicy.PerHourLimit-3; i++ {
		if _, err := svc.Send(ctx, acc, "+84912345678", OTPLogin, nil); err != nil {
			t.Fatalf("code %d refused: %v", i+4, err)
		}
	}
	if _, err := svc.Send(ctx, acc, "+84912345678", OTPLogin, nil); !errors.As(err, &rate) {
		t.Fatalf("hourly cap: %v", err)
	}
	if _, err := svc.Send(ctx, acc, "", OTPLogin, nil); !errors.Is(err, ErrNoPhone) {
		t.Fatalf("no phone: %v", err)
	}
}
