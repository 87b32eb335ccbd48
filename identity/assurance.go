package identity

import (
	"context"
	"time"
)

// Level2Factors says which second factors count, for one account, next
// to its password in a level-2 (urn:vn:eid:loa:2) login. Every page that
// offers or verifies a code asks Assurance, never decides itself.
type Level2Factors struct {
	// TOTP: the authenticator app or one of its recovery codes.
	TOTP bool
	// SMS: a code texted to the registered phone.
	SMS bool
}

// Any reports whether the account can reach level 2 at all.
func (f Level2Factors) Any() bool { return f.TOTP || f.SMS }

// RecoveryHoldStore keeps the "password reset by SMS alone" mark on the
// account (Account.SMSResetHold).
type RecoveryHoldStore interface {
	// SetSMSResetHold sets or clears the mark; ErrNotFound for no account.
	SetSMSResetHold(ctx context.Context, accountID string, hold bool) error
}

// TOTPEnrolledChecker is the part of TOTPService Assurance needs.
type TOTPEnrolledChecker interface {
	Enrolled(ctx context.Context, accountID string) (bool, error)
}

// Assurance decides which second factors count for level 2 (NIST SP
// 800-63B §5.1.3.3, §6.1.2.3): two factors must be independent, so a
// phone that can reset the password cannot also be the second factor of
// that password.
type Assurance struct {
	accounts AccountStore
	holds    RecoveryHoldStore
	totp     TOTPEnrolledChecker
	audit    AuditStore
	now      func() time.Time
}

// AssuranceConfig wires an Assurance.
type AssuranceConfig struct {
	Accounts AccountStore
	Holds    RecoveryHoldStore
	TOTP     TOTPEnrolledChecker
	Audit    AuditStore
	Now      func() time.Time
}

func NewAssurance(c AssuranceConfig) *Assurance {
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Assurance{accounts: c.Accounts, holds: c.Holds, totp: c.TOTP, audit: c.Audit, now: c.Now}
}

// Level2Factors returns the factors that count for the account now:
//   - with an authenticator app enrolled, only the app (or a recovery
//     code): SMS is weaker (SIM swap, NIST SP 800-63B §5.1.3.3) and must
//     not become the way around the app;
//   - without one, SMS, unless the password was last reset by SMS alone
//     (SMSResetHold): then the phone proved both "factors" and level 2
//     waits for the app, a recovery code or a registrar's in-person check.
func (a *Assurance) Level2Factors(ctx context.Context, accountID string) (Level2Factors, error) {
	acc, err := a.accounts.GetAccount(ctx, accountID)
	if err != nil {
		return Level2Factors{}, err
	}
	enrolled, err := a.totp.Enrolled(ctx, accountID)
	if err != nil {
		return Level2Factors{}, err
	}
	if enrolled {
		return Level2Factors{TOTP: true}, nil
	}
	return Level2Factors{SMS: !acc.SMSResetHold}, nil
}

// PasswordResetBySMS marks the account after a reset proven by an SMS
// code alone.
func (a *Assurance) PasswordResetBySMS(ctx context.Context, accountID string) error {
	if err := a.holds.SetSMSResetHold(ctx, accountID, true); err != nil {
		return err
	}
	return a.record(ctx, "sms_reset_hold", accountID, "password reset by SMS: SMS no longer counts for level 2")
}

// ProvedIndependentFactor clears the mark after the citizen proved a
// factor the phone cannot give: the authenticator app or a recovery code.
func (a *Assurance) ProvedIndependentFactor(ctx context.Context, accountID string) error {
	acc, err := a.accounts.GetAccount(ctx, accountID)
	if err != nil || !acc.SMSResetHold {
		return err
	}
	if err := a.holds.SetSMSResetHold(ctx, accountID, false); err != nil {
		return err
	}
	return a.record(ctx, "sms_reset_hold_cleared", accountID, "independent factor proved")
}

// VerifiedInPerson is the registrar's in-person check (ID card and face):
// it clears the mark so SMS counts again.
func (a *Assurance) VerifiedInPerson(ctx context.Context, accountID string) error {
	if err := a.holds.SetSMSResetHold(ctx, accountID, false); err != nil {
		return err
	}
	return a.record(ctx, "verified_in_person", accountID, "registrar's in-person check")
}

func (a *Assurance) record(ctx context.Context, kind, accountID, detail string) error {
	if a.audit == nil {
		return nil
	}
	return a.audit.AppendAudit(ctx, AuditEvent{At: a.now(), Kind: kind, AccountID: accountID, Detail: detail})
}

// AccountTokenRevoker revokes every refresh token, access token and
// unused code of an account, for every client.
type AccountTokenRevoker interface {
	RevokeAccountTokens(ctx context.Context, accountID string) error
}
