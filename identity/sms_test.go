package identity

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+84901234123", "+84******123"},
		{"+849012341234", "+84*******234"},
		{"0901234567", "*******567"},
		{"+14155550123", "*********123"},
		{"+84123", "+84***"}, // too short to show anything
		{"123456", "******"},
		{"1234567", "****567"},
		{"", ""},
		{"+84", "+84"},
		{"+84 ９０１ ２３４ ５６７", "+84*********５６７"}, // counts runes, not bytes
	}
	for _, tt := range tests {
		if got := MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLogSMSSenderLogsNoSecrets(t *testing.T) {
	var buf bytes.Buffer
	s := NewLogSMSSender(slog.New(slog.NewTextHandler(&buf, nil)))
	const body = "Mật khẩu dinhdanh của bạn: k7m2p9x4q3wz"
	if err := s.Send(context.Background(), "+84901234567", body); err != nil {
		t.Fatal(err)
	}
	log := buf.String()
	for _, secret := range []string{"k7m2p9x4q3wz", "Mật khẩu", "+84901234567", "901234567", "0901234"} {
		if strings.Contains(log, secret) {
			t.Errorf("log holds %q: %s", secret, log)
		}
	}
	if !strings.Contains(log, "+84******567") {
		t.Errorf("log lacks the masked recipient: %s", log)
	}
	got := s.Recent()
	if len(got) != 1 || got[0].To != "+84******567" || got[0].Body != body || got[0].SentAt.IsZero() {
		t.Errorf("Recent() = %+v", got)
	}
}

func TestLogSMSSenderKeepsLast50NewestFirst(t *testing.T) {
	s := NewLogSMSSender(slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)))
	ctx := context.Background()
	check := func(sent int) {
		t.Helper()
		got := s.Recent()
		want := min(sent, 50)
		if len(got) != want {
			t.Fatalf("after %d: %d messages, want %d", sent, len(got), want)
		}
		for i, m := range got {
			if w := fmt.Sprintf("message %d", sent-1-i); m.Body != w {
				t.Fatalf("after %d: Recent()[%d] = %q, want %q", sent, i, m.Body, w)
			}
		}
	}
	check(0)
	for i := 0; i < 123; i++ {
		if err := s.Send(ctx, "+84901234567", fmt.Sprintf("message %d", i)); err != nil {
			t.Fatal(err)
		}
		if i == 0 || i == 48 || i == 49 || i == 50 || i == 99 || i == 100 {
			check(i + 1)
		}
	}
	check(123)

	// Recent returns a copy.
	got := s.Recent()
	got[0].Body = "changed"
	if s.Recent()[0].Body == "changed" {
		t.Error("Recent() exposes the sender's buffer")
	}
}

func TestLogSMSSenderErrors(t *testing.T) {
	s := NewLogSMSSender(nil) // slog.Default
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Send(ctx, "+84901234567", "x"); err == nil {
		t.Error("Send with a cancelled context succeeded")
	}
	if err := s.Send(context.Background(), "", "x"); err == nil {
		t.Error("Send without a recipient succeeded")
	}
	if n := len(s.Recent()); n != 0 {
		t.Errorf("failed sends were kept: %d", n)
	}
}

func TestLogSMSSenderConcurrent(t *testing.T) {
	s := NewLogSMSSender(slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)))
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				_ = s.Send(context.Background(), "+84901234567", "x")
				_ = s.Recent()
			}
		}()
	}
	wg.Wait()
	if n := len(s.Recent()); n != 50 {
		t.Errorf("kept %d, want 50", n)
	}
}
