package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// The SQLite file holds password hashes, personal data and the encrypted
// signing keys: only the service's user may read it (OWASP ASVS 14.1.x,
// least privilege on files). SQLite gives its -wal and -shm files the
// database file's mode, so creating the file 0600 covers them.
const (
	privateFileMode = 0o600
	privateDirMode  = 0o700
)

// prepareSQLiteFile creates the database file (and a missing directory)
// private before SQLite opens it, so the umask never decides, and takes
// group and other access away from an existing file and its side files.
func prepareSQLiteFile(path string) error {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, privateDirMode); err != nil {
			return fmt.Errorf("storage: creating database directory: %w", err)
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, privateFileMode)
	switch {
	case err == nil:
		return f.Close()
	case !errors.Is(err, fs.ErrExist):
		return fmt.Errorf("storage: creating database file: %w", err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			continue // no side file (yet)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, fi.Mode().Perm()&privateFileMode); err != nil {
				return fmt.Errorf("storage: making %s private: %w", filepath.Base(p), err)
			}
		}
	}
	return nil
}
