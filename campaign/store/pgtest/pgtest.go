// Package pgtest gives tests a fresh, empty PostgreSQL database.
//
// URL returns the address of a new database, dropped when the test ends.
// The server is the one SPOTCAST_TEST_DATABASE_URL names (CI's) or, when
// that is unset, a throwaway cluster this package starts once per test
// binary from the PostgreSQL installed on the machine (initdb on PATH or
// under /usr/lib/postgresql/*/bin, newest version). When there is neither,
// the test is skipped with a line saying how to run it — or fails, when
// SPOTCAST_REQUIRE_POSTGRES=1 (CI never skips).
//
// A package whose tests call URL or Server must have
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// or, when its TestMain does more around the tests, call Run (Main
// without os.Exit) from it. Main stops the cluster and removes its directory after the tests, and
// when the test binary is interrupted (SIGINT, SIGTERM, SIGHUP). On Linux
// the cluster also dies with the test binary if that is killed outright;
// its directory, under the temporary directory, is never reused, and a
// later run removes it.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The environment variables pgtest reads.
const (
	// EnvURL names a server to use instead of starting one: a
	// postgres:// URL whose user may CREATE DATABASE. Each URL call
	// creates a database on it.
	EnvURL = "SPOTCAST_TEST_DATABASE_URL"
	// EnvRequire, set to 1, turns "PostgreSQL tests skipped" into a
	// failure.
	EnvRequire = "SPOTCAST_REQUIRE_POSTGRES"
	// EnvLibDir replaces /usr/lib/postgresql, the directory searched for
	// <version>/bin/initdb when initdb is not on PATH.
	EnvLibDir = "SPOTCAST_POSTGRES_LIBDIR"
	// EnvDurable, set to 1, starts the throwaway cluster with PostgreSQL's
	// durable defaults (fsync, synchronous_commit, full_page_writes on)
	// instead of without them: for benchmarks of a durable commit.
	EnvDurable = "SPOTCAST_PGTEST_DURABLE"
)

const howToRun = "To run them: apt-get install postgresql (initdb is found under /usr/lib/postgresql/*/bin), or set " + EnvURL + "=postgres://user@host/db"

// timeout bounds each administrative step: a connection, a CREATE or DROP
// DATABASE, the start of the cluster.
const timeout = 30 * time.Second

var mainCalled atomic.Bool

// URL returns the address (postgres://…) of a new, empty database on the
// test server, dropped (WITH (FORCE): open connections are closed) when t
// and its subtests have finished. Each call gives a distinct database.
func URL(t testing.TB) string {
	t.Helper()
	admin := Server(t)
	name := "spotcast_test_" + randomHex(8)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	conn, err := connect(ctx, admin)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer conn.Close(context.Background())
	// template0, not template1: empty whatever was added to template1, and
	// never "source database is being accessed by other users".
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+
		" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'")
	if err != nil {
		t.Fatalf("pgtest: create database %s on %s: %v", name, redact(admin), err)
	}
	t.Cleanup(func() {
		if err := dropDatabase(admin, name); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String()
}

// Server returns the address of the test server's administrative
// database, connected to as a user that may create and drop databases and
// end other sessions (pg_terminate_backend): EnvURL when it is set,
// otherwise the cluster pgtest started (starting it on the first call).
// Tests that only need a database should call URL.
func Server(t testing.TB) (adminURL string) {
	t.Helper()
	if !mainCalled.Load() {
		t.Fatal("pgtest: this package's tests need func TestMain(m *testing.M) { pgtest.Main(m) } (or one calling pgtest.Run), which stops the PostgreSQL cluster after them")
	}
	if env := os.Getenv(EnvURL); env != "" {
		u, err := url.Parse(env)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
			t.Fatalf("pgtest: %s must be a URL such as postgres://user@host/db, not %q", EnvURL, redact(env))
		}
		return env
	}
	c, err := local.get()
	if err != nil {
		msg := fmt.Sprintf("PostgreSQL tests skipped: %v. %s", err, howToRun)
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("%s", msg)
		}
		t.Skip(msg)
	}
	return c.adminURL
}

// Main runs the tests of a package that uses URL or Server, then stops
// the cluster pgtest started, if any, removes its directory and exits
// with the tests' code. Call it from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run is Main without the exit: it runs the tests, stops the cluster and
// returns the tests' exit code, for a TestMain that has more to do
// before and after them (build a binary, remove it):
//
//	func TestMain(m *testing.M) {
//		setUp()
//		code := pgtest.Run(m)
//		tearDown()
//		os.Exit(code)
//	}
//
// An interrupting signal still stops the cluster and ends the test binary
// at once, as with Main.
func Run(m *testing.M) int {
	mainCalled.Store(true)
	sigs := make(chan os.Signal, 1)
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP} {
		if !signal.Ignored(sig) {
			signal.Notify(sigs, sig)
		}
	}
	go func() {
		sig := <-sigs
		local.stop()
		// Die of the signal, as without this handler.
		signal.Reset(sig)
		if p, err := os.FindProcess(os.Getpid()); err == nil {
			p.Signal(sig)
		}
		time.Sleep(time.Second)
		os.Exit(2)
	}()
	code := m.Run()
	signal.Stop(sigs)
	local.stop()
	return code
}

// localState is the cluster started for this test binary.
type localState struct {
	once    sync.Once
	mu      sync.Mutex
	c       *cluster
	err     error
	stopped bool
}

var local localState

func (s *localState) get() (*cluster, error) {
	s.once.Do(func() {
		c, err := startCluster()
		s.mu.Lock()
		defer s.mu.Unlock()
		if err == nil && s.stopped {
			// Main is shutting down (a signal) while this was starting.
			c.stop()
			c, err = nil, errors.New("pgtest: the tests are stopping")
		}
		s.c, s.err = c, err
	})
	return s.c, s.err
}

func (s *localState) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
	if s.c != nil {
		s.c.stop()
		s.c = nil
		s.err = errors.New("pgtest: the cluster was stopped (after the tests)")
	}
}

func connect(ctx context.Context, dsn string) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", redact(dsn), err)
	}
	return conn, nil
}

func dropDatabase(admin, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	conn, err := connect(ctx, admin)
	if err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	defer conn.Close(context.Background())
	var version int
	if err := conn.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&version); err != nil {
		return fmt.Errorf("drop database %s: server version: %w", name, err)
	}
	drop := "DROP DATABASE IF EXISTS " + pgx.Identifier{name}.Sanitize()
	if version >= 130000 {
		drop += " WITH (FORCE)"
	} else {
		// Before 13 there is no FORCE: end the sessions first.
		if _, err := conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name); err != nil {
			return fmt.Errorf("drop database %s: end its sessions: %w", name, err)
		}
	}
	if _, err := conn.Exec(ctx, drop); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// redact hides a URL's password.
func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		return u.Redacted()
	}
	if strings.Contains(dsn, "password") {
		return "(a connection string with a password)"
	}
	return dsn
}
