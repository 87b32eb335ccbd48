package app_test

import (
	"context"
	"os"
	"testing"

	"github.com/dinhdanh/dinhdanh/cmd/dinhdanh/app"
	"github.com/dinhdanh/dinhdanh/storage"
	"github.com/dinhdanh/dinhdanh/storage/storagetest"
)

// eachBackend runs a test against the provider on SQLite and, when
// DINHDANH_TEST_DATABASE_URL is set (CI sets it), on PostgreSQL in a schema
// of its own that is dropped afterwards. An unreachable PostgreSQL fails.
func eachBackend(t *testing.T, run func(t *testing.T, backend envOption)) {
	t.Run("sqlite", func(t *testing.T) { run(t, func(*app.Options) {}) })
	t.Run("postgres", func(t *testing.T) {
		base := os.Getenv("DINHDANH_TEST_DATABASE_URL")
		if base == "" {
			t.Skip("DINHDANH_TEST_DATABASE_URL not set: PostgreSQL run skipped")
		}
		run(t, onPostgres(t, base))
	})
}

// onPostgres makes a schema for one test and points the provider at it.
func onPostgres(t *testing.T, base string) envOption {
	t.Helper()
	ctx := context.Background()
	admin, err := storage.Open(ctx, base, storage.Options{})
	if err != nil {
		t.Fatalf("connecting to DINHDANH_TEST_DATABASE_URL: %v", err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	dsn := storagetest.PostgresSchema(t, admin, base, "e2e_")
	return func(o *app.Options) { o.DatabaseURL = dsn }
}

// TestBothBackendsServeAWholeFlow checks the harness itself: a login to
// tokens and userinfo on each backend.
func TestBothBackendsServeAWholeFlow(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend envOption) {
		e := newEnv(t, backend)
		_, tok, _ := e.fullLogin()
		if tok.AccessToken == "" {
			t.Fatal("no access token")
		}
		if got := e.userinfo(tok); got["sub"] == "" || got["sub"] == nil {
			t.Fatalf("userinfo without sub: %v", got)
		}
	})
}
