package storage

import (
	"context"

	"gorm.io/gorm"

	"github.com/dinhdanh/dinhdanh/identity"
)

// ListConsents returns an account's grants, newest first.
func (s *Store) ListConsents(ctx context.Context, accountID string) ([]identity.ConsentGrant, error) {
	var rows []consentRow
	if err := s.reader(ctx).Where("account_id = ?", accountID).Order("granted_at DESC").Find(&rows).Error; err != nil {
		return nil, maybeErr("consents", err)
	}
	out := make([]identity.ConsentGrant, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// WithdrawConsent deletes the grant and, in the same transaction, revokes
// every refresh token and deletes every access token and unused code the
// client holds for the subject: a withdrawal takes effect at once.
func (s *Store) WithdrawConsent(ctx context.Context, accountID, clientID, subject string) error {
	return s.inTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("account_id = ? AND client_id = ?", accountID, clientID).Delete(&consentRow{}).Error; err != nil {
			return maybeErr("consent", err)
		}
		if err := tx.Model(&refreshTokenRow{}).Where("client_id = ? AND subject = ? AND revoked_at IS NULL", clientID, subject).
			Updates(map[string]any{"active": false, "revoked_at": s.now()}).Error; err != nil {
			return maybeErr("refresh tokens", err)
		}
		if err := tx.Where("client_id = ? AND subject = ?", clientID, subject).Delete(&accessTokenRow{}).Error; err != nil {
			return maybeErr("access tokens", err)
		}
		return maybeErr("authorization codes", tx.Where("client_id = ? AND subject = ?", clientID, subject).Delete(&authorizeCodeRow{}).Error)
	})
}
