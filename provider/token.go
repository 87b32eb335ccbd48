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

// handleRevoke is RFC 7009.
func (p *Provider) handleRevoke(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	err := p.oauth.NewRevocationRequest(ctx, r)
	p.oauth.WriteRevocationResponse(ctx, w, err)
}

// handleIntrospect is RFC 7662. Only a confidential client with its
// secret may introspect (§2.1): fosite would also accept any bearer
// access token, which would let a citizen's token probe other tokens.
func (p *Provider) handleIntrospect(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if _, _, ok := r.BasicAuth(); !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="`+p.cfg.Issuer+`"`)
		writeJSONError(w, http.StatusUnauthorized, "invalid_client", "Authenticate with the client's id and secret (HTTP Basic).")
		return
	}
	ir, err := p.oauth.NewIntrospectionRequest(ctx, r, newSession())
	if err != nil {
		p.oauth.WriteIntrospectionError(ctx, w, err)
		return
	}
	p.oauth.WriteIntrospectionResponse(ctx, w, ir)
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
