package pgtest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

// The server pgtest would use anyway (SPOTCAST_TEST_DATABASE_URL's, or
// the one it starts), as SPOTCAST_TEST_DATABASE_URL.
func TestEnvURL(t *testing.T) {
	t.Setenv(EnvURL, Server(t))
	checkDatabases(t)
}

// The cluster pgtest starts itself, even when CI sets
// SPOTCAST_TEST_DATABASE_URL.
func TestSelfStarted(t *testing.T) {
	t.Setenv(EnvURL, "")
	admin := Server(t)
	u, err := url.Parse(admin)
	if err != nil || u.Hostname() != "127.0.0.1" {
		t.Fatalf("the cluster's admin URL %q: not on 127.0.0.1 (%v)", admin, err)
	}
	local.mu.Lock()
	c := local.c
	local.mu.Unlock()
	t.Logf("PostgreSQL %s, in %s, started in %v", c.version, c.dir, c.took.Round(time.Millisecond))
	checkDatabases(t)
}

func checkDatabases(t *testing.T) {
	t.Run("distinct and empty", func(t *testing.T) {
		a, b := URL(t), URL(t)
		if a == b {
			t.Fatalf("two calls gave one URL: %s", a)
		}
		ca, cb := open(t, a), open(t, b)
		if na, nb := query[string](t, ca, "SELECT current_database()"), query[string](t, cb, "SELECT current_database()"); na == nb || !strings.HasPrefix(na, "spotcast_test_") {
			t.Fatalf("databases %q and %q", na, nb)
		}
		const tables = "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
		for _, c := range []*pgx.Conn{ca, cb} {
			if n := query[int64](t, c, tables); n != 0 {
				t.Fatalf("a new database has %d tables", n)
			}
		}
		if _, err := ca.Exec(context.Background(), "CREATE TABLE campaigns (id bigint PRIMARY KEY, name text)"); err != nil {
			t.Fatal(err)
		}
		if n := query[int64](t, ca, tables); n != 1 {
			t.Fatalf("after CREATE TABLE: %d tables", n)
		}
		if n := query[int64](t, cb, tables); n != 0 {
			t.Fatalf("a table created in one database is in the other: %d tables", n)
		}
		if n := query[int64](t, cb, "SELECT count(*) FROM pg_tables WHERE tablename = 'campaigns'"); n != 0 {
			t.Fatal("campaigns is in the other database")
		}
	})
	t.Run("dropped after the test", func(t *testing.T) {
		var name string
		t.Run("sub", func(t *testing.T) {
			u, err := url.Parse(URL(t))
			if err != nil {
				t.Fatal(err)
			}
			name = strings.TrimPrefix(u.Path, "/")
			// A connection left open does not stop the drop.
			c, err := pgx.Connect(context.Background(), u.String())
			if err != nil {
				t.Fatal(err)
			}
			_ = c
		})
		admin := open(t, Server(t))
		if n := query[int64](t, admin, "SELECT count(*) FROM pg_database WHERE datname = '"+name+"'"); n != 0 {
			t.Fatalf("database %s is still there after its test", name)
		}
	})
}

func open(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func query[T any](t *testing.T, c *pgx.Conn, sql string) T {
	t.Helper()
	var v T
	if err := c.QueryRow(context.Background(), sql).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

// Without PostgreSQL: skipped, with the line saying how to run the tests;
// a failure with SPOTCAST_REQUIRE_POSTGRES=1.
func TestWithoutPostgres(t *testing.T) {
	empty := t.TempDir()
	env := []string{"PATH=" + empty, EnvLibDir + "=" + empty, EnvURL + "="}
	out, err := helper(t, "url", append(env, EnvRequire+"=")...).CombinedOutput()
	want := "PostgreSQL tests skipped: no PostgreSQL found (no initdb on PATH or under " + empty + "/*/bin). " + howToRun
	if err != nil || !strings.Contains(string(out), "--- SKIP") || !strings.Contains(string(out), want) {
		t.Fatalf("without PostgreSQL: %v\n%s\nwant a skip saying %q", err, out, want)
	}
	out, err = helper(t, "url", append(env, EnvRequire+"=1")...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "--- FAIL") || !strings.Contains(string(out), want) {
		t.Fatalf("without PostgreSQL, %s=1: %v\n%s\nwant a failure saying %q", EnvRequire, err, out, want)
	}
}

// The cluster a test binary starts is gone when it ends: stopped by Main,
// or (Linux) dying with a killed binary, its directory swept by the next.
func TestClusterLifetime(t *testing.T) {
	t.Setenv(EnvURL, "")
	Server(t) // skips when there is no PostgreSQL here
	t.Run("Main stops it", func(t *testing.T) {
		out, err := helper(t, "url").CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		dir, admin := helperCluster(t, string(out))
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%s is still there (%v)", dir, err)
		}
		if accepts(admin) {
			t.Errorf("%s still accepts connections", admin)
		}
	})
	t.Run("interrupted", func(t *testing.T) {
		if runtime.GOOS == "windows" {
			t.Skip("no SIGTERM")
		}
		cmd, dir, admin := holdHelper(t)
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%s is still there after SIGTERM (%v)", dir, err)
		}
		if accepts(admin) {
			t.Errorf("%s still accepts connections after SIGTERM", admin)
		}
	})
	t.Run("killed", func(t *testing.T) {
		if runtime.GOOS != "linux" {
			t.Skip("the server dies with the test binary on Linux only")
		}
		cmd, dir, admin := holdHelper(t)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		deadline := time.Now().Add(10 * time.Second)
		for accepts(admin) {
			if time.Now().After(deadline) {
				t.Fatalf("%s still accepts connections 10 s after its test binary was killed", admin)
			}
			time.Sleep(50 * time.Millisecond)
		}
		for _, err := os.Stat(dir); err == nil; _, err = os.Stat(dir) {
			sweepStale()
			if time.Now().After(deadline) {
				t.Fatalf("%s is still there after sweepStale", dir)
			}
			time.Sleep(50 * time.Millisecond) // the server may still be exiting
		}
	})
}

// holdHelper starts a child test binary that holds a cluster for a minute.
func holdHelper(t *testing.T) (cmd *exec.Cmd, dir, admin string) {
	t.Helper()
	cmd = helper(t, "hold")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "cluster ") {
			dir, admin = helperCluster(t, sc.Text())
			break
		}
	}
	if dir == "" {
		t.Fatal("the helper printed no cluster")
	}
	if !accepts(admin) {
		t.Fatalf("%s does not accept connections", admin)
	}
	go io.Copy(io.Discard, stdout)
	return cmd, dir, admin
}

func accepts(dsn string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return false
	}
	c.Close(ctx)
	return true
}

// helper runs TestHelper in a child test binary.
func helper(t *testing.T, mode string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelper$", "-test.v")
	cmd.Env = append(append(os.Environ(), "PGTEST_HELPER="+mode), env...)
	return cmd
}

func helperCluster(t *testing.T, out string) (dir, admin string) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if _, err := fmt.Sscanf(strings.TrimSpace(line), "cluster %s %s", &dir, &admin); err == nil {
			return dir, admin
		}
	}
	t.Fatalf("the helper printed no cluster:\n%s", out)
	return
}

func TestHelper(t *testing.T) {
	mode := os.Getenv("PGTEST_HELPER")
	if mode == "" {
		t.Skip("run by other tests")
	}
	URL(t)
	local.mu.Lock()
	if local.c != nil {
		fmt.Printf("cluster %s %s\n", local.c.dir, local.c.adminURL)
		if _, err := os.Stat(filepath.Join(local.c.dir, "data", "PG_VERSION")); err != nil {
			t.Error(err)
		}
	}
	local.mu.Unlock()
	if mode == "hold" {
		time.Sleep(time.Minute)
	}
}

func TestVersionLess(t *testing.T) {
	for _, c := range []struct{ a, b string }{{"9.6", "10"}, {"13", "15"}, {"15", "16.1"}, {"16", "16.1"}} {
		if !versionLess(c.a, c.b) || versionLess(c.b, c.a) {
			t.Errorf("versionLess(%q, %q) wrong", c.a, c.b)
		}
	}
}
