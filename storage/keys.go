package storage

import (
	"context"
	"errors"
	"time"

	"github.com/dinhdanh/dinhdanh/keys"
)

var _ keys.Store = (*Store)(nil)

func (s *Store) InsertKey(ctx context.Context, r keys.Record) error {
	row := signingKeyRow{
		KID: r.KID, Alg: r.Alg,
		PrivateEncrypted: append([]byte(nil), r.PrivateEncrypted...),
		PublicJWK:        append([]byte(nil), r.PublicJWK...),
		CreatedAt:        r.CreatedAt.UTC(), RetiredAt: timePtr(r.RetiredAt),
	}
	if row.CreatedAt.IsZero() {
		row.CreatedAt = s.now()
	}
	return domainErr("signing key", s.conn(ctx).Create(&row).Error)
}

// ListKeys returns every key, newest first (kid breaks ties so the order
// is the same on every node).
func (s *Store) ListKeys(ctx context.Context) ([]keys.Record, error) {
	var rows []signingKeyRow
	if err := s.reader(ctx).Order("created_at DESC").Order("kid DESC").Find(&rows).Error; err != nil {
		return nil, dbErr("signing keys", err)
	}
	out := make([]keys.Record, len(rows))
	for i, r := range rows {
		out[i] = r.record()
	}
	return out, nil
}

// RetireKey sets RetiredAt if it is still unset: a compare-and-swap, so two
// nodes rotating at once keep the first retirement time. Retiring a key
// already retired is not an error; an unknown kid is ErrNotFound.
func (s *Store) RetireKey(ctx context.Context, kid string, at time.Time) error {
	if at.IsZero() {
		return errors.New("storage: retire key: zero time")
	}
	db := s.conn(ctx)
	res := db.Model(&signingKeyRow{}).Where("kid = ? AND retired_at IS NULL", kid).Update("retired_at", at.UTC())
	if res.Error != nil {
		return dbErr("signing key", res.Error)
	}
	if res.RowsAffected > 0 {
		return nil
	}
	var n int64
	if err := db.Model(&signingKeyRow{}).Where("kid = ?", kid).Count(&n).Error; err != nil {
		return dbErr("signing key", err)
	}
	if n == 0 {
		return notFound("signing key")
	}
	return nil
}
