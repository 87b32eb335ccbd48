package storagetest

import (
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/dinhdanh/dinhdanh/identity"
)

func newDevice(id, deviceHash, userHash string, now time.Time) identity.DeviceAuthorization {
	return identity.DeviceAuthorization{ID: id, DeviceCodeHash: deviceHash, UserCodeHash: userHash, ClientID: "tv",
		Scopes: []string{"openid", "profile"}, Status: identity.DeviceStatusPending, Interval: 5,
		CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: %v, want %v", what, err, want)
	}
}

// testDeviceAuthorizations: the device grant's contract (provider.DeviceStore):
// codes unique, each state change once, expiry honoured.
func testDeviceAuthorizations(t *testing.T, e *env) {
	seedClient(t, e, "tv")
	now := e.clock.Now()
	d := newDevice("d1", "dev-hash-1", "user-hash-1", now)
	if err := e.s.CreateDeviceAuthorization(e.ctx, d); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "same user code", e.s.CreateDeviceAuthorization(e.ctx, newDevice("d2", "dev-hash-2", "user-hash-1", now)), identity.ErrAlreadyExists)
	wantErr(t, "same device code", e.s.CreateDeviceAuthorization(e.ctx, newDevice("d3", "dev-hash-1", "user-hash-3", now)), identity.ErrAlreadyExists)

	got, err := e.s.GetDeviceAuthorizationByUserCode(e.ctx, "user-hash-1", now)
	if err != nil {
		t.Fatal(err)
	}
	want := d
	want.CreatedAt, want.ExpiresAt, want.GrantedScopes = now.UTC(), d.ExpiresAt.UTC(), []string{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("by user code:\n got %+v\nwant %+v", got, want)
	}
	if got, err := e.s.GetDeviceAuthorizationByDeviceCode(e.ctx, "dev-hash-1"); err != nil || got.ID != "d1" {
		t.Errorf("by device code: %+v %v", got, err)
	}
	_, err = e.s.GetDeviceAuthorizationByDeviceCode(e.ctx, "nope")
	wantErr(t, "unknown device code", err, identity.ErrNotFound)

	// Polls: counted once per read count, with the interval given.
	at := now.Add(5 * time.Second)
	if err := e.s.RecordDevicePoll(e.ctx, "d1", 0, at, 10); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "stale poll count", e.s.RecordDevicePoll(e.ctx, "d1", 0, at, 10), identity.ErrNotFound)
	got, _ = e.s.GetDeviceAuthorization(e.ctx, "d1")
	if got.Polls != 1 || got.Interval != 10 || !got.LastPollAt.Equal(at.UTC()) {
		t.Errorf("after a poll: polls %d interval %d last %v", got.Polls, got.Interval, got.LastPollAt)
	}

	// Approve once; then neither approve nor deny applies, and the user
	// code no longer finds it.
	session := []byte(`{"aid":"acc-1","claims":["name"]}`)
	if err := e.s.ApproveDeviceAuthorization(e.ctx, "d1", "acc-1", session, []string{"openid"}, now); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "second approval", e.s.ApproveDeviceAuthorization(e.ctx, "d1", "acc-2", session, nil, now), identity.ErrNotFound)
	wantErr(t, "deny after approval", e.s.DenyDeviceAuthorization(e.ctx, "d1", now), identity.ErrNotFound)
	_, err = e.s.GetDeviceAuthorizationByUserCode(e.ctx, "user-hash-1", now)
	wantErr(t, "decided user code", err, identity.ErrNotFound)
	got, _ = e.s.GetDeviceAuthorizationByDeviceCode(e.ctx, "dev-hash-1")
	if got.Status != identity.DeviceStatusApproved || got.AccountID != "acc-1" || string(got.Session) != string(session) || !reflect.DeepEqual(got.GrantedScopes, []string{"openid"}) {
		t.Errorf("approved: %+v", got)
	}

	// Redeemed by exactly one of many concurrent redemptions.
	const n = 10
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = e.s.RedeemDeviceAuthorization(e.ctx, "d1")
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, identity.ErrNotFound):
			t.Errorf("redeem: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d redemptions succeeded, want 1", ok)
	}
	got, _ = e.s.GetDeviceAuthorization(e.ctx, "d1")
	if got.Status != identity.DeviceStatusRedeemed || got.Session != nil {
		t.Errorf("redeemed: status %q session %q", got.Status, got.Session)
	}

	// Deny works on a pending request; expiry ends every decision.
	d4 := newDevice("d4", "dev-hash-4", "user-hash-4", now)
	if err := e.s.CreateDeviceAuthorization(e.ctx, d4); err != nil {
		t.Fatal(err)
	}
	if err := e.s.DenyDeviceAuthorization(e.ctx, "d4", now); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "approve after deny", e.s.ApproveDeviceAuthorization(e.ctx, "d4", "acc-1", session, nil, now), identity.ErrNotFound)
	wantErr(t, "redeem a denied request", e.s.RedeemDeviceAuthorization(e.ctx, "d4"), identity.ErrNotFound)
	d5 := newDevice("d5", "dev-hash-5", "user-hash-5", now)
	if err := e.s.CreateDeviceAuthorization(e.ctx, d5); err != nil {
		t.Fatal(err)
	}
	later := now.Add(10*time.Minute + time.Second)
	_, err = e.s.GetDeviceAuthorizationByUserCode(e.ctx, "user-hash-5", later)
	wantErr(t, "expired user code", err, identity.ErrNotFound)
	wantErr(t, "approve after expiry", e.s.ApproveDeviceAuthorization(e.ctx, "d5", "acc-1", session, nil, later), identity.ErrNotFound)
	wantErr(t, "deny after expiry", e.s.DenyDeviceAuthorization(e.ctx, "d5", later), identity.ErrNotFound)

	// Expired rows go, freeing their codes.
	if n, err := e.s.DeleteExpiredDeviceAuthorizations(e.ctx, later); err != nil || n != 3 {
		t.Errorf("DeleteExpired: %d %v, want 3", n, err)
	}
	if err := e.s.CreateDeviceAuthorization(e.ctx, newDevice("d6", "dev-hash-6", "user-hash-5", later)); err != nil {
		t.Errorf("a freed user code: %v", err)
	}
}

// testClientDeviceLevel2: the client option survives a round trip.
func testClientDeviceLevel2(t *testing.T, e *env) {
	c := testClient("counter")
	c.DeviceLevel2 = true
	if err := e.s.CreateClient(e.ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := e.s.GetIdentityClient(e.ctx, "counter")
	if err != nil || !got.DeviceLevel2 {
		t.Errorf("DeviceLevel2 lost: %v %v", got.DeviceLevel2, err)
	}
	seedClient(t, e, "plain")
	if got, _ := e.s.GetIdentityClient(e.ctx, "plain"); got.DeviceLevel2 {
		t.Error("DeviceLevel2 set on a client without it")
	}
}
