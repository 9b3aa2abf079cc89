// Package store keeps spotcast's state in a database: SQLite in the state
// directory by default (modernc.org/sqlite, pure Go, so `go run .` needs
// nothing but Go), or PostgreSQL (pgx) for a team whose hosts share it.
// Both run the same SQL with the same semantics (one contract test suite
// runs on each): campaigns with their batch plan and file, submission
// events, job snapshots, claims with a lease, drafts and test numbers per
// operator, and uploaded contact lists. Every write is a transaction
// committed durably before it returns (WAL with synchronous=FULL on
// SQLite), so a POST is only made after its pending event is on disk.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"

	"spotcast/campaign"
)

// FileName is the SQLite database's name inside the state directory.
const FileName = "spotcast.db"

// DefaultLease is how long a claim holds without being renewed: a host
// that dies holding one blocks its campaign this long at most.
const DefaultLease = 30 * time.Second

// Options say which database to open.
type Options struct {
	// StateDir holds the SQLite database (when URL is "") and the files
	// from before the database, imported on open.
	StateDir string
	// URL is "" (SQLite in StateDir), a postgres:// or postgresql:// URL,
	// or sqlite:PATH for a SQLite file elsewhere.
	URL string
	// Lease is the claim lease (0: DefaultLease).
	Lease time.Duration
	// Now is the clock for timestamps (nil: time.Now).
	Now func() time.Time
}

// DB is an open store. It is safe for concurrent use: one is shared by
// every SSH session of a server.
type DB struct {
	db     *sql.DB
	d      dialect
	where  string
	path   string // the SQLite file; "" for PostgreSQL
	holder string // "host/pid/nonce": who holds a claim, in messages
	host   string
	lease  time.Duration
	now    func() time.Time
	// renew is false in tests that play a host that stopped renewing.
	renew bool
	// Imported says what was imported from the files at this open (nil:
	// nothing was).
	Imported *FileImport

	mu     sync.Mutex
	claims map[string]chan struct{} // campaign → stops its renewal
}

var _ campaign.Store = (*DB)(nil)

// Open opens (creating it when needed) the database o names, applies the
// schema migrations it lacks and imports the files from before the
// database found in o.StateDir.
func Open(ctx context.Context, o Options) (*DB, error) {
	s := &DB{lease: o.Lease, now: o.Now, renew: true, claims: map[string]chan struct{}{}}
	if s.lease <= 0 {
		s.lease = DefaultLease
	}
	if s.now == nil {
		s.now = time.Now
	}
	host, _ := os.Hostname()
	s.host = strings.ReplaceAll(campaign.SanitizeLine(host, 40), "/", "_")
	var b [4]byte
	rand.Read(b[:])
	s.holder = fmt.Sprintf("%s/%d/%s", s.host, os.Getpid(), hex.EncodeToString(b[:]))

	u := strings.TrimSpace(o.URL)
	switch {
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		db, err := sql.Open("pgx", u)
		if err != nil {
			return nil, fmt.Errorf("database %s: %w", redact(u), err)
		}
		s.db, s.d, s.where = db, postgresDialect, redact(u)
		db.SetMaxOpenConns(16)
	case u == "", strings.HasPrefix(u, "sqlite:"):
		p := strings.TrimPrefix(strings.TrimPrefix(u, "sqlite:"), "//")
		if p == "" {
			if o.StateDir == "" {
				return nil, errors.New("no state directory and no database URL: nowhere to keep campaigns")
			}
			p = filepath.Join(o.StateDir, FileName)
		}
		db, err := openSQLite(p)
		if err != nil {
			return nil, err
		}
		s.db, s.d, s.where, s.path = db, sqliteDialect, p, p
	default:
		return nil, fmt.Errorf("database %q: use a postgres://… URL, or sqlite:PATH (leave it empty for SQLite in the state directory)", redact(u))
	}
	if err := s.db.PingContext(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("database %s: %w", s.where, err)
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("database %s: %w", s.where, err)
	}
	if o.StateDir != "" {
		imp, err := s.importFiles(ctx, o.StateDir)
		if err != nil {
			s.db.Close()
			return nil, fmt.Errorf("database %s: importing the files in %s: %w", s.where, o.StateDir, err)
		}
		s.Imported = imp
	}
	return s, nil
}

// openSQLite opens the file (0600, its directory 0700) in WAL mode with
// durable commits; writers wait for each other rather than fail.
func openSQLite(p string) (*sql.DB, error) {
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return nil, fmt.Errorf("creating the directory of %s: %w", p, err)
	}
	// SQLite gives its -wal and -shm files the database file's mode.
	if f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600); err == nil {
		f.Close()
	} else {
		return nil, fmt.Errorf("database %s: %w", p, err)
	}
	q := url.Values{}
	for _, p := range []string{"busy_timeout(15000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate") // a write transaction takes the lock first, never upgrades
	db, err := sql.Open("sqlite", "file:"+p+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", p, err)
	}
	// One connection: this process's writers queue here rather than on
	// SQLite's lock, and the descriptors it holds stay put.
	db.SetMaxOpenConns(1)
	return db, nil
}

// redact drops a URL's password (and query, which may hold one).
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(an unreadable database URL)"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	u.RawQuery, u.Fragment = "", ""
	return u.String()
}

// Close releases this process's claims and closes the database.
func (s *DB) Close() error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	ids := make([]string, 0, len(s.claims))
	for id := range s.claims {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	for _, id := range ids {
		s.release(id)
	}
	return s.db.Close()
}

// Where is the database's path, or its URL without the password.
func (s *DB) Where() string { return s.where }

// Engine is "sqlite" or "postgres".
func (s *DB) Engine() string { return s.d.name }

// q is query in the dialect's placeholders.
func (s *DB) q(query string) string { return s.d.rebind(query) }

// tx runs fn in a write transaction and commits it.
func (s *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Info is what `spotcast db` shows.
type Info struct {
	Engine        string `json:"engine"`
	Where         string `json:"where"`
	SchemaVersion int    `json:"schemaVersion"`
	SizeBytes     int64  `json:"sizeBytes"`
	Campaigns     int    `json:"campaigns"`
	Events        int    `json:"events"`
	Drafts        int    `json:"drafts"`
	Uploads       int    `json:"uploads"`
}

// Info reads where the database is, its schema version, size and counts.
func (s *DB) Info(ctx context.Context) (Info, error) {
	in := Info{Engine: s.d.name, Where: s.where}
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&in.SchemaVersion); err != nil {
		return in, err
	}
	for _, c := range []struct {
		table string
		n     *int
	}{{"campaigns", &in.Campaigns}, {"events", &in.Events}, {"drafts", &in.Drafts}, {"uploads", &in.Uploads}} {
		if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+c.table).Scan(c.n); err != nil {
			return in, err
		}
	}
	if s.path != "" {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if st, err := os.Stat(s.path + suffix); err == nil {
				in.SizeBytes += st.Size()
			}
		}
		return in, nil
	}
	err := s.db.QueryRowContext(ctx, `SELECT pg_database_size(current_database())`).Scan(&in.SizeBytes)
	return in, err
}
