package app

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/dinhdanh/dinhdanh/provider"
	"github.com/dinhdanh/dinhdanh/storage"
)

const maxRequestBody = 64 << 10

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// withAccessLog logs method, path and status. Never the query string: it
// may carry login_hint, codes or tokens (DESIGN.md §3, Logs).
func withAccessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration", time.Since(start))
	})
}

// withHSTS tells browsers to reach an https issuer over https only, on
// every response (RFC 6797 §7.1), pages and protocol endpoints alike. An
// http issuer (development) gets no header: browsers ignore it over http
// (§8.1) and it would pin localhost to https.
func withHSTS(secure bool, next http.Handler) http.Handler {
	if !secure {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		next.ServeHTTP(w, r)
	})
}

// withRecovery turns a panic into a 500 instead of a dropped connection.
func withRecovery(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("panic while serving", "path", r.URL.Path, "panic", v)
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		w.Header().Set("X-Content-Type-Options", "nosniff")
		// No legitimate request to an identity provider is large; parsing
		// megabytes of form on the token endpoint would be a cheap DoS.
		r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
		next.ServeHTTP(w, r)
	})
}

// withFaults keeps a database outage from surfacing as a 500 (or as an
// error that blames the client, such as invalid_client when the client
// could not be loaded). Every request carries a storage.Faults; storage
// notes on it each call that failed because the database was unreachable
// (storage/faults.go, the one place that classifies). If such a request
// ends in an error status, the answer becomes 503 with Retry-After: a
// JSON server_error for protocol endpoints (provider.WriteUnavailable), a
// polite page in the citizen's language otherwise. Successful answers and
// redirects pass unchanged: the authorization endpoint redirects with
// temporarily_unavailable itself, revocation and introspection answer
// 503 themselves where fosite would have said 200.
func withFaults(page provider.ErrorPage, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, faults := storage.WithFaults(r.Context())
		fw := &faultWriter{w: w, r: r, faults: faults, page: page, header: http.Header{}}
		next.ServeHTTP(fw, r.WithContext(ctx))
		if !fw.decided {
			fw.WriteHeader(http.StatusOK)
		}
	})
}

// faultWriter holds the handler's headers until its status is known, so
// an error answer can be replaced whole.
type faultWriter struct {
	w       http.ResponseWriter
	r       *http.Request
	faults  *storage.Faults
	page    provider.ErrorPage
	header  http.Header
	decided bool
	swallow bool
}

func (f *faultWriter) Header() http.Header { return f.header }

func (f *faultWriter) WriteHeader(code int) {
	if f.decided {
		return
	}
	f.decided = true
	if code >= http.StatusBadRequest && f.faults.Seen() {
		f.swallow = true
		if wantsJSON(f.r, f.header) {
			provider.WriteUnavailable(f.w)
			return
		}
		provider.SetRetryAfter(f.w.Header())
		f.page(f.w, f.r, http.StatusServiceUnavailable, "temporarily_unavailable", "")
		return
	}
	dst := f.w.Header()
	for k, v := range f.header {
		dst[k] = v
	}
	f.w.WriteHeader(code)
}

func (f *faultWriter) Write(b []byte) (int, error) {
	if !f.decided {
		f.WriteHeader(http.StatusOK)
	}
	if f.swallow {
		return len(b), nil
	}
	return f.w.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (f *faultWriter) Unwrap() http.ResponseWriter { return f.w }

// wantsJSON: the handler was answering JSON (every protocol endpoint
// except the authorization endpoint's pages does), or the caller is not a
// browser.
func wantsJSON(r *http.Request, h http.Header) bool {
	if ct := h.Get("Content-Type"); ct != "" {
		return strings.Contains(ct, "json")
	}
	return !strings.Contains(r.Header.Get("Accept"), "text/html")
}
