package storage

import (
	"context"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"

	"github.com/dinhdanh/dinhdanh/identity"
)

var _ identity.DevOutbox = (*Store)(nil)

// Migration 202611270005_dev_sms: the development SMS outbox (written only
// with --dev; recipients are stored masked).
func devSMSMigration() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202611270005_dev_sms",
		Migrate: func(tx *gorm.DB) error {
			return tx.AutoMigrate(&v5DevSMS{})
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable(&v5DevSMS{})
		},
	}
}

type v5DevSMS struct {
	ID     int64     `gorm:"primaryKey;autoIncrement"`
	To     string    `gorm:"column:recipient;size:32;not null"`
	Body   string    `gorm:"type:text;not null"`
	SentAt time.Time `gorm:"not null"`
}

func (v5DevSMS) TableName() string { return "dev_sms" }

func (s *Store) AppendDevSMS(ctx context.Context, m identity.SMSMessage) error {
	r := v5DevSMS{To: m.To, Body: m.Body, SentAt: m.SentAt.UTC()}
	return maybeErr("dev sms", s.conn(ctx).Create(&r).Error)
}

func (s *Store) ListDevSMS(ctx context.Context, limit int) ([]identity.SMSMessage, error) {
	var rows []v5DevSMS
	if err := s.reader(ctx).Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, maybeErr("dev sms", err)
	}
	out := make([]identity.SMSMessage, len(rows))
	for i, r := range rows {
		out[i] = identity.SMSMessage{To: r.To, Body: r.Body, SentAt: r.SentAt.UTC()}
	}
	return out, nil
}

// Migration 202611270006_session_idle: when each session was last used.
func sessionIdleMigration() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202611270006_session_idle",
		Migrate: func(tx *gorm.DB) error {
			return tx.Migrator().AddColumn(&v6AuthSession{}, "LastSeen")
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropColumn(&v6AuthSession{}, "LastSeen")
		},
	}
}

type v6AuthSession struct {
	LastSeen *time.Time `gorm:"column:last_seen_at"`
}

func (v6AuthSession) TableName() string { return "auth_sessions" }

// TouchAuthSession records that a session was used now.
func (s *Store) TouchAuthSession(ctx context.Context, id string, at time.Time) error {
	return maybeErr("session", s.conn(ctx).Table("auth_sessions").Where("id = ?", id).Update("last_seen_at", at.UTC()).Error)
}

// Migration 202611270007_consent_claims: the claims ticked in each grant.
func consentClaimsMigration() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202611270007_consent_claims",
		Migrate: func(tx *gorm.DB) error {
			return tx.Migrator().AddColumn(&v7ConsentGrant{}, "Claims")
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropColumn(&v7ConsentGrant{}, "Claims")
		},
	}
}

type v7ConsentGrant struct {
	Claims string `gorm:"column:claims;type:text;not null;default:'[]'"`
}

func (v7ConsentGrant) TableName() string { return "consent_grants" }
