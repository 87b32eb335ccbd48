package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/oauth2"
)

// refreshScopeHandler honours the scope parameter of a refresh (RFC 6749
// §6): "The requested scope MUST NOT include any scope not originally
// granted by the resource owner, and if omitted is treated as equal to
// the scope originally granted". fosite v0.49 ignores the parameter and
// grants the original scope; this handler runs after its refresh handlers
// and narrows what they granted. The new refresh token keeps the original
// scope (fositeStore), the new access and ID tokens get the narrower one.
type refreshScopeHandler struct{}

var _ fosite.TokenEndpointHandler = refreshScopeHandler{}

func (refreshScopeHandler) CanHandleTokenEndpointRequest(_ context.Context, r fosite.AccessRequester) bool {
	return r.GetGrantTypes().ExactOne("refresh_token")
}

func (refreshScopeHandler) CanSkipClientAuth(context.Context, fosite.AccessRequester) bool {
	return false
}

func (h refreshScopeHandler) HandleTokenEndpointRequest(ctx context.Context, r fosite.AccessRequester) error {
	if !h.CanHandleTokenEndpointRequest(ctx, r) {
		return fosite.ErrUnknownRequest
	}
	sess, ok := r.GetSession().(*Session)
	ar, ok2 := r.(*fosite.AccessRequest)
	if !ok || !ok2 {
		return fosite.ErrServerError.WithDebugf("refresh: unexpected session %T or request %T", r.GetSession(), r)
	}
	sess.RefreshScope = nil // copied from the old token's session
	requested := fosite.RemoveEmpty(strings.Split(r.GetRequestForm().Get("scope"), " "))
	if len(requested) == 0 {
		return nil
	}
	granted := r.GetGrantedScopes() // the refresh token's, granted by fosite
	narrowed := fosite.Arguments{}
	for _, s := range requested {
		if !granted.Has(s) {
			return fosite.ErrInvalidScope.WithHintf("The scope '%s' was not granted to this refresh token.", s)
		}
		if !narrowed.Has(s) {
			narrowed = append(narrowed, s)
		}
	}
	sess.RefreshScope = append([]string{}, granted...)
	ar.GrantedScope = narrowed
	return nil
}

func (refreshScopeHandler) PopulateTokenEndpointResponse(context.Context, fosite.AccessRequester, fosite.AccessResponder) error {
	return nil
}

// fositeStore is the store fosite is composed with.
type fositeStore struct{ Store }

var _ oauth2.TokenRevocationStorage = fositeStore{}

// CreateRefreshTokenSession stores a refresh token issued after a narrowed
// refresh with the scope of the token it replaces: RFC 6749 §6, "the
// refresh token scope MUST be identical to that of the refresh token
// included by the client in the request".
func (s fositeStore) CreateRefreshTokenSession(ctx context.Context, signature, accessSignature string, req fosite.Requester) error {
	if sess, ok := req.GetSession().(*Session); ok && sess.RefreshScope != nil {
		r, ok := req.(*fosite.Request)
		if !ok {
			return fmt.Errorf("provider: refresh token from an unexpected request %T", req)
		}
		keep := *r
		keep.GrantedScope = fosite.Arguments(sess.RefreshScope)
		req = &keep
	}
	return s.Store.CreateRefreshTokenSession(ctx, signature, accessSignature, req)
}
