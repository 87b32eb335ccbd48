package keys

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/ory/fosite/token/jwt"
)

// ErrUnknownKey means a token names a kid that is not published (never was,
// or retired longer ago than PublishRetiredFor).
var ErrUnknownKey = errors.New("keys: token signed with an unknown or expired key")

// Signer returns a fosite jwt.Signer that signs with the active key for alg
// (RS256 or ES256) as of each call, so a rotation takes effect for the next
// token without rewiring fosite. It panics on any other alg: that is a
// wiring mistake, caught at start-up.
func (m *Manager) Signer(alg string) jwt.Signer {
	a, ok := supported(alg)
	if !ok {
		panic(fmt.Sprintf("keys: Signer: unsupported algorithm %q", alg))
	}
	return &fositeSigner{m: m, alg: a}
}

type fositeSigner struct {
	m   *Manager
	alg jose.SignatureAlgorithm
}

var _ jwt.Signer = (*fositeSigner)(nil)

// headersWeSet are header parameters a caller may not choose: "alg" and
// "kid" are ours, the others would tell a verifier to take its key or
// processing rules from the token itself (RFC 7515 §4.1.2-4.1.7, §4.1.11;
// RFC 7797 §3). Notably a kid stored in a session's headers would survive a
// rotation and name a key we no longer sign with.
var headersWeSet = map[string]bool{
	"alg": true, "kid": true, "jku": true, "jwk": true, "x5u": true,
	"x5c": true, "x5t": true, "x5t#S256": true, "crit": true, "b64": true,
}

// Generate signs claims as a compact JWS with the current active key. The
// header gets typ "JWT" unless the caller sets typ (as fosite does, so RFC
// 9068 "at+jwt" remains possible), the key's kid, and the caller's other
// fields. It returns the token and its signature part.
func (s *fositeSigner) Generate(_ context.Context, claims jwt.MapClaims, header jwt.Mapper) (string, string, error) {
	if claims == nil || header == nil {
		return "", "", errors.New("keys: either claims or header is nil")
	}
	ak := s.m.current().active[s.alg]
	if ak == nil {
		return "", "", fmt.Errorf("%w for %s", ErrNoActiveKey, s.alg)
	}
	h := map[jose.HeaderKey]interface{}{jose.HeaderType: "JWT"}
	for k, v := range header.ToMap() {
		if !headersWeSet[k] {
			h[jose.HeaderKey(k)] = v
		}
	}
	h["kid"] = ak.kid // RFC 7517 §4.5: lets verifiers pick the key across a rotation

	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: ak.alg, Key: ak.priv}, &jose.SignerOptions{ExtraHeaders: h})
	if err != nil {
		return "", "", fmt.Errorf("keys: %w", err)
	}
	payload, err := json.Marshal(map[string]interface{}(claims))
	if err != nil {
		return "", "", fmt.Errorf("keys: encoding claims: %w", err)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", "", fmt.Errorf("keys: signing: %w", err)
	}
	token, err := obj.CompactSerialize()
	if err != nil {
		return "", "", fmt.Errorf("keys: %w", err)
	}
	sig, err := s.GetSignature(context.Background(), token)
	return token, sig, err
}

// Validate checks the signature and the time claims (exp, iat, nbf, as
// fosite's MapClaims.Valid does) and returns the signature part.
func (s *fositeSigner) Validate(ctx context.Context, token string) (string, error) {
	if _, err := s.Decode(ctx, token); err != nil {
		return "", err
	}
	return s.GetSignature(ctx, token)
}

// Decode verifies token against every published key, whatever the alg this
// signer signs with (an id_token_hint may come from either), and returns it
// as fosite's *jwt.Token. Like fosite's DefaultSigner, an expired token
// comes back together with a *jwt.ValidationError carrying
// ValidationErrorExpired: fosite's openid handler accepts expired
// id_token_hint values and reads their claims.
func (s *fositeSigner) Decode(_ context.Context, token string) (*jwt.Token, error) {
	return s.m.decode(token)
}

// GetSignature returns the third part of a compact JWS (RFC 7515 §7.1).
func (s *fositeSigner) GetSignature(_ context.Context, token string) (string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", errors.New("keys: header, body and signature must all be set")
	}
	return parts[2], nil
}

// Hash is SHA-256: both RS256 and ES256 use it, and OIDC Core §3.1.3.6
// derives at_hash and c_hash from the alg's hash.
func (s *fositeSigner) Hash(_ context.Context, in []byte) ([]byte, error) {
	h := sha256.Sum256(in)
	return h[:], nil
}

// GetSigningMethodLength returns what fosite's DefaultSigner returns for
// SHA-256 algorithms: the digest size in bytes (32), despite the name.
func (s *fositeSigner) GetSigningMethodLength(context.Context) int {
	return jwt.SHA256HashSize
}

// decode verifies with go-jose v4 first: an explicit algorithm allow-list,
// the kid looked up among published keys, the key's own alg required to
// match the header's (RFC 7517 §4.4), so neither "none", HMAC-with-a-
// public-key nor cross-algorithm confusion can get through. Only a token
// that verified is handed to fosite's parser, which verifies it again with
// the same key (its "valid" flag and time-claim errors cannot be set any
// other way) and builds the *jwt.Token fosite's handlers expect.
func (m *Manager) decode(token string) (*jwt.Token, error) {
	pk, err := m.verify(token)
	if err != nil {
		return nil, err
	}
	return jwt.ParseWithClaims(token, jwt.MapClaims{}, func(t *jwt.Token) (interface{}, error) {
		if string(t.Method) != string(pk.alg) {
			return nil, &jwt.ValidationError{Errors: jwt.ValidationErrorSignatureInvalid, Inner: errors.New("keys: algorithm mismatch")}
		}
		return pk.key, nil
	})
}

func (m *Manager) verify(token string) (*publicKey, error) {
	obj, err := jose.ParseSignedCompact(token, supportedAlgs)
	if err != nil {
		var unexpected *jose.ErrUnexpectedSignatureAlgorithm
		if errors.As(err, &unexpected) {
			return nil, &jwt.ValidationError{Errors: jwt.ValidationErrorSignatureInvalid, Inner: err}
		}
		return nil, &jwt.ValidationError{Errors: jwt.ValidationErrorMalformed, Inner: err}
	}
	if len(obj.Signatures) != 1 {
		return nil, &jwt.ValidationError{Errors: jwt.ValidationErrorMalformed, Inner: errors.New("keys: expected exactly one signature")}
	}
	h := obj.Signatures[0].Protected
	pk := m.current().byKID[h.KeyID]
	if pk == nil {
		return nil, &jwt.ValidationError{Errors: jwt.ValidationErrorUnverifiable, Inner: ErrUnknownKey}
	}
	if string(pk.alg) != h.Algorithm {
		return nil, &jwt.ValidationError{Errors: jwt.ValidationErrorSignatureInvalid, Inner: fmt.Errorf("keys: key %s is for %s, token says %s", pk.kid, pk.alg, h.Algorithm)}
	}
	if _, err := obj.Verify(pk.key); err != nil {
		return nil, &jwt.ValidationError{Errors: jwt.ValidationErrorSignatureInvalid, Inner: err}
	}
	return pk, nil
}
