package storage

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// Migration 202612070011_session_sid: the sid each SSO session gave to
// relying parties, kept across re-authentication in the same browser
// (Back-Channel Logout 1.0 §2.1). Older rows keep an empty sid; the
// provider then derives it from the row's id as it did before.
func sessionSIDMigration() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202612070011_session_sid",
		Migrate: func(tx *gorm.DB) error {
			return tx.Migrator().AddColumn(&v11AuthSession{}, "SID")
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropColumn(&v11AuthSession{}, "SID")
		},
	}
}

type v11AuthSession struct {
	SID string `gorm:"column:sid;size:64;not null;default:''"`
}

func (v11AuthSession) TableName() string { return "auth_sessions" }
