// Package consentui renders everything a person sees: login, first-login
// password change, consent and error pages. Templates are embedded;
// Vietnamese first, English second.
package consentui

import (
	"bytes"
	"crypto/cipher"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"

	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gorilla/mux"

	"github.com/dinhdanh/dinhdanh/identity"
	"github.com/dinhdanh/dinhdanh/provider"
)

//go:embed templates
var templateFS embed.FS

// Flow is what the pages need from the protocol side.
type Flow interface {
	Pending(r *http.Request, interactionID string) (provider.Pending, error)
	// LoggedIn starts (or carries on) the browser's session; stepUpOf is the
	// session a step-up completes ("" for a login). continued: the same
	// citizen's session carried on.
	LoggedIn(w http.ResponseWriter, r *http.Request, interactionID, accountID string, amr []string, level int, stepUpOf string) (continued bool, err error)
	Decide(r *http.Request, interactionID string, allow bool, claims []string) error
	ConsentItems(r *http.Request, interactionID string) ([]provider.ConsentItem, error)
	BrowserSession(r *http.Request) (identity.AuthSession, bool)
	// Unmet makes the interaction end at the relying party with
	// unmet_authentication_requirements.
	Unmet(r *http.Request, interactionID string) error
}

// Config wires the pages.
type Config struct {
	Flow        Flow
	Device      DeviceFlow // nil: no /device pages
	Auth        *identity.Authenticator
	OTP         *identity.OTPService
	TOTP        *identity.TOTPService
	Assurance   *identity.Assurance // which second factors count for level 2
	Notifier    *identity.Notifier  // nil: no notices
	Throttle    *identity.Throttle
	Sessions    Sessions
	Reset       Resetter
	Disclosures Disclosures
	Records     Records
	Logout      Logout
	CSRFKey     []byte // ≥32 bytes
	Secure      bool   // Secure cookies (https issuer)
	Logger      *slog.Logger
	// Now is the clock (time.Now when nil): tickets, throttling, freshness.
	Now func() time.Time
	// DevSMS, when set, serves the messages of the log SMS sender at
	// /dev/sms (development only).
	DevSMS identity.DevOutbox
}

// Handler serves the pages.
type Handler struct {
	flow        Flow
	device      DeviceFlow
	auth        *identity.Authenticator
	otp         *identity.OTPService
	totp        *identity.TOTPService
	assurance   *identity.Assurance
	notifier    *identity.Notifier
	ticketAEAD  cipher.AEAD
	throttle    *identity.Throttle
	sessions    Sessions
	reset       Resetter
	disclosures Disclosures
	records     Records
	logout      Logout
	csrfKey     []byte
	cookies     provider.Cookies
	log         *slog.Logger
	devSMS      identity.DevOutbox
	now         func() time.Time
	pages       map[string]*template.Template
	css         []byte
}

// Limits on form input: far above any real value, far below anything
// that could hurt.
const (
	maxFormBytes   = 16 << 10
	maxIDNumberLen = 32
	maxPasswordLen = 128
)

// New parses the templates once.
func New(cfg Config) (*Handler, error) {
	if cfg.Assurance == nil {
		return nil, errors.New("consentui: Assurance is required")
	}
	h := &Handler{flow: cfg.Flow, device: cfg.Device, auth: cfg.Auth, otp: cfg.OTP, totp: cfg.TOTP, assurance: cfg.Assurance, notifier: cfg.Notifier, throttle: cfg.Throttle, sessions: cfg.Sessions, reset: cfg.Reset, disclosures: cfg.Disclosures, records: cfg.Records, logout: cfg.Logout, csrfKey: cfg.CSRFKey, cookies: provider.Cookies{Secure: cfg.Secure}, log: cfg.Logger, devSMS: cfg.DevSMS, pages: map[string]*template.Template{}}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now = cfg.Now; h.now == nil {
		h.now = time.Now
	}
	var err error
	if h.ticketAEAD, err = newTicketAEAD(cfg.CSRFKey); err != nil {
		return nil, err
	}
	funcs := template.FuncMap{"t": T, "dict": dict}
	for _, name := range []string{"login", "password", "otp", "consent", "error", "account", "devsms", "logout", "loggedout", "reset", "nofactor", "device", "deviceconfirm", "devicedone"} {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		h.pages[name] = t
	}
	css, err := templateFS.ReadFile("templates/style.css")
	if err != nil {
		return nil, err
	}
	h.css = css
	return h, nil
}

// Mount registers the pages on r.
func (h *Handler) Mount(r *mux.Router) {
	r.Handle(provider.PathLogin, h.page(h.getLogin)).Methods(http.MethodGet)
	r.Handle(provider.PathLogin, h.form(h.postLogin)).Methods(http.MethodPost)
	r.Handle(provider.PathPassword, h.form(h.postPassword)).Methods(http.MethodPost)
	r.Handle(provider.PathOTP, h.form(h.postOTP)).Methods(http.MethodPost)
	r.Handle("/logout", h.form(h.postLogout)).Methods(http.MethodPost)
	r.Handle(provider.PathConsent, h.page(h.getConsent)).Methods(http.MethodGet)
	r.Handle(provider.PathConsent, h.form(h.postConsent)).Methods(http.MethodPost)
	r.Handle("/reset", h.page(h.getReset)).Methods(http.MethodGet)
	r.Handle("/reset", h.form(h.postReset)).Methods(http.MethodPost)
	r.Handle("/account", h.page(h.getAccount)).Methods(http.MethodGet)
	r.Handle("/account/sessions/end", h.form(h.postEndSession)).Methods(http.MethodPost)
	r.Handle("/account/totp/begin", h.form(h.postTOTPBegin)).Methods(http.MethodPost)
	r.Handle("/account/totp/confirm", h.form(h.postTOTPConfirm)).Methods(http.MethodPost)
	r.Handle("/account/password", h.form(h.postAccountPassword)).Methods(http.MethodPost)
	r.Handle("/account/consents/withdraw", h.form(h.postWithdraw)).Methods(http.MethodPost)
	r.Handle("/account/disclosures.csv", h.page(h.getDisclosuresFile("csv"))).Methods(http.MethodGet)
	r.Handle("/account/disclosures.json", h.page(h.getDisclosuresFile("json"))).Methods(http.MethodGet)
	r.HandleFunc("/assets/style.css", h.serveCSS).Methods(http.MethodGet)
	if h.device != nil {
		r.Handle(provider.PathDevice, h.page(h.getDevice)).Methods(http.MethodGet)
		r.Handle(provider.PathDevice, h.form(h.postDevice)).Methods(http.MethodPost)
		r.Handle(provider.PathDeviceConfirm, h.page(h.getDeviceConfirm)).Methods(http.MethodGet)
		r.Handle(provider.PathDeviceConfirm, h.form(h.postDeviceConfirm)).Methods(http.MethodPost)
		r.Handle(provider.PathDeviceDone, h.page(h.getDeviceDone)).Methods(http.MethodGet)
	}
	if h.devSMS != nil {
		r.Handle("/dev/sms", h.page(h.getDevSMS)).Methods(http.MethodGet)
	}
}

// page adds the headers every page needs: no framing (clickjacking), a
// strict CSP, no caching of personal data; and bounds the request body.
func (h *Handler) page(fn http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' https: data:; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cache-Control", "no-store")
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				h.renderError(w, r, pickLang(r, ""), http.StatusRequestEntityTooLarge, "too_long", "")
				return
			}

		}
		fn(w, r)
	})
}

// form is page for this package's own forms: every one carries the CSRF
// token, checked once, here.
func (h *Handler) form(fn http.HandlerFunc) http.Handler {
	return h.page(func(w http.ResponseWriter, r *http.Request) {
		if !h.csrfValid(r) {
			h.renderError(w, r, pickLang(r, ""), http.StatusForbidden, "csrf", "")
			return
		}
		fn(w, r)
	})
}

func (h *Handler) serveCSS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(h.css)
}

// view is the data every template gets.
type view struct {
	Lang         string
	Title        string
	OtherLangURL string
	CSRF         string
	Interaction  string
	Error        string
	// login
	ClientName    string
	IDNumber      string
	AllowOTPLogin bool // the client lets citizens log in with an SMS code alone
	// password, otp
	Ticket       string
	Notice       string
	TOTP         bool   // the code page asks for the authenticator app's code
	CodeSent     bool   // the reset page's second step
	CodeVerified bool   // …with the code already proven: only the password left
	ContinueURL  string // nofactor: back to the relying party
	// consent
	LogoURI string
	Purpose string
	Consent consentPage
	// error
	Code   string
	Detail string
	// logout
	Logout *provider.LogoutRequest
	// account
	Account *accountView
	// device
	Device *deviceView
	// dev
	Messages []identity.SMSMessage
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	other := T(v.Lang, "lang.other_code")
	q := r.URL.Query()
	q.Set("lang", other)
	if v.Interaction != "" {
		q.Set("interaction", v.Interaction)
	}
	path := r.URL.Path
	if r.Method != http.MethodGet {
		// After a POST, offer the GET form of the page.
		path = provider.PathLogin
		switch name {
		case "consent":
			path = provider.PathConsent
		case "device", "deviceconfirm":
			path = provider.PathDevice
		}
	}
	v.OtherLangURL = path + "?" + q.Encode()
	if v.Title == "" {
		v.Title = T(v.Lang, name+".title")
	}
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		h.log.Error("template failed", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// ErrorPage is the provider's callback for errors shown to a person.
func (h *Handler) ErrorPage(w http.ResponseWriter, r *http.Request, status int, code, description string) {
	h.page(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.renderError(w, r, pickLang(r, ""), status, code, description)
	})).ServeHTTP(w, r)
}

func (h *Handler) renderError(w http.ResponseWriter, r *http.Request, lang string, status int, code, detail string) {
	msg := T(lang, "err."+code)
	if msg == "err."+code {
		msg = T(lang, "err.generic")
	}
	h.render(w, r, status, "error", view{Lang: lang, Error: msg, Code: code, Detail: detail})
}

// pending loads the interaction named in the request, or renders why not.
func (h *Handler) pending(w http.ResponseWriter, r *http.Request, id string) (provider.Pending, bool) {
	p, err := h.flow.Pending(r, id)
	if err != nil {
		status, code := http.StatusBadRequest, "interaction_expired"
		if !errors.Is(err, identity.ErrNotFound) {
			h.log.Error("loading interaction failed", "err", err)
			status, code = http.StatusInternalServerError, "server_error"
		}
		h.renderError(w, r, pickLang(r, ""), status, code, "")
		return p, false
	}
	return p, true
}

func (h *Handler) getLogin(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("interaction")
	v := view{CSRF: h.csrfToken(w, r), Interaction: id}
	if id != "" {
		p, ok := h.pending(w, r, id)
		if !ok {
			return
		}
		v.ClientName, v.AllowOTPLogin = p.Client.Name, p.Client.AllowOTPLogin && p.RequiredLevel < 2
		v.Lang = pickLang(r, p.UILocales)
		if h.stepUp(w, r, v.Lang, p) {
			return
		}
		// OIDC Core §3.1.2.1 login_hint: prefill only a plausible number.
		if hint := strings.TrimSpace(p.LoginHint); len(hint) <= maxIDNumberLen && isDigitsDotsSpaces(hint) {
			v.IDNumber = hint
		}
	} else {
		v.Lang = pickLang(r, "")
	}
	h.render(w, r, http.StatusOK, "login", v)
}

func isDigitsDotsSpaces(s string) bool {
	for _, c := range s {
		if (c < '0' || c > '9') && c != '.' && c != ' ' {
			return false
		}
	}
	return true
}

func (h *Handler) postLogin(w http.ResponseWriter, r *http.Request) {
	lang := pickLang(r, "")
	id := r.PostFormValue("interaction")
	v := view{Lang: lang, CSRF: h.csrfToken(w, r), Interaction: id}
	if id != "" {
		p, ok := h.pending(w, r, id)
		if !ok {
			return
		}
		v.ClientName, v.AllowOTPLogin = p.Client.Name, p.Client.AllowOTPLogin && p.RequiredLevel < 2
	}
	if r.PostFormValue("action") == "otp" && v.AllowOTPLogin {
		h.startPasswordlessOTP(w, r, v)
		return
	}
	idNumber, password := strings.TrimSpace(r.PostFormValue("id_number")), r.PostFormValue("password")
	switch {
	case !utf8.ValidString(idNumber) || !utf8.ValidString(password):
		v.Error = T(lang, "err.bad_utf8")
	case len(idNumber) > maxIDNumberLen || len(password) > maxPasswordLen:
		v.Error = T(lang, "err.too_long")
	case idNumber == "" || password == "":
		v.Error = T(lang, "login.missing")
	}
	if v.Error != "" {
		if utf8.ValidString(idNumber) && len(idNumber) <= maxIDNumberLen {
			v.IDNumber = idNumber
		}
		h.render(w, r, http.StatusBadRequest, "login", v)
		return
	}
	v.IDNumber = idNumber
	acc, err := h.auth.Login(r.Context(), idNumber, password, clientIP(r))
	var formatErr identity.LocalizedError
	var throttled *identity.ThrottledError
	switch {
	case errors.As(err, &throttled):
		w.Header().Set("Retry-After", strconv.Itoa(int(throttled.RetryAfter.Seconds())+1))
		v.Error = localized(throttled, lang)
		h.render(w, r, http.StatusTooManyRequests, "login", v)
		return
	case errors.As(err, &formatErr):
		v.Error = localized(formatErr, lang)
		h.render(w, r, http.StatusBadRequest, "login", v)
		return
	case errors.Is(err, identity.ErrBadCredentials):
		v.Error = T(lang, "login.bad")
		h.render(w, r, http.StatusUnauthorized, "login", v)
		return
	case err != nil:
		h.log.Error("login failed", "err", err)
		h.renderError(w, r, lang, http.StatusInternalServerError, "server_error", "")
		return
	}
	if acc.MustChangePassword {
		t := h.sealTicket(r, ticket{AccountID: acc.ID, Step: stepChangePassword, AMR: []string{"pwd"}})
		h.render(w, r, http.StatusOK, "password", view{Lang: lang, CSRF: v.CSRF, Interaction: id, Ticket: t})
		return
	}
	h.afterPassword(w, r, lang, id, acc.ID, []string{"pwd"})
}

// clientIP is the peer address. Behind a load balancer the operator must
// make RemoteAddr the client's (e.g. PROXY protocol): a forwarded header is
// not trusted here, since anyone can send one.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func localized(e identity.LocalizedError, lang string) string {
	if lang == langEN {
		return e.MessageEN()
	}
	return e.MessageVI()
}

func (h *Handler) completeLogin(w http.ResponseWriter, r *http.Request, lang, interaction, accountID string, amr []string, level int, stepUpOf string) {
	continued, err := h.flow.LoggedIn(w, r, interaction, accountID, amr, level, stepUpOf)
	if err != nil {
		if errors.Is(err, identity.ErrNotFound) {
			h.renderError(w, r, lang, http.StatusBadRequest, "interaction_expired", "")
			return
		}
		h.log.Error("starting session failed", "err", err)
		h.renderError(w, r, lang, http.StatusInternalServerError, "server_error", "")
		return
	}
	// A fresh CSRF cookie once a citizen is authenticated in this browser:
	// a token planted or read before login (cookie tossing, a shared
	// computer) is useless after it (OWASP CSRF Prevention, "login CSRF").
	// A re-authentication of the same citizen (step-up, max_age) keeps it:
	// it was renewed when that session began, and the forms open in other
	// tabs stay valid.
	if !continued {
		h.newCSRFCookie(w)
	}
	h.log.Info("login", "account", accountID, "level", level)
	if interaction == "" {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, provider.ContinueURL(interaction), http.StatusSeeOther)
}

func (h *Handler) postPassword(w http.ResponseWriter, r *http.Request) {
	lang := pickLang(r, "")
	id := r.PostFormValue("interaction")
	sealed := r.PostFormValue("ticket")
	t, ok := h.openTicket(r, sealed, stepChangePassword)
	if !ok {
		h.renderError(w, r, lang, http.StatusBadRequest, "interaction_expired", "")
		return
	}
	accountID := t.AccountID
	v := view{Lang: lang, CSRF: h.csrfToken(w, r), Interaction: id, Ticket: sealed}
	pw, confirm := r.PostFormValue("new_password"), r.PostFormValue("confirm_password")
	switch {
	case !utf8.ValidString(pw):
		v.Error = T(lang, "err.bad_utf8")
	case len(pw) > maxPasswordLen:
		v.Error = T(lang, "err.too_long")
	case pw != confirm:
		v.Error = T(lang, "password.mismatch")
	}
	if v.Error == "" {
		err := h.auth.ChangeInitialPassword(r.Context(), accountID, pw)
		var policy identity.LocalizedError
		switch {
		case errors.Is(err, identity.ErrPasswordAlreadyChanged):
			h.renderError(w, r, lang, http.StatusBadRequest, "interaction_expired", "")
			return
		case errors.As(err, &policy):
			v.Error = localized(policy, lang)
		case err != nil:
			h.log.Error("password change failed", "account", accountID, "err", err)
			h.renderError(w, r, lang, http.StatusInternalServerError, "server_error", "")
			return
		}
	}
	if v.Error != "" {
		h.render(w, r, http.StatusBadRequest, "password", v)
		return
	}
	h.log.Info("password changed", "account", accountID)
	h.afterPassword(w, r, lang, id, accountID, t.AMR)
}

func (h *Handler) getConsent(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("interaction")
	p, ok := h.pending(w, r, id)
	if !ok {
		return
	}
	if !p.LoggedIn {
		http.Redirect(w, r, provider.PathLogin+"?interaction="+url.QueryEscape(id), http.StatusSeeOther)
		return
	}
	lang := pickLang(r, p.UILocales)
	items, err := h.flow.ConsentItems(r, id)
	if err != nil {
		status, code := http.StatusBadRequest, "interaction_expired"
		if !errors.Is(err, identity.ErrNotFound) {
			h.log.Error("loading consent items failed", "err", err)
			status, code = http.StatusInternalServerError, "server_error"
		}
		h.renderError(w, r, lang, status, code, "")
		return
	}
	v := view{Lang: lang, CSRF: h.csrfToken(w, r), Interaction: p.ID, ClientName: p.Client.Name, Purpose: p.Client.Purpose,
		Consent: buildConsentView(lang, p.Scopes, items)}
	if strings.HasPrefix(p.Client.LogoURI, "https://") {
		v.LogoURI = p.Client.LogoURI
	}
	h.render(w, r, http.StatusOK, "consent", v)
}

func (h *Handler) postConsent(w http.ResponseWriter, r *http.Request) {
	lang := pickLang(r, "")
	id := r.PostFormValue("interaction")
	decision := r.PostFormValue("decision")
	if decision != "allow" && decision != "deny" {
		h.renderError(w, r, lang, http.StatusBadRequest, "generic", "")
		return
	}
	var p provider.Pending
	if decision == "allow" {
		p, _ = h.flow.Pending(r, id) // for the notice's service name
	}
	if err := h.flow.Decide(r, id, decision == "allow", r.PostForm["claim"]); err != nil {
		if errors.Is(err, identity.ErrNotFound) {
			h.renderError(w, r, lang, http.StatusBadRequest, "interaction_expired", "")
			return
		}
		h.log.Error("recording consent failed", "err", err)
		h.renderError(w, r, lang, http.StatusInternalServerError, "server_error", "")
		return
	}
	if decision == "allow" && p.AccountID != "" {
		h.notify(r, p.AccountID, identity.NoticeNewConsent, p.Client.Name)
	}
	http.Redirect(w, r, provider.ContinueURL(id), http.StatusSeeOther)
}

func (h *Handler) getDevSMS(w http.ResponseWriter, r *http.Request) {
	msgs, err := h.devSMS.ListDevSMS(r.Context(), 50)
	if err != nil {
		h.log.Error("reading the dev SMS outbox failed", "err", err)
		h.renderError(w, r, pickLang(r, ""), http.StatusInternalServerError, "server_error", "")
		return
	}
	h.render(w, r, http.StatusOK, "devsms", view{Lang: pickLang(r, ""), Title: "SMS", Messages: msgs})
}
