package identity

import "errors"

// Sentinel errors shared by every storage backend. Wrap them, never mutate.
var (
	ErrNotFound      = errors.New("not found")
	ErrAlreadyExists = errors.New("already exists")
	// ErrConflict means a concurrent writer changed the record first.
	ErrConflict = errors.New("conflict")
)
