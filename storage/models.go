package storage

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/dinhdanh/dinhdanh/identity"
	"github.com/dinhdanh/dinhdanh/keys"
)

// The runtime models. They mirror the latest migration; migrations carry
// their own copies so that changing these never rewrites history.
//
// Every time is stored in UTC: SQLite keeps times as text, and text
// comparison orders instants correctly only when all share one offset.

// stringList is a []string kept as a JSON array in a text column, which
// reads the same on SQLite and PostgreSQL.
type stringList []string

func (l stringList) Value() (driver.Value, error) {
	if l == nil {
		return "[]", nil
	}
	b, err := json.Marshal([]string(l))
	return string(b), err
}

func (l *stringList) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		*l = stringList{}
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("storage: cannot scan %T into a string list", src)
	}
	out := []string{}
	if err := json.Unmarshal(b, &out); err != nil {
		return fmt.Errorf("storage: string list column: %w", err)
	}
	*l = out
	return nil
}

func cloneList(l []string) stringList {
	out := make(stringList, len(l))
	copy(out, l)
	return out
}

// nilIfEmpty keeps "none" as nil in domain values.
func nilIfEmpty(l stringList) []string {
	if len(l) == 0 {
		return nil
	}
	return l
}

// timePtr maps the domain's "zero means unset" to NULL.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func fromPtr(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func fromStrPtr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

type citizenRow struct {
	PIN              string `gorm:"column:pin;primaryKey"`
	FullName         string
	Birthdate        string
	Gender           string
	Phone            string
	Email            string
	PermanentAddress string
	ProvinceCode     string
	Source           string
	UpdatedAt        time.Time     `gorm:"autoUpdateTime:false"`
	Details          detailsColumn `gorm:"column:details"`
	Sources          sourcesColumn `gorm:"column:sources"`
}

func (citizenRow) TableName() string { return "citizens" }

func toCitizenRow(c identity.Citizen) citizenRow {
	src := make(sourcesColumn, len(c.Sources))
	for p, v := range c.Sources {
		src[p] = identity.Provenance{Source: v.Source, UpdatedAt: v.UpdatedAt.UTC()}
	}
	return citizenRow{
		PIN: c.PIN, FullName: c.FullName, Birthdate: c.Birthdate, Gender: string(c.Gender),
		Phone: c.Phone, Email: c.Email, PermanentAddress: c.PermanentAddress,
		ProvinceCode: c.ProvinceCode, Source: c.Source, UpdatedAt: c.UpdatedAt.UTC(),
		Details: detailsColumn(c.Details), Sources: src,
	}
}

func (r citizenRow) domain() identity.Citizen {
	c := identity.Citizen{
		PIN: r.PIN, FullName: r.FullName, Birthdate: r.Birthdate, Gender: identity.Gender(r.Gender),
		Phone: r.Phone, Email: r.Email, PermanentAddress: r.PermanentAddress,
		ProvinceCode: r.ProvinceCode, Source: r.Source, UpdatedAt: r.UpdatedAt.UTC(),
		Details: identity.CitizenDetails(r.Details),
	}
	if len(r.Sources) == 0 {
		// Stored before provenance was tracked per part.
		c.Sources = identity.LegacySources(c)
	} else {
		c.Sources = make(map[string]identity.Provenance, len(r.Sources))
		for p, v := range r.Sources {
			c.Sources[p] = identity.Provenance{Source: v.Source, UpdatedAt: v.UpdatedAt.UTC()}
		}
	}
	return c
}

// detailsColumn is identity.CitizenDetails as JSON text (the claim
// members of DOMAIN.md), the same on SQLite and PostgreSQL.
type detailsColumn identity.CitizenDetails

func (d detailsColumn) Value() (driver.Value, error) {
	b, err := json.Marshal(identity.CitizenDetails(d))
	return string(b), err
}

func (d *detailsColumn) Scan(src any) error {
	*d = detailsColumn{}
	b, err := jsonColumnBytes(src, "citizen details")
	if err != nil || len(b) == 0 {
		return err
	}
	var v identity.CitizenDetails
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("storage: citizen details column: %w", err)
	}
	*d = detailsColumn(v)
	return nil
}

// sourcesColumn is a citizen's per-part provenance as a JSON object.
type sourcesColumn map[string]identity.Provenance

func (s sourcesColumn) Value() (driver.Value, error) {
	if s == nil {
		return "{}", nil
	}
	b, err := json.Marshal(map[string]identity.Provenance(s))
	return string(b), err
}

func (s *sourcesColumn) Scan(src any) error {
	*s = nil
	b, err := jsonColumnBytes(src, "citizen sources")
	if err != nil || len(b) == 0 {
		return err
	}
	v := map[string]identity.Provenance{}
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("storage: citizen sources column: %w", err)
	}
	*s = v
	return nil
}

func jsonColumnBytes(src any, what string) ([]byte, error) {
	switch v := src.(type) {
	case nil:
		return nil, nil
	case string:
		return []byte(v), nil
	case []byte:
		return v, nil
	}
	return nil, fmt.Errorf("storage: cannot scan %T into %s", src, what)
}

type accountRow struct {
	ID                 string `gorm:"primaryKey"`
	PIN                string `gorm:"column:pin"`
	Level              int
	PasswordHash       string
	MustChangePassword bool
	CreatedAt          time.Time `gorm:"autoCreateTime:false"`
	PasswordChangedAt  *time.Time
	SMSResetHold       bool `gorm:"column:sms_reset_hold"`
}

func (accountRow) TableName() string { return "accounts" }

func toAccountRow(a identity.Account) accountRow {
	return accountRow{
		ID: a.ID, PIN: a.PIN, Level: int(a.Level), PasswordHash: a.PasswordHash,
		MustChangePassword: a.MustChangePassword, CreatedAt: a.CreatedAt.UTC(),
		PasswordChangedAt: timePtr(a.PasswordChangedAt), SMSResetHold: a.SMSResetHold,
	}
}

func (r accountRow) domain() identity.Account {
	return identity.Account{
		ID: r.ID, PIN: r.PIN, Level: identity.Level(r.Level), PasswordHash: r.PasswordHash,
		MustChangePassword: r.MustChangePassword, CreatedAt: r.CreatedAt.UTC(),
		PasswordChangedAt: fromPtr(r.PasswordChangedAt), SMSResetHold: r.SMSResetHold,
	}
}

type clientRow struct {
	ID                      string `gorm:"primaryKey"`
	Name                    string
	SecretHash              []byte
	Public                  bool
	RedirectURIs            stringList `gorm:"column:redirect_uris"`
	PostLogoutRedirectURIs  stringList `gorm:"column:post_logout_redirect_uris"`
	GrantTypes              stringList
	ResponseTypes           stringList
	Scopes                  stringList
	Audience                stringList
	SubjectType             string
	TokenEndpointAuthMethod string
	JWKSURI                 string `gorm:"column:jwks_uri"`
	LogoURI                 string `gorm:"column:logo_uri"`
	Purpose                 string
	MinLevel                int
	BackchannelLogoutURI    string         `gorm:"column:backchannel_logout_uri"`
	AllowOTPLogin           bool           `gorm:"column:allow_otp_login"`
	DeviceLevel2            bool           `gorm:"column:device_level2"`
	CreatedAt               time.Time      `gorm:"autoCreateTime:false"`
	Metadata                clientMetadata `gorm:"column:metadata"` // clientmeta.go
}

func (clientRow) TableName() string { return "clients" }

func toClientRow(c identity.Client) clientRow {
	return clientRow{
		ID: c.ID, Name: c.Name, SecretHash: append([]byte(nil), c.SecretHash...), Public: c.Public,
		RedirectURIs: cloneList(c.RedirectURIs), PostLogoutRedirectURIs: cloneList(c.PostLogoutRedirectURIs),
		GrantTypes: cloneList(c.GrantTypes), ResponseTypes: cloneList(c.ResponseTypes),
		Scopes: cloneList(c.Scopes), Audience: cloneList(c.Audience), SubjectType: c.SubjectType,
		TokenEndpointAuthMethod: c.TokenEndpointAuthMethod, JWKSURI: c.JWKSURI, LogoURI: c.LogoURI,
		Purpose: c.Purpose, MinLevel: c.MinLevel, BackchannelLogoutURI: c.BackchannelLogoutURI, AllowOTPLogin: c.AllowOTPLogin, DeviceLevel2: c.DeviceLevel2, CreatedAt: c.CreatedAt.UTC(),
		Metadata: clientMetadata(c.Metadata),
	}
}

func (r clientRow) domain() identity.Client {
	return identity.Client{
		ID: r.ID, Name: r.Name, SecretHash: r.SecretHash, Public: r.Public,
		RedirectURIs: r.RedirectURIs, PostLogoutRedirectURIs: r.PostLogoutRedirectURIs,
		GrantTypes: r.GrantTypes, ResponseTypes: r.ResponseTypes, Scopes: r.Scopes,
		Audience: r.Audience, SubjectType: r.SubjectType, TokenEndpointAuthMethod: r.TokenEndpointAuthMethod,
		JWKSURI: r.JWKSURI, LogoURI: r.LogoURI, Purpose: r.Purpose, MinLevel: r.MinLevel, BackchannelLogoutURI: r.BackchannelLogoutURI, AllowOTPLogin: r.AllowOTPLogin, DeviceLevel2: r.DeviceLevel2, CreatedAt: r.CreatedAt.UTC(),
		Metadata: identity.ClientMetadata(r.Metadata),
	}
}

type consentRow struct {
	ID        string `gorm:"primaryKey"`
	AccountID string
	ClientID  string
	Scopes    stringList
	Claims    stringList `gorm:"column:claims"`
	Declined  stringList `gorm:"column:declined"`
	Purpose   string
	GrantedAt time.Time
}

func (consentRow) TableName() string { return "consent_grants" }

func (r consentRow) domain() identity.ConsentGrant {
	return identity.ConsentGrant{ID: r.ID, AccountID: r.AccountID, ClientID: r.ClientID, Scopes: r.Scopes, Claims: r.Claims, Declined: nilIfEmpty(r.Declined), Purpose: r.Purpose, GrantedAt: r.GrantedAt.UTC()}
}

type authSessionRow struct {
	ID        string `gorm:"primaryKey"`
	AccountID string
	SID       string `gorm:"column:sid"`
	AuthTime  time.Time
	ACR       string     `gorm:"column:acr"`
	AMR       stringList `gorm:"column:amr"`
	CreatedAt time.Time  `gorm:"autoCreateTime:false"`
	ExpiresAt time.Time
	LastSeen  *time.Time `gorm:"column:last_seen_at"`
	// ReplacedAt is set when a re-authentication in the same browser
	// replaced the row (sessionFamilyMigration).
	ReplacedAt *time.Time `gorm:"column:replaced_at"`
}

func (authSessionRow) TableName() string { return "auth_sessions" }

func (r authSessionRow) domain() identity.AuthSession {
	return identity.AuthSession{
		ID: r.ID, AccountID: r.AccountID, SID: r.SID, AuthTime: r.AuthTime.UTC(), ACR: r.ACR, AMR: r.AMR,
		CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(), LastSeen: lastSeen(r), Replaced: r.ReplacedAt != nil,
	}
}

// lastSeen is the recorded last use, or the creation for older rows.
func lastSeen(r authSessionRow) time.Time {
	if r.LastSeen == nil {
		return r.CreatedAt.UTC()
	}
	return r.LastSeen.UTC()
}

type interactionRow struct {
	ID         string `gorm:"primaryKey"`
	ClientID   string
	Form       string
	AccountID  *string // NULL until the citizen logs in (foreign key)
	AuthTime   *time.Time
	Decision   string
	BrowserKey string
	CreatedAt  time.Time `gorm:"autoCreateTime:false"`
	ExpiresAt  time.Time
}

func (interactionRow) TableName() string { return "interactions" }

func toInteractionRow(i identity.Interaction) interactionRow {
	// Forms come from url.Values.Encode, so parsing loses nothing.
	form, _ := url.ParseQuery(i.Form)
	return interactionRow{
		ID: i.ID, ClientID: i.ClientID, Form: identity.WithoutClientCredentials(form).Encode(), AccountID: strPtr(i.AccountID),
		AuthTime: timePtr(i.AuthTime), Decision: i.Decision, BrowserKey: i.BrowserKey, CreatedAt: i.CreatedAt.UTC(),
		ExpiresAt: i.ExpiresAt.UTC(),
	}
}

func (r interactionRow) domain() identity.Interaction {
	return identity.Interaction{
		ID: r.ID, ClientID: r.ClientID, Form: r.Form, AccountID: fromStrPtr(r.AccountID),
		AuthTime: fromPtr(r.AuthTime), Decision: r.Decision, BrowserKey: r.BrowserKey, CreatedAt: r.CreatedAt.UTC(),
		ExpiresAt: r.ExpiresAt.UTC(),
	}
}

type signingKeyRow struct {
	KID              string `gorm:"column:kid;primaryKey"`
	Alg              string
	PrivateEncrypted []byte
	PublicJWK        []byte    `gorm:"column:public_jwk"`
	CreatedAt        time.Time `gorm:"autoCreateTime:false"`
	RetiredAt        *time.Time
}

func (signingKeyRow) TableName() string { return "signing_keys" }

func (r signingKeyRow) record() keys.Record {
	return keys.Record{
		KID: r.KID, Alg: r.Alg, PrivateEncrypted: r.PrivateEncrypted, PublicJWK: r.PublicJWK,
		CreatedAt: r.CreatedAt.UTC(), RetiredAt: fromPtr(r.RetiredAt),
	}
}

// requestRow is a fosite.Requester as stored with every code and token.
// The session is JSON, decoded on load into the session fosite passes in.
type requestRow struct {
	Signature         string `gorm:"primaryKey"`
	RequestID         string
	RequestedAt       time.Time
	ClientID          string
	Subject           string
	AccountID         string // the session's account: revocation by account
	Scopes            stringList
	GrantedScopes     stringList
	RequestedAudience stringList
	GrantedAudience   stringList
	Form              string
	Session           string
	Active            bool
	ExpiresAt         *time.Time
	CreatedAt         time.Time `gorm:"autoCreateTime:false"`
}

type authorizeCodeRow struct {
	R requestRow `gorm:"embedded"`
}

func (authorizeCodeRow) TableName() string { return "oauth2_authorize_codes" }

type accessTokenRow struct {
	R requestRow `gorm:"embedded"`
}

func (accessTokenRow) TableName() string { return "oauth2_access_tokens" }

type refreshTokenRow struct {
	R               requestRow `gorm:"embedded"`
	AccessSignature string
	// RotatedAt is set by the first rotation; RevokedAt by explicit
	// revocation. Only a rotated, unrevoked token gets the grace period.
	RotatedAt *time.Time
	RevokedAt *time.Time
}

func (refreshTokenRow) TableName() string { return "oauth2_refresh_tokens" }

type pkceRow struct {
	R requestRow `gorm:"embedded"`
}

func (pkceRow) TableName() string { return "oauth2_pkce_requests" }

type oidcRow struct {
	R requestRow `gorm:"embedded"`
}

func (oidcRow) TableName() string { return "oauth2_oidc_sessions" }

type parRow struct {
	R                   requestRow `gorm:"embedded"`
	ResponseTypes       stringList
	RedirectURI         string `gorm:"column:redirect_uri"`
	State               string
	ResponseMode        string
	DefaultResponseMode string
}

func (parRow) TableName() string { return "oauth2_par_requests" }

type jtiRow struct {
	Signature string `gorm:"primaryKey"`
	ExpiresAt time.Time
}

func (jtiRow) TableName() string { return "oauth2_used_jtis" }
