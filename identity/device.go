package identity

import (
	"crypto/rand"
	"strings"
	"time"
)

// DeviceAuthorization is one request of the device authorization grant
// (RFC 8628): a kiosk, TV or terminal asked for it, the citizen approves
// or denies it on a device of their own by entering its user code, and the
// requesting device redeems it once at the token endpoint. Codes are kept
// only as keyed hashes.
type DeviceAuthorization struct {
	ID             string
	DeviceCodeHash string // HMAC of the device_code
	UserCodeHash   string // HMAC of the normalized user_code
	ClientID       string
	Scopes         []string // requested, checked against the client
	Status         string   // DeviceStatus*
	// Interval is the least number of seconds between two polls; each
	// slow_down adds 5 (RFC 8628 §3.5).
	Interval   int
	Polls      int       // how many polls were answered
	LastPollAt time.Time // zero before the first poll
	CreatedAt  time.Time
	ExpiresAt  time.Time
	// Set when the citizen approved: who, and the token session to issue
	// (the provider's JSON, opaque here), with the granted scopes.
	AccountID     string
	Session       []byte
	GrantedScopes []string
}

// Device authorization states. Only pending moves, once, to approved or
// denied; only approved moves, once, to redeemed.
const (
	DeviceStatusPending  = "pending"
	DeviceStatusApproved = "approved"
	DeviceStatusDenied   = "denied"
	DeviceStatusRedeemed = "redeemed"
)

// UserCodeAlphabet is RFC 8628 §6.1's base-20 set of consonants: no
// vowels (no words), no digits, nothing that looks like another
// character (0/O, 1/I/L, 5/S are absent or one-sided).
const UserCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"

// UserCodeLength is 8 characters: 20^8 ≈ 2^34.6 codes, against a few
// guesses per minute per address and a 10-minute lifetime (RFC 8628 §5.1).
const UserCodeLength = 8

// NewUserCode returns a fresh user code, unformatted.
func NewUserCode() string {
	var b [UserCodeLength]byte
	out := make([]byte, UserCodeLength)
	for i := 0; i < UserCodeLength; {
		if _, err := rand.Read(b[:]); err != nil {
			panic("identity: crypto/rand failed: " + err.Error())
		}
		for _, c := range b {
			// 240 = 12·20: rejection sampling keeps every character equally likely.
			if c < 240 && i < UserCodeLength {
				out[i] = UserCodeAlphabet[int(c)%len(UserCodeAlphabet)]
				i++
			}
		}
	}
	return string(out)
}

// FormatUserCode shows a code as two groups of four: "BDWP-HQPK".
func FormatUserCode(code string) string {
	if len(code) != UserCodeLength {
		return code
	}
	return code[:4] + "-" + code[4:]
}

// NormalizeUserCode turns what a person typed into a code: case, spaces
// and dashes do not matter (RFC 8628 §6.1). ok is false when the result
// cannot be a code, so a typo is not counted as a guess.
func NormalizeUserCode(typed string) (code string, ok bool) {
	if len(typed) > 32 {
		return "", false
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(typed) {
		switch {
		case r == '-' || r == ' ' || r == '\t':
			continue
		case r < 128 && strings.ContainsRune(UserCodeAlphabet, r):
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	if b.Len() != UserCodeLength {
		return "", false
	}
	return b.String(), true
}
