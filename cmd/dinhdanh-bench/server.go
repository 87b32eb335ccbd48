package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	benchPIN   = "001095012345"
	rpCallback = "http://127.0.0.1:9/cb" // never contacted: the browser stops there
	citizenCSV = "id_number,full_name,birthdate,gender,phone,email,permanent_address,province_code\n" +
		benchPIN + ",Nguyễn Văn An,1995-03-14,male,+84912345678,an@example.vn,Hà Nội,01\n"
)

// buildProvider compiles cmd/dinhdanh from the module this program is run in.
func buildProvider(ctx context.Context, out string) error {
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return err
	}
	mod := strings.TrimSpace(string(gomod))
	if mod == "" || mod == os.DevNull {
		return errors.New("run inside the dinhdanh module (make bench)")
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/dinhdanh")
	cmd.Dir = filepath.Dir(mod)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}

// provider is the built binary plus the environment of this run.
type provider struct {
	bin    string
	env    []string
	issuer string // http://127.0.0.1:PORT, also the listen address
	dbPath string
}

func newProvider(dir, bin string) (*provider, error) {
	// The port is free now; nothing else should grab it in the second
	// before the server binds it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	_ = l.Close()
	mk := make([]byte, 32)
	_, _ = rand.Read(mk)
	p := &provider{bin: bin, issuer: "http://" + addr, dbPath: filepath.Join(dir, "bench.db")}
	// Settings of the caller's shell must not leak into the run.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DINHDANH_") {
			p.env = append(p.env, kv)
		}
	}
	p.env = append(p.env,
		"DINHDANH_DATABASE_URL=sqlite:"+p.dbPath,
		"DINHDANH_MASTER_KEY="+base64.StdEncoding.EncodeToString(mk),
		"DINHDANH_ISSUER="+p.issuer,
		"DINHDANH_LISTEN="+addr,
		"DINHDANH_SMS=log",
	)
	return p, nil
}

// cli runs one dinhdanh command and returns its standard output.
func (p *provider) cli(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, p.bin, args...)
	cmd.Env = p.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		// Only the command words: later arguments may be a password.
		return nil, fmt.Errorf("dinhdanh %s: %w\n%s%s", strings.Join(args[:min(3, len(args))], " "), err, out, stderr.Bytes())
	}
	return out, nil
}

// clientCreds authenticate a client at the token endpoint.
type clientCreds struct {
	ID     string `json:"client_id"`
	Secret string `json:"client_secret"`
	Method string `json:"token_endpoint_auth_method"`
}

type seeded struct {
	pin, password, newPassword string
	rp, m2m                    clientCreds
}

// seed creates the citizen, the account and the two clients with the CLI,
// the way a registrar and an operator would.
func (p *provider) seed(ctx context.Context, dir string) (seeded, error) {
	s := seeded{pin: benchPIN, password: "bench-" + rand.Text(), newPassword: "bench-" + rand.Text()}
	csvPath := filepath.Join(dir, "citizens.csv")
	if err := os.WriteFile(csvPath, []byte(citizenCSV), 0o600); err != nil {
		return s, err
	}
	if _, err := p.cli(ctx, "citizens", "import", csvPath); err != nil {
		return s, err
	}
	if _, err := p.cli(ctx, "accounts", "issue", s.pin, "--password", s.password); err != nil {
		return s, err
	}
	create := func(args ...string) (clientCreds, error) {
		out, err := p.cli(ctx, append([]string{"--json", "clients", "create"}, args...)...)
		if err != nil {
			return clientCreds{}, err
		}
		return parseClient(out)
	}
	var err error
	if s.rp, err = create("--id", "bench-rp", "--name", "Bench", "--redirect-uri", rpCallback,
		"--scope", "openid profile offline_access"); err != nil {
		return s, err
	}
	s.m2m, err = create("--id", "bench-m2m", "--name", "M2M", "--grant-type", "client_credentials", "--scope", "introspect")
	return s, err
}

// parseClient reads the output of `dinhdanh --json clients create`.
func parseClient(out []byte) (clientCreds, error) {
	var c clientCreds
	if err := json.Unmarshal(out, &c); err != nil {
		return c, fmt.Errorf("clients create --json: %w\n%s", err, out)
	}
	if c.Secret == "" {
		return c, fmt.Errorf("clients create --json printed no client_secret:\n%s", out)
	}
	return c, nil
}

// server is a running `dinhdanh serve`.
type server struct {
	cmd     *exec.Cmd
	exited  chan struct{}
	logPath string
}

func (p *provider) start(logPath string) (*server, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	// Not CommandContext: on Ctrl-C the server gets SIGTERM and drains,
	// instead of the SIGKILL CommandContext would send. --dev serves the
	// SMS codes of the log sender at /dev/sms, for the OTP phase.
	cmd := exec.Command(p.bin, "serve", "--dev")
	cmd.Env = p.env
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		return nil, err
	}
	s := &server{cmd: cmd, exited: make(chan struct{}), logPath: logPath}
	go func() {
		_ = cmd.Wait()
		_ = f.Close()
		close(s.exited)
	}()
	return s, nil
}

func (s *server) waitReady(ctx context.Context, readyURL string, timeout time.Duration) error {
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{Proxy: nil}}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("the server exited during start-up (%v)", s.cmd.ProcessState)
		default:
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, readyURL, nil)
		if resp, err := c.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
	return fmt.Errorf("%s not ready after %s", readyURL, timeout)
}

// stop sends SIGTERM and waits for the drain (the server allows 15s).
func (s *server) stop() error {
	select {
	case <-s.exited:
		return nil
	default:
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case <-s.exited:
		return nil
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return errors.New("no exit 20s after SIGTERM: killed")
	}
}

type memory struct{ rss, hwm int64 } // KiB

// memory reads VmRSS (now) and VmHWM (peak) of the server process.
func (s *server) memory() (memory, error) {
	var m memory
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return m, err
	}
	for line := range strings.Lines(string(b)) {
		name, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(val) // "12345 kB"
		if len(f) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		switch name {
		case "VmRSS":
			m.rss = n
		case "VmHWM":
			m.hwm = n
		}
	}
	if m.rss == 0 {
		return m, errors.New("no VmRSS in /proc/PID/status")
	}
	return m, nil
}

func (s *server) logTail(n int) string {
	b, _ := os.ReadFile(s.logPath)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// logSummary is what the server logged during the run: problems under
// load (SQLITE_BUSY, internal errors) show up here, not in status codes
// alone.
type logSummary struct {
	Lines      int      `json:"lines"`
	Errors     int      `json:"errors"`
	Warnings   int      `json:"warnings"`
	SQLiteBusy int      `json:"sqlite_busy"`
	Samples    []string `json:"samples,omitempty"`
}

func (s *server) scanLog() logSummary {
	var sum logSummary
	f, err := os.Open(s.logPath)
	if err != nil {
		return sum
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		sum.Lines++
		lower := strings.ToLower(line)
		if strings.Contains(lower, "sqlite_busy") || strings.Contains(lower, "database is locked") {
			sum.SQLiteBusy++
		}
		isErr, isWarn := strings.Contains(line, "level=ERROR"), strings.Contains(line, "level=WARN")
		if isErr {
			sum.Errors++
		}
		if isWarn {
			sum.Warnings++
		}
		if !isErr && !isWarn {
			continue
		}
		// Drop the timestamp so repeats of one message count once.
		if _, rest, ok := strings.Cut(line, " "); ok && strings.HasPrefix(line, "time=") {
			line = rest
		}
		if len(line) > 300 {
			line = line[:300] + "…"
		}
		if !seen[line] && len(sum.Samples) < 5 {
			seen[line] = true
			sum.Samples = append(sum.Samples, line)
		}
	}
	return sum
}
