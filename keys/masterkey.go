package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// MasterKeySize is the length of the AES-256 master key.
const MasterKeySize = 32

// ErrDecrypt means a private key could not be opened: the master key is not
// the one it was sealed with, or the row was altered or moved to another kid.
var ErrDecrypt = errors.New("keys: cannot decrypt private key (wrong master key, or the stored record was altered)")

// aadPrefix separates these ciphertexts from anything else sealed with the
// same master key: only a private signing key stored under this exact kid
// authenticates.
const aadPrefix = "dinhdanh/keys/private-jwk:"

// DecodeMasterKey decodes a base64 master key (standard or URL alphabet,
// padded or not) and checks it is exactly 32 bytes. Errors never echo the
// input, which is a secret.
func DecodeMasterKey(b64 string) ([]byte, error) {
	s := strings.TrimSpace(b64)
	if s == "" {
		return nil, errors.New("keys: master key is empty")
	}
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding,
		base64.URLEncoding, base64.RawURLEncoding,
	} {
		k, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(k) != MasterKeySize {
			return nil, fmt.Errorf("keys: master key must be %d bytes, got %d", MasterKeySize, len(k))
		}
		return k, nil
	}
	return nil, errors.New("keys: master key is not valid base64")
}

// LoadOrCreateMasterKeyFile reads a base64 master key from path, creating
// the file (mode 0600, 32 random bytes) if it does not exist. For
// development only: production passes DINHDANH_MASTER_KEY.
//
// The new file is written aside and hard-linked into place, so two processes
// starting at once agree on one key and no reader sees a half-written file;
// losing that race must not mean encrypting with a key nobody kept.
func LoadOrCreateMasterKeyFile(path string) ([]byte, error) {
	if k, err := readMasterKeyFile(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}

	key := make([]byte, MasterKeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("keys: generating master key: %w", err)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".masterkey-*") // CreateTemp uses 0600
	if err != nil {
		return nil, fmt.Errorf("keys: creating master key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("keys: creating master key file: %w", err)
	}
	_, err = tmp.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("keys: writing master key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) { // another process won: use its key
			return readMasterKeyFile(path)
		}
		return nil, fmt.Errorf("keys: creating master key file: %w", err)
	}
	if d, err := os.Open(dir); err == nil { // persist the new directory entry
		_ = d.Sync()
		d.Close()
	}
	return key, nil
}

func readMasterKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keys: reading master key file: %w", err)
	}
	k, err := DecodeMasterKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	// The key decrypts every signing key: a file left readable by others
	// (an older version, a copy) is tightened to owner-only.
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(path, 0o600); err != nil {
			return nil, fmt.Errorf("keys: master key file %s is readable by others and cannot be tightened: %w", path, err)
		}
	}
	return k, nil
}

// sealer encrypts private JWKs with AES-256-GCM.
type sealer struct{ aead cipher.AEAD }

func newSealer(masterKey []byte) (sealer, error) {
	if len(masterKey) != MasterKeySize {
		return sealer{}, fmt.Errorf("keys: master key must be %d bytes, got %d", MasterKeySize, len(masterKey))
	}
	block, err := aes.NewCipher(masterKey)
	if err != nil {
		return sealer{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return sealer{}, err
	}
	return sealer{aead: aead}, nil
}

// seal returns nonce || ciphertext. The nonce is random: a handful of keys
// are ever sealed, far below the 2^32 messages per key that random 96-bit
// GCM nonces allow (NIST SP 800-38D §8.3).
func (s sealer) seal(kid string, plaintext []byte) ([]byte, error) {
	ns := s.aead.NonceSize()
	out := make([]byte, ns, ns+len(plaintext)+s.aead.Overhead())
	if _, err := rand.Read(out); err != nil {
		return nil, fmt.Errorf("keys: generating nonce: %w", err)
	}
	return s.aead.Seal(out, out[:ns], plaintext, []byte(aadPrefix+kid)), nil
}

func (s sealer) open(kid string, sealed []byte) ([]byte, error) {
	ns := s.aead.NonceSize()
	if len(sealed) < ns+s.aead.Overhead() {
		return nil, fmt.Errorf("%w: kid %s: ciphertext too short", ErrDecrypt, kid)
	}
	pt, err := s.aead.Open(nil, sealed[:ns], sealed[ns:], []byte(aadPrefix+kid))
	if err != nil {
		return nil, fmt.Errorf("%w: kid %s", ErrDecrypt, kid)
	}
	return pt, nil
}
