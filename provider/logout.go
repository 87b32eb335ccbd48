package provider

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/dinhdanh/dinhdanh/identity"
)

// LogoutRequest is an RP-initiated logout request (OpenID Connect
// RP-Initiated Logout 1.0 §2), validated.
type LogoutRequest struct {
	ClientID              string
	ClientName            string
	PostLogoutRedirectURI string
	State                 string
	UILocales             string
	// Confirmed: the id_token_hint names this browser's citizen, so no
	// confirmation page is needed (§2, §6: otherwise ask).
	Confirmed bool
}

// LogoutPages renders the logout pages; consent-ui implements it.
type LogoutPages interface {
	ConfirmLogout(w http.ResponseWriter, r *http.Request, req LogoutRequest)
	LoggedOut(w http.ResponseWriter, r *http.Request, req LogoutRequest)
}

// SetLogoutPages connects the pages (they are built after the provider).
func (p *Provider) SetLogoutPages(pages LogoutPages) { p.logoutPages = pages }

// handleLogout is the end_session_endpoint.
func (p *Provider) handleLogout(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.cfg.ErrorPage(w, r, http.StatusBadRequest, "invalid_request", "")
		return
	}
	req, err := p.ParseLogout(r.Context(), r.Form, r)
	if err != nil {
		p.cfg.ErrorPage(w, r, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	if _, ok := p.cookieSession(r, p.cfg.Now()); !ok {
		// Nobody to log out: still honour a valid redirect (§3). A cookie
		// a later login in another tab replaced still names its session.
		p.finishLogout(w, r, req)
		return
	}
	if !req.Confirmed {
		p.logoutPages.ConfirmLogout(w, r, req)
		return
	}
	if err := p.EndSession(w, r); err != nil {
		p.serverError(w, r, err)
		return
	}
	p.finishLogout(w, r, req)
}

// ParseLogout validates the logout parameters. A post_logout_redirect_uri
// must exactly match one the client registered, and the client must be
// identified by client_id or the hint's audience (§3); otherwise the
// request is refused rather than redirected anywhere.
func (p *Provider) ParseLogout(ctx context.Context, form url.Values, r *http.Request) (LogoutRequest, error) {
	req := LogoutRequest{ClientID: form.Get("client_id"), PostLogoutRedirectURI: form.Get("post_logout_redirect_uri"), State: form.Get("state"), UILocales: form.Get("ui_locales")}
	hintSub := ""
	if hint := form.Get("id_token_hint"); hint != "" {
		// Only an ID Token we issued (expired is fine, §2): never a
		// logout token or another JWT we signed (decodeIDTokenHint).
		h, err := p.decodeIDTokenHint(ctx, hint, req.ClientID)
		if err != nil {
			return req, errors.New("id_token_hint is not an ID token issued here to this client")
		}
		if req.ClientID == "" {
			if len(h.Audience) != 1 {
				return req, errors.New("client_id is required with an id_token_hint for several audiences")
			}
			req.ClientID = h.Audience[0]
		}
		hintSub = h.Subject
	}
	var client identity.Client
	if req.ClientID != "" {
		c, err := p.store.GetIdentityClient(ctx, req.ClientID)
		if err != nil {
			return req, errors.New("unknown client_id")
		}
		client = c
		req.ClientName = c.Name
	}
	if req.PostLogoutRedirectURI != "" {
		if client.ID == "" || !slices.Contains(client.PostLogoutRedirectURIs, req.PostLogoutRedirectURI) {
			return req, errors.New("post_logout_redirect_uri is not registered for this client")
		}
	}
	if hintSub != "" && client.ID != "" {
		if s, ok := p.cookieSession(r, p.cfg.Now()); ok && p.subjectFor(&client, s.AccountID) == hintSub {
			req.Confirmed = true
		}
	}
	return req, nil
}

// EndSession ends this browser's SSO session: the row and the cookie, and
// tells the relying parties it logged in to.
func (p *Provider) EndSession(w http.ResponseWriter, r *http.Request) error {
	if sess, ok := p.cookieSession(r, p.cfg.Now()); ok {
		// A replaced row (a stale cookie of a second tab) still ends its
		// family: the browser logs out of the session it is part of.
		clients, err := p.store.EndAuthSessions(r.Context(), sess)
		if err != nil {
			return err
		}
		p.notifyLogout(r.Context(), sess, clients)
	}
	p.cookies.Clear(w, CookieSession)
	return nil
}

// EndAccountSession ends one of an account's sessions from the account
// page, with back-channel logout.
func (p *Provider) EndAccountSession(ctx context.Context, accountID, sessionID string) error {
	sessions, err := p.store.ListAuthSessions(ctx, accountID, p.cfg.Now())
	if err != nil {
		return err
	}
	for _, s := range sessions {
		if s.ID == sessionID {
			clients, err := p.store.EndAuthSessions(ctx, s)
			if err != nil {
				return err
			}
			p.notifyLogout(ctx, s, clients)
			return nil
		}
	}
	return identity.ErrNotFound
}

// finishLogout redirects to the validated post-logout URI with state, or
// shows the logged-out page.
func (p *Provider) finishLogout(w http.ResponseWriter, r *http.Request, req LogoutRequest) {
	if req.PostLogoutRedirectURI == "" {
		p.logoutPages.LoggedOut(w, r, req)
		return
	}
	u, _ := url.Parse(req.PostLogoutRedirectURI)
	if req.State != "" {
		q := u.Query()
		q.Set("state", req.State)
		u.RawQuery = q.Encode()
	}
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

// ParseLogoutForm validates the confirmation form's parameters again.
func (p *Provider) ParseLogoutForm(r *http.Request) (LogoutRequest, error) {
	return p.ParseLogout(r.Context(), url.Values{
		"client_id":                {r.PostFormValue("client_id")},
		"post_logout_redirect_uri": {r.PostFormValue("post_logout_redirect_uri")},
		"state":                    {r.PostFormValue("state")},
	}, r)
}

// FinishLogout is finishLogout for the confirmation page.
func (p *Provider) FinishLogout(w http.ResponseWriter, r *http.Request, req LogoutRequest) {
	p.finishLogout(w, r, req)
}

// WithdrawConsent is the citizen withdrawing a client's consent (Decree
// 13/2023 art. 12): the grant goes, with every token issued under it.
func (p *Provider) WithdrawConsent(ctx context.Context, accountID, clientID string) error {
	c, err := p.store.GetIdentityClient(ctx, clientID)
	if err != nil {
		return err
	}
	return p.store.WithdrawConsent(ctx, accountID, clientID, p.subjectFor(&c, accountID))
}
