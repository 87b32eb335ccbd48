package storage

import (
	"context"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/dinhdanh/dinhdanh/identity"
)

// Migration 202612071700_session_family: a re-authentication in the same
// browser marks the old row replaced instead of deleting it. The rows of
// one browser session (same account and sid) then form a family that ends
// together, so a login that raced another in a second tab, holding the
// old cookie, still joins the session its relying parties know.
func sessionFamilyMigration() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202612071700_session_family",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Migrator().AddColumn(&v12AuthSession{}, "ReplacedAt"); err != nil {
				return err
			}
			return tx.Migrator().CreateIndex(&v12AuthSession{}, "idx_auth_sessions_account_sid")
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Migrator().DropIndex(&v12AuthSession{}, "idx_auth_sessions_account_sid"); err != nil {
				return err
			}
			return tx.Migrator().DropColumn(&v12AuthSession{}, "ReplacedAt")
		},
	}
}

type v12AuthSession struct {
	AccountID  string     `gorm:"column:account_id;index:idx_auth_sessions_account_sid,priority:1"`
	SID        string     `gorm:"column:sid;index:idx_auth_sessions_account_sid,priority:2"`
	ReplacedAt *time.Time `gorm:"column:replaced_at"`
}

func (v12AuthSession) TableName() string { return "auth_sessions" }

// LookupAuthSession returns the row a cookie names even when a later login
// replaced it (Replaced set); ErrNotFound when missing or expired.
func (s *Store) LookupAuthSession(ctx context.Context, id string, now time.Time) (identity.AuthSession, error) {
	var r authSessionRow
	if err := s.reader(ctx).Where("id = ? AND expires_at > ?", id, now.UTC()).Take(&r).Error; err != nil {
		return identity.AuthSession{}, domainErr("session", err)
	}
	return r.domain(), nil
}

// ReplaceAuthSession marks a session replaced by a re-authentication and
// reports whether it was still live. The update also locks the row, so a
// logout of its family waits for the caller's transaction. ErrNotFound: the
// session has ended or expired.
func (s *Store) ReplaceAuthSession(ctx context.Context, id string, at time.Time) (wasLive bool, err error) {
	var r authSessionRow
	db := s.conn(ctx)
	if s.dialect == "postgres" {
		db = db.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := db.Where("id = ? AND expires_at > ?", id, at.UTC()).Take(&r).Error; err != nil {
		return false, domainErr("session", err)
	}
	if r.ReplacedAt != nil {
		return false, nil
	}
	res := s.conn(ctx).Model(&authSessionRow{}).Where("id = ? AND replaced_at IS NULL", id).Update("replaced_at", at.UTC())
	if res.Error != nil {
		return false, maybeErr("session", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// EndAuthSessions ends a session with every row of its family (same
// account and sid) and returns the clients they logged in to, each once.
func (s *Store) EndAuthSessions(ctx context.Context, sess identity.AuthSession) ([]string, error) {
	var clients []string
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		family := func() *gorm.DB {
			q := tx.Model(&authSessionRow{})
			if sess.SID == "" {
				return q.Where("id = ? AND account_id = ?", sess.ID, sess.AccountID) // a row from before sids
			}
			return q.Where("account_id = ? AND sid = ?", sess.AccountID, sess.SID)
		}
		var ids []string
		if s.dialect == "postgres" {
			// Lock first: a re-authentication committing meanwhile is then
			// seen by the statements below (read committed takes a new
			// snapshot for each statement), and ends with the others.
			if err := family().Clauses(clause.Locking{Strength: "UPDATE"}).Pluck("id", &ids).Error; err != nil {
				return maybeErr("session family", err)
			}
		}
		if err := family().Pluck("id", &ids).Error; err != nil {
			return maybeErr("session family", err)
		}
		if len(ids) == 0 {
			return nil
		}
		if err := tx.Model(&sessionClientRow{}).Where("session_id IN ?", ids).Distinct("client_id").Order("client_id").Pluck("client_id", &clients).Error; err != nil {
			return maybeErr("session clients", err)
		}
		if err := tx.Where("session_id IN ?", ids).Delete(&sessionClientRow{}).Error; err != nil {
			return maybeErr("session clients", err)
		}
		return maybeErr("session family", tx.Where("id IN ?", ids).Delete(&authSessionRow{}).Error)
	})
	return clients, err
}
