package storagetest

import (
	"errors"
	"net/url"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/openid"
	"github.com/ory/fosite/token/jwt"

	"github.com/dinhdanh/dinhdanh/identity"
)

// newSession is a session as the provider fills it: subject, ID-token
// claims and per-token expiry.
func newSession(subject string, now time.Time) *openid.DefaultSession {
	return &openid.DefaultSession{
		Subject: subject,
		Claims: &jwt.IDTokenClaims{
			Subject: subject, Issuer: "https://id.example.vn", AuthTime: now, RequestedAt: now,
			Nonce: "n-0S6_WzA2Mj", Extra: map[string]any{"acr": "urn:vn:eid:loa:2"},
		},
		Headers: &jwt.Headers{Extra: map[string]any{}},
		ExpiresAt: map[fosite.TokenType]time.Time{
			fosite.AuthorizeCode:                 now.Add(10 * time.Minute),
			fosite.AccessToken:                   now.Add(15 * time.Minute),
			fosite.RefreshToken:                  now.Add(30 * 24 * time.Hour),
			fosite.PushedAuthorizeRequestContext: now.Add(90 * time.Second),
		},
	}
}

func newRequester(c *identity.Client, subject string, now time.Time) *fosite.Request {
	r := fosite.NewRequest()
	r.ID = randID()
	r.RequestedAt = now
	r.Client = c
	r.RequestedScope = fosite.Arguments{"openid", "offline_access", "profile"}
	r.GrantedScope = fosite.Arguments{"openid", "offline_access"}
	r.RequestedAudience = fosite.Arguments{"https://api.example"}
	r.GrantedAudience = fosite.Arguments{"https://api.example"}
	r.Form = url.Values{
		"redirect_uri":          {"https://rp.example/cb"},
		"code_challenge":        {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"},
		"code_challenge_method": {"S256"},
		"scope":                 {"openid offline_access profile"},
	}
	r.Session = newSession(subject, now)
	return r
}

// sameRequest checks a loaded requester against the stored one.
func sameRequest(t *testing.T, what string, got fosite.Requester, want *fosite.Request) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: nil requester", what)
	}
	if got.GetID() != want.ID {
		t.Errorf("%s: id = %q, want %q", what, got.GetID(), want.ID)
	}
	if !got.GetRequestedAt().Equal(want.RequestedAt) {
		t.Errorf("%s: requested_at = %v, want %v", what, got.GetRequestedAt(), want.RequestedAt)
	}
	if c, ok := got.GetClient().(*identity.Client); !ok || c.ID != want.Client.GetID() || string(c.SecretHash) != string(want.Client.GetHashedSecret()) {
		t.Errorf("%s: client = %#v", what, got.GetClient())
	}
	for _, f := range []struct {
		name      string
		got, want fosite.Arguments
	}{
		{"requested scopes", got.GetRequestedScopes(), want.RequestedScope},
		{"granted scopes", got.GetGrantedScopes(), want.GrantedScope},
		{"requested audience", got.GetRequestedAudience(), want.RequestedAudience},
		{"granted audience", got.GetGrantedAudience(), want.GrantedAudience},
	} {
		if !reflect.DeepEqual([]string(f.got), []string(f.want)) {
			t.Errorf("%s: %s = %v, want %v", what, f.name, f.got, f.want)
		}
	}
	if !reflect.DeepEqual(got.GetRequestForm(), want.Form) {
		t.Errorf("%s: form = %v, want %v", what, got.GetRequestForm(), want.Form)
	}
	gs, ok := got.GetSession().(*openid.DefaultSession)
	if !ok {
		t.Fatalf("%s: session is %T", what, got.GetSession())
	}
	ws := want.Session.(*openid.DefaultSession)
	if gs.Subject != ws.Subject || gs.Claims == nil || gs.Claims.Subject != ws.Claims.Subject ||
		gs.Claims.Nonce != ws.Claims.Nonce || gs.Claims.Extra["acr"] != ws.Claims.Extra["acr"] ||
		!gs.Claims.AuthTime.Equal(ws.Claims.AuthTime) {
		t.Errorf("%s: session = %+v (claims %+v), want %+v", what, gs, gs.Claims, ws)
	}
	for k, v := range ws.ExpiresAt {
		if !gs.ExpiresAt[k].Equal(v) {
			t.Errorf("%s: session expiry %s = %v, want %v", what, k, gs.ExpiresAt[k], v)
		}
	}
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, fosite.ErrNotFound) {
		t.Fatalf("%s: err = %v, want fosite.ErrNotFound", what, err)
	}
}

func testJTI(t *testing.T, e *env) {
	exp := start.Add(time.Minute)
	if err := e.s.ClientAssertionJWTValid(e.ctx, "jti-1"); err != nil {
		t.Fatalf("unknown jti: %v", err)
	}
	if err := e.s.SetClientAssertionJWT(e.ctx, "jti-1", exp); err != nil {
		t.Fatal(err)
	}
	if err := e.s.ClientAssertionJWTValid(e.ctx, "jti-1"); !errors.Is(err, fosite.ErrJTIKnown) {
		t.Fatalf("known jti: err = %v, want ErrJTIKnown", err)
	}
	if err := e.s.SetClientAssertionJWT(e.ctx, "jti-1", exp); !errors.Is(err, fosite.ErrJTIKnown) {
		t.Fatalf("replayed jti: err = %v, want ErrJTIKnown", err)
	}
	// Once expired the assertion itself is rejected, so the jti may go.
	e.clock.Advance(2 * time.Minute)
	if err := e.s.ClientAssertionJWTValid(e.ctx, "jti-1"); err != nil {
		t.Fatalf("expired jti: %v", err)
	}
	if err := e.s.SetClientAssertionJWT(e.ctx, "jti-1", e.clock.Now().Add(time.Minute)); err != nil {
		t.Fatalf("re-set expired jti: %v", err)
	}
}

func testAuthorizeCode(t *testing.T, e *env) {
	c := seedClient(t, e, "exam-portal")
	r := newRequester(c, "pairwise-sub-1", start)
	if err := e.s.CreateAuthorizeCodeSession(e.ctx, "code-sig-1", r); err != nil {
		t.Fatal(err)
	}
	got, err := e.s.GetAuthorizeCodeSession(e.ctx, "code-sig-1", &openid.DefaultSession{})
	if err != nil {
		t.Fatal(err)
	}
	sameRequest(t, "code", got, r)

	// The session is decoded into the value fosite passes in.
	sess := &openid.DefaultSession{}
	got, err = e.s.GetAuthorizeCodeSession(e.ctx, "code-sig-1", sess)
	if err != nil || got.GetSession() != fosite.Session(sess) || sess.Subject != "pairwise-sub-1" {
		t.Fatalf("session not decoded into the one passed in: %v, %+v", err, sess)
	}

	if err := e.s.InvalidateAuthorizeCodeSession(e.ctx, "code-sig-1"); err != nil {
		t.Fatal(err)
	}
	got, err = e.s.GetAuthorizeCodeSession(e.ctx, "code-sig-1", &openid.DefaultSession{})
	if !errors.Is(err, fosite.ErrInvalidatedAuthorizeCode) {
		t.Fatalf("used code: err = %v, want ErrInvalidatedAuthorizeCode", err)
	}
	if got == nil || got.GetID() != r.ID {
		t.Fatalf("used code must still return the requester (fosite revokes by its id), got %v", got)
	}
	sameRequest(t, "used code", got, r)
	if err := e.s.InvalidateAuthorizeCodeSession(e.ctx, "code-sig-1"); !errors.Is(err, fosite.ErrInvalidatedAuthorizeCode) {
		t.Fatalf("invalidating twice: err = %v, want ErrInvalidatedAuthorizeCode", err)
	}

	_, err = e.s.GetAuthorizeCodeSession(e.ctx, "nope", &openid.DefaultSession{})
	wantNotFound(t, "missing code", err)
	wantNotFound(t, "invalidate missing code", e.s.InvalidateAuthorizeCodeSession(e.ctx, "nope"))
}

// Two exchanges of one code at once: exactly one may invalidate it
// (RFC 6749 §4.1.2).
func testAuthorizeCodeConcurrent(t *testing.T, e *env) {
	c := seedClient(t, e, "exam-portal")
	if err := e.s.CreateAuthorizeCodeSession(e.ctx, "code-sig", newRequester(c, "sub", start)); err != nil {
		t.Fatal(err)
	}
	const n = 10
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, err := e.s.BeginTX(e.ctx)
			if err != nil {
				errs[i] = err
				return
			}
			if err := e.s.InvalidateAuthorizeCodeSession(ctx, "code-sig"); err != nil {
				_ = e.s.Rollback(ctx)
				errs[i] = err
				return
			}
			errs[i] = e.s.Commit(ctx)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, fosite.ErrInvalidatedAuthorizeCode) && !errors.Is(err, fosite.ErrSerializationFailure):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d exchanges invalidated the code, want exactly 1", ok)
	}
}

func testAccessToken(t *testing.T, e *env) {
	c := seedClient(t, e, "exam-portal")
	r := newRequester(c, "sub-1", start)
	for _, sig := range []string{"at-1", "at-2"} {
		if err := e.s.CreateAccessTokenSession(e.ctx, sig, r); err != nil {
			t.Fatal(err)
		}
	}
	other := newRequester(c, "sub-2", start)
	if err := e.s.CreateAccessTokenSession(e.ctx, "at-other", other); err != nil {
		t.Fatal(err)
	}
	got, err := e.s.GetAccessTokenSession(e.ctx, "at-1", &openid.DefaultSession{})
	if err != nil {
		t.Fatal(err)
	}
	sameRequest(t, "access token", got, r)
	// Revocation looks tokens up without a session (RFC 7009).
	got, err = e.s.GetAccessTokenSession(e.ctx, "at-1", nil)
	if err != nil || got.GetID() != r.ID || got.GetSession() == nil {
		t.Fatalf("Get with nil session: %v, %v", got, err)
	}

	if err := e.s.DeleteAccessTokenSession(e.ctx, "at-1"); err != nil {
		t.Fatal(err)
	}
	_, err = e.s.GetAccessTokenSession(e.ctx, "at-1", &openid.DefaultSession{})
	wantNotFound(t, "deleted access token", err)
	if err := e.s.DeleteAccessTokenSession(e.ctx, "at-1"); err != nil {
		t.Fatalf("deleting twice: %v", err)
	}

	if err := e.s.RevokeAccessToken(e.ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.s.GetAccessTokenSession(e.ctx, "at-2", &openid.DefaultSession{})
	wantNotFound(t, "revoked access token", err)
	if _, err := e.s.GetAccessTokenSession(e.ctx, "at-other", &openid.DefaultSession{}); err != nil {
		t.Fatalf("another grant's token was revoked: %v", err)
	}
}

func testClientCredentials(t *testing.T, e *env) {
	c := seedClient(t, e, "batch-job")
	r := fosite.NewRequest()
	r.ID, r.RequestedAt, r.Client = randID(), start, c
	r.GrantedScope = fosite.Arguments{"vn_id"}
	r.Form = url.Values{"grant_type": {"client_credentials"}}
	r.Session = &openid.DefaultSession{ExpiresAt: map[fosite.TokenType]time.Time{fosite.AccessToken: start.Add(time.Hour)}}
	if err := e.s.CreateAccessTokenSession(e.ctx, "cc-at", r); err != nil {
		t.Fatal(err)
	}
	got, err := e.s.GetAccessTokenSession(e.ctx, "cc-at", &openid.DefaultSession{})
	if err != nil || got.GetSession().GetSubject() != "" || got.GetClient().GetID() != c.ID {
		t.Fatalf("client credentials token: %v, %v", got, err)
	}
}

func testRefreshToken(t *testing.T, e *env) {
	c := seedClient(t, e, "exam-portal")
	r := newRequester(c, "sub-1", start)
	if err := e.s.CreateRefreshTokenSession(e.ctx, "rt-1", "at-1", r); err != nil {
		t.Fatal(err)
	}
	got, err := e.s.GetRefreshTokenSession(e.ctx, "rt-1", &openid.DefaultSession{})
	if err != nil {
		t.Fatal(err)
	}
	sameRequest(t, "refresh token", got, r)

	if err := e.s.RevokeRefreshToken(e.ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	got, err = e.s.GetRefreshTokenSession(e.ctx, "rt-1", &openid.DefaultSession{})
	if !errors.Is(err, fosite.ErrInactiveToken) || got == nil || got.GetID() != r.ID {
		t.Fatalf("revoked refresh token: %v, %v; want requester and ErrInactiveToken", got, err)
	}
	if err := e.s.RevokeRefreshToken(e.ctx, "no-such-request"); err != nil {
		t.Fatalf("revoking an unknown grant: %v", err)
	}
	if err := e.s.DeleteRefreshTokenSession(e.ctx, "rt-1"); err != nil {
		t.Fatal(err)
	}
	_, err = e.s.GetRefreshTokenSession(e.ctx, "rt-1", &openid.DefaultSession{})
	wantNotFound(t, "deleted refresh token", err)
	wantNotFound(t, "rotate missing", e.s.RotateRefreshToken(e.ctx, r.ID, "rt-1"))
}

// refreshOnce does what fosite's refresh handler does inside its
// transaction: rotate the old token, store a new pair.
func refreshOnce(e *env, requestID, oldSig, newAT, newRT string, r fosite.Requester) error {
	ctx, err := e.s.BeginTX(e.ctx)
	if err != nil {
		return err
	}
	if _, err := e.s.GetRefreshTokenSession(ctx, oldSig, &openid.DefaultSession{}); err != nil {
		_ = e.s.Rollback(ctx)
		return err
	}
	if err := e.s.RotateRefreshToken(ctx, requestID, oldSig); err != nil {
		_ = e.s.Rollback(ctx)
		return err
	}
	if err := e.s.CreateAccessTokenSession(ctx, newAT, r); err != nil {
		_ = e.s.Rollback(ctx)
		return err
	}
	if err := e.s.CreateRefreshTokenSession(ctx, newRT, newAT, r); err != nil {
		_ = e.s.Rollback(ctx)
		return err
	}
	return e.s.Commit(ctx)
}

func testRefreshRotation(t *testing.T, e *env) {
	c := seedClient(t, e, "exam-portal")
	r := newRequester(c, "sub-1", start)
	if err := e.s.CreateAccessTokenSession(e.ctx, "at-0", r); err != nil {
		t.Fatal(err)
	}
	if err := e.s.CreateRefreshTokenSession(e.ctx, "rt-0", "at-0", r); err != nil {
		t.Fatal(err)
	}

	e.clock.Advance(time.Minute)
	if err := refreshOnce(e, r.ID, "rt-0", "at-1", "rt-1", r); err != nil {
		t.Fatalf("first refresh: %v", err)
	}
	_, err := e.s.GetAccessTokenSession(e.ctx, "at-0", &openid.DefaultSession{})
	wantNotFound(t, "access token issued before rotation", err)

	// Within the grace period the old token still works, and a second
	// refresh does not revoke the pair the first one issued.
	e.clock.Advance(GracePeriod - time.Second)
	if _, err := e.s.GetRefreshTokenSession(e.ctx, "rt-0", &openid.DefaultSession{}); err != nil {
		t.Fatalf("rotated token within grace: %v", err)
	}
	if err := refreshOnce(e, r.ID, "rt-0", "at-1b", "rt-1b", r); err != nil {
		t.Fatalf("refresh within grace: %v", err)
	}
	for _, sig := range []string{"at-1", "at-1b"} {
		if _, err := e.s.GetAccessTokenSession(e.ctx, sig, &openid.DefaultSession{}); err != nil {
			t.Fatalf("access token %s of a concurrent refresh was revoked: %v", sig, err)
		}
	}

	// The grace period runs from the first rotation, not the last.
	e.clock.Advance(time.Second)
	got, err := e.s.GetRefreshTokenSession(e.ctx, "rt-0", &openid.DefaultSession{})
	if !errors.Is(err, fosite.ErrInactiveToken) || got == nil || got.GetID() != r.ID {
		t.Fatalf("rotated token after grace: %v, %v; want requester and ErrInactiveToken", got, err)
	}
	if err := e.s.RotateRefreshToken(e.ctx, r.ID, "rt-0"); !errors.Is(err, fosite.ErrInactiveToken) {
		t.Fatalf("rotating after grace: err = %v, want ErrInactiveToken", err)
	}

	// The new tokens work; rotating rt-1 removes every older access token.
	e.clock.Advance(time.Minute)
	if err := refreshOnce(e, r.ID, "rt-1", "at-2", "rt-2", r); err != nil {
		t.Fatalf("refresh with rt-1: %v", err)
	}
	for _, sig := range []string{"at-1", "at-1b"} {
		_, err := e.s.GetAccessTokenSession(e.ctx, sig, &openid.DefaultSession{})
		wantNotFound(t, "older access token "+sig, err)
	}
	if _, err := e.s.GetAccessTokenSession(e.ctx, "at-2", &openid.DefaultSession{}); err != nil {
		t.Fatal(err)
	}

	// An explicitly revoked token gets no grace, even just after rotation.
	e.clock.Advance(time.Minute)
	if err := refreshOnce(e, r.ID, "rt-2", "at-3", "rt-3", r); err != nil {
		t.Fatal(err)
	}
	if err := e.s.RevokeRefreshToken(e.ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	for _, sig := range []string{"rt-2", "rt-3", "rt-1b"} {
		if _, err := e.s.GetRefreshTokenSession(e.ctx, sig, &openid.DefaultSession{}); !errors.Is(err, fosite.ErrInactiveToken) {
			t.Fatalf("%s after revocation: err = %v, want ErrInactiveToken", sig, err)
		}
	}
	if err := e.s.RotateRefreshToken(e.ctx, r.ID, "rt-2"); !errors.Is(err, fosite.ErrInactiveToken) {
		t.Fatalf("rotating a revoked token: err = %v, want ErrInactiveToken", err)
	}
}

// 20 refreshes of one token at once, each in its own transaction: all
// succeed, none sees an inactive token, and every new pair survives.
func testRefreshConcurrent(t *testing.T, e *env) {
	c := seedClient(t, e, "exam-portal")
	r := newRequester(c, "sub-1", start)
	if err := e.s.CreateAccessTokenSession(e.ctx, "at-0", r); err != nil {
		t.Fatal(err)
	}
	if err := e.s.CreateRefreshTokenSession(e.ctx, "rt-0", "at-0", r); err != nil {
		t.Fatal(err)
	}
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := string(rune('a' + i))
			errs[i] = refreshOnce(e, r.ID, "rt-0", "at-"+id, "rt-"+id, r)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("refresh %d: %v", i, err)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	for i := range n {
		id := string(rune('a' + i))
		if _, err := e.s.GetAccessTokenSession(e.ctx, "at-"+id, &openid.DefaultSession{}); err != nil {
			t.Errorf("access token %s: %v", id, err)
		}
		if _, err := e.s.GetRefreshTokenSession(e.ctx, "rt-"+id, &openid.DefaultSession{}); err != nil {
			t.Errorf("refresh token %s: %v", id, err)
		}
	}
	_, err := e.s.GetAccessTokenSession(e.ctx, "at-0", &openid.DefaultSession{})
	wantNotFound(t, "original access token", err)
}

func testPKCE(t *testing.T, e *env) {
	c := seedClient(t, e, "exam-portal")
	r := newRequester(c, "sub-1", start)
	if err := e.s.CreatePKCERequestSession(e.ctx, "code-sig", r); err != nil {
		t.Fatal(err)
	}
	got, err := e.s.GetPKCERequestSession(e.ctx, "code-sig", &openid.DefaultSession{})
	if err != nil {
		t.Fatal(err)
	}
	sameRequest(t, "pkce", got, r)
	if got.GetRequestForm().Get("code_challenge") != r.Form.Get("code_challenge") {
		t.Fatal("code_challenge lost")
	}
	if err := e.s.DeletePKCERequestSession(e.ctx, "code-sig"); err != nil {
		t.Fatal(err)
	}
	_, err = e.s.GetPKCERequestSession(e.ctx, "code-sig", &openid.DefaultSession{})
	wantNotFound(t, "deleted pkce", err)
}

func testOIDC(t *testing.T, e *env) {
	c := seedClient(t, e, "exam-portal")
	r := newRequester(c, "sub-1", start)
	const code = "ac_raw-authorization-code.signature-part"
	if err := e.s.CreateOpenIDConnectSession(e.ctx, code, r); err != nil {
		t.Fatal(err)
	}
	// fosite passes the token request; the session is decoded into its session.
	tokenReq := fosite.NewAccessRequest(&openid.DefaultSession{})
	got, err := e.s.GetOpenIDConnectSession(e.ctx, code, tokenReq)
	if err != nil {
		t.Fatal(err)
	}
	sameRequest(t, "oidc", got, r)
	if tokenReq.GetSession().(*openid.DefaultSession).Claims.Subject != "sub-1" {
		t.Fatal("session not decoded into the requester's session")
	}
	// The raw code is never a key.
	var n int64
	if err := e.s.DB().Table("oauth2_oidc_sessions").Where("signature = ?", code).Count(&n).Error; err != nil || n != 0 {
		t.Fatalf("raw code stored as key: n=%d err=%v", n, err)
	}
	if err := e.s.DeleteOpenIDConnectSession(e.ctx, code); err != nil {
		t.Fatal(err)
	}
	_, err = e.s.GetOpenIDConnectSession(e.ctx, code, tokenReq)
	if !errors.Is(err, openid.ErrNoSessionFound) {
		t.Fatalf("deleted oidc session: err = %v, want ErrNoSessionFound", err)
	}
}

func testPAR(t *testing.T, e *env) {
	c := seedClient(t, e, "exam-portal")
	ar := fosite.NewAuthorizeRequest()
	ar.Request = *newRequester(c, "", start)
	ar.ResponseTypes = fosite.Arguments{"code"}
	ar.RedirectURI, _ = url.Parse("https://rp.example/cb?x=1")
	ar.State = "state-0123456789"
	ar.ResponseMode = fosite.ResponseModeFormPost
	ar.DefaultResponseMode = fosite.ResponseModeQuery
	const uri = "urn:ietf:params:oauth:request_uri:abcdefghijklmnop"
	if err := e.s.CreatePARSession(e.ctx, uri, ar); err != nil {
		t.Fatal(err)
	}
	got, err := e.s.GetPARSession(e.ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	if got.GetRedirectURI() == nil || got.GetRedirectURI().String() != ar.RedirectURI.String() ||
		got.GetState() != ar.State || got.GetResponseMode() != ar.ResponseMode ||
		got.GetDefaultResponseMode() != ar.DefaultResponseMode ||
		!reflect.DeepEqual([]string(got.GetResponseTypes()), []string{"code"}) {
		t.Fatalf("PAR = %+v", got)
	}
	sameRequest(t, "par", got, &ar.Request)
	if err := e.s.DeletePARSession(e.ctx, uri); err != nil {
		t.Fatal(err)
	}
	_, err = e.s.GetPARSession(e.ctx, uri)
	wantNotFound(t, "deleted PAR", err)

	// fosite does not check the lifetime (RFC 9126 §2.2): storage must.
	if err := e.s.CreatePARSession(e.ctx, uri, ar); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(90 * time.Second)
	_, err = e.s.GetPARSession(e.ctx, uri)
	wantNotFound(t, "expired PAR", err)

	// Without a session fosite sets no expiry; storage still bounds it.
	ar2 := fosite.NewAuthorizeRequest()
	ar2.Client, ar2.ID = c, randID()
	ar2.Session = nil
	if err := e.s.CreatePARSession(e.ctx, uri+"2", ar2); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.GetPARSession(e.ctx, uri+"2"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(10 * time.Minute)
	_, err = e.s.GetPARSession(e.ctx, uri+"2")
	wantNotFound(t, "PAR without session after 10 min", err)
}

func testTransactions(t *testing.T, e *env) {
	c := seedClient(t, e, "exam-portal")
	r := newRequester(c, "sub-1", start)

	ctx, err := e.s.BeginTX(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.BeginTX(ctx); err == nil {
		t.Fatal("nested BeginTX succeeded")
	}
	if err := e.s.CreateAccessTokenSession(ctx, "at-rb", r); err != nil {
		t.Fatal(err)
	}
	// The transaction sees its own write, including the client lookup.
	if _, err := e.s.GetAccessTokenSession(ctx, "at-rb", &openid.DefaultSession{}); err != nil {
		t.Fatalf("read own write: %v", err)
	}
	if err := e.s.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	// Rolling back again (fosite does after a failed commit) is harmless.
	if err := e.s.Rollback(ctx); err != nil {
		t.Fatalf("second rollback: %v", err)
	}
	_, err = e.s.GetAccessTokenSession(e.ctx, "at-rb", &openid.DefaultSession{})
	wantNotFound(t, "rolled back token", err)

	ctx, err = e.s.BeginTX(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.s.CreateAccessTokenSession(ctx, "at-c", r); err != nil {
		t.Fatal(err)
	}
	if err := e.s.CreateRefreshTokenSession(ctx, "rt-c", "at-c", r); err != nil {
		t.Fatal(err)
	}
	// Identity methods use the transaction too.
	if err := e.s.CreateClient(ctx, testClient("in-tx")); err != nil {
		t.Fatal(err)
	}
	if err := e.s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.GetRefreshTokenSession(e.ctx, "rt-c", &openid.DefaultSession{}); err != nil {
		t.Fatalf("committed token: %v", err)
	}
	if _, err := e.s.GetIdentityClient(e.ctx, "in-tx"); err != nil {
		t.Fatalf("committed client: %v", err)
	}
	if err := e.s.Commit(e.ctx); err == nil {
		t.Fatal("Commit without a transaction succeeded")
	}
}
