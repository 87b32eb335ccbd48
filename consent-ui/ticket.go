package consentui

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// ticket carries a login between its steps (password change, one-time
// code) without server state: it says which account has proven which
// factors, is MACed under the server key and bound to this browser's CSRF
// cookie, and expires in minutes.
type ticket struct {
	AccountID   string   `json:"a"`
	Step        string   `json:"s"` // "password" (must change) or "otp"
	AMR         []string `json:"m"`
	ChallengeID string   `json:"c,omitempty"`
	Factor      string   `json:"f,omitempty"` // "totp", or "" for an SMS code
	Interaction string   `json:"i,omitempty"` // the request it belongs to
	ThrottleKey string   `json:"k,omitempty"` // per-ID-number counter for code-only flows
	Expires     int64    `json:"e"`

	// StepUpOf is the SSO session whose password AMR carries (a step-up):
	// the code completes that session's authentication only while it is
	// still this browser's session (otp.go postOTP).
	StepUpOf string `json:"u,omitempty"`
}

const (
	stepChangePassword = "password"
	stepOTP            = "otp"
	ticketLifetime     = 10 * time.Minute
)

func (h *Handler) sealTicket(r *http.Request, t ticket) string {
	t.Expires = time.Now().Add(ticketLifetime).Unix()
	if r.Method == http.MethodPost {
		t.Interaction = r.PostFormValue("interaction")
	} else {
		t.Interaction = r.URL.Query().Get("interaction")
	}
	payload, _ := json.Marshal(t)
	enc := base64.RawURLEncoding.EncodeToString(payload)
	return enc + "." + h.ticketMAC(r, enc)
}

func (h *Handler) ticketMAC(r *http.Request, enc string) string {
	bind := h.csrfCookieValue(r)
	mac := hmac.New(sha256.New, h.csrfKey)
	mac.Write([]byte("ticket\x00" + bind + "\x00" + enc))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// openTicket verifies a ticket for the expected step and for the
// interaction the form names: a ticket from one request cannot finish
// another.
func (h *Handler) openTicket(r *http.Request, sealed, step string) (ticket, bool) {
	enc, mac, ok := strings.Cut(sealed, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(h.ticketMAC(r, enc))) {
		return ticket{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return ticket{}, false
	}
	var t ticket
	if json.Unmarshal(raw, &t) != nil || t.Step != step || time.Now().Unix() > t.Expires || t.AccountID == "" ||
		t.Interaction != r.PostFormValue("interaction") {
		return ticket{}, false
	}
	return t, true
}
