package provider

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ory/fosite"

	"github.com/dinhdanh/dinhdanh/identity"
)

// Validation of authorization requests, in one place: the authorization
// endpoint, its resume step (/oauth2/auth/continue) and the PAR endpoint
// all run checkAuthorizeForm, so nothing fosite or the token endpoint
// would refuse later can reach the login page. fosite's late checks
// (fosite v0.49) and where each is settled before any page:
//   - PKCE presence and method (handler/pkce): checkFormRules.
//   - redirect URI scheme (oauth2 explicit handler, RedirectSecureChecker):
//     only registered https or loopback URIs match (matchRedirectURI).
//   - scope and audience: fosite's NewAuthorizeRequest already, up front.
//   - prompt values, none with others (openid ValidatePrompt):
//     checkFormRules, supportedPrompts = AllowedPromptValues.
//   - max_age vs auth_time (ValidatePrompt, GenerateIDToken): decide
//     asks for a login; normalizeParams caps max_age against overflow.
//   - prompt=none/login vs auth_time: decide never shows a page for none
//     and asks for a fresh login for login.
//   - id_token_hint decoding and sub (ValidatePrompt, GenerateIDToken at
//     the token endpoint): decodeIDTokenHint here, isRequestedCitizen in
//     decide; our decoder accepts a subset of what fosite's does.
//   - nonce and state entropy (GenerateIDToken at the token endpoint,
//     NewAuthorizeRequest): off (MinParameterEntropy -1, noState).

// maxAuthorizeParams bounds an authorization request, query and body
// together: every request is stored while the citizen logs in.
const maxAuthorizeParams = 24 << 10

// paramLimits bound single parameters well below maxAuthorizeParams where
// a longer value has no legitimate use.
var paramLimits = map[string]int{
	"client_id": 128, "response_type": 64, "response_mode": 32, "redirect_uri": 2048,
	"scope": 1024, "state": 2048, "nonce": 1024, "prompt": 128, "max_age": 20,
	"login_hint": 256, "ui_locales": 128, "acr_values": 512, "id_token_hint": maxIDTokenHint,
	"claims": 4096, "code_challenge": 43, "code_challenge_method": 8, "display": 16,
	"request_uri": 256,
}

// supportedPrompts are the prompt values we implement (OIDC Core
// §3.1.2.1); discovery's prompt_values_supported lists the same.
var supportedPrompts = []string{"none", "login", "consent"}

// errRequestTooLarge is invalid_request with its own status (413), so it
// is told apart from other invalid_request errors (fosite's Is compares
// code and status).
var errRequestTooLarge = &fosite.RFC6749Error{
	ErrorField:       fosite.ErrInvalidRequest.ErrorField,
	DescriptionField: fosite.ErrInvalidRequest.DescriptionField,
	HintField:        "The authorization request is too large.",
	CodeField:        http.StatusRequestEntityTooLarge,
}

// noState stands in for an absent state while fosite parses a request:
// state is optional (RFC 6749 §4.1.1), but fosite refuses a state shorter
// than max(MinParameterEntropy, 1). It is not a valid state (RFC 6749
// Appendix A.5: VSCHAR only), so no client can send it.
const noState = "\x1fno-state\x1f"

func withStatePlaceholder(form url.Values) url.Values {
	if form.Get("state") != "" {
		return form
	}
	out := url.Values{"state": {noState}}
	for k, v := range form {
		if k != "state" {
			out[k] = v
		}
	}
	return out
}

// clearStatePlaceholder removes noState from what fosite parsed, so it is
// neither stored nor sent back.
func clearStatePlaceholder(ar fosite.AuthorizeRequester) {
	a, ok := ar.(*fosite.AuthorizeRequest)
	if !ok || a == nil || a.State != noState {
		return
	}
	a.State = ""
	if a.Form != nil && a.Form.Get("state") == noState {
		a.Form.Del("state")
	}
}

// readAuthorizeForm reads the parameters of an authorization request: the
// query and, for POST, the form-encoded body (OIDC Core §3.1.2.1). Values
// are kept as given, repeated ones included, so checkParamShape sees them.
// An empty value counts as omitted (RFC 6749 §3.1).
func readAuthorizeForm(r *http.Request, withBody bool) (url.Values, error) {
	size := len(r.URL.RawQuery)
	if size > maxAuthorizeParams {
		return nil, errRequestTooLarge
	}
	form, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, fosite.ErrInvalidRequest.WithHint("The query is not valid URL encoding.")
	}
	if withBody && r.Method == http.MethodPost {
		body, err := io.ReadAll(io.LimitReader(r.Body, int64(maxAuthorizeParams-size)+1))
		if err != nil {
			return nil, fosite.ErrInvalidRequest.WithHint("The body could not be read.")
		}
		if size+len(body) > maxAuthorizeParams {
			return nil, errRequestTooLarge
		}
		if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); len(body) > 0 && ct != "application/x-www-form-urlencoded" {
			return nil, fosite.ErrInvalidRequest.WithHint("The body must be application/x-www-form-urlencoded.")
		}
		posted, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, fosite.ErrInvalidRequest.WithHint("The body is not valid URL encoding.")
		}
		for k, v := range posted {
			form[k] = append(form[k], v...)
		}
	}
	for k, vs := range form {
		kept := slices.DeleteFunc(vs, func(v string) bool { return v == "" })
		if len(kept) == 0 {
			delete(form, k)
			continue
		}
		form[k] = kept
	}
	return form, nil
}

// checkParamShape refuses repeated parameters (RFC 6749 §3.1: "Request and
// response parameters MUST NOT be included more than once"), in the query,
// the body or across both, over-long values and text that is not UTF-8.
func checkParamShape(form url.Values) error {
	for k, vs := range form {
		if len(vs) > 1 {
			return fosite.ErrInvalidRequest.WithHintf("The parameter '%s' was given more than once.", truncateName(k))
		}
		if !utf8.ValidString(k) || !utf8.ValidString(vs[0]) {
			return fosite.ErrInvalidRequest.WithHint("Parameters must be UTF-8 text.")
		}
		if limit, ok := paramLimits[k]; ok && len(vs[0]) > limit {
			return fosite.ErrInvalidRequest.WithHintf("The parameter '%s' is longer than %d bytes.", k, limit)
		}
	}
	return nil
}

func truncateName(k string) string {
	if len(k) > 32 || !utf8.ValidString(k) {
		return "(parameter)"
	}
	return k
}

// single reports whether a parameter is absent or given once: only then
// may it be trusted to address an error response.
func single(form url.Values, k string) bool { return len(form[k]) <= 1 }

// checkAuthorizeForm checks every parameter of an authorization request
// that fosite either leaves to us or checks only once the response is
// built, after the citizen has logged in. The client and its redirect URI
// are already verified. pushed: the parameters came to the PAR endpoint.
func (p *Provider) checkAuthorizeForm(ctx context.Context, form url.Values, client *identity.Client, pushed bool) error {
	if err := checkParamShape(form); err != nil {
		return err
	}
	if err := checkFormRules(form, client, pushed); err != nil {
		return err
	}
	if hint := form.Get("id_token_hint"); hint != "" {
		// OIDC Core §3.1.2.1: an ID Token this provider issued to this
		// client; anything else is refused now, not after the login.
		if _, err := p.decodeIDTokenHint(ctx, hint, client.ID); err != nil {
			return fosite.ErrInvalidRequest.WithHint("The id_token_hint is not an ID Token issued by this provider to this client.")
		}
	}
	return nil
}

// checkFormRules is the part of checkAuthorizeForm that needs nothing but
// the parameters and the client (fuzzed in authparams_test.go).
func checkFormRules(form url.Values, client *identity.Client, pushed bool) error {
	// RFC 6749 Appendix A.5: state = 1*VSCHAR.
	for _, c := range form.Get("state") {
		if c < 0x20 || c > 0x7e {
			return fosite.ErrInvalidRequest.WithHint("The state must be printable ASCII (RFC 6749 Appendix A.5).")
		}
	}
	// RFC 6749 §4.1.1, §4.1.2.1: response_type is required.
	rt := fosite.RemoveEmpty(strings.Split(form.Get("response_type"), " "))
	if len(rt) == 0 {
		return fosite.ErrInvalidRequest.WithHint("The response_type parameter is required.")
	}
	if !fosite.Arguments(rt).ExactOne("code") || !client.GetResponseTypes().Has("code") {
		return fosite.ErrUnsupportedResponseType.WithHint("Only response_type=code is supported.")
	}
	// OAuth 2.0 Multiple Response Type Encoding Practices §2.1.
	if rm := form.Get("response_mode"); rm != "" && !slices.Contains(client.GetResponseModes(), fosite.ResponseModeType(rm)) {
		return fosite.ErrUnsupportedResponseMode.WithHint("Only response_mode query or form_post is supported.")
	}
	// OIDC Core §6: we offer no request objects (discovery says so).
	if form.Get("request") != "" {
		return fosite.ErrRequestNotSupported.WithHint("Request objects are not supported; use pushed authorization requests.")
	}
	if form.Get("request_uri") != "" {
		if pushed {
			// RFC 9126 §2.1: a pushed request must not carry request_uri.
			return fosite.ErrInvalidRequest.WithHint("A pushed authorization request must not contain request_uri.")
		}
		return fosite.ErrRequestURINotSupported.WithHint("Only request_uri values from the pushed authorization request endpoint are accepted.")
	}
	if form.Get("registration") != "" {
		return fosite.ErrRegistrationNotSupported
	}
	// Every client sends an S256 code challenge (RFC 7636 §4.3, §4.4.1;
	// OAuth 2.1 §4.1.1). fosite checks the same, but only once the
	// response is built.
	switch {
	case form.Get("code_challenge") == "":
		return fosite.ErrInvalidRequest.WithHint("Clients must include a code_challenge when performing the authorize code flow (PKCE, S256).")
	case form.Get("code_challenge_method") != "S256":
		return fosite.ErrInvalidRequest.WithHint("The code_challenge_method must be S256.")
	case !codeChallengeShape.MatchString(form.Get("code_challenge")):
		return fosite.ErrInvalidRequest.WithHint("The code_challenge must be the 43-character base64url SHA-256 of the verifier.")
	}
	cr, err := parseClaimsParameter(form.Get("claims"))
	if err != nil {
		return err
	}
	for _, target := range []string{targetIDToken, targetUserinfo} {
		// OIDC Core §5.5.1: sub with a value names the citizen; it is a
		// string (§2, §5.1).
		if ic, ok := cr.Members[target]["sub"]; ok {
			for _, v := range ic.Allowed {
				var s string
				if json.Unmarshal([]byte(v), &s) != nil || s == "" {
					return fosite.ErrInvalidRequest.WithHint("A requested sub value must be a non-empty string.")
				}
			}
		}
	}
	if _, err := requiredLevel(form, client.MinLevel); err != nil {
		return err
	}
	// OIDC Core §3.1.2.1: max_age is a non-negative integer.
	if raw := form.Get("max_age"); raw != "" {
		if n, err := strconv.ParseInt(raw, 10, 64); err != nil || n < 0 {
			return fosite.ErrInvalidRequest.WithHint("max_age must be a non-negative number of seconds.")
		}
	}
	prompt := strings.Fields(form.Get("prompt"))
	for _, v := range prompt {
		if !slices.Contains(supportedPrompts, v) {
			// Initiating User Registration via OpenID Connect 1.0 §4.1: a
			// prompt value not in prompt_values_supported (create,
			// select_account, unknown) is invalid_request; answered now,
			// never after the citizen typed a password.
			return fosite.ErrInvalidRequest.WithHintf("The prompt value '%s' is not supported (supported: none, login, consent).", truncateName(v))
		}
	}
	if slices.Contains(prompt, "none") && len(prompt) > 1 {
		// OIDC Core §3.1.2.1: none with any other value is an error.
		return fosite.ErrInvalidRequest.WithHint("The prompt value 'none' must not be combined with other values.")
	}
	return nil
}

// maxMaxAge is the largest max_age passed on: one year, beyond any
// session's lifetime, so a larger value means the same. fosite multiplies
// max_age by time.Second, which overflows past about 292 years and then
// fails a request after the login or at the token endpoint.
const maxMaxAge = 365 * 24 * 3600

// normalizeParams rewrites parameters whose meaning is kept but whose
// value fosite would mishandle later: unknown scopes go (RFC 6749 §3.3)
// and max_age is capped at maxMaxAge (OIDC Core §3.1.2.1: any non-negative
// integer). Repeated parameters are left for checkParamShape.
func normalizeParams(form url.Values) {
	dropUnknownScopes(form)
	if v := form["max_age"]; len(v) == 1 && v[0] != "" && strings.Trim(v[0], "0123456789") == "" && len(v[0]) <= paramLimits["max_age"] {
		n, err := strconv.ParseUint(v[0], 10, 64)
		if err != nil || n > maxMaxAge {
			n = maxMaxAge
		}
		form.Set("max_age", strconv.FormatUint(n, 10))
	}
}

// requestedSubjects lists the sub values a claims request names (OIDC
// Core §5.5.1), JSON-encoded; empty when it names none.
func requestedSubjects(form url.Values) []string {
	cr, err := parseClaimsParameter(form.Get("claims"))
	if err != nil {
		return nil
	}
	var out []string
	for _, target := range []string{targetIDToken, targetUserinfo} {
		if ic, ok := cr.Members[target]["sub"]; ok {
			out = append(out, ic.Allowed...)
		}
	}
	return out
}

// errorTarget resolves the client and redirect URI of a request before
// fosite parses it, so that a request refused up front is answered at
// the client like fosite's own errors (RFC 6749 §4.1.2.1). It returns nil
// when either cannot be verified: then a page explains, nobody is
// redirected.
func (p *Provider) errorTarget(ctx context.Context, form url.Values) (*fosite.AuthorizeRequest, *identity.Client, error) {
	if !single(form, "client_id") || !single(form, "redirect_uri") {
		return nil, nil, fosite.ErrInvalidRequest.WithHint("client_id and redirect_uri must be given once.")
	}
	fc, err := p.store.GetClient(ctx, form.Get("client_id"))
	if err != nil {
		return nil, nil, fosite.ErrInvalidClient.WithHint("The requested OAuth 2.0 Client does not exist.")
	}
	client, ok := fc.(*identity.Client)
	if !ok {
		return nil, nil, fosite.ErrServerError.WithDebug("unexpected client type")
	}
	redirect, err := matchRedirectURI(form.Get("redirect_uri"), client.RedirectURIs)
	if err != nil {
		return nil, client, err
	}
	ar := fosite.NewAuthorizeRequest()
	ar.Client = client
	ar.RedirectURI = redirect
	ar.Form = url.Values{}
	for k, vs := range form {
		ar.Form[k] = vs
	}
	if single(form, "state") {
		ar.State = form.Get("state")
	}
	if single(form, "response_type") {
		ar.ResponseTypes = fosite.RemoveEmpty(strings.Split(form.Get("response_type"), " "))
	}
	if rm := fosite.ResponseModeType(form.Get("response_mode")); single(form, "response_mode") && rm != fosite.ResponseModeDefault && slices.Contains(client.GetResponseModes(), rm) {
		ar.ResponseMode = rm
	}
	return ar, client, nil
}

// matchRedirectURI is exact string matching (RFC 6749 §3.1.2.3; RFC 9700
// §4.1.3), with one exception: a loopback IP redirect URI matches with any
// port (RFC 8252 §7.3). fosite allows the port too, but compares decoded
// paths and ignores userinfo; here everything but the port must be the
// registered text, so no encoding, case, dot-segment or userinfo variant
// passes. Without redirect_uri the only registered one is used, as fosite
// does.
func matchRedirectURI(raw string, registered []string) (*url.URL, error) {
	if raw == "" && len(registered) == 1 {
		raw = registered[0]
	}
	for _, reg := range registered {
		if raw == reg || loopbackWithPort(raw, reg) {
			u, err := url.Parse(raw)
			if err == nil && fosite.IsValidRedirectURI(u) {
				return u, nil
			}
		}
	}
	return nil, fosite.ErrInvalidRequest.WithHint("The 'redirect_uri' parameter does not match any of the OAuth 2.0 Client's pre-registered redirect urls.")
}

// loopbackWithPort reports whether raw is the registered loopback URI reg
// with another port: "http://" + the same IP literal + ":" + digits + the
// same rest, byte for byte. localhost is not an IP literal: exact only
// (RFC 8252 §8.3).
func loopbackWithPort(raw, reg string) bool {
	const scheme = "http://"
	if !strings.HasPrefix(reg, scheme) || !strings.HasPrefix(raw, scheme) {
		return false
	}
	regHost, regRest := splitAuthority(reg[len(scheme):])
	host, _, ok := splitHostPort(regHost)
	if !ok || !(host == "127.0.0.1" || host == "[::1]") {
		return false
	}
	gotHost, gotRest := splitAuthority(raw[len(scheme):])
	if gotRest != regRest {
		return false
	}
	h, _, ok := splitHostPort(gotHost)
	return ok && h == host
}

// splitAuthority cuts "host:port/rest" at the first '/', '?' or '#'.
func splitAuthority(s string) (authority, rest string) {
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// splitHostPort splits "127.0.0.1:8080" or "[::1]:8080" (port optional);
// a port is 1-5 digits. Userinfo ('@') and anything else fail.
func splitHostPort(a string) (host, port string, ok bool) {
	if strings.ContainsAny(a, "@%") {
		return "", "", false
	}
	host = a
	if i := strings.LastIndexByte(a, ':'); i >= 0 && !strings.HasSuffix(a, "]") {
		host, port = a[:i], a[i+1:]
		if port == "" || len(port) > 5 {
			return "", "", false
		}
		for _, c := range port {
			if c < '0' || c > '9' {
				return "", "", false
			}
		}
		if n, _ := strconv.Atoi(port); n == 0 || n > 65535 {
			return "", "", false
		}
	}
	return host, port, true
}
