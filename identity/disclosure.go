package identity

import (
	"context"
	"time"
)

// Disclosure records one release of a citizen's data to a relying party:
// which claims (names only, never values), to whom, when, and at what
// authentication level. The log is append-only.
type Disclosure struct {
	AccountID string
	ClientID  string
	At        time.Time
	Claims    []string
	ACR       string
	Channel   string // "userinfo"
}

// DisclosureFilter narrows the log for the account page.
type DisclosureFilter struct {
	ClientID string // "" for every client
	Limit    int
}

// DisclosureStore keeps the log. It has no update or delete.
type DisclosureStore interface {
	AppendDisclosure(ctx context.Context, d Disclosure) error
	// ListDisclosures returns an account's entries, newest first.
	ListDisclosures(ctx context.Context, accountID string, f DisclosureFilter) ([]Disclosure, error)
}
