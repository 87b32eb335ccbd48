package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dinhdanh/dinhdanh/identity"
)

// The password-login phases: logins per second against the argon2id
// hashing bound, SMS-code verification, and the server's memory while a
// login storm queues for the capped hash slots.
const (
	// loginAccountCount citizens log in during these phases, apart from
	// the one of the other phases. Each also gets otpCodesPerAccount
	// codes, so the OTP phase has loginAccountCount × otpCodesPerAccount
	// (900 last about 3 s on 2 CPUs).
	loginAccountCount = 100
	// otpCodesPerAccount stays under the cap of 10 codes an hour per
	// account and per phone number (identity.DefaultOTPPolicy).
	otpCodesPerAccount = 9
	// serverHashCap is cmd/dinhdanh/app's default MaxConcurrentHashes,
	// which `dinhdanh serve` uses.
	serverHashCap = 8
	// stormWorkers concurrent logins for the memory phase. Workers take
	// the accounts in turn, so stormWorkers/loginAccountCount logins of
	// one account are in flight at once: the throttle counts each attempt
	// until it succeeds (identity.Throttle.Begin) and delays an account
	// beyond DefaultThrottlePolicy.FreeFailures (3), so keep that at 2.
	stormWorkers  = 200
	loginClientID = "bench-login"
	acrLevel2     = "urn:vn:eid:loa:2"
	// continuePath is where a completed login step sends the browser.
	continuePath = "/oauth2/auth/continue"
)

// Names are letters only (citizens import refuses digits).
var (
	familyNames = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"}
	givenNames  = []string{"An", "Bình", "Cường", "Dũng", "Giang", "Hải", "Khoa", "Long", "Minh", "Nam"}
)

// loginAccount is a citizen of the login phases. password is the one
// chosen at the first login; b is the browser of that login, which keeps
// its level-1 session for the step-up to a one-time code.
type loginAccount struct {
	pin, phone, initial, password string
	b                             *browser
}

// seedLoginAccounts imports the citizens of the login phases, each with
// its own phone number (the OTP caps count per number), issues their
// accounts with a known initial password, and registers the client they
// log in to (its codes are never exchanged: the phases stop at the
// continuation). All through the CLI, as seed does.
func (p *provider) seedLoginAccounts(ctx context.Context, dir string, n int) ([]loginAccount, error) {
	accs := make([]loginAccount, n)
	var csv strings.Builder
	csv.WriteString("id_number,full_name,birthdate,gender,phone,email,permanent_address,province_code\n")
	for i := range accs {
		// 001 Hà Nội, 0 male born 19xx, 95, then a serial; phones differ in
		// their last three digits, which /dev/sms leaves unmasked.
		a := &accs[i]
		a.pin = fmt.Sprintf("0010951%05d", 10000+i)
		a.phone = fmt.Sprintf("+849110%05d", i)
		a.initial = "bench-" + rand.Text()
		a.password = "bench-" + rand.Text()
		name := familyNames[i%len(familyNames)] + " Văn " + givenNames[i/len(familyNames)%len(givenNames)]
		fmt.Fprintf(&csv, "%s,%s,1995-06-01,male,%s,,Hà Nội,01\n", a.pin, name, a.phone)
	}
	csvPath := filepath.Join(dir, "login-citizens.csv")
	if err := os.WriteFile(csvPath, []byte(csv.String()), 0o600); err != nil {
		return nil, err
	}
	if _, err := p.cli(ctx, "citizens", "import", csvPath); err != nil {
		return nil, err
	}
	// Each `accounts issue` is a process that hashes twice: two at a time.
	err := parallel(ctx, 2, len(accs), func(i int) error {
		_, err := p.cli(ctx, "accounts", "issue", accs[i].pin, "--password", accs[i].initial)
		return err
	})
	if err != nil {
		return nil, err
	}
	out, err := p.cli(ctx, "--json", "clients", "create", "--id", loginClientID, "--name", "Bench login",
		"--redirect-uri", rpCallback, "--scope", "openid")
	if err != nil {
		return nil, err
	}
	_, err = parseClient(out)
	return accs, err
}

// parallel runs fn(0..n-1) on at most workers goroutines and returns the
// first error.
func parallel(ctx context.Context, workers, n int, fn func(int) error) error {
	var (
		wg     sync.WaitGroup
		once   sync.Once
		first  error
		failed atomic.Bool
		next   = make(chan int)
	)
	for range min(workers, n) {
		wg.Go(func() {
			for i := range next {
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					failed.Store(true)
				}
			}
		})
	}
	for i := 0; i < n && ctx.Err() == nil && !failed.Load(); i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// loginResult is what the login phases found, for the report.
type loginResult struct {
	Accounts          int     `json:"accounts"`
	ArgonMemoryKiB    uint32  `json:"argon2id_memory_kib"`
	ArgonTime         uint32  `json:"argon2id_time"`
	ArgonThreads      uint8   `json:"argon2id_threads"`
	HashCap           int     `json:"server_max_concurrent_hashes"`
	HashGoroutines    int     `json:"hash_bound_goroutines"`
	HashesPerSec      float64 `json:"hash_bound_per_s"`
	HashMs            float64 `json:"hash_p50_ms"`
	HashCPUs          float64 `json:"hash_bound_cpus"`
	LoginsPerSec      float64 `json:"password_logins_per_s"`
	LoginServerCPUs   float64 `json:"password_login_server_cpus"`
	OTPCodes          int     `json:"otp_codes_prepared"`
	OTPPerSec         float64 `json:"otp_verifications_per_s"`
	LoginWorkers      int     `json:"login_workers"`
	LoginPeakRSSKiB   int64   `json:"login_peak_sampled_rss_kib"`
	StormWorkers      int     `json:"storm_workers"`
	StormLoginsPerSec float64 `json:"storm_logins_per_s"`
	StormStartRSSKiB  int64   `json:"storm_start_rss_kib"`
	StormPeakRSSKiB   int64   `json:"storm_peak_sampled_rss_kib"`
	StormHWMKiB       int64   `json:"storm_vmhwm_kib"`
	StormHWMReset     bool    `json:"storm_vmhwm_reset"`
	StormSamples      int     `json:"storm_rss_samples"`
	HashBoundKiB      int64   `json:"hash_memory_bound_kib"`
	// hwmBefore is the server's VmHWM before the storm reset it.
	hwmBefore int64
}

// runLoginPhases does the first login of every account (password change
// and consent), then measures: the in-process hashing bound, password
// logins, one-time-code verification, and RSS under a login storm.
func runLoginPhases(ctx context.Context, o options, srv *server, disc discovery, client *http.Client, accs []loginAccount, phase func(result) error) (*loginResult, error) {
	params := identity.DefaultPasswordParams
	lr := &loginResult{Accounts: len(accs), ArgonMemoryKiB: params.Memory, ArgonTime: params.Time, ArgonThreads: params.Threads,
		HashCap: serverHashCap, StormWorkers: stormWorkers, HashBoundKiB: int64(serverHashCap) * int64(params.Memory)}
	rp := relyingParty{disc: disc, clientID: loginClientID, redirectURI: rpCallback, scope: "openid"}

	progress("first login of %d accounts (password change, consent)", len(accs))
	err := parallel(ctx, serverHashCap, len(accs), func(i int) error {
		a := &accs[i]
		// Several workers may post this browser's codes at once.
		a.b = newBrowser(rpCallback, 4)
		if err := a.b.login(ctx, rp.authorizeURL(newAuthRequest()), a.pin, a.initial, a.password); err != nil {
			return fmt.Errorf("first login of account %d: %w", i, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	// The bound: one argon2id verification per login, on every core of
	// this machine, while the server is idle.
	workers := runtime.NumCPU()
	hb := hashBound(ctx, workers, min(o.duration, 5*time.Second), params)
	lr.HashGoroutines, lr.HashesPerSec, lr.HashMs, lr.HashCPUs = workers, hb.RPS, hb.P50ms, hb.BenchCPU
	if err := phase(hb); err != nil {
		return nil, err
	}

	// prompt=login: every loop shows the login page again, whatever
	// session the browser holds.
	fresh := rp
	fresh.extra = url.Values{"prompt": {"login"}}
	rss := sampleRSS(srv)
	li := hammer(ctx, "POST login (password, argon2id)", o.concurrency, o.duration, loginOp(fresh, loginBrowsers(accs, o.concurrency)))
	li.Note = "rate: completed loops (GET authorize → login page → POST /login), one POST each; p50/p99: the POST alone"
	lr.LoginsPerSec, lr.LoginServerCPUs = li.RPS, li.ServerCPU
	lr.LoginPeakRSSKiB, _ = rss.stop()
	lr.LoginWorkers = o.concurrency
	if err := phase(li); err != nil {
		return nil, err
	}

	// Level 2: the level-1 session of the first login steps up with an
	// SMS code, read from /dev/sms; the codes are all sent first.
	step := rp
	step.extra = url.Values{"acr_values": {acrLevel2}}
	progress("sending %d one-time codes (%d per account)", len(accs)*otpCodesPerAccount, otpCodesPerAccount)
	items, err := prepareOTPs(ctx, client, disc.Issuer, step, accs, otpCodesPerAccount)
	if err != nil {
		return nil, err
	}
	lr.OTPCodes = len(items)
	ov := hammer(ctx, "POST otp (verify SMS code)", o.concurrency, o.duration, otpOp(items))
	ov.Note = fmt.Sprintf("%d codes sent beforehand (%d accounts × %d, under the hourly cap of 10)", lr.OTPCodes, len(accs), otpCodesPerAccount)
	if ov.RanDry {
		ov.Note += fmt.Sprintf("; all used after %.1fs, the rate is over that time", ov.Seconds)
	}
	lr.OTPPerSec = ov.RPS
	if err := phase(ov); err != nil {
		return nil, err
	}

	st, err := storm(ctx, o, srv, fresh, accs, lr)
	if err != nil {
		return nil, err
	}
	lr.StormLoginsPerSec = st.RPS
	return lr, phase(st)
}

// hashBound verifies a password with the server's parameters in this
// process on `workers` goroutines: the most logins these cores could do.
func hashBound(ctx context.Context, workers int, d time.Duration, params identity.PasswordParams) result {
	const pw = "bench-hash-bound"
	h, err := identity.HashPassword(pw, params)
	if err != nil {
		return result{Endpoint: "argon2id", FirstError: err.Error()}
	}
	r := hammer(ctx, fmt.Sprintf("argon2id verify (in-process, %d goroutines)", workers), workers, d, func(context.Context) outcome {
		ok, _, err := identity.VerifyPassword(h, pw, params)
		switch {
		case err != nil:
			return outcome{failure: err.Error()}
		case !ok:
			return outcome{failure: "password did not verify"}
		}
		return outcome{}
	})
	r.Note = "the hashing bound: one argon2id per password login, all cores, no HTTP"
	return r
}

// loginWorker is one browser of a load phase, logging one account in.
type loginWorker struct {
	acc *loginAccount
	b   *browser
}

// loginBrowsers gives each of n workers its own browser (cookie jar and
// connection), the accounts taken in turn.
func loginBrowsers(accs []loginAccount, n int) chan loginWorker {
	ch := make(chan loginWorker, n)
	for i := range n {
		ch <- loginWorker{acc: &accs[i%len(accs)], b: newBrowser(rpCallback, 1)}
	}
	return ch
}

// loginOp is one password login: GET the authorization URL to the login
// page (not measured), then POST the correct password, measured alone.
// Success is the 303 to the authorization's continuation.
func loginOp(rp relyingParty, workers chan loginWorker) func(context.Context) outcome {
	return func(ctx context.Context) outcome {
		w := <-workers
		defer func() { workers <- w }()
		p, err := w.b.get(ctx, rp.authorizeURL(newAuthRequest()))
		if err != nil {
			return outcome{failure: "GET authorize: " + err.Error()}
		}
		if !strings.Contains(p.body, `name="id_number"`) {
			return outcome{failure: fmt.Sprintf("GET authorize ended on %s (%d), not the login page: %s", p.url.Path, p.status, snippet(p.body))}
		}
		f, err := formOf(p, "id_number", url.Values{"id_number": {w.acc.pin}, "password": {w.acc.password}})
		if err != nil {
			return outcome{failure: err.Error()}
		}
		return postExpectingContinue(ctx, w.b, f)
	}
}

// postExpectingContinue sends one form without following the answer and
// times it; success is a 303 to the authorization's continuation.
func postExpectingContinue(ctx context.Context, b *browser, f filledForm) outcome {
	req, err := f.request(ctx)
	if err != nil {
		return outcome{failure: err.Error()}
	}
	t0 := time.Now()
	resp, err := b.noFollow.Do(req)
	if err != nil {
		return outcome{failure: err.Error(), took: time.Since(t0)}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), continuePath) {
		failure := describe(resp)
		return outcome{failure: snippet(failure), took: time.Since(t0)}
	}
	_, err = io.Copy(io.Discard, resp.Body)
	took := time.Since(t0)
	if err != nil {
		return outcome{failure: "reading the body: " + err.Error(), took: took}
	}
	return outcome{took: took}
}

// otpItem is a code page ready to submit with its code.
type otpItem struct {
	b    *browser
	form filledForm
}

// prepareOTPs steps each account's level-1 session up to level 2 perAccount
// times: each authorization request shows the code page and sends an SMS,
// whose code is read from /dev/sms. An account's codes are requested one
// after another, so its newest message is the code just sent.
func prepareOTPs(ctx context.Context, client *http.Client, issuer string, rp relyingParty, accs []loginAccount, perAccount int) (chan otpItem, error) {
	perAcc := make([][]otpItem, len(accs))
	err := parallel(ctx, 4, len(accs), func(i int) error {
		a := &accs[i]
		for range perAccount {
			p, err := a.b.get(ctx, rp.authorizeURL(newAuthRequest()))
			if err != nil {
				return err
			}
			if p.status != http.StatusOK || !strings.Contains(p.body, `name="otp"`) {
				return fmt.Errorf("level-2 authorize for account %d ended on %s (%d), not the code page: %s", i, p.url.Path, p.status, snippet(p.body))
			}
			code, err := devSMSCode(ctx, client, issuer, identity.MaskPhone(a.phone))
			if err != nil {
				return fmt.Errorf("account %d: %w", i, err)
			}
			f, err := formOf(p, "otp", url.Values{"otp": {code}, "action": {"verify"}})
			if err != nil {
				return err
			}
			perAcc[i] = append(perAcc[i], otpItem{b: a.b, form: f})
		}
		return nil
	})
	// Accounts in turn, so that concurrent workers post for different
	// browsers, as citizens would.
	items := make(chan otpItem, len(accs)*perAccount)
	for k := range perAccount {
		for _, its := range perAcc {
			if k < len(its) {
				items <- its[k]
			}
		}
	}
	close(items)
	return items, err
}

var (
	smsRow  = regexp.MustCompile(`(?s)<tr><td>(.*?)</td><td>(.*?)</td>`)
	sixDigs = regexp.MustCompile(`\b\d{6}\b`)
)

// devSMSCode reads the newest code sent to the masked number from the
// development page (newest message first).
func devSMSCode(ctx context.Context, client *http.Client, issuer, maskedTo string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, issuer+"/dev/sms", nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("/dev/sms (is the server in --dev?): %s", describe(resp))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", err
	}
	for _, m := range smsRow.FindAllStringSubmatch(string(body), -1) {
		if html.UnescapeString(m[1]) != maskedTo {
			continue
		}
		if code := sixDigs.FindString(html.UnescapeString(m[2])); code != "" {
			return code, nil
		}
	}
	return "", fmt.Errorf("no code for %s on /dev/sms", maskedTo)
}

// otpOp verifies one prepared code; the pool running dry ends the worker.
func otpOp(items chan otpItem) func(context.Context) outcome {
	return func(ctx context.Context) outcome {
		it, ok := <-items
		if !ok {
			return outcome{noWork: true}
		}
		return postExpectingContinue(ctx, it.b, it.form)
	}
}

// storm runs stormWorkers concurrent password logins while sampling the
// server's RSS every 100 ms. The server's VmHWM is reset first (writing 5
// to /proc/PID/clear_refs) so that it is this phase's peak.
func storm(ctx context.Context, o options, srv *server, rp relyingParty, accs []loginAccount, lr *loginResult) (result, error) {
	start, err := srv.memory()
	if err != nil {
		return result{}, err
	}
	lr.StormStartRSSKiB, lr.hwmBefore = start.rss, start.hwm
	lr.StormHWMReset = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", srv.cmd.Process.Pid), []byte("5"), 0) == nil
	workers := loginBrowsers(accs, stormWorkers)

	rss := sampleRSS(srv)
	r := hammer(ctx, fmt.Sprintf("POST login ×%d (RSS)", stormWorkers), stormWorkers, o.duration, loginOp(rp, workers))
	lr.StormPeakRSSKiB, lr.StormSamples = rss.stop()
	after, err := srv.memory()
	if err != nil {
		return r, err
	}
	lr.StormHWMKiB = after.hwm
	r.Note = "as POST login, with the memory sampled every 100 ms"
	if !lr.StormHWMReset {
		r.Note += "; VmHWM could not be reset: it is the whole run's peak"
	}
	return r, nil
}

// rssSampler reads the server's VmRSS every 100 ms until stopped.
type rssSampler struct {
	done    chan struct{}
	wg      sync.WaitGroup
	peak    int64
	samples int
}

func sampleRSS(srv *server) *rssSampler {
	s := &rssSampler{done: make(chan struct{})}
	s.wg.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if m, err := srv.memory(); err == nil {
				s.peak = max(s.peak, m.rss)
				s.samples++
			}
			select {
			case <-s.done:
				return
			case <-t.C:
			}
		}
	})
	return s
}

// stop ends the sampling and returns the peak VmRSS and the sample count.
func (s *rssSampler) stop() (peakKiB int64, samples int) {
	close(s.done)
	s.wg.Wait()
	return s.peak, s.samples
}
