package identity

import (
	"bytes"
	"context"
	"crypto/hmac"
	"encoding/base32"
	"errors"
	"image/png"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// memTOTP is an in-memory TOTPStore honouring the conditional updates of
// the contract; the database one has its own conformance tests.
type memTOTP struct {
	mu    sync.Mutex
	enr   map[string]TOTPEnrolment
	codes map[string][]RecoveryCode
}

func newMemTOTP() *memTOTP {
	return &memTOTP{enr: map[string]TOTPEnrolment{}, codes: map[string][]RecoveryCode{}}
}

func (m *memTOTP) SaveTOTP(_ context.Context, e TOTPEnrolment) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	e.SecretSealed = bytes.Clone(e.SecretSealed)
	m.enr[e.AccountID] = e
	return nil
}

func (m *memTOTP) GetTOTP(_ context.Context, id string) (TOTPEnrolment, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.enr[id]
	if !ok {
		return TOTPEnrolment{}, ErrNotFound
	}
	e.SecretSealed = bytes.Clone(e.SecretSealed)
	return e, nil
}

func (m *memTOTP) AdvanceTOTPStep(_ context.Context, id string, step int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.enr[id]
	if !ok {
		return ErrNotFound
	}
	if step <= e.LastStep {
		return ErrConflict
	}
	e.LastStep = step
	m.enr[id] = e
	return nil
}

func (m *memTOTP) ReplaceRecoveryCodes(_ context.Context, id string, hashes [][]byte, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cs := make([]RecoveryCode, len(hashes))
	for i, h := range hashes {
		cs[i] = RecoveryCode{AccountID: id, Hash: bytes.Clone(h)}
	}
	m.codes[id] = cs
	return nil
}

func (m *memTOTP) UseRecoveryCode(_ context.Context, id string, hash []byte, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, c := range m.codes[id] {
		if c.UsedAt.IsZero() && hmac.Equal(c.Hash, hash) {
			m.codes[id][i].UsedAt = at
			return nil
		}
	}
	return ErrNotFound
}

func (m *memTOTP) DeleteTOTP(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.enr, id)
	delete(m.codes, id)
	return nil
}

var _ TOTPStore = (*memTOTP)(nil)

const testIssuer = "Định danh điện tử"

// t0 is 7 s into step 60 000 000 (1.8e9 / 30).
var t0 = time.Unix(1_800_000_007, 0)

const step0 = int64(60_000_000)

type totpFixture struct {
	svc   *TOTPService
	store *memTOTP
	now   time.Time // read by svc through a closure
}

func newTOTPFixture(t *testing.T) *totpFixture {
	t.Helper()
	f := &totpFixture{store: newMemTOTP(), now: t0}
	f.svc = f.service(t, bytes.Repeat([]byte{7}, 32))
	return f
}

// service builds a service over the fixture's store and clock with key.
func (f *totpFixture) service(t *testing.T, key []byte) *TOTPService {
	t.Helper()
	svc, err := NewTOTPService(TOTPConfig{Store: f.store, Key: key, Issuer: testIssuer, Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// at sets the clock n steps after step0, 7 s into the step.
func (f *totpFixture) at(n int64) { f.now = t0.Add(time.Duration(n) * totpPeriod * time.Second) }

// begin starts enrolment and returns the secret read back from the URL.
func (f *totpFixture) begin(t *testing.T, accountID string) string {
	t.Helper()
	u, _, err := f.svc.Begin(context.Background(), accountID, "***789")
	if err != nil {
		t.Fatal(err)
	}
	k, err := otp.NewKeyFromURL(u)
	if err != nil {
		t.Fatal(err)
	}
	return k.Secret()
}

// enrol begins and confirms at the current clock, returning the secret
// and the recovery codes.
func (f *totpFixture) enrol(t *testing.T, accountID string) (string, []string) {
	t.Helper()
	secret := f.begin(t, accountID)
	codes, err := f.svc.Confirm(context.Background(), accountID, codeAt(t, secret, f.step()))
	if err != nil {
		t.Fatal(err)
	}
	return secret, codes
}

func (f *totpFixture) step() int64 { return f.now.Unix() / totpPeriod }

// codeAt computes the code of a step independently of the service.
func codeAt(t *testing.T, secret string, step int64) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wrongCode returns a well-formed code matching none of the steps around
// step.
func wrongCode(t *testing.T, secret string, step int64) string {
	t.Helper()
	near := map[string]bool{}
	for d := int64(-3); d <= 3; d++ {
		near[codeAt(t, secret, step+d)] = true
	}
	for _, c := range []string{"000000", "111111", "222222", "333333", "444444", "555555", "666666", "777777"} {
		if !near[c] {
			return c
		}
	}
	t.Fatal("no wrong code found")
	return ""
}

func TestTOTPBegin(t *testing.T) {
	f := newTOTPFixture(t)
	ctx := context.Background()
	raw, qr, err := f.svc.Begin(ctx, "acc1", "***789")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/"+testIssuer+":***789" {
		t.Errorf("URL %s://%s%s, want otpauth://totp/%s:***789", u.Scheme, u.Host, u.Path, testIssuer)
	}
	q := u.Query()
	for name, want := range map[string]string{"issuer": testIssuer, "digits": "6", "period": "30", "algorithm": "SHA1"} {
		if got := q.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(q.Get("secret"))
	if err != nil || len(secret) != 20 {
		t.Errorf("secret: %d bytes, %v; want 20 bytes of base32 (RFC 4226 §4 R6)", len(secret), err)
	}

	img, err := png.Decode(bytes.NewReader(qr))
	if err != nil {
		t.Fatalf("QR code is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 256 || b.Dy() != 256 {
		t.Errorf("QR code is %v, want 256×256", b)
	}
	dark, light := false, false
	for y := 0; y < 256; y += 4 {
		for x := 0; x < 256; x += 4 {
			r, _, _, _ := img.At(x, y).RGBA()
			dark, light = dark || r < 0x8000, light || r >= 0x8000
		}
	}
	if !dark || !light {
		t.Error("QR code image is blank")
	}

	e, err := f.store.GetTOTP(ctx, "acc1")
	if err != nil {
		t.Fatal(err)
	}
	if e.Confirmed || e.LastStep != 0 || !e.CreatedAt.Equal(t0) {
		t.Errorf("stored %+v, want unconfirmed, LastStep 0, created at t0", e)
	}
	if ok, err := f.svc.Enrolled(ctx, "acc1"); ok || err != nil {
		t.Errorf("Enrolled before Confirm = %v, %v", ok, err)
	}
}

func TestTOTPBeginRefusesBadLabels(t *testing.T) {
	f := newTOTPFixture(t)
	for _, label := range []string{"", "  ", "001095012345", "001 095 012 345", "0912345678", "+84 912 345 678", "a:b"} {
		if _, _, err := f.svc.Begin(context.Background(), "acc1", label); err == nil {
			t.Errorf("label %q accepted", label)
		}
	}
	if len(f.store.enr) != 0 {
		t.Error("refused label still stored an enrolment")
	}
	for _, label := range []string{"***789", "Nguyễn V. A", "tài khoản 12345678"} {
		if _, _, err := f.svc.Begin(context.Background(), "acc1", label); err != nil {
			t.Errorf("label %q refused: %v", label, err)
		}
	}
}

var recoveryCodeForm = regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$`)

func TestTOTPConfirm(t *testing.T) {
	f := newTOTPFixture(t)
	ctx := context.Background()
	if _, err := f.svc.Confirm(ctx, "acc1", "123456"); !errors.Is(err, ErrTOTPNotEnrolled) {
		t.Fatalf("Confirm before Begin: %v", err)
	}
	secret := f.begin(t, "acc1")
	if _, err := f.svc.Confirm(ctx, "acc1", wrongCode(t, secret, step0)); !errors.Is(err, ErrTOTPInvalid) {
		t.Fatalf("wrong first code: %v", err)
	}
	if ok, _ := f.svc.Enrolled(ctx, "acc1"); ok {
		t.Fatal("enrolled after a wrong first code")
	}
	first := codeAt(t, secret, step0)
	codes, err := f.svc.Confirm(ctx, "acc1", first)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := f.svc.Enrolled(ctx, "acc1"); !ok || err != nil {
		t.Fatalf("Enrolled after Confirm = %v, %v", ok, err)
	}
	e, _ := f.store.GetTOTP(ctx, "acc1")
	if !e.Confirmed || !e.ConfirmedAt.Equal(t0) || e.LastStep != step0 {
		t.Errorf("stored %+v, want confirmed at t0 with LastStep %d", e, step0)
	}

	if len(codes) != 10 {
		t.Fatalf("%d recovery codes, want 10", len(codes))
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if !recoveryCodeForm.MatchString(c) || seen[c] {
			t.Errorf("recovery code %q malformed or repeated", c)
		}
		seen[c] = true
	}
	stored := f.store.codes["acc1"]
	if len(stored) != 10 {
		t.Fatalf("%d recovery codes stored, want 10", len(stored))
	}
	for _, rc := range stored {
		for _, c := range codes {
			if bytes.Contains(rc.Hash, []byte(c)) || bytes.Contains(rc.Hash, []byte(normalizeRecoveryCode(c))) {
				t.Fatal("a recovery code is stored in plain text")
			}
		}
	}

	// The confirming code is spent: it cannot log in straight after.
	if err := f.svc.Verify(ctx, "acc1", first); !errors.Is(err, ErrTOTPInvalid) {
		t.Errorf("confirming code reused for Verify: %v", err)
	}
	if _, err := f.svc.Confirm(ctx, "acc1", codeAt(t, secret, step0+1)); !errors.Is(err, ErrTOTPAlreadyEnrolled) {
		t.Errorf("second Confirm: %v", err)
	}
}

func TestTOTPBeginReplacesUnconfirmed(t *testing.T) {
	f := newTOTPFixture(t)
	ctx := context.Background()
	old := f.begin(t, "acc1")
	fresh := f.begin(t, "acc1")
	if old == fresh {
		t.Fatal("second Begin reused the secret")
	}
	if codeAt(t, old, step0) == codeAt(t, fresh, step0) {
		t.Skip("the two secrets give the same code this step (one in a million)")
	}
	if _, err := f.svc.Confirm(ctx, "acc1", codeAt(t, old, step0)); !errors.Is(err, ErrTOTPInvalid) {
		t.Fatalf("replaced secret confirmed: %v", err)
	}
	if _, err := f.svc.Confirm(ctx, "acc1", codeAt(t, fresh, step0)); err != nil {
		t.Fatalf("new secret: %v", err)
	}
}

func TestTOTPBeginAfterConfirmRefused(t *testing.T) {
	f := newTOTPFixture(t)
	ctx := context.Background()
	secret, _ := f.enrol(t, "acc1")
	before, _ := f.store.GetTOTP(ctx, "acc1")
	_, _, err := f.svc.Begin(ctx, "acc1", "***789")
	if !errors.Is(err, ErrTOTPAlreadyEnrolled) {
		t.Fatalf("Begin after Confirm: %v", err)
	}
	after, _ := f.store.GetTOTP(ctx, "acc1")
	if !after.Confirmed || !bytes.Equal(before.SecretSealed, after.SecretSealed) {
		t.Fatal("refused Begin changed the enrolment")
	}
	f.at(1)
	if err := f.svc.Verify(ctx, "acc1", codeAt(t, secret, step0+1)); err != nil {
		t.Fatalf("original secret after refused Begin: %v", err)
	}
}

func TestTOTPVerifyWindow(t *testing.T) {
	// RFC 6238 §5.2: at most one step of drift either way.
	for d := int64(-3); d <= 3; d++ {
		f := newTOTPFixture(t)
		secret, _ := f.enrol(t, "acc1")
		f.at(10)
		err := f.svc.Verify(context.Background(), "acc1", codeAt(t, secret, step0+10+d))
		if want := d >= -1 && d <= 1; want != (err == nil) {
			t.Errorf("code %+d steps from now: %v", d, err)
		} else if err != nil && !errors.Is(err, ErrTOTPInvalid) {
			t.Errorf("code %+d steps from now: %v, want ErrTOTPInvalid", d, err)
		}
	}
}

func TestTOTPVerifyStepEdges(t *testing.T) {
	// The first and last second of a step still accept the neighbours.
	for _, off := range []time.Duration{-7 * time.Second, 22 * time.Second} {
		for _, d := range []int64{-1, 1} {
			f := newTOTPFixture(t)
			secret, _ := f.enrol(t, "acc1")
			f.at(10)
			f.now = f.now.Add(off)
			if err := f.svc.Verify(context.Background(), "acc1", codeAt(t, secret, step0+10+d)); err != nil {
				t.Errorf("%v into the step, code %+d: %v", off+7*time.Second, d, err)
			}
		}
	}
}

func TestTOTPVerifyReplay(t *testing.T) {
	f := newTOTPFixture(t)
	ctx := context.Background()
	secret, _ := f.enrol(t, "acc1")
	f.at(5)
	code := codeAt(t, secret, step0+5)
	if err := f.svc.Verify(ctx, "acc1", code); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Verify(ctx, "acc1", code); !errors.Is(err, ErrTOTPInvalid) {
		t.Fatalf("same code twice: %v", err)
	}
	// Still in the window one step later, but spent.
	f.at(6)
	if err := f.svc.Verify(ctx, "acc1", code); !errors.Is(err, ErrTOTPInvalid) {
		t.Fatalf("same code a step later: %v", err)
	}
}

func TestTOTPVerifyRefusesOlderThanLastAccepted(t *testing.T) {
	f := newTOTPFixture(t)
	ctx := context.Background()
	secret, _ := f.enrol(t, "acc1")
	f.at(5)
	// The phone runs a step fast: its code for step+1 is accepted ...
	if err := f.svc.Verify(ctx, "acc1", codeAt(t, secret, step0+6)); err != nil {
		t.Fatal(err)
	}
	// ... after which the current and previous steps' codes, though inside
	// the window, are older than the last accepted one.
	for _, s := range []int64{step0 + 5, step0 + 4} {
		if err := f.svc.Verify(ctx, "acc1", codeAt(t, secret, s)); !errors.Is(err, ErrTOTPInvalid) {
			t.Errorf("code of step %+d after step +6 accepted: %v", s-step0, err)
		}
	}
	if e, _ := f.store.GetTOTP(ctx, "acc1"); e.LastStep != step0+6 {
		t.Errorf("LastStep %d, want %d", e.LastStep, step0+6)
	}
	f.at(6)
	if err := f.svc.Verify(ctx, "acc1", codeAt(t, secret, step0+7)); err != nil {
		t.Errorf("next step's code: %v", err)
	}
}

func TestTOTPVerifyRepeatedDigitsOfALaterStep(t *testing.T) {
	// This secret happens to give the same code for steps +4 and +5. Once
	// step +4 is spent, the same digits are still the honest code for step
	// +5 and must be matched to it, not refused as a replay of +4.
	const secret = "UVL7DPCT2NXSZ2SD27LPQ27HIJXZN6FF"
	code := codeAt(t, secret, step0+4)
	if codeAt(t, secret, step0+5) != code {
		t.Fatal("fixture secret no longer collides")
	}
	f := newTOTPFixture(t)
	ctx := context.Background()
	sealed, err := f.svc.seal("acc1", []byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	_ = f.store.SaveTOTP(ctx, TOTPEnrolment{AccountID: "acc1", SecretSealed: sealed, Confirmed: true, LastStep: step0})
	f.at(5)
	for i, want := range []int64{step0 + 4, step0 + 5} {
		if err := f.svc.Verify(ctx, "acc1", code); err != nil {
			t.Fatalf("try %d: %v", i+1, err)
		}
		if e, _ := f.store.GetTOTP(ctx, "acc1"); e.LastStep != want {
			t.Fatalf("try %d: LastStep %+d, want %+d", i+1, e.LastStep-step0, want-step0)
		}
	}
	if err := f.svc.Verify(ctx, "acc1", code); !errors.Is(err, ErrTOTPInvalid) {
		t.Fatalf("third try: %v", err)
	}
}

func TestTOTPVerifyConcurrentOnce(t *testing.T) {
	f := newTOTPFixture(t)
	secret, _ := f.enrol(t, "acc1")
	f.at(3)
	code := codeAt(t, secret, step0+3)
	const n = 16
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { errs <- f.svc.Verify(context.Background(), "acc1", code) })
	}
	wg.Wait()
	close(errs)
	ok := 0
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, ErrTOTPInvalid):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("code accepted %d times by %d racing requests, want once", ok, n)
	}
}

func TestTOTPVerifyErrors(t *testing.T) {
	f := newTOTPFixture(t)
	ctx := context.Background()
	if err := f.svc.Verify(ctx, "nobody", "123456"); !errors.Is(err, ErrTOTPNotEnrolled) {
		t.Errorf("no enrolment: %v", err)
	}
	pending := f.begin(t, "pending")
	if err := f.svc.Verify(ctx, "pending", codeAt(t, pending, step0)); !errors.Is(err, ErrTOTPNotEnrolled) {
		t.Errorf("unconfirmed enrolment: %v", err)
	}
	secret, _ := f.enrol(t, "acc1")
	f.at(2)
	for _, c := range []string{"", "12345", "1234567", "12a456", "１２３４５６", wrongCode(t, secret, step0+2)} {
		if err := f.svc.Verify(ctx, "acc1", c); !errors.Is(err, ErrTOTPInvalid) {
			t.Errorf("code %q: %v", c, err)
		}
	}
	c := codeAt(t, secret, step0+2)
	if err := f.svc.Verify(ctx, "acc1", " "+c[:3]+" "+c[3:]+" "); err != nil {
		t.Errorf("code written with spaces: %v", err)
	}

	for _, err := range []error{ErrTOTPInvalid, ErrTOTPNotEnrolled, ErrTOTPAlreadyEnrolled, ErrRecoveryCodeInvalid} {
		var le LocalizedError
		if !errors.As(err, &le) || le.Code() == "" || le.MessageVI() == "" || le.MessageEN() == "" || le.MessageVI() == le.MessageEN() {
			t.Errorf("%v: not a LocalizedError with both messages", err)
		}
	}
}

func TestTOTPSealing(t *testing.T) {
	f := newTOTPFixture(t)
	ctx := context.Background()
	secret, _ := f.enrol(t, "acc1")
	e, _ := f.store.GetTOTP(ctx, "acc1")
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		t.Fatal(err)
	}
	for _, plain := range [][]byte{[]byte(secret), []byte(strings.ToLower(secret)), raw} {
		if bytes.Contains(e.SecretSealed, plain) {
			t.Fatal("the secret is stored in plain text")
		}
	}

	f.at(1)
	code := codeAt(t, secret, step0+1)
	// Another key cannot open it, and nothing is spent by trying.
	other := f.service(t, bytes.Repeat([]byte{8}, 32))
	if err := other.Verify(ctx, "acc1", code); !errors.Is(err, ErrTOTPDecrypt) {
		t.Errorf("wrong key: %v", err)
	}
	// Nor does the sealed secret open under another account (the AAD).
	moved := e
	moved.AccountID = "acc2"
	_ = f.store.SaveTOTP(ctx, moved)
	if err := f.svc.Verify(ctx, "acc2", code); !errors.Is(err, ErrTOTPDecrypt) {
		t.Errorf("secret moved to another account: %v", err)
	}
	// Nor once altered.
	tampered := e
	tampered.AccountID = "acc3"
	tampered.SecretSealed = bytes.Clone(e.SecretSealed)
	tampered.SecretSealed[len(tampered.SecretSealed)-1] ^= 1
	_ = f.store.SaveTOTP(ctx, tampered)
	if err := f.svc.Verify(ctx, "acc3", code); !errors.Is(err, ErrTOTPDecrypt) {
		t.Errorf("altered ciphertext: %v", err)
	}
	if _, err := f.svc.open("acc3", []byte("short")); !errors.Is(err, ErrTOTPDecrypt) {
		t.Errorf("short ciphertext: %v", err)
	}
	// The right key still works.
	if err := f.svc.Verify(ctx, "acc1", code); err != nil {
		t.Errorf("right key: %v", err)
	}
	// Random nonces: sealing twice never gives the same bytes.
	a, _ := f.svc.seal("acc1", []byte(secret))
	b, _ := f.svc.seal("acc1", []byte(secret))
	if bytes.Equal(a, b) {
		t.Error("two seals of one secret are equal")
	}
}

func TestRecoveryCodes(t *testing.T) {
	f := newTOTPFixture(t)
	ctx := context.Background()
	if err := f.svc.UseRecoveryCode(ctx, "acc1", "abcde-fghjk"); !errors.Is(err, ErrTOTPNotEnrolled) {
		t.Errorf("not enrolled: %v", err)
	}
	_, codes := f.enrol(t, "acc1")
	_, otherCodes := f.enrol(t, "acc2")

	if err := f.svc.UseRecoveryCode(ctx, "acc1", otherCodes[0]); !errors.Is(err, ErrRecoveryCodeInvalid) {
		t.Errorf("another account's code: %v", err)
	}
	for _, bad := range []string{"", "abcde", "abcde-fghjk-mnpqr", "abcde-fghj!", "ABCDE-FGHJU"} {
		if err := f.svc.UseRecoveryCode(ctx, "acc1", bad); !errors.Is(err, ErrRecoveryCodeInvalid) {
			t.Errorf("code %q: %v", bad, err)
		}
	}
	// Each code works once, however it is typed.
	for i, c := range codes {
		typed := c
		switch i % 3 {
		case 1:
			typed = " " + strings.ToUpper(c) + " "
		case 2:
			typed = strings.ReplaceAll(c, "-", " ")[:3] + " " + strings.ReplaceAll(c, "-", "")[3:]
		}
		if err := f.svc.UseRecoveryCode(ctx, "acc1", typed); err != nil {
			t.Errorf("code %d typed %q: %v", i, typed, err)
		}
		if err := f.svc.UseRecoveryCode(ctx, "acc1", c); !errors.Is(err, ErrRecoveryCodeInvalid) {
			t.Errorf("code %d used twice: %v", i, err)
		}
	}
	if err := f.svc.UseRecoveryCode(ctx, "acc2", otherCodes[0]); err != nil {
		t.Errorf("acc2's own code after acc1 used all of theirs: %v", err)
	}
	// The hash is keyed by account too: one code on two accounts gives two
	// unrelated hashes, so a row moved between accounts does not match.
	if bytes.Equal(f.svc.recoveryHash("acc1", "abcdefghjk"), f.svc.recoveryHash("acc2", "abcdefghjk")) {
		t.Error("recovery hash ignores the account")
	}
}

func TestNormalizeRecoveryCode(t *testing.T) {
	for in, want := range map[string]string{
		"abcde-fghjk":     "abcdefghjk",
		" ABCDE FGHJK\t":  "abcdefghjk",
		"o0OiIlL1-xyz":    "00011111xyz",
		"--ab-cd--":       "abcd",
		"Ẩ":               "ẩ",
		"":                "",
		"vWxYz-23456":     "vwxyz23456",
		"ABCDE-FGHJK-MNP": "abcdefghjkmnp",
	} {
		if got := normalizeRecoveryCode(in); got != want {
			t.Errorf("normalizeRecoveryCode(%q) = %q, want %q", in, got, want)
		}
	}
	// A code whose digits are typed as look-alike letters still works.
	f := newTOTPFixture(t)
	ctx := context.Background()
	_, codes := f.enrol(t, "acc1")
	used := 0
	for _, c := range codes {
		typed := strings.NewReplacer("0", "O", "1", "l").Replace(c)
		if typed == c {
			continue
		}
		if err := f.svc.UseRecoveryCode(ctx, "acc1", typed); err != nil {
			t.Errorf("%q typed as %q: %v", c, typed, err)
		}
		used++
	}
	t.Logf("%d of %d codes had a 0 or 1", used, len(codes))
}

func TestTOTPRemove(t *testing.T) {
	f := newTOTPFixture(t)
	ctx := context.Background()
	secret, codes := f.enrol(t, "acc1")
	if err := f.svc.Remove(ctx, "acc1"); err != nil {
		t.Fatal(err)
	}
	if ok, err := f.svc.Enrolled(ctx, "acc1"); ok || err != nil {
		t.Fatalf("Enrolled after Remove = %v, %v", ok, err)
	}
	f.at(1)
	if err := f.svc.Verify(ctx, "acc1", codeAt(t, secret, step0+1)); !errors.Is(err, ErrTOTPNotEnrolled) {
		t.Errorf("Verify after Remove: %v", err)
	}
	if err := f.svc.UseRecoveryCode(ctx, "acc1", codes[0]); !errors.Is(err, ErrTOTPNotEnrolled) {
		t.Errorf("recovery code after Remove: %v", err)
	}
	if err := f.svc.Remove(ctx, "acc1"); err != nil {
		t.Errorf("second Remove: %v", err)
	}
	// A new enrolment has new recovery codes only.
	_, fresh := f.enrol(t, "acc1")
	if err := f.svc.UseRecoveryCode(ctx, "acc1", codes[0]); !errors.Is(err, ErrRecoveryCodeInvalid) {
		t.Errorf("old recovery code after re-enrolment: %v", err)
	}
	if err := f.svc.UseRecoveryCode(ctx, "acc1", fresh[0]); err != nil {
		t.Errorf("new recovery code: %v", err)
	}
}

func TestNewTOTPServiceConfig(t *testing.T) {
	store := newMemTOTP()
	key := bytes.Repeat([]byte{1}, 32)
	for name, c := range map[string]TOTPConfig{
		"nil store":       {Key: key, Issuer: testIssuer},
		"short key":       {Store: store, Key: key[:16], Issuer: testIssuer},
		"no issuer":       {Store: store, Key: key},
		"colon in issuer": {Store: store, Key: key, Issuer: "a:b"},
	} {
		if _, err := NewTOTPService(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	svc, err := NewTOTPService(TOTPConfig{Store: store, Key: key, Issuer: testIssuer})
	if err != nil || svc.now == nil {
		t.Fatalf("valid config: %v", err)
	}
}
