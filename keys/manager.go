// Package keys generates the provider's signing keys, keeps their private
// halves encrypted at rest, rotates them, publishes the public halves as a
// JWK Set (RFC 7517 §5) and hands fosite a jwt.Signer that signs with the
// active key.
package keys

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Supported algorithms (RFC 7518 §3.1).
const (
	RS256 = "RS256"
	ES256 = "ES256"
)

// RSA modulus size for new RS256 keys. 2048 bits meets RFC 7518 §3.3's
// minimum and NIST SP 800-57's guidance through 2030; 3072 would make every
// ID token signature about three times slower and key generation seconds
// long. Clients wanting more strength can ask for ES256 (P-256, ~128-bit
// security), and a later rotation can raise this without breaking anyone
// because old and new keys are published side by side.
const rsaBits = 2048

// DefaultPublishRetiredFor is how long a retired key stays in the JWKS. It
// must exceed the lifetime of every token the key signed (ID tokens, JWT
// access tokens, logout tokens).
const DefaultPublishRetiredFor = 24 * time.Hour

var supportedAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.ES256}

// ErrNoActiveKey is returned when signing with an algorithm that has no
// active key loaded (Load/EnsureKeys not called, or the store has none).
var ErrNoActiveKey = errors.New("keys: no active signing key")

// Options tune a Manager. The zero value is usable.
type Options struct {
	// Now is the clock for CreatedAt/RetiredAt and for when retired keys
	// leave the JWKS. Default time.Now.
	Now func() time.Time
	// PublishRetiredFor is how long a retired key stays published.
	// Default DefaultPublishRetiredFor (24h).
	PublishRetiredFor time.Duration
}

// Manager owns the signing keys. It is safe for concurrent use: readers
// (signing, verifying, JWKS) load an immutable snapshot atomically and never
// block; Load, EnsureKeys and Rotate build a new snapshot and swap it in.
type Manager struct {
	store      Store
	sealer     sealer
	now        func() time.Time
	publishFor time.Duration

	mu   sync.Mutex // serialises Load/EnsureKeys/Rotate within this process
	snap atomic.Pointer[snapshot]
}

// NewManager returns a Manager with nothing loaded; call EnsureKeys (serve)
// or Load before signing.
func NewManager(store Store, masterKey []byte, opts Options) (*Manager, error) {
	if store == nil {
		return nil, errors.New("keys: nil store")
	}
	s, err := newSealer(masterKey)
	if err != nil {
		return nil, err
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	switch {
	case opts.PublishRetiredFor == 0:
		opts.PublishRetiredFor = DefaultPublishRetiredFor
	case opts.PublishRetiredFor < 0:
		return nil, errors.New("keys: negative PublishRetiredFor")
	}
	return &Manager{store: store, sealer: s, now: opts.Now, publishFor: opts.PublishRetiredFor}, nil
}

// SigningAlgs lists the JWS algorithms the Manager signs with, for
// discovery's id_token_signing_alg_values_supported.
func (m *Manager) SigningAlgs() []string { return []string{RS256, ES256} }

// JWKS returns the precomputed JWK Set document: `{"keys":[...]}` with the
// public keys of the active keys and of retired keys still published. The
// returned slice is shared: do not modify it.
func (m *Manager) JWKS() []byte { return m.current().jwks }

// PublicKeySet returns the published keys as go-jose v4 values.
func (m *Manager) PublicKeySet() jose.JSONWebKeySet {
	s := m.current()
	return jose.JSONWebKeySet{Keys: append([]jose.JSONWebKey(nil), s.set.Keys...)}
}

// Load reads every key from the store, decrypts the active private key of
// each algorithm and swaps in a new snapshot. Call it periodically on every
// node: `dinhdanh keys rotate` runs in another process, and a node only
// signs with, and publishes, what it last loaded.
func (m *Manager) Load(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.load(ctx)
}

// EnsureKeys creates an active key for every algorithm that has none, then
// loads. Calling it again is a no-op apart from the reload.
func (m *Manager) EnsureKeys(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	recs, err := m.store.ListKeys(ctx)
	if err != nil {
		return fmt.Errorf("keys: listing keys: %w", err)
	}
	for _, alg := range supportedAlgs {
		if len(activeOf(recs, string(alg))) > 0 {
			continue
		}
		if _, err := m.create(ctx, alg, recs); err != nil {
			return err
		}
	}
	return m.load(ctx)
}

// Rotate creates a new key for every algorithm, retires the keys that were
// active before it and loads. It returns the new records. Retired keys stay
// published for PublishRetiredFor so tokens they signed still verify.
//
// Only the keys seen active before the insert are retired: if two nodes
// rotate at once, both new keys stay active (the newest signs, both are
// published) rather than each retiring the other's and leaving none.
func (m *Manager) Rotate(ctx context.Context) ([]Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	recs, err := m.store.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("keys: listing keys: %w", err)
	}
	created := make([]Record, 0, len(supportedAlgs))
	for _, alg := range supportedAlgs {
		old := activeOf(recs, string(alg))
		r, err := m.create(ctx, alg, recs)
		if err != nil {
			return created, errors.Join(err, m.load(ctx)) // pick up what did rotate
		}
		created = append(created, r)
		at := m.now().UTC()
		for _, o := range old {
			if err := m.store.RetireKey(ctx, o.KID, at); err != nil {
				// The new key is in and newest, so it signs; the old one
				// stays active (and published) until the next rotation.
				return created, errors.Join(fmt.Errorf("keys: retiring %s: %w", o.KID, err), m.load(ctx))
			}
		}
	}
	return created, m.load(ctx)
}

func activeOf(recs []Record, alg string) []Record {
	var out []Record
	for _, r := range recs {
		if r.Alg == alg && r.RetiredAt.IsZero() {
			out = append(out, r)
		}
	}
	return out
}

// create generates, seals and inserts one key.
func (m *Manager) create(ctx context.Context, alg jose.SignatureAlgorithm, existing []Record) (Record, error) {
	var priv crypto.Signer
	var err error
	switch alg {
	case jose.RS256:
		priv, err = rsa.GenerateKey(rand.Reader, rsaBits)
	case jose.ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		err = fmt.Errorf("unsupported algorithm %q", alg)
	}
	if err != nil {
		return Record{}, fmt.Errorf("keys: generating %s key: %w", alg, err)
	}
	r, err := m.newRecord(alg, priv, createdAfter(m.now().UTC(), existing, string(alg)))
	if err != nil {
		return Record{}, err
	}
	if err := m.store.InsertKey(ctx, r); err != nil {
		return Record{}, fmt.Errorf("keys: storing %s key %s: %w", alg, r.KID, err)
	}
	return r, nil
}

// createdAfter keeps CreatedAt strictly increasing per alg, by at least a
// millisecond so it survives storage rounding: "newest" then always means
// the key inserted last, even if the clock stood still or stepped back, and
// a rotation whose retire step failed still signs with its new key.
func createdAfter(now time.Time, existing []Record, alg string) time.Time {
	for _, r := range existing {
		if r.Alg == alg && now.Sub(r.CreatedAt) < time.Millisecond {
			now = r.CreatedAt.Add(time.Millisecond)
		}
	}
	return now
}

func (m *Manager) newRecord(alg jose.SignatureAlgorithm, priv crypto.Signer, now time.Time) (Record, error) {
	kid, err := thumbprint(priv.Public())
	if err != nil {
		return Record{}, err
	}
	// RFC 7517 §4.2-4.5: "use", "alg" and "kid" travel with the key, so the
	// stored JWK alone says what it may verify.
	privJWK := jose.JSONWebKey{Key: priv, KeyID: kid, Algorithm: string(alg), Use: "sig"}
	pt, err := privJWK.MarshalJSON()
	if err != nil {
		return Record{}, fmt.Errorf("keys: encoding private key: %w", err)
	}
	defer clear(pt)
	sealed, err := m.sealer.seal(kid, pt)
	if err != nil {
		return Record{}, err
	}
	pub, err := privJWK.Public().MarshalJSON()
	if err != nil {
		return Record{}, fmt.Errorf("keys: encoding public key: %w", err)
	}
	return Record{KID: kid, Alg: string(alg), PrivateEncrypted: sealed, PublicJWK: pub, CreatedAt: now}, nil
}

// thumbprint is the kid: the RFC 7638 §3 JWK thumbprint, SHA-256,
// base64url without padding. It is derived from the key, so every node
// computes the same kid and two keys cannot share one.
func thumbprint(pub crypto.PublicKey) (string, error) {
	k := jose.JSONWebKey{Key: pub}
	t, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("keys: thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(t), nil
}

// snapshot is immutable once published through Manager.snap.
type snapshot struct {
	active    map[jose.SignatureAlgorithm]*activeKey
	published []*publicKey // JWKS order
	byKID     map[string]*publicKey
	set       jose.JSONWebKeySet
	jwks      []byte
	// expires is when the oldest published retired key must leave the
	// JWKS; zero if none is published.
	expires time.Time
}

type activeKey struct {
	kid  string
	alg  jose.SignatureAlgorithm
	priv crypto.Signer
}

type publicKey struct {
	kid       string
	alg       jose.SignatureAlgorithm
	key       crypto.PublicKey // *rsa.PublicKey or *ecdsa.PublicKey
	retiredAt time.Time
}

// current returns the snapshot, first dropping retired keys whose
// publication window has passed, so the JWKS stays right between Loads.
func (m *Manager) current() *snapshot {
	s := m.snap.Load()
	if s == nil {
		return emptySnapshot
	}
	if s.expires.IsZero() || m.now().Before(s.expires) {
		return s
	}
	ns, err := buildSnapshot(s.active, s.published, m.now(), m.publishFor)
	if err != nil { // cannot happen: these keys were marshalled before
		return s
	}
	if m.snap.CompareAndSwap(s, ns) {
		return ns
	}
	return m.snap.Load() // a Load won the race; its snapshot is newer
}

var emptySnapshot = func() *snapshot {
	s, _ := buildSnapshot(nil, nil, time.Time{}, 0)
	return s
}()

func (m *Manager) load(ctx context.Context) error {
	recs, err := m.store.ListKeys(ctx)
	if err != nil {
		return fmt.Errorf("keys: listing keys: %w", err)
	}
	now := m.now()

	// The active signer per alg is the newest unretired key; ties (two
	// nodes inserting in the same instant) break on kid so all nodes agree.
	newest := map[jose.SignatureAlgorithm]*Record{}
	var published []*publicKey
	for i := range recs {
		r := &recs[i]
		alg, ok := supported(r.Alg)
		if !ok {
			continue // written by a newer version during a rolling upgrade
		}
		if !r.RetiredAt.IsZero() && !publishedAt(r.RetiredAt, now, m.publishFor) {
			continue
		}
		pk, err := parsePublic(r, alg)
		if err != nil {
			return err
		}
		published = append(published, pk)
		if r.RetiredAt.IsZero() {
			if n := newest[alg]; n == nil || r.CreatedAt.After(n.CreatedAt) ||
				(r.CreatedAt.Equal(n.CreatedAt) && r.KID > n.KID) {
				newest[alg] = r
			}
		}
	}

	active := map[jose.SignatureAlgorithm]*activeKey{}
	for alg, r := range newest {
		ak, err := m.openPrivate(r, alg)
		if err != nil {
			return err
		}
		active[alg] = ak
	}
	s, err := buildSnapshot(active, published, now, m.publishFor)
	if err != nil {
		return err
	}
	m.snap.Store(s)
	return nil
}

func supported(alg string) (jose.SignatureAlgorithm, bool) {
	for _, a := range supportedAlgs {
		if string(a) == alg {
			return a, true
		}
	}
	return "", false
}

func publishedAt(retiredAt, now time.Time, window time.Duration) bool {
	return now.Before(retiredAt.Add(window))
}

// parsePublic decodes a stored public JWK and checks it is public, matches
// the record's alg and hashes to the record's kid.
func parsePublic(r *Record, alg jose.SignatureAlgorithm) (*publicKey, error) {
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON(r.PublicJWK); err != nil {
		return nil, fmt.Errorf("keys: key %s: decoding public JWK: %w", r.KID, err)
	}
	if !k.IsPublic() {
		return nil, fmt.Errorf("keys: key %s: stored public JWK is not a public key", r.KID)
	}
	if err := checkKeyType(k.Key, alg); err != nil {
		return nil, fmt.Errorf("keys: key %s: %w", r.KID, err)
	}
	kid, err := thumbprint(k.Key)
	if err != nil {
		return nil, err
	}
	if kid != r.KID {
		return nil, fmt.Errorf("keys: key %s: public JWK thumbprint is %s", r.KID, kid)
	}
	return &publicKey{kid: r.KID, alg: alg, key: k.Key, retiredAt: r.RetiredAt}, nil
}

// openPrivate decrypts an active key and checks it is the private half of
// the record's public key.
func (m *Manager) openPrivate(r *Record, alg jose.SignatureAlgorithm) (*activeKey, error) {
	pt, err := m.sealer.open(r.KID, r.PrivateEncrypted)
	if err != nil {
		return nil, err
	}
	defer clear(pt)
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON(pt); err != nil {
		return nil, fmt.Errorf("keys: key %s: decoding private JWK: %w", r.KID, err)
	}
	var priv crypto.Signer
	switch p := k.Key.(type) {
	case *rsa.PrivateKey:
		p.Precompute()
		priv = p
	case *ecdsa.PrivateKey:
		priv = p
	default:
		return nil, fmt.Errorf("keys: key %s: decrypted JWK is not a private key (%T)", r.KID, k.Key)
	}
	if err := checkKeyType(priv.Public(), alg); err != nil {
		return nil, fmt.Errorf("keys: key %s: %w", r.KID, err)
	}
	if kid, err := thumbprint(priv.Public()); err != nil {
		return nil, err
	} else if kid != r.KID {
		return nil, fmt.Errorf("keys: key %s: private key does not match its kid", r.KID)
	}
	return &activeKey{kid: r.KID, alg: alg, priv: priv}, nil
}

// checkKeyType enforces RFC 7518 §3.3 (RSA ≥ 2048 bits for RS256) and
// §3.4 (P-256 for ES256).
func checkKeyType(pub crypto.PublicKey, alg jose.SignatureAlgorithm) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if alg == jose.RS256 && k.N.BitLen() >= 2048 {
			return nil
		}
	case *ecdsa.PublicKey:
		if alg == jose.ES256 && k.Curve == elliptic.P256() {
			return nil
		}
	}
	return fmt.Errorf("key type %T does not fit %s", pub, alg)
}

func buildSnapshot(active map[jose.SignatureAlgorithm]*activeKey, all []*publicKey, now time.Time, window time.Duration) (*snapshot, error) {
	s := &snapshot{active: active, byKID: map[string]*publicKey{}}
	if s.active == nil {
		s.active = map[jose.SignatureAlgorithm]*activeKey{}
	}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{}}
	for _, pk := range all {
		if !pk.retiredAt.IsZero() {
			if !publishedAt(pk.retiredAt, now, window) {
				continue
			}
			if exp := pk.retiredAt.Add(window); s.expires.IsZero() || exp.Before(s.expires) {
				s.expires = exp
			}
		}
		s.published = append(s.published, pk)
		s.byKID[pk.kid] = pk
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: pk.key, KeyID: pk.kid, Algorithm: string(pk.alg), Use: "sig"})
	}
	b, err := json.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("keys: encoding JWKS: %w", err)
	}
	s.set, s.jwks = set, b
	return s, nil
}
