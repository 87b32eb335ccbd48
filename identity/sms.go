package identity

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// SMSSender delivers a text message to a phone number in E.164 form.
type SMSSender interface {
	Send(ctx context.Context, phoneE164, message string) error
}

// SMSMessage is a message kept by LogSMSSender for the development page.
// To is masked; Body is the full text, which is why it is only shown under
// --dev and never logged.
type SMSMessage struct {
	To     string
	Body   string
	SentAt time.Time
}

// smsKeep is how many messages LogSMSSender remembers.
const smsKeep = 50

// LogSMSSender is the development sender (DINHDANH_SMS=log): it logs that a
// message went out, with the recipient masked and without the body (the
// body holds codes and passwords; DESIGN.md §3, Logs), and keeps the last
// 50 messages in memory for GET /dev/sms. Safe for concurrent use.
type LogSMSSender struct {
	log *slog.Logger

	outbox DevOutbox

	mu     sync.Mutex
	recent []SMSMessage // ring buffer of at most smsKeep
	next   int          // where the next message goes once the ring is full
}

var _ SMSSender = (*LogSMSSender)(nil)

// NewLogSMSSender returns a LogSMSSender writing to logger (slog.Default()
// when nil).
func NewLogSMSSender(logger *slog.Logger) *LogSMSSender {
	if logger == nil {
		logger = slog.Default()
	}
	return &LogSMSSender{log: logger}
}

// DevOutbox keeps development messages in the database, so /dev/sms of a
// server shows what another process (the CLI's `accounts issue`) sent.
type DevOutbox interface {
	AppendDevSMS(ctx context.Context, m SMSMessage) error
	ListDevSMS(ctx context.Context, limit int) ([]SMSMessage, error)
}

// WithOutbox makes the sender also write each message to outbox
// (development only: the body holds passwords and codes).
func (s *LogSMSSender) WithOutbox(outbox DevOutbox) *LogSMSSender {
	s.outbox = outbox
	return s
}

// Outbox returns the development outbox, if any.
func (s *LogSMSSender) Outbox() DevOutbox { return s.outbox }

// Send records the message; it fails only for an empty recipient or a
// cancelled context, like a real gateway would.
func (s *LogSMSSender) Send(ctx context.Context, phoneE164, message string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if phoneE164 == "" {
		return errors.New("identity: SMS without a recipient")
	}
	m := SMSMessage{To: MaskPhone(phoneE164), Body: message, SentAt: time.Now()}
	s.mu.Lock()
	if len(s.recent) < smsKeep {
		s.recent = append(s.recent, m)
	} else {
		s.recent[s.next] = m
		s.next = (s.next + 1) % smsKeep
	}
	s.mu.Unlock()
	if s.outbox != nil {
		if err := s.outbox.AppendDevSMS(ctx, m); err != nil {
			return err
		}
	}
	s.log.InfoContext(ctx, "sms sent", "to", m.To, "chars", utf8.RuneCountInString(message))
	return nil
}

// Recent returns the kept messages, newest first.
func (s *LogSMSSender) Recent() []SMSMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SMSMessage, 0, len(s.recent))
	// Oldest is at s.next once the ring is full, at 0 before; walk back
	// from the newest.
	for i := 0; i < len(s.recent); i++ {
		j := (s.next - 1 - i + 2*len(s.recent)) % len(s.recent)
		out = append(out, s.recent[j])
	}
	return out
}

// MaskPhone hides all but the last three digits of a phone number, keeping
// a leading "+84" (it identifies no one): "+84901234123" → "+84******123".
// Values too short to mask meaningfully are masked entirely.
func MaskPhone(phone string) string {
	prefix, rest := "", phone
	if strings.HasPrefix(phone, "+84") {
		prefix, rest = "+84", phone[3:]
	}
	n := utf8.RuneCountInString(rest)
	if n < 7 {
		return prefix + strings.Repeat("*", n)
	}
	tail := rest
	for i := 0; i < n-3; i++ {
		_, size := utf8.DecodeRuneInString(tail)
		tail = tail[size:]
	}
	return prefix + strings.Repeat("*", n-3) + tail
}

type messageIDKey struct{}

// WithMessageID names the message being sent: a sender that deduplicates
// (HTTPSMSSender's Idempotency-Key) uses it, so the outbox's retries, on
// any node, are one message to the gateway.
func WithMessageID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, messageIDKey{}, id)
}

// messageID returns the id WithMessageID set, or a new one.
func messageID(ctx context.Context) string {
	if id, ok := ctx.Value(messageIDKey{}).(string); ok && id != "" {
		return id
	}
	return NewID()
}
