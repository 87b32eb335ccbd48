package storage

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"

	"github.com/dinhdanh/dinhdanh/identity"
)

// Client registration metadata of issue 12 (identity.ClientMetadata),
// kept as one JSON document in clients.metadata.

// clientMetadata is identity.ClientMetadata as a JSON text column.
type clientMetadata identity.ClientMetadata

func (m clientMetadata) Value() (driver.Value, error) {
	b, err := json.Marshal(identity.ClientMetadata(m))
	return string(b), err
}

func (m *clientMetadata) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		*m = clientMetadata{}
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("storage: cannot scan %T into client metadata", src)
	}
	var out identity.ClientMetadata
	if err := json.Unmarshal(b, &out); err != nil {
		return fmt.Errorf("storage: client metadata column: %w", err)
	}
	*m = clientMetadata(out)
	return nil
}

func clientMetadataMigration() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202612080500_client_metadata",
		Migrate: func(tx *gorm.DB) error {
			return tx.Migrator().AddColumn(&v12Client{}, "Metadata")
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropColumn(&v12Client{}, "Metadata")
		},
	}
}

type v12Client struct {
	Metadata string `gorm:"column:metadata;type:text;not null;default:'{}'"`
}

func (v12Client) TableName() string { return "clients" }

// UpdateClient replaces a registered client's registration (every field
// but ID and CreatedAt) in one statement. A missing client is
// identity.ErrNotFound.
func (s *Store) UpdateClient(ctx context.Context, c identity.Client) error {
	r := toClientRow(c)
	res := s.conn(ctx).Model(&clientRow{}).Where("id = ?", c.ID).
		Select("*").Omit("id", "created_at").Updates(&r)
	if res.Error != nil {
		return dbErr("client", res.Error)
	}
	if res.RowsAffected == 0 {
		return notFound("client")
	}
	return nil
}
