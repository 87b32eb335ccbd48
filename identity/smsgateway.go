package identity

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Defaults for HTTPSMSConfig.
const (
	defaultSMSTimeout  = 5 * time.Second
	defaultSMSAttempts = 3
	defaultSMSBackoff  = 200 * time.Millisecond
	// maxSMSRetryDelay bounds both Retry-After and backoff: the citizen is
	// waiting on the code page, so a longer pause is worse than failing.
	maxSMSRetryDelay = 5 * time.Second
	// maxSMSResponse is how much of a gateway response is read: enough to
	// let the connection be reused, too little for a hostile gateway to
	// exhaust memory. The body is never logged (it may echo the number).
	maxSMSResponse = 4 << 10
)

// ErrSMSUnavailable matches (errors.Is) every error HTTPSMSSender.Send
// returns, so callers can show one "could not send, try again" message.
var ErrSMSUnavailable = errors.New("identity: SMS could not be sent")

// SMSSendError is the error HTTPSMSSender.Send returns. Its text holds no
// recipient, message or token (DESIGN.md §3, Logs).
type SMSSendError struct {
	// Temporary is true when trying again later may work (network error,
	// timeout, 429, 5xx, cancelled context); false when it will not
	// (rejected token or number, invalid recipient).
	Temporary bool
	// Status is the HTTP status of the last attempt, 0 when it got none.
	Status int
	// Attempts is how many requests were made.
	Attempts int

	cause error // transport or context error of the last attempt, if any
}

var _ LocalizedError = (*SMSSendError)(nil)

func (e *SMSSendError) Error() string {
	switch {
	case e.Status != 0:
		return fmt.Sprintf("identity: SMS not sent: gateway answered HTTP %d after %d attempt(s)", e.Status, e.Attempts)
	case e.cause != nil:
		return fmt.Sprintf("identity: SMS not sent: gateway %s after %d attempt(s)", smsCauseKind(e.cause), e.Attempts)
	}
	return "identity: SMS not sent: recipient is not an E.164 number"
}

// Is makes every SMSSendError match ErrSMSUnavailable.
func (e *SMSSendError) Is(target error) bool { return target == ErrSMSUnavailable }

// Unwrap exposes the transport or context error, so errors.Is(err,
// context.Canceled) works. Its text is not part of Error(): a *url.Error
// repeats the gateway URL, which may carry an API key.
func (e *SMSSendError) Unwrap() error { return e.cause }

func (e *SMSSendError) Code() string { return "sms_unavailable" }
func (e *SMSSendError) MessageEN() string {
	return "The text message could not be sent. Please try again in a few minutes."
}
func (e *SMSSendError) MessageVI() string {
	return "Không gửi được tin nhắn SMS. Vui lòng thử lại sau ít phút."
}

// smsCauseKind names a transport error without quoting it.
func smsCauseKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return "request cancelled"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timed out"
	default:
		return "unreachable"
	}
}

// HTTPSMSConfig configures HTTPSMSSender. Zero fields take the defaults.
type HTTPSMSConfig struct {
	URL   string // gateway endpoint; https unless the host is loopback
	Token string // sent as "Authorization: Bearer <Token>"

	Timeout  time.Duration // per attempt; default 5s
	Attempts int           // including the first; default 3
	Backoff  time.Duration // delay before the first retry, doubled each time (with jitter); default 200ms

	Client *http.Client // default: one that does not follow redirects
	Logger *slog.Logger // default slog.Default()
	// Sleep waits between attempts; it returns early with ctx.Err() when
	// ctx is done. Tests replace it to record delays without waiting.
	Sleep func(ctx context.Context, d time.Duration) error
}

// HTTPSMSSender posts messages to an HTTP SMS gateway (DINHDANH_SMS set to
// a URL), retrying transient failures. Safe for concurrent use.
type HTTPSMSSender struct {
	url      string
	token    string
	timeout  time.Duration
	attempts int
	backoff  time.Duration
	client   *http.Client
	log      *slog.Logger
	sleep    func(context.Context, time.Duration) error
}

var _ SMSSender = (*HTTPSMSSender)(nil)

// NewHTTPSMSSender checks cfg and returns a sender. Errors never quote the
// URL or token, which may hold credentials.
func NewHTTPSMSSender(cfg HTTPSMSConfig) (*HTTPSMSSender, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return nil, errors.New("identity: SMS gateway URL must be an absolute http(s) URL")
	}
	if u.User != nil {
		// Go would send these as Basic auth only when no Authorization
		// header is set, i.e. never; refuse rather than ignore them.
		return nil, errors.New("identity: SMS gateway URL must not contain credentials; use the token")
	}
	if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		// Messages carry one-time codes and initial passwords.
		return nil, errors.New("identity: SMS gateway URL must use https (plain http only for a loopback host)")
	}
	if cfg.Token == "" {
		return nil, errors.New("identity: SMS gateway token is required")
	}
	for i := 0; i < len(cfg.Token); i++ {
		if c := cfg.Token[i]; c <= ' ' || c >= 0x7f {
			// Caught here rather than as an opaque transport error on
			// every Send.
			return nil, errors.New("identity: SMS gateway token must be printable ASCII without spaces")
		}
	}
	if cfg.Timeout < 0 || cfg.Attempts < 0 || cfg.Backoff < 0 {
		return nil, errors.New("identity: SMS gateway timeout, attempts and backoff must not be negative")
	}
	s := &HTTPSMSSender{
		url:      u.String(),
		token:    cfg.Token,
		timeout:  cmp.Or(cfg.Timeout, defaultSMSTimeout),
		attempts: cmp.Or(cfg.Attempts, defaultSMSAttempts),
		backoff:  cmp.Or(cfg.Backoff, defaultSMSBackoff),
		client:   cfg.Client,
		log:      cfg.Logger,
		sleep:    cfg.Sleep,
	}
	if s.client == nil {
		// A redirect would re-post codes to wherever the gateway points;
		// report it as a failure instead.
		s.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.sleep == nil {
		s.sleep = sleepCtx
	}
	return s, nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// smsRequest is the JSON body the gateway receives.
type smsRequest struct {
	To      string `json:"to"`
	Message string `json:"message"`
	ID      string `json:"id"`
}

// Send posts the message, retrying network errors, timeouts, 429 and 5xx
// up to the configured attempts. Every retry carries the same id (body and
// Idempotency-Key header) so the gateway can drop duplicates when an
// earlier attempt did get through; the id is the outbox message's
// (WithMessageID), so later outbox retries carry it too. Errors are *SMSSendError.
func (s *HTTPSMSSender) Send(ctx context.Context, phoneE164, message string) error {
	id := messageID(ctx)
	masked := MaskPhone(phoneE164)
	if !isE164(phoneE164) {
		err := &SMSSendError{}
		s.log.WarnContext(ctx, "sms not sent", "to", masked, "sms_id", id, "attempts", 0, "status", 0, "error", err.Error())
		return err
	}
	body, err := json.Marshal(smsRequest{To: phoneE164, Message: message, ID: id})
	if err != nil {
		panic("identity: marshal SMS request: " + err.Error()) // strings always marshal
	}

	var (
		n, status int
		cause     error // transport error of the last attempt, or why retrying stopped
	)
	delay := s.backoff
	for {
		if err := ctx.Err(); err != nil {
			cause = err
			break
		}
		n++
		var retryAfter time.Duration
		status, retryAfter, cause = s.attempt(ctx, id, body)
		if status >= 200 && status < 300 {
			s.log.InfoContext(ctx, "sms sent", "to", masked, "sms_id", id, "attempts", n, "status", status,
				"chars", utf8.RuneCountInString(message))
			return nil
		}
		if !smsRetryable(status, cause) || n >= s.attempts || ctx.Err() != nil {
			break
		}
		wait := min(jitter(delay), maxSMSRetryDelay)
		if retryAfter >= 0 {
			wait = min(retryAfter, maxSMSRetryDelay)
		}
		delay = min(delay*2, maxSMSRetryDelay) // min also stops overflow with many attempts
		if err := s.sleep(ctx, wait); err != nil {
			cause = err
			break
		}
	}
	e := &SMSSendError{
		Temporary: smsRetryable(status, cause),
		Status:    status,
		Attempts:  n,
		cause:     cause,
	}
	s.log.WarnContext(ctx, "sms not sent", "to", masked, "sms_id", id, "attempts", n, "status", status,
		"temporary", e.Temporary, "error", e.Error())
	return e
}

// smsRetryable says whether another attempt may succeed: not after a 4xx
// other than 429 (bad token, bad number), which would fail the same way.
func smsRetryable(status int, cause error) bool {
	return cause != nil || status == http.StatusTooManyRequests || status >= 500
}

// attempt makes one request. It returns the HTTP status (0 on a transport
// error), the Retry-After delay (-1 when absent or unparsable) and the
// transport error.
func (s *HTTPSMSSender) attempt(ctx context.Context, id string, body []byte) (int, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return 0, -1, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Idempotency-Key", id)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, -1, err
	}
	// Drain a little so the connection can be reused; ignore the rest.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxSMSResponse))
	resp.Body.Close()
	return resp.StatusCode, parseRetryAfter(resp.Header.Get("Retry-After")), nil
}

// parseRetryAfter reads the delay-seconds form (RFC 9110 §10.2.3); the
// HTTP-date form and garbage give -1, meaning "use the backoff".
func parseRetryAfter(v string) time.Duration {
	if v == "" || len(v) > 10 {
		return -1
	}
	secs, err := strconv.Atoi(v)
	if err != nil || secs < 0 {
		return -1
	}
	return time.Duration(secs) * time.Second
}

// jitter returns a random delay in [d/2, d], so that senders that failed
// together do not retry in lockstep.
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// isE164 reports whether s is "+" and 8 to 15 digits, the first not 0.
func isE164(s string) bool {
	if len(s) < 9 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
