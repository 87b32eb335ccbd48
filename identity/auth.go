package identity

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrBadCredentials is the one answer to a wrong ID number or password:
// it never tells whether the ID number has an account.
var ErrBadCredentials = errors.New("wrong ID number or password")

// Authenticator verifies passwords and manages their life cycle.
type Authenticator struct {
	accounts AccountStore
	citizens CitizenStore
	throttle *Throttle
	params   PasswordParams
	now      func() time.Time
	// slots caps concurrent argon2id computations: each holds
	// params.Memory KiB, so a login storm must queue, not exhaust memory.
	slots chan struct{}
	dummy string
	// initialLifetime bounds how long an initial (SMS-delivered) password
	// works before its first use.
	initialLifetime time.Duration
	tokens          AccountTokenRevoker
}

// AuthenticatorConfig wires an Authenticator.
type AuthenticatorConfig struct {
	Accounts AccountStore
	Citizens CitizenStore
	Throttle *Throttle // nil: no throttling (tools that verify nothing)
	Params   PasswordParams
	// MaxConcurrent caps simultaneous argon2id hashes (default 1).
	MaxConcurrent int
	Now           func() time.Time
	// InitialPasswordLifetime: an initial password not changed within it
	// no longer logs in (default DefaultInitialPasswordLifetime).
	InitialPasswordLifetime time.Duration
	// Tokens, when set, revokes every token of an account whose password
	// changes.
	Tokens AccountTokenRevoker
}

// DefaultInitialPasswordLifetime is how long an initial password works.
const DefaultInitialPasswordLifetime = 30 * 24 * time.Hour

// ErrInitialPasswordExpired: the right initial password, too late. Only
// someone who knows the password learns it, so it may say what to do.
var ErrInitialPasswordExpired = &fieldError{"initial_password_expired",
	"Your initial password has expired. Choose \"Forgot your password?\" to get a reset code by SMS, or go to a registrar with your ID card.",
	"Mật khẩu ban đầu đã hết hạn. Hãy chọn \"Quên mật khẩu?\" để nhận mã đặt lại qua SMS, hoặc đến cán bộ đăng ký cùng thẻ căn cước."}

// NewAuthenticator returns an Authenticator.
func NewAuthenticator(c AuthenticatorConfig) (*Authenticator, error) {
	if c.MaxConcurrent < 1 {
		c.MaxConcurrent = 1
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	// A hash to verify against when the ID number has no account, so the
	// answer takes as long as for a wrong password.
	dummy, err := HashPassword(GeneratePassword(), c.Params)
	if err != nil {
		return nil, err
	}
	if c.InitialPasswordLifetime <= 0 {
		c.InitialPasswordLifetime = DefaultInitialPasswordLifetime
	}
	return &Authenticator{accounts: c.Accounts, citizens: c.Citizens, throttle: c.Throttle, params: c.Params, now: c.Now,
		slots: make(chan struct{}, c.MaxConcurrent), dummy: dummy, initialLifetime: c.InitialPasswordLifetime, tokens: c.Tokens}, nil
}

// InitialPasswordLifetime is how long an initial password works.
func (a *Authenticator) InitialPasswordLifetime() time.Duration { return a.initialLifetime }

func (a *Authenticator) acquire(ctx context.Context) error {
	select {
	case a.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (a *Authenticator) release() { <-a.slots }

// Login checks an ID number and password from a client address. A
// malformed ID number returns its *PINError; a throttled attempt a
// *ThrottledError (the same for existing and unknown numbers); anything
// else wrong ErrBadCredentials.
func (a *Authenticator) Login(ctx context.Context, idNumber, password, clientIP string) (Account, error) {
	now := a.now()
	pin, err := ParsePINAt(idNumber, now)
	if err != nil {
		return Account{}, err
	}
	var accountKey, ipKey string
	if a.throttle != nil {
		accountKey, ipKey = a.throttle.AccountKey(pin.Number), a.throttle.IPKey(clientIP)
		if err := a.throttle.Check(ctx, ipKey, now); err != nil {
			return Account{}, err
		}
		// Counted before the hash, so parallel guesses share the limit.
		if err := a.throttle.Begin(ctx, accountKey, "", now); err != nil {
			return Account{}, err
		}
	}
	acc, ok, err := a.verify(ctx, pin.Number, password)
	if errors.Is(err, ErrInitialPasswordExpired) && a.throttle != nil {
		_ = a.throttle.Succeed(ctx, accountKey)
	}
	if err != nil {
		return Account{}, err
	}
	if !ok {
		if a.throttle != nil {
			if err := a.throttle.Failed(ctx, accountKey, acc.ID, now); err != nil {
				return Account{}, err
			}
			if err := a.throttle.Fail(ctx, ipKey, "", now); err != nil {
				return Account{}, err
			}
		}
		return Account{}, ErrBadCredentials
	}
	if a.throttle != nil {
		if err := a.throttle.Succeed(ctx, accountKey); err != nil {
			return Account{}, err
		}
	}
	return acc, nil
}

// verify checks the password, spending the same hash time whether or not
// the account exists. acc.ID is set when the account exists.
func (a *Authenticator) verify(ctx context.Context, pin, password string) (Account, bool, error) {
	if err := a.acquire(ctx); err != nil {
		return Account{}, false, err
	}
	defer a.release()
	acc, err := a.accounts.GetAccountByPIN(ctx, pin)
	if errors.Is(err, ErrNotFound) {
		_, _, _ = VerifyPassword(a.dummy, password, a.params)
		return Account{}, false, nil
	}
	if err != nil {
		return Account{}, false, err
	}
	ok, rehash, err := VerifyPassword(acc.PasswordHash, password, a.params)
	if err != nil || !ok {
		return acc, false, nil
	}
	if acc.MustChangePassword && a.now().After(acc.PasswordChangedAt.Add(a.initialLifetime)) {
		// Checked before any rehash, which would restart the clock.
		return acc, false, ErrInitialPasswordExpired
	}
	if rehash {
		// The configured cost was raised: upgrade transparently.
		if h, err := HashPassword(password, a.params); err == nil {
			if err := a.accounts.UpdatePassword(ctx, acc.ID, h, acc.MustChangePassword, a.now()); err == nil {
				acc.PasswordHash = h
			}
		}
	}
	return acc, true, nil
}

// ErrPasswordAlreadyChanged refuses a second first-login change made with
// the same proof of the old password.
var ErrPasswordAlreadyChanged = errors.New("the initial password was already changed")

// ChangeInitialPassword replaces the password delivered by SMS; it works
// only while the account must change it, so one verified login cannot be
// replayed into a second change.
func (a *Authenticator) ChangeInitialPassword(ctx context.Context, accountID, newPassword string) error {
	acc, err := a.accounts.GetAccount(ctx, accountID)
	if err != nil {
		return err
	}
	if !acc.MustChangePassword {
		return ErrPasswordAlreadyChanged
	}
	return a.ChangePassword(ctx, accountID, newPassword)
}

// ResetPassword sets a password proven by a reset code verified at
// verifiedAt; it refuses (ErrPasswordAlreadyChanged) once the password
// changed after that, so one proof of the phone sets one password.
func (a *Authenticator) ResetPassword(ctx context.Context, accountID, newPassword string, verifiedAt time.Time) error {
	acc, err := a.accounts.GetAccount(ctx, accountID)
	if err != nil {
		return err
	}
	if !acc.PasswordChangedAt.Before(verifiedAt) {
		return ErrPasswordAlreadyChanged
	}
	return a.ChangePassword(ctx, accountID, newPassword)
}

// ChangeOwnPassword is the account page's change: the current password
// must be right (and counts as a failed login when wrong).
func (a *Authenticator) ChangeOwnPassword(ctx context.Context, accountID, current, newPassword, clientIP string) error {
	acc, err := a.accounts.GetAccount(ctx, accountID)
	if err != nil {
		return err
	}
	if _, err := a.Login(ctx, acc.PIN, current, clientIP); err != nil {
		return err
	}
	return a.ChangePassword(ctx, accountID, newPassword)
}

// CheckNewPassword applies the password policy for an account without
// changing anything.
func (a *Authenticator) CheckNewPassword(ctx context.Context, accountID, newPassword string) error {
	acc, err := a.accounts.GetAccount(ctx, accountID)
	if err != nil {
		return err
	}
	cit, err := a.citizens.GetCitizen(ctx, acc.PIN)
	if err != nil {
		return err
	}
	return ValidateNewPassword(newPassword, acc.PIN, cit.Birthdate)
}

// ChangePassword sets a new password after checking the policy.
func (a *Authenticator) ChangePassword(ctx context.Context, accountID, newPassword string) error {
	acc, err := a.accounts.GetAccount(ctx, accountID)
	if err != nil {
		return err
	}
	cit, err := a.citizens.GetCitizen(ctx, acc.PIN)
	if err != nil {
		return err
	}
	if err := ValidateNewPassword(newPassword, acc.PIN, cit.Birthdate); err != nil {
		return err
	}
	if err := a.acquire(ctx); err != nil {
		return err
	}
	h, err := HashPassword(newPassword, a.params)
	a.release()
	if err != nil {
		return err
	}
	if err := a.accounts.UpdatePassword(ctx, acc.ID, h, false, a.now()); err != nil {
		return err
	}
	if a.tokens == nil {
		return nil
	}
	// ASVS 3.3.3: whoever held a token under the old password loses it,
	// at every relying party.
	return a.tokens.RevokeAccountTokens(ctx, acc.ID)
}

// Issue creates an account for a citizen. Without a password one is
// generated and returned so it can be sent by SMS; either way the first
// login must change it.
func (a *Authenticator) Issue(ctx context.Context, idNumber, password string, level Level) (Account, string, error) {
	pin, err := ParsePINAt(idNumber, a.now())
	if err != nil {
		return Account{}, "", err
	}
	if level != Level1 && level != Level2 {
		return Account{}, "", fmt.Errorf("account level must be 1 or 2, not %d", level)
	}
	if password == "" {
		password = GeneratePassword()
	}
	h, err := HashPassword(password, a.params)
	if err != nil {
		return Account{}, "", err
	}
	now := a.now()
	acc := Account{ID: NewID(), PIN: pin.Number, Level: level, PasswordHash: h, MustChangePassword: true, CreatedAt: now, PasswordChangedAt: now}
	if err := a.accounts.CreateAccount(ctx, acc); err != nil {
		return Account{}, "", err
	}
	return acc, password, nil
}

// ReissuePassword is a registrar's reset: a new generated password that
// the first login must change (sent by SMS by the caller); every token of
// the account is revoked (ASVS 3.3.3).
func (a *Authenticator) ReissuePassword(ctx context.Context, accountID string) (string, error) {
	password := GeneratePassword()
	if err := a.acquire(ctx); err != nil {
		return "", err
	}
	h, err := HashPassword(password, a.params)
	a.release()
	if err != nil {
		return "", err
	}
	if err := a.accounts.UpdatePassword(ctx, accountID, h, true, a.now()); err != nil {
		return "", err
	}
	if a.tokens != nil {
		if err := a.tokens.RevokeAccountTokens(ctx, accountID); err != nil {
			return "", err
		}
	}
	return password, nil
}
