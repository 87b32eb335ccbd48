package consentui

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
)

// ticket carries a login between its steps (password change, one-time
// code) without server state: it says which account has proven which
// factors. It is sealed (XChaCha20-Poly1305) so the browser can neither
// read nor change it, and the same length for an ID number with and
// without an account (an unknown number gets a random account id of the
// same shape, and the plaintext is padded); the CSRF cookie and the
// interaction are its associated data, so it works only in this browser
// and for this request; and it expires in minutes.
type ticket struct {
	AccountID   string   `json:"a"`
	Step        string   `json:"s"` // "password" (must change) or "otp"
	AMR         []string `json:"m"`
	ChallengeID string   `json:"c,omitempty"`
	Factor      string   `json:"f,omitempty"` // "totp", or "" for an SMS code
	ThrottleKey string   `json:"k,omitempty"` // per-ID-number counter for code-only flows
	Verified    int64    `json:"v,omitempty"` // reset: when the code was proven (Unix ns)
	Expires     int64    `json:"e"`

	// StepUpOf is the SSO session whose password AMR carries (a step-up):
	// the code completes that session's authentication only while it is
	// still this browser's session (otp.go postOTP).
	StepUpOf string `json:"u,omitempty"`
	Pad      string `json:"p,omitempty"`
}

const (
	stepChangePassword = "password"
	stepOTP            = "otp"
	ticketLifetime     = 10 * time.Minute
	// ticketBlock: plaintexts are padded to a multiple of this.
	ticketBlock = 256
)

// newTicketAEAD derives the ticket key from the CSRF key (HKDF-Expand,
// RFC 5869 §2.3: one key per purpose).
func newTicketAEAD(csrfKey []byte) (cipher.AEAD, error) {
	key, err := hkdf.Expand(sha256.New, csrfKey, "dinhdanh/login-ticket", chacha20poly1305.KeySize)
	if err != nil {
		return nil, err
	}
	return chacha20poly1305.NewX(key)
}

// ticketAD binds a ticket to this browser's CSRF cookie and the
// interaction the form names.
func (h *Handler) ticketAD(r *http.Request, interaction string) []byte {
	bind := h.csrfCookieValue(r)
	return []byte("ticket\x00" + bind + "\x00" + interaction)
}

func (h *Handler) sealTicket(r *http.Request, t ticket) string {
	t.Expires = h.now().Add(ticketLifetime).Unix()
	interaction := r.URL.Query().Get("interaction")
	if r.Method == http.MethodPost {
		interaction = r.PostFormValue("interaction")
	}
	t.Pad = ""
	raw, _ := json.Marshal(t)
	// The pad member adds `,"p":"…"`: 7 bytes plus its length.
	t.Pad = strings.Repeat("x", (ticketBlock-(len(raw)+7)%ticketBlock)%ticketBlock)
	raw, _ = json.Marshal(t)
	nonce := make([]byte, h.ticketAEAD.NonceSize(), h.ticketAEAD.NonceSize()+len(raw)+h.ticketAEAD.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("consentui: no randomness: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(h.ticketAEAD.Seal(nonce, nonce, raw, h.ticketAD(r, interaction)))
}

// openTicket verifies a ticket for the expected step and for the
// interaction the form names: a ticket from one request cannot finish
// another.
func (h *Handler) openTicket(r *http.Request, sealed, step string) (ticket, bool) {
	b, err := base64.RawURLEncoding.DecodeString(sealed)
	ns := h.ticketAEAD.NonceSize()
	if err != nil || len(b) < ns+h.ticketAEAD.Overhead() {
		return ticket{}, false
	}
	raw, err := h.ticketAEAD.Open(nil, b[:ns], b[ns:], h.ticketAD(r, r.PostFormValue("interaction")))
	if err != nil {
		return ticket{}, false
	}
	var t ticket
	if json.Unmarshal(raw, &t) != nil || t.Step != step || h.now().Unix() > t.Expires || t.AccountID == "" {
		return ticket{}, false
	}
	return t, true
}
