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

func testTOTPStore(t *testing.T, e *env) {
	acc := seedAccount(t, e, "acc-totp", "001095012345")
	if _, err := e.s.GetTOTP(e.ctx, acc.ID); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("no enrolment: %v", err)
	}
	en := identity.TOTPEnrolment{AccountID: acc.ID, SecretSealed: []byte("sealed-1"), CreatedAt: start}
	if err := e.s.SaveTOTP(e.ctx, en); err != nil {
		t.Fatal(err)
	}
	en.Confirmed, en.ConfirmedAt = true, start.Add(time.Minute)
	if err := e.s.SaveTOTP(e.ctx, en); err != nil {
		t.Fatal(err)
	}
	got, err := e.s.GetTOTP(e.ctx, acc.ID)
	if err != nil || !got.Confirmed || string(got.SecretSealed) != "sealed-1" || !got.ConfirmedAt.Equal(en.ConfirmedAt) {
		t.Fatalf("GetTOTP = %+v, %v", got, err)
	}
	// An unconfirmed secret never replaces a confirmed one.
	if err := e.s.SaveTOTP(e.ctx, identity.TOTPEnrolment{AccountID: acc.ID, SecretSealed: []byte("sealed-2"), CreatedAt: start}); !errors.Is(err, identity.ErrConflict) {
		t.Fatalf("unconfirmed over confirmed: %v", err)
	}
	// Steps only move forward, once, even when racing.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := e.s.AdvanceTOTPStep(e.ctx, acc.ID, 100); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			} else if !errors.Is(err, identity.ErrConflict) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("step 100 accepted %d times", wins)
	}
	if err := e.s.AdvanceTOTPStep(e.ctx, acc.ID, 99); !errors.Is(err, identity.ErrConflict) {
		t.Fatalf("older step: %v", err)
	}
	if err := e.s.AdvanceTOTPStep(e.ctx, "nobody", 5); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("no enrolment: %v", err)
	}
	// Recovery codes: replaced as a set, each used once.
	if err := e.s.ReplaceRecoveryCodes(e.ctx, acc.ID, [][]byte{[]byte("a"), []byte("b")}, start); err != nil {
		t.Fatal(err)
	}
	if err := e.s.ReplaceRecoveryCodes(e.ctx, acc.ID, [][]byte{[]byte("c"), []byte("d")}, start); err != nil {
		t.Fatal(err)
	}
	if err := e.s.UseRecoveryCode(e.ctx, acc.ID, []byte("a"), start); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("replaced code still works: %v", err)
	}
	if err := e.s.UseRecoveryCode(e.ctx, acc.ID, []byte("c"), start); err != nil {
		t.Fatal(err)
	}
	if err := e.s.UseRecoveryCode(e.ctx, acc.ID, []byte("c"), start); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("code used twice: %v", err)
	}
	if err := e.s.DeleteTOTP(e.ctx, acc.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.GetTOTP(e.ctx, acc.ID); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	if err := e.s.UseRecoveryCode(e.ctx, acc.ID, []byte("d"), start); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("recovery code survived the delete: %v", err)
	}
}

func testAccountSessions(t *testing.T, e *env) {
	a := seedAccount(t, e, "acc-s1", "001095012345")
	b := seedAccount(t, e, "acc-s2", "079304123456")
	mk := func(id, acc string, created time.Time, expires time.Time) {
		if err := e.s.CreateAuthSession(e.ctx, identity.AuthSession{ID: id, AccountID: acc, AuthTime: created, ACR: "urn:vn:eid:loa:1",
			AMR: []string{"pwd"}, CreatedAt: created, ExpiresAt: expires}); err != nil {
			t.Fatal(err)
		}
	}
	mk("s-old", a.ID, start, start.Add(time.Hour))
	mk("s-new", a.ID, start.Add(time.Minute), start.Add(time.Hour))
	mk("s-expired", a.ID, start.Add(-3*time.Hour), start.Add(-time.Hour))
	mk("s-other", b.ID, start, start.Add(time.Hour))
	got, err := e.s.ListAuthSessions(e.ctx, a.ID, start.Add(time.Second))
	if err != nil || len(got) != 2 || got[0].ID != "s-new" || got[1].ID != "s-old" {
		t.Fatalf("ListAuthSessions = %+v, %v", got, err)
	}
	if _, err := e.s.EndAuthSessions(e.ctx, identity.AuthSession{ID: "s-other", AccountID: a.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.GetAuthSession(e.ctx, "s-other", start.Add(time.Second)); err != nil {
		t.Fatalf("ended another account's session: %v", err)
	}
	if _, err := e.s.EndAuthSessions(e.ctx, identity.AuthSession{ID: "s-old", AccountID: a.ID}); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.s.ListAuthSessions(e.ctx, a.ID, start.Add(time.Second)); len(got) != 1 {
		t.Fatalf("after ending one: %+v", got)
	}
	// Last use starts at creation and moves with TouchAuthSession.
	got1, err := e.s.GetAuthSession(e.ctx, "s-new", start.Add(time.Second))
	if err != nil || !got1.LastSeen.Equal(start.Add(time.Minute)) {
		t.Fatalf("LastSeen before touch = %v, %v", got1.LastSeen, err)
	}
	if err := e.s.TouchAuthSession(e.ctx, "s-new", start.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got1, _ = e.s.GetAuthSession(e.ctx, "s-new", start.Add(31*time.Minute)); !got1.LastSeen.Equal(start.Add(30 * time.Minute)) {
		t.Fatalf("LastSeen after touch = %v", got1.LastSeen)
	}
}

func testSessionClients(t *testing.T, e *env) {
	for _, c := range []string{"bank", "exam", "bank"} {
		if err := e.s.AddSessionClient(e.ctx, "s1", c, start); err != nil {
			t.Fatalf("AddSessionClient(%s): %v", c, err)
		}
	}
	got, err := e.s.ListSessionClients(e.ctx, "s1")
	if err != nil || len(got) != 2 || got[0] != "bank" || got[1] != "exam" {
		t.Fatalf("ListSessionClients = %v, %v", got, err)
	}
	if got, _ := e.s.ListSessionClients(e.ctx, "s2"); len(got) != 0 {
		t.Fatalf("another session: %v", got)
	}
}

func testConsentClaims(t *testing.T, e *env) {
	acc := seedAccount(t, e, "acc-c", "001095012345")
	c := seedClient(t, e, "exam-portal")
	g := identity.ConsentGrant{AccountID: acc.ID, ClientID: c.ID, Scopes: []string{"openid", "profile", "phone"}, Claims: []string{"name", "birthdate"}, GrantedAt: start}
	if err := e.s.SaveConsent(e.ctx, g); err != nil {
		t.Fatal(err)
	}
	got, err := e.s.GetConsent(e.ctx, acc.ID, c.ID)
	if err != nil || len(got.Claims) != 2 || got.Claims[0] != "name" || got.Claims[1] != "birthdate" {
		t.Fatalf("claims = %v, %v", got.Claims, err)
	}
	// Unticking everything stores an empty list, not "all".
	g.Claims = nil
	if err := e.s.SaveConsent(e.ctx, g); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.s.GetConsent(e.ctx, acc.ID, c.ID); len(got.Claims) != 0 {
		t.Fatalf("after unticking all: %v", got.Claims)
	}
	if list, err := e.s.ListConsents(e.ctx, acc.ID); err != nil || len(list) != 1 || list[0].ClientID != c.ID {
		t.Fatalf("ListConsents = %+v, %v", list, err)
	}
	if err := e.s.WithdrawConsent(e.ctx, acc.ID, c.ID, "some-subject"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.GetConsent(e.ctx, acc.ID, c.ID); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("grant survived withdrawal: %v", err)
	}
}

func testDisclosures(t *testing.T, e *env) {
	for i, c := range []string{"exam", "bank", "exam"} {
		if err := e.s.AppendDisclosure(e.ctx, identity.Disclosure{AccountID: "acc-d", ClientID: c, At: start.Add(time.Duration(i) * time.Minute),
			Claims: []string{"name", "birthdate"}, ACR: "urn:vn:eid:loa:1", Channel: "userinfo"}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := e.s.ListDisclosures(e.ctx, "acc-d", identity.DisclosureFilter{})
	if err != nil || len(all) != 3 || all[0].ClientID != "exam" || !all[0].At.Equal(start.Add(2*time.Minute)) || len(all[0].Claims) != 2 {
		t.Fatalf("ListDisclosures = %+v, %v", all, err)
	}
	bank, _ := e.s.ListDisclosures(e.ctx, "acc-d", identity.DisclosureFilter{ClientID: "bank"})
	if len(bank) != 1 {
		t.Fatalf("filtered: %+v", bank)
	}
	if other, _ := e.s.ListDisclosures(e.ctx, "someone-else", identity.DisclosureFilter{}); len(other) != 0 {
		t.Fatalf("another account sees %d entries", len(other))
	}
}
