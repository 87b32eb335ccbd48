package consentui

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/dinhdanh/dinhdanh/provider"
)

// csrfCookieValue is this browser's CSRF cookie ("" if none). Tickets are
// bound to it too (ticket.go).
func (h *Handler) csrfCookieValue(r *http.Request) string {
	return h.cookies.Get(r, provider.CookieCSRF)
}

// csrfToken returns the form token for this browser, setting the cookie it
// is bound to if needed: the token is an HMAC of the cookie value under a
// server key (signed double submit), so a cross-site form cannot forge it.
func (h *Handler) csrfToken(w http.ResponseWriter, r *http.Request) string {
	value := h.csrfCookieValue(r)
	if len(value) < 32 {
		value = h.newCSRFCookie(w)
	}
	return h.csrfSign(value)
}

// newCSRFCookie sets a fresh CSRF cookie and returns its value.
func (h *Handler) newCSRFCookie(w http.ResponseWriter) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	value := base64.RawURLEncoding.EncodeToString(b)
	h.cookies.Set(w, provider.CookieCSRF, value, time.Time{})
	return value
}

func (h *Handler) csrfSign(value string) string {
	mac := hmac.New(sha256.New, h.csrfKey)
	mac.Write([]byte("csrf\x00" + value))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// csrfValid checks the submitted token in constant time.
func (h *Handler) csrfValid(r *http.Request) bool {
	value := h.csrfCookieValue(r)
	if value == "" {
		return false
	}
	got := r.PostFormValue("csrf_token")
	return hmac.Equal([]byte(got), []byte(h.csrfSign(value)))
}
