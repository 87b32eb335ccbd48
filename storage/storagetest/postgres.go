package storagetest

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"testing"

	"github.com/dinhdanh/dinhdanh/storage"
)

// PostgresSchema creates a schema of its own for one test on the database
// admin is connected to, drops it when the test ends, and returns base
// with search_path set to it (pgx sends it as a run-time parameter), so
// tests run in parallel and leave nothing behind. Register it before
// opening a store on the URL: cleanups run last-in first-out, so the
// schema is dropped after the store closed.
func PostgresSchema(t *testing.T, admin *storage.Store, base, prefix string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal("DINHDANH_TEST_DATABASE_URL is not a URL")
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := prefix + hex.EncodeToString(b)
	if err := admin.DB().Exec("CREATE SCHEMA " + schema).Error; err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if err := admin.DB().Exec("DROP SCHEMA " + schema + " CASCADE").Error; err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
