package storage

import (
	"context"
	"encoding/json"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"

	"github.com/dinhdanh/dinhdanh/identity"
)

var (
	_ identity.RecoveryHoldStore   = (*Store)(nil)
	_ identity.AccountTokenRevoker = (*Store)(nil)
	_ identity.OutboxStore         = (*Store)(nil)
)

// Migration 202612070101_recovery: the "reset by SMS alone" mark on
// accounts, the account each code and token belongs to (so a password
// change can revoke them all), and the message outbox.
func recoveryMigration() *gormigrate.Migration {
	tokenTables := []any{&v10AuthorizeCode{}, &v10AccessToken{}, &v10RefreshToken{}, &v10PKCE{}, &v10OIDC{}, &v10PAR{}}
	return &gormigrate.Migration{
		ID: "202612070101_recovery",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Migrator().AddColumn(&v10Account{}, "SMSResetHold"); err != nil {
				return err
			}
			for _, m := range tokenTables {
				if err := tx.Migrator().AddColumn(m, "AccountID"); err != nil {
					return err
				}
			}
			for i, name := range []string{"ix_codes_account", "ix_access_tokens_account", "ix_refresh_tokens_account"} {
				if err := tx.Migrator().CreateIndex(tokenTables[i], name); err != nil {
					return err
				}
			}
			if err := backfillTokenAccounts(tx); err != nil {
				return err
			}
			return tx.AutoMigrate(&v10Outbox{})
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Migrator().DropTable(&v10Outbox{}); err != nil {
				return err
			}
			for _, m := range tokenTables {
				if err := tx.Migrator().DropColumn(m, "AccountID"); err != nil {
					return err
				}
			}
			return tx.Migrator().DropColumn(&v10Account{}, "SMSResetHold")
		},
	}
}

type v10Account struct {
	SMSResetHold bool `gorm:"column:sms_reset_hold;not null;default:false"`
}

func (v10Account) TableName() string { return "accounts" }

type v10AuthorizeCode struct {
	AccountID string `gorm:"column:account_id;size:64;not null;default:'';index:ix_codes_account"`
}

func (v10AuthorizeCode) TableName() string { return "oauth2_authorize_codes" }

type v10AccessToken struct {
	AccountID string `gorm:"column:account_id;size:64;not null;default:'';index:ix_access_tokens_account"`
}

func (v10AccessToken) TableName() string { return "oauth2_access_tokens" }

type v10RefreshToken struct {
	AccountID string `gorm:"column:account_id;size:64;not null;default:'';index:ix_refresh_tokens_account"`
}

func (v10RefreshToken) TableName() string { return "oauth2_refresh_tokens" }

type v10PKCE struct {
	AccountID string `gorm:"column:account_id;size:64;not null;default:''"`
}

func (v10PKCE) TableName() string { return "oauth2_pkce_requests" }

type v10OIDC struct {
	AccountID string `gorm:"column:account_id;size:64;not null;default:''"`
}

func (v10OIDC) TableName() string { return "oauth2_oidc_sessions" }

type v10PAR struct {
	AccountID string `gorm:"column:account_id;size:64;not null;default:''"`
}

func (v10PAR) TableName() string { return "oauth2_par_requests" }

// v10Outbox holds messages until a worker delivered them. Payload is
// sealed by identity.Outbox (recipient and text: codes, passwords), so a
// database reader learns neither; it is erased once delivered or given up.
type v10Outbox struct {
	ID            string    `gorm:"primaryKey;size:64"`
	Payload       []byte    `gorm:"not null"`
	Attempts      int       `gorm:"not null;default:0"`
	CreatedAt     time.Time `gorm:"not null"`
	NextAttemptAt time.Time `gorm:"not null;index:ix_outbox_due"`
	LeaseOwner    string    `gorm:"size:64;not null;default:''"`
	LeaseUntil    *time.Time
	FailedAt      *time.Time `gorm:"index:ix_outbox_failed"`
	LastError     string     `gorm:"type:text;not null;default:''"`
}

func (v10Outbox) TableName() string { return "outbox_messages" }

// backfillTokenAccounts fills account_id of tokens issued before this
// migration from their stored session ("aid"), so they can be revoked too.
func backfillTokenAccounts(tx *gorm.DB) error {
	for _, table := range []string{"oauth2_access_tokens", "oauth2_refresh_tokens", "oauth2_authorize_codes"} {
		var rows []struct {
			Signature string
			Session   string
		}
		if err := tx.Table(table).Select("signature, session").Find(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			if aid := sessionAccountID([]byte(r.Session)); aid != "" {
				if err := tx.Table(table).Where("signature = ?", r.Signature).Update("account_id", aid).Error; err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// sessionAccountID reads the account id the provider's session carries.
func sessionAccountID(session []byte) string {
	var s struct {
		AccountID string `json:"aid"`
	}
	_ = json.Unmarshal(session, &s)
	return s.AccountID
}

// SetSMSResetHold sets or clears the account's "reset by SMS alone" mark.
func (s *Store) SetSMSResetHold(ctx context.Context, accountID string, hold bool) error {
	res := s.conn(ctx).Model(&accountRow{}).Where("id = ?", accountID).Update("sms_reset_hold", hold)
	if res.Error != nil {
		return dbErr("account", res.Error)
	}
	if res.RowsAffected == 0 {
		return notFound("account")
	}
	return nil
}

// SetAccountLevel changes an account's identity-proofing level.
func (s *Store) SetAccountLevel(ctx context.Context, accountID string, level identity.Level) error {
	res := s.conn(ctx).Model(&accountRow{}).Where("id = ?", accountID).Update("level", int(level))
	if res.Error != nil {
		return dbErr("account", res.Error)
	}
	if res.RowsAffected == 0 {
		return notFound("account")
	}
	return nil
}

// RevokeAccountTokens revokes, in one transaction, every refresh token,
// access token and unused authorization code of the account, whatever the
// client (ASVS 3.3.3: after a password change no old grant lives on).
func (s *Store) RevokeAccountTokens(ctx context.Context, accountID string) error {
	if accountID == "" {
		return nil
	}
	return s.inTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&refreshTokenRow{}).Where("account_id = ? AND revoked_at IS NULL", accountID).
			Updates(map[string]any{"active": false, "revoked_at": s.now()}).Error; err != nil {
			return maybeErr("refresh tokens", err)
		}
		if err := tx.Where("account_id = ?", accountID).Delete(&accessTokenRow{}).Error; err != nil {
			return maybeErr("access tokens", err)
		}
		return maybeErr("authorization codes", tx.Where("account_id = ?", accountID).Delete(&authorizeCodeRow{}).Error)
	})
}

// outboxRow maps outbox_messages.
type outboxRow struct {
	ID            string `gorm:"primaryKey"`
	Payload       []byte
	Attempts      int
	CreatedAt     time.Time `gorm:"autoCreateTime:false"`
	NextAttemptAt time.Time
	LeaseOwner    string
	LeaseUntil    *time.Time
	FailedAt      *time.Time
	LastError     string
}

func (outboxRow) TableName() string { return "outbox_messages" }

// EnqueueMessage inserts one message (group-committed on SQLite).
func (s *Store) EnqueueMessage(ctx context.Context, m identity.OutboxMessage) error {
	r := outboxRow{ID: m.ID, Payload: m.Payload, CreatedAt: m.CreatedAt.UTC(), NextAttemptAt: m.CreatedAt.UTC()}
	return domainErr("outbox message", s.write(ctx, func(db *gorm.DB) error { return db.Create(&r).Error }))
}

// ClaimMessages leases up to limit due messages to owner until now+lease.
// Each lease is a conditional UPDATE, so two nodes never hold one message;
// a node that dies leaves its lease to expire and another takes over.
func (s *Store) ClaimMessages(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]identity.OutboxMessage, error) {
	now = now.UTC()
	var rows []outboxRow
	err := s.reader(ctx).Where("failed_at IS NULL AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)", now, now).
		Order("created_at").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, maybeErr("outbox", err)
	}
	var out []identity.OutboxMessage
	until := now.Add(lease)
	for _, r := range rows {
		res := s.conn(ctx).Model(&outboxRow{}).
			Where("id = ? AND failed_at IS NULL AND (lease_until IS NULL OR lease_until < ?)", r.ID, now).
			Updates(map[string]any{"lease_owner": owner, "lease_until": until})
		if res.Error != nil {
			return out, maybeErr("outbox", res.Error)
		}
		if res.RowsAffected == 1 {
			out = append(out, identity.OutboxMessage{ID: r.ID, Payload: r.Payload, Attempts: r.Attempts, CreatedAt: r.CreatedAt.UTC()})
		}
	}
	return out, nil
}

// CompleteMessage deletes a delivered (or discarded) message, if owner
// still holds its lease.
func (s *Store) CompleteMessage(ctx context.Context, id, owner string) error {
	return maybeErr("outbox", s.conn(ctx).Where("id = ? AND lease_owner = ?", id, owner).Delete(&outboxRow{}).Error)
}

// RetryMessage records a failed attempt: the message is due again at next,
// or, when giveUp, kept as failed with its payload erased.
func (s *Store) RetryMessage(ctx context.Context, id, owner string, attempts int, next time.Time, lastErr string, giveUp bool) error {
	u := map[string]any{"attempts": attempts, "next_attempt_at": next.UTC(), "lease_owner": "", "lease_until": nil, "last_error": lastErr}
	if giveUp {
		u["failed_at"], u["payload"] = s.now(), []byte{}
	}
	return maybeErr("outbox", s.conn(ctx).Model(&outboxRow{}).Where("id = ? AND lease_owner = ?", id, owner).Updates(u).Error)
}

// OutboxBacklog counts messages due now and messages leased now.
func (s *Store) OutboxBacklog(ctx context.Context, now time.Time) (due, leased int, err error) {
	now = now.UTC()
	var d, l int64
	db := s.reader(ctx).Model(&outboxRow{})
	if err := db.Where("failed_at IS NULL AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)", now, now).Count(&d).Error; err != nil {
		return 0, 0, maybeErr("outbox", err)
	}
	if err := s.reader(ctx).Model(&outboxRow{}).Where("failed_at IS NULL AND lease_until >= ?", now).Count(&l).Error; err != nil {
		return 0, 0, maybeErr("outbox", err)
	}
	return int(d), int(l), nil
}

// FailedMessages counts messages given up on (for monitoring and tests).
func (s *Store) FailedMessages(ctx context.Context) (int, error) {
	var n int64
	err := s.reader(ctx).Model(&outboxRow{}).Where("failed_at IS NOT NULL").Count(&n).Error
	return int(n), maybeErr("outbox", err)
}
