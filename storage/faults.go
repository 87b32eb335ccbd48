package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	gosqlite "github.com/glebarez/go-sqlite"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/ory/fosite"
	"gorm.io/gorm"

	"github.com/dinhdanh/dinhdanh/identity"
)

// This file is the one place where database errors are classified:
//   - unreachable (connection refused or lost, server shutting down or
//     starting, too many connections, SQLite file locked or unwritable):
//     wrapped with identity.ErrUnavailable and noted on the request's
//     Faults, so the answer is 503 + Retry-After, never a 500;
//   - serialization failure or deadlock (SQLSTATE 40001, 40P01): the whole
//     transaction is retried by inTx with jittered backoff.

// unavailable reports whether err means the database could not be reached.
func unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, identity.ErrUnavailable) {
		return true
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		// The caller gave up (a closed browser tab, a deadline it set):
		// not a verdict on the database.
		return false
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch {
		case strings.HasPrefix(pg.Code, "08"): // connection_exception
			return true
		case pg.Code == "57P01", pg.Code == "57P02", pg.Code == "57P03": // admin/crash shutdown, cannot connect now
			return true
		case pg.Code == "53300": // too_many_connections
			return true
		}
		// Any other SQLSTATE is an answer from a working server.
		return false
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	if sqliteUnavailableErr(err) {
		return true
	}
	var ne net.Error
	switch {
	case errors.As(err, &ne),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	}
	// pgconn's own "conn closed" and friends: the statement never reached
	// a server (pgconn marks exactly those safe to retry).
	return pgconn.SafeToRetry(err)
}

// retryable reports a serialization failure or deadlock: the transaction
// was rolled back by the server and running it again may succeed.
func retryable(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "40001" || pg.Code == "40P01")
}

// sqliteUnavailableErr: the file stayed locked for all of busy_timeout, or
// cannot be opened, read or written (disk full, I/O error, gone).
func sqliteUnavailableErr(err error) bool {
	var lite *gosqlite.Error
	if !errors.As(err, &lite) {
		return false
	}
	switch lite.Code() & 0xff {
	case sqliteBusy, sqliteLocked, sqliteIOErr, sqliteFull, sqliteCantOpen:
		return true
	}
	return false
}

const (
	sqliteIOErr    = 10
	sqliteFull     = 13
	sqliteCantOpen = 14
)

// classify wraps an unreachable-database error with identity.ErrUnavailable
// (once) and notes it on ctx's Faults. Other errors are returned as they are.
func classify(ctx context.Context, err error) error {
	if err == nil || !unavailable(err) {
		return err
	}
	noteFault(ctx)
	if errors.Is(err, identity.ErrUnavailable) {
		return err
	}
	return fmt.Errorf("%w: %w", identity.ErrUnavailable, err)
}

// registerFaultCallbacks classifies the error of every gorm operation on
// db, after gorm's own callbacks (and its TranslateError) ran. Begin and
// commit do not go through callbacks: inTx and BeginTX classify those.
func registerFaultCallbacks(db *gorm.DB) error {
	fn := func(tx *gorm.DB) {
		if tx.Error != nil {
			tx.Error = classify(tx.Statement.Context, tx.Error)
		}
	}
	cb := db.Callback()
	return errors.Join(
		cb.Create().After("*").Register("dinhdanh:faults", fn),
		cb.Query().After("*").Register("dinhdanh:faults", fn),
		cb.Update().After("*").Register("dinhdanh:faults", fn),
		cb.Delete().After("*").Register("dinhdanh:faults", fn),
		cb.Row().After("*").Register("dinhdanh:faults", fn),
		cb.Raw().After("*").Register("dinhdanh:faults", fn),
	)
}

// Faults records whether a request met an unreachable database. The HTTP
// layer puts one in each request's context (WithFaults) and, when the
// answer is an error and Seen is true, answers 503 instead: a handler's
// 500, or an invalid_client that only means "the client could not be
// loaded", becomes "try again later".
type Faults struct{ seen atomic.Bool }

// Seen reports whether any storage call with this context failed because
// the database was unreachable.
func (f *Faults) Seen() bool { return f != nil && f.seen.Load() }

type faultsKey struct{}

// WithFaults returns a context whose storage faults are recorded in the
// returned Faults.
func WithFaults(ctx context.Context) (context.Context, *Faults) {
	f := &Faults{}
	return context.WithValue(ctx, faultsKey{}, f), f
}

func noteFault(ctx context.Context) {
	if ctx == nil {
		return
	}
	if f, ok := ctx.Value(faultsKey{}).(*Faults); ok {
		f.seen.Store(true)
	}
}

// Transaction retries. A serialization failure or deadlock rolls the
// whole transaction back, so running fn again from the start is safe;
// engines that run every transaction serializably (CockroachDB, YugabyteDB)
// report contention this way routinely, PostgreSQL's read committed only
// on deadlocks.
const (
	txAttempts   = 6
	txBackoffMin = 5 * time.Millisecond
	txBackoffMax = 400 * time.Millisecond
)

// txBackoff is the wait before retry n (1-based): exponential with full
// jitter, so transactions that collided do not collide again in step.
func txBackoff(n int) time.Duration {
	d := txBackoffMin << (n - 1)
	if d <= 0 || d > txBackoffMax {
		d = txBackoffMax
	}
	return time.Duration(rand.Int64N(int64(d)) + 1)
}

// inTx runs fn in a transaction, or in a savepoint of the one ctx carries
// (whose owner then retries the whole). It is the transaction helper for
// every multi-row change: fn may run more than once, so it must derive
// everything from the database and its arguments, not from state an
// earlier attempt left behind. A serialization failure or deadlock is
// retried up to txAttempts times; after that it is returned wrapping
// fosite.ErrSerializationFailure. An unreachable database wraps
// identity.ErrUnavailable and is not retried here (the client retries
// after Retry-After).
func (s *Store) inTx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if tx, ok := s.tx(ctx); ok {
		return classify(ctx, tx.Transaction(fn))
	}
	for attempt := 1; ; attempt++ {
		err := s.db.WithContext(ctx).Transaction(fn)
		if err == nil || !retryable(err) {
			return classify(ctx, err)
		}
		if attempt == txAttempts {
			return fmt.Errorf("storage: transaction failed %d times: %w: %w", attempt, fosite.ErrSerializationFailure, err)
		}
		t := time.NewTimer(txBackoff(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("storage: %w: %w", ctx.Err(), err)
		case <-t.C:
		}
	}
}
