package keys

import (
	"bytes"
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
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"
	"github.com/ory/fosite/token/jwt"
)

// memStore is an in-memory Store; storage has its own conformance suite.
type memStore struct {
	mu   sync.Mutex
	recs []Record
	// retireErr, when set, makes RetireKey fail.
	retireErr error
}

func (s *memStore) InsertKey(_ context.Context, r Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.recs {
		if o.KID == r.KID {
			return fmt.Errorf("duplicate kid %s", r.KID)
		}
	}
	s.recs = append(s.recs, r)
	return nil
}

func (s *memStore) ListKeys(context.Context) ([]Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]Record(nil), s.recs...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	return out, nil
}

func (s *memStore) RetireKey(_ context.Context, kid string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.retireErr != nil {
		return s.retireErr
	}
	for i := range s.recs {
		if s.recs[i].KID == kid {
			if s.recs[i].RetiredAt.IsZero() {
				s.recs[i].RetiredAt = at
			}
			return nil
		}
	}
	return fmt.Errorf("no key %s", kid)
}

func (s *memStore) byKID(kid string) Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.recs {
		if r.KID == kid {
			return r
		}
	}
	return Record{}
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func masterKey(t testing.TB) []byte {
	t.Helper()
	k := make([]byte, MasterKeySize)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

// newTestManager returns a loaded Manager with one key per alg.
func newTestManager(t testing.TB) (*Manager, *memStore, *fakeClock) {
	t.Helper()
	st := &memStore{}
	clk := &fakeClock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	m, err := NewManager(st, masterKey(t), Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.EnsureKeys(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m, st, clk
}

func idClaims() jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"iss": "https://id.example.vn",
		"sub": "pairwise-subject",
		"aud": []string{"exam-portal"},
		"iat": now.Unix(),
		"exp": now.Add(time.Hour).Unix(),
	}
}

func mustGenerate(t testing.TB, s jwt.Signer, claims jwt.MapClaims) string {
	t.Helper()
	tok, _, err := s.Generate(context.Background(), claims, jwt.NewHeaders())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func headerOf(t testing.TB, token string) map[string]interface{} {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	h := map[string]interface{}{}
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

func kidOf(t testing.TB, token string) string {
	t.Helper()
	kid, _ := headerOf(t, token)["kid"].(string)
	return kid
}

// jwksKIDs parses the published document as a relying party would.
func jwksKIDs(t testing.TB, doc []byte) map[string]bool {
	t.Helper()
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(doc, &set); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, k := range set.Keys {
		out[k.KeyID] = true
	}
	return out
}

var algs = []string{RS256, ES256}

func TestSealRoundTripAndFailures(t *testing.T) {
	s, err := newSealer(masterKey(t))
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte(`{"kty":"EC","d":"secret"}`)
	ct, err := s.seal("kid-a", msg)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(ct, []byte("secret")) {
		t.Fatal("plaintext visible in ciphertext")
	}
	ct2, _ := s.seal("kid-a", msg)
	if bytes.Equal(ct[:12], ct2[:12]) {
		t.Fatal("nonce reused")
	}
	pt, err := s.open("kid-a", ct)
	if err != nil || !bytes.Equal(pt, msg) {
		t.Fatalf("round trip: %q, %v", pt, err)
	}

	other, _ := newSealer(masterKey(t))
	if _, err := other.open("kid-a", ct); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("wrong master key: got %v, want ErrDecrypt", err)
	}
	if _, err := s.open("kid-b", ct); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("other kid as AAD: got %v, want ErrDecrypt", err)
	}
	flipped := bytes.Clone(ct)
	flipped[len(flipped)-1] ^= 1
	if _, err := s.open("kid-a", flipped); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("tampered: got %v, want ErrDecrypt", err)
	}
	if _, err := s.open("kid-a", ct[:10]); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("truncated: got %v, want ErrDecrypt", err)
	}
	if _, err := newSealer(make([]byte, 16)); err == nil {
		t.Fatal("accepted a 16-byte master key")
	}
}

func TestLoadWithWrongMasterKey(t *testing.T) {
	_, st, _ := newTestManager(t)
	m2, err := NewManager(st, masterKey(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = m2.Load(context.Background())
	if !errors.Is(err, ErrDecrypt) {
		t.Fatalf("got %v, want ErrDecrypt", err)
	}
	if !strings.Contains(err.Error(), "wrong master key") {
		t.Fatalf("error does not say what is wrong: %v", err)
	}
}

// Swapping ciphertexts between rows must not let one kid load another's
// private key: the kid is authenticated data.
func TestLoadRejectsSwappedCiphertexts(t *testing.T) {
	ctx := context.Background()
	mk := masterKey(t)
	st := &memStore{}
	m, _ := NewManager(st, mk, Options{})
	if err := m.EnsureKeys(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	// Put the retired RS256 key's ciphertext on the active RS256 row.
	var active, retired *Record
	for i := range st.recs {
		r := &st.recs[i]
		if r.Alg != RS256 {
			continue
		}
		if r.RetiredAt.IsZero() {
			active = r
		} else {
			retired = r
		}
	}
	active.PrivateEncrypted = retired.PrivateEncrypted
	m2, _ := NewManager(st, mk, Options{})
	if err := m2.Load(ctx); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("got %v, want ErrDecrypt", err)
	}
}

func TestEnsureKeysIdempotent(t *testing.T) {
	ctx := context.Background()
	m, st, _ := newTestManager(t)
	first := m.JWKS()
	for i := 0; i < 3; i++ {
		if err := m.EnsureKeys(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if len(st.recs) != 2 {
		t.Fatalf("%d records after repeated EnsureKeys, want 2", len(st.recs))
	}
	if !bytes.Equal(first, m.JWKS()) {
		t.Fatal("JWKS changed")
	}
	seen := map[string]bool{}
	for _, r := range st.recs {
		seen[r.Alg] = true
		if !r.RetiredAt.IsZero() || r.CreatedAt.IsZero() {
			t.Fatalf("record %s: bad times %v / %v", r.KID, r.CreatedAt, r.RetiredAt)
		}
		// The kid is the RFC 7638 thumbprint of the stored public JWK.
		var k jose.JSONWebKey
		if err := json.Unmarshal(r.PublicJWK, &k); err != nil {
			t.Fatal(err)
		}
		tp, _ := k.Thumbprint(crypto.SHA256)
		if got := base64.RawURLEncoding.EncodeToString(tp); got != r.KID {
			t.Fatalf("kid %s, thumbprint %s", r.KID, got)
		}
		if !k.IsPublic() || bytes.Contains(r.PublicJWK, []byte(`"d"`)) {
			t.Fatalf("public JWK of %s holds private material", r.KID)
		}
	}
	if !seen[RS256] || !seen[ES256] {
		t.Fatalf("algs created: %v", seen)
	}
}

func TestEnsureKeysFillsOnlyMissingAlg(t *testing.T) {
	ctx := context.Background()
	st := &memStore{}
	m, _ := NewManager(st, masterKey(t), Options{})
	if err := m.EnsureKeys(ctx); err != nil {
		t.Fatal(err)
	}
	var keep []Record
	for _, r := range st.recs {
		if r.Alg == RS256 {
			keep = append(keep, r)
		}
	}
	st.recs = keep
	if err := m.EnsureKeys(ctx); err != nil {
		t.Fatal(err)
	}
	if len(st.recs) != 2 || st.recs[0].KID != keep[0].KID {
		t.Fatalf("EnsureKeys replaced an existing key: %+v", st.recs)
	}
}

// RFC 7638 §3.1 gives this RSA key and its SHA-256 thumbprint.
func TestThumbprintRFC7638Example(t *testing.T) {
	doc := `{"kty":"RSA","e":"AQAB","alg":"RS256","kid":"2011-04-29","n":"` +
		`0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"}`
	var k jose.JSONWebKey
	if err := json.Unmarshal([]byte(doc), &k); err != nil {
		t.Fatal(err)
	}
	got, err := thumbprint(k.Key)
	if err != nil {
		t.Fatal(err)
	}
	if want := "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"; got != want {
		t.Fatalf("thumbprint %s, want %s", got, want)
	}
}

func TestNoActiveKeyBeforeLoad(t *testing.T) {
	m, err := NewManager(&memStore{}, masterKey(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.Signer(RS256).Generate(context.Background(), idClaims(), jwt.NewHeaders()); !errors.Is(err, ErrNoActiveKey) {
		t.Fatalf("got %v, want ErrNoActiveKey", err)
	}
	if got := string(m.JWKS()); got != `{"keys":[]}` {
		t.Fatalf("empty JWKS is %s", got)
	}
}

func TestNewManagerValidates(t *testing.T) {
	if _, err := NewManager(nil, masterKey(t), Options{}); err == nil {
		t.Error("nil store accepted")
	}
	if _, err := NewManager(&memStore{}, make([]byte, 31), Options{}); err == nil {
		t.Error("31-byte master key accepted")
	}
	if _, err := NewManager(&memStore{}, masterKey(t), Options{PublishRetiredFor: -time.Second}); err == nil {
		t.Error("negative PublishRetiredFor accepted")
	}
}

func TestJWKSDocument(t *testing.T) {
	m, st, _ := newTestManager(t)
	var doc struct {
		Keys []map[string]interface{} `json:"keys"`
	}
	if err := json.Unmarshal(m.JWKS(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Keys) != 2 {
		t.Fatalf("%d keys published, want 2", len(doc.Keys))
	}
	for _, k := range doc.Keys {
		kid, _ := k["kid"].(string)
		r := st.byKID(kid)
		if r.KID == "" || k["alg"] != r.Alg || k["use"] != "sig" {
			t.Fatalf("bad JWK %v", k)
		}
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
			if _, ok := k[private]; ok {
				t.Fatalf("JWKS leaks %q", private)
			}
		}
	}
	if got := m.SigningAlgs(); len(got) != 2 || got[0] != RS256 || got[1] != ES256 {
		t.Fatalf("SigningAlgs %v", got)
	}
	set := m.PublicKeySet()
	set.Keys[0].KeyID = "mutated"
	if m.PublicKeySet().Keys[0].KeyID == "mutated" {
		t.Fatal("PublicKeySet exposes the snapshot")
	}
}

// A relying party holding only the JWKS bytes and the token's kid can verify.
func TestGenerateVerifiesWithJWKSOnly(t *testing.T) {
	m, _, _ := newTestManager(t)
	for _, alg := range algs {
		t.Run(alg, func(t *testing.T) {
			hdr := jwt.NewHeaders()
			hdr.Add("kid", "attacker-chosen")
			hdr.Add("jku", "https://evil.example/jwks")
			hdr.Add("alg", "none")
			hdr.Add("x-extra", "kept")
			claims := idClaims()
			tok, sig, err := m.Signer(alg).Generate(context.Background(), claims, hdr)
			if err != nil {
				t.Fatal(err)
			}
			if parts := strings.Split(tok, "."); len(parts) != 3 || parts[2] != sig {
				t.Fatalf("signature %q does not match token", sig)
			}

			h := headerOf(t, tok)
			if h["alg"] != alg || h["typ"] != "JWT" || h["x-extra"] != "kept" || h["jku"] != nil {
				t.Fatalf("header %v", h)
			}
			kid := h["kid"].(string)

			var set jose.JSONWebKeySet
			if err := json.Unmarshal(m.JWKS(), &set); err != nil {
				t.Fatal(err)
			}
			ks := set.Key(kid)
			if len(ks) != 1 || ks[0].Algorithm != alg {
				t.Fatalf("kid %s: %d keys in JWKS", kid, len(ks))
			}
			parsed, err := josejwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(ks[0].Algorithm)})
			if err != nil {
				t.Fatal(err)
			}
			var got josejwt.Claims
			if err := parsed.Claims(ks[0].Key, &got); err != nil {
				t.Fatalf("verify with JWKS key: %v", err)
			}
			if got.Subject != "pairwise-subject" || got.Issuer != "https://id.example.vn" || !got.Audience.Contains("exam-portal") {
				t.Fatalf("claims %+v", got)
			}
			if err := got.Validate(josejwt.Expected{Issuer: "https://id.example.vn", AnyAudience: []string{"exam-portal"}}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestCallerTypIsKept(t *testing.T) {
	m, _, _ := newTestManager(t)
	hdr := jwt.NewHeaders()
	hdr.Add("typ", "at+jwt") // RFC 9068 §2.1
	tok, _, err := m.Signer(ES256).Generate(context.Background(), idClaims(), hdr)
	if err != nil {
		t.Fatal(err)
	}
	if typ := headerOf(t, tok)["typ"]; typ != "at+jwt" {
		t.Fatalf("typ %v", typ)
	}
}

func TestGenerateRejectsNil(t *testing.T) {
	m, _, _ := newTestManager(t)
	s := m.Signer(RS256)
	if _, _, err := s.Generate(context.Background(), nil, jwt.NewHeaders()); err == nil {
		t.Error("nil claims accepted")
	}
	if _, _, err := s.Generate(context.Background(), idClaims(), nil); err == nil {
		t.Error("nil header accepted")
	}
}

func TestRotate(t *testing.T) {
	ctx := context.Background()
	m, st, clk := newTestManager(t)
	before := map[string]string{} // alg -> token
	oldKID := map[string]string{}
	for _, alg := range algs {
		before[alg] = mustGenerate(t, m.Signer(alg), idClaims())
		oldKID[alg] = kidOf(t, before[alg])
	}

	clk.Advance(time.Minute)
	created, err := m.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(created) != 2 {
		t.Fatalf("Rotate returned %d records", len(created))
	}
	for _, alg := range algs {
		t.Run(alg, func(t *testing.T) {
			s := m.Signer(alg)
			var newKID string
			for _, r := range created {
				if r.Alg == alg {
					newKID = r.KID
				}
			}
			if newKID == "" || newKID == oldKID[alg] {
				t.Fatalf("no new %s key", alg)
			}
			if got := kidOf(t, mustGenerate(t, s, idClaims())); got != newKID {
				t.Fatalf("new token kid %s, want %s", got, newKID)
			}
			if r := st.byKID(oldKID[alg]); !r.RetiredAt.Equal(clk.Now()) {
				t.Fatalf("old key RetiredAt %v, want %v", r.RetiredAt, clk.Now())
			}
			kids := jwksKIDs(t, m.JWKS())
			if !kids[oldKID[alg]] || !kids[newKID] {
				t.Fatalf("JWKS %v lacks old or new kid", kids)
			}
			if _, err := s.Validate(ctx, before[alg]); err != nil {
				t.Fatalf("token signed before rotation: %v", err)
			}
		})
	}

	// Still published just before the window closes, gone after it,
	// without an explicit Load.
	clk.Advance(DefaultPublishRetiredFor - time.Second)
	for _, alg := range algs {
		if !jwksKIDs(t, m.JWKS())[oldKID[alg]] {
			t.Fatalf("%s key left the JWKS early", alg)
		}
	}
	clk.Advance(2 * time.Second)
	for _, alg := range algs {
		if jwksKIDs(t, m.JWKS())[oldKID[alg]] {
			t.Fatalf("%s key still published after PublishRetiredFor", alg)
		}
		_, err := m.Signer(alg).Validate(ctx, before[alg])
		var ve *jwt.ValidationError
		if !errors.As(err, &ve) || !ve.Has(jwt.ValidationErrorUnverifiable) {
			t.Fatalf("token of an unpublished key: got %v", err)
		}
	}
	if err := m.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if kids := jwksKIDs(t, m.JWKS()); len(kids) != 2 {
		t.Fatalf("after Load: %v", kids)
	}
}

// If retiring fails the new key still signs and the old one stays
// published, so nothing already issued breaks.
func TestRotateRetireFailure(t *testing.T) {
	ctx := context.Background()
	m, st, _ := newTestManager(t)
	old := kidOf(t, mustGenerate(t, m.Signer(RS256), idClaims()))
	st.retireErr = errors.New("database down")
	created, err := m.Rotate(ctx)
	if err == nil || !strings.Contains(err.Error(), "database down") {
		t.Fatalf("got %v", err)
	}
	if len(created) == 0 || created[0].Alg != RS256 {
		t.Fatalf("created %+v", created)
	}
	if got := kidOf(t, mustGenerate(t, m.Signer(RS256), idClaims())); got != created[0].KID {
		t.Fatalf("signing with %s, want new %s", got, created[0].KID)
	}
	if !jwksKIDs(t, m.JWKS())[old] {
		t.Fatal("old key unpublished")
	}
	st.retireErr = nil
	if _, err := m.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	active := 0
	for _, r := range st.recs {
		if r.RetiredAt.IsZero() {
			active++
		}
	}
	if active != 2 {
		t.Fatalf("%d active keys after a clean rotation, want 2", active)
	}
}

// fosite's openid handler decodes id_token_hint, accepts an expired one
// and reads its "sub" (handler/openid/validator.go).
func TestDecodeAsFositeExpects(t *testing.T) {
	ctx := context.Background()
	m, _, _ := newTestManager(t)
	for _, alg := range algs {
		t.Run(alg, func(t *testing.T) {
			// Decode accepts tokens of either alg, whatever the signer's.
			other := m.Signer(map[string]string{RS256: ES256, ES256: RS256}[alg])
			tok := mustGenerate(t, m.Signer(alg), idClaims())
			got, err := other.Decode(ctx, tok)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Valid() || string(got.Method) != alg || got.Header["kid"] != kidOf(t, tok) || got.Header["typ"] != "JWT" {
				t.Fatalf("token %+v", got)
			}
			if got.Claims["sub"] != "pairwise-subject" {
				t.Fatalf("claims %v", got.Claims)
			}

			expired := idClaims()
			expired["iat"] = time.Now().Add(-2 * time.Hour).Unix()
			expired["exp"] = time.Now().Add(-time.Hour).Unix()
			old := mustGenerate(t, m.Signer(alg), expired)
			hint, err := other.Decode(ctx, old)
			var ve *jwt.ValidationError
			if !errors.As(err, &ve) || !ve.Has(jwt.ValidationErrorExpired) {
				t.Fatalf("expired: got %v", err)
			}
			if sub, _ := hint.Claims["sub"].(string); sub != "pairwise-subject" {
				t.Fatalf("expired token claims %v", hint)
			}
			if _, err := other.Validate(ctx, old); err == nil {
				t.Fatal("Validate accepted an expired token")
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	ctx := context.Background()
	m, _, _ := newTestManager(t)
	s := m.Signer(RS256)
	snap := m.current()
	rsaKID, ecKID := snap.active[jose.RS256].kid, snap.active[jose.ES256].kid
	rsaPub := snap.active[jose.RS256].priv.Public().(*rsa.PublicKey)

	sign := func(alg jose.SignatureAlgorithm, key interface{}, kid string) string {
		t.Helper()
		opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid)
		sg, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
		if err != nil {
			t.Fatal(err)
		}
		payload, _ := json.Marshal(idClaims())
		obj, err := sg.Sign(payload)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := obj.CompactSerialize()
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	foreignRSA, _ := rsa.GenerateKey(rand.Reader, 2048)
	foreignEC, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	good := mustGenerate(t, s, idClaims())
	parts := strings.Split(good, ".")
	noneHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"` + rsaKID + `"}`))

	cases := map[string]struct {
		token string
		want  uint32
	}{
		"alg none":                  {noneHeader + "." + parts[1] + ".", jwt.ValidationErrorSignatureInvalid},
		"HS256 with the public key": {sign(jose.HS256, rsaPub.N.Bytes(), rsaKID), jwt.ValidationErrorSignatureInvalid},
		"ES256 under the RSA kid":   {sign(jose.ES256, foreignEC, rsaKID), jwt.ValidationErrorSignatureInvalid},
		"foreign key, our kid":      {sign(jose.RS256, foreignRSA, rsaKID), jwt.ValidationErrorSignatureInvalid},
		"foreign EC key, our kid":   {sign(jose.ES256, foreignEC, ecKID), jwt.ValidationErrorSignatureInvalid},
		"unknown kid":               {sign(jose.RS256, foreignRSA, "nope"), jwt.ValidationErrorUnverifiable},
		"no kid":                    {sign(jose.RS256, foreignRSA, ""), jwt.ValidationErrorUnverifiable},
		"altered payload":           {parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"someone-else"}`)) + "." + parts[2], jwt.ValidationErrorSignatureInvalid},
		"garbage":                   {"not-a-jwt", jwt.ValidationErrorMalformed},
		"empty":                     {"", jwt.ValidationErrorMalformed},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			tok, err := s.Decode(ctx, c.token)
			var ve *jwt.ValidationError
			if !errors.As(err, &ve) || !ve.Has(c.want) {
				t.Fatalf("got %v (%T), want validation error %b", err, err, c.want)
			}
			if tok != nil {
				t.Fatalf("returned a token for a rejected input: %+v", tok)
			}
			if _, err := s.Validate(ctx, c.token); err == nil {
				t.Fatal("Validate accepted it")
			}
		})
	}
}

// Our signer and fosite's DefaultSigner agree on the bytes they produce
// and on Hash / GetSigningMethodLength.
func TestInteropWithFositeDefaultSigner(t *testing.T) {
	ctx := context.Background()
	m, _, _ := newTestManager(t)
	for _, alg := range algs {
		t.Run(alg, func(t *testing.T) {
			ak := m.current().active[jose.SignatureAlgorithm(alg)]
			def := &jwt.DefaultSigner{GetPrivateKey: func(context.Context) (interface{}, error) { return ak.priv, nil }}
			ours := m.Signer(alg)

			tok := mustGenerate(t, ours, idClaims())
			if _, err := def.Validate(ctx, tok); err != nil {
				t.Fatalf("DefaultSigner rejects our token: %v", err)
			}
			hdr := jwt.NewHeaders()
			hdr.Add("kid", ak.kid)
			theirs, _, err := def.Generate(ctx, idClaims(), hdr)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ours.Validate(ctx, theirs); err != nil {
				t.Fatalf("we reject DefaultSigner's token: %v", err)
			}

			in := []byte("access-token-value")
			h1, _ := ours.Hash(ctx, in)
			h2, _ := def.Hash(ctx, in)
			if !bytes.Equal(h1, h2) {
				t.Fatal("Hash differs from DefaultSigner")
			}
			if a, b := ours.GetSigningMethodLength(ctx), def.GetSigningMethodLength(ctx); a != b {
				t.Fatalf("GetSigningMethodLength %d, DefaultSigner %d", a, b)
			}
			s1, _ := ours.GetSignature(ctx, tok)
			s2, _ := def.GetSignature(ctx, tok)
			if s1 != s2 || s1 == "" {
				t.Fatal("GetSignature differs")
			}
			if _, err := ours.GetSignature(ctx, "a.b"); err == nil {
				t.Fatal("GetSignature accepted two parts")
			}
		})
	}
}

func TestSignerPanicsOnUnknownAlg(t *testing.T) {
	m, _, _ := newTestManager(t)
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	m.Signer("HS256")
}

// Many goroutines sign and verify while keys rotate; run with -race.
func TestConcurrentGenerateDuringRotate(t *testing.T) {
	ctx := context.Background()
	m, _, clk := newTestManager(t)
	stop := make(chan struct{})
	errs := make(chan error, 64)
	var wg sync.WaitGroup
	var mu sync.Mutex
	kids := map[string]bool{}
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(alg string) {
			defer wg.Done()
			s := m.Signer(alg)
			for n := 0; ; n++ {
				select {
				case <-stop:
					if n == 0 {
						errs <- errors.New("goroutine never signed")
					}
					return
				default:
				}
				tok, _, err := s.Generate(ctx, idClaims(), jwt.NewHeaders())
				if err == nil {
					_, err = s.Validate(ctx, tok)
				}
				if err == nil {
					var parsed *jwt.Token
					if parsed, err = s.Decode(ctx, tok); err == nil {
						mu.Lock()
						kids[parsed.Header["kid"].(string)] = true
						mu.Unlock()
					}
					_ = m.JWKS()
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}(algs[i%2])
	}
	for i := 0; i < 3; i++ {
		time.Sleep(20 * time.Millisecond)
		clk.Advance(time.Minute)
		if _, err := m.Rotate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(20 * time.Millisecond)
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(kids) < 4 {
		t.Errorf("tokens carried only %d distinct kids across 3 rotations", len(kids))
	}
}

func TestDecodeMasterKey(t *testing.T) {
	raw := make([]byte, 32)
	for i := range raw {
		raw[i] = byte(0xf0 + i%16) // produces '+' '/' in std, '-' '_' in url
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		got, err := DecodeMasterKey(" " + enc.EncodeToString(raw) + "\n")
		if err != nil || !bytes.Equal(got, raw) {
			t.Fatalf("%v: %x, %v", enc, got, err)
		}
	}
	short := base64.StdEncoding.EncodeToString(raw[:31])
	for _, bad := range []string{"", "!!!not base64!!!", short, base64.StdEncoding.EncodeToString(append(raw, 1))} {
		_, err := DecodeMasterKey(bad)
		if err == nil {
			t.Fatalf("accepted %q", bad)
		}
		if bad != "" && strings.Contains(err.Error(), bad) {
			t.Fatalf("error echoes the secret: %v", err)
		}
	}
}

func TestLoadOrCreateMasterKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	k1, err := LoadOrCreateMasterKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(k1) != MasterKeySize {
		t.Fatalf("%d bytes", len(k1))
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Fatalf("mode %o, want 600", perm)
	}
	k2, err := LoadOrCreateMasterKeyFile(path)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("second load: %v", err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Fatalf("temporary files left: %v", ents)
	}

	// Processes starting together agree on one key.
	path = filepath.Join(t.TempDir(), "race.key")
	var wg sync.WaitGroup
	keys := make([][]byte, 8)
	for i := range keys {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			k, err := LoadOrCreateMasterKeyFile(path)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		}(i)
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if !bytes.Equal(k, keys[0]) {
			t.Fatal("concurrent creators got different keys")
		}
	}

	bad := filepath.Join(t.TempDir(), "bad.key")
	if err := os.WriteFile(bad, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateMasterKeyFile(bad); err == nil {
		t.Fatal("accepted a malformed key file")
	}
	if _, err := LoadOrCreateMasterKeyFile(filepath.Join(t.TempDir(), "missing-dir", "k")); err == nil {
		t.Fatal("created a key in a missing directory")
	}
}

// Decode parses id_token_hint, which comes from outside.
func FuzzDecode(f *testing.F) {
	m, _, _ := newTestManager(f)
	s := m.Signer(RS256)
	good := mustGenerate(f, s, idClaims())
	f.Add(good)
	f.Add(mustGenerate(f, m.Signer(ES256), idClaims()))
	f.Add(good[:len(good)-3])
	f.Add("e30.e30.")
	f.Add(`{"payload":"e30","signatures":[]}`)
	f.Fuzz(func(t *testing.T, in string) {
		tok, err := s.Decode(context.Background(), in)
		if err != nil {
			return
		}
		if kid, _ := tok.Header["kid"].(string); !jwksKIDs(t, m.JWKS())[kid] {
			t.Fatalf("accepted a token whose kid %q is not published", kid)
		}
	})
}

func benchmarkSign(b *testing.B, alg string) {
	m, _, _ := newTestManager(b)
	s := m.Signer(alg)
	ctx := context.Background()
	claims, hdr := idClaims(), jwt.NewHeaders()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := s.Generate(ctx, claims, hdr); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkSignRS256(b *testing.B) { benchmarkSign(b, RS256) }
func BenchmarkSignES256(b *testing.B) { benchmarkSign(b, ES256) }

func benchmarkDecode(b *testing.B, alg string) {
	m, _, _ := newTestManager(b)
	s := m.Signer(alg)
	tok := mustGenerate(b, s, idClaims())
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Decode(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeRS256(b *testing.B) { benchmarkDecode(b, RS256) }
func BenchmarkDecodeES256(b *testing.B) { benchmarkDecode(b, ES256) }
