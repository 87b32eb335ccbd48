// Package storage keeps everything dinhdanh persists in one SQL database
// through gorm: the identity domain (citizens, accounts, clients, consent
// grants, browser sessions, interactions), signing keys, and fosite's
// codes, tokens, PKCE/OIDC/PAR requests. SQLite (pure Go) is the embedded
// default; PostgreSQL is the production backend. The gorm models are
// private to this package and mapped to domain types in one place.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	gosqlite "github.com/glebarez/go-sqlite"
	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/ory/fosite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/dinhdanh/dinhdanh/identity"
)

// Options tune a Store. The zero value is usable.
type Options struct {
	// Now is the clock for expiry checks, rotation timestamps and row
	// creation times. Defaults to time.Now.
	Now func() time.Time
	// RefreshGracePeriod is how long a rotated refresh token keeps working,
	// so that concurrent refreshes by one client do not look like token
	// reuse (which revokes the whole grant). Defaults to 5s; a negative
	// value disables the grace period.
	RefreshGracePeriod time.Duration
	// NewSession makes the session value that stored JSON is decoded into
	// when fosite does not pass one (token revocation, PAR). Defaults to
	// an empty *openid.DefaultSession.
	NewSession func() fosite.Session
}

const defaultRefreshGracePeriod = 5 * time.Second

// Store implements every storage interface dinhdanh needs on one gorm
// connection pool.
type Store struct {
	db      *gorm.DB
	dialect string // "sqlite" or "postgres"
	opts    Options
}

// Open connects to url: "sqlite:PATH" or a "postgres://" / "postgresql://"
// URL. It does not migrate; call Migrate.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RefreshGracePeriod == 0 {
		opts.RefreshGracePeriod = defaultRefreshGracePeriod
	}
	if opts.NewSession == nil {
		opts.NewSession = defaultSession
	}

	var (
		dial    gorm.Dialector
		dialect string
	)
	switch {
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(url, "sqlite:")
		if path == "" || strings.ContainsRune(path, '?') {
			return nil, errors.New("storage: sqlite URL must be sqlite:PATH with no query")
		}
		dial, dialect = sqlite.Open(sqliteDSN(path)), "sqlite"
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		dial, dialect = postgres.Open(url), "postgres"
	default:
		// The URL may hold a password: never echo it.
		return nil, errors.New("storage: database URL must start with sqlite: or postgres://")
	}

	db, err := gorm.Open(dial, &gorm.Config{
		// Duplicate keys and foreign-key violations become gorm errors on
		// both backends, so one mapping to domain errors serves both.
		TranslateError: true,
		// No SQL in logs: statements carry personal data as arguments.
		Logger:  logger.Discard,
		NowFunc: func() time.Time { return opts.Now().UTC() },
	})
	if err != nil {
		return nil, fmt.Errorf("storage: opening %s database: %w", dialect, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	if dialect == "sqlite" {
		// Writers serialise on the database lock anyway (BEGIN IMMEDIATE);
		// a few connections let WAL readers proceed beside one writer.
		n := max(4, runtime.NumCPU())
		sqlDB.SetMaxOpenConns(n)
		sqlDB.SetMaxIdleConns(n)
		sqlDB.SetConnMaxIdleTime(0)
	} else {
		sqlDB.SetMaxOpenConns(25)
		sqlDB.SetMaxIdleConns(10)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	s := &Store{db: db, dialect: dialect, opts: opts}
	if err := s.Ping(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	return s, nil
}

// sqliteDSN sets WAL with synchronous=FULL (the last commits survive a
// power cut: consent grants must not be lost), enforced foreign keys, and
// BEGIN IMMEDIATE so read-modify-write transactions from several goroutines
// queue on busy_timeout instead of failing with SQLITE_BUSY.
func sqliteDSN(path string) string {
	return filepath.Clean(path) + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_txlock=immediate"
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("storage: ping: %w", err)
	}
	return nil
}

// Close closes the connection pool.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// DB exposes the gorm handle, for tests and benchmarks only.
func (s *Store) DB() *gorm.DB { return s.db }

func (s *Store) now() time.Time { return s.opts.Now().UTC() }

// txKey carries a transaction in a context (fosite storage.Transactional).
type txKey struct{}

type txValue struct {
	store *Store
	tx    *gorm.DB
}

// conn returns the transaction carried by ctx, or the pool. Every method
// goes through it: on SQLite a method that took a second connection while
// its caller holds the write lock would wait on itself.
func (s *Store) conn(ctx context.Context) *gorm.DB {
	if v, ok := ctx.Value(txKey{}).(txValue); ok && v.store == s {
		return v.tx.WithContext(ctx)
	}
	return s.db.WithContext(ctx)
}

// inTx runs fn in a transaction, or in a savepoint of the one ctx carries.
func (s *Store) inTx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.conn(ctx).Transaction(fn)
}

// BeginTX starts a transaction and returns a context carrying it.
func (s *Store) BeginTX(ctx context.Context) (context.Context, error) {
	if v, ok := ctx.Value(txKey{}).(txValue); ok && v.store == s {
		return ctx, errors.New("storage: a transaction is already open in this context")
	}
	tx := s.db.WithContext(ctx).Begin()
	if tx.Error != nil {
		return ctx, fmt.Errorf("storage: begin: %w", s.mapTxErr(tx.Error))
	}
	return context.WithValue(ctx, txKey{}, txValue{store: s, tx: tx}), nil
}

// Commit commits the transaction carried by ctx.
func (s *Store) Commit(ctx context.Context) error {
	v, ok := ctx.Value(txKey{}).(txValue)
	if !ok || v.store != s {
		return errors.New("storage: commit without a transaction")
	}
	if err := v.tx.Commit().Error; err != nil {
		return fmt.Errorf("storage: commit: %w", s.mapTxErr(err))
	}
	return nil
}

// Rollback rolls back the transaction carried by ctx. Rolling back one that
// already ended (fosite rolls back after a failed commit) is not an error.
func (s *Store) Rollback(ctx context.Context) error {
	v, ok := ctx.Value(txKey{}).(txValue)
	if !ok || v.store != s {
		return errors.New("storage: rollback without a transaction")
	}
	if err := v.tx.Rollback().Error; err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("storage: rollback: %w", err)
	}
	return nil
}

// mapTxErr turns PostgreSQL serialization failures and deadlocks, and
// SQLite's "busy" after busy_timeout, into fosite.ErrSerializationFailure,
// which fosite reports to the client as "retry the request".
func (s *Store) mapTxErr(err error) error {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && (pg.Code == "40001" || pg.Code == "40P01") {
		return fmt.Errorf("%w: %w", fosite.ErrSerializationFailure, err)
	}
	var lite *gosqlite.Error
	if errors.As(err, &lite) && (lite.Code()&0xff == sqliteBusy || lite.Code()&0xff == sqliteLocked) {
		return fmt.Errorf("%w: %w", fosite.ErrSerializationFailure, err)
	}
	return err
}

// Primary SQLite result codes (the low byte of extended codes).
const (
	sqliteBusy   = 5
	sqliteLocked = 6
)

// Error helpers. Messages name the kind of record, never its key: keys
// such as a PIN are personal data and errors end up in logs.

func notFound(what string) error {
	return fmt.Errorf("storage: %s: %w", what, identity.ErrNotFound)
}

func alreadyExists(what string) error {
	return fmt.Errorf("storage: %s: %w", what, identity.ErrAlreadyExists)
}

// fositeNotFound satisfies errors.Is for both fosite.ErrNotFound (which
// fosite checks) and identity.ErrNotFound.
func fositeNotFound(what string) error {
	return fmt.Errorf("storage: %s: %w (%w)", what, fosite.ErrNotFound, identity.ErrNotFound)
}

func dbErr(what string, err error) error {
	return fmt.Errorf("storage: %s: %w", what, err)
}

// domainErr maps gorm errors to identity sentinels. A foreign-key
// violation means the record referred to does not exist.
func domainErr(what string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound), errors.Is(err, gorm.ErrForeignKeyViolated):
		return notFound(what)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return alreadyExists(what)
	}
	return dbErr(what, err)
}
