package identity

import (
	"context"
	"errors"
	"testing"
	"time"
)

// memAttempts is an in-memory AttemptStore and AuditStore for the policy
// tests; the database implementations run the storage conformance suite.
type memAttempts struct {
	states map[string]AttemptState
	audit  []AuditEvent
}

func (m *memAttempts) GetAttempts(_ context.Context, key string) (AttemptState, error) {
	return m.states[key], nil
}
func (m *memAttempts) RecordFailure(_ context.Context, key string, now time.Time, window time.Duration) (AttemptState, error) {
	st := m.states[key]
	if now.Sub(st.LastFailure) > window {
		st.Failures = 0
	}
	st.Failures++
	st.LastFailure = now
	m.states[key] = st
	return st, nil
}
func (m *memAttempts) LockAttempts(_ context.Context, key string, until time.Time) error {
	st := m.states[key]
	st.LockedUntil = until
	m.states[key] = st
	return nil
}
func (m *memAttempts) ResetAttempts(_ context.Context, key string) error {
	delete(m.states, key)
	return nil
}
func (m *memAttempts) AppendAudit(_ context.Context, e AuditEvent) error {
	m.audit = append(m.audit, e)
	return nil
}

func TestThrottleDelaysThenLocksThenRecovers(t *testing.T) {
	ctx := context.Background()
	store := &memAttempts{states: map[string]AttemptState{}}
	th := NewThrottle(store, store, DefaultThrottlePolicy, []byte("k"))
	key := th.AccountKey("001095012345")
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

	for i := 1; i <= DefaultThrottlePolicy.FreeFailures; i++ {
		if err := th.Check(ctx, key, now); err != nil {
			t.Fatalf("attempt %d throttled: %v", i, err)
		}
		_ = th.Fail(ctx, key, "acc1", now)
	}
	// The next failure imposes a growing delay.
	_ = th.Fail(ctx, key, "acc1", now)
	var te *ThrottledError
	if err := th.Check(ctx, key, now); !errors.As(err, &te) || te.Locked || te.RetryAfter != time.Second {
		t.Fatalf("after 4 failures: %v", err)
	}
	if err := th.Check(ctx, key, now.Add(time.Second)); err != nil {
		t.Fatalf("delay did not pass: %v", err)
	}
	// Up to the lock.
	for i := 5; i <= DefaultThrottlePolicy.LockAfter; i++ {
		now = now.Add(time.Minute)
		_ = th.Fail(ctx, key, "acc1", now)
	}
	if err := th.Check(ctx, key, now.Add(time.Minute)); !errors.As(err, &te) || !te.Locked {
		t.Fatalf("not locked after %d failures: %v", DefaultThrottlePolicy.LockAfter, err)
	}
	if len(store.audit) != 1 || store.audit[0].Kind != "account_locked" || store.audit[0].AccountID != "acc1" {
		t.Fatalf("audit: %+v", store.audit)
	}
	// The lock ends by itself.
	if err := th.Check(ctx, key, now.Add(DefaultThrottlePolicy.LockFor+time.Second)); err != nil {
		t.Errorf("lock did not expire: %v", err)
	}
	// A registrar's unlock is immediate and audited.
	_ = th.Unlock(ctx, "001095012345", "acc1", now)
	if err := th.Check(ctx, key, now); err != nil {
		t.Errorf("unlock did not clear: %v", err)
	}
	if last := store.audit[len(store.audit)-1]; last.Kind != "account_unlocked" {
		t.Errorf("unlock not audited: %+v", last)
	}
	if te.MessageVI() == "" || te.MessageEN() == "" {
		t.Error("empty messages")
	}
}

func TestThrottleKeysHideIDNumbers(t *testing.T) {
	th := NewThrottle(nil, nil, DefaultThrottlePolicy, []byte("k"))
	k := th.AccountKey("001095012345")
	if k == th.AccountKey("079304123456") || len(k) < 20 || k == "pin:001095012345" {
		t.Errorf("key %q", k)
	}
	if th.IPKey("127.0.0.1")[:3] != "ip:" {
		t.Error("IP key prefix")
	}
}
