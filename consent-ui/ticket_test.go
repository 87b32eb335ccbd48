package consentui

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dinhdanh/dinhdanh/provider"
)

func ticketHandler(t testing.TB) *Handler {
	aead, err := newTicketAEAD(bytes.Repeat([]byte{3}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return &Handler{ticketAEAD: aead, now: time.Now}
}

func ticketRequest(csrf, interaction string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/otp", strings.NewReader(url.Values{"interaction": {interaction}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(&http.Cookie{Name: provider.CookieCSRF, Value: csrf})
	return r
}

func TestTicketSealing(t *testing.T) {
	h := ticketHandler(t)
	r := ticketRequest("cookie-1", "it-1")
	known := h.sealTicket(r, ticket{AccountID: "01JEXAMPLEACCOUNTID0000000", Step: stepOTP, AMR: []string{"pwd"}, ChallengeID: "01JEXAMPLECHALLENGE0000000"})
	unknown := h.sealTicket(r, ticket{AccountID: "01JRANDOMRANDOMRANDOM00000", Step: stepOTP, ChallengeID: "01JRANDOMRANDOMRANDOM11111", ThrottleKey: "pin:0123456789abcdef0123456789abcdef"})
	if len(known) != len(unknown) {
		t.Fatalf("lengths %d vs %d", len(known), len(unknown))
	}
	got, ok := h.openTicket(ticketRequest("cookie-1", "it-1"), known, stepOTP)
	if !ok || got.AccountID != "01JEXAMPLEACCOUNTID0000000" {
		t.Fatalf("open = %+v %v", got, ok)
	}
	for name, req := range map[string]*http.Request{
		"another browser":     ticketRequest("cookie-2", "it-1"),
		"another interaction": ticketRequest("cookie-1", "it-2"),
	} {
		if _, ok := h.openTicket(req, known, stepOTP); ok {
			t.Errorf("opened from %s", name)
		}
	}
	if _, ok := h.openTicket(ticketRequest("cookie-1", "it-1"), known, stepChangePassword); ok {
		t.Error("opened for another step")
	}
	b := []byte(known)
	b[len(b)/2] ^= 1
	if _, ok := h.openTicket(ticketRequest("cookie-1", "it-1"), string(b), stepOTP); ok {
		t.Error("a changed ticket opened")
	}
}

// FuzzOpenTicket: whatever a browser sends as a ticket, opening it never
// panics, and only what was sealed under the key opens (fuzz workers are
// separate processes with their own nonces, so compare content).
func FuzzOpenTicket(f *testing.F) {
	h := ticketHandler(f)
	sealed := h.sealTicket(ticketRequest("c", "i"), ticket{AccountID: "a", Step: stepOTP})
	f.Add(sealed)
	f.Add("")
	f.Add("eyJhIjoiYSJ9.bWFj")
	f.Fuzz(func(t *testing.T, s string) {
		if got, ok := h.openTicket(ticketRequest("c", "i"), s, stepOTP); ok && got.AccountID != "a" {
			t.Fatalf("a forged ticket opened: %q", s)
		}
	})
}
