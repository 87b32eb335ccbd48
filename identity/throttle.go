package identity

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// AttemptState is the failure record of one throttling key.
type AttemptState struct {
	Failures    int
	LastFailure time.Time
	LockedUntil time.Time
}

// AttemptStore keeps failure counters in the database, so they hold across
// nodes and restarts.
type AttemptStore interface {
	GetAttempts(ctx context.Context, key string) (AttemptState, error) // zero state when none
	// RecordFailure increments the counter atomically (starting afresh when
	// the last failure is older than window) and returns the new state.
	RecordFailure(ctx context.Context, key string, now time.Time, window time.Duration) (AttemptState, error)
	LockAttempts(ctx context.Context, key string, until time.Time) error
	ResetAttempts(ctx context.Context, key string) error
}

// AuditEvent is one security event. It names an account by internal id
// only; Detail never holds personal data.
type AuditEvent struct {
	At        time.Time
	Kind      string
	AccountID string
	Detail    string
}

// AuditStore appends security events.
type AuditStore interface {
	AppendAudit(ctx context.Context, e AuditEvent) error
}

// ThrottlePolicy says how fast repeated failures slow down and when a key
// locks. The defaults follow NIST SP 800-63B §5.2.2 (at most 100 failures
// before a lock; here far fewer, since ID numbers are guessable).
type ThrottlePolicy struct {
	FreeFailures int           // failures before any delay
	MaxDelay     time.Duration // cap of the growing delay
	LockAfter    int           // failures that lock the key
	LockFor      time.Duration
	Window       time.Duration // failures older than this are forgotten
	IPLockAfter  int
	IPLockFor    time.Duration
}

var DefaultThrottlePolicy = ThrottlePolicy{
	FreeFailures: 3, MaxDelay: 30 * time.Second, LockAfter: 10, LockFor: 15 * time.Minute, Window: time.Hour,
	IPLockAfter: 100, IPLockFor: 15 * time.Minute,
}

// delayAfter is the wait imposed after n failures: none for the first few,
// then doubling from one second up to MaxDelay.
func (p ThrottlePolicy) delayAfter(n int) time.Duration {
	if n <= p.FreeFailures {
		return 0
	}
	d := time.Second << min(n-p.FreeFailures-1, 30)
	return min(d, p.MaxDelay)
}

// ThrottledError says when the next attempt may be made. It is the same
// for an existing and an unknown ID number.
type ThrottledError struct {
	RetryAfter time.Duration
	Locked     bool
}

func (e *ThrottledError) Error() string {
	if e.Locked {
		return fmt.Sprintf("too many failed attempts: locked for %s", e.RetryAfter.Round(time.Second))
	}
	return fmt.Sprintf("too many failed attempts: wait %s", e.RetryAfter.Round(time.Second))
}
func (e *ThrottledError) Code() string { return "throttled" }
func (e *ThrottledError) MessageEN() string {
	mins := int(e.RetryAfter.Round(time.Minute) / time.Minute)
	if e.Locked && mins > 0 {
		return fmt.Sprintf("Too many failed attempts. Try again in %d minutes, or ask a registrar to unlock the account.", mins)
	}
	return fmt.Sprintf("Too many failed attempts. Try again in %d seconds.", int(e.RetryAfter.Round(time.Second)/time.Second))
}
func (e *ThrottledError) MessageVI() string {
	mins := int(e.RetryAfter.Round(time.Minute) / time.Minute)
	if e.Locked && mins > 0 {
		return fmt.Sprintf("Bạn đã nhập sai quá nhiều lần. Vui lòng thử lại sau %d phút hoặc liên hệ cán bộ đăng ký để mở khóa.", mins)
	}
	return fmt.Sprintf("Bạn đã nhập sai quá nhiều lần. Vui lòng thử lại sau %d giây.", int(e.RetryAfter.Round(time.Second)/time.Second))
}

var _ LocalizedError = (*ThrottledError)(nil)

// Throttle slows down and locks repeated failures per account and per IP.
type Throttle struct {
	store  AttemptStore
	audit  AuditStore
	policy ThrottlePolicy
	key    []byte
}

func NewThrottle(store AttemptStore, audit AuditStore, policy ThrottlePolicy, key []byte) *Throttle {
	return &Throttle{store: store, audit: audit, policy: policy, key: key}
}

// AccountKey names an ID number's counter by a keyed hash, so the table
// holds no ID numbers and unknown numbers are throttled exactly like
// existing ones (no hint whether an account exists).
func (t *Throttle) AccountKey(pin string) string { return t.keyed("pin", pin) }

// FactorKey names the counter of an account's second-factor failures
// (authenticator and recovery codes have no per-code try limit).
func (t *Throttle) FactorKey(accountID string) string { return t.keyed("factor", accountID) }

// UserCodeKey names a client address's counter of wrong device user codes
// (RFC 8628 §5.1): it slows down and locks like an ID number's.
func (t *Throttle) UserCodeKey(ip string) string { return t.keyed("usercode", ip) }

// IPKey names a client address's counter.
func (t *Throttle) IPKey(ip string) string { return t.keyed("ip", ip) }

func (t *Throttle) keyed(kind, v string) string {
	m := hmac.New(sha256.New, t.key)
	m.Write([]byte(kind + "\x00" + v))
	return kind + ":" + hex.EncodeToString(m.Sum(nil)[:16])
}

// Check refuses an attempt while the key is locked or its delay runs.
func (t *Throttle) Check(ctx context.Context, key string, now time.Time) error {
	st, err := t.store.GetAttempts(ctx, key)
	if err != nil {
		return err
	}
	if now.Before(st.LockedUntil) {
		return &ThrottledError{RetryAfter: st.LockedUntil.Sub(now), Locked: true}
	}
	// Addresses only lock, after many failures: one school or ward office
	// behind one address must not slow everyone down for a few typos.
	if st.Failures > 0 && now.Sub(st.LastFailure) < t.policy.Window && !strings.HasPrefix(key, "ip:") {
		if wait := st.LastFailure.Add(t.policy.delayAfter(st.Failures)).Sub(now); wait > 0 {
			return &ThrottledError{RetryAfter: wait}
		}
	}
	return nil
}

// Begin checks a key and counts the attempt before it is verified, so a
// burst of parallel attempts cannot all slip past the check: at most
// LockAfter of them are ever verified. Call Succeed after a success and
// Failed after a failure.
func (t *Throttle) Begin(ctx context.Context, key, accountID string, now time.Time) error {
	if err := t.Check(ctx, key, now); err != nil {
		return err
	}
	if prev, err := t.store.GetAttempts(ctx, key); err != nil {
		return err
	} else if !prev.LockedUntil.IsZero() {
		// A lock that has run out starts the count afresh.
		if err := t.store.ResetAttempts(ctx, key); err != nil {
			return err
		}
	}
	st, err := t.store.RecordFailure(ctx, key, now, t.policy.Window)
	if err != nil {
		return err
	}
	if st.Failures > t.policy.LockAfter {
		if err := t.lock(ctx, key, accountID, st, now, t.policy.LockFor, "account_locked"); err != nil {
			return err
		}
		return &ThrottledError{RetryAfter: t.policy.LockFor, Locked: true}
	}
	return nil
}

// Failed records that an attempt counted by Begin failed: it locks the
// key once the count reaches the limit.
func (t *Throttle) Failed(ctx context.Context, key, accountID string, now time.Time) error {
	st, err := t.store.GetAttempts(ctx, key)
	if err != nil {
		return err
	}
	if st.Failures >= t.policy.LockAfter {
		return t.lock(ctx, key, accountID, st, now, t.policy.LockFor, "account_locked")
	}
	return nil
}

func (t *Throttle) lock(ctx context.Context, key, accountID string, st AttemptState, now time.Time, lockFor time.Duration, kind string) error {
	if now.Before(st.LockedUntil) {
		return nil // already locked: one audit event per lock
	}
	until := now.Add(lockFor)
	if err := t.store.LockAttempts(ctx, key, until); err != nil {
		return err
	}
	detail := fmt.Sprintf("failures=%d until=%s key=%s", st.Failures, until.UTC().Format(time.RFC3339), key)
	return t.audit.AppendAudit(ctx, AuditEvent{At: now, Kind: kind, AccountID: accountID, Detail: detail})
}

// Fail records a failure and locks the key when it reaches the limit.
// accountID ("" when unknown) goes to the audit log with the lock.
func (t *Throttle) Fail(ctx context.Context, key, accountID string, now time.Time) error {
	st, err := t.store.RecordFailure(ctx, key, now, t.policy.Window)
	if err != nil {
		return err
	}
	limit, lockFor, kind := t.policy.LockAfter, t.policy.LockFor, "account_locked"
	if len(key) > 3 && key[:3] == "ip:" {
		limit, lockFor, kind = t.policy.IPLockAfter, t.policy.IPLockFor, "ip_blocked"
	}
	if st.Failures >= limit {
		return t.lock(ctx, key, accountID, st, now, lockFor, kind)
	}
	return nil
}

// Succeed forgets the failures of a key after a successful attempt.
func (t *Throttle) Succeed(ctx context.Context, key string) error {
	return t.store.ResetAttempts(ctx, key)
}

// Unlock is the registrar's manual unlock of passwords and codes; it is
// audited.
func (t *Throttle) Unlock(ctx context.Context, pin, accountID string, now time.Time) error {
	if err := t.store.ResetAttempts(ctx, t.AccountKey(pin)); err != nil {
		return err
	}
	if err := t.store.ResetAttempts(ctx, t.FactorKey(accountID)); err != nil {
		return err
	}
	return t.audit.AppendAudit(ctx, AuditEvent{At: now, Kind: "account_unlocked", AccountID: accountID, Detail: "by registrar"})
}
