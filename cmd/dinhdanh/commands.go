package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dinhdanh/dinhdanh/cmd/dinhdanh/app"
	"github.com/dinhdanh/dinhdanh/identity"
	"github.com/dinhdanh/dinhdanh/keys"
	"github.com/dinhdanh/dinhdanh/provider"
	"github.com/dinhdanh/dinhdanh/storage"
)

// smsSender returns the configured SMS sender.
func smsSender(c config) (identity.SMSSender, error) {
	if c.SMS == "" || c.SMS == "log" {
		return identity.NewLogSMSSender(newLogger()), nil
	}
	// The URL and token may hold credentials: errors never quote them.
	if !strings.HasPrefix(c.SMS, "https://") && !strings.HasPrefix(c.SMS, "http://") {
		return nil, errors.New("DINHDANH_SMS must be \"log\" or an http(s) URL of an SMS gateway")
	}
	if c.SMSToken == "" {
		return nil, errors.New("DINHDANH_SMS is a gateway URL: its bearer token is required (DINHDANH_SMS_TOKEN, sms_token or --sms-token)")
	}
	s, err := identity.NewHTTPSMSSender(identity.HTTPSMSConfig{URL: c.SMS, Token: c.SMSToken, Logger: newLogger()})
	if err != nil {
		return nil, fmt.Errorf("DINHDANH_SMS: %w", err)
	}
	return s, nil
}

func openApp(ctx context.Context, g *globalFlags, dev bool) (*app.App, config, error) {
	c, err := g.resolve()
	if err != nil {
		return nil, c, err
	}
	mk, err := c.masterKey()
	if err != nil {
		return nil, c, err
	}
	sms, err := smsSender(c)
	if err != nil {
		return nil, c, err
	}
	lifetime, err := c.initialPasswordLifetime()
	if err != nil {
		return nil, c, err
	}
	a, err := app.New(ctx, app.Options{Issuer: c.Issuer, DatabaseURL: c.DatabaseURL, MasterKey: mk, Dev: dev, Logger: newLogger(), SMS: sms,
		InitialPasswordLifetime: lifetime})
	return a, c, err
}

func serveCommand(g *globalFlags) *cobra.Command {
	var dev bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run migrations if needed, then serve the provider",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if c, err := g.resolve(); err == nil && dev && strings.HasPrefix(c.Issuer, "https://") {
				return errors.New("--dev shows sent passwords and codes: refusing it with an https (production) issuer")
			}
			a, c, err := openApp(cmd.Context(), g, dev)
			if err != nil {
				return err
			}
			defer a.Close()
			return serve(cmd.Context(), c.Listen, a.Handler(), a)
		},
	}
	cmd.Flags().BoolVar(&dev, "dev", false, "development mode: show sent SMS at /dev/sms")
	return cmd
}

// serve listens until ctx ends (SIGINT/SIGTERM), then drains requests.
func serve(ctx context.Context, addr string, h http.Handler, a *app.App) error {
	srv := &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log := newLogger()
	log.Info("serving", "addr", addr)
	if a != nil {
		go maintain(ctx, a)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "addr", addr)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

// maintain keeps a serving node in step with the shared database: it
// reloads signing keys every minute (another process may have rotated
// them) and purges expired codes, tokens and sessions every ten.
func maintain(ctx context.Context, a *app.App) {
	reload := time.NewTicker(time.Minute)
	purge := time.NewTicker(10 * time.Minute)
	defer reload.Stop()
	defer purge.Stop()
	log := newLogger()
	for {
		select {
		case <-ctx.Done():
			return
		case <-reload.C:
			if err := a.Keys.Load(ctx); err != nil {
				log.Warn("reloading signing keys failed", "err", err)
			}
		case <-purge.C:
			// Interim until the jobs/ janitor is wired: bounded batches,
			// an hour after expiry; never the disclosure log or audit
			// events; sessions end through the provider, with back-channel logout.
			for range 100 {
				n, err := a.Provider.EndExpiredSessions(ctx, 500)
				if err != nil {
					log.Warn("ending expired sessions failed", "err", err)
				}
				if err != nil || n < 500 {
					break
				}
			}
			for _, kind := range storage.PurgeKinds() {
				if kind == storage.PurgeDisclosures || kind == storage.PurgeAuditEvents {
					continue
				}
				for range 100 {
					n, err := a.Store.PurgeExpired(ctx, kind, time.Now().Add(-time.Hour), 500)
					if err != nil {
						log.Warn("purging expired records failed", "kind", kind, "err", err)
					}
					if err != nil || n < 500 {
						break
					}
				}
			}
		}
	}
}

func migrateCommand(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply database migrations and exit",
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.resolve()
			if err != nil {
				return err
			}
			st, err := app.OpenStore(cmd.Context(), c.DatabaseURL, time.Now)
			if err != nil {
				return err
			}
			defer st.Close()
			return output(g, cmd, map[string]any{"migrated": true}, "database is up to date\n")
		},
	}
}

func citizensCommand(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "citizens", Short: "Manage citizen records"}
	cmd.AddCommand(&cobra.Command{
		Use:   "import FILE.csv",
		Short: "Validate a registrar's CSV file and upsert its good rows",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.resolve()
			if err != nil {
				return err
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			good, rejected, err := identity.ParseCitizensCSV(f, time.Now())
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			st, err := app.OpenStore(cmd.Context(), c.DatabaseURL, time.Now)
			if err != nil {
				return err
			}
			defer st.Close()
			for i := range good {
				good[i].Source = "import:" + baseName(args[0])
			}
			inserted, updated, unchanged, err := st.UpsertCitizens(cmd.Context(), good)
			if err != nil {
				return fmt.Errorf("nothing was imported: %w", err)
			}
			type rowOut struct {
				Line     int    `json:"line"`
				Reason   string `json:"reason"`
				ReasonVI string `json:"reason_vi"`
			}
			rows := make([]rowOut, 0, len(rejected))
			var b strings.Builder
			fmt.Fprintf(&b, "%d inserted, %d updated, %d unchanged, %d rejected\n", inserted, updated, unchanged, len(rejected))
			for _, r := range rejected {
				rows = append(rows, rowOut{r.Line, r.Reason, r.ReasonVI})
				fmt.Fprintf(&b, "line %d: %s\n", r.Line, r.Reason)
			}
			// Data-quality warnings (DOMAIN.md): imported all the same,
			// since numbers can be cancelled and reissued.
			warnings := []map[string]string{}
			for _, c := range good {
				pin, err := identity.ParsePIN(c.PIN)
				if err != nil {
					continue
				}
				for _, w := range pin.CheckAgainst(c.Birthdate, c.Gender) {
					// Masked: import output gets pasted into tickets and logs.
					masked := "********" + c.PIN[len(c.PIN)-4:]
					warnings = append(warnings, map[string]string{"id_number": masked, "warning": w})
					fmt.Fprintf(&b, "warning: ID number %s: %s\n", masked, w)
				}
			}
			if err := output(g, cmd, map[string]any{"inserted": inserted, "updated": updated, "unchanged": unchanged, "rejected": rows, "warnings": warnings}, b.String()); err != nil {
				return err
			}
			if len(rejected) > 0 {
				return fmt.Errorf("%d rows rejected (the valid rows were imported)", len(rejected))
			}
			return nil
		},
	})
	return cmd
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

func accountsCommand(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "accounts", Short: "Manage e-ID accounts"}
	var password string
	var level int
	var issueDev bool
	issue := &cobra.Command{
		Use:   "issue ID_NUMBER",
		Short: "Issue an account; without --password one is generated and sent by SMS",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, _, err := openApp(cmd.Context(), g, issueDev)
			if err != nil {
				return err
			}
			defer a.Close()
			ctx := cmd.Context()
			generated := password == ""
			acc, pw, err := a.Auth.Issue(ctx, args[0], password, identity.Level(level))
			switch {
			case errors.Is(err, identity.ErrAlreadyExists):
				return errors.New("this citizen already has an account")
			case errors.Is(err, identity.ErrNotFound):
				return errors.New("no citizen record with this ID number: import it first")
			case err != nil:
				return err
			}
			expires := acc.PasswordChangedAt.Add(a.Auth.InitialPasswordLifetime()).UTC()
			out := map[string]any{"account_id": acc.ID, "level": int(acc.Level), "must_change_password": true, "initial_password_expires": expires.Format(time.RFC3339)}
			text := fmt.Sprintf("account %s issued (level %d); the first login must change the password, before %s\n", acc.ID, acc.Level, expires.Format(time.RFC3339))
			if generated {
				cit, err := a.Store.GetCitizen(ctx, acc.PIN)
				if err != nil {
					return err
				}
				if cit.Phone == "" {
					return fmt.Errorf("account %s issued but the citizen has no phone number: reset the password when one is recorded", acc.ID)
				}
				msg := identity.InitialPasswordMessage(pw, a.Auth.InitialPasswordLifetime())
				if err := a.Outbox.Send(ctx, cit.Phone, msg); err != nil {
					return fmt.Errorf("account %s issued but the SMS could not be queued: %w", acc.ID, err)
				}
				// Delivered now if the gateway answers; else a server's
				// worker retries it from the outbox.
				dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				err = a.Outbox.Drain(dctx)
				cancel()
				if err != nil {
					text += "the SMS is queued; a running server will deliver it\n"
				}
				out["sms_sent_to"] = identity.MaskPhone(cit.Phone)
				text += "password sent by SMS to " + identity.MaskPhone(cit.Phone) + "\n"
			}
			return output(g, cmd, out, text)
		},
	}
	issue.Flags().StringVar(&password, "password", "", "initial password (default: generate and send by SMS)")
	issue.Flags().IntVar(&level, "level", 1, "account level, 1 or 2")
	issue.Flags().BoolVar(&issueDev, "dev", false, "development: also put the SMS in the outbox shown at /dev/sms")
	cmd.AddCommand(issue, unlockCommand(g), verifyCommand(g), levelCommand(g))
	return cmd
}

// parsePINArg reads an ID number given on the command line, saying what
// is wrong with it (DOMAIN.md rules).
func parsePINArg(arg string) (identity.PIN, error) {
	pin, err := identity.ParsePIN(arg)
	var pe *identity.PINError
	if errors.As(err, &pe) {
		return pin, errors.New("invalid ID number: " + pe.MessageEN())
	}
	return pin, err
}

// accountByPIN finds the account of an ID number for the registrar
// commands; the number itself is never printed.
func accountByPIN(ctx context.Context, st interface {
	GetAccountByPIN(context.Context, string) (identity.Account, error)
}, number string) (identity.Account, error) {
	acc, err := st.GetAccountByPIN(ctx, number)
	if errors.Is(err, identity.ErrNotFound) {
		return acc, errors.New("no account for this ID number")
	}
	return acc, err
}

// unlockCommand is the registrar's manual unlock of an account locked
// after repeated failed logins. The ID number is never printed: the
// account is named by its internal id, as in the logs.
func unlockCommand(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "unlock ID_NUMBER",
		Short: "Unlock an account locked after repeated failed logins",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pin, err := parsePINArg(args[0])
			if err != nil {
				return err
			}
			c, secrets, err := g.resolveWithSecrets()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			st, err := app.OpenStore(ctx, c.DatabaseURL, time.Now)
			if err != nil {
				return err
			}
			defer st.Close()
			acc, err := accountByPIN(ctx, st, pin.Number)
			if err != nil {
				return err
			}
			throttle := identity.NewThrottle(st, st, identity.DefaultThrottlePolicy, secrets.Throttle)
			if err := throttle.Unlock(ctx, pin.Number, acc.ID, time.Now()); err != nil {
				return err
			}
			return output(g, cmd, map[string]any{"account_id": acc.ID, "unlocked": true}, fmt.Sprintf("account %s unlocked\n", acc.ID))
		},
	}
}

func clientsCommand(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "clients", Short: "Manage relying parties"}
	var spec provider.ClientSpec
	var scope string
	create := &cobra.Command{
		Use:   "create",
		Short: "Register a client; prints it, with the secret once",
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, secrets, err := g.resolveWithSecrets()
			if err != nil {
				return err
			}
			spec.Scopes = strings.Fields(scope)
			client, secret, err := provider.BuildClient(spec, secrets.ClientSecrets, time.Now())
			if err != nil {
				return err
			}
			st, err := app.OpenStore(cmd.Context(), c.DatabaseURL, time.Now)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.CreateClient(cmd.Context(), client); err != nil {
				if errors.Is(err, identity.ErrAlreadyExists) {
					return fmt.Errorf("a client with id %q already exists", client.ID)
				}
				return err
			}
			out := map[string]any{"client_id": client.ID, "name": client.Name, "redirect_uris": client.RedirectURIs,
				"grant_types": client.GrantTypes, "scope": strings.Join(client.Scopes, " "), "subject_type": client.SubjectType,
				"token_endpoint_auth_method": client.TokenEndpointAuthMethod}
			text := fmt.Sprintf("client %s registered\n", client.ID)
			if secret != "" {
				out["client_secret"] = secret
				text += "client_secret: " + secret + "\n(shown once: store it now)\n"
			}
			return output(g, cmd, out, text)
		},
	}
	f := create.Flags()
	f.StringVar(&spec.ID, "id", "", "client id")
	f.StringVar(&spec.Name, "name", "", "name shown to citizens")
	f.StringArrayVar(&spec.RedirectURIs, "redirect-uri", nil, "redirect URI (repeatable)")
	f.StringArrayVar(&spec.PostLogoutRedirectURIs, "post-logout-redirect-uri", nil, "post-logout redirect URI (repeatable)")
	f.StringVar(&spec.Secret, "secret", "", "client secret (≥43 characters; default: generated)")
	f.BoolVar(&spec.Public, "public", false, "public client (no secret; PKCE only)")
	f.StringVar(&spec.AuthMethod, "auth-method", "", "token_endpoint_auth_method: client_secret_basic (default) or client_secret_post")
	f.StringVar(&spec.JWKSURI, "jwks-uri", "", "JWKS URI for private_key_jwt")
	f.StringArrayVar(&spec.GrantTypes, "grant-type", nil, "grant type (repeatable; default authorization_code refresh_token)")
	f.StringVar(&scope, "scope", "", "space-separated scopes the client may request")
	f.BoolVar(&spec.PublicSubject, "public-subject", false, "release the account id as sub instead of a pairwise value")
	f.StringVar(&spec.LogoURI, "logo-uri", "", "https URL of the client's logo")
	f.StringVar(&spec.Purpose, "purpose", "", "stated purpose, shown on the consent page")
	f.StringVar(&spec.BackchannelLogoutURI, "backchannel-logout-uri", "", "where logout tokens are POSTed when a citizen's session ends")
	f.BoolVar(&spec.AllowOTPLogin, "allow-otp-login", false, "let citizens log in with ID number and an SMS code alone (level 1)")
	f.BoolVar(&spec.DeviceLevel2, "device-level2", false, "let the device grant ("+provider.GrantTypeDeviceCode+") reach level-2 documents")
	f.IntVar(&spec.MinLevel, "min-level", 0, "least authentication level for every login: 1 (password) or 2 (password and a code)")
	_ = create.MarkFlagRequired("id")
	_ = create.MarkFlagRequired("name")
	_ = create.MarkFlagRequired("scope")
	cmd.AddCommand(create)
	return cmd
}

func keysCommand(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "Manage signing keys"}
	cmd.AddCommand(&cobra.Command{
		Use:   "rotate",
		Short: "Create the next signing keys; the old ones stay published until their tokens expire",
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.resolve()
			if err != nil {
				return err
			}
			mk, err := c.masterKey()
			if err != nil {
				return err
			}
			st, err := app.OpenStore(cmd.Context(), c.DatabaseURL, time.Now)
			if err != nil {
				return err
			}
			defer st.Close()
			km, err := keys.NewManager(st, mk, keys.Options{})
			if err != nil {
				return err
			}
			recs, err := km.Rotate(cmd.Context())
			if err != nil {
				return err
			}
			var out []map[string]string
			var b strings.Builder
			for _, r := range recs {
				out = append(out, map[string]string{"kid": r.KID, "alg": r.Alg})
				fmt.Fprintf(&b, "new %s key %s\n", r.Alg, r.KID)
			}
			return output(g, cmd, out, b.String())
		},
	})
	return cmd
}

// verifyCommand records a registrar's in-person check (ID card and face)
// of a citizen who lost their second factors: SMS counts again for level
// 2, and --remove-authenticator drops a lost authenticator app and its
// recovery codes. Audited; the ID number is never printed.
func verifyCommand(g *globalFlags) *cobra.Command {
	var removeApp bool
	cmd := &cobra.Command{
		Use:   "verify ID_NUMBER",
		Short: "Record an in-person check: SMS counts again for level 2 after a reset by SMS",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pin, err := parsePINArg(args[0])
			if err != nil {
				return err
			}
			a, _, err := openApp(cmd.Context(), g, false)
			if err != nil {
				return err
			}
			defer a.Close()
			ctx := cmd.Context()
			acc, err := accountByPIN(ctx, a.Store, pin.Number)
			if err != nil {
				return err
			}
			if removeApp {
				if err := a.TOTP.Remove(ctx, acc.ID); err != nil && !errors.Is(err, identity.ErrNotFound) {
					return err
				}
			}
			if err := a.Assurance.VerifiedInPerson(ctx, acc.ID); err != nil {
				return err
			}
			return output(g, cmd, map[string]any{"account_id": acc.ID, "verified_in_person": true, "authenticator_removed": removeApp},
				fmt.Sprintf("account %s verified in person\n", acc.ID))
		},
	}
	cmd.Flags().BoolVar(&removeApp, "remove-authenticator", false, "also remove the citizen's (lost) authenticator app and recovery codes")
	return cmd
}

// levelCommand changes an account's level (Decree 69/2024: level 2 after
// an in-person enrolment); the citizen is told by SMS and e-mail.
func levelCommand(g *globalFlags) *cobra.Command {
	var level int
	cmd := &cobra.Command{
		Use:   "level ID_NUMBER --level 1|2",
		Short: "Change an account's level; the citizen is notified",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if level != 1 && level != 2 {
				return errors.New("--level must be 1 or 2")
			}
			pin, err := parsePINArg(args[0])
			if err != nil {
				return err
			}
			a, _, err := openApp(cmd.Context(), g, false)
			if err != nil {
				return err
			}
			defer a.Close()
			ctx := cmd.Context()
			acc, err := accountByPIN(ctx, a.Store, pin.Number)
			if err != nil {
				return err
			}
			if err := a.Store.SetAccountLevel(ctx, acc.ID, identity.Level(level)); err != nil {
				return err
			}
			if err := a.Store.AppendAudit(ctx, identity.AuditEvent{At: time.Now(), Kind: "account_level", AccountID: acc.ID, Detail: fmt.Sprintf("level %d -> %d", acc.Level, level)}); err != nil {
				return err
			}
			if err := a.Notifier.Notify(ctx, acc.ID, identity.NoticeLevelChanged, fmt.Sprint(level)); err != nil {
				return fmt.Errorf("level changed but the notice could not be queued: %w", err)
			}
			dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			_ = a.Outbox.Drain(dctx) // else a running server delivers it
			return output(g, cmd, map[string]any{"account_id": acc.ID, "level": level}, fmt.Sprintf("account %s is now level %d\n", acc.ID, level))
		},
	}
	cmd.Flags().IntVar(&level, "level", 0, "the new level, 1 or 2")
	return cmd
}
