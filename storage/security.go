package storage

import (
	"context"
	"errors"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/dinhdanh/dinhdanh/identity"
)

var (
	_ identity.OTPStore     = (*Store)(nil)
	_ identity.AttemptStore = (*Store)(nil)
	_ identity.AuditStore   = (*Store)(nil)
)

// Migration 202611270002_security: one-time codes, failure counters, the
// audit log, and clients' minimum authentication level.
func securityMigration() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202611270002_security",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.AutoMigrate(&v2OTPChallenge{}, &v2LoginAttempt{}, &v2AuditEvent{}); err != nil {
				return err
			}
			if err := tx.Migrator().AddColumn(&v2Interaction{}, "BrowserKey"); err != nil {
				return err
			}
			return tx.Migrator().AddColumn(&v2Client{}, "MinLevel")
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Migrator().DropColumn(&v2Client{}, "MinLevel"); err != nil {
				return err
			}
			if err := tx.Migrator().DropColumn(&v2Interaction{}, "BrowserKey"); err != nil {
				return err
			}
			return tx.Migrator().DropTable(&v2AuditEvent{}, &v2LoginAttempt{}, &v2OTPChallenge{})
		},
	}
}

type v2OTPChallenge struct {
	ID        string    `gorm:"primaryKey;size:64"`
	AccountID string    `gorm:"size:64;not null;index:ix_otp_account_created,priority:1"`
	Purpose   string    `gorm:"size:16;not null"`
	CodeHash  []byte    `gorm:"not null"`
	PhoneKey  string    `gorm:"size:64;not null;index:ix_otp_phone_created,priority:1"`
	Attempts  int       `gorm:"not null;default:0"`
	CreatedAt time.Time `gorm:"not null;index:ix_otp_account_created,priority:2;index:ix_otp_phone_created,priority:2"`
	ExpiresAt time.Time `gorm:"not null;index:ix_otp_expires"`
	UsedAt    *time.Time
}

func (v2OTPChallenge) TableName() string { return "otp_challenges" }

type v2LoginAttempt struct {
	Key         string    `gorm:"column:attempt_key;primaryKey;size:128"`
	Failures    int       `gorm:"not null"`
	LastFailure time.Time `gorm:"not null;index:ix_login_attempts_last"`
	LockedUntil *time.Time
}

func (v2LoginAttempt) TableName() string { return "login_attempts" }

// The audit log is append-only: the store has no method that updates or
// deletes it.
type v2AuditEvent struct {
	ID        int64     `gorm:"primaryKey;autoIncrement"`
	At        time.Time `gorm:"not null;index:ix_audit_at"`
	Kind      string    `gorm:"size:64;not null"`
	AccountID string    `gorm:"size:64;not null;index:ix_audit_account"`
	Detail    string    `gorm:"type:text;not null"`
}

func (v2AuditEvent) TableName() string { return "audit_events" }

type v2Client struct {
	MinLevel int `gorm:"not null;default:0"`
}

func (v2Client) TableName() string { return "clients" }

type v2Interaction struct {
	BrowserKey string `gorm:"size:128;not null;default:''"`
}

func (v2Interaction) TableName() string { return "interactions" }

// ---- one-time codes ----

type otpRow = v2OTPChallenge

func (s *Store) CreateOTP(ctx context.Context, c identity.OTPChallenge) error {
	r := otpRow{ID: c.ID, AccountID: c.AccountID, Purpose: c.Purpose, CodeHash: c.CodeHash, PhoneKey: c.PhoneKey,
		Attempts: c.Attempts, CreatedAt: c.CreatedAt.UTC(), ExpiresAt: c.ExpiresAt.UTC(), UsedAt: timePtr(c.UsedAt)}
	return domainErr("otp challenge", s.conn(ctx).Create(&r).Error)
}

func (s *Store) GetOTP(ctx context.Context, id string) (identity.OTPChallenge, error) {
	var r otpRow
	if err := s.reader(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return identity.OTPChallenge{}, domainErr("otp challenge", err)
	}
	return identity.OTPChallenge{ID: r.ID, AccountID: r.AccountID, Purpose: r.Purpose, CodeHash: r.CodeHash, PhoneKey: r.PhoneKey,
		Attempts: r.Attempts, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(), UsedAt: fromPtr(r.UsedAt)}, nil
}

// AddOTPAttempt counts a try in the same transaction that reads the
// count, so concurrent guesses cannot share one attempt.
func (s *Store) AddOTPAttempt(ctx context.Context, id string) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&otpRow{}).Where("id = ?", id).UpdateColumn("attempts", gorm.Expr("attempts + 1"))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return notFound("otp challenge")
		}
		return tx.Model(&otpRow{}).Where("id = ?", id).Pluck("attempts", &n).Error
	})
	return n, domainErr("otp challenge", err)
}

// UseOTP is conditional, so of two racing requests one wins.
func (s *Store) UseOTP(ctx context.Context, id string, at time.Time) error {
	res := s.conn(ctx).Model(&otpRow{}).Where("id = ? AND used_at IS NULL", id).Update("used_at", at.UTC())
	if res.Error != nil {
		return maybeErr("otp challenge", res.Error)
	}
	if res.RowsAffected == 0 {
		return identity.ErrConflict
	}
	return nil
}

func (s *Store) CountOTPs(ctx context.Context, accountID, phoneKey string, since time.Time) (int, int, error) {
	var byAccount, byPhone int64
	db := s.reader(ctx)
	if err := db.Model(&otpRow{}).Where("account_id = ? AND created_at >= ?", accountID, since.UTC()).Count(&byAccount).Error; err != nil {
		return 0, 0, maybeErr("otp challenges", err)
	}
	if err := db.Model(&otpRow{}).Where("phone_key = ? AND created_at >= ?", phoneKey, since.UTC()).Count(&byPhone).Error; err != nil {
		return 0, 0, maybeErr("otp challenges", err)
	}
	return int(byAccount), int(byPhone), nil
}

// ---- failure counters ----

type attemptRow = v2LoginAttempt

func (s *Store) GetAttempts(ctx context.Context, key string) (identity.AttemptState, error) {
	var r attemptRow
	err := s.reader(ctx).Where("attempt_key = ?", key).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return identity.AttemptState{}, nil
	}
	if err != nil {
		return identity.AttemptState{}, maybeErr("login attempts", err)
	}
	return identity.AttemptState{Failures: r.Failures, LastFailure: r.LastFailure.UTC(), LockedUntil: fromPtr(r.LockedUntil)}, nil
}

// RecordFailure is one atomic upsert: concurrent failures all count, on
// SQLite and on PostgreSQL (no read-modify-write that could lose one).
func (s *Store) RecordFailure(ctx context.Context, key string, now time.Time, window time.Duration) (identity.AttemptState, error) {
	now = now.UTC()
	var st identity.AttemptState
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		r := attemptRow{Key: key, Failures: 1, LastFailure: now}
		err := tx.Clauses(clause.OnConflict{
			Columns: []clause.Column{{Name: "attempt_key"}},
			DoUpdates: clause.Assignments(map[string]any{
				"failures":     gorm.Expr("CASE WHEN login_attempts.last_failure < ? THEN 1 ELSE login_attempts.failures + 1 END", now.Add(-window)),
				"last_failure": now,
			}),
		}).Create(&r).Error
		if err != nil {
			return err
		}
		var got attemptRow
		if err := tx.Where("attempt_key = ?", key).Take(&got).Error; err != nil {
			return err
		}
		st = identity.AttemptState{Failures: got.Failures, LastFailure: got.LastFailure.UTC(), LockedUntil: fromPtr(got.LockedUntil)}
		return nil
	})
	return st, maybeErr("login attempts", err)
}

func (s *Store) LockAttempts(ctx context.Context, key string, until time.Time) error {
	return maybeErr("login attempts", s.conn(ctx).Model(&attemptRow{}).Where("attempt_key = ?", key).Update("locked_until", until.UTC()).Error)
}

func (s *Store) ResetAttempts(ctx context.Context, key string) error {
	return maybeErr("login attempts", s.conn(ctx).Where("attempt_key = ?", key).Delete(&attemptRow{}).Error)
}

// ---- audit log ----

func (s *Store) AppendAudit(ctx context.Context, e identity.AuditEvent) error {
	r := v2AuditEvent{At: e.At.UTC(), Kind: e.Kind, AccountID: e.AccountID, Detail: e.Detail}
	return maybeErr("audit event", s.conn(ctx).Create(&r).Error)
}

// ListAudit returns the newest events first (for operators and tests).
func (s *Store) ListAudit(ctx context.Context, limit int) ([]identity.AuditEvent, error) {
	var rows []v2AuditEvent
	if err := s.reader(ctx).Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, maybeErr("audit events", err)
	}
	out := make([]identity.AuditEvent, len(rows))
	for i, r := range rows {
		out[i] = identity.AuditEvent{At: r.At.UTC(), Kind: r.Kind, AccountID: r.AccountID, Detail: r.Detail}
	}
	return out, nil
}

// maybeErr wraps a database error, keeping nil nil.
func maybeErr(what string, err error) error {
	if err == nil {
		return nil
	}
	return dbErr(what, err)
}
