package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/dinhdanh/dinhdanh/cmd/dinhdanh/app"
	"github.com/dinhdanh/dinhdanh/identity"
	"github.com/dinhdanh/dinhdanh/storage"
)

// cli runs the dinhdanh command in-process against a database in dir.
type cli struct {
	t  *testing.T
	db string
	mk string
}

func newCLI(t *testing.T) *cli {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i * 7)
	}
	return &cli{t: t, db: "sqlite:" + filepath.Join(t.TempDir(), "cli.db"), mk: base64.StdEncoding.EncodeToString(key)}
}

func (c *cli) run(args ...string) (string, error) {
	c.t.Helper()
	c.t.Setenv("DINHDANH_DATABASE_URL", c.db)
	c.t.Setenv("DINHDANH_MASTER_KEY", c.mk)
	cmd := rootCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func writeFile(t *testing.T, name, content string) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const citizensCSV = `id_number,full_name,birthdate,gender,phone,email,permanent_address,province_code
001095012345,Nguyễn Văn An,1995-03-14,male,+84912345678,an@example.vn,Hà Nội,01
079304123456,Trần Thị Bích Ngọc,2003-08-21,female,0903123456,,TP. Hồ Chí Minh,79
003095012345,Sai Mã Tỉnh,1995-01-01,male,+84912345679,,,
048188000777,Phạm Thị Hoa,1988-13-40,female,+84935000777,,,
040207654321,Lê Minh Khoa
`

func TestCitizensImportReportsRowsAndIsIdempotent(t *testing.T) {
	c := newCLI(t)
	file := writeFile(t, "school.csv", citizensCSV)
	out, err := c.run("--json", "citizens", "import", file)
	if err == nil {
		t.Fatal("expected an error exit when rows are rejected")
	}
	var report struct {
		Inserted, Updated, Unchanged int
		Rejected                     []struct {
			Line   int
			Reason string
		}
		Warnings []map[string]string
	}
	if jerr := json.Unmarshal([]byte(out), &report); jerr != nil {
		t.Fatalf("%v\n%s", jerr, out)
	}
	if len(report.Warnings) != 1 || report.Warnings[0]["id_number"] != "********3456" {
		t.Errorf("birth-year mismatch not reported as a warning: %+v", report.Warnings)
	}
	if report.Inserted != 2 || len(report.Rejected) != 3 {
		t.Fatalf("report: %+v", report)
	}
	for i, line := range []int{4, 5, 6} {
		if report.Rejected[i].Line != line || report.Rejected[i].Reason == "" {
			t.Errorf("rejected row %d: %+v", i, report.Rejected[i])
		}
	}
	// Twice: nothing changes.
	out, _ = c.run("--json", "citizens", "import", file)
	_ = json.Unmarshal([]byte(out), &report)
	if report.Inserted != 0 || report.Updated != 0 || report.Unchanged != 2 {
		t.Errorf("second import: %+v", report)
	}
}

// A file with the optional columns, then one with the eight basic
// columns only: the details the second file does not carry survive, and
// each part keeps the provenance of the file that last changed it.
func TestCitizensImportKeepsColumnsAbsentFromLaterFiles(t *testing.T) {
	c := newCLI(t)
	full := writeFile(t, "registry.csv", `id_number,full_name,birthdate,gender,phone,email,permanent_address,province_code,`+
		`ethnicity_code,driving_licence_number,driving_licence_issuer,driving_licence_classes,vehicles,social_insurance_no
001095012345,Nguyễn Văn An,1995-03-14,male,+84912345678,an@example.vn,Hà Nội,01,01,010123456789,Sở GTVT Hà Nội,B2:2018-07-01:2028-07-01;A1:2014-01-05:,30A-123.45|ô tô con|Toyota||2019-05-20,0123456789
040207654321,Lê Minh Khoa,2007-05-02,male,0987654321,,Nghệ An,40,03,,,,,
`)
	out, err := c.run("--json", "citizens", "import", full)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var report struct{ Inserted, Updated, Unchanged int }
	if err := json.Unmarshal([]byte(out), &report); err != nil || report.Inserted != 2 {
		t.Fatalf("first import: %s", out)
	}

	// The school's list: basic columns, An's phone changed.
	basic := writeFile(t, "school.csv", `id_number,full_name,birthdate,gender,phone,email,permanent_address,province_code
001095012345,Nguyễn Văn An,1995-03-14,male,0912000111,an@example.vn,Hà Nội,01
040207654321,Lê Minh Khoa,2007-05-02,male,0987654321,,Nghệ An,40
`)
	out, err = c.run("--json", "citizens", "import", basic)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if err := json.Unmarshal([]byte(out), &report); err != nil || report.Updated != 1 || report.Unchanged != 1 {
		t.Fatalf("basic import: %s", out)
	}

	st, err := app.OpenStore(context.Background(), c.db, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	an, err := st.GetCitizen(context.Background(), "001095012345")
	if err != nil {
		t.Fatal(err)
	}
	d := an.Details
	if an.Phone != "+84912000111" || d.Ethnicity == nil || d.Ethnicity.Label != "Kinh" || d.DrivingLicence == nil ||
		len(d.DrivingLicence.Classes) != 2 || len(d.Vehicles) != 1 || d.Vehicles[0].Brand != "Toyota" || d.SocialInsuranceNo != "0123456789" {
		t.Fatalf("after the basic file: phone %s, details %+v", an.Phone, d)
	}
	for part, src := range map[string]string{identity.PartContact: "import:school.csv", identity.PartIdentity: "import:registry.csv",
		identity.PartDrivingLicence: "import:registry.csv", identity.PartVehicles: "import:registry.csv"} {
		if an.Sources[part].Source != src {
			t.Errorf("provenance of %s: %+v, want %s", part, an.Sources[part], src)
		}
	}
	khoa, err := st.GetCitizen(context.Background(), "040207654321")
	if err != nil || khoa.Details.Ethnicity == nil || khoa.Details.Ethnicity.Label != "Thái" || khoa.Details.DrivingLicence != nil {
		t.Fatalf("Khoa: %+v, %v", khoa.Details, err)
	}

	// A file with a driving-licence column group whose cells are empty
	// clears the licence, and only it.
	clear := writeFile(t, "dl.csv", `id_number,full_name,birthdate,gender,phone,driving_licence_number,driving_licence_issuer,driving_licence_classes
001095012345,Nguyễn Văn An,1995-03-14,male,0912000111,,,
`)
	if out, err := c.run("citizens", "import", clear); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	an, err = st.GetCitizen(context.Background(), "001095012345")
	if err != nil || an.Details.DrivingLicence != nil || len(an.Details.Vehicles) != 1 || an.Email != "an@example.vn" {
		t.Fatalf("after clearing the licence: %+v, %v", an, err)
	}
	if _, ok := an.Sources[identity.PartDrivingLicence]; ok {
		t.Errorf("a cleared licence keeps a provenance: %+v", an.Sources)
	}
}

func TestAccountsIssueAndClientsCreate(t *testing.T) {
	c := newCLI(t)
	file := writeFile(t, "ok.csv", strings.Join(strings.Split(citizensCSV, "\n")[:3], "\n")+"\n")
	if out, err := c.run("citizens", "import", file); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	out, err := c.run("--json", "accounts", "issue", "001095012345", "--level", "2")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var issued map[string]any
	_ = json.Unmarshal([]byte(out), &issued)
	if !strings.HasSuffix(fmt.Sprint(issued["sms_sent_to"]), "*678") || issued["account_id"] == "" || issued["level"] != float64(2) {
		t.Errorf("issue: %s", out)
	}
	if strings.Contains(out, "0912345678") || strings.Contains(out, "+84912345678") {
		t.Errorf("output leaks the phone number: %s", out)
	}
	if _, err := c.run("accounts", "issue", "001095012345"); err == nil {
		t.Error("a second account for the same citizen was issued")
	}
	if _, err := c.run("accounts", "issue", "048188000777", "--password", "mat-khau-12345"); err == nil || !strings.Contains(err.Error(), "import it first") {
		t.Errorf("account without citizen record: %v", err)
	}
	if _, err := c.run("accounts", "issue", "07909512345"); err == nil {
		t.Error("malformed ID number accepted")
	}

	out, err = c.run("--json", "clients", "create", "--id", "exam-portal", "--name", "Cổng thi", "--redirect-uri", "https://thi.example.vn/callback", "--scope", "openid profile vn_id")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var client map[string]any
	_ = json.Unmarshal([]byte(out), &client)
	secret, _ := client["client_secret"].(string)
	if len(secret) < 43 {
		t.Errorf("generated secret too short: %q", secret)
	}
	if _, err := c.run("clients", "create", "--id", "short", "--name", "x", "--redirect-uri", "https://a.example/cb", "--scope", "openid", "--secret", "too-short"); err == nil {
		t.Error("short secret accepted")
	}
	if _, err := c.run("clients", "create", "--id", "plain-http", "--name", "x", "--redirect-uri", "http://rp.example/cb", "--scope", "openid"); err == nil {
		t.Error("http redirect URI accepted for a non-loopback host")
	}
	if out, err := c.run("--json", "keys", "rotate"); err != nil || !strings.Contains(out, "RS256") {
		t.Errorf("keys rotate: %v %s", err, out)
	}
}

// openThrottle opens the CLI's database directly, with the throttle the
// server would build.
func (c *cli) openThrottle() (*storage.Store, *identity.Throttle) {
	c.t.Helper()
	mk, err := base64.StdEncoding.DecodeString(c.mk)
	if err != nil {
		c.t.Fatal(err)
	}
	secrets, err := app.DeriveSecrets(mk)
	if err != nil {
		c.t.Fatal(err)
	}
	st, err := app.OpenStore(context.Background(), c.db, time.Now)
	if err != nil {
		c.t.Fatal(err)
	}
	return st, identity.NewThrottle(st, st, identity.DefaultThrottlePolicy, secrets.Throttle)
}

func TestAccountsUnlock(t *testing.T) {
	const pin = "001095012345"
	c := newCLI(t)
	file := writeFile(t, "ok.csv", strings.Join(strings.Split(citizensCSV, "\n")[:3], "\n")+"\n")
	if out, err := c.run("citizens", "import", file); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out, err := c.run("accounts", "issue", pin, "--password", "mat-khau-12345"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}

	// Lock the account as failed logins would.
	ctx := context.Background()
	st, th := c.openThrottle()
	acc, err := st.GetAccountByPIN(ctx, pin)
	if err != nil {
		t.Fatal(err)
	}
	key := th.AccountKey(pin)
	now := time.Now()
	for i := 0; i < identity.DefaultThrottlePolicy.LockAfter; i++ {
		if err := th.Fail(ctx, key, acc.ID, now); err != nil {
			t.Fatal(err)
		}
	}
	var te *identity.ThrottledError
	if err := th.Check(ctx, key, now); !errors.As(err, &te) || !te.Locked {
		t.Fatalf("account not locked before the test: %v", err)
	}
	st.Close()

	if _, err := c.run("accounts", "unlock", "07909512345"); err == nil || !strings.Contains(err.Error(), "12 digits") {
		t.Errorf("malformed ID number: %v", err)
	}
	if _, err := c.run("accounts", "unlock", "079304123456"); err == nil || err.Error() != "no account for this ID number" {
		t.Errorf("citizen without an account: %v", err)
	}
	out, err := c.run("accounts", "unlock", pin)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out != "account "+acc.ID+" unlocked\n" {
		t.Errorf("output %q", out)
	}
	out, err = c.run("--json", "accounts", "unlock", "001 095 012 345")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var res struct {
		AccountID string `json:"account_id"`
		Unlocked  bool   `json:"unlocked"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.AccountID != acc.ID || !res.Unlocked {
		t.Errorf("JSON output %q (%v)", out, err)
	}
	if strings.Contains(out, pin) {
		t.Errorf("output shows the ID number: %s", out)
	}

	st, th = c.openThrottle()
	defer st.Close()
	if err := th.Check(ctx, key, time.Now()); err != nil {
		t.Errorf("still throttled after unlock: %v", err)
	}
	events, err := st.ListAudit(ctx, 20)
	if err != nil {
		t.Fatal(err)
	}
	var locked, unlocked bool
	for _, e := range events {
		locked = locked || e.Kind == "account_locked" && e.AccountID == acc.ID
		unlocked = unlocked || e.Kind == "account_unlocked" && e.AccountID == acc.ID
		if strings.Contains(e.Detail, pin) {
			t.Errorf("audit event %s holds the ID number", e.Kind)
		}
	}
	if !locked || !unlocked {
		t.Errorf("audit log lacks the lock or the unlock: %+v", events)
	}
}

func TestSMSConfiguration(t *testing.T) {
	t.Setenv("DINHDANH_SMS", "https://sms.example.vn/send")
	t.Setenv("DINHDANH_SMS_TOKEN", "env-token")
	g := &globalFlags{}
	c, err := g.resolve()
	if err != nil {
		t.Fatal(err)
	}
	if c.SMS != "https://sms.example.vn/send" || c.SMSToken != "env-token" {
		t.Fatalf("resolved %q, %q", c.SMS, c.SMSToken)
	}
	s, err := smsSender(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*identity.HTTPSMSSender); !ok {
		t.Errorf("smsSender = %T, want *identity.HTTPSMSSender", s)
	}

	// File < environment < flag.
	cfgFile := writeFile(t, "dinhdanh.yaml", "sms: https://file.example.vn/send\nsms_token: file-token\n")
	t.Setenv("DINHDANH_SMS_TOKEN", "")
	g = &globalFlags{configFile: cfgFile}
	if c, err = g.resolve(); err != nil || c.SMSToken != "file-token" || c.SMS != "https://sms.example.vn/send" {
		t.Errorf("from the file: %q, %q, %v", c.SMS, c.SMSToken, err)
	}
	t.Setenv("DINHDANH_SMS_TOKEN", "env-token")
	g = &globalFlags{configFile: cfgFile}
	root := &cobra.Command{}
	g.bind(root)
	if err := root.PersistentFlags().Parse([]string{"--sms-token", "flag-token"}); err != nil {
		t.Fatal(err)
	}
	if c, err = g.resolve(); err != nil || c.SMSToken != "flag-token" {
		t.Errorf("from the flag: %q, %v", c.SMSToken, err)
	}
	if f := root.PersistentFlags().Lookup("sms-token"); !strings.Contains(f.Usage, "DINHDANH_SMS_TOKEN") {
		t.Errorf("--sms-token help does not name the environment variable: %q", f.Usage)
	}

	c.SMSToken = ""
	if _, err := smsSender(c); err == nil || !strings.Contains(err.Error(), "DINHDANH_SMS_TOKEN") {
		t.Errorf("gateway URL without a token: %v", err)
	}
	c.SMSToken = "secret-token"
	for _, bad := range []string{"ftp://sms.example.vn/send", "http://sms.example.vn/send", "smtp"} {
		c.SMS = bad
		if _, err := smsSender(c); err == nil || strings.Contains(err.Error(), "secret-token") {
			t.Errorf("DINHDANH_SMS=%q: %v", bad, err)
		}
	}
	c.SMS = "log"
	if s, err := smsSender(c); err != nil || s == nil {
		t.Errorf("log sender: %v", err)
	}
}

func TestServeDrainsOnShutdown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	started := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		close(started)
		time.Sleep(300 * time.Millisecond) // a request in flight at SIGTERM
		_, _ = w.Write([]byte("done"))
	})
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serve(ctx, addr, h, nil) }()
	var resp *http.Response
	got := make(chan error, 1)
	go func() {
		for i := 0; i < 50; i++ {
			resp, err = http.Get("http://" + addr + "/")
			if err == nil {
				got <- nil
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		got <- err
	}()
	<-started
	cancel()
	if err := <-got; err != nil {
		t.Fatalf("in-flight request failed: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("in-flight request: %d", resp.StatusCode)
	}
	if err := <-served; err != nil {
		t.Errorf("serve returned %v", err)
	}
}

func TestAccountsIssueDevOutbox(t *testing.T) {
	c := newCLI(t)
	file := writeFile(t, "ok.csv", strings.Join(strings.Split(citizensCSV, "\n")[:3], "\n")+"\n")
	if out, err := c.run("citizens", "import", file); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out, err := c.run("accounts", "issue", "001095012345"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out, err := c.run("accounts", "issue", "079304123456", "--dev"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	st, err := app.OpenStore(context.Background(), c.db, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	msgs, err := st.ListDevSMS(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	// Only the --dev issue reached the outbox that /dev/sms shows.
	if len(msgs) != 1 || !strings.HasSuffix(msgs[0].To, "456") || strings.Contains(msgs[0].To, "903123456") || !strings.Contains(msgs[0].Body, "Mat khau") {
		t.Fatalf("outbox: %+v", msgs)
	}
}

// A registrar's in-person check clears the SMS-reset mark (and may drop a
// lost app); a level change is notified.
func TestAccountsVerifyAndLevel(t *testing.T) {
	const pin = "001095012345"
	c := newCLI(t)
	file := writeFile(t, "ok.csv", strings.Join(strings.Split(citizensCSV, "\n")[:3], "\n")+"\n")
	if out, err := c.run("citizens", "import", file); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out, err := c.run("accounts", "issue", pin, "--password", "mat-khau-12345"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	st, _ := c.openThrottle()
	ctx := context.Background()
	acc, err := st.GetAccountByPIN(ctx, pin)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetSMSResetHold(ctx, acc.ID, true); err != nil {
		t.Fatal(err)
	}
	st.Close()
	out, err := c.run("--json", "accounts", "verify", pin, "--remove-authenticator")
	if err != nil || strings.Contains(out, pin) {
		t.Fatalf("verify: %v %s", err, out)
	}
	if out, err := c.run("--json", "accounts", "level", pin, "--level", "1"); err != nil || !strings.Contains(out, `"level": 1`) && !strings.Contains(out, `"level":1`) {
		t.Fatalf("level: %v %s", err, out)
	}
	st, _ = c.openThrottle()
	defer st.Close()
	acc, err = st.GetAccountByPIN(ctx, pin)
	if err != nil || acc.SMSResetHold || acc.Level != identity.Level1 {
		t.Fatalf("after verify and level: hold %v level %d %v", acc.SMSResetHold, acc.Level, err)
	}
	events, _ := st.ListAudit(ctx, 10)
	kinds := map[string]bool{}
	for _, e := range events {
		kinds[e.Kind] = true
	}
	if !kinds["verified_in_person"] || !kinds["account_level"] {
		t.Errorf("not audited: %v", kinds)
	}
}

func TestInitialPasswordLifetimeConfig(t *testing.T) {
	file := writeFile(t, "c.yaml", "initial_password_lifetime: 240h\n")
	g := &globalFlags{configFile: file}
	t.Setenv("DINHDANH_INITIAL_PASSWORD_LIFETIME", "")
	c, err := g.resolve()
	if d, perr := c.initialPasswordLifetime(); err != nil || perr != nil || d != 240*time.Hour {
		t.Fatalf("from the file: %v %v %v", d, err, perr)
	}
	t.Setenv("DINHDANH_INITIAL_PASSWORD_LIFETIME", "480h")
	c, _ = g.resolve()
	if d, _ := c.initialPasswordLifetime(); d != 480*time.Hour {
		t.Fatalf("the environment does not override the file: %v", d)
	}
	g.cfg.InitialPasswordLifetime = "72h"
	c, _ = g.resolve()
	if d, _ := c.initialPasswordLifetime(); d != 72*time.Hour {
		t.Fatalf("the flag does not override the environment: %v", d)
	}
	g.cfg.InitialPasswordLifetime = "10m"
	c, _ = g.resolve()
	if _, err := c.initialPasswordLifetime(); err == nil {
		t.Fatal("a lifetime under an hour accepted")
	}
	if (config{}).InitialPasswordLifetime != "" {
		t.Fatal("unexpected default")
	}
}

// A fresh SQLite path: the database, its WAL and SHM files and the
// generated master key are 0600 and a created directory 0700, whatever
// the umask; an existing database left readable is tightened.
func TestDatabaseAndMasterKeyFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
	dir := filepath.Join(t.TempDir(), "state")
	db := filepath.Join(dir, "dinhdanh.db")
	c := &cli{t: t, db: "sqlite:" + db}
	mode := func(p string) os.FileMode {
		t.Helper()
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Mode().Perm()
	}
	// migrate creates the directory and the database; with no
	// DINHDANH_MASTER_KEY, keys rotate then generates the key file.
	for _, args := range [][]string{{"migrate"}, {"keys", "rotate"}} {
		if out, err := c.run(args...); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	}
	if got := mode(dir); got != 0o700 {
		t.Errorf("database directory mode %o, want 700", got)
	}
	for _, p := range []string{db, filepath.Join(dir, "dinhdanh.masterkey")} {
		if got := mode(p); got != 0o600 {
			t.Errorf("%s mode %o, want 600", filepath.Base(p), got)
		}
	}
	// While the app runs, the WAL and SHM files exist: private too.
	mk, err := config{DatabaseURL: c.db}.masterKey()
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(context.Background(), app.Options{Issuer: "http://localhost:8080", DatabaseURL: c.db, MasterKey: mk,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Keys.Rotate(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{db + "-wal", db + "-shm"} {
		if got := mode(p); got != 0o600 {
			t.Errorf("%s mode %o, want 600", filepath.Base(p), got)
		}
	}
	_ = a.Close()

	if err := os.Chmod(db, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := c.run("migrate"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got := mode(db); got != 0o600 {
		t.Errorf("existing database left at %o after migrate", got)
	}
	// An existing master-key file left readable is tightened when loaded.
	key := filepath.Join(dir, "dinhdanh.masterkey")
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := c.run("keys", "rotate"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got := mode(key); got != 0o600 {
		t.Errorf("existing master key left at %o after loading", got)
	}
}
