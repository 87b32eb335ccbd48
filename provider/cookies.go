package provider

import (
	"net/http"
	"strings"
	"time"
)

// Every cookie the provider and its pages set, by base name. They are
// named and given their attributes only through Cookies, so none can miss
// the __Host- prefix or Secure.
const (
	CookieSession = "dd_session" // the SSO session
	CookieBrowser = "dd_browser" // binds interactions to the browser
	CookieCSRF    = "dd_csrf"    // consent-ui's signed double submit
)

// Cookies names and sets cookies for one issuer. With an https issuer
// every cookie is __Host- prefixed, Secure, Path=/ and has no Domain
// (RFC 6265bis §4.1.3.2), so neither a sibling subdomain nor a
// plain-http response can plant or overwrite one; with an http issuer
// (development) the plain names stay.
type Cookies struct {
	Secure bool
}

// CookiesFor is the cookie policy for issuer.
func CookiesFor(issuer string) Cookies {
	return Cookies{Secure: strings.HasPrefix(issuer, "https://")}
}

// Name is the name a cookie has on the wire.
func (c Cookies) Name(base string) string {
	if c.Secure {
		return "__Host-" + base
	}
	return base
}

// Get returns the cookie's value, "" when absent. Under https only the
// prefixed name is read: an unprefixed one may have been planted.
func (c Cookies) Get(r *http.Request, base string) string {
	ck, err := r.Cookie(c.Name(base))
	if err != nil {
		return ""
	}
	return ck.Value
}

// Set sets an HttpOnly, SameSite=Lax cookie for the whole host; a zero
// expires makes it a browser-session cookie.
func (c Cookies) Set(w http.ResponseWriter, base, value string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name:     c.Name(base),
		Value:    value,
		Path:     "/", // __Host-: Path=/ and no Domain attribute
		HttpOnly: true,
		Secure:   c.Secure,
		SameSite: http.SameSiteLaxMode,
		Expires:  expires,
	})
}

// Clear deletes the cookie.
func (c Cookies) Clear(w http.ResponseWriter, base string) {
	http.SetCookie(w, &http.Cookie{Name: c.Name(base), Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0),
		HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode})
}
