package provider

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/ory/fosite"
)

// Client authentication for every endpoint that takes client credentials
// (token, revocation, introspection, PAR). fosite calls authenticateClient
// as its ClientAuthenticationStrategy, so its endpoints and ours share one
// rule: fosite checks the secret; this file decides which credentials a
// request presents and whether they are the kind the client registered.

// Token endpoint authentication methods (RFC 7591 §2).
const (
	authBasic = "client_secret_basic"
	authPost  = "client_secret_post"
	authNone  = "none"
)

// clientCredentials are the credentials one request presents.
type clientCredentials struct {
	ID     string
	Method string // authBasic, authPost or authNone
}

// credentialParams carry a client's credentials in a form.
var credentialParams = []string{"client_id", "client_secret", "client_assertion", "client_assertion_type"}

// parseClientCredentials reads the credentials of a request from its
// Authorization header values, its form and its URL query. It checks their
// shape only; authenticateClient checks them against the client.
func parseClientCredentials(authorization []string, form, query url.Values) (clientCredentials, error) {
	for _, k := range credentialParams[1:] {
		// RFC 6749 §2.3.1: credentials "MUST NOT be included in the request URI".
		if query.Has(k) {
			return clientCredentials{}, fosite.ErrInvalidRequest.WithHintf("The parameter '%s' must not be sent in the URL.", k)
		}
	}
	for _, k := range credentialParams {
		// RFC 6749 §3.2: parameters "MUST NOT be included more than once".
		if len(form[k]) > 1 {
			return clientCredentials{}, fosite.ErrInvalidRequest.WithHintf("The parameter '%s' is given more than once.", k)
		}
	}
	if form.Has("client_assertion") || form.Has("client_assertion_type") {
		// private_key_jwt (RFC 7523 §2.2) is not offered: RFC 6749 §5.2,
		// "unsupported authentication method" is invalid_client.
		return clientCredentials{}, fosite.ErrInvalidClient.WithHint("Client assertions are not supported; authenticate with the client secret.")
	}
	formID := form.Get("client_id")
	switch len(authorization) {
	case 0:
		if formID == "" {
			// RFC 6749 §5.2: "no client authentication included".
			return clientCredentials{}, fosite.ErrInvalidClient.WithHint("Client authentication is required.")
		}
		if form.Get("client_secret") == "" {
			return clientCredentials{ID: formID, Method: authNone}, nil
		}
		return clientCredentials{ID: formID, Method: authPost}, nil
	case 1:
	default:
		return clientCredentials{}, fosite.ErrInvalidRequest.WithHint("Send one Authorization header.")
	}
	id, secret, err := parseBasicCredentials(authorization[0])
	if err != nil {
		return clientCredentials{}, fosite.ErrInvalidClient.WithHint(err.Error())
	}
	if form.Has("client_secret") {
		// RFC 6749 §2.3: "The client MUST NOT use more than one
		// authentication method in each request."
		return clientCredentials{}, fosite.ErrInvalidRequest.WithHint("Send the client secret either in the Authorization header or in the body, not both.")
	}
	if formID != "" && formID != id {
		return clientCredentials{}, fosite.ErrInvalidRequest.WithHint("The client_id parameter names another client than the Authorization header.")
	}
	if secret == "" {
		// A public client may identify itself this way (x/oauth2 does).
		return clientCredentials{ID: id, Method: authNone}, nil
	}
	return clientCredentials{ID: id, Method: authBasic}, nil
}

// parseBasicCredentials decodes an HTTP Basic Authorization header value
// exactly as net/http's Request.BasicAuth does (fosite uses that), then
// form-decodes the id and secret (RFC 6749 §2.3.1).
func parseBasicCredentials(header string) (id, secret string, err error) {
	const prefix = "Basic "
	if len(header) < len(prefix) || !strings.EqualFold(header[:len(prefix)], prefix) {
		return "", "", errors.New("Authenticate with HTTP Basic (RFC 6749 §2.3.1).")
	}
	raw, err := base64.StdEncoding.DecodeString(header[len(prefix):])
	if err != nil {
		return "", "", errors.New("The HTTP Basic credentials are not valid base64.")
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", "", errors.New("The HTTP Basic credentials lack the ':' separator.")
	}
	if id, err = url.QueryUnescape(user); err != nil || id == "" {
		return "", "", errors.New("The client id in the HTTP Basic credentials is empty or not form-encoded.")
	}
	if secret, err = url.QueryUnescape(pass); err != nil {
		return "", "", errors.New("The client secret in the HTTP Basic credentials is not form-encoded.")
	}
	return id, secret, nil
}

// authenticateClient is fosite's ClientAuthenticationStrategy. fosite's
// default strategy finds the client and compares the secret; it enforces
// the registered method only for OpenID Connect clients and takes the
// form's credentials whenever the header is not Basic, so both are done
// here, before and after it.
func (p *Provider) authenticateClient(ctx context.Context, r *http.Request, form url.Values) (fosite.Client, error) {
	cc, err := parseClientCredentials(r.Header.Values("Authorization"), form, r.URL.Query())
	if err != nil {
		return nil, err
	}
	client, err := p.fosite.DefaultClientAuthenticationStrategy(ctx, r, form)
	if err != nil {
		return nil, err
	}
	if client.GetID() != cc.ID {
		return nil, fosite.ErrInvalidClient.WithHint("The client could not be authenticated.")
	}
	// RFC 7591 §2 (OIDC Registration §2): the client authenticates with
	// the token_endpoint_auth_method it registered, and no other. A public
	// client ("none") must not send a secret.
	if want := registeredAuthMethod(client); cc.Method != want {
		return nil, fosite.ErrInvalidClient.WithHintf("The client is registered to authenticate with '%s', not '%s'.", want, cc.Method)
	}
	return client, nil
}

func registeredAuthMethod(c fosite.Client) string {
	if m, ok := c.(interface{ GetTokenEndpointAuthMethod() string }); ok {
		return m.GetTokenEndpointAuthMethod()
	}
	if c.IsPublic() {
		return authNone
	}
	return authBasic
}

// withAuthChallenge makes every 401 of an endpoint that takes client
// credentials carry WWW-Authenticate: RFC 6749 §5.2 requires it after
// HTTP Basic, and RFC 9110 §15.5.2 with any 401.
func (p *Provider) withAuthChallenge(h http.HandlerFunc) http.HandlerFunc {
	challenge := `Basic realm="` + p.cfg.Issuer + `"`
	return func(w http.ResponseWriter, r *http.Request) {
		h(&challengeWriter{ResponseWriter: w, challenge: challenge}, r)
	}
}

type challengeWriter struct {
	http.ResponseWriter
	challenge string
}

func (w *challengeWriter) WriteHeader(code int) {
	if code == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		w.Header().Set("WWW-Authenticate", w.challenge)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *challengeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
