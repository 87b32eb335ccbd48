package storagetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/openid"

	"github.com/dinhdanh/dinhdanh/identity"
)

func testSMSResetHold(t *testing.T, e *env) {
	a := seedAccount(t, e, "acc-hold", "001095012345")
	if got, _ := e.s.GetAccount(e.ctx, a.ID); got.SMSResetHold {
		t.Fatal("a new account is on hold")
	}
	if err := e.s.SetSMSResetHold(e.ctx, a.ID, true); err != nil {
		t.Fatal(err)
	}
	if got, err := e.s.GetAccountByPIN(e.ctx, a.PIN); err != nil || !got.SMSResetHold {
		t.Fatalf("hold not stored: %+v %v", got.SMSResetHold, err)
	}
	if err := e.s.SetSMSResetHold(e.ctx, a.ID, false); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.s.GetAccount(e.ctx, a.ID); got.SMSResetHold {
		t.Fatal("hold not cleared")
	}
	if err := e.s.SetSMSResetHold(e.ctx, "missing", true); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("missing account: %v", err)
	}
}

// accountSession is a session carrying the account id under "aid", as
// the provider's does: storage reads it to revoke by account.
type accountSession struct {
	*openid.DefaultSession `json:"oidc"`
	AccountID              string `json:"aid"`
}

func (s *accountSession) Clone() fosite.Session {
	return &accountSession{DefaultSession: s.DefaultSession.Clone().(*openid.DefaultSession), AccountID: s.AccountID}
}

func testRevokeAccountTokens(t *testing.T, e *env) {
	c1, c2 := seedClient(t, e, "exam-portal"), seedClient(t, e, "bank")
	mine := func(c *identity.Client, account string) *fosite.Request {
		r := newRequester(c, "sub-"+account+"-"+c.ID, start)
		r.Session = &accountSession{DefaultSession: newSession(r.Session.GetSubject(), start), AccountID: account}
		return r
	}
	// Two clients (different pairwise subjects) for account A, one for B.
	a1, a2, b := mine(c1, "acc-A"), mine(c2, "acc-A"), mine(c1, "acc-B")
	for _, x := range []struct {
		sig string
		r   *fosite.Request
	}{{"a1", a1}, {"a2", a2}, {"b", b}} {
		if err := e.s.CreateAccessTokenSession(e.ctx, "at-"+x.sig, x.r); err != nil {
			t.Fatal(err)
		}
		if err := e.s.CreateRefreshTokenSession(e.ctx, "rt-"+x.sig, "at-"+x.sig, x.r); err != nil {
			t.Fatal(err)
		}
		if err := e.s.CreateAuthorizeCodeSession(e.ctx, "ac-"+x.sig, x.r); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.s.RevokeAccountTokens(e.ctx, "acc-A"); err != nil {
		t.Fatal(err)
	}
	for _, sig := range []string{"a1", "a2"} {
		if _, err := e.s.GetAccessTokenSession(e.ctx, "at-"+sig, &accountSession{DefaultSession: &openid.DefaultSession{}}); err == nil {
			t.Errorf("access token %s survived", sig)
		}
		if _, err := e.s.GetRefreshTokenSession(e.ctx, "rt-"+sig, &accountSession{DefaultSession: &openid.DefaultSession{}}); !errors.Is(err, fosite.ErrInactiveToken) {
			t.Errorf("refresh token %s: %v, want inactive", sig, err)
		}
		if _, err := e.s.GetAuthorizeCodeSession(e.ctx, "ac-"+sig, &accountSession{DefaultSession: &openid.DefaultSession{}}); err == nil {
			t.Errorf("code %s survived", sig)
		}
	}
	// Revoked, not merely rotated: no grace period either.
	e.clock.Advance(time.Second)
	if _, err := e.s.GetRefreshTokenSession(e.ctx, "rt-a1", &accountSession{DefaultSession: &openid.DefaultSession{}}); !errors.Is(err, fosite.ErrInactiveToken) {
		t.Errorf("revoked refresh token in grace: %v", err)
	}
	got, err := e.s.GetAccessTokenSession(e.ctx, "at-b", &accountSession{DefaultSession: &openid.DefaultSession{}})
	if err != nil || got.GetSession().(*accountSession).AccountID != "acc-B" {
		t.Fatalf("another account's token: %v", err)
	}
	if _, err := e.s.GetRefreshTokenSession(e.ctx, "rt-b", &accountSession{DefaultSession: &openid.DefaultSession{}}); err != nil {
		t.Fatalf("another account's refresh token: %v", err)
	}
}

func testOutbox(t *testing.T, e *env) {
	const lease = time.Minute
	for i, id := range []string{"m1", "m2", "m3"} {
		if err := e.s.EnqueueMessage(e.ctx, identity.OutboxMessage{ID: id, Payload: []byte("sealed-" + id), CreatedAt: start.Add(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.s.EnqueueMessage(e.ctx, identity.OutboxMessage{ID: "m1", Payload: []byte("x"), CreatedAt: start}); !errors.Is(err, identity.ErrAlreadyExists) {
		t.Fatalf("duplicate id: %v", err)
	}
	now := start.Add(5 * time.Second)
	if due, leased, err := e.s.OutboxBacklog(e.ctx, now); err != nil || due != 3 || leased != 0 {
		t.Fatalf("backlog = %d, %d, %v", due, leased, err)
	}
	got, err := e.s.ClaimMessages(e.ctx, "node-a", now, lease, 2)
	if err != nil || len(got) != 2 || got[0].ID != "m1" || string(got[0].Payload) != "sealed-m1" {
		t.Fatalf("claim = %+v, %v", got, err)
	}
	// Leased messages are not handed to another node.
	other, err := e.s.ClaimMessages(e.ctx, "node-b", now, lease, 10)
	if err != nil || len(other) != 1 || other[0].ID != "m3" {
		t.Fatalf("node-b claimed %+v, %v", other, err)
	}
	if due, leased, _ := e.s.OutboxBacklog(e.ctx, now); due != 0 || leased != 3 {
		t.Fatalf("backlog while leased = %d, %d", due, leased)
	}
	// Only the lease holder completes.
	if err := e.s.CompleteMessage(e.ctx, "m1", "node-b"); err != nil {
		t.Fatal(err)
	}
	if err := e.s.CompleteMessage(e.ctx, "m1", "node-a"); err != nil {
		t.Fatal(err)
	}
	// A node that died: its lease runs out and another takes over.
	later := now.Add(lease + time.Second)
	taken, err := e.s.ClaimMessages(e.ctx, "node-b", later, lease, 10)
	if err != nil || len(taken) != 2 || taken[0].ID != "m2" || taken[1].ID != "m3" {
		t.Fatalf("take-over = %+v, %v", taken, err)
	}
	if err := e.s.CompleteMessage(e.ctx, "m3", "node-b"); err != nil {
		t.Fatal(err)
	}
	// A failed attempt: due again later, then given up with the payload gone.
	if err := e.s.RetryMessage(e.ctx, "m2", "node-b", 1, later.Add(time.Minute), "gateway answered HTTP 503", false); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.s.ClaimMessages(e.ctx, "node-c", later, lease, 10); len(got) != 0 {
		t.Fatalf("claimed before its retry time: %+v", got)
	}
	got, err = e.s.ClaimMessages(e.ctx, "node-c", later.Add(2*time.Minute), lease, 10)
	if err != nil || len(got) != 1 || got[0].ID != "m2" || got[0].Attempts != 1 {
		t.Fatalf("retry claim = %+v, %v", got, err)
	}
	if err := e.s.RetryMessage(e.ctx, "m2", "node-c", 2, later, "gave up", true); err != nil {
		t.Fatal(err)
	}
	if n, err := e.s.FailedMessages(e.ctx); err != nil || n != 1 {
		t.Fatalf("failed = %d, %v", n, err)
	}
	if got, _ := e.s.ClaimMessages(e.ctx, "node-d", later.Add(time.Hour), lease, 10); len(got) != 0 {
		t.Fatalf("a given-up or delivered message came back: %+v", got)
	}
	var payload []byte
	if err := e.s.DB().Table("outbox_messages").Where("id = ?", "m2").Select("payload").Row().Scan(&payload); err != nil || len(payload) != 0 {
		t.Fatalf("given-up payload kept: %q %v", payload, err)
	}
}

// Nodes racing for the same messages: each is claimed exactly once.
func testOutboxConcurrentClaims(t *testing.T, e *env) {
	const n = 30
	for i := 0; i < n; i++ {
		if err := e.s.EnqueueMessage(e.ctx, identity.OutboxMessage{ID: randID(), Payload: []byte("p"), CreatedAt: start}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func(owner string) {
			defer wg.Done()
			for {
				got, err := e.s.ClaimMessages(e.ctx, owner, start.Add(time.Second), time.Minute, 4)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, m := range got {
					seen[m.ID]++
				}
				mu.Unlock()
			}
		}(randID())
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("%d of %d messages claimed", len(seen), n)
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("message %s claimed %d times", id, k)
		}
	}
}
