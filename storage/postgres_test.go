package storage_test

import (
	"context"
	"os"
	"testing"

	"github.com/dinhdanh/dinhdanh/storage"
	"github.com/dinhdanh/dinhdanh/storage/storagetest"
)

// TestPostgres runs the suite on DINHDANH_TEST_DATABASE_URL, each test in
// a schema of its own that is dropped afterwards. An unreachable database
// fails the test: skipping the suite must be an explicit choice.
func TestPostgres(t *testing.T) {
	base := os.Getenv("DINHDANH_TEST_DATABASE_URL")
	if base == "" {
		t.Skip("DINHDANH_TEST_DATABASE_URL not set: PostgreSQL conformance suite skipped")
	}
	ctx := context.Background()
	admin, err := storage.Open(ctx, base, storage.Options{})
	if err != nil {
		t.Fatalf("connecting to DINHDANH_TEST_DATABASE_URL: %v", err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	storagetest.Run(t, func(t *testing.T) *storage.Store {
		dsn := storagetest.PostgresSchema(t, admin, base, "t_")
		s, err := storage.Open(ctx, dsn, storagetest.Options(t))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
