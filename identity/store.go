package identity

import (
	"context"
	"time"
)

// The storage the domain needs. Every method returns ErrNotFound for a
// missing record and ErrAlreadyExists for a duplicate key (wrapped).

type CitizenStore interface {
	// UpsertCitizens writes all records in one transaction, keyed by PIN.
	// A record that carries only some fields (Citizen.Fields) keeps the
	// stored value of the others (MergeCitizen). A record then equal to
	// the stored one (SameCitizenData: ignoring Source, UpdatedAt and
	// Sources) is left untouched, so importing the same file twice changes
	// nothing. The store maintains Sources per part (TrackSources).
	UpsertCitizens(ctx context.Context, citizens []Citizen) (inserted, updated, unchanged int, err error)
	GetCitizen(ctx context.Context, pin string) (Citizen, error)
}

type AccountStore interface {
	// CreateAccount fails with ErrAlreadyExists if the PIN has an account;
	// it fails with ErrNotFound if no citizen has that PIN.
	CreateAccount(ctx context.Context, a Account) error
	GetAccount(ctx context.Context, id string) (Account, error)
	GetAccountByPIN(ctx context.Context, pin string) (Account, error)
	UpdatePassword(ctx context.Context, accountID, hash string, mustChange bool, at time.Time) error
}

type ClientStore interface {
	CreateClient(ctx context.Context, c Client) error
	GetIdentityClient(ctx context.Context, id string) (Client, error)
}

type ConsentStore interface {
	// SaveConsent replaces the grant for (AccountID, ClientID).
	SaveConsent(ctx context.Context, g ConsentGrant) error
	GetConsent(ctx context.Context, accountID, clientID string) (ConsentGrant, error)
	DeleteConsent(ctx context.Context, accountID, clientID string) error
	// ListConsents returns an account's grants, newest first.
	ListConsents(ctx context.Context, accountID string) ([]ConsentGrant, error)
	// WithdrawConsent deletes the grant and revokes every token the client
	// holds for subject (its identifier for the account), atomically.
	WithdrawConsent(ctx context.Context, accountID, clientID, subject string) error
}

type SessionStore interface {
	CreateAuthSession(ctx context.Context, s AuthSession) error
	// GetAuthSession returns ErrNotFound for a missing, expired or
	// replaced session.
	GetAuthSession(ctx context.Context, id string, now time.Time) (AuthSession, error)
	// LookupAuthSession also returns a replaced row (Replaced set).
	LookupAuthSession(ctx context.Context, id string, now time.Time) (AuthSession, error)
	// ReplaceAuthSession marks a session replaced by a re-authentication,
	// reporting whether it was live, and locks it until the caller's
	// transaction ends; ErrNotFound once it has ended or expired.
	ReplaceAuthSession(ctx context.Context, id string, at time.Time) (wasLive bool, err error)
	// EndAuthSessions ends the session with its whole family (same account
	// and SID) and returns the clients they logged in to, each once.
	EndAuthSessions(ctx context.Context, s AuthSession) ([]string, error)
	// ExpiredAuthSessions lists up to limit sessions past their absolute
	// end, or live and unused since idleBefore, for the janitor to end.
	ExpiredAuthSessions(ctx context.Context, now, idleBefore time.Time, limit int) ([]AuthSession, error)
	// TouchAuthSession records use of a session (idle timeout).
	TouchAuthSession(ctx context.Context, id string, at time.Time) error
	// ListAuthSessions returns an account's live sessions, newest first.
	ListAuthSessions(ctx context.Context, accountID string, now time.Time) ([]AuthSession, error)
}

type InteractionStore interface {
	CreateInteraction(ctx context.Context, i Interaction) error
	// GetInteraction returns ErrNotFound for a missing or expired one.
	GetInteraction(ctx context.Context, id string, now time.Time) (Interaction, error)
	UpdateInteraction(ctx context.Context, i Interaction) error
	DeleteInteraction(ctx context.Context, id string) error
}
