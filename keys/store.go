package keys

import (
	"context"
	"time"
)

// Record is one signing key as stored. The private key is a JWK encrypted
// with the master key (AES-256-GCM); the public key is a plain JWK.
type Record struct {
	KID              string
	Alg              string // RS256 or ES256
	PrivateEncrypted []byte
	PublicJWK        []byte
	CreatedAt        time.Time
	RetiredAt        time.Time // zero while the key is the active signer for its Alg
}

// Store is what keys needs from storage.
type Store interface {
	InsertKey(ctx context.Context, r Record) error
	// ListKeys returns every key, newest first.
	ListKeys(ctx context.Context) ([]Record, error)
	// RetireKey sets RetiredAt if it is still zero.
	RetireKey(ctx context.Context, kid string, at time.Time) error
}
