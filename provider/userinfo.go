package provider

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/ory/fosite"

	"github.com/dinhdanh/dinhdanh/identity"
)

// handleUserinfo is OIDC Core §5.3. The bearer token comes from the
// Authorization header or, for POST, the form body (RFC 6750 §2.1, §2.2).
func (p *Provider) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if r.URL.Query().Has("access_token") {
		// RFC 6750 §2.3: tokens in URLs end up in logs and histories.
		writeJSONError(w, http.StatusBadRequest, "invalid_request", "Send the access token in the Authorization header or a POST body, not the URL.")
		return
	}
	token := fosite.AccessTokenFromRequest(r)
	if token == "" {
		// RFC 6750 §3.1: no error code when no credentials were sent.
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+p.cfg.Issuer+`"`)
		writeJSONError(w, http.StatusUnauthorized, "invalid_request", "An access token is required.")
		return
	}
	sess := newSession()
	use, ar, err := p.oauth.IntrospectToken(ctx, token, fosite.AccessToken, sess)
	// fosite falls back to refresh tokens; a refresh token is for the
	// token endpoint only (RFC 6749 §1.5), never a bearer credential.
	if err == nil && use != fosite.AccessToken {
		err = fosite.ErrInvalidTokenFormat
	}
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="The access token is expired, revoked or malformed."`)
		writeJSONError(w, http.StatusUnauthorized, "invalid_token", "The access token is expired, revoked or malformed.")
		return
	}
	// §5.3: userinfo is for tokens issued with the openid scope.
	if !ar.GetGrantedScopes().Has("openid") {
		w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="openid"`)
		writeJSONError(w, http.StatusForbidden, "insufficient_scope", "The access token was not issued for the openid scope.")
		return
	}
	s, ok := ar.GetSession().(*Session)
	if !ok || s.AccountID == "" {
		writeJSONError(w, http.StatusForbidden, "insufficient_scope", "The access token does not belong to a citizen.")
		return
	}
	claims, err := p.userClaims(r, s, ar.GetClient(), ar.GetGrantedScopes())
	if err != nil {
		if errors.Is(err, identity.ErrNotFound) {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			writeJSONError(w, http.StatusUnauthorized, "invalid_token", "The account no longer exists.")
			return
		}
		p.cfg.Logger.Error("userinfo failed", "err", err)
		writeJSONError(w, http.StatusInternalServerError, "server_error", "")
		return
	}
	if err := p.recordDisclosure(r, s, ar.GetClient().GetID(), claims); err != nil {
		// No release without its record (Decree 13/2023: verifiable).
		p.cfg.Logger.Error("recording a disclosure failed", "err", err)
		writeJSONError(w, http.StatusInternalServerError, "server_error", "")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(claims)
}

// userClaims assembles the claims released to userinfo; sub is always
// the one in the ID token (§5.3.2).
func (p *Provider) userClaims(r *http.Request, s *Session, client fosite.Client, scopes fosite.Arguments) (map[string]any, error) {
	out, err := p.personalClaims(r.Context(), s, client, targetUserinfo, scopes)
	if err != nil {
		return nil, err
	}
	out["sub"] = s.Subject
	return out, nil
}

// recordDisclosure appends the released claim names (never values) to
// the citizen's disclosure log.
func (p *Provider) recordDisclosure(r *http.Request, s *Session, clientID string, claims map[string]any) error {
	names := disclosedNames(claims)
	if len(names) == 0 {
		return nil
	}
	return p.store.AppendDisclosure(r.Context(), identity.Disclosure{AccountID: s.AccountID, ClientID: clientID, At: p.cfg.Now(),
		Claims: names, ACR: s.IDTokenClaims().AuthenticationContextClassReference, Channel: "userinfo"})
}

func writeJSONError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	body := map[string]string{"error": code}
	if description != "" {
		body["error_description"] = description
	}
	_ = json.NewEncoder(w).Encode(body)
}
