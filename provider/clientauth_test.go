package provider

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ory/fosite"
)

func basicHeader(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

func TestParseClientCredentials(t *testing.T) {
	secret := strings.Repeat("s", 43)
	for _, c := range []struct {
		name       string
		header     string
		body, qry  string
		id, method string
		errCode    string
	}{
		{"basic", basicHeader("rp", secret), "grant_type=x", "", "rp", authBasic, ""},
		{"basic, lower-case scheme", "basic " + basicHeader("rp", secret)[6:], "", "", "rp", authBasic, ""},
		{"basic, form-encoded id", basicHeader("r:p é", secret), "", "", "r:p é", authBasic, ""},
		{"basic with matching client_id", basicHeader("rp", secret), "client_id=rp", "", "rp", authBasic, ""},
		{"basic, empty secret is none", basicHeader("spa", ""), "", "", "spa", authNone, ""},
		{"post", "", "client_id=rp&client_secret=" + secret, "", "rp", authPost, ""},
		{"none", "", "client_id=spa", "", "spa", authNone, ""},
		{"none, empty client_secret", "", "client_id=spa&client_secret=", "", "spa", authNone, ""},
		{"nothing", "", "grant_type=x", "", "", "", "invalid_client"},
		{"bearer", "Bearer abc", "client_id=rp", "", "", "", "invalid_client"},
		{"basic, bad base64", "Basic !!!", "", "", "", "", "invalid_client"},
		{"basic, no colon", "Basic " + base64.StdEncoding.EncodeToString([]byte("rp")), "", "", "", "", "invalid_client"},
		{"basic, empty id", basicHeader("", secret), "", "", "", "", "invalid_client"},
		{"basic, bad escape", "Basic " + base64.StdEncoding.EncodeToString([]byte("rp:%zz")), "", "", "", "", "invalid_client"},
		{"assertion", "", "client_id=rp&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=x", "", "", "", "invalid_client"},
		{"basic and post", basicHeader("rp", secret), "client_secret=" + secret, "", "", "", "invalid_request"},
		{"basic and another client_id", basicHeader("rp", secret), "client_id=other", "", "", "", "invalid_request"},
		{"secret in the URL", "", "client_id=rp", "client_secret=" + secret, "", "", "invalid_request"},
		{"assertion in the URL", "", "client_id=rp", "client_assertion=x", "", "", "invalid_request"},
		{"client_id twice", "", "client_id=rp&client_id=other", "", "", "", "invalid_request"},
		{"client_secret twice", "", "client_id=rp&client_secret=a&client_secret=b", "", "", "", "invalid_request"},
	} {
		t.Run(c.name, func(t *testing.T) {
			form, _ := url.ParseQuery(c.body)
			query, _ := url.ParseQuery(c.qry)
			var auth []string
			if c.header != "" {
				auth = []string{c.header}
			}
			cc, err := parseClientCredentials(auth, form, query)
			if c.errCode != "" {
				if got := fosite.ErrorToRFC6749Error(err).ErrorField; err == nil || got != c.errCode {
					t.Fatalf("err = %v (%s), want %s", err, got, c.errCode)
				}
				return
			}
			if err != nil || cc.ID != c.id || cc.Method != c.method {
				t.Fatalf("= %+v, %v; want %s %s", cc, err, c.id, c.method)
			}
		})
	}
	if _, err := parseClientCredentials([]string{basicHeader("a", "b"), basicHeader("a", "b")}, url.Values{}, url.Values{}); fosite.ErrorToRFC6749Error(err).ErrorField != "invalid_request" {
		t.Errorf("two Authorization headers: %v", err)
	}
}

// FuzzParseClientCredentials: for any header, body and query, the parser
// either refuses with invalid_request / invalid_client or returns
// credentials consistent with what was sent, decoding Basic exactly as
// net/http (and so fosite) does.
func FuzzParseClientCredentials(f *testing.F) {
	secret := strings.Repeat("s", 43)
	f.Add(basicHeader("rp", secret), "grant_type=authorization_code&code=x", "")
	f.Add(basicHeader("rp", ""), "client_id=rp", "")
	f.Add(basicHeader("r%3Ap", "a:b"), "client_id=r%253Ap", "")
	f.Add("", "client_id=rp&client_secret="+secret, "")
	f.Add("", "client_id=rp", "client_secret=x")
	f.Add("Bearer x", "client_id=rp", "")
	f.Add("Basic", "", "")
	f.Add("Basic =", "client_id=&client_id=", "")
	f.Add("", "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=e30", "")
	f.Fuzz(func(t *testing.T, header, body, query string) {
		form, _ := url.ParseQuery(body)
		q, _ := url.ParseQuery(query)
		var auth []string
		if header != "" {
			auth = []string{header}
		}
		cc, err := parseClientCredentials(auth, form, q)
		if err != nil {
			var rfc *fosite.RFC6749Error
			if !errors.As(err, &rfc) || (rfc.ErrorField != "invalid_request" && rfc.ErrorField != "invalid_client") {
				t.Fatalf("error %v is not invalid_request or invalid_client", err)
			}
			return
		}
		if cc.ID == "" {
			t.Fatal("credentials without a client id")
		}
		for _, k := range []string{"client_secret", "client_assertion", "client_assertion_type"} {
			if q.Has(k) {
				t.Fatalf("accepted %s in the URL", k)
			}
		}
		for _, k := range credentialParams {
			if len(form[k]) > 1 {
				t.Fatalf("accepted %s twice", k)
			}
		}
		switch cc.Method {
		case authBasic, authNone:
			if header == "" {
				if cc.Method == authBasic || form.Get("client_id") != cc.ID || form.Get("client_secret") != "" {
					t.Fatalf("%+v from the body %q", cc, body)
				}
				return
			}
			r := &http.Request{Header: http.Header{"Authorization": {header}}}
			user, pass, ok := r.BasicAuth()
			if !ok {
				t.Fatalf("accepted %q, which net/http does not read as Basic", header)
			}
			id, _ := url.QueryUnescape(user)
			sec, _ := url.QueryUnescape(pass)
			if id != cc.ID || (sec == "") != (cc.Method == authNone) || form.Has("client_secret") {
				t.Fatalf("%+v from %q (net/http: %q %q)", cc, header, user, pass)
			}
		case authPost:
			if header != "" || form.Get("client_id") != cc.ID || form.Get("client_secret") == "" {
				t.Fatalf("%+v from header %q body %q", cc, header, body)
			}
		default:
			t.Fatalf("unknown method %q", cc.Method)
		}
	})
}

// FuzzCheckTokenForm: a token request body is accepted only with one
// supported grant type and no repeated parameter but audience/resource.
func FuzzCheckTokenForm(f *testing.F) {
	f.Add("grant_type=authorization_code&code=abc&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&code_verifier=x")
	f.Add("grant_type=refresh_token&refresh_token=x&scope=openid")
	f.Add("grant_type=client_credentials&audience=a&audience=b&resource=r&resource=s")
	f.Add("grant_type=password&username=a&password=b")
	f.Add("grant_type=authorization_code&grant_type=authorization_code")
	f.Add("grant_type=authorization_code+refresh_token")
	f.Add("code=a&code=b&grant_type=authorization_code")
	f.Add("")
	f.Fuzz(func(t *testing.T, body string) {
		form, _ := url.ParseQuery(body)
		err := checkTokenForm(form)
		if err != nil {
			var rfc *fosite.RFC6749Error
			if !errors.As(err, &rfc) || (rfc.ErrorField != "invalid_request" && rfc.ErrorField != "unsupported_grant_type") {
				t.Fatalf("error %v", err)
			}
			return
		}
		if len(form["grant_type"]) != 1 || !slices.Contains(supportedGrantTypes, form.Get("grant_type")) {
			t.Fatalf("accepted grant_type %q", form["grant_type"])
		}
		for k, v := range form {
			if len(v) > 1 && !slices.Contains(repeatableTokenParams, k) {
				t.Fatalf("accepted %s %d times", k, len(v))
			}
		}
	})
}

func TestBuildClientAuthMethod(t *testing.T) {
	base := ClientSpec{ID: "rp", Name: "RP", RedirectURIs: []string{"https://rp.example/cb"}, Scopes: []string{"openid"}}
	for _, c := range []struct {
		method string
		public bool
		want   string
		ok     bool
	}{
		{"", false, authBasic, true},
		{authBasic, false, authBasic, true},
		{authPost, false, authPost, true},
		{authNone, false, "", false},
		{"private_key_jwt", false, "", false},
		{"", true, authNone, true},
		{authNone, true, authNone, true},
		{authPost, true, "", false},
	} {
		spec := base
		spec.AuthMethod, spec.Public = c.method, c.public
		cl, _, err := BuildClient(spec, []byte("k"), time.Now())
		if (err == nil) != c.ok || (c.ok && cl.TokenEndpointAuthMethod != c.want) {
			t.Errorf("method %q public %v: %q, %v", c.method, c.public, cl.TokenEndpointAuthMethod, err)
		}
	}
}
