package storage

import (
	"context"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"

	"github.com/dinhdanh/dinhdanh/identity"
)

var _ identity.DisclosureStore = (*Store)(nil)

// Migration 202611270008_disclosures: the disclosure log (Decree 13/2023:
// a verifiable record of what was released). Append-only: the store has
// no method that changes or deletes an entry.
func disclosuresMigration() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202611270008_disclosures",
		Migrate: func(tx *gorm.DB) error {
			return tx.AutoMigrate(&v8Disclosure{})
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable(&v8Disclosure{})
		},
	}
}

type v8Disclosure struct {
	ID        int64     `gorm:"primaryKey;autoIncrement"`
	AccountID string    `gorm:"size:64;not null;index:ix_disclosures_account_at,priority:1"`
	ClientID  string    `gorm:"size:255;not null"`
	At        time.Time `gorm:"not null;index:ix_disclosures_account_at,priority:2"`
	Claims    string    `gorm:"type:text;not null"`
	ACR       string    `gorm:"column:acr;size:255;not null"`
	Channel   string    `gorm:"size:32;not null"`
}

func (v8Disclosure) TableName() string { return "disclosures" }

type disclosureRow struct {
	ID        int64 `gorm:"primaryKey"`
	AccountID string
	ClientID  string
	At        time.Time
	Claims    stringList
	ACR       string `gorm:"column:acr"`
	Channel   string
}

func (disclosureRow) TableName() string { return "disclosures" }

func (s *Store) AppendDisclosure(ctx context.Context, d identity.Disclosure) error {
	// Group commit on SQLite: every userinfo call appends one entry, and
	// each caller still returns only once its entry is durable.
	return maybeErr("disclosure", s.write(ctx, func(db *gorm.DB) error {
		r := disclosureRow{AccountID: d.AccountID, ClientID: d.ClientID, At: d.At.UTC(), Claims: cloneList(d.Claims), ACR: d.ACR, Channel: d.Channel}
		return db.Create(&r).Error
	}))
}

func (s *Store) ListDisclosures(ctx context.Context, accountID string, f identity.DisclosureFilter) ([]identity.Disclosure, error) {
	q := s.reader(ctx).Where("account_id = ?", accountID)
	if f.ClientID != "" {
		q = q.Where("client_id = ?", f.ClientID)
	}
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	var rows []disclosureRow
	if err := q.Order("at DESC, id DESC").Limit(f.Limit).Find(&rows).Error; err != nil {
		return nil, maybeErr("disclosures", err)
	}
	out := make([]identity.Disclosure, len(rows))
	for i, r := range rows {
		out[i] = identity.Disclosure{AccountID: r.AccountID, ClientID: r.ClientID, At: r.At.UTC(), Claims: r.Claims, ACR: r.ACR, Channel: r.Channel}
	}
	return out, nil
}
