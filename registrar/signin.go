//go:build registrar_wip

package registrar

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/dinhdanh/dinhdanh/identity"
)

// The console signs registrars in as an OpenID Connect relying party of
// this provider: authorization code flow with PKCE S256 (RFC 7636 §4),
// state and nonce (OIDC Core §3.1.2.1, §15.5.2), and level 2 required
// (acr_values, OIDC Core §3.1.2.1; the ID token's acr is checked, §2).
const (
	acrLevel2       = "urn:vn:eid:loa:2"
	cookieConsole   = "dd_registrar"
	signInLifetime  = 10 * time.Minute
	sessionLifetime = 8 * time.Hour
)

type oidcClient struct {
	c    Config
	mu   sync.Mutex
	prov *oidc.Provider
}

func newOIDCClient(c Config) *oidcClient { return &oidcClient{c: c} }

// selfTransport serves the console's back-channel requests (discovery,
// token, JWKS) through this node's own handler: same protocol, no network
// hop, and no dependency on how the issuer's public name resolves here.
type selfTransport struct{ h func() http.Handler }

func (t selfTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	r.RemoteAddr = "127.0.0.1:0"
	t.h().ServeHTTP(rec, r)
	return rec.Result(), nil
}

func (o *oidcClient) context(ctx context.Context) context.Context {
	client := &http.Client{Transport: selfTransport{o.c.Self}, Timeout: 30 * time.Second}
	return oidc.ClientContext(ctx, client)
}

// provider fetches discovery once (discovery is the source of truth for
// the endpoints).
func (o *oidcClient) provider(ctx context.Context) (*oidc.Provider, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.prov != nil {
		return o.prov, nil
	}
	p, err := oidc.NewProvider(o.context(ctx), o.c.Issuer)
	if err != nil {
		return nil, err
	}
	o.prov = p
	return p, nil
}

func (o *oidcClient) config(p *oidc.Provider) oauth2.Config {
	ep := p.Endpoint()
	ep.AuthStyle = oauth2.AuthStyleInHeader
	return oauth2.Config{ClientID: ClientID, ClientSecret: o.c.ClientSecret, Endpoint: ep,
		RedirectURL: o.c.Issuer + PathCallback, Scopes: []string{oidc.ScopeOpenID}}
}

func randomValue() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashCookie(v string) string {
	s := sha256.Sum256([]byte(v))
	return hex.EncodeToString(s[:])
}

// login starts a sign-in: a pending session row holds state, nonce and
// the PKCE verifier; the browser holds only the cookie naming it.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	lang := pickLang(r)
	p, err := h.oidc.provider(r.Context())
	if err != nil {
		h.log.Error("registrar console: discovery failed", "err", err)
		h.renderError(w, r, lang, http.StatusServiceUnavailable, "signin_unavailable")
		return
	}
	now := h.now()
	cookie := randomValue()
	s := identity.RegistrarSession{ID: hashCookie(cookie), State: randomValue(), Nonce: randomValue(), Verifier: oauth2.GenerateVerifier(),
		CreatedAt: now, ExpiresAt: now.Add(signInLifetime)}
	if err := h.c.Store.CreateRegistrarSession(r.Context(), s); err != nil {
		h.log.Error("registrar console: saving sign-in", "err", err)
		h.renderError(w, r, lang, http.StatusInternalServerError, "generic")
		return
	}
	h.c.Cookies.Set(w, cookieConsole, cookie, time.Time{})
	cfg := h.oidc.config(p)
	u := cfg.AuthCodeURL(s.State, oidc.Nonce(s.Nonce), oauth2.S256ChallengeOption(s.Verifier),
		oauth2.SetAuthURLParam("acr_values", acrLevel2), oauth2.SetAuthURLParam("ui_locales", lang))
	http.Redirect(w, r, u, http.StatusSeeOther)
}

// callback completes a sign-in. The pending row is deleted first, so a
// state is used once; the session then gets a new cookie (no fixation).
func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	lang := pickLang(r)
	ctx := r.Context()
	cookie := h.c.Cookies.Get(r, cookieConsole)
	if cookie == "" {
		h.renderError(w, r, lang, http.StatusBadRequest, "signin_expired")
		return
	}
	pending, err := h.c.Store.GetRegistrarSession(ctx, hashCookie(cookie), h.now())
	if err != nil || pending.AccountID != "" {
		h.renderError(w, r, lang, http.StatusBadRequest, "signin_expired")
		return
	}
	if err := h.c.Store.DeleteRegistrarSession(ctx, pending.ID); err != nil {
		h.renderError(w, r, lang, http.StatusBadRequest, "signin_expired")
		return
	}
	q := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(pending.State)) != 1 {
		h.renderError(w, r, lang, http.StatusBadRequest, "signin_expired")
		return
	}
	if q.Get("error") != "" {
		// e.g. unmet_authentication_requirements: no level 2 possible.
		h.renderError(w, r, lang, http.StatusForbidden, "signin_refused")
		return
	}
	accountID, err := h.exchange(ctx, q.Get("code"), pending)
	if err != nil {
		h.log.Warn("registrar console: sign-in failed", "err", err)
		h.renderError(w, r, lang, http.StatusForbidden, "signin_refused")
		return
	}
	roles, err := h.activeRoles(ctx, accountID)
	if err != nil {
		h.renderError(w, r, lang, http.StatusInternalServerError, "generic")
		return
	}
	if len(roles) == 0 {
		h.log.Info("registrar console: sign-in by an account without a registrar role", "account", accountID)
		h.renderError(w, r, lang, http.StatusForbidden, "not_registrar")
		return
	}
	now := h.now()
	fresh := randomValue()
	s := identity.RegistrarSession{ID: hashCookie(fresh), AccountID: accountID, Office: roles[0].Office, CreatedAt: now, ExpiresAt: now.Add(sessionLifetime)}
	if err := h.c.Store.CreateRegistrarSession(ctx, s); err != nil {
		h.renderError(w, r, lang, http.StatusInternalServerError, "generic")
		return
	}
	h.c.Cookies.Set(w, cookieConsole, fresh, time.Time{})
	me := h.me(s, roles)
	_ = h.audit(ctx, r, me, me.Roles[0], identity.ActionConsoleSignIn, "", "")
	http.Redirect(w, r, PathDesk+"?lang="+lang, http.StatusSeeOther)
}

// exchange redeems the code with the verifier and checks the ID token:
// signature, iss, aud, expiry (go-oidc, OIDC Core §3.1.3.7), nonce and
// acr. The console is registered for the public subject, so sub is the
// registrar's account id.
func (h *Handler) exchange(ctx context.Context, code string, pending identity.RegistrarSession) (string, error) {
	p, err := h.oidc.provider(ctx)
	if err != nil {
		return "", err
	}
	cfg := h.oidc.config(p)
	tok, err := cfg.Exchange(h.oidc.context(ctx), code, oauth2.VerifierOption(pending.Verifier))
	if err != nil {
		return "", err
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return "", errors.New("no ID token")
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: ClientID, Now: h.now}).Verify(h.oidc.context(ctx), raw)
	if err != nil {
		return "", err
	}
	var claims struct {
		Nonce string `json:"nonce"`
		ACR   string `json:"acr"`
	}
	if err := idt.Claims(&claims); err != nil {
		return "", err
	}
	if subtle.ConstantTimeCompare([]byte(claims.Nonce), []byte(pending.Nonce)) != 1 {
		return "", errors.New("nonce mismatch")
	}
	if claims.ACR != acrLevel2 {
		return "", errors.New("sign-in below level 2")
	}
	return idt.Subject, nil
}

func (h *Handler) activeRoles(ctx context.Context, accountID string) ([]identity.RegistrarRole, error) {
	all, err := h.c.Store.RegistrarRoles(ctx, accountID)
	if err != nil {
		return nil, err
	}
	now := h.now()
	var out []identity.RegistrarRole
	for _, r := range all {
		if r.Active(now) {
			out = append(out, r)
		}
	}
	return out, nil
}

func (h *Handler) me(s identity.RegistrarSession, roles []identity.RegistrarRole) *registrar {
	m := &registrar{AccountID: s.AccountID, Office: s.Office, session: s}
	for _, r := range roles {
		if r.Office == s.Office {
			m.Roles = append(m.Roles, r.Role)
			if m.Code == "" {
				m.Code = r.Code
			}
		}
	}
	return m
}

type ctxKey struct{}

// signedIn admits a request with a live console session whose registrar
// still holds a role at the session's office, and, for a POST, a valid
// CSRF token. Without a session a GET starts the sign-in.
func (h *Handler) signedIn(fn http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lang := pickLang(r)
		cookie := h.c.Cookies.Get(r, cookieConsole)
		var s identity.RegistrarSession
		var err error
		if cookie != "" {
			s, err = h.c.Store.GetRegistrarSession(r.Context(), hashCookie(cookie), h.now())
		}
		if cookie == "" || err != nil || s.AccountID == "" {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, PathLogin+"?lang="+lang, http.StatusSeeOther)
				return
			}
			h.renderError(w, r, lang, http.StatusForbidden, "signin_expired")
			return
		}
		if r.Method == http.MethodPost && !h.csrfValid(r, s) {
			h.renderError(w, r, lang, http.StatusForbidden, "csrf")
			return
		}
		roles, err := h.activeRoles(r.Context(), s.AccountID)
		if err != nil {
			h.renderError(w, r, lang, http.StatusInternalServerError, "generic")
			return
		}
		me := h.me(s, roles)
		if len(me.Roles) == 0 {
			h.renderError(w, r, lang, http.StatusForbidden, "not_registrar")
			return
		}
		fn(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, me)))
	}
}

func current(r *http.Request) *registrar { return r.Context().Value(ctxKey{}).(*registrar) }

// csrfToken is an HMAC of the session id under a server key: the form
// token of this console session (signed double submit, as consent-ui).
func (h *Handler) csrfToken(s identity.RegistrarSession) string {
	mac := hmac.New(sha256.New, h.c.CSRFKey)
	mac.Write([]byte("registrar-csrf\x00" + s.ID))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func (h *Handler) csrfValid(r *http.Request, s identity.RegistrarSession) bool {
	got := r.PostFormValue("csrf_token")
	return hmac.Equal([]byte(got), []byte(h.csrfToken(s)))
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	me := current(r)
	_ = h.c.Store.DeleteRegistrarSession(r.Context(), me.session.ID)
	_ = h.audit(r.Context(), r, me, me.Roles[0], identity.ActionConsoleSignOut, "", "")
	h.c.Cookies.Clear(w, cookieConsole)
	lang := pickLang(r)
	h.render(w, r, http.StatusOK, "error", view{Lang: lang, Title: T(lang, "logout.title"), Notice: T(lang, "logout.done")})
}

// audit appends one registrar action and returns its id (the receipt's).
func (h *Handler) audit(ctx context.Context, r *http.Request, me *registrar, role, action, accountID, detail string) error {
	_, err := h.auditID(ctx, r, me, role, action, accountID, detail)
	return err
}

func (h *Handler) auditID(ctx context.Context, r *http.Request, me *registrar, role, action, accountID, detail string) (string, error) {
	a := identity.RegistrarAction{ID: identity.NewID(), At: h.now(), ActorID: me.AccountID, ActorCode: me.Code, Role: role,
		Office: me.Office, Action: action, AccountID: accountID, ClientIP: clientIP(r), Detail: detail}
	if err := h.c.Store.AppendRegistrarAction(ctx, a); err != nil {
		h.log.Error("registrar audit failed", "action", action, "err", err)
		return "", err
	}
	return a.ID, nil
}
