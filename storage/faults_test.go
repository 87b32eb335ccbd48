package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"testing"

	"github.com/ory/fosite"
	"gorm.io/gorm"

	"github.com/dinhdanh/dinhdanh/identity"
)

// openTestPostgres opens a store on a schema of its own (dropped at the
// end) of DINHDANH_TEST_DATABASE_URL, or skips without one.
func openTestPostgres(t *testing.T) *Store {
	t.Helper()
	base := os.Getenv("DINHDANH_TEST_DATABASE_URL")
	if base == "" {
		t.Skip("DINHDANH_TEST_DATABASE_URL not set")
	}
	ctx := context.Background()
	admin, err := Open(ctx, base, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := "faults_" + hex.EncodeToString(b)
	if err := admin.db.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.db.Exec("DROP SCHEMA " + schema + " CASCADE").Error })
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	s, err := Open(ctx, u.String(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.db.Exec("CREATE TABLE counter (n int)").Error; err != nil {
		t.Fatal(err)
	}
	return s
}

// raise makes the server itself fail the transaction with SQLSTATE code.
func raise(tx *gorm.DB, code string) error {
	return tx.Exec("DO $$ BEGIN RAISE EXCEPTION 'injected' USING ERRCODE = '" + code + "'; END $$").Error
}

// TestTransactionsRetrySerializationFailures: a transaction that the
// server aborts with 40001 or 40P01 runs again from the start, and what
// an aborted attempt wrote is gone.
func TestTransactionsRetrySerializationFailures(t *testing.T) {
	s := openTestPostgres(t)
	ctx := context.Background()
	for _, code := range []string{"40001", "40P01"} {
		attempts := 0
		err := s.inTx(ctx, func(tx *gorm.DB) error {
			attempts++
			if err := tx.Exec("INSERT INTO counter VALUES (1)").Error; err != nil {
				return err
			}
			if attempts < 3 {
				return raise(tx, code)
			}
			return nil
		})
		if err != nil || attempts != 3 {
			t.Fatalf("%s: err %v after %d attempts, want success on the third", code, err, attempts)
		}
	}
	var n int64
	if err := s.db.Raw("SELECT count(*) FROM counter").Scan(&n).Error; err != nil || n != 2 {
		t.Fatalf("rows = %d (%v), want 2: one per committed attempt", n, err)
	}

	attempts := 0
	err := s.inTx(ctx, func(tx *gorm.DB) error { attempts++; return raise(tx, "40001") })
	if !errors.Is(err, fosite.ErrSerializationFailure) || attempts != txAttempts {
		t.Fatalf("persistent conflict: err %v after %d attempts, want ErrSerializationFailure after %d", err, attempts, txAttempts)
	}

	// Any other error is the caller's and is not retried.
	attempts = 0
	err = s.inTx(ctx, func(tx *gorm.DB) error { attempts++; return raise(tx, "23505") })
	if err == nil || attempts != 1 || errors.Is(err, identity.ErrUnavailable) {
		t.Fatalf("unique violation: err %v after %d attempts, want one attempt and no ErrUnavailable", err, attempts)
	}
}

// TestUnreachableDatabaseIsClassified: SQLSTATEs of a server that is
// going away or refusing connections wrap identity.ErrUnavailable and are
// noted on the request's Faults; other errors are not.
func TestUnreachableDatabaseIsClassified(t *testing.T) {
	s := openTestPostgres(t)
	for code, want := range map[string]bool{"57P01": true, "57P03": true, "08006": true, "53300": true, "23505": false, "42P01": false} {
		ctx, f := WithFaults(context.Background())
		err := s.inTx(ctx, func(tx *gorm.DB) error { return raise(tx, code) })
		if err == nil || errors.Is(err, identity.ErrUnavailable) != want || f.Seen() != want {
			t.Errorf("SQLSTATE %s: %v (seen %v), want unavailable=%v", code, err, f.Seen(), want)
		}
	}
	// The same error seen through a plain statement (gorm callback).
	ctx, f := WithFaults(context.Background())
	if err := s.conn(ctx).Exec("SELECT pg_terminate_backend(pg_backend_pid())").Error; !errors.Is(err, identity.ErrUnavailable) || !f.Seen() {
		t.Errorf("terminated backend: %v (seen %v), want ErrUnavailable", err, f.Seen())
	}
	// The pool replaces the dead connection by itself.
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("after a terminated backend: %v", err)
	}
}
