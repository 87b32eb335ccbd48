package identity

import "errors"

// Sentinel errors shared by every storage backend. Wrap them, never mutate.
var (
	ErrNotFound      = errors.New("not found")
	ErrAlreadyExists = errors.New("already exists")
	// ErrConflict means a concurrent writer changed the record first.
	ErrConflict = errors.New("conflict")
	// ErrUnavailable means the database could not be reached (refused,
	// reset, shutting down, file not writable): nothing was decided, and
	// the same request may succeed once it is back. Storage wraps every
	// such error with it, in one place (storage/faults.go); pages and
	// protocol endpoints answer 503 with Retry-After.
	ErrUnavailable = errors.New("database unavailable")
)
