package provider

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/ory/fosite"

	"github.com/dinhdanh/dinhdanh/identity"
)

// RetryAfter is how long a client is asked to wait when the database is
// unreachable (RFC 9110 §10.2.3: Retry-After in seconds, with 503). A
// PostgreSQL restart or a failover to a standby takes a few seconds.
const RetryAfter = 5

// unavailable reports an error caused by an unreachable database: storage
// wraps every such error with identity.ErrUnavailable (storage/faults.go).
func unavailable(err error) bool { return errors.Is(err, identity.ErrUnavailable) }

// SetRetryAfter sets the Retry-After header of a 503 (or of the redirect
// carrying temporarily_unavailable).
func SetRetryAfter(h http.Header) { h.Set("Retry-After", strconv.Itoa(RetryAfter)) }

// WriteUnavailable answers a protocol request (token, userinfo,
// revocation, introspection, PAR, …) that met an unreachable database:
// 503 with Retry-After and the JSON error server_error. RFC 6749 §5.2 has
// no code for "try again"; temporarily_unavailable is defined only for the
// authorization response (§4.1.2.1), where a 503 cannot reach the client.
func WriteUnavailable(w http.ResponseWriter) {
	SetRetryAfter(w.Header())
	writeJSONError(w, http.StatusServiceUnavailable, fosite.ErrServerError.ErrorField,
		"The service is temporarily unavailable. Try again later.")
}

// errTemporarilyUnavailable is the authorization error for an unreachable
// database once the client and its redirect URI are verified (RFC 6749
// §4.1.2.1: "temporarily_unavailable … due to a temporary overloading or
// maintenance of the server").
var errTemporarilyUnavailable = fosite.ErrTemporarilyUnavailable.WithHint("The service is temporarily unavailable. Try again later.")
