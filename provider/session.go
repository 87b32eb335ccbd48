package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/openid"
	"github.com/ory/fosite/token/jwt"

	"github.com/dinhdanh/dinhdanh/identity"
)

// Session is what fosite stores with every code and token. It carries the
// ID-token claims plus the internal account id, from which userinfo is
// assembled; it never holds personal data itself.
type Session struct {
	*openid.DefaultSession `json:"oidc"`
	AccountID              string `json:"aid,omitempty"`
	// Claims are the consented claims; userinfo releases no others. No
	// omitempty: an empty list must stay empty, never become "all".
	Claims []string `json:"claims"`
	// ClaimsParam is the request's claims parameter (OIDC Core §5.5), kept
	// so userinfo and the ID token release what was asked for there.
	ClaimsParam string `json:"cp,omitempty"`
	// RefreshScope is the refresh token's scope when a refresh narrowed
	// the access token's (refreshScopeHandler).
	RefreshScope []string `json:"rs,omitempty"`
}

var _ openid.Session = (*Session)(nil)

func newSession() *Session {
	return &Session{DefaultSession: &openid.DefaultSession{
		Claims:  &jwt.IDTokenClaims{},
		Headers: &jwt.Headers{},
	}}
}

// Clone must return *Session, or fosite's copies lose AccountID.
func (s *Session) Clone() fosite.Session {
	if s == nil {
		return nil
	}
	c := &Session{AccountID: s.AccountID, Claims: append([]string{}, s.Claims...), ClaimsParam: s.ClaimsParam}
	if s.RefreshScope != nil {
		c.RefreshScope = append([]string{}, s.RefreshScope...)
	}
	if s.DefaultSession != nil {
		c.DefaultSession = s.DefaultSession.Clone().(*openid.DefaultSession)
	}
	return c
}

func (s *Session) IDTokenClaims() *jwt.IDTokenClaims {
	if s.DefaultSession.Claims == nil {
		s.DefaultSession.Claims = &jwt.IDTokenClaims{}
	}
	return s.DefaultSession.Claims
}

func (s *Session) IDTokenHeaders() *jwt.Headers {
	if s.DefaultSession.Headers == nil {
		s.DefaultSession.Headers = &jwt.Headers{}
	}
	return s.DefaultSession.Headers
}

// Assurance levels (DOMAIN.md); the short aliases are accepted on input.
const (
	ACRLevel1 = "urn:vn:eid:loa:1"
	ACRLevel2 = "urn:vn:eid:loa:2"
)

func truncateSecond(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

// ---- the browser's SSO session ----

// currentSession loads the browser's SSO session from its cookie.
func (p *Provider) currentSession(r *http.Request, now time.Time) (identity.AuthSession, error) {
	v := p.cookies.Get(r, CookieSession)
	if v == "" {
		return identity.AuthSession{}, identity.ErrNotFound
	}
	s, err := p.store.GetAuthSession(r.Context(), hashToken(v), now)
	if err != nil {
		return s, err
	}
	if now.Sub(s.LastSeen) > p.cfg.SessionIdle {
		// Idle too long: the session ends (issue 3; absolute end in
		// ExpiresAt).
		if clients, err := p.store.EndAuthSessions(r.Context(), s); err == nil {
			p.notifyLogout(r.Context(), s, clients)
		}
		return identity.AuthSession{}, identity.ErrNotFound
	}
	if now.Sub(s.LastSeen) > time.Minute {
		// Recorded at most once a minute: no write on every request.
		_ = p.store.TouchAuthSession(r.Context(), s.ID, now)
	}
	return s, nil
}

// BrowserSession returns this browser's SSO session, if any.
func (p *Provider) BrowserSession(r *http.Request) (identity.AuthSession, bool) {
	s, err := p.currentSession(r, p.cfg.Now())
	return s, err == nil
}

// LoggedIn completes the login step: it starts the SSO session, sets its
// cookie and marks the interaction. interactionID may be empty for a
// login that is not part of an authorization request. amr and level are
// what this authentication proved. stepUpOf is set for a step-up: the
// session whose password amr carries. It must still be this browser's
// live session here, under its row lock in the transaction that replaces
// it, or the login fails with ErrNotFound: a logout or another login
// racing the code never leaves a level-2 session behind.
//
// Every login gets a new cookie value and row (no session fixation, ASVS
// 3.2.1). When the citizen of the browser's session re-authenticates
// (step-up, prompt=login, max_age), the old row is marked replaced and the
// new one keeps the session's sid, so relying parties that got it before
// still get their logout token (Back-Channel Logout 1.0 §2.1: one sid per
// session at the OP), and its creation and absolute end: re-authenticating
// never extends a session's lifetime (ASVS 3.3.2). A login that raced
// another in a second tab carries the replaced row's cookie and joins the
// same family; a logout ends the whole family. Another citizen gets a new
// session and sid, and the previous family is logged out everywhere.
//
// continued reports that the browser's session carried on (same citizen).
func (p *Provider) LoggedIn(w http.ResponseWriter, r *http.Request, interactionID, accountID string, amr []string, level int, stepUpOf string) (continued bool, err error) {
	ctx := r.Context()
	now := p.cfg.Now()
	prev, hadPrev := p.cookieSession(r, now)

	// One transaction: the old row's end, the new row and the interaction
	// happen together or not at all.
	txCtx, err := p.store.BeginTX(ctx)
	if err != nil {
		return false, err
	}
	defer func() {
		if err != nil {
			_ = p.store.Rollback(txCtx)
		}
	}()
	wasLive := false
	if hadPrev {
		// Marked first, under the row's lock: of two logins racing in one
		// browser only one finds it live, and a logout racing this login
		// either ends the family before (the row is gone: a fresh session)
		// or after (and sees the new row).
		switch wasLive, err = p.store.ReplaceAuthSession(txCtx, prev.ID, now); {
		case errors.Is(err, identity.ErrNotFound):
			hadPrev = false
		case err != nil:
			return false, err
		}
	}
	if stepUpOf != "" && (!hadPrev || !wasLive || prev.ID != stepUpOf || prev.AccountID != accountID) {
		return false, fmt.Errorf("provider: the session this step-up completes has ended: %w", identity.ErrNotFound)
	}
	same := hadPrev && prev.AccountID == accountID
	var endedClients []string
	if hadPrev && !same {
		if endedClients, err = p.store.EndAuthSessions(txCtx, prev); err != nil {
			return false, err
		}
	}
	value := randomToken()
	sess := identity.AuthSession{
		ID:        hashToken(value),
		AccountID: accountID,
		AuthTime:  truncateSecond(now),
		ACR:       ACRForLevel(level),
		AMR:       amr,
		CreatedAt: now,
		LastSeen:  now,
		ExpiresAt: now.Add(p.cfg.SessionLifespan),
	}
	sess.SID = p.sid(sess.ID)
	if same {
		sess.SID, sess.CreatedAt, sess.ExpiresAt = p.sidOf(prev), prev.CreatedAt, prev.ExpiresAt
	}
	if err := p.store.CreateAuthSession(txCtx, sess); err != nil {
		return false, err
	}
	if same && prev.SID == "" {
		// A row from before sids is its own family: its relying parties
		// move to the new row, so the logout reaches each of them once.
		clients, err := p.store.ListSessionClients(txCtx, prev.ID)
		if err != nil {
			return false, err
		}
		for _, c := range clients {
			if err := p.store.AddSessionClient(txCtx, sess.ID, c, now); err != nil {
				return false, err
			}
		}
	}
	if interactionID != "" {
		it, err := p.boundInteraction(r.WithContext(txCtx), interactionID)
		if err != nil {
			return false, err
		}
		it.AccountID = accountID
		it.AuthTime = sess.AuthTime
		if err := p.store.UpdateInteraction(txCtx, it); err != nil {
			return false, err
		}
	}
	if err := p.store.Commit(txCtx); err != nil {
		return false, err
	}
	if hadPrev && !same {
		p.notifyLogout(ctx, prev, endedClients) // another citizen on this browser
	}
	p.cookies.Set(w, CookieSession, value, sess.ExpiresAt)
	return same, nil
}

// cookieSession is the row the browser's session cookie names, live or
// replaced by a later login (a second tab's), unless it has idled out.
func (p *Provider) cookieSession(r *http.Request, now time.Time) (identity.AuthSession, bool) {
	if s, err := p.currentSession(r, now); err == nil {
		return s, true
	}
	v := p.cookies.Get(r, CookieSession)
	if v == "" {
		return identity.AuthSession{}, false
	}
	s, err := p.store.LookupAuthSession(r.Context(), hashToken(v), now)
	if err != nil || !s.Replaced {
		return identity.AuthSession{}, false
	}
	return s, true
}

// sidOf is the sid a session gives relying parties; rows from before the
// sid column derive it from their id, as it was then.
func (p *Provider) sidOf(s identity.AuthSession) string {
	if s.SID != "" {
		return s.SID
	}
	return p.sid(s.ID)
}

// EndExpiredSessions ends up to limit sessions past their absolute end or
// idle too long, each with its whole family, and sends the back-channel
// logout tokens (OIDC Back-Channel Logout 1.0 §2.5), so a relying party
// hears of a session the janitor ends just as of one the citizen ends.
func (p *Provider) EndExpiredSessions(ctx context.Context, limit int) (int, error) {
	now := p.cfg.Now()
	expired, err := p.store.ExpiredAuthSessions(ctx, now, now.Add(-p.cfg.SessionIdle), limit)
	if err != nil {
		return 0, err
	}
	for _, s := range expired {
		clients, err := p.store.EndAuthSessions(ctx, s)
		if err != nil {
			return 0, err
		}
		p.notifyLogout(ctx, s, clients)
	}
	return len(expired), nil
}
