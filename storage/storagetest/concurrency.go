package storagetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/openid"
)

// Many tokens stored at once, as client_credentials does outside any
// transaction (on SQLite they are group-committed): every call succeeds
// and every token is readable as soon as its call has returned.
func testConcurrentCreate(t *testing.T, e *env) {
	c := seedClient(t, e, "batch-job")
	const n = 200
	reqs := make([]*fosite.Request, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		reqs[i] = newRequester(c, "", start)
		wg.Add(1)
		go func() {
			defer wg.Done()
			sig := fmt.Sprintf("cc-at-%d", i)
			if errs[i] = e.s.CreateAccessTokenSession(e.ctx, sig, reqs[i]); errs[i] != nil {
				return
			}
			// Returned means committed: readable at once, from any connection.
			_, errs[i] = e.s.GetAccessTokenSession(e.ctx, sig, &openid.DefaultSession{})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("token %d: %v", i, err)
		}
	}
	for i := range n {
		got, err := e.s.GetAccessTokenSession(e.ctx, fmt.Sprintf("cc-at-%d", i), &openid.DefaultSession{})
		if err != nil || got.GetID() != reqs[i].ID {
			t.Fatalf("token %d: %v, %v", i, got, err)
		}
	}
}

// A bad row among concurrent writes (a duplicate signature, a client that
// does not exist) fails its own call only.
func testConcurrentCreateOneBad(t *testing.T, e *env) {
	c := seedClient(t, e, "batch-job")
	first := newRequester(c, "", start)
	if err := e.s.CreateAccessTokenSession(e.ctx, "taken", first); err != nil {
		t.Fatal(err)
	}
	ghost := testClient("no-such-client")
	const n = 60
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch {
			case i%20 == 7:
				errs[i] = e.s.CreateAccessTokenSession(e.ctx, "taken", newRequester(c, "", start))
			case i%20 == 13:
				errs[i] = e.s.CreateAccessTokenSession(e.ctx, fmt.Sprintf("ghost-%d", i), newRequester(&ghost, "", start))
			default:
				errs[i] = e.s.CreateAccessTokenSession(e.ctx, fmt.Sprintf("ok-%d", i), newRequester(c, "", start))
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		bad := i%20 == 7 || i%20 == 13
		switch {
		case bad && err == nil:
			t.Errorf("write %d should have failed", i)
		case !bad && err != nil:
			t.Errorf("write %d failed with a bad neighbour: %v", i, err)
		case !bad:
			if _, err := e.s.GetAccessTokenSession(e.ctx, fmt.Sprintf("ok-%d", i), &openid.DefaultSession{}); err != nil {
				t.Errorf("token %d: %v", i, err)
			}
		}
	}
	got, err := e.s.GetAccessTokenSession(e.ctx, "taken", &openid.DefaultSession{})
	if err != nil || got.GetID() != first.ID {
		t.Fatalf("duplicate overwrote the first token: %v, %v", got, err)
	}
}

// A write whose request is already gone fails and stores nothing.
func testCanceledWrite(t *testing.T, e *env) {
	c := seedClient(t, e, "batch-job")
	ctx, cancel := context.WithCancel(e.ctx)
	cancel()
	if err := e.s.CreateAccessTokenSession(ctx, "late", newRequester(c, "", start)); err == nil {
		t.Fatal("write with a canceled context succeeded")
	}
	_, err := e.s.GetAccessTokenSession(e.ctx, "late", &openid.DefaultSession{})
	wantNotFound(t, "token of a canceled write", err)
}

// While a transaction is open, reads outside it neither wait for it nor
// see its writes, and reads inside it see them. On SQLite, where the
// transaction holds the only writer connection, a read that asked for the
// writer would wait here forever.
func testReadsBesideTransaction(t *testing.T, e *env) {
	c := seedClient(t, e, "exam-portal")
	if err := e.s.CreateAccessTokenSession(e.ctx, "committed", newRequester(c, "sub", start)); err != nil {
		t.Fatal(err)
	}
	tx, err := e.s.BeginTX(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = e.s.Rollback(tx) }()
	if err := e.s.CreateAccessTokenSession(tx, "pending", newRequester(c, "sub", start)); err != nil {
		t.Fatal(err)
	}

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
		defer cancel()
		if _, err := e.s.GetClient(ctx, c.ID); err != nil {
			done <- fmt.Errorf("GetClient: %w", err)
			return
		}
		if _, err := e.s.GetAccessTokenSession(ctx, "committed", &openid.DefaultSession{}); err != nil {
			done <- fmt.Errorf("committed token: %w", err)
			return
		}
		if _, err := e.s.GetAccessTokenSession(ctx, "pending", &openid.DefaultSession{}); !errors.Is(err, fosite.ErrNotFound) {
			done <- fmt.Errorf("uncommitted token outside its transaction: err = %v, want not found", err)
			return
		}
		if _, err := e.s.GetIdentityClient(ctx, c.ID); err != nil {
			done <- fmt.Errorf("GetIdentityClient: %w", err)
			return
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("a read outside the transaction waited for it")
	}
	if _, err := e.s.GetAccessTokenSession(tx, "pending", &openid.DefaultSession{}); err != nil {
		t.Fatalf("read own write in the transaction: %v", err)
	}
	if err := e.s.Commit(tx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.GetAccessTokenSession(e.ctx, "pending", &openid.DefaultSession{}); err != nil {
		t.Fatalf("committed transaction: %v", err)
	}
}

// Close while writes are in flight: every call returns (committed or
// failed), none hangs, and closing twice is harmless.
func testCloseWhileWriting(t *testing.T, e *env) {
	c := seedClient(t, e, "batch-job")
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = e.s.CreateAccessTokenSession(e.ctx, fmt.Sprintf("at-%d", i), newRequester(c, "", start))
		}()
	}
	time.Sleep(time.Millisecond)
	if err := e.s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("writes still waiting 30s after Close")
	}
	if err := e.s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := e.s.CreateAccessTokenSession(e.ctx, "after-close", newRequester(c, "", start)); err == nil {
		t.Fatal("write after Close succeeded")
	}
}
