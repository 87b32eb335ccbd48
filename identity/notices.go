package identity

import (
	"context"
	"log/slog"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Notifier tells a citizen about security-relevant events on the account
// (password changed or reset, new authenticator, new consent, level
// change) by SMS to the registered phone and, where known, by e-mail, so
// a takeover does not go unnoticed. Messages go through the outbox.
type Notifier struct {
	accounts AccountStore
	citizens CitizenStore
	sms      SMSSender
	email    EmailSender // nil: SMS only
}

func NewNotifier(accounts AccountStore, citizens CitizenStore, sms SMSSender, email EmailSender) *Notifier {
	return &Notifier{accounts: accounts, citizens: citizens, sms: sms, email: email}
}

// Notify queues the notice kind (a Notice* constant). detail is a service
// name or a level, never personal data.
func (n *Notifier) Notify(ctx context.Context, accountID, kind, detail string) error {
	text, subject := noticeText(kind, detail)
	if text == "" {
		return nil
	}
	acc, err := n.accounts.GetAccount(ctx, accountID)
	if err != nil {
		return err
	}
	cit, err := n.citizens.GetCitizen(ctx, acc.PIN)
	if err != nil {
		return err
	}
	if cit.Phone != "" {
		if err := n.sms.Send(ctx, cit.Phone, text); err != nil {
			return err
		}
	}
	if cit.Email != "" && n.email != nil {
		return n.email.SendEmail(ctx, cit.Email, subject, text)
	}
	return nil
}

// unaccent drops Vietnamese diacritics (đ → d), for GSM-7 SMS text.
func unaccent(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ':
			b.WriteRune('d')
		case r == 'Đ':
			b.WriteRune('D')
		case r < 0x80:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// LogEmailSender is the development e-mail sender: it logs that a notice
// went out, to a masked address, never the text.
type LogEmailSender struct{ log *slog.Logger }

func NewLogEmailSender(logger *slog.Logger) *LogEmailSender {
	if logger == nil {
		logger = slog.Default()
	}
	return &LogEmailSender{log: logger}
}

func (s *LogEmailSender) SendEmail(ctx context.Context, to, subject, body string) error {
	s.log.InfoContext(ctx, "email sent", "to", MaskEmail(to), "chars", len(body))
	return nil
}

// MaskEmail keeps the first letter and the domain: "an.nguyen@example.vn"
// → "a***@example.vn".
func MaskEmail(addr string) string {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" {
		return "***"
	}
	r := []rune(local)
	return string(r[0]) + "***@" + domain
}
