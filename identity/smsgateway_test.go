package identity

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	gwPhone   = "+84901234567"
	gwMasked  = "+84******567"
	gwMessage = "Mã xác thực dinhdanh: 482913"
	gwToken   = "gw-token-7c1e93ab55d04f"
)

type gatewayRequest struct {
	method, path string
	header       http.Header
	body         []byte
}

// fakeGateway is a real HTTP server that records every request and lets
// the test choose each answer; n counts requests from 1.
type fakeGateway struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []gatewayRequest
}

func newFakeGateway(t *testing.T, respond func(n int, w http.ResponseWriter, r *http.Request)) *fakeGateway {
	t.Helper()
	g := &fakeGateway{}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		g.mu.Lock()
		g.reqs = append(g.reqs, gatewayRequest{r.Method, r.URL.Path, r.Header.Clone(), body})
		n := len(g.reqs)
		g.mu.Unlock()
		respond(n, w, r)
	}))
	t.Cleanup(g.Close)
	return g
}

func (g *fakeGateway) requests() []gatewayRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]gatewayRequest(nil), g.reqs...)
}

// sleepLog replaces real waiting: it records each delay and returns at
// once, failing only when ctx is already done, like the default.
type sleepLog struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleepLog) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleepLog) delays() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

func newTestSMSSender(t *testing.T, baseURL string, edit func(*HTTPSMSConfig)) (*HTTPSMSSender, *bytes.Buffer, *sleepLog) {
	t.Helper()
	buf := &bytes.Buffer{}
	sl := &sleepLog{}
	cfg := HTTPSMSConfig{
		URL:    baseURL + "/v1/sms",
		Token:  gwToken,
		Logger: slog.New(slog.NewTextHandler(buf, nil)),
		Sleep:  sl.sleep,
	}
	if edit != nil {
		edit(&cfg)
	}
	s, err := NewHTTPSMSSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, buf, sl
}

func asSMSSendError(t *testing.T, err error) *SMSSendError {
	t.Helper()
	if !errors.Is(err, ErrSMSUnavailable) {
		t.Errorf("errors.Is(%v, ErrSMSUnavailable) = false", err)
	}
	var se *SMSSendError
	if !errors.As(err, &se) {
		t.Fatalf("error %T %v is not an *SMSSendError", err, err)
	}
	return se
}

// checkNoSMSSecrets fails if s holds the number, the message or the token.
func checkNoSMSSecrets(t *testing.T, what, s string) {
	t.Helper()
	for _, secret := range []string{"901234567", gwMessage, "482913", "Mã xác thực", gwToken} {
		if strings.Contains(s, secret) {
			t.Errorf("%s holds %q: %s", what, secret, s)
		}
	}
}

func inRange(d, lo, hi time.Duration) bool { return d >= lo && d <= hi }

func TestHTTPSMSSenderSuccess(t *testing.T) {
	g := newFakeGateway(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusAccepted) // any 2xx is success
		io.WriteString(w, `{"status":"queued"}`)
	})
	s, logs, sl := newTestSMSSender(t, g.URL, nil)
	if err := s.Send(context.Background(), gwPhone, gwMessage); err != nil {
		t.Fatalf("Send: %v", err)
	}
	reqs := g.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.method != http.MethodPost || r.path != "/v1/sms" {
		t.Errorf("request %s %s, want POST /v1/sms", r.method, r.path)
	}
	if got := r.header.Get("Authorization"); got != "Bearer "+gwToken {
		t.Errorf("Authorization = %q", got)
	}
	if got := r.header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
	var body struct{ To, Message, ID string }
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
	if body.To != gwPhone || body.Message != gwMessage {
		t.Errorf("body to=%q message=%q", body.To, body.Message)
	}
	if len(body.ID) < 16 || r.header.Get("Idempotency-Key") != body.ID {
		t.Errorf("id %q, Idempotency-Key %q: want the same, non-trivial value", body.ID, r.header.Get("Idempotency-Key"))
	}
	if d := sl.delays(); len(d) != 0 {
		t.Errorf("slept %v before a first-try success", d)
	}
	log := logs.String()
	if strings.Count(log, "\n") != 1 || !strings.Contains(log, "level=INFO") ||
		!strings.Contains(log, "attempts=1") || !strings.Contains(log, "status=202") ||
		!strings.Contains(log, "to="+gwMasked) {
		t.Errorf("want one INFO line with masked recipient, attempts=1, status=202: %s", log)
	}

	// A second Send is a different message and needs a different key.
	if err := s.Send(context.Background(), gwPhone, gwMessage); err != nil {
		t.Fatal(err)
	}
	if reqs = g.requests(); reqs[1].header.Get("Idempotency-Key") == reqs[0].header.Get("Idempotency-Key") {
		t.Error("two Sends shared an Idempotency-Key")
	}
}

func TestHTTPSMSSenderRetriesWithSameKey(t *testing.T) {
	tests := []struct {
		name   string
		second func(w http.ResponseWriter)
	}{
		{"dropped connection", func(w http.ResponseWriter) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				panic(err)
			}
			conn.Close() // no response at all
		}},
		{"503", func(w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newFakeGateway(t, func(n int, w http.ResponseWriter, _ *http.Request) {
				switch n {
				case 1:
					// A fresh connection next time, so the drop is ours to
					// retry and not the transport's silent replay.
					w.Header().Set("Connection", "close")
					w.WriteHeader(http.StatusInternalServerError)
				case 2:
					tt.second(w)
				default:
					w.WriteHeader(http.StatusOK)
				}
			})
			s, logs, sl := newTestSMSSender(t, g.URL, nil)
			if err := s.Send(context.Background(), gwPhone, gwMessage); err != nil {
				t.Fatalf("Send: %v", err)
			}
			reqs := g.requests()
			if len(reqs) != 3 {
				t.Fatalf("%d requests, want 3", len(reqs))
			}
			key := reqs[0].header.Get("Idempotency-Key")
			for i, r := range reqs {
				if got := r.header.Get("Idempotency-Key"); key == "" || got != key {
					t.Errorf("attempt %d Idempotency-Key %q, want %q", i+1, got, key)
				}
				if !bytes.Equal(r.body, reqs[0].body) {
					t.Errorf("attempt %d body %s differs from %s", i+1, r.body, reqs[0].body)
				}
			}
			// Default backoff 200ms doubling, jittered into [d/2, d].
			d := sl.delays()
			if len(d) != 2 || !inRange(d[0], 100*time.Millisecond, 200*time.Millisecond) ||
				!inRange(d[1], 200*time.Millisecond, 400*time.Millisecond) {
				t.Errorf("delays %v, want [100ms..200ms, 200ms..400ms]", d)
			}
			if log := logs.String(); !strings.Contains(log, "attempts=3") || !strings.Contains(log, "level=INFO") {
				t.Errorf("log: %s", log)
			}
		})
	}
}

func TestHTTPSMSSenderNoRetryOnClientError(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 422} {
		g := newFakeGateway(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "rejected "+gwPhone, status) // bodies may echo the number
		})
		s, logs, sl := newTestSMSSender(t, g.URL, nil)
		err := s.Send(context.Background(), gwPhone, gwMessage)
		se := asSMSSendError(t, err)
		if se.Temporary || se.Status != status || se.Attempts != 1 {
			t.Errorf("HTTP %d: error %+v, want not temporary, status %d, 1 attempt", status, se, status)
		}
		if n := len(g.requests()); n != 1 {
			t.Errorf("HTTP %d: %d requests, want 1", status, n)
		}
		if d := sl.delays(); len(d) != 0 {
			t.Errorf("HTTP %d: slept %v", status, d)
		}
		checkNoSMSSecrets(t, "log", logs.String())
		checkNoSMSSecrets(t, "error", err.Error())
	}
}

func TestHTTPSMSSenderDoesNotFollowRedirects(t *testing.T) {
	g := newFakeGateway(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	})
	s, _, _ := newTestSMSSender(t, g.URL, nil)
	se := asSMSSendError(t, s.Send(context.Background(), gwPhone, gwMessage))
	if se.Temporary || se.Status != http.StatusTemporaryRedirect {
		t.Errorf("error %+v, want not temporary with status 307", se)
	}
	if reqs := g.requests(); len(reqs) != 1 {
		t.Errorf("%d requests, want 1 (redirect must not be followed)", len(reqs))
	}
}

func TestHTTPSMSSenderRetryAfter(t *testing.T) {
	g := newFakeGateway(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		switch n {
		case 1:
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.Header().Set("Retry-After", "120") // capped
			w.WriteHeader(http.StatusServiceUnavailable)
		case 3:
			w.Header().Set("Retry-After", "soon") // unparsable: backoff
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			w.WriteHeader(http.StatusOK)
		}
	})
	s, _, sl := newTestSMSSender(t, g.URL, func(c *HTTPSMSConfig) { c.Attempts = 4 })
	start := time.Now()
	if err := s.Send(context.Background(), gwPhone, gwMessage); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("Send took %v: it slept for real", el)
	}
	d := sl.delays()
	// Third delay is the third backoff step: 800ms jittered.
	if len(d) != 3 || d[0] != 2*time.Second || d[1] != 5*time.Second ||
		!inRange(d[2], 400*time.Millisecond, 800*time.Millisecond) {
		t.Errorf("delays %v, want [2s 5s 400ms..800ms]", d)
	}
	if n := len(g.requests()); n != 4 {
		t.Errorf("%d requests, want 4", n)
	}
}

func TestHTTPSMSSenderAllAttemptsFail(t *testing.T) {
	g := newFakeGateway(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	})
	s, logs, sl := newTestSMSSender(t, g.URL, func(c *HTTPSMSConfig) { c.Attempts = 5 })
	err := s.Send(context.Background(), gwPhone, gwMessage)
	se := asSMSSendError(t, err)
	if !se.Temporary || se.Status != http.StatusBadGateway || se.Attempts != 5 {
		t.Errorf("error %+v, want temporary, status 502, 5 attempts", se)
	}
	if n := len(g.requests()); n != 5 {
		t.Errorf("%d requests, want 5", n)
	}
	d := sl.delays()
	want := []time.Duration{200, 400, 800, 1600}
	if len(d) != len(want) {
		t.Fatalf("delays %v, want 4", d)
	}
	for i, w := range want {
		if w *= time.Millisecond; !inRange(d[i], w/2, w) {
			t.Errorf("delay %d = %v, want %v..%v", i+1, d[i], w/2, w)
		}
	}
	log := logs.String()
	if strings.Count(log, "\n") != 1 || !strings.Contains(log, "level=WARN") ||
		!strings.Contains(log, "attempts=5") || !strings.Contains(log, "status=502") {
		t.Errorf("want one WARN line with attempts=5 status=502: %s", log)
	}

	// Nothing listening: network errors are retried, then reported.
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	s, _, sl = newTestSMSSender(t, dead.URL, nil)
	err = s.Send(context.Background(), gwPhone, gwMessage)
	se = asSMSSendError(t, err)
	if !se.Temporary || se.Status != 0 || se.Attempts != 3 || len(sl.delays()) != 2 {
		t.Errorf("unreachable: error %+v after %d sleeps, want temporary, status 0, 3 attempts, 2 sleeps", se, len(sl.delays()))
	}
	if !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("unreachable: Error() = %q", err)
	}
}

func TestHTTPSMSSenderTimeoutThenRetry(t *testing.T) {
	release := make(chan struct{})
	var firstCut atomic.Bool
	g := newFakeGateway(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			select {
			case <-r.Context().Done():
				firstCut.Store(true) // the client gave up on us
			case <-release:
			}
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	t.Cleanup(func() { close(release) }) // runs before g.Close
	s, logs, sl := newTestSMSSender(t, g.URL, func(c *HTTPSMSConfig) { c.Timeout = 100 * time.Millisecond })
	// The outer deadline only keeps a broken per-attempt timeout from
	// hanging the test.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := s.Send(ctx, gwPhone, gwMessage); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("Send took %v with a 100ms timeout", el)
	}
	if n := len(g.requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
	if len(sl.delays()) != 1 {
		t.Errorf("delays %v, want 1", sl.delays())
	}
	if !strings.Contains(logs.String(), "attempts=2") {
		t.Errorf("log: %s", logs)
	}
	// The server notices the closed connection shortly after the client.
	for i := 0; i < 100 && !firstCut.Load(); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if !firstCut.Load() {
		t.Error("first request was not abandoned by the client")
	}

	// Every attempt too slow: a temporary timeout error.
	s, _, _ = newTestSMSSender(t, g.URL, func(c *HTTPSMSConfig) { c.Timeout = 50 * time.Millisecond; c.Attempts = 1 })
	g.mu.Lock()
	g.reqs = nil // request 1 hangs again
	g.mu.Unlock()
	err := s.Send(context.Background(), gwPhone, gwMessage)
	se := asSMSSendError(t, err)
	if !se.Temporary || se.Status != 0 || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("error %+v %q, want a temporary timeout", se, err)
	}
}

func TestHTTPSMSSenderContextCancelled(t *testing.T) {
	t.Run("during a request", func(t *testing.T) {
		arrived, release := make(chan struct{}, 1), make(chan struct{})
		g := newFakeGateway(t, func(_ int, _ http.ResponseWriter, r *http.Request) {
			select {
			case arrived <- struct{}{}:
			default: // a retry would not block here; the test reports it
			}
			select {
			case <-r.Context().Done():
			case <-release:
			}
		})
		t.Cleanup(func() { close(release) })
		s, _, sl := newTestSMSSender(t, g.URL, func(c *HTTPSMSConfig) { c.Timeout = time.Minute })
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() { <-arrived; cancel() }()
		start := time.Now()
		err := s.Send(ctx, gwPhone, gwMessage)
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("Send returned %v after cancel", el)
		}
		se := asSMSSendError(t, err)
		if !errors.Is(err, context.Canceled) || se.Attempts != 1 || len(sl.delays()) != 0 {
			t.Errorf("error %+v (%v), want context.Canceled after 1 attempt and no retry", se, err)
		}
	})

	t.Run("before Send", func(t *testing.T) {
		g := newFakeGateway(t, func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
		s, _, _ := newTestSMSSender(t, g.URL, nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := s.Send(ctx, gwPhone, gwMessage)
		se := asSMSSendError(t, err)
		if !errors.Is(err, context.Canceled) || se.Attempts != 0 || len(g.requests()) != 0 {
			t.Errorf("error %+v, %d requests; want context.Canceled and none", se, len(g.requests()))
		}
	})

	t.Run("while waiting to retry", func(t *testing.T) {
		g := newFakeGateway(t, func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		s, _, _ := newTestSMSSender(t, g.URL, func(c *HTTPSMSConfig) {
			c.Sleep = func(ctx context.Context, _ time.Duration) error { cancel(); return ctx.Err() }
		})
		err := s.Send(ctx, gwPhone, gwMessage)
		se := asSMSSendError(t, err)
		if !errors.Is(err, context.Canceled) || se.Attempts != 1 || len(g.requests()) != 1 {
			t.Errorf("error %+v, %d requests; want context.Canceled after 1", se, len(g.requests()))
		}
	})

	t.Run("sleep fails", func(t *testing.T) {
		// An injected Sleep may fail for its own reasons (a stopping
		// clock); Send must not retry regardless.
		g := newFakeGateway(t, func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
		errStop := errors.New("clock stopped")
		s, _, _ := newTestSMSSender(t, g.URL, func(c *HTTPSMSConfig) {
			c.Sleep = func(context.Context, time.Duration) error { return errStop }
		})
		err := s.Send(context.Background(), gwPhone, gwMessage)
		se := asSMSSendError(t, err)
		if !errors.Is(err, errStop) || se.Attempts != 1 || se.Status != 503 || !se.Temporary || len(g.requests()) != 1 {
			t.Errorf("error %+v (%v), %d requests; want the Sleep error after 1 attempt", se, err, len(g.requests()))
		}
	})

	t.Run("default sleep stops on deadline", func(t *testing.T) {
		g := newFakeGateway(t, func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
		s, _, _ := newTestSMSSender(t, g.URL, func(c *HTTPSMSConfig) {
			c.Sleep = nil           // the real timer
			c.Backoff = time.Minute // capped to a 5s wait
		})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := s.Send(ctx, gwPhone, gwMessage)
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("Send returned after %v, past its 100ms deadline", el)
		}
		se := asSMSSendError(t, err)
		if !errors.Is(err, context.DeadlineExceeded) || se.Status != 500 || se.Attempts != 1 {
			t.Errorf("error %+v (%v), want deadline after one HTTP 500", se, err)
		}
	})
}

func TestHTTPSMSSenderLogsAndErrorsHoldNoSecrets(t *testing.T) {
	for _, status := range []int{200, 401, 500} {
		g := newFakeGateway(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(status)
			io.WriteString(w, `{"to":"`+gwPhone+`","message":"`+gwMessage+`"}`)
		})
		s, logs, _ := newTestSMSSender(t, g.URL, nil)
		err := s.Send(context.Background(), gwPhone, gwMessage)
		if (err == nil) != (status == 200) {
			t.Fatalf("HTTP %d: err = %v", status, err)
		}
		log := logs.String()
		checkNoSMSSecrets(t, "log", log)
		if !strings.Contains(log, "to="+gwMasked) {
			t.Errorf("HTTP %d: log lacks the masked recipient: %s", status, log)
		}
		if err != nil {
			checkNoSMSSecrets(t, "error", err.Error())
			checkNoSMSSecrets(t, "error", asSMSSendError(t, err).MessageVI())
		}
	}
}

// countingTransport counts the response body bytes the sender reads.
type countingTransport struct{ n atomic.Int64 }

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		resp.Body = countingBody{resp.Body, &c.n}
	}
	return resp, err
}

func TestHTTPSMSSenderReadsAtMost4KiB(t *testing.T) {
	for _, status := range []int{200, 400} {
		g := newFakeGateway(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(status)
			w.Write(bytes.Repeat([]byte("x"), 1<<20))
		})
		ct := &countingTransport{}
		s, _, _ := newTestSMSSender(t, g.URL, func(c *HTTPSMSConfig) { c.Client = &http.Client{Transport: ct} })
		err := s.Send(context.Background(), gwPhone, gwMessage)
		if (err == nil) != (status == 200) {
			t.Fatalf("HTTP %d: err = %v", status, err)
		}
		if n := ct.n.Load(); n == 0 || n > 4096 {
			t.Errorf("HTTP %d: read %d body bytes, want 1..4096", status, n)
		}
	}
}

func TestHTTPSMSSenderRejectsBadRecipient(t *testing.T) {
	g := newFakeGateway(t, func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	s, _, _ := newTestSMSSender(t, g.URL, nil)
	for _, to := range []string{"", "0901234567", "+84 901 234 567", "+0901234567", "+8490123456789012", "+84９０１２３４５６７"} {
		se := asSMSSendError(t, s.Send(context.Background(), to, gwMessage))
		if se.Temporary || se.Attempts != 0 {
			t.Errorf("Send(%q): error %+v, want permanent with no attempt", to, se)
		}
	}
	if n := len(g.requests()); n != 0 {
		t.Errorf("%d requests for invalid numbers", n)
	}
}

func TestNewHTTPSMSSenderValidates(t *testing.T) {
	ok := []string{
		"https://sms.example.vn/v1/send",
		"http://localhost:9000/sms",
		"http://127.0.0.1/sms",
		"http://127.8.9.10:80/",
		"http://[::1]:8080/sms",
	}
	for _, u := range ok {
		if _, err := NewHTTPSMSSender(HTTPSMSConfig{URL: u, Token: gwToken}); err != nil {
			t.Errorf("URL %q: %v", u, err)
		}
	}
	bad := []HTTPSMSConfig{
		{URL: "", Token: gwToken},
		{URL: "sms.example.vn/send", Token: gwToken},
		{URL: "/send", Token: gwToken},
		{URL: "ftp://sms.example.vn/", Token: gwToken},
		{URL: "https:///send", Token: gwToken},
		{URL: "http://sms.example.vn/send", Token: gwToken},     // plain http off loopback
		{URL: "http://localhost.evil.example/", Token: gwToken}, // not loopback
		{URL: "http://127.0.0.1.nip.io/", Token: gwToken},
		{URL: "http://10.0.0.5/", Token: gwToken},
		{URL: "https://user:s3cretpw@sms.example.vn/", Token: gwToken},
		{URL: "https://sms.example.vn/", Token: ""},
		{URL: "https://sms.example.vn/", Token: "abc def"},
		{URL: "https://sms.example.vn/", Token: gwToken + "\r\nX-Evil: 1"},
		{URL: "https://sms.example.vn/", Token: gwToken, Timeout: -time.Second},
		{URL: "https://sms.example.vn/", Token: gwToken, Attempts: -1},
		{URL: "https://sms.example.vn/", Token: gwToken, Backoff: -time.Millisecond},
	}
	for _, c := range bad {
		_, err := NewHTTPSMSSender(c)
		if err == nil {
			t.Errorf("NewHTTPSMSSender(%+v) accepted", c)
			continue
		}
		if m := err.Error(); strings.Contains(m, "s3cretpw") || strings.Contains(m, gwToken) {
			t.Errorf("error quotes a credential: %s", m)
		}
	}

	s, err := NewHTTPSMSSender(HTTPSMSConfig{URL: "http://localhost/", Token: gwToken})
	if err != nil {
		t.Fatal(err)
	}
	if s.timeout != 5*time.Second || s.attempts != 3 || s.backoff != 200*time.Millisecond ||
		s.client == nil || s.log == nil || s.sleep == nil {
		t.Errorf("defaults: timeout %v attempts %d backoff %v", s.timeout, s.attempts, s.backoff)
	}
}

func TestSMSGatewaySleepAndJitter(t *testing.T) {
	// A sleep that runs out returns nil; one whose context ends first
	// returns the context's error (no elapsed-time assertions).
	if err := sleepCtx(context.Background(), time.Millisecond); err != nil {
		t.Errorf("sleepCtx returned %v", err)
	}
	short, stop := context.WithTimeout(context.Background(), time.Millisecond)
	defer stop()
	if err := sleepCtx(short, time.Hour); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("sleepCtx past its context's deadline = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleepCtx(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("sleepCtx on a cancelled context = %v", err)
	}

	for _, d := range []time.Duration{0, 1, 2, 3, 200 * time.Millisecond, 5 * time.Second} {
		seen := map[time.Duration]bool{}
		for i := 0; i < 200; i++ {
			j := jitter(d)
			if !inRange(j, d/2, d) {
				t.Fatalf("jitter(%v) = %v, want %v..%v", d, j, d/2, d)
			}
			seen[j] = true
		}
		if d >= 200*time.Millisecond && len(seen) < 10 {
			t.Errorf("jitter(%v) took only %d values in 200 draws", d, len(seen))
		}
	}
}

func TestParseSMSRetryAfter(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", -1}, {"0", 0}, {"3", 3 * time.Second}, {"120", 120 * time.Second},
		{"-1", -1}, {"1.5", -1}, {"soon", -1}, {"Wed, 21 Oct 2015 07:28:00 GMT", -1},
		{"99999999999999999999", -1},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// The outbox names each message: its retries, from any node, reuse the
// gateway's Idempotency-Key.
func TestHTTPSMSSenderUsesTheOutboxMessageID(t *testing.T) {
	g := newFakeGateway(t, func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	s, _, _ := newTestSMSSender(t, g.URL, nil)
	ctx := WithMessageID(context.Background(), "01JOUTBOXMESSAGEID00000000")
	for i := 0; i < 2; i++ {
		if err := s.Send(ctx, gwPhone, gwMessage); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range g.requests() {
		if got := r.header.Get("Idempotency-Key"); got != "01JOUTBOXMESSAGEID00000000" {
			t.Errorf("Idempotency-Key %q", got)
		}
	}
}
