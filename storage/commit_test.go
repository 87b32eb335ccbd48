package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ory/fosite"
	"gorm.io/gorm"

	"github.com/dinhdanh/dinhdanh/identity"
)

func openTestSQLite(t *testing.T) *Store {
	t.Helper()
	return openTestSQLiteAt(t, filepath.Join(t.TempDir(), "c.db"))
}

func openTestSQLiteAt(t *testing.T, path string) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, "sqlite:"+path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	c := identity.Client{ID: "m2m", Name: "M2M", SubjectType: identity.SubjectPublic, CreatedAt: time.Now()}
	if err := s.CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	return s
}

func tokenInsert(sig, clientID string) func(db *gorm.DB) error {
	now := time.Now().UTC()
	row := &accessTokenRow{R: requestRow{
		Signature: sig, RequestID: sig, RequestedAt: now, ClientID: clientID,
		Form: "", Session: "null", Active: true, CreatedAt: now,
	}}
	return func(db *gorm.DB) error { return db.Create(row).Error }
}

// queue calls c.do for every fn, before c runs, and returns the results
// once all are answered.
func queue(t *testing.T, c *committer, fns []func(db *gorm.DB) error) []error {
	t.Helper()
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.do(context.Background(), fn)
		}()
	}
	for deadline := time.Now().Add(10 * time.Second); len(c.ops) < min(len(fns), maxBatch); {
		if time.Now().After(deadline) {
			t.Fatal("writes not queued")
		}
		time.Sleep(time.Millisecond)
	}
	go c.run()
	wg.Wait()
	return errs
}

func countTokens(t *testing.T, s *Store) int64 {
	t.Helper()
	var n int64
	if err := s.db.Model(&accessTokenRow{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// Writes waiting together are committed together, and a bad row in the
// batch fails only its own write.
func TestCommitterBatch(t *testing.T) {
	s := openTestSQLite(t)

	c := newCommitter(s.db)
	var fns []func(db *gorm.DB) error
	for i := range 50 {
		fns = append(fns, tokenInsert(fmt.Sprintf("a-%d", i), "m2m"))
	}
	for i, err := range queue(t, c, fns) {
		if err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if n := c.rounds.Load(); n != 1 {
		t.Fatalf("50 waiting writes took %d commits, want 1", n)
	}
	c.close()

	c = newCommitter(s.db)
	fns = fns[:0]
	for i := range 50 {
		switch i {
		case 10:
			fns = append(fns, tokenInsert("a-0", "m2m")) // duplicate
		case 20:
			fns = append(fns, tokenInsert("b-ghost", "no-such-client")) // foreign key
		default:
			fns = append(fns, tokenInsert(fmt.Sprintf("b-%d", i), "m2m"))
		}
	}
	errs := queue(t, c, fns)
	c.close()
	if c.rounds.Load() != 1 {
		t.Fatalf("writes were not in one batch (%d commits)", c.rounds.Load())
	}
	for i, err := range errs {
		if bad := i == 10 || i == 20; bad != (err != nil) {
			t.Errorf("write %d: err = %v", i, err)
		}
	}
	if n := countTokens(t, s); n != 50+48 {
		t.Fatalf("%d tokens stored, want 98", n)
	}
}

// A batch never exceeds maxBatch writes.
func TestCommitterMaxBatch(t *testing.T) {
	s := openTestSQLite(t)
	c := newCommitter(s.db)
	defer c.close()
	var fns []func(db *gorm.DB) error
	for i := range maxBatch + 10 {
		fns = append(fns, tokenInsert(fmt.Sprintf("t-%d", i), "m2m"))
	}
	for i, err := range queue(t, c, fns) {
		if err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if n := c.rounds.Load(); n < 2 {
		t.Fatalf("%d writes in %d commit(s), want at least 2", len(fns), n)
	}
}

// close answers every write queued before it; later writes get errClosed.
func TestCommitterClose(t *testing.T) {
	s := openTestSQLite(t)
	c := newCommitter(s.db)
	errs := make([]error, 20)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.do(context.Background(), tokenInsert(fmt.Sprintf("t-%d", i), "m2m"))
		}()
	}
	for len(c.ops) < len(errs) {
		time.Sleep(time.Millisecond)
	}
	go c.run()
	c.close()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("queued write %d: %v", i, err)
		}
	}
	if n := countTokens(t, s); n != int64(len(errs)) {
		t.Fatalf("%d tokens stored, want %d", n, len(errs))
	}
	if err := c.do(context.Background(), tokenInsert("late", "m2m")); err != errClosed {
		t.Fatalf("write after close: err = %v, want errClosed", err)
	}
}

// While another process holds the write lock, a batch fails as a whole
// with a serialization failure ("retry") after one busy_timeout, instead
// of waiting busy_timeout again for every row.
func TestCommitterLockedElsewhere(t *testing.T) {
	defer func(old string) { sqliteBusyTimeout = old }(sqliteBusyTimeout)
	sqliteBusyTimeout = "100"
	path := filepath.Join(t.TempDir(), "c.db")
	s := openTestSQLiteAt(t, path)
	ctx := context.Background()

	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}

	const n = 40
	client, err := s.GetClient(ctx, "m2m")
	if err != nil {
		t.Fatal(err)
	}
	errs := make([]error, n)
	began := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := fosite.NewRequest()
			r.Client = client
			errs[i] = s.CreateAccessTokenSession(ctx, fmt.Sprintf("t-%d", i), r)
		}()
	}
	wg.Wait()
	if d := time.Since(began); d > n*100*time.Millisecond/2 {
		t.Errorf("%d writes against a held lock took %v: retried row by row?", n, d)
	}
	for i, err := range errs {
		if !errors.Is(err, fosite.ErrSerializationFailure) {
			t.Fatalf("write %d: err = %v, want ErrSerializationFailure", i, err)
		}
	}

	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	r := fosite.NewRequest()
	r.Client = client
	if err := s.CreateAccessTokenSession(ctx, "after", r); err != nil {
		t.Fatalf("write after the lock was released: %v", err)
	}
}

// Readers cannot write; all writes go through the one writer connection.
func TestSQLiteReaderPool(t *testing.T) {
	s := openTestSQLite(t)
	var q int
	if err := s.rdb.Raw("PRAGMA query_only").Scan(&q).Error; err != nil || q != 1 {
		t.Fatalf("reader PRAGMA query_only = %d, %v; want 1", q, err)
	}
	if err := s.rdb.Exec("DELETE FROM clients").Error; err == nil {
		t.Fatal("a reader connection wrote")
	}
	w, _ := s.db.DB()
	r, _ := s.rdb.DB()
	if got := w.Stats().MaxOpenConnections; got != 1 {
		t.Fatalf("writer pool allows %d connections, want 1", got)
	}
	if got := r.Stats().MaxOpenConnections; got < 2 {
		t.Fatalf("reader pool allows %d connections", got)
	}
}
