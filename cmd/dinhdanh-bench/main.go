// Command dinhdanh-bench measures the provider over loopback (make bench).
//
// It builds cmd/dinhdanh, seeds a fresh SQLite database through the real
// CLI, starts `dinhdanh serve`, logs a citizen in through the real pages,
// then loads each endpoint for a fixed time with a closed loop of
// keep-alive workers and prints throughput, latency and server memory.
// Then the password phases (login.go): password logins per second beside
// the in-process argon2id bound, SMS-code verifications, and the server's
// RSS while 200 logins queue for the capped hash slots. Each phase also
// reports how much CPU other processes took, as the machine may be shared.
// Every request goes to 127.0.0.1; the temporary directory and the server
// are removed on exit, also on Ctrl-C.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

type options struct {
	duration    time.Duration
	concurrency int
	json        bool
	keep        bool
}

// maxExchangeWindow bounds the authorization_code phase: codes live 60s
// and must all be issued before it starts (see runCodePhases).
const maxExchangeWindow = 20 * time.Second

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "how long each endpoint is loaded")
	flag.IntVar(&o.concurrency, "c", 32, "concurrent workers, each with its own keep-alive connection")
	flag.BoolVar(&o.json, "json", false, "also write the results to bench-results.json in the current directory")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (database, server log) for diagnosis")
	flag.Parse()
	if o.duration <= 0 || o.concurrency < 1 {
		fmt.Fprintln(os.Stderr, "dinhdanh-bench: -duration must be positive and -c at least 1")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o)
	stop()
	if err != nil {
		if errors.Is(err, context.Canceled) {
			err = errors.New("interrupted")
		}
		fmt.Fprintln(os.Stderr, "dinhdanh-bench:", err)
		os.Exit(1)
	}
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "· "+format+"\n", args...)
}

func run(ctx context.Context, o options) error {
	dir, err := os.MkdirTemp("", "dinhdanh-bench-")
	if err != nil {
		return err
	}
	defer func() {
		if o.keep {
			progress("kept %s", dir)
			return
		}
		_ = os.RemoveAll(dir)
	}()

	bin := filepath.Join(dir, "dinhdanh")
	progress("building ./cmd/dinhdanh")
	if err := buildProvider(ctx, bin); err != nil {
		return fmt.Errorf("building the provider: %w", err)
	}
	p, err := newProvider(dir, bin)
	if err != nil {
		return err
	}
	progress("seeding %s through the CLI", p.dbPath)
	s, err := p.seed(ctx, dir)
	if err != nil {
		return err
	}
	progress("seeding %d login accounts through the CLI", loginAccountCount)
	accs, err := p.seedLoginAccounts(ctx, dir, loginAccountCount)
	if err != nil {
		return err
	}

	srv, err := p.start(filepath.Join(dir, "server.log"))
	if err != nil {
		return err
	}
	defer func() {
		if err := srv.stop(); err != nil {
			progress("stopping the server: %v", err)
		}
	}()
	if err := srv.waitReady(ctx, p.issuer+"/readyz", time.Minute); err != nil {
		return fmt.Errorf("%w\nserver log:\n%s", err, srv.logTail(20))
	}
	// Let start-up garbage be collected before calling the RSS idle.
	if err := sleep(ctx, 2*time.Second); err != nil {
		return err
	}
	idle, err := srv.memory()
	if err != nil {
		return err
	}
	progress("server pid %d ready at %s, idle RSS %s", srv.cmd.Process.Pid, p.issuer, kib(idle.rss))
	serverPID = srv.cmd.Process.Pid

	rep, err := measure(ctx, o, p, s, srv, accs)
	if err != nil {
		return fmt.Errorf("%w\nserver log:\n%s", err, srv.logTail(20))
	}
	after, err := srv.memory()
	if err != nil {
		return err
	}
	rep.IdleRSSKiB, rep.PeakRSSKiB, rep.RSSAfterKiB = idle.rss, after.hwm, after.rss
	if rep.Login != nil {
		// The storm phase reset VmHWM; the run's peak may be before it.
		rep.PeakRSSKiB = max(rep.PeakRSSKiB, rep.Login.hwmBefore)
	}
	rep.ServerLog = srv.scanLog()
	rep.print(os.Stdout)
	if o.json {
		if err := rep.writeJSON("bench-results.json"); err != nil {
			return err
		}
		progress("wrote bench-results.json")
	}
	return nil
}

// measure runs the load phases, in order, against the running server.
func measure(ctx context.Context, o options, p *provider, s seeded, srv *server, accs []loginAccount) (*report, error) {
	client := newLoadClient(o.concurrency)
	disc, err := fetchDiscovery(ctx, client, p.issuer)
	if err != nil {
		return nil, err
	}
	rp := relyingParty{disc: disc, clientID: s.rp.ID, redirectURI: rpCallback, scope: "openid profile"}
	b := newBrowser(rpCallback, o.concurrency)
	progress("logging the citizen in through the pages (password change, consent)")
	if err := b.login(ctx, rp.authorizeURL(newAuthRequest()), s.pin, s.password, s.newPassword); err != nil {
		return nil, fmt.Errorf("login through the pages: %w", err)
	}

	rep := newReport(o)
	phase := func(r result) error {
		rep.Endpoints = append(rep.Endpoints, r)
		progress("%-34s %8.0f req/s  (%d requests, %d errors)", r.Endpoint, r.RPS, r.Requests, r.Errors)
		return ctx.Err()
	}
	get := func(u string) func(context.Context) (*http.Request, error) {
		return func(ctx context.Context) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		}
	}

	discoveryURL := p.issuer + discoveryPath
	if err := phase(hammer(ctx, "GET discovery", o.concurrency, o.duration, httpOp(client, get(discoveryURL)))); err != nil {
		return nil, err
	}
	if err := phase(hammer(ctx, "GET jwks_uri", o.concurrency, o.duration, httpOp(client, get(disc.JWKSURI)))); err != nil {
		return nil, err
	}
	cc := url.Values{"grant_type": {"client_credentials"}, "scope": {"introspect"}}
	ccOp := httpOp(client, func(ctx context.Context) (*http.Request, error) {
		return tokenRequest(ctx, disc.TokenEndpoint, s.m2m, cc)
	})
	if err := phase(hammer(ctx, "POST token (client_credentials)", o.concurrency, o.duration, ccOp)); err != nil {
		return nil, err
	}

	gen, exch, note := runCodePhases(ctx, o, client, b, rp, s.rp)
	rep.Notes = append(rep.Notes, note)
	if err := phase(gen); err != nil {
		return nil, err
	}
	if err := phase(exch); err != nil {
		return nil, err
	}

	// A fresh token: the one from the login may be minutes old by now.
	tok, err := b.freshAccessToken(ctx, client, rp, s.rp)
	if err != nil {
		return nil, fmt.Errorf("getting an access token for userinfo: %w", err)
	}
	uiOp := httpOp(client, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, disc.UserinfoEndpoint, nil)
		if err == nil {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		return req, err
	})
	if err := phase(hammer(ctx, "GET userinfo (bearer)", o.concurrency, o.duration, uiOp)); err != nil {
		return nil, err
	}

	if rep.Login, err = runLoginPhases(ctx, o, srv, disc, client, accs, phase); err != nil {
		return nil, err
	}
	return rep, nil
}

// runCodePhases measures the authorization_code exchange. Each exchange
// needs a fresh code, and issuing one is itself a server round trip, so
// codes are issued first (that phase is reported too: it is the SSO
// authorize path) and then exchanged, each once with its own verifier.
// Issuing runs 1.5 times as long as the exchange so the exchange rarely
// runs dry, and both fit well inside the 60-second code lifetime.
func runCodePhases(ctx context.Context, o options, client *http.Client, b *browser, rp relyingParty, rpc clientCreds) (gen, exch result, note string) {
	window := min(o.duration, maxExchangeWindow)
	pool := &codePool{}
	gen = hammer(ctx, "GET authorize (SSO → code)", o.concurrency, window*3/2, b.codeOp(rp, pool))
	gen.Note = "follows redirects until the callback; issues the codes for the exchange"
	issued := pool.len()
	exch = hammer(ctx, "POST token (authorization_code)", o.concurrency, window, exchangeOp(client, rp, rpc, pool))
	if exch.RanDry {
		exch.Note = fmt.Sprintf("ran out of codes after %.1fs; rate is over that time", exch.Seconds)
	}
	note = fmt.Sprintf("authorization codes: %d issued, %d exchanged, %d unused, %d dropped as near expiry",
		issued, exch.Requests, pool.len(), pool.dropped.Load())
	return gen, exch, note
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
