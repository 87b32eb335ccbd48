package portal

import (
	"crypto/rand"
	"errors"
	"sync"
	"time"
)

var errStoreFull = errors.New("portal: too many pending entries")

// store keeps short-lived server-side state keyed by a random value that
// travels in a cookie, so the cookie carries no data worth stealing or
// forging. Expired entries are pruned so personal data does not linger.
type store[T any] struct {
	mu        sync.Mutex
	ttl       time.Duration
	max       int // bounds memory against a flood of /login requests
	now       func() time.Time
	entries   map[string]entry[T]
	lastPrune time.Time
}

type entry[T any] struct {
	v       T
	expires time.Time
}

func newStore[T any](ttl time.Duration, max int, now func() time.Time) *store[T] {
	return &store[T]{ttl: ttl, max: max, now: now, entries: make(map[string]entry[T])}
}

func (s *store[T]) put(v T) (string, error) {
	key := rand.Text() // 128 bits from crypto/rand
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if len(s.entries) >= s.max || now.Sub(s.lastPrune) > time.Minute {
		for k, e := range s.entries {
			if !now.Before(e.expires) {
				delete(s.entries, k)
			}
		}
		s.lastPrune = now
	}
	if len(s.entries) >= s.max {
		return "", errStoreFull
	}
	s.entries[key] = entry[T]{v: v, expires: now.Add(s.ttl)}
	return key, nil
}

func (s *store[T]) get(key string) (T, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[key]
	if !ok || !s.now().Before(e.expires) {
		delete(s.entries, key)
		var zero T
		return zero, false
	}
	return e.v, true
}

func (s *store[T]) delete(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.entries, key)
}
