// Package provider is the OAuth 2.0 / OpenID Connect protocol: fosite
// composed in one place, the endpoints, the scope → claims policy and
// pairwise subjects. It renders no HTML of its own: pages come from
// consent-ui through the ErrorPage callback and the login/consent URLs.
package provider

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/mux"
	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"github.com/ory/fosite/handler/oauth2"
	"github.com/ory/fosite/handler/openid"
	"github.com/ory/fosite/handler/pkce"
	fositestorage "github.com/ory/fosite/storage"

	"github.com/dinhdanh/dinhdanh/identity"
	"github.com/dinhdanh/dinhdanh/keys"
)

// Store is everything the provider needs from storage. storage.Store
// satisfies it; the check is at compile time in cmd/.
type Store interface {
	fosite.ClientManager
	oauth2.CoreStorage
	oauth2.TokenRevocationStorage
	pkce.PKCERequestStorage
	openid.OpenIDConnectRequestStorage
	fosite.PARStorage
	fositestorage.Transactional
	DeviceStore

	identity.AccountStore
	identity.CitizenStore
	identity.ConsentStore
	identity.SessionStore
	identity.InteractionStore
	identity.ClientStore
	identity.DisclosureStore

	AddSessionClient(ctx context.Context, sessionID, clientID string, at time.Time) error
	ListSessionClients(ctx context.Context, sessionID string) ([]string, error)

	Ping(ctx context.Context) error
}

// ErrorPage renders an error for a person (HTML, in their language). The
// provider uses it where the protocol forbids redirecting: an unknown
// client or a redirect URI that is not registered (RFC 6749 §4.1.2.1).
type ErrorPage func(w http.ResponseWriter, r *http.Request, status int, code, description string)

// Config holds the provider's settings. Secrets are derived from the
// master key by the caller.
type Config struct {
	Issuer       string
	GlobalSecret []byte // ≥32 bytes, HMAC key for opaque tokens
	PairwiseKey  []byte
	SecretKey    []byte // HMAC key for client secrets

	AccessTokenLifespan  time.Duration
	RefreshTokenLifespan time.Duration
	IDTokenLifespan      time.Duration
	AuthCodeLifespan     time.Duration
	SessionLifespan      time.Duration // absolute
	SessionIdle          time.Duration // ends a session unused this long
	InteractionLifespan  time.Duration

	// DevicePollInterval is the device grant's polling interval in
	// seconds (RFC 8628 §3.2 interval; default 5).
	DevicePollInterval int
	// Notify queues a notice to a citizen (identity.Notifier.Notify); nil:
	// none.
	Notify func(ctx context.Context, accountID, kind, detail string) error

	Now       func() time.Time
	Logger    *slog.Logger
	ErrorPage ErrorPage
}

func (c *Config) defaults() {
	if c.AccessTokenLifespan == 0 {
		c.AccessTokenLifespan = 15 * time.Minute
	}
	if c.RefreshTokenLifespan == 0 {
		c.RefreshTokenLifespan = 30 * 24 * time.Hour
	}
	if c.IDTokenLifespan == 0 {
		c.IDTokenLifespan = 15 * time.Minute
	}
	if c.AuthCodeLifespan == 0 {
		c.AuthCodeLifespan = time.Minute
	}
	if c.SessionLifespan == 0 {
		c.SessionLifespan = 8 * time.Hour
	}
	if c.SessionIdle == 0 {
		c.SessionIdle = time.Hour
	}
	if c.InteractionLifespan == 0 {
		c.InteractionLifespan = 30 * time.Minute
	}
	if c.DevicePollInterval <= 0 {
		c.DevicePollInterval = 5
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Provider serves the protocol endpoints.
type Provider struct {
	cfg         Config
	store       Store
	keys        *keys.Manager
	oauth       fosite.OAuth2Provider
	fosite      *fosite.Fosite // the same, for client authentication and introspection
	discovery   []byte
	logoutPages LogoutPages
	cookies     Cookies
	deviceKey   []byte // HMAC key of stored device and user codes
}

// Paths of the pages and of the resume step. Integrators find the
// protocol endpoints through discovery, never from these constants.
const (
	pathAuthorize  = "/oauth2/auth"
	pathContinue   = "/oauth2/auth/continue"
	pathToken      = "/oauth2/token"
	pathUserinfo   = "/userinfo"
	pathRevoke     = "/oauth2/revoke"
	pathIntrospect = "/oauth2/introspect"
	pathPAR        = "/oauth2/par"
	pathJWKS       = "/jwks.json"
	pathDiscovery  = "/.well-known/openid-configuration"
	pathASMetadata = "/.well-known/oauth-authorization-server" // RFC 8414 §3
	pathLogout     = "/oauth2/logout"

	PathLogin    = "/login"
	PathConsent  = "/consent"
	PathPassword = "/password"
	PathOTP      = "/otp"
)

// New composes fosite with our storage, token strategy and signer.
func New(cfg Config, store Store, km *keys.Manager) (*Provider, error) {
	cfg.defaults()
	fc := &fosite.Config{
		IDTokenIssuer:         cfg.Issuer,
		AccessTokenIssuer:     cfg.Issuer,
		AccessTokenLifespan:   cfg.AccessTokenLifespan,
		RefreshTokenLifespan:  cfg.RefreshTokenLifespan,
		IDTokenLifespan:       cfg.IDTokenLifespan,
		AuthorizeCodeLifespan: cfg.AuthCodeLifespan,
		GlobalSecret:          cfg.GlobalSecret,
		TokenURL:              cfg.Issuer + pathToken,
		// PKCE with S256 for every client (RFC 7636; OAuth 2.1 §7.5.1).
		EnforcePKCE:                    true,
		EnablePKCEPlainChallengeMethod: false,
		// Refresh tokens only with offline_access (OIDC Core §11).
		RefreshTokenScopes:       []string{"offline_access"},
		ScopeStrategy:            fosite.ExactScopeStrategy,
		AudienceMatchingStrategy: fosite.DefaultAudienceMatchingStrategy,
		ClientSecretsHasher:      SecretHasher{Key: cfg.SecretKey},
		// state is optional and any nonce is acceptable (RFC 6749 §4.1.1,
		// OIDC Core §3.1.2.1); fosite treats 0 as its default of 8, so -1
		// turns its length rule off (state/nonce are bounded by paramLimits).
		// Any nonce is acceptable (OIDC Core §3.1.2.1) and state is
		// optional (RFC 6749 §4.1.1): fosite's length rule is off for the
		// nonce (-1, as 0 means its default 8); for state see noState.
		// Both are bounded by paramLimits instead.
		MinParameterEntropy:             -1,
		AllowedPromptValues:             []string{"login", "none", "consent"},
		PushedAuthorizeContextLifespan:  90 * time.Second,
		PushedAuthorizeRequestURIPrefix: parRequestURIPrefix,
		SendDebugMessagesToClients:      false,
		RedirectSecureChecker:           fosite.IsRedirectURISecureStrict,
	}
	signer := km.Signer("RS256")
	p := &Provider{cfg: cfg, store: store, keys: km, cookies: CookiesFor(cfg.Issuer)}
	var err error
	if p.deviceKey, err = hkdf.Key(sha256.New, cfg.GlobalSecret, nil, "dinhdanh/device-codes", 32); err != nil {
		return nil, err
	}
	fc.ClientAuthenticationStrategy = p.authenticateClient
	strategy := &compose.CommonStrategy{
		CoreStrategy:               compose.NewOAuth2HMACStrategy(fc),
		OpenIDConnectTokenStrategy: &idTokenStrategy{inner: &openid.DefaultStrategy{Signer: signer, Config: fc}, p: p},
		Signer:                     signer,
	}
	p.oauth = compose.Compose(fc, fositeStore{store}, strategy,
		compose.OAuth2AuthorizeExplicitFactory,
		compose.OAuth2ClientCredentialsGrantFactory,
		compose.OAuth2RefreshTokenGrantFactory,
		compose.OpenIDConnectExplicitFactory,
		compose.OpenIDConnectRefreshFactory,
		compose.OAuth2TokenIntrospectionFactory,
		compose.OAuth2TokenRevocationFactory,
		compose.OAuth2PKCEFactory,
		compose.PushedAuthorizeHandlerFactory,
	)
	p.fosite = p.oauth.(*fosite.Fosite)
	// After fosite's refresh handlers, which grant the original scope.
	fc.TokenEndpointHandlers.Append(refreshScopeHandler{})
	fc.TokenEndpointHandlers.Append(&deviceGrantHandler{p: p, store: store, tokens: strategy.CoreStrategy,
		storage: fositeStore{store}, tx: store, idTokens: strategy.OpenIDConnectTokenStrategy})
	if p.discovery, err = p.buildDiscovery(); err != nil {
		return nil, err
	}
	return p, nil
}

// Mount registers the protocol endpoints on r.
func (p *Provider) Mount(r *mux.Router) {
	r.HandleFunc(pathDiscovery, p.handleDiscovery).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc(pathASMetadata, p.handleDiscovery).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc(pathJWKS, p.handleJWKS).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc(pathAuthorize, p.handleAuthorize).Methods(http.MethodGet, http.MethodPost)
	r.HandleFunc(pathContinue, p.handleContinue).Methods(http.MethodGet)
	r.HandleFunc(pathToken, p.withAuthChallenge(p.handleToken)).Methods(http.MethodPost)
	r.HandleFunc(pathUserinfo, p.handleUserinfo).Methods(http.MethodGet, http.MethodPost)
	r.HandleFunc(pathRevoke, p.withAuthChallenge(p.handleRevoke)).Methods(http.MethodPost)
	r.HandleFunc(pathIntrospect, p.withAuthChallenge(p.handleIntrospect)).Methods(http.MethodPost)
	r.HandleFunc(pathPAR, p.withAuthChallenge(p.handlePAR)).Methods(http.MethodPost)
	r.HandleFunc(pathDeviceAuthorization, p.withAuthChallenge(p.handleDeviceAuthorization)).Methods(http.MethodPost)
	r.HandleFunc(pathLogout, p.handleLogout).Methods(http.MethodGet, http.MethodPost)
	r.HandleFunc("/healthz", p.handleHealthz).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/readyz", p.handleReadyz).Methods(http.MethodGet, http.MethodHead)
}

// Issuer returns the configured issuer URL.
func (p *Provider) Issuer() string { return p.cfg.Issuer }

// SecureCookies reports whether cookies get the Secure attribute and the
// __Host- prefix: always when the issuer is https (see Cookies).
func (p *Provider) SecureCookies() bool { return p.cookies.Secure }

func (p *Provider) handleHealthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

func (p *Provider) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := p.store.Ping(ctx); err != nil {
		p.cfg.Logger.Warn("readiness check failed", "err", err)
		SetRetryAfter(w.Header())
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database unreachable\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}
