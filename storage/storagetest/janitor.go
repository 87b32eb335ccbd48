package storagetest

import (
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/openid"

	"github.com/dinhdanh/dinhdanh/identity"
	"github.com/dinhdanh/dinhdanh/storage"
)

// countRows counts a table's rows through the store's own handle.
func countRows(t *testing.T, e *env, table string) int64 {
	t.Helper()
	var n int64
	if err := e.s.DB().Table(table).Count(&n).Error; err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// purgeAll purges kind before cut in batches of batch until a short batch.
func purgeAll(t *testing.T, e *env, kind string, cut time.Time, batch int) int {
	t.Helper()
	total := 0
	for {
		n, err := e.s.PurgeExpired(e.ctx, kind, cut, batch)
		if err != nil {
			t.Fatalf("PurgeExpired(%s): %v", kind, err)
		}
		if n > batch {
			t.Fatalf("PurgeExpired(%s) deleted %d rows in a batch of %d", kind, n, batch)
		}
		total += n
		if n < batch {
			return total
		}
	}
}

// testPurgeExpired: each kind deletes what is dated before the cut and
// nothing after it; the disclosure log and audit events only when asked.
func testPurgeExpired(t *testing.T, e *env) {
	c := seedClient(t, e, "exam-portal")
	a := seedAccount(t, e, "acc-1", "001090000050")
	old := newRequester(c, "sub", start) // code 10 min, access 15 min, refresh 30 days
	fresh := newRequester(c, "sub", start.Add(time.Hour))
	for _, x := range []struct {
		sig string
		r   *fosite.Request
	}{{"old", old}, {"fresh", fresh}} {
		for _, err := range []error{
			e.s.CreateAuthorizeCodeSession(e.ctx, x.sig, x.r),
			e.s.CreateAccessTokenSession(e.ctx, x.sig, x.r),
			e.s.CreatePKCERequestSession(e.ctx, x.sig, x.r),
			e.s.CreateOpenIDConnectSession(e.ctx, x.sig, x.r),
			e.s.CreateRefreshTokenSession(e.ctx, x.sig, x.sig, x.r),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	ar := fosite.NewAuthorizeRequest()
	ar.Request = *newRequester(c, "", start)
	ar.ResponseTypes = fosite.Arguments{"code"}
	ar.RedirectURI, _ = url.Parse("https://rp.example/cb")
	if err := e.s.CreatePARSession(e.ctx, "urn:ietf:params:oauth:request_uri:old", ar); err != nil {
		t.Fatal(err)
	}
	for i, exp := range []time.Time{start.Add(time.Minute), start.Add(2 * time.Hour)} {
		id := fmt.Sprint("it-", i)
		if err := e.s.CreateInteraction(e.ctx, identity.Interaction{ID: id, ClientID: c.ID, CreatedAt: start, ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
		if err := e.s.CreateOTP(e.ctx, identity.OTPChallenge{ID: fmt.Sprint("otp-", i), AccountID: a.ID, Purpose: "login", CodeHash: []byte("h"),
			PhoneKey: "pk", CreatedAt: start, ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
		if err := e.s.AppendDevSMS(e.ctx, identity.SMSMessage{To: "***123", Body: "b", SentAt: exp}); err != nil {
			t.Fatal(err)
		}
		if err := e.s.AppendDisclosure(e.ctx, identity.Disclosure{AccountID: a.ID, ClientID: c.ID, At: exp, Claims: []string{"name"}, ACR: "urn:vn:eid:loa:1", Channel: "userinfo"}); err != nil {
			t.Fatal(err)
		}
		if err := e.s.AppendAudit(e.ctx, identity.AuditEvent{At: exp, Kind: "login", AccountID: a.ID, Detail: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.s.SetClientAssertionJWT(e.ctx, "jti-old", start.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := e.s.SetClientAssertionJWT(e.ctx, "jti-fresh", start.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	// A counter with an old failure, one locked until later, one recent.
	if _, err := e.s.RecordFailure(e.ctx, "k-old", start, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.RecordFailure(e.ctx, "k-locked", start, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := e.s.LockAttempts(e.ctx, "k-locked", start.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.RecordFailure(e.ctx, "k-new", start.Add(2*time.Hour), time.Hour); err != nil {
		t.Fatal(err)
	}
	// One message given up (failed at the store clock: start), one pending.
	for _, id := range []string{"m-failed", "m-pending"} {
		if err := e.s.EnqueueMessage(e.ctx, identity.OutboxMessage{ID: id, Payload: []byte("sealed"), CreatedAt: start}); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := e.s.ClaimMessages(e.ctx, "n", start, time.Minute, 1); err != nil || len(got) != 1 {
		t.Fatalf("claim: %v %v", got, err)
	}
	if err := e.s.RetryMessage(e.ctx, "m-failed", "n", 6, start, "gateway 500", true); err != nil {
		t.Fatal(err)
	}

	// A device request that expired, one still open.
	for i, at := range []time.Time{start, start.Add(time.Hour)} {
		d := newDevice(fmt.Sprint("dev-", i), fmt.Sprint("dh-", i), fmt.Sprint("uh-", i), at)
		d.ClientID = c.ID
		if err := e.s.CreateDeviceAuthorization(e.ctx, d); err != nil {
			t.Fatal(err)
		}
	}

	// A registrar console session that expired, one still open.
	for i, at := range []time.Time{start, start.Add(time.Hour)} {
		rs := identity.RegistrarSession{ID: fmt.Sprint("rs-", i), AccountID: a.ID, Office: "00001", State: "st", Nonce: "no", Verifier: "ve",
			CreatedAt: at, ExpiresAt: at.Add(10 * time.Minute)}
		if err := e.s.CreateRegistrarSession(e.ctx, rs); err != nil {
			t.Fatal(err)
		}
	}

	cut := start.Add(30 * time.Minute)
	want := map[string]int{
		storage.PurgeAuthorizeCodes: 1, storage.PurgeAccessTokens: 1, storage.PurgeRefreshTokens: 0,
		storage.PurgePKCE: 1, storage.PurgeOIDC: 1, storage.PurgePAR: 1, storage.PurgeUsedJTIs: 1,
		storage.PurgeInteractions: 1, storage.PurgeOTPs: 1, storage.PurgeLoginAttempts: 1,
		storage.PurgeFailedOutbox: 1, storage.PurgeDevSMS: 1, storage.PurgeDisclosures: 1, storage.PurgeAuditEvents: 1,
		storage.PurgeDeviceAuths: 1, storage.PurgeRegistrarSess: 1,
	}
	if len(want) != len(storage.PurgeKinds()) {
		t.Fatalf("test covers %d kinds, store has %d", len(want), len(storage.PurgeKinds()))
	}
	for _, kind := range storage.PurgeKinds() {
		if n := purgeAll(t, e, kind, cut, 10); n != want[kind] {
			t.Errorf("%s: purged %d, want %d", kind, n, want[kind])
		}
		// A second pass finds nothing: what stays is after the cut.
		if n := purgeAll(t, e, kind, cut, 10); n != 0 {
			t.Errorf("%s: second pass purged %d", kind, n)
		}
	}
	if _, err := e.s.PurgeExpired(e.ctx, "citizens", cut, 10); err == nil {
		t.Fatal("an unknown kind was accepted")
	}
	_, err := e.s.GetAuthorizeCodeSession(e.ctx, "old", &openid.DefaultSession{})
	wantNotFound(t, "purged code", err)
	if _, err := e.s.GetAuthorizeCodeSession(e.ctx, "fresh", &openid.DefaultSession{}); err != nil {
		t.Fatalf("fresh code purged: %v", err)
	}
	if _, err := e.s.GetRefreshTokenSession(e.ctx, "old", &openid.DefaultSession{}); err != nil {
		t.Fatalf("live refresh token purged: %v", err)
	}
	if st, err := e.s.GetAttempts(e.ctx, "k-locked"); err != nil || st.Failures != 1 {
		t.Fatalf("a counter still locked was purged: %+v %v", st, err)
	}
	if n := countRows(t, e, "outbox_messages"); n != 1 {
		t.Fatalf("outbox rows = %d, want the pending one", n)
	}
	// The refresh token goes once it has expired too.
	if n := purgeAll(t, e, storage.PurgeRefreshTokens, start.Add(30*24*time.Hour+30*time.Minute), 10); n != 1 {
		t.Fatalf("expired refresh tokens purged = %d, want 1", n)
	}
}

// testPurgeBatches: a batch never deletes more than its limit, and
// batches together delete every expired row and no other.
func testPurgeBatches(t *testing.T, e *env) {
	for i := range 25 {
		exp := start.Add(time.Minute)
		if i%5 == 0 {
			exp = start.Add(time.Hour)
		}
		if err := e.s.SetClientAssertionJWT(e.ctx, fmt.Sprint("jti-", i), exp); err != nil {
			t.Fatal(err)
		}
	}
	cut := start.Add(10 * time.Minute)
	var sizes []int
	for {
		n, err := e.s.PurgeExpired(e.ctx, storage.PurgeUsedJTIs, cut, 7)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, n)
		if n < 7 {
			break
		}
	}
	if fmt.Sprint(sizes) != "[7 7 6]" {
		t.Fatalf("batches = %v, want [7 7 6]", sizes)
	}
	if n := countRows(t, e, "oauth2_used_jtis"); n != 5 {
		t.Fatalf("rows left = %d, want 5", n)
	}
}

// testExpiredAuthSessions: sessions past their absolute end, and live
// rows idle too long, are found; a row replaced by a re-authentication is
// not found for being idle (its family lives on in the new row).
func testExpiredAuthSessions(t *testing.T, e *env) {
	a := seedAccount(t, e, "acc-x", "001095012345")
	mk := func(id, sid string, created, lastSeen, expires time.Time) {
		s := identity.AuthSession{ID: id, AccountID: a.ID, SID: sid, AuthTime: created, ACR: "urn:vn:eid:loa:1",
			AMR: []string{"pwd"}, CreatedAt: created, ExpiresAt: expires, LastSeen: lastSeen}
		if err := e.s.CreateAuthSession(e.ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	now := start.Add(10 * time.Hour)
	idleBefore := now.Add(-time.Hour)
	mk("s-absolute", "sid-1", start, now.Add(-time.Minute), now.Add(-time.Second)) // past its absolute end
	mk("s-idle", "sid-2", start, now.Add(-2*time.Hour), now.Add(time.Hour))
	mk("s-legacy-idle", "sid-3", start, time.Time{}, now.Add(time.Hour)) // no last use recorded
	mk("s-live", "sid-4", now.Add(-time.Hour/2), now.Add(-time.Minute), now.Add(time.Hour))
	mk("s-replaced", "sid-5", start, now.Add(-3*time.Hour), now.Add(time.Hour))
	mk("s-replacement", "sid-5", start, now.Add(-time.Minute), now.Add(time.Hour))
	if _, err := e.s.ReplaceAuthSession(e.ctx, "s-replaced", now.Add(-3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := e.s.ExpiredAuthSessions(e.ctx, now, idleBefore, 10)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, s := range got {
		ids[s.ID] = true
	}
	if len(got) != 3 || !ids["s-absolute"] || !ids["s-idle"] || !ids["s-legacy-idle"] {
		t.Fatalf("expired sessions = %v", ids)
	}
	if got, _ := e.s.ExpiredAuthSessions(e.ctx, now, idleBefore, 2); len(got) != 2 {
		t.Fatalf("limit 2 returned %d", len(got))
	}
	// Ended through EndAuthSessions, they are gone.
	for _, s := range got {
		if _, err := e.s.EndAuthSessions(e.ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if left, _ := e.s.ExpiredAuthSessions(e.ctx, now, idleBefore, 10); len(left) != 0 {
		t.Fatalf("left after ending = %d", len(left))
	}
	if n := countRows(t, e, "auth_sessions"); n != 3 {
		t.Fatalf("auth_sessions = %d, want the live one and the family of two", n)
	}
}

// testJobLease: one owner at a time; the holder renews; an expired lease
// is taken over; a released one at once.
func testJobLease(t *testing.T, e *env) {
	const ttl = time.Minute
	ok := func(owner string, at time.Time, want bool) {
		t.Helper()
		got, err := e.s.AcquireLease(e.ctx, "janitor", owner, at, ttl)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("AcquireLease(%s at +%v) = %v, want %v", owner, at.Sub(start), got, want)
		}
	}
	ok("node-a", start, true)
	ok("node-b", start.Add(time.Second), false)
	ok("node-a", start.Add(50*time.Second), true) // renewed until +110s
	ok("node-b", start.Add(100*time.Second), false)
	if h, err := e.s.LeaseHolder(e.ctx, "janitor", start.Add(100*time.Second)); err != nil || h != "node-a" {
		t.Fatalf("holder = %q, %v", h, err)
	}
	ok("node-b", start.Add(111*time.Second), true) // node-a died: taken over
	ok("node-a", start.Add(112*time.Second), false)
	ok("node-a", start.Add(112*time.Second), false)
	// Leases are per job.
	if got, err := e.s.AcquireLease(e.ctx, "other-job", "node-a", start.Add(112*time.Second), ttl); err != nil || !got {
		t.Fatalf("another job's lease: %v %v", got, err)
	}
	// Releasing by a non-holder does nothing; by the holder frees it.
	if err := e.s.ReleaseLease(e.ctx, "janitor", "node-a"); err != nil {
		t.Fatal(err)
	}
	ok("node-a", start.Add(113*time.Second), false)
	if err := e.s.ReleaseLease(e.ctx, "janitor", "node-b"); err != nil {
		t.Fatal(err)
	}
	if h, _ := e.s.LeaseHolder(e.ctx, "janitor", start.Add(113*time.Second)); h != "" {
		t.Fatalf("holder after release = %q", h)
	}
	ok("node-a", start.Add(113*time.Second), true)
}

// testJobLeaseRace: of many nodes racing for a free lease, one wins.
func testJobLeaseRace(t *testing.T, e *env) {
	for round := range 5 {
		at := start.Add(time.Duration(round) * time.Hour)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var winners []string
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				owner := fmt.Sprintf("node-%d-%d", round, i)
				got, err := e.s.AcquireLease(e.ctx, "janitor", owner, at, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if got {
					mu.Lock()
					winners = append(winners, owner)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(winners) != 1 {
			t.Fatalf("round %d: %d holders %v, want 1", round, len(winners), winners)
		}
	}
}
