package storagetest

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/openid"

	"github.com/dinhdanh/dinhdanh/identity"
)

const (
	storedSecret    = "s3cr3t-client-secret-that-must-never-be-stored-xyz"
	storedAssertion = "eyJhbGciOiJSUzI1NiJ9.assertion-never-stored.sig"
)

// withCredentials is a form as a client sending client_secret_post (or a
// client assertion) gives it.
func withCredentials(f url.Values) url.Values {
	f = identity.WithoutClientCredentials(f) // a copy
	f.Set("client_secret", storedSecret)
	f.Set("client_assertion", storedAssertion)
	f.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
	return f
}

func wantNoCredentials(t *testing.T, what string, form url.Values) {
	t.Helper()
	for _, k := range []string{"client_secret", "client_assertion", "client_assertion_type"} {
		if _, ok := form[k]; ok {
			t.Errorf("%s: stored form keeps %s", what, k)
		}
	}
	if form.Get("redirect_uri") == "" {
		t.Errorf("%s: the other parameters were lost: %v", what, form)
	}
}

// testNoStoredCredentials: a client's secret or assertion never reaches
// a stored form (pushed requests, codes, tokens, interactions), whatever
// the caller passes; the rest of the form is kept.
func testNoStoredCredentials(t *testing.T, e *env) {
	c := seedClient(t, e, "exam-portal")

	ar := fosite.NewAuthorizeRequest()
	ar.Request = *newRequester(c, "", start)
	ar.Form = withCredentials(ar.Form)
	ar.ResponseTypes = fosite.Arguments{"code"}
	ar.RedirectURI, _ = url.Parse("https://rp.example/cb")
	const uri = "urn:ietf:params:oauth:request_uri:credentials-test"
	if err := e.s.CreatePARSession(e.ctx, uri, ar); err != nil {
		t.Fatal(err)
	}
	par, err := e.s.GetPARSession(e.ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	wantNoCredentials(t, "PAR", par.GetRequestForm())
	if ar.Form.Get("client_secret") != storedSecret {
		t.Error("storing changed the caller's form")
	}

	r := newRequester(c, "sub-1", start)
	r.Form = withCredentials(r.Form)
	if err := e.s.CreateAuthorizeCodeSession(e.ctx, "code-cred", r); err != nil {
		t.Fatal(err)
	}
	got, err := e.s.GetAuthorizeCodeSession(e.ctx, "code-cred", &openid.DefaultSession{})
	if err != nil {
		t.Fatal(err)
	}
	wantNoCredentials(t, "authorization code", got.GetRequestForm())
	if err := e.s.CreateAccessTokenSession(e.ctx, "at-cred", r); err != nil {
		t.Fatal(err)
	}
	got, err = e.s.GetAccessTokenSession(e.ctx, "at-cred", &openid.DefaultSession{})
	if err != nil {
		t.Fatal(err)
	}
	wantNoCredentials(t, "access token", got.GetRequestForm())
	if err := e.s.CreateRefreshTokenSession(e.ctx, "rt-cred", "at-cred", r); err != nil {
		t.Fatal(err)
	}
	got, err = e.s.GetRefreshTokenSession(e.ctx, "rt-cred", &openid.DefaultSession{})
	if err != nil {
		t.Fatal(err)
	}
	wantNoCredentials(t, "refresh token", got.GetRequestForm())

	it := identity.Interaction{
		ID: "it-cred", ClientID: c.ID,
		Form:      withCredentials(url.Values{"redirect_uri": {"https://rp.example/cb"}, "scope": {"openid"}}).Encode(),
		CreatedAt: start, ExpiresAt: start.Add(30 * time.Minute),
	}
	if err := e.s.CreateInteraction(e.ctx, it); err != nil {
		t.Fatal(err)
	}
	if err := e.s.UpdateInteraction(e.ctx, it); err != nil {
		t.Fatal(err)
	}
	stored, err := e.s.GetInteraction(e.ctx, it.ID, start)
	if err != nil {
		t.Fatal(err)
	}
	form, err := url.ParseQuery(stored.Form)
	if err != nil {
		t.Fatal(err)
	}
	wantNoCredentials(t, "interaction", form)

	// And nothing of them in any row, read past the store's mapping.
	for _, table := range []string{"oauth2_par_requests", "oauth2_authorize_codes", "oauth2_access_tokens", "oauth2_refresh_tokens", "interactions"} {
		var forms []string
		if err := e.s.DB().Table(table).Pluck("form", &forms).Error; err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		if len(forms) == 0 {
			t.Errorf("%s: no rows read", table)
		}
		for _, f := range forms {
			if strings.Contains(f, "s3cr3t") || strings.Contains(f, "assertion-never-stored") {
				t.Errorf("%s: a credential is stored: %s", table, f)
			}
		}
	}
}
