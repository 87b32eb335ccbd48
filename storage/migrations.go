package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// Migrate applies every migration not yet applied. Several nodes may start
// at once: on PostgreSQL they queue on an advisory lock, on SQLite on the
// write lock (BEGIN IMMEDIATE), and all of it is one transaction.
func (s *Store) Migrate(ctx context.Context) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.dialect == "postgres" {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", migrationLockID).Error; err != nil {
				return err
			}
		}
		m := gormigrate.New(tx, &gormigrate.Options{
			TableName:    "schema_migrations",
			IDColumnName: "id",
			IDColumnSize: 255,
		}, migrations())
		return m.Migrate()
	})
	if err != nil {
		return fmt.Errorf("storage: migrate: %w", err)
	}
	return nil
}

// migrationLockID names the advisory lock (an arbitrary constant).
const migrationLockID int64 = 0x64696e6864616e68 // "dinhdanh"

// migrations is the schema history. Never edit an applied migration: add
// the next one, with its own model copies.
func migrations() []*gormigrate.Migration {
	list := []*gormigrate.Migration{
		{
			ID: "202611270001_init",
			Migrate: func(tx *gorm.DB) error {
				return tx.AutoMigrate(
					&v1Citizen{}, &v1Account{}, &v1Client{}, &v1ConsentGrant{},
					&v1AuthSession{}, &v1Interaction{}, &v1SigningKey{},
					&v1AuthorizeCode{}, &v1AccessToken{}, &v1RefreshToken{},
					&v1PKCERequest{}, &v1OIDCSession{}, &v1PARRequest{}, &v1UsedJTI{},
				)
			},
			Rollback: func(tx *gorm.DB) error {
				return tx.Migrator().DropTable(
					&v1UsedJTI{}, &v1PARRequest{}, &v1OIDCSession{}, &v1PKCERequest{},
					&v1RefreshToken{}, &v1AccessToken{}, &v1AuthorizeCode{},
					&v1SigningKey{}, &v1Interaction{}, &v1AuthSession{}, &v1ConsentGrant{},
					&v1Client{}, &v1Account{}, &v1Citizen{},
				)
			},
		},
	}
	return append(list, securityMigration(), totpMigration(), backchannelMigration(), devSMSMigration(), sessionIdleMigration(), consentClaimsMigration(), disclosuresMigration(), citizenDetailsMigration(), consentDeclinedMigration(),
		sessionSIDMigration(), recoveryMigration(), sessionFamilyMigration(), clientMetadataMigration(), janitorMigration(), deviceMigration(), registrarMigration())
}

// Models of migration 202611270001_init. JSON lists are text columns.

type v1Citizen struct {
	PIN              string    `gorm:"column:pin;primaryKey;size:32"`
	FullName         string    `gorm:"type:text;not null"`
	Birthdate        string    `gorm:"size:10;not null"`
	Gender           string    `gorm:"size:16;not null"`
	Phone            string    `gorm:"size:32;not null"`
	Email            string    `gorm:"type:text;not null"`
	PermanentAddress string    `gorm:"type:text;not null"`
	ProvinceCode     string    `gorm:"size:16;not null"`
	Source           string    `gorm:"type:text;not null"`
	UpdatedAt        time.Time `gorm:"not null"`
	// A citizen has at most one account (accounts.pin references pin).
	Account *v1Account `gorm:"foreignKey:PIN;references:PIN;constraint:OnUpdate:CASCADE,OnDelete:RESTRICT"`
}

func (v1Citizen) TableName() string { return "citizens" }

type v1Account struct {
	ID                 string    `gorm:"primaryKey;size:64"`
	PIN                string    `gorm:"column:pin;size:32;not null;uniqueIndex:ux_accounts_pin"`
	Level              int       `gorm:"not null"`
	PasswordHash       string    `gorm:"type:text;not null"`
	MustChangePassword bool      `gorm:"not null"`
	CreatedAt          time.Time `gorm:"not null"`
	PasswordChangedAt  *time.Time
}

func (v1Account) TableName() string { return "accounts" }

type v1Client struct {
	ID                      string    `gorm:"primaryKey;size:255"`
	Name                    string    `gorm:"type:text;not null"`
	SecretHash              []byte    // NULL for public clients
	Public                  bool      `gorm:"not null"`
	RedirectURIs            string    `gorm:"column:redirect_uris;type:text;not null"`
	PostLogoutRedirectURIs  string    `gorm:"column:post_logout_redirect_uris;type:text;not null"`
	GrantTypes              string    `gorm:"type:text;not null"`
	ResponseTypes           string    `gorm:"type:text;not null"`
	Scopes                  string    `gorm:"type:text;not null"`
	Audience                string    `gorm:"type:text;not null"`
	SubjectType             string    `gorm:"size:16;not null"`
	TokenEndpointAuthMethod string    `gorm:"size:64;not null"`
	JWKSURI                 string    `gorm:"column:jwks_uri;type:text;not null"`
	LogoURI                 string    `gorm:"column:logo_uri;type:text;not null"`
	Purpose                 string    `gorm:"type:text;not null"`
	CreatedAt               time.Time `gorm:"not null"`
}

func (v1Client) TableName() string { return "clients" }

type v1ConsentGrant struct {
	ID        string     `gorm:"primaryKey;size:64"`
	AccountID string     `gorm:"size:64;not null;uniqueIndex:ux_consent_grants_account_client,priority:1"`
	Account   *v1Account `gorm:"foreignKey:AccountID;references:ID;constraint:OnDelete:CASCADE"`
	ClientID  string     `gorm:"size:255;not null;uniqueIndex:ux_consent_grants_account_client,priority:2;index:ix_consent_grants_client"`
	Client    *v1Client  `gorm:"foreignKey:ClientID;references:ID;constraint:OnDelete:CASCADE"`
	Scopes    string     `gorm:"type:text;not null"`
	GrantedAt time.Time  `gorm:"not null"`
}

func (v1ConsentGrant) TableName() string { return "consent_grants" }

type v1AuthSession struct {
	ID        string     `gorm:"primaryKey;size:128"`
	AccountID string     `gorm:"size:64;not null;index:ix_auth_sessions_account"`
	Account   *v1Account `gorm:"foreignKey:AccountID;references:ID;constraint:OnDelete:CASCADE"`
	AuthTime  time.Time  `gorm:"not null"`
	ACR       string     `gorm:"column:acr;size:255;not null"`
	AMR       string     `gorm:"column:amr;type:text;not null"`
	CreatedAt time.Time  `gorm:"not null"`
	ExpiresAt time.Time  `gorm:"not null;index:ix_auth_sessions_expires"`
}

func (v1AuthSession) TableName() string { return "auth_sessions" }

type v1Interaction struct {
	ID        string     `gorm:"primaryKey;size:128"`
	ClientID  string     `gorm:"size:255;not null;index:ix_interactions_client"`
	Client    *v1Client  `gorm:"foreignKey:ClientID;references:ID;constraint:OnDelete:CASCADE"`
	Form      string     `gorm:"type:text;not null"`
	AccountID *string    `gorm:"size:64;index:ix_interactions_account"`
	Account   *v1Account `gorm:"foreignKey:AccountID;references:ID;constraint:OnDelete:CASCADE"`
	AuthTime  *time.Time
	Decision  string    `gorm:"size:16;not null"`
	CreatedAt time.Time `gorm:"not null"`
	ExpiresAt time.Time `gorm:"not null;index:ix_interactions_expires"`
}

func (v1Interaction) TableName() string { return "interactions" }

type v1SigningKey struct {
	KID              string    `gorm:"column:kid;primaryKey;size:128"`
	Alg              string    `gorm:"size:16;not null"`
	PrivateEncrypted []byte    `gorm:"not null"`
	PublicJWK        []byte    `gorm:"column:public_jwk;not null"`
	CreatedAt        time.Time `gorm:"not null"`
	RetiredAt        *time.Time
}

func (v1SigningKey) TableName() string { return "signing_keys" }

// v1Request is the requester stored with every code and token, keyed by
// fosite's signature (or a SHA-256 of the value fosite hands over), never
// by the token itself.
type v1Request struct {
	Signature         string     `gorm:"primaryKey;size:512"`
	RequestID         string     `gorm:"size:128;not null;index"`
	RequestedAt       time.Time  `gorm:"not null"`
	ClientID          string     `gorm:"size:255;not null;index"`
	Subject           string     `gorm:"size:255;not null"`
	Scopes            string     `gorm:"type:text;not null"`
	GrantedScopes     string     `gorm:"type:text;not null"`
	RequestedAudience string     `gorm:"type:text;not null"`
	GrantedAudience   string     `gorm:"type:text;not null"`
	Form              string     `gorm:"type:text;not null"`
	Session           string     `gorm:"type:text;not null"`
	Active            bool       `gorm:"not null"`
	ExpiresAt         *time.Time `gorm:"index"`
	CreatedAt         time.Time  `gorm:"not null"`
}

type v1AuthorizeCode struct {
	R      v1Request `gorm:"embedded"`
	Client *v1Client `gorm:"foreignKey:ClientID;references:ID;constraint:OnDelete:CASCADE"`
}

func (v1AuthorizeCode) TableName() string { return "oauth2_authorize_codes" }

type v1AccessToken struct {
	R      v1Request `gorm:"embedded"`
	Client *v1Client `gorm:"foreignKey:ClientID;references:ID;constraint:OnDelete:CASCADE"`
}

func (v1AccessToken) TableName() string { return "oauth2_access_tokens" }

type v1RefreshToken struct {
	R               v1Request `gorm:"embedded"`
	Client          *v1Client `gorm:"foreignKey:ClientID;references:ID;constraint:OnDelete:CASCADE"`
	AccessSignature string    `gorm:"size:512;not null"`
	RotatedAt       *time.Time
	RevokedAt       *time.Time
}

func (v1RefreshToken) TableName() string { return "oauth2_refresh_tokens" }

type v1PKCERequest struct {
	R      v1Request `gorm:"embedded"`
	Client *v1Client `gorm:"foreignKey:ClientID;references:ID;constraint:OnDelete:CASCADE"`
}

func (v1PKCERequest) TableName() string { return "oauth2_pkce_requests" }

type v1OIDCSession struct {
	R      v1Request `gorm:"embedded"`
	Client *v1Client `gorm:"foreignKey:ClientID;references:ID;constraint:OnDelete:CASCADE"`
}

func (v1OIDCSession) TableName() string { return "oauth2_oidc_sessions" }

type v1PARRequest struct {
	R                   v1Request `gorm:"embedded"`
	Client              *v1Client `gorm:"foreignKey:ClientID;references:ID;constraint:OnDelete:CASCADE"`
	ResponseTypes       string    `gorm:"type:text;not null"`
	RedirectURI         string    `gorm:"column:redirect_uri;type:text;not null"`
	State               string    `gorm:"type:text;not null"`
	ResponseMode        string    `gorm:"size:32;not null"`
	DefaultResponseMode string    `gorm:"size:32;not null"`
}

func (v1PARRequest) TableName() string { return "oauth2_par_requests" }

// v1UsedJTI records client-assertion JWT IDs until they expire, so an
// assertion cannot be replayed (RFC 7523 §3, item 7).
type v1UsedJTI struct {
	Signature string    `gorm:"primaryKey;size:128"`
	ExpiresAt time.Time `gorm:"not null;index"`
}

func (v1UsedJTI) TableName() string { return "oauth2_used_jtis" }

// citizenDetailsMigration adds the optional parts of a citizen record
// (identity.CitizenDetails) and their per-part provenance, both as JSON
// text. Rows stored before it have "{}" in both: no details, and the
// provenance of the whole record (see citizenRow.domain).
func citizenDetailsMigration() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202611270009_citizen_details",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Migrator().AddColumn(&v9Citizen{}, "Details"); err != nil {
				return err
			}
			return tx.Migrator().AddColumn(&v9Citizen{}, "Sources")
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Migrator().DropColumn(&v9Citizen{}, "Sources"); err != nil {
				return err
			}
			return tx.Migrator().DropColumn(&v9Citizen{}, "Details")
		},
	}
}

type v9Citizen struct {
	Details string `gorm:"column:details;type:text;not null;default:'{}'"`
	Sources string `gorm:"column:sources;type:text;not null;default:'{}'"`
}

func (v9Citizen) TableName() string { return "citizens" }
