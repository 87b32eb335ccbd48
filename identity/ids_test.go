package identity

import (
	"regexp"
	"testing"
)

func TestNewID(t *testing.T) {
	shape := regexp.MustCompile(`^[a-z2-7]{26}$`)
	seen := make(map[string]bool)
	for i := 0; i < 10000; i++ {
		id := NewID()
		if !shape.MatchString(id) {
			t.Fatalf("NewID() = %q, want 26 lower-case base32 characters", id)
		}
		b, err := idEncoding.DecodeString(id)
		if err != nil || len(b) != 16 {
			t.Fatalf("%q decodes to %d bytes, %v; want 16", id, len(b), err)
		}
		if seen[id] {
			t.Fatalf("NewID() repeated %q", id)
		}
		seen[id] = true
	}
}
