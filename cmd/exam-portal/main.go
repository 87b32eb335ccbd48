// Command exam-portal runs the example relying party: the exam-registration
// portal that prefills the candidate's form from the national e-ID.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/dinhdanh/dinhdanh/cmd/exam-portal/portal"
)

const shutdownTimeout = 10 * time.Second

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr, logger, nil); err != nil {
		logger.Error("exam-portal stopped", "err", err)
		os.Exit(1)
	}
}

// run serves until ctx is cancelled, then shuts down gracefully. ready, if
// not nil, receives the listening address.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer, logger *slog.Logger, ready chan<- string) error {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet("exam-portal", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", env("EXAM_PORTAL_LISTEN", ":8081"), "listen address (env EXAM_PORTAL_LISTEN)")
	issuer := fs.String("issuer", env("EXAM_PORTAL_ISSUER", "http://localhost:8080"), "e-ID provider issuer URL (env EXAM_PORTAL_ISSUER)")
	clientID := fs.String("client-id", env("EXAM_PORTAL_CLIENT_ID", "exam-portal"), "OAuth client ID (env EXAM_PORTAL_CLIENT_ID)")
	// No env default here: -help prints defaults, and must not print the secret.
	secret := fs.String("client-secret", "", "OAuth client secret (env EXAM_PORTAL_CLIENT_SECRET; required)")
	redirect := fs.String("redirect-url", env("EXAM_PORTAL_REDIRECT_URL", "http://localhost:8081/callback"), "redirect URL registered with the provider (env EXAM_PORTAL_REDIRECT_URL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if *secret == "" {
		*secret = getenv("EXAM_PORTAL_CLIENT_SECRET")
	}
	if *secret == "" {
		return errors.New("the client secret is required: set EXAM_PORTAL_CLIENT_SECRET or -client-secret")
	}

	p, err := portal.New(ctx, portal.Config{
		Issuer:        *issuer,
		ClientID:      *clientID,
		ClientSecret:  *secret,
		RedirectURL:   *redirect,
		HTTPClient:    &http.Client{Timeout: 20 * time.Second},
		SecureCookies: strings.HasPrefix(*redirect, "https://"),
		Logger:        logger,
	})
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           logRequests(logger, p),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	// Listen before serving so a taken port fails at once.
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	logger.Info("exam portal listening", "addr", ln.Addr().String(), "issuer", *issuer, "client_id", *clientID)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// logRequests logs method, path, status and duration. Never the query
// string: the callback's carries the authorization code and state.
func logRequests(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		logger.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", time.Since(start))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}
