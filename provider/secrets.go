package provider

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"

	"github.com/ory/fosite"
)

// SecretHasher hashes client secrets with HMAC-SHA-256 under a server key.
// Secrets are server-generated with at least 256 bits of entropy, so a slow
// password hash adds nothing but latency at the token endpoint.
type SecretHasher struct{ Key []byte }

var _ fosite.Hasher = SecretHasher{}

var errSecretMismatch = errors.New("client secret does not match")

func (h SecretHasher) Hash(_ context.Context, secret []byte) ([]byte, error) {
	return h.sum(secret), nil
}

func (h SecretHasher) sum(secret []byte) []byte {
	mac := hmac.New(sha256.New, h.Key)
	mac.Write(secret)
	return mac.Sum(nil)
}

// Compare runs in constant time (hmac.Equal).
func (h SecretHasher) Compare(_ context.Context, hash, secret []byte) error {
	if len(hash) == 0 || !hmac.Equal(hash, h.sum(secret)) {
		return errSecretMismatch
	}
	return nil
}
