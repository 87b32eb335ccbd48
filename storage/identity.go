package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/dinhdanh/dinhdanh/identity"
)

var (
	_ identity.CitizenStore     = (*Store)(nil)
	_ identity.AccountStore     = (*Store)(nil)
	_ identity.ClientStore      = (*Store)(nil)
	_ identity.ConsentStore     = (*Store)(nil)
	_ identity.SessionStore     = (*Store)(nil)
	_ identity.InteractionStore = (*Store)(nil)
)

// citizenChunk bounds the IN (...) list of one lookup during an import
// (SQLite allows 32766 parameters, PostgreSQL 65535).
const citizenChunk = 500

// UpsertCitizens writes all records in one transaction, keyed by PIN. A
// record that carries only some fields (Citizen.Fields) keeps the stored
// value of the others (identity.MergeCitizen). A record whose data then
// equals the stored one is left untouched and counted as unchanged; a PIN
// repeated in the input is compared with its previous occurrence.
//
// The store maintains Sources (identity.TrackSources): a new record's
// parts, and an updated record's changed parts, are credited to its Source
// at its UpdatedAt (the store's clock when zero); its other parts keep
// their provenance.
func (s *Store) UpsertCitizens(ctx context.Context, citizens []identity.Citizen) (inserted, updated, unchanged int, err error) {
	now := s.now()
	err = s.inTx(ctx, func(tx *gorm.DB) error {
		inserted, updated, unchanged = 0, 0, 0
		for start := 0; start < len(citizens); start += citizenChunk {
			chunk := citizens[start:min(start+citizenChunk, len(citizens))]
			pins := make([]string, len(chunk))
			for i, c := range chunk {
				pins[i] = c.PIN
			}
			q := tx
			if s.dialect == "postgres" {
				// Lock the rows so a concurrent import cannot update them
				// between our comparison and our write.
				q = q.Clauses(clause.Locking{Strength: "UPDATE"})
			}
			var existing []citizenRow
			if err := q.Where("pin IN ?", pins).Find(&existing).Error; err != nil {
				return dbErr("citizens", err)
			}
			current := make(map[string]identity.Citizen, len(existing))
			for _, r := range existing {
				current[r.PIN] = r.domain()
			}
			var toInsert []*citizenRow
			pending := map[string]*citizenRow{} // inserted by this chunk, not yet written
			for _, c := range chunk {
				var prev *identity.Citizen
				if p, ok := pending[c.PIN]; ok {
					d := p.domain()
					prev = &d
				} else if old, ok := current[c.PIN]; ok {
					prev = &old
				}
				var base identity.Citizen // nothing stored: absent fields are empty
				if prev != nil {
					base = *prev
				}
				next := identity.MergeCitizen(base, c)
				if next.UpdatedAt.IsZero() {
					next.UpdatedAt = now
				}
				if prev != nil && identity.SameCitizenData(*prev, next) {
					unchanged++
					continue
				}
				next.Sources = identity.TrackSources(prev, next, next.UpdatedAt.UTC())
				row := toCitizenRow(next)
				if p, ok := pending[row.PIN]; ok {
					*p = row
					updated++
					continue
				}
				if prev == nil {
					r := row
					toInsert = append(toInsert, &r)
					pending[row.PIN] = &r
					inserted++
					continue
				}
				if err := tx.Model(&citizenRow{}).Where("pin = ?", row.PIN).
					Select("*").Omit("pin").Updates(&row).Error; err != nil {
					return dbErr("citizens", err)
				}
				current[row.PIN] = next
				updated++
			}
			if len(toInsert) > 0 {
				if err := tx.CreateInBatches(toInsert, 100).Error; err != nil {
					if errors.Is(err, gorm.ErrDuplicatedKey) {
						// Another import inserted the same PIN meanwhile.
						return errors.Join(identity.ErrConflict, dbErr("citizens", err))
					}
					return dbErr("citizens", err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, 0, err
	}
	return inserted, updated, unchanged, nil
}

func (s *Store) GetCitizen(ctx context.Context, pin string) (identity.Citizen, error) {
	var r citizenRow
	if err := s.reader(ctx).Where("pin = ?", pin).Take(&r).Error; err != nil {
		return identity.Citizen{}, domainErr("citizen", err)
	}
	return r.domain(), nil
}

// CreateAccount fails with ErrAlreadyExists if the id or the PIN already
// has an account, and with ErrNotFound if no citizen has the PIN (the
// foreign key).
func (s *Store) CreateAccount(ctx context.Context, a identity.Account) error {
	r := toAccountRow(a)
	if r.CreatedAt.IsZero() {
		r.CreatedAt = s.now()
	}
	err := s.conn(ctx).Create(&r).Error
	if errors.Is(err, gorm.ErrForeignKeyViolated) {
		return notFound("citizen for account")
	}
	return domainErr("account", err)
}

func (s *Store) GetAccount(ctx context.Context, id string) (identity.Account, error) {
	var r accountRow
	if err := s.reader(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return identity.Account{}, domainErr("account", err)
	}
	return r.domain(), nil
}

func (s *Store) GetAccountByPIN(ctx context.Context, pin string) (identity.Account, error) {
	var r accountRow
	if err := s.reader(ctx).Where("pin = ?", pin).Take(&r).Error; err != nil {
		return identity.Account{}, domainErr("account", err)
	}
	return r.domain(), nil
}

func (s *Store) UpdatePassword(ctx context.Context, accountID, hash string, mustChange bool, at time.Time) error {
	res := s.conn(ctx).Model(&accountRow{}).Where("id = ?", accountID).Updates(map[string]any{
		"password_hash":        hash,
		"must_change_password": mustChange,
		"password_changed_at":  timePtr(at),
	})
	if res.Error != nil {
		return dbErr("account", res.Error)
	}
	if res.RowsAffected == 0 {
		return notFound("account")
	}
	return nil
}

func (s *Store) CreateClient(ctx context.Context, c identity.Client) error {
	r := toClientRow(c)
	if r.CreatedAt.IsZero() {
		r.CreatedAt = s.now()
	}
	return domainErr("client", s.conn(ctx).Create(&r).Error)
}

func (s *Store) GetIdentityClient(ctx context.Context, id string) (identity.Client, error) {
	var r clientRow
	if err := s.reader(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return identity.Client{}, domainErr("client", err)
	}
	return r.domain(), nil
}

// ListClients returns every client, ordered by id.
func (s *Store) ListClients(ctx context.Context) ([]identity.Client, error) {
	var rows []clientRow
	if err := s.reader(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, dbErr("clients", err)
	}
	out := make([]identity.Client, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// SaveConsent replaces the grant for (AccountID, ClientID) in one
// statement (INSERT … ON CONFLICT DO UPDATE), so concurrent saves cannot
// leave two grants. A missing account or client is ErrNotFound.
func (s *Store) SaveConsent(ctx context.Context, g identity.ConsentGrant) error {
	if g.ID == "" {
		g.ID = newID()
	}
	if g.GrantedAt.IsZero() {
		g.GrantedAt = s.now()
	}
	r := consentRow{ID: g.ID, AccountID: g.AccountID, ClientID: g.ClientID, Scopes: cloneList(g.Scopes), Claims: cloneList(g.Claims), Declined: cloneList(g.Declined), Purpose: g.Purpose, GrantedAt: g.GrantedAt.UTC()}
	err := s.conn(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "account_id"}, {Name: "client_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"id", "scopes", "claims", "declined", "purpose", "granted_at"}),
	}).Create(&r).Error
	if errors.Is(err, gorm.ErrForeignKeyViolated) {
		return notFound("account or client for consent")
	}
	return domainErr("consent", err)
}

func (s *Store) GetConsent(ctx context.Context, accountID, clientID string) (identity.ConsentGrant, error) {
	var r consentRow
	if err := s.reader(ctx).Where("account_id = ? AND client_id = ?", accountID, clientID).Take(&r).Error; err != nil {
		return identity.ConsentGrant{}, domainErr("consent", err)
	}
	return r.domain(), nil
}

func (s *Store) DeleteConsent(ctx context.Context, accountID, clientID string) error {
	res := s.conn(ctx).Where("account_id = ? AND client_id = ?", accountID, clientID).Delete(&consentRow{})
	return deleted("consent", res)
}

func (s *Store) CreateAuthSession(ctx context.Context, a identity.AuthSession) error {
	r := authSessionRow{
		ID: a.ID, AccountID: a.AccountID, SID: a.SID, AuthTime: a.AuthTime.UTC(), ACR: a.ACR, AMR: cloneList(a.AMR),
		CreatedAt: a.CreatedAt.UTC(), ExpiresAt: a.ExpiresAt.UTC(), LastSeen: timePtr(a.LastSeen),
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = s.now()
	}
	err := s.conn(ctx).Create(&r).Error
	if errors.Is(err, gorm.ErrForeignKeyViolated) {
		return notFound("account for session")
	}
	return domainErr("session", err)
}

// GetAuthSession returns ErrNotFound for a missing session, one that
// has expired at now, or one a later login replaced.
func (s *Store) GetAuthSession(ctx context.Context, id string, now time.Time) (identity.AuthSession, error) {
	var r authSessionRow
	if err := s.reader(ctx).Where("id = ? AND replaced_at IS NULL", id).Take(&r).Error; err != nil {
		return identity.AuthSession{}, domainErr("session", err)
	}
	if !now.Before(r.ExpiresAt) {
		return identity.AuthSession{}, notFound("session (expired)")
	}
	return r.domain(), nil
}

func (s *Store) CreateInteraction(ctx context.Context, i identity.Interaction) error {
	r := toInteractionRow(i)
	if r.CreatedAt.IsZero() {
		r.CreatedAt = s.now()
	}
	err := s.conn(ctx).Create(&r).Error
	if errors.Is(err, gorm.ErrForeignKeyViolated) {
		return notFound("client or account for interaction")
	}
	return domainErr("interaction", err)
}

// GetInteraction returns ErrNotFound for a missing interaction, or one that
// has expired at now.
func (s *Store) GetInteraction(ctx context.Context, id string, now time.Time) (identity.Interaction, error) {
	var r interactionRow
	if err := s.reader(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return identity.Interaction{}, domainErr("interaction", err)
	}
	if !now.Before(r.ExpiresAt) {
		return identity.Interaction{}, notFound("interaction (expired)")
	}
	return r.domain(), nil
}

// UpdateInteraction writes every field but ID, ClientID and CreatedAt.
func (s *Store) UpdateInteraction(ctx context.Context, i identity.Interaction) error {
	r := toInteractionRow(i)
	res := s.conn(ctx).Model(&interactionRow{}).Where("id = ?", i.ID).Updates(map[string]any{
		"form":       r.Form,
		"account_id": r.AccountID,
		"auth_time":  r.AuthTime,
		"decision":   r.Decision,
		"expires_at": r.ExpiresAt,
	})
	if res.Error != nil {
		if errors.Is(res.Error, gorm.ErrForeignKeyViolated) {
			return notFound("account for interaction")
		}
		return dbErr("interaction", res.Error)
	}
	if res.RowsAffected == 0 {
		return notFound("interaction")
	}
	return nil
}

func (s *Store) DeleteInteraction(ctx context.Context, id string) error {
	return deleted("interaction", s.conn(ctx).Where("id = ?", id).Delete(&interactionRow{}))
}

func deleted(what string, res *gorm.DB) error {
	if res.Error != nil {
		return dbErr(what, res.Error)
	}
	if res.RowsAffected == 0 {
		return notFound(what)
	}
	return nil
}

// newID returns 128 random bits, hex-encoded.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go ≥1.24)
	return hex.EncodeToString(b)
}
