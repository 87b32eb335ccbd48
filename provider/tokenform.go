package provider

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"

	"github.com/ory/fosite"
)

// maxFormMemory is what fosite parses a form into (1 MiB); the app's
// body limit is lower still.
const maxFormMemory = 1 << 20

// repeatableTokenParams may appear more than once: fosite reads every
// audience, and resource is repeatable by RFC 8707 §2.
var repeatableTokenParams = []string{"audience", "resource"}

// parseEndpointForm parses the body of a token, revocation or
// introspection request as fosite does.
func parseEndpointForm(r *http.Request) error {
	if err := r.ParseMultipartForm(maxFormMemory); err != nil && err != http.ErrNotMultipart {
		return fosite.ErrInvalidRequest.WithHint("Unable to parse the HTTP body as a form.")
	}
	return nil
}

// checkTokenForm checks a token request's body before fosite reads it.
func checkTokenForm(form url.Values) error {
	for k, v := range form {
		// RFC 6749 §3.2: "Request and response parameters MUST NOT be
		// included more than once."
		if len(v) > 1 && !slices.Contains(repeatableTokenParams, k) {
			return fosite.ErrInvalidRequest.WithHintf("The parameter '%s' is given more than once.", k)
		}
	}
	gt := form.Get("grant_type")
	if gt == "" {
		return fosite.ErrInvalidRequest.WithHint("The grant_type parameter is missing.")
	}
	// RFC 6749 §5.2: a grant type this server does not offer is
	// unsupported_grant_type (fosite would answer invalid_request).
	if !slices.Contains(supportedGrantTypes, gt) {
		return fosite.ErrUnsupportedGrantType.WithHintf("The grant type is not one of %v.", supportedGrantTypes)
	}
	// RFC 6749 §5.2: a missing required parameter is invalid_request
	// (§4.1.3, §6 make these REQUIRED). The verifier is checked before
	// fosite runs, because fosite drops the PKCE session before it
	// verifies: a request without one would burn the citizen's code for
	// the real client (RFC 7636 §4.5, §4.1 shape).
	for _, k := range requiredTokenParams[gt] {
		if form.Get(k) == "" {
			return fosite.ErrInvalidRequest.WithHintf("The parameter '%s' is missing.", k)
		}
	}
	if gt == "authorization_code" && !codeVerifierShape.MatchString(form.Get("code_verifier")) {
		return fosite.ErrInvalidRequest.WithHint("The code_verifier must be 43-128 characters of [A-Za-z0-9-._~].")
	}
	return nil
}

var requiredTokenParams = map[string][]string{
	"authorization_code": {"code", "redirect_uri", "code_verifier"},
	"refresh_token":      {"refresh_token"},
	GrantTypeDeviceCode:  {"device_code"},
}

// codeVerifierShape is RFC 7636 §4.1: 43 to 128 unreserved characters.
var codeVerifierShape = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// checkTokenParam checks that a revocation or introspection request names
// exactly one token (RFC 7009 §2.1, RFC 7662 §2.1: token is REQUIRED).
func checkTokenParam(form url.Values) error {
	switch v := form["token"]; {
	case len(v) > 1:
		return fosite.ErrInvalidRequest.WithHint("The parameter 'token' is given more than once.")
	case len(v) == 0 || v[0] == "":
		return fosite.ErrInvalidRequest.WithHint("The parameter 'token' is missing.")
	}
	return nil
}
