package identity

import (
	"crypto/rand"
	"encoding/base32"
)

// idEncoding is RFC 4648 base32 in lower case without padding: 26
// characters for 128 bits, safe in URLs, file names and case-insensitive
// database collations.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewID returns a fresh 128-bit random identifier for internal records.
// Random rather than sequential, so ids reveal neither counts nor order.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("identity: crypto/rand failed: " + err.Error()) // never happens since Go 1.24
	}
	return idEncoding.EncodeToString(b[:])
}
