// Package portal is the example relying party: the Education Ministry's
// exam-registration portal, which lets a candidate log in with the
// national e-ID and prefills the registration form from the released claims.
package portal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// defaultScopes is openid alone: the form's claims are asked for one by
// one through the claims parameter (see FormClaims), so the portal asks
// for no more than the form uses.
var defaultScopes = []string{oidc.ScopeOpenID}

// Config configures the portal.
type Config struct {
	Issuer       string // the provider's issuer URL, exactly as it publishes it
	ClientID     string
	ClientSecret string
	RedirectURL  string   // this portal's /callback as registered with the provider
	Scopes       []string // nil means "openid"
	// Claims is the claims request parameter (OIDC Core §5.5) sent with
	// every login; nil means FormClaims(), the claims the form uses. A
	// request with no members sends no claims parameter.
	Claims *ClaimsRequest
	// HTTPClient is used for discovery, the token and userinfo calls and
	// the JWKS; nil means an HTTP client carried by New's context, if any,
	// else http.DefaultClient.
	HTTPClient *http.Client
	// SecureCookies marks cookies Secure (and __Host-); set it behind HTTPS.
	SecureCookies bool
	// Logger receives operational logs, never personal data or tokens;
	// nil means slog.Default().
	Logger *slog.Logger
}

const (
	loginTTL        = 10 * time.Minute
	sessionTTL      = time.Hour // time enough to fill in the form
	maxEntries      = 10000
	outboundTimeout = 15 * time.Second
)

// Portal is the portal's http.Handler.
type Portal struct {
	cfg      Config
	client   *http.Client
	log      *slog.Logger
	mux      *http.ServeMux
	logins   *store[pendingLogin]
	sessions *store[session]

	loginCookie, sessionCookie string
	// claimsParam is the JSON of Config.Claims, or empty for none.
	claimsParam string

	// now is the clock: "today" for the 18-month residence rule.
	now func() time.Time

	mu   sync.Mutex
	disc *discovered // nil until discovery first succeeds
}

type pendingLogin struct {
	State, Nonce, Verifier string
}

type session struct {
	Claims map[string]any
	CSRF   string
}

// discovered is what the provider's discovery document gives us.
type discovered struct {
	provider *oidc.Provider
	oauth    *oauth2.Config
	verifier *oidc.IDTokenVerifier
	// issRequired: the provider promised the iss parameter (RFC 9207 §3).
	issRequired bool
}

// New returns the portal. It makes no network call: the provider may start
// after the portal, so discovery happens on the first login, is retried
// while it fails and is kept once it succeeds. ctx supplies values only.
func New(ctx context.Context, cfg Config) (*Portal, error) {
	var missing []string
	for name, v := range map[string]string{"Issuer": cfg.Issuer, "ClientID": cfg.ClientID, "ClientSecret": cfg.ClientSecret, "RedirectURL": cfg.RedirectURL} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, fmt.Errorf("portal: missing configuration: %v", missing)
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = defaultScopes
	}
	cfg.Scopes = slices.Clone(cfg.Scopes)
	if !slices.Contains(cfg.Scopes, oidc.ScopeOpenID) {
		return nil, errors.New("portal: scopes must include openid")
	}
	if cfg.Claims == nil {
		cfg.Claims = FormClaims()
	}
	var claimsParam string
	if !cfg.Claims.empty() {
		b, err := json.Marshal(cfg.Claims)
		if err != nil {
			return nil, fmt.Errorf("portal: claims request: %w", err)
		}
		claimsParam = string(b)
	}
	p := &Portal{
		cfg:           cfg,
		claimsParam:   claimsParam,
		client:        cfg.HTTPClient,
		log:           cfg.Logger,
		loginCookie:   "exam_portal_login",
		sessionCookie: "exam_portal_session",
		now:           time.Now,
	}
	if p.client == nil {
		p.client, _ = ctx.Value(oauth2.HTTPClient).(*http.Client)
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	if cfg.SecureCookies {
		// __Host- cookies are Secure, host-only and Path=/ by rule.
		p.loginCookie = "__Host-" + p.loginCookie
		p.sessionCookie = "__Host-" + p.sessionCookie
	}
	p.logins = newStore[pendingLogin](loginTTL, maxEntries, time.Now)
	p.sessions = newStore[session](sessionTTL, maxEntries, time.Now)

	p.mux = http.NewServeMux()
	p.mux.HandleFunc("GET /{$}", p.home)
	p.mux.HandleFunc("GET /login", p.login)
	p.mux.HandleFunc("GET /callback", p.callback)
	p.mux.HandleFunc("GET /form", p.form)
	p.mux.HandleFunc("POST /form", p.submit)
	p.mux.HandleFunc("POST /logout", p.logout)
	return p, nil
}

// ServeHTTP implements http.Handler.
func (p *Portal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// Pages carry personal data and the callback URL carries a code:
	// nothing is cached and no Referer leaves the portal.
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	p.mux.ServeHTTP(w, r)
}

// outbound returns a context for calls to the provider: bounded in time,
// cancelled with the request, and carrying the configured HTTP client.
func (p *Portal) outbound(r *http.Request) (context.Context, context.CancelFunc) {
	ctx := r.Context()
	if p.client != nil {
		ctx = oidc.ClientContext(ctx, p.client)
	}
	return context.WithTimeout(ctx, outboundTimeout)
}

// discover returns the provider's configuration, fetching it on first use.
// A failure is not cached, so the next login tries again.
func (p *Portal) discover(ctx context.Context) (*discovered, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.disc != nil {
		return p.disc, nil
	}
	prov, err := oidc.NewProvider(ctx, p.cfg.Issuer)
	if err != nil {
		return nil, err
	}
	var meta struct {
		IssParam    bool     `json:"authorization_response_iss_parameter_supported"`
		AuthMethods []string `json:"token_endpoint_auth_methods_supported"`
	}
	if err := prov.Claims(&meta); err != nil {
		return nil, err
	}
	ep := prov.Endpoint()
	ep.AuthStyle, err = authStyle(meta.AuthMethods)
	if err != nil {
		return nil, err
	}
	p.disc = &discovered{
		provider: prov,
		oauth: &oauth2.Config{
			ClientID:     p.cfg.ClientID,
			ClientSecret: p.cfg.ClientSecret,
			Endpoint:     ep,
			RedirectURL:  p.cfg.RedirectURL,
			Scopes:       p.cfg.Scopes,
		},
		verifier:    prov.Verifier(&oidc.Config{ClientID: p.cfg.ClientID}),
		issRequired: meta.IssParam,
	}
	p.log.Info("provider discovered", "issuer", p.cfg.Issuer)
	return p.disc, nil
}

// authStyle picks the client authentication the provider advertises, so
// the token call is not tried twice as with auto-detection. An absent list
// means client_secret_basic (OpenID Connect Discovery §3).
func authStyle(methods []string) (oauth2.AuthStyle, error) {
	switch {
	case len(methods) == 0, slices.Contains(methods, "client_secret_basic"):
		return oauth2.AuthStyleInHeader, nil
	case slices.Contains(methods, "client_secret_post"):
		return oauth2.AuthStyleInParams, nil
	}
	return 0, fmt.Errorf("portal: provider supports neither client_secret_basic nor client_secret_post: %v", methods)
}
