package storagetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/dinhdanh/dinhdanh/identity"
)

func testRegistrarRoles(t *testing.T, e *env) {
	r := identity.RegistrarRole{ID: randID(), AccountID: "acc-reg", Role: identity.RoleOperator, Office: "00001", Code: "CB0001",
		GrantedBy: "cli", GrantedAt: start, ExpiresAt: start.Add(time.Hour)}
	if err := e.s.GrantRegistrarRole(e.ctx, r); err != nil {
		t.Fatal(err)
	}
	dup := r
	dup.ID = randID()
	if err := e.s.GrantRegistrarRole(e.ctx, dup); !errors.Is(err, identity.ErrAlreadyExists) {
		t.Fatalf("same role at the same office twice: %v", err)
	}
	other := identity.RegistrarRole{ID: randID(), AccountID: "acc-reg", Role: identity.RoleSupervisor, Office: "00002", Code: "CB0002",
		GrantedBy: "acc-admin", GrantedAt: start.Add(time.Second)}
	if err := e.s.GrantRegistrarRole(e.ctx, other); err != nil {
		t.Fatal(err)
	}
	got, err := e.s.RegistrarRoles(e.ctx, "acc-reg")
	if err != nil || len(got) != 2 || got[0] != r || got[1] != other {
		t.Fatalf("RegistrarRoles = %+v, %v", got, err)
	}
	if !got[0].Active(start) || got[0].Active(start.Add(time.Hour)) || !got[1].Active(start.Add(1000*time.Hour)) {
		t.Fatal("Active ignores the expiry")
	}
	if got, err := e.s.ListRegistrarRoles(e.ctx, "00002"); err != nil || len(got) != 1 || got[0].ID != other.ID {
		t.Fatalf("ListRegistrarRoles(office) = %+v, %v", got, err)
	}
	if err := e.s.RevokeRegistrarRole(e.ctx, "acc-reg", identity.RoleOperator, "00001"); err != nil {
		t.Fatal(err)
	}
	if err := e.s.RevokeRegistrarRole(e.ctx, "acc-reg", identity.RoleOperator, "00001"); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("revoking twice: %v", err)
	}
	if got, err := e.s.ListRegistrarRoles(e.ctx, ""); err != nil || len(got) != 1 {
		t.Fatalf("after revoke = %+v, %v", got, err)
	}
}

func testRegistrarActions(t *testing.T, e *env) {
	var ids []string
	for i, action := range []string{identity.ActionIssue, identity.ActionUnlock, identity.ActionReset} {
		a := identity.RegistrarAction{ID: randID(), At: start.Add(time.Duration(i) * time.Millisecond), ActorID: "acc-op", ActorCode: "CB0001",
			Role: identity.RoleOperator, Office: "00001", Action: action, AccountID: "acc-citizen", ClientIP: "192.0.2.1", Detail: "level 2"}
		if err := e.s.AppendRegistrarAction(e.ctx, a); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	if err := e.s.AppendRegistrarAction(e.ctx, identity.RegistrarAction{ID: randID(), At: start, Office: "00009", Action: identity.ActionIssue}); err != nil {
		t.Fatal(err)
	}
	got, err := e.s.ListRegistrarActions(e.ctx, "00001", 10)
	if err != nil || len(got) != 3 || got[0].ID != ids[2] || got[2].ID != ids[0] || got[1].Action != identity.ActionUnlock {
		t.Fatalf("ListRegistrarActions = %+v, %v", got, err)
	}
	one, err := e.s.GetRegistrarAction(e.ctx, ids[0])
	if err != nil || one != got[2] || one.ClientIP != "192.0.2.1" || !one.At.Equal(start) {
		t.Fatalf("GetRegistrarAction = %+v, %v", one, err)
	}
	if _, err := e.s.GetRegistrarAction(e.ctx, "nope"); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("missing action: %v", err)
	}
}

func testRegistrarRequests(t *testing.T, e *env) {
	req := identity.RegistrarRequest{ID: randID(), Kind: identity.RequestPhone, Office: "00001", AccountID: "acc-citizen",
		RequestedBy: "acc-op", Payload: `{"phone":"+84900000001"}`, RequestedAt: start}
	if err := e.s.CreateRegistrarRequest(e.ctx, req); err != nil {
		t.Fatal(err)
	}
	if got, err := e.s.ListRegistrarRequests(e.ctx, "00001", identity.RequestPending); err != nil || len(got) != 1 || got[0].Payload != req.Payload {
		t.Fatalf("pending = %+v, %v", got, err)
	}
	if err := e.s.DecideRegistrarRequest(e.ctx, req.ID, identity.RequestApproved, "acc-op", start); !errors.Is(err, identity.ErrSelfApproval) {
		t.Fatalf("self-approval: %v", err)
	}
	// Two supervisors at once: exactly one decides.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, who := range []string{"acc-sup-1", "acc-sup-2"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = e.s.DecideRegistrarRequest(e.ctx, req.ID, identity.RequestApproved, who, start.Add(time.Minute))
		}()
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("concurrent decisions: %v / %v", errs[0], errs[1])
	}
	for _, err := range errs {
		if err != nil && !errors.Is(err, identity.ErrAlreadyDecided) {
			t.Fatalf("the loser: %v", err)
		}
	}
	got, err := e.s.GetRegistrarRequest(e.ctx, req.ID)
	if err != nil || got.Status != identity.RequestApproved || (got.DecidedBy != "acc-sup-1" && got.DecidedBy != "acc-sup-2") || !got.DecidedAt.Equal(start.Add(time.Minute)) {
		t.Fatalf("decided = %+v, %v", got, err)
	}
	if err := e.s.DecideRegistrarRequest(e.ctx, "nope", identity.RequestRejected, "acc-sup-1", start); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("missing request: %v", err)
	}
	if got, err := e.s.ListRegistrarRequests(e.ctx, "00001", identity.RequestPending); err != nil || len(got) != 0 {
		t.Fatalf("pending after decision = %+v, %v", got, err)
	}
	if got, err := e.s.ListRegistrarRequests(e.ctx, "00001", ""); err != nil || len(got) != 1 {
		t.Fatalf("all = %+v, %v", got, err)
	}
}

func testRegistrarSessions(t *testing.T, e *env) {
	rs := identity.RegistrarSession{ID: randID(), AccountID: "acc-reg", Office: "00001", State: "st", Nonce: "no", Verifier: "ve", CreatedAt: start, ExpiresAt: start.Add(10 * time.Minute)}
	if err := e.s.CreateRegistrarSession(e.ctx, rs); err != nil {
		t.Fatal(err)
	}
	got, err := e.s.GetRegistrarSession(e.ctx, rs.ID, start)
	if err != nil || got != rs {
		t.Fatalf("GetRegistrarSession = %+v, %v", got, err)
	}
	if _, err := e.s.GetRegistrarSession(e.ctx, rs.ID, start.Add(10*time.Minute)); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("expired session: %v", err)
	}
	if err := e.s.DeleteRegistrarSession(e.ctx, rs.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.s.DeleteRegistrarSession(e.ctx, rs.ID); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("deleting twice: %v", err)
	}
}
