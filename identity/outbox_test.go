package identity

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// memOutbox is an in-memory OutboxStore with the same lease rules as the
// database one (storagetest checks those on both backends).
type memOutbox struct {
	mu   sync.Mutex
	rows map[string]*memRow
}

type memRow struct {
	m          OutboxMessage
	next       time.Time
	owner      string
	leaseUntil time.Time
	failed     bool
}

func newMemOutbox() *memOutbox { return &memOutbox{rows: map[string]*memRow{}} }

func (s *memOutbox) EnqueueMessage(_ context.Context, m OutboxMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rows[m.ID] = &memRow{m: m, next: m.CreatedAt}
	return nil
}

func (s *memOutbox) ClaimMessages(_ context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]OutboxMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []OutboxMessage
	for _, r := range s.rows {
		if len(out) < limit && !r.failed && !r.next.After(now) && r.leaseUntil.Before(now) {
			r.owner, r.leaseUntil = owner, now.Add(lease)
			out = append(out, r.m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, nil
}

func (s *memOutbox) CompleteMessage(_ context.Context, id, owner string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.rows[id]; r != nil && r.owner == owner {
		delete(s.rows, id)
	}
	return nil
}

func (s *memOutbox) RetryMessage(_ context.Context, id, owner string, attempts int, next time.Time, _ string, giveUp bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.rows[id]; r != nil && r.owner == owner {
		r.m.Attempts, r.next, r.owner, r.leaseUntil, r.failed = attempts, next, "", time.Time{}, giveUp
		if giveUp {
			r.m.Payload = nil
		}
	}
	return nil
}

func (s *memOutbox) OutboxBacklog(_ context.Context, now time.Time) (int, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var due, leased int
	for _, r := range s.rows {
		switch {
		case r.failed:
		case !r.leaseUntil.Before(now):
			leased++
		case !r.next.After(now):
			due++
		}
	}
	return due, leased, nil
}

type recordingSMS struct {
	mu   sync.Mutex
	sent []string
	fail int // fail this many sends first
}

func (r *recordingSMS) Send(_ context.Context, phone, msg string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail > 0 {
		r.fail--
		return errors.New("gateway answered HTTP 503")
	}
	r.sent = append(r.sent, phone+"|"+msg)
	return nil
}

func newTestOutbox(t *testing.T, store OutboxStore, sms SMSSender, now func() time.Time) *Outbox {
	t.Helper()
	o, err := NewOutbox(OutboxConfig{Store: store, Key: bytes.Repeat([]byte{7}, 32), SMS: sms, Backoff: time.Second, MaxAttempts: 3,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestOutboxSealsPadsAndDelivers(t *testing.T) {
	ctx := context.Background()
	store, sms := newMemOutbox(), &recordingSMS{}
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	o := newTestOutbox(t, store, sms, func() time.Time { return now })
	code := CodeMessage(OTPReset, "123456", 5*time.Minute)
	if err := o.Send(ctx, "+84912345678", code); err != nil {
		t.Fatal(err)
	}
	if err := o.SendDecoy(ctx); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, r := range store.rows {
		p := string(r.m.Payload)
		if strings.Contains(p, "123456") || strings.Contains(p, "912345678") {
			t.Fatalf("payload readable: %q", p)
		}
		sizes = append(sizes, len(r.m.Payload))
	}
	if len(sizes) != 2 || sizes[0] != sizes[1] {
		t.Fatalf("a decoy and a code differ in size: %v", sizes)
	}
	if err := o.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if len(sms.sent) != 1 || sms.sent[0] != "+84912345678|"+code || len(store.rows) != 0 {
		t.Fatalf("delivered %q, %d rows left", sms.sent, len(store.rows))
	}
	// A payload moved to another row does not open.
	if err := o.Send(ctx, "+84912345678", "x"); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for id := range store.rows {
		ids = append(ids, id)
	}
	r := store.rows[ids[0]]
	delete(store.rows, ids[0])
	r.m.ID = "another"
	store.rows["another"] = r
	if _, err := o.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if len(sms.sent) != 1 || !store.rows["another"].failed {
		t.Fatal("a moved payload was delivered")
	}
}

func TestOutboxRetriesThenGivesUp(t *testing.T) {
	ctx := context.Background()
	store, sms := newMemOutbox(), &recordingSMS{fail: 1}
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	o := newTestOutbox(t, store, sms, func() time.Time { return now })
	if err := o.Send(ctx, "+84912345678", "notice"); err != nil {
		t.Fatal(err)
	}
	if n, _ := o.RunOnce(ctx); n != 1 || len(sms.sent) != 0 {
		t.Fatalf("first attempt: %d, %v", n, sms.sent)
	}
	if n, _ := o.RunOnce(ctx); n != 0 {
		t.Fatal("retried before the backoff")
	}
	now = now.Add(2 * time.Second)
	if _, err := o.RunOnce(ctx); err != nil || len(sms.sent) != 1 {
		t.Fatalf("retry: %v, %v", err, sms.sent)
	}
	// A gateway that never answers: given up after MaxAttempts, text erased.
	sms.fail = 100
	if err := o.Send(ctx, "+84912345678", "never"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		now = now.Add(time.Hour)
		if _, err := o.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range store.rows {
		if !r.failed || r.m.Attempts != 3 || r.m.Payload != nil {
			t.Fatalf("not given up after 3 attempts: %+v", r)
		}
	}
}

// Two nodes on one store deliver each message once.
func TestOutboxTwoNodes(t *testing.T) {
	ctx := context.Background()
	store, sms := newMemOutbox(), &recordingSMS{}
	now := func() time.Time { return time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC) }
	a, b := newTestOutbox(t, store, sms, now), newTestOutbox(t, store, sms, now)
	for i := 0; i < 20; i++ {
		if err := a.Send(ctx, "+84912345678", "m"); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for _, o := range []*Outbox{a, b} {
		wg.Add(1)
		go func(o *Outbox) { defer wg.Done(); _ = o.Drain(ctx) }(o)
	}
	wg.Wait()
	if len(sms.sent) != 20 {
		t.Fatalf("%d deliveries of 20 messages", len(sms.sent))
	}
}

func TestCodeMessagesSayWhatFor(t *testing.T) {
	login, reset := CodeMessage(OTPLogin, "111111", 5*time.Minute), CodeMessage(OTPReset, "222222", 5*time.Minute)
	if !strings.Contains(login, "dang nhap") || !strings.Contains(reset, "dat lai mat khau") || strings.Contains(login, "dat lai") {
		t.Fatalf("purpose missing: %q / %q", login, reset)
	}
	for _, m := range []string{login, reset, InitialPasswordMessage("pw", 30*24*time.Hour)} {
		if !strings.Contains(m, "KHONG chia se") {
			t.Errorf("no warning not to share: %q", m)
		}
		for _, r := range m {
			if r > 0x7f {
				t.Errorf("not GSM-7 plain text: %q", m)
				break
			}
		}
	}
	if got := unaccent("Cổng dịch vụ công Đà Nẵng"); got != "Cong dich vu cong Da Nang" {
		t.Errorf("unaccent = %q", got)
	}
}

type memAccounts struct{ m map[string]Account }

func (s *memAccounts) CreateAccount(_ context.Context, a Account) error { s.m[a.ID] = a; return nil }
func (s *memAccounts) GetAccount(_ context.Context, id string) (Account, error) {
	a, ok := s.m[id]
	if !ok {
		return a, ErrNotFound
	}
	return a, nil
}
func (s *memAccounts) GetAccountByPIN(context.Context, string) (Account, error) {
	return Account{}, ErrNotFound
}
func (s *memAccounts) UpdatePassword(context.Context, string, string, bool, time.Time) error {
	return nil
}
func (s *memAccounts) SetSMSResetHold(_ context.Context, id string, hold bool) error {
	a, ok := s.m[id]
	if !ok {
		return ErrNotFound
	}
	a.SMSResetHold = hold
	s.m[id] = a
	return nil
}

type enrolled map[string]bool

func (e enrolled) Enrolled(_ context.Context, id string) (bool, error) { return e[id], nil }

func TestLevel2Factors(t *testing.T) {
	ctx := context.Background()
	accs := &memAccounts{m: map[string]Account{"a": {ID: "a"}, "b": {ID: "b"}}}
	apps := enrolled{"b": true}
	as := NewAssurance(AssuranceConfig{Accounts: accs, Holds: accs, TOTP: apps})
	want := func(id string, f Level2Factors) {
		t.Helper()
		got, err := as.Level2Factors(ctx, id)
		if err != nil || got != f {
			t.Fatalf("%s: %+v, %v; want %+v", id, got, err, f)
		}
	}
	want("a", Level2Factors{SMS: true})
	want("b", Level2Factors{TOTP: true}) // the app enrolled: never SMS
	if err := as.PasswordResetBySMS(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	want("a", Level2Factors{}) // the phone set the password: not its second factor
	if err := as.PasswordResetBySMS(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	want("b", Level2Factors{TOTP: true})
	if err := as.ProvedIndependentFactor(ctx, "b"); err != nil || accs.m["b"].SMSResetHold {
		t.Fatalf("app login did not clear the mark: %v", err)
	}
	if err := as.VerifiedInPerson(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	want("a", Level2Factors{SMS: true})
	if _, err := as.Level2Factors(ctx, "missing"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing account: %v", err)
	}
}
