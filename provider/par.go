package provider

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"

	"github.com/ory/fosite"

	"github.com/dinhdanh/dinhdanh/identity"
)

// Pushed authorization requests (RFC 9126) beyond what fosite's handler
// does: the same validation as the authorization endpoint, and a
// request_uri that only its own client can redeem.

// parRequestURIPrefix is RFC 9126 §2.2's recommended URN form.
const parRequestURIPrefix = "urn:ietf:params:oauth:request_uri:"

// clientAuthParams authenticate the client (RFC 6749 §2.3; RFC 7523 §2.2);
// they are not authorization parameters.
var clientAuthParams = []string{"client_secret", "client_assertion", "client_assertion_type"}

// readPushedForm reads a PAR body with the authorization endpoint's size
// limit and repetition rule (RFC 9126 §2.1: the same parameters as there),
// normalizes as the authorization endpoint does, and puts the
// body back for fosite, which authenticates the client from it.
func readPushedForm(r *http.Request) (url.Values, error) {
	if r.URL.RawQuery != "" {
		// RFC 9126 §2.1: the parameters are in the body only.
		return nil, fosite.ErrInvalidRequest.WithHint("Send the pushed authorization request parameters in the body.")
	}
	form, err := readAuthorizeForm(r, true)
	if errors.Is(err, errRequestTooLarge) {
		return nil, fosite.ErrInvalidRequest.WithHint("The pushed authorization request is too large.") // 400 (RFC 9126 §2.3)
	}
	if err != nil {
		return nil, err
	}
	if err := checkParamShape(form); err != nil {
		return nil, err
	}
	normalizeParams(form)
	body := withStatePlaceholder(form).Encode()
	r.Body = io.NopCloser(bytes.NewReader([]byte(body)))
	r.ContentLength = int64(len(body))
	r.Form, r.PostForm = nil, nil
	return form, nil
}

// checkPushed runs checkAuthorizeForm and the strict redirect URI match
// on a pushed request fosite accepted (authenticated client).
func (p *Provider) checkPushed(ctx context.Context, form url.Values, fc fosite.Client) error {
	client, ok := fc.(*identity.Client)
	if !ok {
		return fosite.ErrServerError.WithDebug("unexpected client type")
	}
	params := url.Values{}
	for k, v := range form {
		if !slices.Contains(clientAuthParams, k) {
			params[k] = v
		}
	}
	if _, err := matchRedirectURI(params.Get("redirect_uri"), client.RedirectURIs); err != nil {
		return err
	}
	return p.checkAuthorizeForm(ctx, params, client, true)
}

// pushedFrontChannel prepares the front-channel half of a pushed request
// (RFC 9126 §4). Only client_id and request_uri count: every other
// parameter comes from the pushed request, so a front-channel claims or
// redirect_uri cannot add to what the client authenticated and pushed.
// The request_uri is looked up and checked against client_id before fosite
// consumes it, so another client cannot burn it (§4: "MUST ... validate
// that the request_uri value was issued to the client"). Expiry is
// storage's (Store.GetPARSession).
func (p *Provider) pushedFrontChannel(ctx context.Context, form url.Values) (url.Values, error) {
	if !single(form, "client_id") || !single(form, "request_uri") {
		return nil, fosite.ErrInvalidRequest.WithHint("client_id and request_uri must be given once.")
	}
	if err := checkParamShape(url.Values{"client_id": form["client_id"], "request_uri": form["request_uri"]}); err != nil {
		return nil, err
	}
	uri := form.Get("request_uri")
	pushed, err := p.store.GetPARSession(ctx, uri)
	if err != nil {
		return nil, fosite.ErrInvalidRequestURI.WithHint("The request_uri is unknown, used or expired.")
	}
	if pushed.GetClient() == nil || pushed.GetClient().GetID() != form.Get("client_id") {
		return nil, fosite.ErrInvalidRequestURI.WithHint("The request_uri was not issued to this client.")
	}
	return url.Values{"client_id": {form.Get("client_id")}, "request_uri": {uri}}, nil
}
