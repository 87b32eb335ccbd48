package storage

import (
	"context"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"

	"github.com/dinhdanh/dinhdanh/identity"
)

// Migration 202612080400_device: the device authorization grant (RFC
// 8628) and the client option that lets it reach level-2 documents.
func deviceMigration() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202612080400_device",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.AutoMigrate(&v400DeviceAuthorization{}); err != nil {
				return err
			}
			return tx.Migrator().AddColumn(&v400Client{}, "DeviceLevel2")
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Migrator().DropColumn(&v400Client{}, "DeviceLevel2"); err != nil {
				return err
			}
			return tx.Migrator().DropTable(&v400DeviceAuthorization{})
		},
	}
}

// v400DeviceAuthorization keys both codes by their keyed hash; the codes
// themselves are never stored.
type v400DeviceAuthorization struct {
	ID             string    `gorm:"primaryKey;size:64"`
	DeviceCodeHash string    `gorm:"size:128;not null;uniqueIndex:ux_device_authorizations_device_code"`
	UserCodeHash   string    `gorm:"size:128;not null;uniqueIndex:ux_device_authorizations_user_code"`
	ClientID       string    `gorm:"size:255;not null;index"`
	Scopes         string    `gorm:"type:text;not null"`
	Status         string    `gorm:"size:16;not null"`
	Interval       int       `gorm:"column:poll_interval;not null"`
	Polls          int       `gorm:"not null"`
	LastPollAt     time.Time `gorm:"not null"`
	CreatedAt      time.Time `gorm:"not null"`
	ExpiresAt      time.Time `gorm:"not null;index"`
	AccountID      string    `gorm:"size:64;not null"`
	Session        string    `gorm:"type:text;not null"`
	GrantedScopes  string    `gorm:"type:text;not null"`
}

func (v400DeviceAuthorization) TableName() string { return "device_authorizations" }

type v400Client struct {
	DeviceLevel2 bool `gorm:"column:device_level2;not null;default:false"`
}

func (v400Client) TableName() string { return "clients" }

type deviceRow struct {
	ID             string `gorm:"primaryKey"`
	DeviceCodeHash string
	UserCodeHash   string
	ClientID       string
	Scopes         stringList
	Status         string
	Interval       int `gorm:"column:poll_interval"`
	Polls          int
	LastPollAt     time.Time
	CreatedAt      time.Time `gorm:"autoCreateTime:false"`
	ExpiresAt      time.Time
	AccountID      string
	Session        string
	GrantedScopes  stringList
}

func (deviceRow) TableName() string { return "device_authorizations" }

func (r deviceRow) domain() identity.DeviceAuthorization {
	d := identity.DeviceAuthorization{
		ID: r.ID, DeviceCodeHash: r.DeviceCodeHash, UserCodeHash: r.UserCodeHash, ClientID: r.ClientID,
		Scopes: r.Scopes, Status: r.Status, Interval: r.Interval, Polls: r.Polls,
		CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(), AccountID: r.AccountID, GrantedScopes: r.GrantedScopes,
	}
	if r.Polls > 0 {
		d.LastPollAt = r.LastPollAt.UTC()
	}
	if r.Session != "" {
		d.Session = []byte(r.Session)
	}
	return d
}

// CreateDeviceAuthorization stores a new, pending request. A user or
// device code that is already taken is ErrAlreadyExists: draw another.
func (s *Store) CreateDeviceAuthorization(ctx context.Context, d identity.DeviceAuthorization) error {
	r := deviceRow{
		ID: d.ID, DeviceCodeHash: d.DeviceCodeHash, UserCodeHash: d.UserCodeHash, ClientID: d.ClientID,
		Scopes: cloneList(d.Scopes), Status: identity.DeviceStatusPending, Interval: d.Interval,
		LastPollAt: d.CreatedAt.UTC(), CreatedAt: d.CreatedAt.UTC(), ExpiresAt: d.ExpiresAt.UTC(), GrantedScopes: stringList{},
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt, r.LastPollAt = s.now(), s.now()
	}
	if err := s.write(ctx, func(db *gorm.DB) error { return db.Create(&r).Error }); err != nil {
		// Expired rows keep their codes until DeleteExpiredDeviceAuthorizations.
		return domainErr("device authorization", err)
	}
	return nil
}

// GetDeviceAuthorizationByUserCode returns the pending, unexpired request
// with this user code; anything else is ErrNotFound (RFC 8628 §3.3: a
// code is good for one decision, within its lifetime).
func (s *Store) GetDeviceAuthorizationByUserCode(ctx context.Context, userCodeHash string, now time.Time) (identity.DeviceAuthorization, error) {
	var r deviceRow
	err := s.reader(ctx).Where("user_code_hash = ? AND status = ? AND expires_at > ?", userCodeHash, identity.DeviceStatusPending, now.UTC()).Take(&r).Error
	if err != nil {
		return identity.DeviceAuthorization{}, domainErr("device authorization", err)
	}
	return r.domain(), nil
}

// GetDeviceAuthorization returns a request by id, whatever its state.
func (s *Store) GetDeviceAuthorization(ctx context.Context, id string) (identity.DeviceAuthorization, error) {
	var r deviceRow
	if err := s.reader(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return identity.DeviceAuthorization{}, domainErr("device authorization", err)
	}
	return r.domain(), nil
}

// GetDeviceAuthorizationByDeviceCode returns a request by its device
// code, whatever its state (the caller answers for each).
func (s *Store) GetDeviceAuthorizationByDeviceCode(ctx context.Context, deviceCodeHash string) (identity.DeviceAuthorization, error) {
	var r deviceRow
	if err := s.reader(ctx).Where("device_code_hash = ?", deviceCodeHash).Take(&r).Error; err != nil {
		return identity.DeviceAuthorization{}, domainErr("device authorization", err)
	}
	return r.domain(), nil
}

// RecordDevicePoll counts a poll at `at` with the interval now in force,
// if no other poll was counted since the caller read the request (polls
// is the count it read): of two concurrent polls one is recorded and the
// other gets ErrNotFound, which the caller answers with slow_down.
func (s *Store) RecordDevicePoll(ctx context.Context, id string, polls int, at time.Time, interval int) error {
	return s.cas(ctx, "device poll", func(db *gorm.DB) *gorm.DB {
		return db.Model(&deviceRow{}).Where("id = ? AND polls = ?", id, polls).
			Updates(map[string]any{"polls": polls + 1, "last_poll_at": at.UTC(), "poll_interval": interval})
	})
}

// ApproveDeviceAuthorization records the citizen's approval with the
// token session to issue; DenyDeviceAuthorization the refusal. Either
// works once, on a pending request before it expires: anything else is
// ErrNotFound.
func (s *Store) ApproveDeviceAuthorization(ctx context.Context, id, accountID string, session []byte, granted []string, now time.Time) error {
	return s.cas(ctx, "device approval", func(db *gorm.DB) *gorm.DB {
		return db.Model(&deviceRow{}).Where("id = ? AND status = ? AND expires_at > ?", id, identity.DeviceStatusPending, now.UTC()).
			Updates(map[string]any{"status": identity.DeviceStatusApproved, "account_id": accountID, "session": string(session), "granted_scopes": stringList(cloneList(granted))})
	})
}

func (s *Store) DenyDeviceAuthorization(ctx context.Context, id string, now time.Time) error {
	return s.cas(ctx, "device denial", func(db *gorm.DB) *gorm.DB {
		return db.Model(&deviceRow{}).Where("id = ? AND status = ? AND expires_at > ?", id, identity.DeviceStatusPending, now.UTC()).
			Updates(map[string]any{"status": identity.DeviceStatusDenied})
	})
}

// RedeemDeviceAuthorization marks an approved request redeemed, once
// (RFC 8628 §3.5: a device code yields tokens once); the token session is
// dropped with it. A second call, or one on a request in another state,
// is ErrNotFound.
func (s *Store) RedeemDeviceAuthorization(ctx context.Context, id string) error {
	return s.cas(ctx, "device redemption", func(db *gorm.DB) *gorm.DB {
		return db.Model(&deviceRow{}).Where("id = ? AND status = ?", id, identity.DeviceStatusApproved).
			Updates(map[string]any{"status": identity.DeviceStatusRedeemed, "session": ""})
	})
}

// DeleteExpiredDeviceAuthorizations removes requests that ended before
// `before`, freeing their user codes.
func (s *Store) DeleteExpiredDeviceAuthorizations(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, func(db *gorm.DB) error {
		res := db.Where("expires_at < ?", before.UTC()).Delete(&deviceRow{})
		n = res.RowsAffected
		return res.Error
	})
	return n, maybeErr("device authorizations", err)
}

// cas runs one conditional update: no row changed is ErrNotFound.
func (s *Store) cas(ctx context.Context, what string, stmt func(db *gorm.DB) *gorm.DB) error {
	var affected int64
	err := s.write(ctx, func(db *gorm.DB) error {
		res := stmt(db)
		affected = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return dbErr(what, err)
	}
	if affected == 0 {
		return notFound(what)
	}
	return nil
}
