package provider

import (
	"errors"
	"net/http"

	"github.com/ory/fosite"
)

// handleToken is the token endpoint (RFC 6749 §3.2): authorization code
// with PKCE, refresh with rotation, client credentials.
func (p *Provider) handleToken(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := parseEndpointForm(r); err != nil {
		p.oauth.WriteAccessError(ctx, w, nil, err)
		return
	}
	if err := checkTokenForm(r.PostForm); err != nil {
		p.oauth.WriteAccessError(ctx, w, nil, err)
		return
	}
	ar, err := p.oauth.NewAccessRequest(ctx, r, newSession())
	if err != nil {
		p.logTokenError(r, err)
		p.oauth.WriteAccessError(ctx, w, ar, err)
		return
	}
	if ar.GetGrantTypes().ExactOne("client_credentials") {
		// RFC 6749 §4.4: a machine client gets the scopes it asked for
		// among those it is registered with (fosite checked that).
		for _, s := range ar.GetRequestedScopes() {
			ar.GrantScope(s)
		}
		for _, a := range ar.GetRequestedAudience() {
			ar.GrantAudience(a)
		}
	}
	resp, err := p.oauth.NewAccessResponse(ctx, ar)
	if err != nil {
		p.logTokenError(r, err)
		p.oauth.WriteAccessError(ctx, w, ar, err)
		return
	}
	p.oauth.WriteAccessResponse(ctx, w, ar, resp)
}

func (p *Provider) logTokenError(r *http.Request, err error) {
	rfcErr := fosite.ErrorToRFC6749Error(err)
	if rfcErr.CodeField >= 500 {
		p.cfg.Logger.Error("token endpoint failed", "path", r.URL.Path, "err", rfcErr.WithExposeDebug(true).GetDescription())
	}
}

// handleRevoke is RFC 7009. fosite authenticates the client (through
// authenticateClient) and refuses another client's token.
func (p *Provider) handleRevoke(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	err := parseEndpointForm(r)
	if err == nil {
		err = checkTokenParam(r.PostForm)
	}
	if err == nil {
		err = p.oauth.NewRevocationRequest(ctx, r)
	}
	if err == nil {
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		return
	}
	if unavailable(err) {
		// fosite's writer would answer 200: the token would look revoked.
		WriteUnavailable(w)
		return
	}
	// fosite's writer answers 200 to everything but invalid_request and
	// invalid_client, including a token of another client. RFC 7009 §2.1:
	// that request "is refused and the client is informed of the error";
	// fosite's unauthorized_client, written as such, does that.
	if errors.Is(err, fosite.ErrUnauthorizedClient) {
		err = fosite.ErrUnauthorizedClient.WithHint("The token was not issued to this client.")
	}
	p.logTokenError(r, err)
	p.oauth.WriteAccessError(ctx, w, nil, err)
}

// scopeIntrospect is the scope of clients registered as resource servers,
// the only ones introspection tells anything.
const scopeIntrospect = "introspect"

// handleIntrospect is RFC 7662.
func (p *Provider) handleIntrospect(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := parseEndpointForm(r); err != nil {
		p.oauth.WriteAccessError(ctx, w, nil, err)
		return
	}
	// §2.1: the caller authenticates as a client, always. A bearer token
	// (in the header or an access_token field) is no credential here:
	// fosite would accept one, letting any token holder probe tokens.
	client, err := p.fosite.AuthenticateClient(ctx, r, r.PostForm)
	if err == nil && client.IsPublic() {
		err = fosite.ErrInvalidClient.WithHint("A public client cannot authenticate to introspect tokens.")
	}
	if err == nil {
		err = checkTokenParam(r.PostForm)
	}
	if err != nil {
		p.logTokenError(r, err)
		p.oauth.WriteAccessError(ctx, w, nil, err)
		return
	}
	// §4: only resource servers registered for introspection learn
	// anything; to every other client every token is inactive.
	if !client.GetScopes().Has(scopeIntrospect) {
		p.oauth.WriteIntrospectionResponse(ctx, w, &fosite.IntrospectionResponse{Active: false})
		return
	}
	hint := fosite.TokenUse(r.PostForm.Get("token_type_hint"))
	use, ar, err := p.fosite.IntrospectToken(ctx, r.PostForm.Get("token"), hint, newSession())
	if unavailable(err) {
		// Not "inactive": the resource server must not drop a valid token.
		WriteUnavailable(w)
		return
	}
	if err != nil {
		p.oauth.WriteIntrospectionResponse(ctx, w, &fosite.IntrospectionResponse{Active: false})
		return
	}
	resp := &fosite.IntrospectionResponse{Active: true, AccessRequester: ar, TokenUse: use}
	switch use {
	case fosite.AccessToken:
		resp.AccessTokenType = fosite.BearerAccessToken
	case fosite.RefreshToken:
		// §2.2: exp is this token's. fosite's writer prints the access
		// token's expiry; the session loaded here is a copy for this
		// answer only.
		s := ar.GetSession()
		s.SetExpiresAt(fosite.AccessToken, s.GetExpiresAt(fosite.RefreshToken))
	}
	p.oauth.WriteIntrospectionResponse(ctx, w, resp)
}

// handlePAR is RFC 9126.
func (p *Provider) handlePAR(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	form, err := readPushedForm(r)
	if err != nil {
		p.oauth.WritePushedAuthorizeError(ctx, w, nil, err)
		return
	}
	ar, err := p.oauth.NewPushedAuthorizeRequest(ctx, r)
	if err == nil || ar != nil && ar.GetClient() != nil && !errors.Is(err, fosite.ErrInvalidClient) {
		// Authenticated: the authorization endpoint's checks and error
		// codes apply (RFC 9126 §2.1, §2.3), ours first.
		if cerr := p.checkPushed(ctx, form, ar.GetClient()); cerr != nil {
			err = cerr
		}
	}
	if err != nil {
		p.oauth.WritePushedAuthorizeError(ctx, w, ar, err)
		return
	}
	resp, err := p.oauth.NewPushedAuthorizeResponse(ctx, ar, newSession())
	if err != nil {
		p.oauth.WritePushedAuthorizeError(ctx, w, ar, err)
		return
	}
	p.oauth.WritePushedAuthorizeResponse(ctx, w, ar, resp)
}
