package consentui

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
)

const csrfCookie = "dd_csrf"

// csrfToken returns the form token for this browser, setting the cookie it
// is bound to if needed: the token is an HMAC of the cookie value under a
// server key (signed double submit), so a cross-site form cannot forge it.
func (h *Handler) csrfToken(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(csrfCookie)
	value := ""
	if err == nil && len(c.Value) >= 32 {
		value = c.Value
	} else {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		value = base64.RawURLEncoding.EncodeToString(b)
		http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: value, Path: "/", HttpOnly: true,
			Secure: h.secure, SameSite: http.SameSiteLaxMode})
	}
	return h.csrfSign(value)
}

func (h *Handler) csrfSign(value string) string {
	mac := hmac.New(sha256.New, h.csrfKey)
	mac.Write([]byte("csrf\x00" + value))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// csrfValid checks the submitted token in constant time.
func (h *Handler) csrfValid(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	if err != nil || c.Value == "" {
		return false
	}
	got := r.PostFormValue("csrf_token")
	return hmac.Equal([]byte(got), []byte(h.csrfSign(c.Value)))
}
