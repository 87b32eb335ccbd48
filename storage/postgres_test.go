package storage_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
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
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal("DINHDANH_TEST_DATABASE_URL is not a URL")
	}

	storagetest.Run(t, func(t *testing.T) *storage.Store {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		schema := "t_" + hex.EncodeToString(b)
		if err := admin.DB().Exec("CREATE SCHEMA " + schema).Error; err != nil {
			t.Fatalf("create schema: %v", err)
		}
		t.Cleanup(func() {
			if err := admin.DB().Exec("DROP SCHEMA " + schema + " CASCADE").Error; err != nil {
				t.Errorf("drop schema: %v", err)
			}
		})

		su := *u
		q := su.Query()
		q.Set("search_path", schema) // sent by pgx as a run-time parameter
		su.RawQuery = q.Encode()
		s, err := storage.Open(ctx, su.String(), storagetest.Options(t))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
