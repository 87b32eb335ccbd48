package identity

import (
	"net/url"
	"slices"
)

// clientCredentialParams are the request parameters that carry a client's
// credentials (RFC 6749 §2.3.1, RFC 7521 §4.2).
var clientCredentialParams = []string{"client_secret", "client_assertion", "client_assertion_type"}

// WithoutClientCredentials returns a copy of form without the client's
// credentials. Every request form that is persisted (pushed requests,
// codes, tokens, interactions) goes through it: a stored form must never
// let someone with database access authenticate as the client.
func WithoutClientCredentials(form url.Values) url.Values {
	out := make(url.Values, len(form))
	for k, v := range form {
		if slices.Contains(clientCredentialParams, k) {
			continue
		}
		out[k] = append([]string(nil), v...)
	}
	return out
}
