package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/dinhdanh/dinhdanh/identity"
)

// Migration 202612080200_janitor: the job leases (one node at a time runs
// a background job) and the indexes the janitor's batched deletes and
// session sweep need, so each batch reads an index range, never the table.
func janitorMigration() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202612080200_janitor",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.AutoMigrate(&v13JobLease{}); err != nil {
				return err
			}
			if err := tx.Migrator().CreateIndex(&v13Disclosure{}, "ix_disclosures_at"); err != nil {
				return err
			}
			return tx.Migrator().CreateIndex(&v13AuthSession{}, "ix_auth_sessions_last_seen")
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Migrator().DropIndex(&v13AuthSession{}, "ix_auth_sessions_last_seen"); err != nil {
				return err
			}
			if err := tx.Migrator().DropIndex(&v13Disclosure{}, "ix_disclosures_at"); err != nil {
				return err
			}
			return tx.Migrator().DropTable(&v13JobLease{})
		},
	}
}

// v13JobLease: the node (owner) that runs job Name until LeaseUntil.
type v13JobLease struct {
	Name       string    `gorm:"primaryKey;size:64"`
	Owner      string    `gorm:"size:128;not null"`
	LeaseUntil time.Time `gorm:"column:lease_until;not null"`
}

func (v13JobLease) TableName() string { return "job_leases" }

type v13Disclosure struct {
	At time.Time `gorm:"not null;index:ix_disclosures_at"`
}

func (v13Disclosure) TableName() string { return "disclosures" }

type v13AuthSession struct {
	LastSeen *time.Time `gorm:"column:last_seen_at;index:ix_auth_sessions_last_seen"`
}

func (v13AuthSession) TableName() string { return "auth_sessions" }

type leaseRow = v13JobLease

// noLease is the lease_until of a lease nobody holds.
var noLease = time.Unix(0, 0).UTC()

// AcquireLease takes the lease on job for owner until now+ttl, or renews
// it when owner already holds it. It reports false when another owner
// holds an unexpired lease. The take is one conditional UPDATE, so of two
// nodes racing for an expired lease exactly one wins (on PostgreSQL the
// second waits on the row lock and then re-checks the condition).
func (s *Store) AcquireLease(ctx context.Context, job, owner string, now time.Time, ttl time.Duration) (bool, error) {
	now = now.UTC()
	db := s.conn(ctx)
	seed := leaseRow{Name: job, Owner: "", LeaseUntil: noLease}
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&seed).Error; err != nil {
		return false, maybeErr("job lease", err)
	}
	res := s.conn(ctx).Model(&leaseRow{}).
		Where("name = ? AND (owner = ? OR lease_until < ?)", job, owner, now).
		Updates(map[string]any{"owner": owner, "lease_until": now.Add(ttl)})
	if res.Error != nil {
		return false, maybeErr("job lease", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ReleaseLease gives the lease up at once (a node shutting down), if owner
// still holds it, so another node need not wait for it to expire.
func (s *Store) ReleaseLease(ctx context.Context, job, owner string) error {
	return maybeErr("job lease", s.conn(ctx).Model(&leaseRow{}).
		Where("name = ? AND owner = ?", job, owner).
		Updates(map[string]any{"owner": "", "lease_until": noLease}).Error)
}

// LeaseHolder returns who holds job's lease at now ("" when nobody).
func (s *Store) LeaseHolder(ctx context.Context, job string, now time.Time) (string, error) {
	var r leaseRow
	err := s.reader(ctx).Where("name = ? AND lease_until >= ?", job, now.UTC()).Take(&r).Error
	if err == gorm.ErrRecordNotFound {
		return "", nil
	}
	return r.Owner, maybeErr("job lease", err)
}

// Purge kinds: what PurgeExpired deletes, each by the column that dates it.
// The janitor (package jobs) documents the retention of each.
const (
	PurgeAuthorizeCodes = "authorize_codes"
	PurgeAccessTokens   = "access_tokens"
	PurgeRefreshTokens  = "refresh_tokens"
	PurgePKCE           = "pkce_requests"
	PurgeOIDC           = "oidc_sessions"
	PurgePAR            = "par_requests"
	PurgeUsedJTIs       = "used_jtis"
	PurgeInteractions   = "interactions"
	PurgeOTPs           = "otp_challenges"
	PurgeLoginAttempts  = "login_attempts"
	PurgeFailedOutbox   = "failed_outbox"
	PurgeDevSMS         = "dev_sms"
	PurgeDisclosures    = "disclosures"
	PurgeAuditEvents    = "audit_events"
	PurgeDeviceAuths    = "device_authorizations"
	PurgeRegistrarSess  = "registrar_sessions"
)

type purgeTarget struct {
	table, key string
	// where selects rows dated before its argument(s), all the same time.
	where string
}

var purgeTargets = map[string]purgeTarget{
	PurgeAuthorizeCodes: {"oauth2_authorize_codes", "signature", "expires_at < ?"},
	PurgeAccessTokens:   {"oauth2_access_tokens", "signature", "expires_at < ?"},
	PurgeRefreshTokens:  {"oauth2_refresh_tokens", "signature", "expires_at < ?"},
	PurgePKCE:           {"oauth2_pkce_requests", "signature", "expires_at < ?"},
	PurgeOIDC:           {"oauth2_oidc_sessions", "signature", "expires_at < ?"},
	PurgePAR:            {"oauth2_par_requests", "signature", "expires_at < ?"},
	PurgeUsedJTIs:       {"oauth2_used_jtis", "signature", "expires_at < ?"},
	PurgeInteractions:   {"interactions", "id", "expires_at < ?"},
	PurgeOTPs:           {"otp_challenges", "id", "expires_at < ?"},
	// A counter goes once its last failure and any lock are both older.
	PurgeLoginAttempts: {"login_attempts", "attempt_key", "last_failure < ? AND (locked_until IS NULL OR locked_until < ?)"},
	// Delivered messages are deleted on delivery; given-up ones (payload
	// already erased) stay for inspection until their retention.
	PurgeFailedOutbox: {"outbox_messages", "id", "failed_at IS NOT NULL AND failed_at < ?"},
	PurgeDevSMS:       {"dev_sms", "id", "sent_at < ?"},
	PurgeDisclosures:  {"disclosures", "id", "at < ?"},
	PurgeAuditEvents:  {"audit_events", "id", "at < ?"},
	// Expired device requests free their user codes (RFC 8628 §6.1).
	PurgeDeviceAuths:   {"device_authorizations", "id", "expires_at < ?"},
	PurgeRegistrarSess: {"registrar_sessions", "id", "expires_at < ?"},
}

// PurgeKinds lists every kind PurgeExpired accepts.
func PurgeKinds() []string {
	return []string{PurgeAuthorizeCodes, PurgeAccessTokens, PurgeRefreshTokens, PurgePKCE, PurgeOIDC, PurgePAR,
		PurgeUsedJTIs, PurgeInteractions, PurgeOTPs, PurgeLoginAttempts, PurgeFailedOutbox, PurgeDevSMS,
		PurgeDisclosures, PurgeAuditEvents, PurgeDeviceAuths, PurgeRegistrarSess}
}

// PurgeExpired deletes at most limit rows of kind dated before before, in
// one short statement (a bounded batch: no long lock, no long transaction),
// and returns how many it deleted. Callers loop until fewer than limit.
func (s *Store) PurgeExpired(ctx context.Context, kind string, before time.Time, limit int) (int, error) {
	t, ok := purgeTargets[kind]
	if !ok {
		return 0, fmt.Errorf("storage: no purge kind %q", kind)
	}
	if limit <= 0 {
		return 0, nil
	}
	args := make([]any, strings.Count(t.where, "?"))
	for i := range args {
		args[i] = before.UTC()
	}
	// DELETE … WHERE key IN (SELECT key … LIMIT n): the same on SQLite and
	// PostgreSQL (neither portable DELETE … LIMIT nor ctid would be).
	sql := "DELETE FROM " + t.table + " WHERE " + t.key + " IN (SELECT " + t.key + " FROM " + t.table +
		" WHERE " + t.where + " LIMIT " + fmt.Sprint(limit) + ")"
	res := s.conn(ctx).Exec(sql, args...)
	if res.Error != nil {
		return 0, maybeErr("purge "+kind, res.Error)
	}
	return int(res.RowsAffected), nil
}

// ExpiredAuthSessions returns up to limit sessions that have ended by
// time but not been ended: past their absolute end at now, or (rows not
// replaced by a re-authentication) last used before idleBefore. The
// caller ends each with EndAuthSessions, so relying parties are told.
func (s *Store) ExpiredAuthSessions(ctx context.Context, now, idleBefore time.Time, limit int) ([]identity.AuthSession, error) {
	var rows []authSessionRow
	err := s.reader(ctx).
		Where("expires_at <= ? OR (replaced_at IS NULL AND (last_seen_at < ? OR (last_seen_at IS NULL AND created_at < ?)))",
			now.UTC(), idleBefore.UTC(), idleBefore.UTC()).
		Order("expires_at").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, maybeErr("expired sessions", err)
	}
	out := make([]identity.AuthSession, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// TableRows counts the rows of each table the janitor keeps bounded (for
// the soak benchmark, the CLI and metrics).
func (s *Store) TableRows(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	seen := map[string]bool{"auth_sessions": false, "session_clients": false}
	for _, t := range purgeTargets {
		seen[t.table] = false
	}
	for table := range seen {
		var n int64
		if err := s.reader(ctx).Table(table).Count(&n).Error; err != nil {
			return out, maybeErr("count "+table, err)
		}
		out[table] = n
	}
	return out, nil
}
