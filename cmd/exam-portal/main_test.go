package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

const testSecret = "exam-portal-test-secret-0123456789abcdefghijk"

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestRunRequiresSecret(t *testing.T) {
	var logs bytes.Buffer
	err := run(context.Background(), nil, envOf(nil), io.Discard, slog.New(slog.NewTextHandler(&logs, nil)), nil)
	if err == nil || !strings.Contains(err.Error(), "EXAM_PORTAL_CLIENT_SECRET") {
		t.Errorf("run without a secret: err %v", err)
	}
}

func TestHelpDoesNotPrintSecret(t *testing.T) {
	var out bytes.Buffer
	env := envOf(map[string]string{"EXAM_PORTAL_CLIENT_SECRET": testSecret})
	run(context.Background(), []string{"-help"}, env, &out, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if !strings.Contains(out.String(), "EXAM_PORTAL_ISSUER") {
		t.Fatalf("no usage printed: %s", out.String())
	}
	if strings.Contains(out.String(), testSecret) {
		t.Error("-help printed the client secret")
	}
}

func TestRunServesAndShutsDownGracefully(t *testing.T) {
	var logs bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	env := envOf(map[string]string{"EXAM_PORTAL_LISTEN": "127.0.0.1:0", "EXAM_PORTAL_CLIENT_SECRET": testSecret})
	go func() {
		done <- run(ctx, nil, env, io.Discard, slog.New(slog.NewTextHandler(&logs, nil)), ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("not listening after 5s")
	}
	res, err := http.Get("http://" + addr + "/?login_hint=001095012345")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET /: status %d", res.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run after cancel: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no shutdown after cancel")
	}
	if strings.Contains(logs.String(), testSecret) || strings.Contains(logs.String(), "001095012345") {
		t.Errorf("logs carry a secret or a query string: %s", logs.String())
	}
	if !strings.Contains(logs.String(), "path=/") {
		t.Errorf("the request was not logged: %s", logs.String())
	}
}
