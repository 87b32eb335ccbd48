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
	"sync"
	"time"

	gosqlite "github.com/glebarez/go-sqlite"
	"github.com/glebarez/sqlite"
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

// Store implements every storage interface dinhdanh needs.
//
// On SQLite, db is one writer connection: every write and every
// transaction queues for it in database/sql, instead of several connections
// racing for the file lock and sleeping in SQLite's busy handler. rdb is a
// pool of query_only connections for reads outside a transaction (WAL lets
// them run beside the writer), and commits is the group committer for
// single-statement writes outside a transaction. On PostgreSQL db and rdb are
// the same pool and commits is nil.
type Store struct {
	db        *gorm.DB
	rdb       *gorm.DB
	dialect   string // "sqlite" or "postgres"
	opts      Options
	commits   *committer
	closeOnce sync.Once
	closeErr  error
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

	switch {
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(url, "sqlite:")
		if path == "" || strings.ContainsRune(path, '?') {
			return nil, errors.New("storage: sqlite URL must be sqlite:PATH with no query")
		}
		return openSQLite(ctx, path, opts)
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return openPostgres(ctx, url, opts)
	default:
		// The URL may hold a password: never echo it.
		return nil, errors.New("storage: database URL must start with sqlite: or postgres://")
	}
}

func gormConfig(opts Options) *gorm.Config {
	return &gorm.Config{
		// Duplicate keys and foreign-key violations become gorm errors on
		// both backends, so one mapping to domain errors serves both.
		TranslateError: true,
		// Every write is one statement or runs in an explicit transaction:
		// gorm's implicit BEGIN/COMMIT around each would only add round
		// trips (and hold the SQLite writer longer).
		SkipDefaultTransaction: true,
		// No SQL in logs: statements carry personal data as arguments.
		Logger:  logger.Discard,
		NowFunc: func() time.Time { return opts.Now().UTC() },
	}
}

func openPostgres(ctx context.Context, url string, opts Options) (*Store, error) {
	db, err := gorm.Open(postgres.Open(url), gormConfig(opts))
	if err != nil {
		return nil, fmt.Errorf("storage: opening postgres database: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	// PostgreSQL runs writers in parallel and already shares one WAL flush
	// among concurrent commits: one pool, no group committer.
	sqlDB.SetMaxOpenConns(25)
	sqlDB.SetMaxIdleConns(10)
	sqlDB.SetConnMaxLifetime(30 * time.Minute)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	if err := registerFaultCallbacks(db); err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	s := &Store{db: db, rdb: db, dialect: "postgres", opts: opts}
	if err := s.Ping(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

func openSQLite(ctx context.Context, path string, opts Options) (*Store, error) {
	if err := prepareSQLiteFile(path); err != nil {
		return nil, err
	}
	// The writer first: its first connection switches the file to WAL.
	db, err := gorm.Open(sqlite.Open(sqliteDSN(path)), gormConfig(opts))
	if err != nil {
		return nil, fmt.Errorf("storage: opening sqlite database: %w", err)
	}
	w, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)

	rdb, err := gorm.Open(sqlite.Open(sqliteReaderDSN(path)), gormConfig(opts))
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("storage: opening sqlite database: %w", err)
	}
	r, err := rdb.DB()
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("storage: %w", err)
	}
	n := max(4, runtime.NumCPU())
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(0)
	r.SetConnMaxLifetime(0)

	if err := errors.Join(registerFaultCallbacks(db), registerFaultCallbacks(rdb)); err != nil {
		_ = w.Close()
		_ = r.Close()
		return nil, fmt.Errorf("storage: %w", err)
	}
	s := &Store{db: db, rdb: rdb, dialect: "sqlite", opts: opts}
	s.commits = newCommitter(db)
	go s.commits.run()
	if err := s.Ping(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// sqliteDSN (the writer) sets WAL with synchronous=FULL (the last commits
// survive a power cut: consent grants must not be lost), enforced foreign
// keys, and BEGIN IMMEDIATE so a transaction takes the write lock at once.
// busy_timeout remains for other processes on the file (the CLI).
func sqliteDSN(path string) string {
	return filepath.Clean(path) + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(" + sqliteBusyTimeout + ")" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_txlock=immediate"
}

// sqliteBusyTimeout is in milliseconds; tests shorten it.
var sqliteBusyTimeout = "5000"

// sqliteReaderDSN: query_only makes a write sent to a reader fail instead
// of competing with the writer for the lock.
func sqliteReaderDSN(path string) string {
	return filepath.Clean(path) + "?_pragma=busy_timeout(" + sqliteBusyTimeout + ")&_pragma=query_only(1)"
}

// Ping checks that the database answers, on the reader pool too.
func (s *Store) Ping(ctx context.Context) error {
	for _, g := range []*gorm.DB{s.db, s.rdb} {
		sqlDB, err := g.DB()
		if err != nil {
			return fmt.Errorf("storage: %w", err)
		}
		if err := sqlDB.PingContext(ctx); err != nil {
			return fmt.Errorf("storage: ping: %w", classify(ctx, err))
		}
	}
	return nil
}

// Close stops the group committer, after it has answered every write
// already queued, then closes the connections. Closing twice is harmless.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if s.commits != nil {
			s.commits.close()
		}
		var errs []error
		for _, g := range []*gorm.DB{s.rdb, s.db} {
			sqlDB, err := g.DB()
			if err == nil {
				err = sqlDB.Close()
			}
			errs = append(errs, err)
			if s.rdb == s.db {
				break
			}
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// DB exposes the gorm handle (the writer on SQLite), for tests and
// benchmarks only.
func (s *Store) DB() *gorm.DB { return s.db }

func (s *Store) now() time.Time { return s.opts.Now().UTC() }

// txKey carries a transaction in a context (fosite storage.Transactional).
type txKey struct{}

type txValue struct {
	store *Store
	tx    *gorm.DB
}

// tx returns the transaction ctx carries for this store, if any.
func (s *Store) tx(ctx context.Context) (*gorm.DB, bool) {
	if v, ok := ctx.Value(txKey{}).(txValue); ok && v.store == s {
		return v.tx.WithContext(ctx), true
	}
	return nil, false
}

// conn is for writes: the transaction carried by ctx, or the writer. Every
// write goes through it (or write): on SQLite, a method that asked for the
// writer while its caller holds it in a transaction would wait on itself.
func (s *Store) conn(ctx context.Context) *gorm.DB {
	if tx, ok := s.tx(ctx); ok {
		return tx
	}
	return s.db.WithContext(ctx)
}

// reader is for reads: the transaction carried by ctx (which must see its
// own writes), or the reader pool.
func (s *Store) reader(ctx context.Context) *gorm.DB {
	if tx, ok := s.tx(ctx); ok {
		return tx
	}
	return s.rdb.WithContext(ctx)
}

// write runs fn, one single-statement write. Outside a transaction on
// SQLite it joins the next group commit and returns once that commit is
// durable; otherwise it runs on conn(ctx). fn may run twice (see
// committer), so it must do nothing but issue its statement.
func (s *Store) write(ctx context.Context, fn func(db *gorm.DB) error) error {
	if tx, ok := s.tx(ctx); ok {
		return fn(tx)
	}
	if s.commits == nil {
		return fn(s.db.WithContext(ctx))
	}
	return classify(ctx, s.commits.do(ctx, fn))
}

// BeginTX starts a transaction and returns a context carrying it. On
// SQLite it holds the one writer until Commit or Rollback (database/sql
// rolls it back if ctx ends first).
func (s *Store) BeginTX(ctx context.Context) (context.Context, error) {
	if v, ok := ctx.Value(txKey{}).(txValue); ok && v.store == s {
		return ctx, errors.New("storage: a transaction is already open in this context")
	}
	tx := s.db.WithContext(ctx).Begin()
	if tx.Error != nil {
		return ctx, fmt.Errorf("storage: begin: %w", s.mapTxErr(ctx, tx.Error))
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
		return fmt.Errorf("storage: commit: %w", s.mapTxErr(ctx, err))
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
// which fosite reports to the client as "retry the request"; an
// unreachable database also wraps identity.ErrUnavailable (classify).
func (s *Store) mapTxErr(ctx context.Context, err error) error {
	err = classify(ctx, err)
	if retryable(err) || sqliteBusyErr(err) {
		return fmt.Errorf("%w: %w", fosite.ErrSerializationFailure, err)
	}
	return err
}

// sqliteBusyErr: the file stayed locked (by another process) for all of
// busy_timeout.
func sqliteBusyErr(err error) bool {
	var lite *gosqlite.Error
	return errors.As(err, &lite) && (lite.Code()&0xff == sqliteBusy || lite.Code()&0xff == sqliteLocked)
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
