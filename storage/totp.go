package storage

import (
	"context"
	"errors"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"

	"github.com/dinhdanh/dinhdanh/identity"
)

var _ identity.TOTPStore = (*Store)(nil)

// Migration 202611270003_totp: authenticator-app enrolments and their
// recovery codes (only keyed hashes).
func totpMigration() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202611270003_totp",
		Migrate: func(tx *gorm.DB) error {
			return tx.AutoMigrate(&v3TOTPEnrolment{}, &v3RecoveryCode{})
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable(&v3RecoveryCode{}, &v3TOTPEnrolment{})
		},
	}
}

type v3TOTPEnrolment struct {
	AccountID    string     `gorm:"primaryKey;size:64"`
	Account      *v1Account `gorm:"foreignKey:AccountID;references:ID;constraint:OnDelete:CASCADE"`
	SecretSealed []byte     `gorm:"not null"`
	Confirmed    bool       `gorm:"not null"`
	LastStep     int64      `gorm:"not null;default:0"`
	CreatedAt    time.Time  `gorm:"not null"`
	ConfirmedAt  *time.Time
}

func (v3TOTPEnrolment) TableName() string { return "totp_enrolments" }

type v3RecoveryCode struct {
	ID        int64      `gorm:"primaryKey;autoIncrement"`
	AccountID string     `gorm:"size:64;not null;index:ix_recovery_codes_account"`
	Account   *v1Account `gorm:"foreignKey:AccountID;references:ID;constraint:OnDelete:CASCADE"`
	Hash      []byte     `gorm:"not null"`
	CreatedAt time.Time  `gorm:"not null"`
	UsedAt    *time.Time
}

func (v3RecoveryCode) TableName() string { return "recovery_codes" }

type totpRow struct {
	AccountID    string `gorm:"primaryKey"`
	SecretSealed []byte
	Confirmed    bool
	LastStep     int64
	CreatedAt    time.Time `gorm:"autoCreateTime:false"`
	ConfirmedAt  *time.Time
}

func (totpRow) TableName() string { return "totp_enrolments" }

type recoveryRow struct {
	ID        int64 `gorm:"primaryKey"`
	AccountID string
	Hash      []byte
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
	UsedAt    *time.Time
}

func (recoveryRow) TableName() string { return "recovery_codes" }

// SaveTOTP replaces the enrolment. An unconfirmed enrolment never
// replaces a confirmed one, so a racing "begin" cannot switch the second
// factor off.
func (s *Store) SaveTOTP(ctx context.Context, e identity.TOTPEnrolment) error {
	r := totpRow{AccountID: e.AccountID, SecretSealed: e.SecretSealed, Confirmed: e.Confirmed, LastStep: e.LastStep,
		CreatedAt: e.CreatedAt.UTC(), ConfirmedAt: timePtr(e.ConfirmedAt)}
	return s.inTx(ctx, func(tx *gorm.DB) error {
		var cur totpRow
		err := tx.Where("account_id = ?", e.AccountID).Take(&cur).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			return domainErr("totp enrolment", tx.Create(&r).Error)
		case err != nil:
			return maybeErr("totp enrolment", err)
		case cur.Confirmed && !e.Confirmed && string(cur.SecretSealed) != string(e.SecretSealed):
			return identity.ErrConflict
		}
		return maybeErr("totp enrolment", tx.Model(&totpRow{}).Where("account_id = ?", e.AccountID).Updates(map[string]any{
			"secret_sealed": r.SecretSealed, "confirmed": r.Confirmed, "last_step": r.LastStep,
			"created_at": r.CreatedAt, "confirmed_at": r.ConfirmedAt,
		}).Error)
	})
}

func (s *Store) GetTOTP(ctx context.Context, accountID string) (identity.TOTPEnrolment, error) {
	var r totpRow
	if err := s.reader(ctx).Where("account_id = ?", accountID).Take(&r).Error; err != nil {
		return identity.TOTPEnrolment{}, domainErr("totp enrolment", err)
	}
	return identity.TOTPEnrolment{AccountID: r.AccountID, SecretSealed: r.SecretSealed, Confirmed: r.Confirmed,
		LastStep: r.LastStep, CreatedAt: r.CreatedAt.UTC(), ConfirmedAt: fromPtr(r.ConfirmedAt)}, nil
}

// AdvanceTOTPStep is one conditional update (RFC 6238 §5.2: a code is
// accepted once).
func (s *Store) AdvanceTOTPStep(ctx context.Context, accountID string, step int64) error {
	res := s.conn(ctx).Model(&totpRow{}).Where("account_id = ? AND last_step < ?", accountID, step).Update("last_step", step)
	if res.Error != nil {
		return maybeErr("totp enrolment", res.Error)
	}
	if res.RowsAffected == 1 {
		return nil
	}
	if _, err := s.GetTOTP(ctx, accountID); err != nil {
		return err
	}
	return identity.ErrConflict
}

func (s *Store) ReplaceRecoveryCodes(ctx context.Context, accountID string, hashes [][]byte, at time.Time) error {
	return s.inTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("account_id = ?", accountID).Delete(&recoveryRow{}).Error; err != nil {
			return maybeErr("recovery codes", err)
		}
		rows := make([]recoveryRow, len(hashes))
		for i, h := range hashes {
			rows[i] = recoveryRow{AccountID: accountID, Hash: h, CreatedAt: at.UTC()}
		}
		if len(rows) == 0 {
			return nil
		}
		return domainErr("recovery codes", tx.Create(&rows).Error)
	})
}

func (s *Store) UseRecoveryCode(ctx context.Context, accountID string, hash []byte, at time.Time) error {
	res := s.conn(ctx).Model(&recoveryRow{}).Where("account_id = ? AND hash = ? AND used_at IS NULL", accountID, hash).Update("used_at", at.UTC())
	if res.Error != nil {
		return maybeErr("recovery code", res.Error)
	}
	if res.RowsAffected == 0 {
		return notFound("recovery code")
	}
	return nil
}

func (s *Store) DeleteTOTP(ctx context.Context, accountID string) error {
	return s.inTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("account_id = ?", accountID).Delete(&recoveryRow{}).Error; err != nil {
			return maybeErr("recovery codes", err)
		}
		return maybeErr("totp enrolment", tx.Where("account_id = ?", accountID).Delete(&totpRow{}).Error)
	})
}

// ListAuthSessions returns an account's live sessions, newest first, one
// per browser session: of live rows sharing a sid (two logins that raced
// in two tabs) only the latest.
func (s *Store) ListAuthSessions(ctx context.Context, accountID string, now time.Time) ([]identity.AuthSession, error) {
	var rows []authSessionRow
	if err := s.reader(ctx).Where("account_id = ? AND expires_at > ? AND replaced_at IS NULL", accountID, now.UTC()).Order("created_at DESC, auth_time DESC, id").Find(&rows).Error; err != nil {
		return nil, maybeErr("auth sessions", err)
	}
	out := make([]identity.AuthSession, 0, len(rows))
	seen := make(map[string]bool, len(rows))
	for _, r := range rows {
		if r.SID != "" && seen[r.SID] {
			continue
		}
		seen[r.SID] = true
		out = append(out, r.domain())
	}
	return out, nil
}
