// Package storagetest is the conformance suite every storage backend runs:
// the same records, the same contracts (identity's, keys', fosite's),
// including the ones fosite only discovers at run time.
package storagetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"testing"
	"time"

	"github.com/dinhdanh/dinhdanh/storage"
)

// Clock is a test clock that only moves when told to.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

func NewClock(t time.Time) *Clock { return &Clock{t: t} }

func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// GracePeriod is the refresh grace period the suite expects its stores to
// be opened with (see Options).
const GracePeriod = 5 * time.Second

var (
	clocksMu sync.Mutex
	clocks   = map[*testing.T]*Clock{}
)

// Options returns the storage.Options a backend's open func must pass to
// storage.Open for test t: they carry the suite's movable clock, so expiry
// and grace periods are tested without sleeping.
func Options(t *testing.T) storage.Options {
	clocksMu.Lock()
	c := clocks[t]
	clocksMu.Unlock()
	if c == nil {
		c = NewClock(time.Now())
	}
	return storage.Options{Now: c.Now, RefreshGracePeriod: GracePeriod}
}

// env is one test's store and clock.
type env struct {
	s     *storage.Store
	clock *Clock
	ctx   context.Context
}

// start is 2026-11-27 09:00 UTC, away from any DST or year boundary.
var start = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

func newEnv(t *testing.T, open func(t *testing.T) *storage.Store) *env {
	t.Helper()
	c := NewClock(start)
	clocksMu.Lock()
	clocks[t] = c
	clocksMu.Unlock()
	t.Cleanup(func() {
		clocksMu.Lock()
		delete(clocks, t)
		clocksMu.Unlock()
	})
	s := open(t)
	ctx := context.Background()
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return &env{s: s, clock: c, ctx: ctx}
}

// Run runs the suite. open must return a store on an empty database,
// opened with Options(t), and close it in t.Cleanup. The suite migrates it.
func Run(t *testing.T, open func(t *testing.T) *storage.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, e *env)
	}{
		{"Migrate", testMigrate},
		{"Citizens", testCitizens},
		{"CitizensLargeImport", testCitizensLarge},
		{"CitizenDetails", testCitizenDetails},
		{"CitizenDetailsIdempotent", testCitizenDetailsIdempotent},
		{"CitizenProvenance", testCitizenProvenance},
		{"CitizenPartialFields", testCitizenPartialFields},
		{"CitizenLegacyProvenance", testCitizenLegacyProvenance},
		{"Accounts", testAccounts},
		{"Clients", testClients},
		{"Consents", testConsents},
		{"AuthSessions", testAuthSessions},
		{"Interactions", testInteractions},
		{"Keys", testKeys},
		{"ClientAssertionJTI", testJTI},
		{"AuthorizeCode", testAuthorizeCode},
		{"AuthorizeCodeConcurrentInvalidate", testAuthorizeCodeConcurrent},
		{"AccessToken", testAccessToken},
		{"ClientCredentialsNoSubject", testClientCredentials},
		{"RefreshToken", testRefreshToken},
		{"RefreshRotationGrace", testRefreshRotation},
		{"RefreshRotationConcurrent", testRefreshConcurrent},
		{"PKCE", testPKCE},
		{"OpenIDConnectSession", testOIDC},
		{"PAR", testPAR},
		{"NoStoredClientCredentials", testNoStoredCredentials},
		{"Transactions", testTransactions},
		{"PurgeExpired", testPurgeExpired},
		{"PurgeBatches", testPurgeBatches},
		{"ExpiredAuthSessions", testExpiredAuthSessions},
		{"JobLease", testJobLease},
		{"JobLeaseRace", testJobLeaseRace},
		{"FositeCodeFlow", testFositeCodeFlow},
		{"FositeConcurrentRefresh", testFositeConcurrentRefresh},
		{"ConcurrentCreate", testConcurrentCreate},
		{"ConcurrentCreateOneBad", testConcurrentCreateOneBad},
		{"CanceledWrite", testCanceledWrite},
		{"ReadsBesideTransaction", testReadsBesideTransaction},
		{"CloseWhileWriting", testCloseWhileWriting},
		{"OTPChallenges", testOTPChallenges},
		{"LoginAttempts", testLoginAttempts},
		{"AuditLog", testAuditLog},
		{"ClientMinLevel", testClientMinLevel},
		{"ClientMetadata", testClientMetadata},
		{"TOTP", testTOTPStore},
		{"AccountSessions", testAccountSessions},
		{"SessionClients", testSessionClients},
		{"SessionFamily", testSessionFamily},
		{"ConsentClaims", testConsentClaims},
		{"Disclosures", testDisclosures},
		{"SMSResetHold", testSMSResetHold},
		{"DeviceAuthorizations", testDeviceAuthorizations},
		{"ClientDeviceLevel2", testClientDeviceLevel2},
		{"RevokeAccountTokens", testRevokeAccountTokens},
		{"Outbox", testOutbox},
		{"OutboxConcurrentClaims", testOutboxConcurrentClaims},
		{"RegistrarRoles", testRegistrarRoles},
		{"RegistrarActions", testRegistrarActions},
		{"RegistrarRequests", testRegistrarRequests},
		{"RegistrarSessions", testRegistrarSessions},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newEnv(t, open))
		})
	}
}

func randID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
