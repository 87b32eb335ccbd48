//go:build registrar_wip

// Package registrar is the officials' console (issue 10): the desk at
// /registrar where operators issue, unlock and reset accounts, supervisors
// approve what needs a second person, and every action gets a printable
// receipt and an audit entry without personal data. Registrars sign in
// with their own e-ID at level 2: the console is an OpenID Connect client
// of this provider (signin.go). Vietnamese first, English second.
package registrar

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/gorilla/mux"

	"github.com/dinhdanh/dinhdanh/identity"
	"github.com/dinhdanh/dinhdanh/provider"
)

//go:embed templates
var templateFS embed.FS

// Paths of the console.
const (
	PathDesk      = "/registrar"
	PathLogin     = "/registrar/login"
	PathCallback  = "/registrar/callback"
	PathLogout    = "/registrar/logout"
	PathSearch    = "/registrar/search"
	PathAction    = "/registrar/action"
	PathRequest   = "/registrar/request"
	PathApprovals = "/registrar/approvals"
	PathReceipt   = "/registrar/receipt/"
	PathAudit     = "/registrar/audit"
	PathStyle     = "/registrar/assets/registrar.css"
	// ClientID is the console's registration at this provider.
	ClientID = "registrar-console"
)

// Store is what the console needs from storage.
type Store interface {
	identity.RegistrarStore
	identity.RegistrarSessionStore
	GetCitizen(ctx context.Context, pin string) (identity.Citizen, error)
	UpsertCitizens(ctx context.Context, citizens []identity.Citizen) (inserted, updated, unchanged int, err error)
	GetAccount(ctx context.Context, id string) (identity.Account, error)
	GetAccountByPIN(ctx context.Context, pin string) (identity.Account, error)
	SetAccountLevel(ctx context.Context, accountID string, level identity.Level) error
	RevokeAccountTokens(ctx context.Context, accountID string) error
	ListAuthSessions(ctx context.Context, accountID string, now time.Time) ([]identity.AuthSession, error)
	EndAuthSessions(ctx context.Context, s identity.AuthSession) ([]string, error)
	BeginTX(ctx context.Context) (context.Context, error)
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

// Config wires the console.
type Config struct {
	Issuer string
	Store  Store
	Auth   *identity.Authenticator
	// SMS queues messages (the outbox); never the registrar's device.
	SMS       identity.SMSSender
	Throttle  *identity.Throttle
	TOTP      *identity.TOTPService
	Assurance *identity.Assurance
	Notifier  *identity.Notifier
	// ClientSecret is the console's secret at this provider.
	ClientSecret string
	// Self serves requests to the provider in process (discovery, token,
	// JWKS): the console is a client of the node it runs on.
	Self    func() http.Handler
	CSRFKey []byte
	Cookies provider.Cookies
	Logger  *slog.Logger
	Now     func() time.Time
}

// Handler serves the console.
type Handler struct {
	c     Config
	pages map[string]*template.Template
	oidc  *oidcClient
	log   *slog.Logger
	now   func() time.Time
}

// New parses the templates.
func New(c Config) (*Handler, error) {
	if len(c.CSRFKey) < 32 {
		return nil, errors.New("registrar: CSRF key must be at least 32 bytes")
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	h := &Handler{c: c, pages: map[string]*template.Template{}, log: c.Logger, now: c.Now}
	funcs := template.FuncMap{"t": T, "localTime": localTime, "maskPhone": identity.MaskPhone, "actionLabel": actionLabel, "kindLabel": kindLabel}
	for _, name := range []string{"desk", "receipt", "approvals", "audit", "error"} {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		h.pages[name] = t
	}
	h.oidc = newOIDCClient(c)
	return h, nil
}

// Mount adds the console's routes.
func (h *Handler) Mount(r *mux.Router) {
	r.Handle(PathStyle, http.HandlerFunc(h.style)).Methods(http.MethodGet)
	r.Handle(PathLogin, h.page(h.login)).Methods(http.MethodGet)
	r.Handle(PathCallback, h.page(h.callback)).Methods(http.MethodGet)
	r.Handle(PathLogout, h.page(h.signedIn(h.logout))).Methods(http.MethodPost)
	r.Handle(PathDesk, h.page(h.signedIn(h.desk))).Methods(http.MethodGet)
	r.Handle(PathSearch, h.page(h.signedIn(h.search))).Methods(http.MethodPost)
	r.Handle(PathAction, h.page(h.signedIn(h.action))).Methods(http.MethodPost)
	r.Handle(PathRequest, h.page(h.signedIn(h.request))).Methods(http.MethodPost)
	r.Handle(PathApprovals, h.page(h.signedIn(h.approvals))).Methods(http.MethodGet)
	r.Handle(PathApprovals+"/{id}", h.page(h.signedIn(h.decide))).Methods(http.MethodPost)
	r.Handle(PathReceipt+"{id}", h.page(h.signedIn(h.receipt))).Methods(http.MethodGet)
	r.Handle(PathAudit, h.page(h.signedIn(h.auditPage))).Methods(http.MethodGet)
}

const maxFormBytes = 16 << 10

// page sets the headers every console page carries and parses forms.
func (h *Handler) page(fn http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cache-Control", "no-store")
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				h.renderError(w, r, pickLang(r), http.StatusBadRequest, "bad_form")
				return
			}
		}
		fn(w, r)
	})
}

// view is what every template gets.
type view struct {
	Lang         string
	Title        string
	OtherLangURL string
	CSRF         string
	Me           *registrar
	Error        string
	Notice       string
	// desk
	Citizen *citizenView
	// receipt
	Receipt *receiptView
	Paper   string
	// approvals
	Requests []requestView
	// audit
	Actions []identity.RegistrarAction
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	other := T(v.Lang, "lang.other_code")
	path := r.URL.Path
	if r.Method != http.MethodGet {
		path = PathDesk // after a POST, offer the desk in the other language
	}
	q := r.URL.Query()
	if r.Method != http.MethodGet {
		q = nil
	}
	if q == nil {
		q = map[string][]string{}
	}
	q.Set("lang", other)
	v.OtherLangURL = path + "?" + q.Encode()
	if v.Title == "" {
		v.Title = T(v.Lang, name+".title")
	}
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		h.log.Error("registrar template failed", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (h *Handler) renderError(w http.ResponseWriter, r *http.Request, lang string, status int, code string) {
	h.render(w, r, status, "error", view{Lang: lang, Error: T(lang, "err."+code)})
}

func (h *Handler) style(w http.ResponseWriter, r *http.Request) {
	b, err := templateFS.ReadFile("templates/registrar.css")
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(b)
}

// registrar is the signed-in official, with their roles at the session's
// office that are in force now (read on every request, so a revoked or
// expired role stops working at once).
type registrar struct {
	AccountID string
	Office    string
	Code      string
	Roles     []string
	session   identity.RegistrarSession
}

func (m *registrar) Has(role string) bool { return slices.Contains(m.Roles, role) }

// CanOperate: operators and supervisors serve citizens at the desk.
func (m *registrar) CanOperate() bool {
	return m.Has(identity.RoleOperator) || m.Has(identity.RoleSupervisor)
}

// CanApprove: supervisors decide requests.
func (m *registrar) CanApprove() bool { return m.Has(identity.RoleSupervisor) }

// mainRole is the role recorded in the audit for an action.
func (m *registrar) mainRole(need string) string {
	if m.Has(need) {
		return need
	}
	return m.Roles[0]
}

// clientIP is the peer address (a forwarded header is not trusted, as in
// consent-ui).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

var vietnamTime = time.FixedZone("ICT", 7*60*60)

func localTime(t time.Time) string { return t.In(vietnamTime).Format("02/01/2006 15:04:05") }

func localized(e identity.LocalizedError, lang string) string {
	if lang == langEN {
		return e.MessageEN()
	}
	return e.MessageVI()
}
