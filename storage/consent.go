package storage

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// Migration 202611270010_consent_declined: per grant, the claims the
// citizen saw and left unticked (so they are not asked again each login)
// and the purpose the client stated when consent was given (Decree
// 13/2023 art. 11: consent is per purpose and kept in verifiable form).
func consentDeclinedMigration() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202611270010_consent_declined",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Migrator().AddColumn(&v10ConsentGrant{}, "Declined"); err != nil {
				return err
			}
			return tx.Migrator().AddColumn(&v10ConsentGrant{}, "Purpose")
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Migrator().DropColumn(&v10ConsentGrant{}, "Purpose"); err != nil {
				return err
			}
			return tx.Migrator().DropColumn(&v10ConsentGrant{}, "Declined")
		},
	}
}

type v10ConsentGrant struct {
	Declined string `gorm:"column:declined;type:text;not null;default:'[]'"`
	Purpose  string `gorm:"column:purpose;type:text;not null;default:''"`
}

func (v10ConsentGrant) TableName() string { return "consent_grants" }
