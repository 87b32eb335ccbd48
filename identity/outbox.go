package identity

import (
	"context"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
)

// OutboxMessage is one queued message. Payload is sealed: the store never
// sees the recipient or the text.
type OutboxMessage struct {
	ID        string
	Payload   []byte
	Attempts  int
	CreatedAt time.Time
}

// OutboxStore keeps queued messages in the database, so a message
// survives a restart and any node can deliver it.
type OutboxStore interface {
	EnqueueMessage(ctx context.Context, m OutboxMessage) error
	// ClaimMessages leases due messages to owner; a message leased by
	// another owner whose lease has not expired is never returned.
	ClaimMessages(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]OutboxMessage, error)
	// CompleteMessage removes a message owner delivered or discarded.
	CompleteMessage(ctx context.Context, id, owner string) error
	// RetryMessage makes it due again at next, or failed for good.
	RetryMessage(ctx context.Context, id, owner string, attempts int, next time.Time, lastErr string, giveUp bool) error
	// OutboxBacklog counts messages due now and messages under a lease.
	OutboxBacklog(ctx context.Context, now time.Time) (due, leased int, err error)
}

// Channels of a queued message.
const (
	ChannelSMS   = "sms"
	ChannelEmail = "email"
)

// EmailSender delivers a notice by e-mail.
type EmailSender interface {
	SendEmail(ctx context.Context, to, subject, body string) error
}

// outboxPayload is what is sealed. Discard marks a decoy: a row written
// for an ID number without an account, so the request costs the same
// write either way; the worker drops it unsent.
type outboxPayload struct {
	Channel string `json:"c"`
	To      string `json:"t,omitempty"`
	Subject string `json:"s,omitempty"`
	Body    string `json:"b,omitempty"`
	Discard bool   `json:"d,omitempty"`
	Pad     string `json:"p,omitempty"`
}

// outboxBatch is how many messages one node leases at a time.
const outboxBatch = 20

// outboxBlock: payloads are padded to a multiple of this, so a decoy and
// a real code message have the same size.
const outboxBlock = 512

// OutboxConfig wires an Outbox.
type OutboxConfig struct {
	Store OutboxStore
	Key   []byte // 32 bytes; a subkey seals payloads
	SMS   SMSSender
	Email EmailSender // nil: e-mail notices are dropped
	// Lease is how long a node holds a message it is delivering (default
	// 1 minute: longer than the gateway's retries).
	Lease time.Duration
	// MaxAttempts before a message is given up (default 6); Backoff is
	// the first retry delay, doubled each time (default 10s).
	MaxAttempts int
	Backoff     time.Duration
	// Poll is how often Run looks for messages other nodes queued
	// (default 2s); messages queued here wake it at once.
	Poll   time.Duration
	Logger *slog.Logger
	Now    func() time.Time
}

// Outbox queues messages in the request (one insert, the same for every
// answer) and delivers them from a worker with retries and leases. Its
// Send makes it the SMSSender the rest of identity uses.
type Outbox struct {
	c     OutboxConfig
	aead  cipher.AEAD
	owner string
	wake  chan struct{}
	mu    sync.Mutex // one RunOnce at a time in this process
}

var _ SMSSender = (*Outbox)(nil)

func NewOutbox(c OutboxConfig) (*Outbox, error) {
	if c.Store == nil || c.SMS == nil {
		return nil, errors.New("identity: outbox needs a store and an SMS sender")
	}
	if len(c.Key) != 32 {
		return nil, errors.New("identity: outbox key must be 32 bytes")
	}
	key, err := hkdf.Expand(sha256.New, c.Key, "dinhdanh/outbox/seal", chacha20poly1305.KeySize)
	if err != nil {
		return nil, err
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	if c.Lease <= 0 {
		c.Lease = time.Minute
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 6
	}
	if c.Backoff <= 0 {
		c.Backoff = 10 * time.Second
	}
	if c.Poll <= 0 {
		c.Poll = 2 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Outbox{c: c, aead: aead, owner: "node-" + NewID(), wake: make(chan struct{}, 1)}, nil
}

// Send queues an SMS.
func (o *Outbox) Send(ctx context.Context, phoneE164, message string) error {
	if phoneE164 == "" {
		return errors.New("identity: SMS without a recipient")
	}
	return o.enqueue(ctx, outboxPayload{Channel: ChannelSMS, To: phoneE164, Body: message})
}

// SendEmail queues an e-mail notice.
func (o *Outbox) SendEmail(ctx context.Context, to, subject, body string) error {
	if to == "" {
		return errors.New("identity: e-mail without a recipient")
	}
	return o.enqueue(ctx, outboxPayload{Channel: ChannelEmail, To: to, Subject: subject, Body: body})
}

// SendDecoy queues a message the worker discards, padded like a code
// message: for an ID number without an account, so timing and the
// database write are the same as for one with an account.
func (o *Outbox) SendDecoy(ctx context.Context) error {
	return o.enqueue(ctx, outboxPayload{Channel: ChannelSMS, Discard: true})
}

func (o *Outbox) enqueue(ctx context.Context, p outboxPayload) error {
	id := NewID()
	sealed, err := o.seal(id, p)
	if err != nil {
		return err
	}
	if err := o.c.Store.EnqueueMessage(ctx, OutboxMessage{ID: id, Payload: sealed, CreatedAt: o.c.Now()}); err != nil {
		return err
	}
	select {
	case o.wake <- struct{}{}:
	default:
	}
	return nil
}

// seal pads the JSON to a whole number of blocks and seals it with the
// message id as associated data (a payload cannot move to another row).
func (o *Outbox) seal(id string, p outboxPayload) ([]byte, error) {
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	// The pad field adds `,"p":"…"` (7 bytes plus its length).
	p.Pad = strings.Repeat("x", (outboxBlock-(len(raw)+7)%outboxBlock)%outboxBlock)
	if raw, err = json.Marshal(p); err != nil {
		return nil, err
	}
	nonce := make([]byte, o.aead.NonceSize(), o.aead.NonceSize()+len(raw)+o.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return o.aead.Seal(nonce, nonce, raw, []byte("outbox\x00"+id)), nil
}

func (o *Outbox) open(id string, sealed []byte) (outboxPayload, error) {
	var p outboxPayload
	ns := o.aead.NonceSize()
	if len(sealed) < ns {
		return p, errors.New("identity: outbox payload too short")
	}
	raw, err := o.aead.Open(nil, sealed[:ns], sealed[ns:], []byte("outbox\x00"+id))
	if err != nil {
		return p, errors.New("identity: outbox payload does not open")
	}
	err = json.Unmarshal(raw, &p)
	return p, err
}

// Run delivers messages until ctx ends: at once when this process queued
// one, and every Poll for those other nodes queued or that are due again.
func (o *Outbox) Run(ctx context.Context) {
	t := time.NewTicker(o.c.Poll)
	defer t.Stop()
	for {
		n, err := o.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			o.c.Logger.Warn("outbox delivery failed", "err", err)
		}
		if n == outboxBatch && err == nil {
			continue // more may be due
		}
		select {
		case <-ctx.Done():
			return
		case <-o.wake:
		case <-t.C:
		}
	}
}

// RunOnce delivers the messages due now and reports how many it handled.
func (o *Outbox) RunOnce(ctx context.Context) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	msgs, err := o.c.Store.ClaimMessages(ctx, o.owner, o.c.Now(), o.c.Lease, outboxBatch)
	if err != nil {
		return 0, err
	}
	// In parallel: one slow or retrying gateway call must not hold up the
	// codes citizens are waiting for.
	var wg sync.WaitGroup
	for _, m := range msgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o.deliver(ctx, m)
		}()
	}
	wg.Wait()
	return len(msgs), nil
}

func (o *Outbox) deliver(ctx context.Context, m OutboxMessage) {
	p, err := o.open(m.ID, m.Payload)
	if err != nil {
		// Not ours to read (another master key?): give up, never loop.
		o.retry(ctx, m, err, true)
		return
	}
	switch {
	case p.Discard:
	case p.Channel == ChannelSMS:
		err = o.c.SMS.Send(WithMessageID(ctx, m.ID), p.To, p.Body)
	case p.Channel == ChannelEmail && o.c.Email != nil:
		err = o.c.Email.SendEmail(ctx, p.To, p.Subject, p.Body)
	}
	if err != nil {
		o.retry(ctx, m, err, false)
		return
	}
	if err := o.c.Store.CompleteMessage(ctx, m.ID, o.owner); err != nil {
		o.c.Logger.Warn("outbox: marking a message delivered failed", "message", m.ID, "err", err)
	}
}

func (o *Outbox) retry(ctx context.Context, m OutboxMessage, cause error, giveUp bool) {
	attempts := m.Attempts + 1
	giveUp = giveUp || attempts >= o.c.MaxAttempts
	next := o.c.Now().Add(o.c.Backoff << min(attempts-1, 10))
	// The error text of our senders names no recipient or text.
	msg := fmt.Sprint(cause)
	o.c.Logger.Warn("outbox: message not delivered", "message", m.ID, "attempt", attempts, "given_up", giveUp, "err", msg)
	if err := o.c.Store.RetryMessage(ctx, m.ID, o.owner, attempts, next, msg, giveUp); err != nil {
		o.c.Logger.Warn("outbox: recording a failed attempt failed", "message", m.ID, "err", err)
	}
}

// Drain delivers until nothing is due or leased (the CLI before it
// exits, tests before they read the messages), or ctx ends.
func (o *Outbox) Drain(ctx context.Context) error {
	for {
		n, err := o.RunOnce(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		due, leased, err := o.c.Store.OutboxBacklog(ctx, o.c.Now())
		if err != nil {
			return err
		}
		if due == 0 && leased == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}
