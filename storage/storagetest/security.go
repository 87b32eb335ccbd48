package storagetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/dinhdanh/dinhdanh/identity"
)

func testOTPChallenges(t *testing.T, e *env) {
	c := identity.OTPChallenge{ID: randID(), AccountID: "acc-1", Purpose: identity.OTPLogin, CodeHash: []byte("hash"),
		PhoneKey: "phone-1", CreatedAt: start, ExpiresAt: start.Add(5 * time.Minute)}
	if err := e.s.CreateOTP(e.ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := e.s.GetOTP(e.ctx, c.ID)
	if err != nil || got.AccountID != "acc-1" || string(got.CodeHash) != "hash" || !got.ExpiresAt.Equal(c.ExpiresAt) || !got.UsedAt.IsZero() {
		t.Fatalf("GetOTP = %+v, %v", got, err)
	}
	if _, err := e.s.GetOTP(e.ctx, "missing"); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("missing challenge: %v", err)
	}
	// Concurrent tries all count.
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.s.AddOTPAttempt(e.ctx, c.ID); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n, err := e.s.AddOTPAttempt(e.ctx, c.ID); err != nil || n != 11 {
		t.Fatalf("attempts = %d, %v; want 11", n, err)
	}
	if _, err := e.s.AddOTPAttempt(e.ctx, "missing"); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("attempt on a missing challenge: %v", err)
	}
	// Single use, even when racing.
	var used, conflicts int
	var mu sync.Mutex
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := e.s.UseOTP(e.ctx, c.ID, start.Add(time.Minute))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				used++
			case errors.Is(err, identity.ErrConflict):
				conflicts++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if used != 1 || conflicts != 4 {
		t.Fatalf("UseOTP: %d succeeded, %d conflicts", used, conflicts)
	}
	// Counting by account and by phone since a time.
	for i, at := range []time.Time{start.Add(-2 * time.Hour), start.Add(time.Minute), start.Add(2 * time.Minute)} {
		acc := "acc-1"
		if i == 2 {
			acc = "acc-2"
		}
		if err := e.s.CreateOTP(e.ctx, identity.OTPChallenge{ID: randID(), AccountID: acc, Purpose: identity.OTPLogin, CodeHash: []byte("h"), PhoneKey: "phone-1", CreatedAt: at, ExpiresAt: at.Add(5 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	byAccount, byPhone, err := e.s.CountOTPs(e.ctx, "acc-1", "phone-1", start.Add(-time.Hour))
	if err != nil || byAccount != 2 || byPhone != 3 {
		t.Fatalf("CountOTPs = %d, %d, %v; want 2, 3", byAccount, byPhone, err)
	}
}

func testLoginAttempts(t *testing.T, e *env) {
	key := "pin:" + randID()
	if st, err := e.s.GetAttempts(e.ctx, key); err != nil || st.Failures != 0 {
		t.Fatalf("fresh key: %+v, %v", st, err)
	}
	// Concurrent failures all count (no lost update).
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.s.RecordFailure(e.ctx, key, start, time.Hour); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	st, err := e.s.GetAttempts(e.ctx, key)
	if err != nil || st.Failures != 20 || !st.LastFailure.Equal(start) {
		t.Fatalf("after 20 failures: %+v, %v", st, err)
	}
	until := start.Add(15 * time.Minute)
	if err := e.s.LockAttempts(e.ctx, key, until); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.s.GetAttempts(e.ctx, key); !st.LockedUntil.Equal(until) {
		t.Fatalf("lock not stored: %+v", st)
	}
	// A failure after the window starts the count again.
	st, err = e.s.RecordFailure(e.ctx, key, start.Add(2*time.Hour), time.Hour)
	if err != nil || st.Failures != 1 {
		t.Fatalf("after the window: %+v, %v", st, err)
	}
	if err := e.s.ResetAttempts(e.ctx, key); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.s.GetAttempts(e.ctx, key); st.Failures != 0 || !st.LockedUntil.IsZero() {
		t.Fatalf("after reset: %+v", st)
	}
}

func testAuditLog(t *testing.T, e *env) {
	for i, kind := range []string{"account_locked", "account_unlocked", "ip_blocked"} {
		if err := e.s.AppendAudit(e.ctx, identity.AuditEvent{At: start.Add(time.Duration(i) * time.Second), Kind: kind, AccountID: "acc-1", Detail: "d"}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := e.s.ListAudit(e.ctx, 10)
	if err != nil || len(got) != 3 || got[0].Kind != "ip_blocked" || got[2].Kind != "account_locked" || got[1].AccountID != "acc-1" {
		t.Fatalf("ListAudit = %+v, %v", got, err)
	}
}

func testClientMinLevel(t *testing.T, e *env) {
	c := identity.Client{ID: "bank", Name: "Bank", SecretHash: []byte("h"), RedirectURIs: []string{"https://bank.example/cb"},
		Scopes: []string{"openid"}, SubjectType: identity.SubjectPairwise, MinLevel: 2, CreatedAt: start}
	if err := e.s.CreateClient(e.ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := e.s.GetIdentityClient(e.ctx, "bank")
	if err != nil || got.MinLevel != 2 {
		t.Fatalf("MinLevel = %d, %v", got.MinLevel, err)
	}
}
