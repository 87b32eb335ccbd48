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
