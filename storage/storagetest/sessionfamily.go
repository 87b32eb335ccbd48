package storagetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/dinhdanh/dinhdanh/identity"
)

// testSessionFamily: a re-authentication replaces a row without ending
// it; a stale cookie still finds it; ending any row ends the family (same
// account and sid) and nothing else, returning every client once.
func testSessionFamily(t *testing.T, e *env) {
	a := seedAccount(t, e, "acc-f1", "001095012345")
	b := seedAccount(t, e, "acc-f2", "079304123456")
	mk := func(id, acc, sid string, clients ...string) identity.AuthSession {
		s := identity.AuthSession{ID: id, AccountID: acc, SID: sid, AuthTime: start, ACR: "urn:vn:eid:loa:1",
			AMR: []string{"pwd"}, CreatedAt: start, ExpiresAt: start.Add(time.Hour), LastSeen: start}
		if err := e.s.CreateAuthSession(e.ctx, s); err != nil {
			t.Fatal(err)
		}
		for _, c := range clients {
			if err := e.s.AddSessionClient(e.ctx, id, c, start); err != nil {
				t.Fatal(err)
			}
		}
		return s
	}
	s0 := mk("f-0", a.ID, "sid-x", "bank", "exam")
	now := start.Add(time.Minute)

	live, err := e.s.ReplaceAuthSession(e.ctx, s0.ID, now)
	if err != nil || !live {
		t.Fatalf("ReplaceAuthSession = %v, %v; want live", live, err)
	}
	if live, err := e.s.ReplaceAuthSession(e.ctx, s0.ID, now); err != nil || live {
		t.Fatalf("replacing twice = %v, %v; want not live", live, err)
	}
	if _, err := e.s.GetAuthSession(e.ctx, s0.ID, now); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("a replaced row is no session: %v", err)
	}
	got, err := e.s.LookupAuthSession(e.ctx, s0.ID, now)
	if err != nil || !got.Replaced || got.SID != "sid-x" || got.AccountID != a.ID {
		t.Fatalf("LookupAuthSession = %+v, %v", got, err)
	}
	if _, err := e.s.LookupAuthSession(e.ctx, s0.ID, s0.ExpiresAt); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("expired lookup: %v", err)
	}
	if _, err := e.s.ReplaceAuthSession(e.ctx, "nope", now); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("replacing a missing row: %v", err)
	}

	// Two rows live in the family (two tabs raced), one for another
	// citizen with the same sid text, one for the same citizen elsewhere.
	mk("f-1", a.ID, "sid-x", "exam", "insurer")
	mk("f-2", a.ID, "sid-x")
	other := mk("f-b", b.ID, "sid-x", "bank")
	elsewhere := mk("f-y", a.ID, "sid-y", "bank")

	list, err := e.s.ListAuthSessions(e.ctx, a.ID, now)
	if err != nil || len(list) != 2 {
		t.Fatalf("ListAuthSessions = %+v, %v; want one per browser session", list, err)
	}

	clients, err := e.s.EndAuthSessions(e.ctx, identity.AuthSession{ID: "f-2", AccountID: a.ID, SID: "sid-x"})
	if err != nil || !slices.Equal(clients, []string{"bank", "exam", "insurer"}) {
		t.Fatalf("EndAuthSessions = %v, %v", clients, err)
	}
	for _, id := range []string{"f-0", "f-1", "f-2"} {
		if _, err := e.s.LookupAuthSession(e.ctx, id, now); !errors.Is(err, identity.ErrNotFound) {
			t.Fatalf("%s survived its family's end: %v", id, err)
		}
		if c, _ := e.s.ListSessionClients(e.ctx, id); len(c) != 0 {
			t.Fatalf("%s kept its clients: %v", id, c)
		}
	}
	for _, s := range []identity.AuthSession{other, elsewhere} {
		if _, err := e.s.GetAuthSession(e.ctx, s.ID, now); err != nil {
			t.Fatalf("%s ended with another family: %v", s.ID, err)
		}
	}
	if clients, err := e.s.EndAuthSessions(e.ctx, identity.AuthSession{ID: "f-2", AccountID: a.ID, SID: "sid-x"}); err != nil || len(clients) != 0 {
		t.Fatalf("ending again = %v, %v", clients, err)
	}

	// A row from before sids is a family of one.
	mk("f-old", a.ID, "", "exam")
	if clients, err := e.s.EndAuthSessions(e.ctx, identity.AuthSession{ID: "f-old", AccountID: a.ID}); err != nil || !slices.Equal(clients, []string{"exam"}) {
		t.Fatalf("ending a sid-less row = %v, %v", clients, err)
	}
	if _, err := e.s.GetAuthSession(e.ctx, elsewhere.ID, now); err != nil {
		t.Fatalf("a sid-less end took another row: %v", err)
	}
}
