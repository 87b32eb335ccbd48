package storage

import (
	"context"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Migration 202611270004_backchannel: which clients each SSO session
// logged in to, where clients want back-channel logout tokens (OpenID
// Connect Back-Channel Logout 1.0), and whether they allow logging in with
// an SMS code alone.
func backchannelMigration() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202611270004_backchannel",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.AutoMigrate(&v4SessionClient{}); err != nil {
				return err
			}
			if err := tx.Migrator().AddColumn(&v4Client{}, "AllowOTPLogin"); err != nil {
				return err
			}
			return tx.Migrator().AddColumn(&v4Client{}, "BackchannelLogoutURI")
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Migrator().DropColumn(&v4Client{}, "BackchannelLogoutURI"); err != nil {
				return err
			}
			if err := tx.Migrator().DropColumn(&v4Client{}, "AllowOTPLogin"); err != nil {
				return err
			}
			return tx.Migrator().DropTable(&v4SessionClient{})
		},
	}
}

type v4SessionClient struct {
	SessionID string    `gorm:"primaryKey;size:128"`
	ClientID  string    `gorm:"primaryKey;size:255"`
	CreatedAt time.Time `gorm:"not null"`
}

func (v4SessionClient) TableName() string { return "session_clients" }

type v4Client struct {
	BackchannelLogoutURI string `gorm:"column:backchannel_logout_uri;type:text;not null;default:''"`
	AllowOTPLogin        bool   `gorm:"column:allow_otp_login;not null;default:false"`
}

func (v4Client) TableName() string { return "clients" }

type sessionClientRow = v4SessionClient

// AddSessionClient records that a session logged in to a client (once).
func (s *Store) AddSessionClient(ctx context.Context, sessionID, clientID string, at time.Time) error {
	r := sessionClientRow{SessionID: sessionID, ClientID: clientID, CreatedAt: at.UTC()}
	return maybeErr("session client", s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&r).Error)
}

// ListSessionClients returns the clients a session logged in to.
func (s *Store) ListSessionClients(ctx context.Context, sessionID string) ([]string, error) {
	var ids []string
	err := s.reader(ctx).Model(&sessionClientRow{}).Where("session_id = ?", sessionID).Order("client_id").Pluck("client_id", &ids).Error
	return ids, maybeErr("session clients", err)
}
