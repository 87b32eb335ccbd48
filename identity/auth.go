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
	params   PasswordParams
	now      func() time.Time
	// slots caps concurrent argon2id computations: each holds
	// params.Memory KiB, so a login storm must queue, not exhaust memory.
	slots chan struct{}
	dummy string
}

// NewAuthenticator returns an Authenticator hashing with params and at
// most maxConcurrent hashes at a time.
func NewAuthenticator(accounts AccountStore, citizens CitizenStore, params PasswordParams, maxConcurrent int, now func() time.Time) (*Authenticator, error) {
	if maxConcurrent < 1 {
		maxConcurrent = 1
	}
	if now == nil {
		now = time.Now
	}
	// A hash to verify against when the ID number has no account, so the
	// answer takes as long as for a wrong password.
	dummy, err := HashPassword(GeneratePassword(), params)
	if err != nil {
		return nil, err
	}
	return &Authenticator{accounts: accounts, citizens: citizens, params: params, now: now,
		slots: make(chan struct{}, maxConcurrent), dummy: dummy}, nil
}

func (a *Authenticator) acquire(ctx context.Context) error {
	select {
	case a.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (a *Authenticator) release() { <-a.slots }

// Login checks an ID number and password. A malformed ID number returns
// its *PINError; anything else wrong returns ErrBadCredentials.
func (a *Authenticator) Login(ctx context.Context, idNumber, password string) (Account, error) {
	pin, err := ParsePINAt(idNumber, a.now())
	if err != nil {
		return Account{}, err
	}
	if err := a.acquire(ctx); err != nil {
		return Account{}, err
	}
	defer a.release()
	acc, err := a.accounts.GetAccountByPIN(ctx, pin.Number)
	if errors.Is(err, ErrNotFound) {
		_, _, _ = VerifyPassword(a.dummy, password, a.params)
		return Account{}, ErrBadCredentials
	}
	if err != nil {
		return Account{}, err
	}
	ok, rehash, err := VerifyPassword(acc.PasswordHash, password, a.params)
	if err != nil || !ok {
		return Account{}, ErrBadCredentials
	}
	if rehash {
		// The configured cost was raised: upgrade transparently.
		if h, err := HashPassword(password, a.params); err == nil {
			if err := a.accounts.UpdatePassword(ctx, acc.ID, h, acc.MustChangePassword, a.now()); err == nil {
				acc.PasswordHash = h
			}
		}
	}
	return acc, nil
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
	return a.accounts.UpdatePassword(ctx, acc.ID, h, false, a.now())
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
