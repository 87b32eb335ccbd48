package storage_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dinhdanh/dinhdanh/storage"
	"github.com/dinhdanh/dinhdanh/storage/storagetest"
)

func TestSQLite(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) *storage.Store {
		path := filepath.Join(t.TempDir(), "dinhdanh.db")
		s, err := storage.Open(context.Background(), "sqlite:"+path, storagetest.Options(t))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

func TestOpenRejectsUnknownURL(t *testing.T) {
	for _, url := range []string{"", "mysql://root:hunter2@db/x", "sqlite:", "sqlite:x.db?mode=ro"} {
		_, err := storage.Open(context.Background(), url, storage.Options{})
		if err == nil {
			t.Errorf("Open(%q) succeeded", url)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Open error echoes the password: %v", err)
		}
	}
}

// The SQLite file keeps WAL, foreign keys, synchronous=FULL and a busy
// timeout (for other processes) on the writer connection.
func TestSQLitePragmas(t *testing.T) {
	s, err := storage.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "p.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "synchronous": "2", "busy_timeout": "5000"} {
		var got string
		if err := s.DB().Raw("PRAGMA " + pragma).Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %q, want %q", pragma, got, want)
		}
	}
}
