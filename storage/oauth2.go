package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/oauth2"
	"github.com/ory/fosite/handler/openid"
	"github.com/ory/fosite/handler/pkce"
	fositestorage "github.com/ory/fosite/storage"
	"gorm.io/gorm"

	"github.com/dinhdanh/dinhdanh/identity"
)

// fosite finds some of these by type assertion at run time (PAR,
// transactions), where a missing method is a server_error, not a compile
// error: check every one here.
var (
	_ fosite.Storage                     = (*Store)(nil)
	_ fosite.ClientManager               = (*Store)(nil)
	_ fosite.PARStorage                  = (*Store)(nil)
	_ oauth2.CoreStorage                 = (*Store)(nil)
	_ oauth2.AuthorizeCodeStorage        = (*Store)(nil)
	_ oauth2.AccessTokenStorage          = (*Store)(nil)
	_ oauth2.RefreshTokenStorage         = (*Store)(nil)
	_ oauth2.TokenRevocationStorage      = (*Store)(nil)
	_ pkce.PKCERequestStorage            = (*Store)(nil)
	_ openid.OpenIDConnectRequestStorage = (*Store)(nil)
	_ fositestorage.Transactional        = (*Store)(nil)
)

func defaultSession() fosite.Session { return &openid.DefaultSession{} }

// defaultPARLifespan applies when fosite stores a pushed request without
// a session, and so without an expiry (RFC 9126 §2.2: short-lived).
const defaultPARLifespan = 60 * time.Second

// hashKey keys rows for values fosite hands over whole (the OIDC session's
// authorization code, the PAR request_uri, a client-assertion jti): the
// value itself is never stored.
func hashKey(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:])
}

// fositeErr maps a database error for a fosite method.
func (s *Store) fositeErr(what string, err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fositeNotFound(what)
	}
	return dbErr(what, s.mapTxErr(context.Background(), err))
}

// createRow inserts one code/token/request row. Outside a transaction on
// SQLite it is group-committed with the other rows waiting (see committer).
func (s *Store) createRow(ctx context.Context, what string, row any) error {
	if err := s.write(ctx, func(db *gorm.DB) error { return db.Create(row).Error }); err != nil {
		return s.fositeErr(what, err)
	}
	return nil
}

// deleteRow deletes a row by signature; it is idempotent (RFC 7009 §2.2),
// so it can be group-committed too.
func (s *Store) deleteRow(ctx context.Context, what string, model any, signature string) error {
	err := s.write(ctx, func(db *gorm.DB) error { return db.Where("signature = ?", signature).Delete(model).Error })
	if err != nil {
		return s.fositeErr(what, err)
	}
	return nil
}

// newRequestRow captures a requester. expiry names the token whose expiry
// (from the session) the row carries.
func (s *Store) newRequestRow(key string, r fosite.Requester, expiry fosite.TokenType) (requestRow, error) {
	if r == nil || r.GetClient() == nil {
		return requestRow{}, errors.New("storage: requester without a client")
	}
	row := requestRow{
		Signature:         key,
		RequestID:         r.GetID(),
		RequestedAt:       r.GetRequestedAt().UTC(),
		ClientID:          r.GetClient().GetID(),
		Scopes:            cloneList(r.GetRequestedScopes()),
		GrantedScopes:     cloneList(r.GetGrantedScopes()),
		RequestedAudience: cloneList(r.GetRequestedAudience()),
		GrantedAudience:   cloneList(r.GetGrantedAudience()),
		Form:              identity.WithoutClientCredentials(r.GetRequestForm()).Encode(),
		Session:           "null",
		Active:            true,
		CreatedAt:         s.now(),
	}
	if sess := r.GetSession(); sess != nil {
		b, err := json.Marshal(sess)
		if err != nil {
			return requestRow{}, fmt.Errorf("storage: encoding session: %w", err)
		}
		row.Session = string(b)
		row.Subject = sess.GetSubject()
		row.AccountID = sessionAccountID(b)
		row.ExpiresAt = timePtr(sess.GetExpiresAt(expiry))
	}
	return row, nil
}

// request rebuilds a requester: the session JSON is decoded into the
// session fosite passed (or a new one) and the client is loaded afresh, so
// a client changed since issuance is seen as it is now.
func (s *Store) request(db *gorm.DB, row *requestRow, session fosite.Session) (*fosite.Request, error) {
	client, err := s.client(db, row.ClientID)
	if err != nil {
		return nil, err
	}
	if session == nil {
		session = s.opts.NewSession()
	}
	if err := json.Unmarshal([]byte(row.Session), session); err != nil {
		return nil, fmt.Errorf("storage: decoding session: %w", err)
	}
	form, err := url.ParseQuery(row.Form)
	if err != nil {
		return nil, fmt.Errorf("storage: decoding form: %w", err)
	}
	return &fosite.Request{
		ID:                row.RequestID,
		RequestedAt:       row.RequestedAt.UTC(),
		Client:            client,
		RequestedScope:    fosite.Arguments(row.Scopes),
		GrantedScope:      fosite.Arguments(row.GrantedScopes),
		RequestedAudience: fosite.Arguments(row.RequestedAudience),
		GrantedAudience:   fosite.Arguments(row.GrantedAudience),
		Form:              form,
		Session:           session,
	}, nil
}

func (s *Store) client(db *gorm.DB, id string) (*identity.Client, error) {
	var r clientRow
	if err := db.Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, s.fositeErr("client", err)
	}
	c := r.domain()
	return &c, nil
}

// GetClient returns an *identity.Client.
func (s *Store) GetClient(ctx context.Context, id string) (fosite.Client, error) {
	c, err := s.client(s.reader(ctx), id)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// ClientAssertionJWTValid returns fosite.ErrJTIKnown for a jti seen before
// and not yet expired (RFC 7523 §3, item 7: no replay).
func (s *Store) ClientAssertionJWTValid(ctx context.Context, jti string) error {
	var n int64
	err := s.reader(ctx).Model(&jtiRow{}).
		Where("signature = ? AND expires_at > ?", hashKey(jti), s.now()).Count(&n).Error
	if err != nil {
		return dbErr("jti", err)
	}
	if n > 0 {
		return fosite.ErrJTIKnown
	}
	return nil
}

// SetClientAssertionJWT records a jti until exp, purging expired ones first.
func (s *Store) SetClientAssertionJWT(ctx context.Context, jti string, exp time.Time) error {
	now := s.now()
	return s.inTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("expires_at <= ?", now).Delete(&jtiRow{}).Error; err != nil {
			return dbErr("jti", err)
		}
		err := tx.Create(&jtiRow{Signature: hashKey(jti), ExpiresAt: exp.UTC()}).Error
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return fosite.ErrJTIKnown
		}
		if err != nil {
			return dbErr("jti", err)
		}
		return nil
	})
}

// Authorization codes (RFC 6749 §4.1.2).

func (s *Store) CreateAuthorizeCodeSession(ctx context.Context, signature string, r fosite.Requester) error {
	row, err := s.newRequestRow(signature, r, fosite.AuthorizeCode)
	if err != nil {
		return err
	}
	return s.createRow(ctx, "authorization code", &authorizeCodeRow{R: row})
}

// GetAuthorizeCodeSession returns the requester together with
// fosite.ErrInvalidatedAuthorizeCode for a used code: fosite needs the
// request id to revoke the tokens issued from it (RFC 6749 §4.1.2).
func (s *Store) GetAuthorizeCodeSession(ctx context.Context, signature string, session fosite.Session) (fosite.Requester, error) {
	db := s.reader(ctx)
	var row authorizeCodeRow
	if err := db.Where("signature = ?", signature).Take(&row).Error; err != nil {
		return nil, s.fositeErr("authorization code", err)
	}
	req, err := s.request(db, &row.R, session)
	if err != nil {
		return nil, err
	}
	if !row.R.Active {
		return req, fosite.ErrInvalidatedAuthorizeCode
	}
	return req, nil
}

// InvalidateAuthorizeCodeSession marks a code used. The update is
// conditional, so of two concurrent exchanges of one code only the first
// succeeds: a code "MUST NOT be used more than once" (RFC 6749 §4.1.2).
func (s *Store) InvalidateAuthorizeCodeSession(ctx context.Context, signature string) error {
	db := s.conn(ctx)
	res := db.Model(&authorizeCodeRow{}).Where("signature = ? AND active = ?", signature, true).Update("active", false)
	if res.Error != nil {
		return s.fositeErr("authorization code", res.Error)
	}
	if res.RowsAffected > 0 {
		return nil
	}
	var n int64
	if err := db.Model(&authorizeCodeRow{}).Where("signature = ?", signature).Count(&n).Error; err != nil {
		return s.fositeErr("authorization code", err)
	}
	if n == 0 {
		return fositeNotFound("authorization code")
	}
	return fmt.Errorf("storage: authorization code already used: %w", fosite.ErrInvalidatedAuthorizeCode)
}

// Access tokens.

func (s *Store) CreateAccessTokenSession(ctx context.Context, signature string, r fosite.Requester) error {
	row, err := s.newRequestRow(signature, r, fosite.AccessToken)
	if err != nil {
		return err
	}
	return s.createRow(ctx, "access token", &accessTokenRow{R: row})
}

func (s *Store) GetAccessTokenSession(ctx context.Context, signature string, session fosite.Session) (fosite.Requester, error) {
	db := s.reader(ctx)
	var row accessTokenRow
	if err := db.Where("signature = ?", signature).Take(&row).Error; err != nil {
		return nil, s.fositeErr("access token", err)
	}
	req, err := s.request(db, &row.R, session)
	if err != nil {
		return nil, err
	}
	if !row.R.Active {
		return req, fosite.ErrInactiveToken
	}
	return req, nil
}

// DeleteAccessTokenSession is idempotent: an unknown token is already gone
// (RFC 7009 §2.2).
func (s *Store) DeleteAccessTokenSession(ctx context.Context, signature string) error {
	return s.deleteRow(ctx, "access token", &accessTokenRow{}, signature)
}

// RevokeAccessToken deletes every access token of the grant (RFC 7009 §2.1).
func (s *Store) RevokeAccessToken(ctx context.Context, requestID string) error {
	if err := s.conn(ctx).Where("request_id = ?", requestID).Delete(&accessTokenRow{}).Error; err != nil {
		return s.fositeErr("access token", err)
	}
	return nil
}

// Refresh tokens.

func (s *Store) CreateRefreshTokenSession(ctx context.Context, signature, accessSignature string, r fosite.Requester) error {
	row, err := s.newRequestRow(signature, r, fosite.RefreshToken)
	if err != nil {
		return err
	}
	return s.createRow(ctx, "refresh token", &refreshTokenRow{R: row, AccessSignature: accessSignature})
}

// inGrace reports whether a rotated (not revoked) refresh token is still
// inside the grace period at now.
func (s *Store) inGrace(row *refreshTokenRow, now time.Time) bool {
	return !row.R.Active && row.RevokedAt == nil && row.RotatedAt != nil &&
		s.opts.RefreshGracePeriod > 0 && now.Before(row.RotatedAt.Add(s.opts.RefreshGracePeriod))
}

// GetRefreshTokenSession returns the requester with fosite.ErrInactiveToken
// for a used or revoked token, which makes fosite treat the request as
// reuse and revoke the grant (RFC 6819 §5.2.2.3). A token rotated less
// than RefreshGracePeriod ago still counts as active, so concurrent
// refreshes by one client all succeed.
func (s *Store) GetRefreshTokenSession(ctx context.Context, signature string, session fosite.Session) (fosite.Requester, error) {
	db := s.reader(ctx)
	var row refreshTokenRow
	if err := db.Where("signature = ?", signature).Take(&row).Error; err != nil {
		return nil, s.fositeErr("refresh token", err)
	}
	req, err := s.request(db, &row.R, session)
	if err != nil {
		return nil, err
	}
	if !row.R.Active && !s.inGrace(&row, s.now()) {
		return req, fosite.ErrInactiveToken
	}
	return req, nil
}

// DeleteRefreshTokenSession is idempotent (RFC 7009 §2.2).
func (s *Store) DeleteRefreshTokenSession(ctx context.Context, signature string) error {
	return s.deleteRow(ctx, "refresh token", &refreshTokenRow{}, signature)
}

// RotateRefreshToken retires the refresh token being exchanged and the
// access tokens issued before it was first rotated (RFC 6749 §6, RFC 6819
// §5.2.2.3); fosite then stores the new pair in the same transaction.
//
// The first rotation is a conditional UPDATE (active → inactive), which
// PostgreSQL serialises on the row lock, so concurrent rotations agree on
// one rotated_at. Later rotations within the grace period succeed without
// touching the token, and keep the access tokens those concurrent
// refreshes issued.
func (s *Store) RotateRefreshToken(ctx context.Context, requestID string, signature string) error {
	db := s.conn(ctx)
	now := s.now()
	res := db.Model(&refreshTokenRow{}).
		Where("signature = ? AND request_id = ? AND active = ?", signature, requestID, true).
		Updates(map[string]any{"active": false, "rotated_at": now})
	if res.Error != nil {
		return s.fositeErr("refresh token", res.Error)
	}
	var row refreshTokenRow
	if err := db.Where("signature = ? AND request_id = ?", signature, requestID).Take(&row).Error; err != nil {
		return s.fositeErr("refresh token", err)
	}
	if res.RowsAffected == 0 && !s.inGrace(&row, now) {
		return fmt.Errorf("storage: refresh token already used: %w", fosite.ErrInactiveToken)
	}
	if row.RotatedAt == nil { // not reached: the token was rotated above or in grace
		return fmt.Errorf("storage: refresh token not rotated: %w", fosite.ErrInactiveToken)
	}
	err := db.Where("request_id = ? AND (signature = ? OR created_at < ?)", requestID, row.AccessSignature, *row.RotatedAt).
		Delete(&accessTokenRow{}).Error
	if err != nil {
		return s.fositeErr("access token", err)
	}
	return nil
}

// RevokeRefreshToken deactivates every refresh token of the grant (RFC
// 7009 §2.1). Revoked tokens get no grace period, even if just rotated.
func (s *Store) RevokeRefreshToken(ctx context.Context, requestID string) error {
	err := s.conn(ctx).Model(&refreshTokenRow{}).
		Where("request_id = ? AND revoked_at IS NULL", requestID).
		Updates(map[string]any{"active": false, "revoked_at": s.now()}).Error
	if err != nil {
		return s.fositeErr("refresh token", err)
	}
	return nil
}

// PKCE (RFC 7636), keyed by the authorization code's signature.

func (s *Store) CreatePKCERequestSession(ctx context.Context, signature string, r fosite.Requester) error {
	row, err := s.newRequestRow(signature, r, fosite.AuthorizeCode)
	if err != nil {
		return err
	}
	return s.createRow(ctx, "PKCE request", &pkceRow{R: row})
}

func (s *Store) GetPKCERequestSession(ctx context.Context, signature string, session fosite.Session) (fosite.Requester, error) {
	db := s.reader(ctx)
	var row pkceRow
	if err := db.Where("signature = ?", signature).Take(&row).Error; err != nil {
		return nil, s.fositeErr("PKCE request", err)
	}
	return s.request(db, &row.R, session)
}

func (s *Store) DeletePKCERequestSession(ctx context.Context, signature string) error {
	return s.deleteRow(ctx, "PKCE request", &pkceRow{}, signature)
}

// OpenID Connect sessions. fosite passes the whole authorization code
// here, so rows are keyed by its SHA-256.

func (s *Store) CreateOpenIDConnectSession(ctx context.Context, authorizeCode string, r fosite.Requester) error {
	row, err := s.newRequestRow(hashKey(authorizeCode), r, fosite.AuthorizeCode)
	if err != nil {
		return err
	}
	return s.createRow(ctx, "OpenID Connect session", &oidcRow{R: row})
}

// GetOpenIDConnectSession decodes the stored session into the session of
// requester. A missing session is fosite.ErrNotFound (openid.ErrNoSessionFound).
func (s *Store) GetOpenIDConnectSession(ctx context.Context, authorizeCode string, requester fosite.Requester) (fosite.Requester, error) {
	db := s.reader(ctx)
	var row oidcRow
	if err := db.Where("signature = ?", hashKey(authorizeCode)).Take(&row).Error; err != nil {
		return nil, s.fositeErr("OpenID Connect session", err)
	}
	var session fosite.Session
	if requester != nil {
		session = requester.GetSession()
	}
	return s.request(db, &row.R, session)
}

func (s *Store) DeleteOpenIDConnectSession(ctx context.Context, authorizeCode string) error {
	return s.deleteRow(ctx, "OpenID Connect session", &oidcRow{}, hashKey(authorizeCode))
}

// Pushed authorization requests (RFC 9126), keyed by the SHA-256 of the
// request_uri.

func (s *Store) CreatePARSession(ctx context.Context, requestURI string, r fosite.AuthorizeRequester) error {
	if r == nil {
		return errors.New("storage: nil pushed authorization request")
	}
	row, err := s.newRequestRow(hashKey(requestURI), r, fosite.PushedAuthorizeRequestContext)
	if err != nil {
		return err
	}
	if row.ExpiresAt == nil {
		exp := s.now().Add(defaultPARLifespan)
		row.ExpiresAt = &exp
	}
	par := parRow{
		R:                   row,
		ResponseTypes:       cloneList(r.GetResponseTypes()),
		State:               r.GetState(),
		ResponseMode:        string(r.GetResponseMode()),
		DefaultResponseMode: string(r.GetDefaultResponseMode()),
	}
	if u := r.GetRedirectURI(); u != nil {
		par.RedirectURI = u.String()
	}
	return s.createRow(ctx, "pushed authorization request", &par)
}

// GetPARSession returns fosite.ErrNotFound for an unknown or expired
// request_uri: it is valid only for its lifetime (expires_in, RFC 9126
// §2.2), and fosite does not check that itself.
func (s *Store) GetPARSession(ctx context.Context, requestURI string) (fosite.AuthorizeRequester, error) {
	db := s.reader(ctx)
	var row parRow
	if err := db.Where("signature = ?", hashKey(requestURI)).Take(&row).Error; err != nil {
		return nil, s.fositeErr("pushed authorization request", err)
	}
	if row.R.ExpiresAt != nil && !s.now().Before(*row.R.ExpiresAt) {
		return nil, fositeNotFound("pushed authorization request (expired)")
	}
	req, err := s.request(db, &row.R, nil)
	if err != nil {
		return nil, err
	}
	ar := &fosite.AuthorizeRequest{
		ResponseTypes:        fosite.Arguments(row.ResponseTypes),
		State:                row.State,
		HandledResponseTypes: fosite.Arguments{},
		ResponseMode:         fosite.ResponseModeType(row.ResponseMode),
		DefaultResponseMode:  fosite.ResponseModeType(row.DefaultResponseMode),
		Request:              *req,
	}
	if row.RedirectURI != "" {
		u, err := url.Parse(row.RedirectURI)
		if err != nil {
			return nil, fmt.Errorf("storage: decoding redirect_uri: %w", err)
		}
		ar.RedirectURI = u
	}
	return ar, nil
}

func (s *Store) DeletePARSession(ctx context.Context, requestURI string) error {
	return s.deleteRow(ctx, "pushed authorization request", &parRow{}, hashKey(requestURI))
}
