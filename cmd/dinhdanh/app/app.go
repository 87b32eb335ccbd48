// Package app wires dinhdanh together: storage, keys, the protocol and the
// pages. cmd/dinhdanh and the end-to-end tests build the same server here.
package app

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	consentui "github.com/dinhdanh/dinhdanh/consent-ui"
	"github.com/dinhdanh/dinhdanh/identity"
	"github.com/dinhdanh/dinhdanh/keys"
	"github.com/dinhdanh/dinhdanh/provider"
	"github.com/dinhdanh/dinhdanh/storage"
)

var _ provider.Store = (*storage.Store)(nil)

// Options configure an App.
type Options struct {
	Issuer         string
	DatabaseURL    string
	MasterKey      []byte // 32 bytes
	Dev            bool
	Logger         *slog.Logger
	Now            func() time.Time
	PasswordParams identity.PasswordParams
	// MaxConcurrentHashes caps argon2id memory use (default 8).
	MaxConcurrentHashes int
	// SMS sends messages; defaults to a log sender.
	SMS identity.SMSSender
	// AuthCodeLifespan overrides the authorization code lifetime (tests).
	AuthCodeLifespan time.Duration
	// ThrottlePolicy defaults to identity.DefaultThrottlePolicy.
	ThrottlePolicy identity.ThrottlePolicy
	// InitialPasswordLifetime defaults to 30 days.
	InitialPasswordLifetime time.Duration
	// Email delivers notices by e-mail; defaults to a log sender.
	Email identity.EmailSender
	// DevicePollInterval is the device grant's polling interval in
	// seconds (default 5; tests use 1).
	DevicePollInterval int
}

// App is a running dinhdanh, minus the listener.
type App struct {
	Store    *storage.Store
	Keys     *keys.Manager
	Auth     *identity.Authenticator
	OTP      *identity.OTPService
	TOTP     *identity.TOTPService
	Provider *provider.Provider
	// SMS delivers messages; requests never call it, they queue in Outbox.
	SMS       identity.SMSSender
	Outbox    *identity.Outbox
	Assurance *identity.Assurance
	Notifier  *identity.Notifier
	Secrets   Secrets
	handler   http.Handler
	log       *slog.Logger
	stop      context.CancelFunc
	stopped   chan struct{}
}

// Secrets are the keys derived from the master key, one per purpose, so
// no key is ever used for two things (HKDF, RFC 5869).
type Secrets struct {
	Tokens        []byte
	Pairwise      []byte
	ClientSecrets []byte
	CSRF          []byte
	OTP           []byte
	Throttle      []byte
	TOTP          []byte
	Outbox        []byte
}

// DeriveSecrets derives the per-purpose keys from the master key.
func DeriveSecrets(master []byte) (Secrets, error) {
	if len(master) != 32 {
		return Secrets{}, errors.New("master key must be 32 bytes")
	}
	d := func(label string) ([]byte, error) {
		return hkdf.Key(sha256.New, master, nil, "dinhdanh/"+label, 32)
	}
	var s Secrets
	var err error
	if s.Tokens, err = d("tokens"); err != nil {
		return s, err
	}
	if s.Pairwise, err = d("pairwise-subject"); err != nil {
		return s, err
	}
	if s.ClientSecrets, err = d("client-secrets"); err != nil {
		return s, err
	}
	if s.CSRF, err = d("csrf"); err != nil {
		return s, err
	}
	if s.OTP, err = d("otp"); err != nil {
		return s, err
	}
	if s.Throttle, err = d("throttle"); err != nil {
		return s, err
	}
	if s.TOTP, err = d("totp"); err != nil {
		return s, err
	}
	s.Outbox, err = d("outbox")
	return s, err
}

// OpenStore opens and migrates the database.
func OpenStore(ctx context.Context, url string, now func() time.Time) (*storage.Store, error) {
	st, err := storage.Open(ctx, url, storage.Options{Now: now})
	if err != nil {
		return nil, fmt.Errorf("opening database: %w", err)
	}
	if err := st.Migrate(ctx); err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("migrating database: %w", err)
	}
	return st, nil
}

// New opens the store, makes sure signing keys exist and builds the HTTP
// handler.
func New(ctx context.Context, o Options) (*App, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PasswordParams == (identity.PasswordParams{}) {
		o.PasswordParams = identity.DefaultPasswordParams
	}
	if o.ThrottlePolicy == (identity.ThrottlePolicy{}) {
		o.ThrottlePolicy = identity.DefaultThrottlePolicy
	}
	if o.MaxConcurrentHashes == 0 {
		o.MaxConcurrentHashes = 8
	}
	secrets, err := DeriveSecrets(o.MasterKey)
	if err != nil {
		return nil, err
	}
	st, err := OpenStore(ctx, o.DatabaseURL, o.Now)
	if err != nil {
		return nil, err
	}
	a := &App{Store: st, Secrets: secrets, log: o.Logger}
	fail := func(err error) (*App, error) { _ = st.Close(); return nil, err }

	if a.Keys, err = keys.NewManager(st, o.MasterKey, keys.Options{Now: o.Now}); err != nil {
		return fail(err)
	}
	if err := a.Keys.EnsureKeys(ctx); err != nil {
		return fail(fmt.Errorf("signing keys: %w", err))
	}
	throttle := identity.NewThrottle(st, st, o.ThrottlePolicy, secrets.Throttle)
	if a.Auth, err = identity.NewAuthenticator(identity.AuthenticatorConfig{
		Accounts: st, Citizens: st, Throttle: throttle, Params: o.PasswordParams, MaxConcurrent: o.MaxConcurrentHashes, Now: o.Now,
		InitialPasswordLifetime: o.InitialPasswordLifetime, Tokens: st,
	}); err != nil {
		return fail(err)
	}
	a.SMS = o.SMS
	if a.SMS == nil {
		a.SMS = identity.NewLogSMSSender(o.Logger)
	}
	var devSMS identity.DevOutbox
	if ls, ok := a.SMS.(*identity.LogSMSSender); ok && o.Dev {
		// --dev: messages go to the database too, so /dev/sms also shows
		// what the CLI sent (e.g. `accounts issue --dev`).
		ls.WithOutbox(st)
		devSMS = st
	}

	if o.Email == nil {
		o.Email = identity.NewLogEmailSender(o.Logger)
	}
	// Requests only queue messages (one insert, whether or not the ID
	// number has an account); the worker started below delivers them.
	if a.Outbox, err = identity.NewOutbox(identity.OutboxConfig{Store: st, Key: secrets.Outbox, SMS: a.SMS, Email: o.Email, Logger: o.Logger, Now: o.Now}); err != nil {
		return fail(err)
	}
	a.OTP = identity.NewOTPService(identity.OTPConfig{Store: st, Accounts: st, Citizens: st, SMS: a.Outbox, Key: secrets.OTP, Now: o.Now})

	if a.TOTP, err = identity.NewTOTPService(identity.TOTPConfig{Store: st, Key: secrets.TOTP, Issuer: "Định danh điện tử", Now: o.Now}); err != nil {
		return fail(err)
	}
	a.Assurance = identity.NewAssurance(identity.AssuranceConfig{Accounts: st, Holds: st, TOTP: a.TOTP, Audit: st, Now: o.Now})
	a.Notifier = identity.NewNotifier(st, st, a.Outbox, a.Outbox)

	var pages *consentui.Handler
	a.Provider, err = provider.New(provider.Config{
		Issuer:             o.Issuer,
		GlobalSecret:       secrets.Tokens,
		PairwiseKey:        secrets.Pairwise,
		SecretKey:          secrets.ClientSecrets,
		AuthCodeLifespan:   o.AuthCodeLifespan,
		DevicePollInterval: o.DevicePollInterval,
		Notify:             a.Notifier.Notify,
		Now:                o.Now,
		Logger:             o.Logger,
		ErrorPage: func(w http.ResponseWriter, r *http.Request, status int, code, description string) {
			pages.ErrorPage(w, r, status, code, description)
		},
	}, st, a.Keys)
	if err != nil {
		return fail(err)
	}
	pages, err = consentui.New(consentui.Config{
		Flow:        a.Provider,
		Device:      a.Provider,
		Logout:      a.Provider,
		Auth:        a.Auth,
		OTP:         a.OTP,
		TOTP:        a.TOTP,
		Assurance:   a.Assurance,
		Notifier:    a.Notifier,
		Throttle:    throttle,
		Sessions:    st,
		Reset:       a.Provider,
		Disclosures: st,
		Records:     st,
		CSRFKey:     secrets.CSRF,
		Secure:      a.Provider.SecureCookies(),
		Logger:      o.Logger,
		DevSMS:      devSMS,
		Now:         o.Now,
	})
	if err != nil {
		return fail(err)
	}
	a.Provider.SetLogoutPages(pages)
	r := mux.NewRouter()
	a.Provider.Mount(r)
	pages.Mount(r)
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pages.ErrorPage(w, r, http.StatusNotFound, "not_found", "")
	})
	// The access log sees the final status, after withFaults replaced an
	// error caused by an unreachable database with a 503.
	a.handler = withHSTS(a.Provider.SecureCookies(), withAccessLog(o.Logger, withFaults(pages.ErrorPage, withRecovery(o.Logger, r))))
	var runCtx context.Context
	runCtx, a.stop = context.WithCancel(context.Background())
	a.stopped = make(chan struct{})
	go func() {
		defer close(a.stopped)
		a.Outbox.Run(runCtx)
	}()
	return a, nil
}

// Handler is the whole HTTP surface.
func (a *App) Handler() http.Handler { return a.handler }

// Close stops the outbox worker (a message it held is leased and will be
// delivered by another node or the next start) and releases the database.
func (a *App) Close() error {
	a.stop()
	<-a.stopped
	return a.Store.Close()
}
