package provider

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	fositejwt "github.com/ory/fosite/token/jwt"

	"github.com/dinhdanh/dinhdanh/identity"
)

// OpenID Connect Back-Channel Logout 1.0.

const backchannelEvent = "http://schemas.openid.net/event/backchannel-logout"

// sid is the session identifier given to relying parties (§2.1) by a new
// session: derived from, but not equal to, its first database key. It is
// stored with the session and kept across re-authentication (sidOf).
func (p *Provider) sid(sessionID string) string {
	mac := hmac.New(sha256.New, p.cfg.PairwiseKey)
	mac.Write([]byte("sid\x00" + sessionID))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:18])
}

// notifyLogout sends a logout token to each of clientIDs (the clients the
// ended session had logged in to, from EndAuthSessions) that registered a
// back-channel URI. Delivery runs in the background with retries, so a
// slow relying party never holds up the citizen's logout.
func (p *Provider) notifyLogout(ctx context.Context, sess identity.AuthSession, clientIDs []string) {
	for _, id := range clientIDs {
		c, err := p.store.GetIdentityClient(ctx, id)
		if err != nil || c.BackchannelLogoutURI == "" {
			continue
		}
		token, err := p.logoutToken(ctx, &c, sess)
		if err != nil {
			p.cfg.Logger.Error("signing a logout token failed", "client", c.ID, "err", err)
			continue
		}
		go p.deliverLogout(context.WithoutCancel(ctx), c.ID, c.BackchannelLogoutURI, token)
	}
}

// logoutToken builds the §2.4 logout token: iss, aud, iat, exp, jti, sub,
// sid and the back-channel event; never a nonce; typed logout+jwt (§2.4,
// RFC 8725 §3.11).
func (p *Provider) logoutToken(ctx context.Context, c *identity.Client, sess identity.AuthSession) (string, error) {
	now := time.Now()
	claims := fositejwt.MapClaims{
		"iss":    p.cfg.Issuer,
		"aud":    []string{c.ID},
		"iat":    now.Unix(),
		"exp":    now.Add(2 * time.Minute).Unix(),
		"jti":    uuid.NewString(),
		"sub":    p.subjectFor(c, sess.AccountID),
		"sid":    p.sidOf(sess),
		"events": map[string]any{backchannelEvent: map[string]any{}},
	}
	token, _, err := p.keys.Signer("RS256").Generate(ctx, claims, &fositejwt.Headers{Extra: map[string]any{"typ": "logout+jwt"}})
	return token, err
}

// deliverLogout POSTs the token (§2.5), retrying on network errors and
// 5xx with growing pauses; a 4xx is final.
func (p *Provider) deliverLogout(ctx context.Context, clientID, uri, token string) {
	client := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	body := url.Values{"logout_token": {token}}.Encode()
	pause := 500 * time.Millisecond
	for attempt := 1; attempt <= 4; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, uri, strings.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := client.Do(req)
		status := 0
		if err == nil {
			status = resp.StatusCode
			resp.Body.Close()
			if status >= 200 && status < 300 {
				p.cfg.Logger.Info("back-channel logout delivered", "client", clientID, "attempt", attempt)
				return
			}
			if status < 500 {
				break
			}
		}
		if attempt < 4 {
			time.Sleep(pause)
			pause *= 3
		}
	}
	p.cfg.Logger.Warn("back-channel logout not delivered", "client", clientID)
}
