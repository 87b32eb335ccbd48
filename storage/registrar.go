package storage

import (
	"context"
	"errors"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"

	"github.com/dinhdanh/dinhdanh/identity"
)

var _ identity.RegistrarStore = (*Store)(nil)

// Migration 202612080300_registrar: registrar roles, their append-only
// audit, four-eyes requests and console sessions (issue 10).
func registrarMigration() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202612080300_registrar",
		Migrate: func(tx *gorm.DB) error {
			return tx.AutoMigrate(&v300RegistrarRole{}, &v300RegistrarAction{}, &v300RegistrarRequest{}, &v300RegistrarSession{})
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable(&v300RegistrarSession{}, &v300RegistrarRequest{}, &v300RegistrarAction{}, &v300RegistrarRole{})
		},
	}
}

type v300RegistrarRole struct {
	ID        string     `gorm:"primaryKey;size:64"`
	AccountID string     `gorm:"size:64;not null;uniqueIndex:registrar_roles_unique,priority:1"`
	Role      string     `gorm:"size:16;not null;uniqueIndex:registrar_roles_unique,priority:2"`
	Office    string     `gorm:"size:8;not null;uniqueIndex:registrar_roles_unique,priority:3;index"`
	Code      string     `gorm:"size:16;not null"`
	GrantedBy string     `gorm:"size:64;not null"`
	GrantedAt time.Time  `gorm:"not null"`
	ExpiresAt *time.Time `gorm:""`
}

func (v300RegistrarRole) TableName() string { return "registrar_roles" }

type v300RegistrarAction struct {
	ID        string    `gorm:"primaryKey;size:64"`
	Seq       int64     `gorm:"not null;index"` // order within one instant (unix nanos)
	At        time.Time `gorm:"not null"`
	ActorID   string    `gorm:"size:64;not null"`
	ActorCode string    `gorm:"size:16;not null"`
	Role      string    `gorm:"size:16;not null"`
	Office    string    `gorm:"size:8;not null;index"`
	Action    string    `gorm:"size:32;not null"`
	AccountID string    `gorm:"size:64;not null;index"`
	ClientIP  string    `gorm:"size:64;not null"`
	Detail    string    `gorm:"type:text;not null"`
}

func (v300RegistrarAction) TableName() string { return "registrar_actions" }

type v300RegistrarRequest struct {
	ID          string     `gorm:"primaryKey;size:64"`
	Kind        string     `gorm:"size:16;not null"`
	Office      string     `gorm:"size:8;not null;index"`
	AccountID   string     `gorm:"size:64;not null"`
	RequestedBy string     `gorm:"size:64;not null"`
	Payload     string     `gorm:"type:text;not null"`
	Status      string     `gorm:"size:16;not null"`
	RequestedAt time.Time  `gorm:"not null"`
	DecidedBy   string     `gorm:"size:64;not null"`
	DecidedAt   *time.Time `gorm:""`
}

func (v300RegistrarRequest) TableName() string { return "registrar_requests" }

type v300RegistrarSession struct {
	ID        string    `gorm:"primaryKey;size:64"` // SHA-256 of the cookie value
	AccountID string    `gorm:"size:64;not null"`   // "" while the sign-in is pending
	Office    string    `gorm:"size:8;not null"`    // the office the registrar works at in this session
	State     string    `gorm:"size:128;not null"`
	Nonce     string    `gorm:"size:128;not null"`
	Verifier  string    `gorm:"size:128;not null"`
	CreatedAt time.Time `gorm:"not null;autoCreateTime:false"`
	ExpiresAt time.Time `gorm:"not null;index"`
}

func (v300RegistrarSession) TableName() string { return "registrar_sessions" }

// The runtime models are the migration's (the tables are new).
type (
	registrarRoleRow    = v300RegistrarRole
	registrarActionRow  = v300RegistrarAction
	registrarRequestRow = v300RegistrarRequest
	registrarSessionRow = v300RegistrarSession
)

func (r registrarRoleRow) domain() identity.RegistrarRole {
	return identity.RegistrarRole{ID: r.ID, AccountID: r.AccountID, Role: r.Role, Office: r.Office, Code: r.Code,
		GrantedBy: r.GrantedBy, GrantedAt: r.GrantedAt.UTC(), ExpiresAt: fromPtr(r.ExpiresAt)}
}

// GrantRegistrarRole stores a role; ErrAlreadyExists when held already.
func (s *Store) GrantRegistrarRole(ctx context.Context, r identity.RegistrarRole) error {
	row := registrarRoleRow{ID: r.ID, AccountID: r.AccountID, Role: r.Role, Office: r.Office, Code: r.Code,
		GrantedBy: r.GrantedBy, GrantedAt: r.GrantedAt.UTC(), ExpiresAt: timePtr(r.ExpiresAt)}
	return domainErr("registrar role", s.write(ctx, func(db *gorm.DB) error { return db.Create(&row).Error }))
}

func (s *Store) RevokeRegistrarRole(ctx context.Context, accountID, role, office string) error {
	var res *gorm.DB
	err := s.write(ctx, func(db *gorm.DB) error {
		res = db.Where("account_id = ? AND role = ? AND office = ?", accountID, role, office).Delete(&registrarRoleRow{})
		return res.Error
	})
	if err != nil {
		return dbErr("registrar role", err)
	}
	if res.RowsAffected == 0 {
		return notFound("registrar role")
	}
	return nil
}

func (s *Store) RegistrarRoles(ctx context.Context, accountID string) ([]identity.RegistrarRole, error) {
	return s.listRoles(s.reader(ctx).Where("account_id = ?", accountID))
}

func (s *Store) ListRegistrarRoles(ctx context.Context, office string) ([]identity.RegistrarRole, error) {
	q := s.reader(ctx)
	if office != "" {
		q = q.Where("office = ?", office)
	}
	return s.listRoles(q)
}

func (s *Store) listRoles(q *gorm.DB) ([]identity.RegistrarRole, error) {
	var rows []registrarRoleRow
	if err := q.Order("granted_at, id").Find(&rows).Error; err != nil {
		return nil, dbErr("registrar roles", err)
	}
	out := make([]identity.RegistrarRole, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// AppendRegistrarAction appends one audit entry; entries are never
// updated or deleted.
func (s *Store) AppendRegistrarAction(ctx context.Context, a identity.RegistrarAction) error {
	row := registrarActionRow{ID: a.ID, Seq: a.At.UnixNano(), At: a.At.UTC(), ActorID: a.ActorID, ActorCode: a.ActorCode, Role: a.Role,
		Office: a.Office, Action: a.Action, AccountID: a.AccountID, ClientIP: a.ClientIP, Detail: a.Detail}
	return domainErr("registrar action", s.write(ctx, func(db *gorm.DB) error { return db.Create(&row).Error }))
}

func (r registrarActionRow) domain() identity.RegistrarAction {
	return identity.RegistrarAction{ID: r.ID, At: r.At.UTC(), ActorID: r.ActorID, ActorCode: r.ActorCode, Role: r.Role,
		Office: r.Office, Action: r.Action, AccountID: r.AccountID, ClientIP: r.ClientIP, Detail: r.Detail}
}

func (s *Store) GetRegistrarAction(ctx context.Context, id string) (identity.RegistrarAction, error) {
	var row registrarActionRow
	if err := s.reader(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return identity.RegistrarAction{}, domainErr("registrar action", err)
	}
	return row.domain(), nil
}

func (s *Store) ListRegistrarActions(ctx context.Context, office string, limit int) ([]identity.RegistrarAction, error) {
	var rows []registrarActionRow
	if err := s.reader(ctx).Where("office = ?", office).Order("seq DESC, id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, dbErr("registrar actions", err)
	}
	out := make([]identity.RegistrarAction, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

func (r registrarRequestRow) domain() identity.RegistrarRequest {
	return identity.RegistrarRequest{ID: r.ID, Kind: r.Kind, Office: r.Office, AccountID: r.AccountID, RequestedBy: r.RequestedBy,
		Payload: r.Payload, Status: r.Status, RequestedAt: r.RequestedAt.UTC(), DecidedBy: r.DecidedBy, DecidedAt: fromPtr(r.DecidedAt)}
}

func (s *Store) CreateRegistrarRequest(ctx context.Context, r identity.RegistrarRequest) error {
	row := registrarRequestRow{ID: r.ID, Kind: r.Kind, Office: r.Office, AccountID: r.AccountID, RequestedBy: r.RequestedBy,
		Payload: r.Payload, Status: r.Status, RequestedAt: r.RequestedAt.UTC(), DecidedBy: r.DecidedBy, DecidedAt: timePtr(r.DecidedAt)}
	if row.Status == "" {
		row.Status = identity.RequestPending
	}
	return domainErr("registrar request", s.write(ctx, func(db *gorm.DB) error { return db.Create(&row).Error }))
}

func (s *Store) GetRegistrarRequest(ctx context.Context, id string) (identity.RegistrarRequest, error) {
	var row registrarRequestRow
	if err := s.reader(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return identity.RegistrarRequest{}, domainErr("registrar request", err)
	}
	return row.domain(), nil
}

func (s *Store) ListRegistrarRequests(ctx context.Context, office, status string) ([]identity.RegistrarRequest, error) {
	q := s.reader(ctx).Where("office = ?", office)
	if status != "" {
		q = q.Where("status = ?", status)
	}
	var rows []registrarRequestRow
	if err := q.Order("requested_at, id").Find(&rows).Error; err != nil {
		return nil, dbErr("registrar requests", err)
	}
	out := make([]identity.RegistrarRequest, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// DecideRegistrarRequest is one conditional UPDATE (pending, and not the
// requester), so two supervisors deciding at once cannot both win and a
// requester can never decide their own request, on either backend.
func (s *Store) DecideRegistrarRequest(ctx context.Context, id, status, decidedBy string, at time.Time) error {
	if status != identity.RequestApproved && status != identity.RequestRejected {
		return errors.New("storage: a request is approved or rejected")
	}
	var res *gorm.DB
	err := s.write(ctx, func(db *gorm.DB) error {
		res = db.Model(&registrarRequestRow{}).
			Where("id = ? AND status = ? AND requested_by <> ?", id, identity.RequestPending, decidedBy).
			Updates(map[string]any{"status": status, "decided_by": decidedBy, "decided_at": at.UTC()})
		return res.Error
	})
	if err != nil {
		return dbErr("registrar request", err)
	}
	if res.RowsAffected == 1 {
		return nil
	}
	r, err := s.GetRegistrarRequest(ctx, id)
	switch {
	case err != nil:
		return err
	case r.RequestedBy == decidedBy:
		return identity.ErrSelfApproval
	default:
		return identity.ErrAlreadyDecided
	}
}

func (s *Store) CreateRegistrarSession(ctx context.Context, rs identity.RegistrarSession) error {
	row := registrarSessionRow{ID: rs.ID, AccountID: rs.AccountID, Office: rs.Office, State: rs.State, Nonce: rs.Nonce, Verifier: rs.Verifier,
		CreatedAt: rs.CreatedAt.UTC(), ExpiresAt: rs.ExpiresAt.UTC()}
	return domainErr("registrar session", s.write(ctx, func(db *gorm.DB) error { return db.Create(&row).Error }))
}

// GetRegistrarSession returns ErrNotFound for a missing or expired one.
func (s *Store) GetRegistrarSession(ctx context.Context, id string, now time.Time) (identity.RegistrarSession, error) {
	var row registrarSessionRow
	if err := s.reader(ctx).Where("id = ? AND expires_at > ?", id, now.UTC()).Take(&row).Error; err != nil {
		return identity.RegistrarSession{}, domainErr("registrar session", err)
	}
	return identity.RegistrarSession{ID: row.ID, AccountID: row.AccountID, Office: row.Office, State: row.State, Nonce: row.Nonce, Verifier: row.Verifier,
		CreatedAt: row.CreatedAt.UTC(), ExpiresAt: row.ExpiresAt.UTC()}, nil
}

// DeleteRegistrarSession deletes it, reporting ErrNotFound when it was
// gone already (so a sign-in's state is used once).
func (s *Store) DeleteRegistrarSession(ctx context.Context, id string) error {
	var res *gorm.DB
	err := s.write(ctx, func(db *gorm.DB) error {
		res = db.Where("id = ?", id).Delete(&registrarSessionRow{})
		return res.Error
	})
	if err != nil {
		return dbErr("registrar session", err)
	}
	if res.RowsAffected == 0 {
		return notFound("registrar session")
	}
	return nil
}
