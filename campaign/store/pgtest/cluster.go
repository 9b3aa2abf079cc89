package pgtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// dirPrefix names the clusters' directories under os.TempDir.
const dirPrefix = "spotcast-pgtest-"

// cluster is a PostgreSQL server this test binary started.
type cluster struct {
	dir      string // the temporary directory: data/, postgres.log, the socket
	adminURL string
	version  string
	took     time.Duration // initdb and start
	cmd      *exec.Cmd
	exited   chan struct{} // closed when the server has exited
}

type binaries struct {
	initdb, postgres string
}

// findBinaries looks for initdb (and postgres beside it, or on PATH) on
// PATH, then under /usr/lib/postgresql/<version>/bin, newest version first.
func findBinaries() (binaries, error) {
	if initdb, err := exec.LookPath("initdb"); err == nil {
		dirs := []string{filepath.Dir(initdb)}
		if real, err := filepath.EvalSymlinks(initdb); err == nil {
			dirs = append([]string{filepath.Dir(real)}, dirs...)
		}
		for _, d := range dirs {
			if p := filepath.Join(d, "postgres"); isExecutable(p) {
				return binaries{initdb, p}, nil
			}
		}
		if p, err := exec.LookPath("postgres"); err == nil {
			return binaries{initdb, p}, nil
		}
	}
	libdir := os.Getenv(EnvLibDir)
	if libdir == "" {
		libdir = "/usr/lib/postgresql"
	}
	matches, _ := filepath.Glob(filepath.Join(libdir, "*", "bin", "initdb"))
	sort.Slice(matches, func(i, j int) bool {
		return versionLess(filepath.Base(filepath.Dir(filepath.Dir(matches[j]))), filepath.Base(filepath.Dir(filepath.Dir(matches[i]))))
	})
	for _, initdb := range matches {
		if p := filepath.Join(filepath.Dir(initdb), "postgres"); isExecutable(initdb) && isExecutable(p) {
			return binaries{initdb, p}, nil
		}
	}
	return binaries{}, fmt.Errorf("no PostgreSQL found (no initdb on PATH or under %s/*/bin)", libdir)
}

// versionLess orders "9.6" < "15" < "16.1".
func versionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, errx := strconv.Atoi(as[i])
		y, erry := strconv.Atoi(bs[i])
		if errx != nil || erry != nil {
			if as[i] != bs[i] {
				return as[i] < bs[i]
			}
			continue
		}
		if x != y {
			return x < y
		}
	}
	return len(as) < len(bs)
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// startCluster initdbs a cluster into a new temporary directory and starts
// it on 127.0.0.1 and a free port.
func startCluster() (*cluster, error) {
	begin := time.Now()
	bins, err := findBinaries()
	if err != nil {
		return nil, err
	}
	user, err := unprivilegedUser()
	if err != nil {
		return nil, err
	}
	sweepStale()
	dir, err := os.MkdirTemp("", dirPrefix)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(dir)
		}
	}()
	// Whose directory this is, for sweepStale.
	if err := os.WriteFile(filepath.Join(dir, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return nil, err
	}
	if user != nil {
		if err := os.Chown(dir, int(user.uid), int(user.gid)); err != nil {
			return nil, fmt.Errorf("give %s to the %s user: %w", dir, user.name, err)
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(bins.initdb, "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync")
	initdb.Dir = dir
	initdb.Env = childEnv(dir)
	initdb.SysProcAttr = sysProcAttr(user, false)
	if out, err := initdb.CombinedOutput(); err != nil {
		as := ""
		if user != nil {
			as = " as " + user.name
		}
		return nil, fmt.Errorf("%s%s failed: %v\n%s", bins.initdb, as, err, tail(out))
	}
	// Trust, on the socket and 127.0.0.1 only (the server listens on nothing else).
	hba := "local all all trust\nhost all all 127.0.0.1/32 trust\n"
	if err := os.WriteFile(filepath.Join(data, "pg_hba.conf"), []byte(hba), 0o600); err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		c, retry, err := startServer(bins, user, dir)
		if err == nil {
			ok = true
			c.took = time.Since(begin)
			return c, nil
		}
		lastErr = err
		if !retry {
			break
		}
	}
	return nil, lastErr
}

// startServer starts postgres on a free port and waits until it accepts
// connections. retry reports a port taken between choosing and binding it.
func startServer(bins binaries, user *osUser, dir string) (c *cluster, retry bool, err error) {
	port, err := freePort()
	if err != nil {
		return nil, false, err
	}
	logPath := filepath.Join(dir, "postgres.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, false, err
	}
	defer logFile.Close()
	args := []string{
		"-D", filepath.Join(dir, "data"),
		"-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories=" + dir,
		"-c", "max_connections=200",
	}
	if os.Getenv(EnvDurable) != "1" {
		// Durability is not what these tests are about; speed is.
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	cmd := exec.Command(bins.postgres, args...)
	cmd.Dir = dir
	cmd.Env = childEnv(dir)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = sysProcAttr(user, true)
	c = &cluster{
		dir:      dir,
		adminURL: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port),
		cmd:      cmd,
		exited:   make(chan struct{}),
	}
	started := make(chan error, 1)
	go func() {
		// On Linux the server gets SIGQUIT (immediate shutdown) when the
		// thread that started it ends: lock this goroutine to its thread,
		// and keep it until the server has exited.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		cmd.Wait()
		close(c.exited)
	}()
	if err := <-started; err != nil {
		return nil, false, fmt.Errorf("start %s: %w", bins.postgres, err)
	}
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-c.exited:
			log, _ := os.ReadFile(logPath)
			retry := bytes.Contains(log, []byte("could not bind")) || bytes.Contains(log, []byte("already in use"))
			return nil, retry, fmt.Errorf("%s exited while starting (%v); the end of its log, %s:\n%s", bins.postgres, cmd.ProcessState, logPath, tail(log))
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := connect(ctx, c.adminURL)
		if err == nil {
			err = conn.QueryRow(ctx, "SHOW server_version").Scan(&c.version)
			conn.Close(ctx)
		}
		cancel()
		if err == nil {
			return c, false, nil
		}
		if time.Now().After(deadline) {
			c.stop()
			log, _ := os.ReadFile(logPath)
			return nil, false, fmt.Errorf("%s did not accept connections within %v (%v); the end of its log, %s:\n%s", bins.postgres, timeout, err, logPath, tail(log))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop shuts the server down at once (SIGQUIT, as pg_ctl stop -m
// immediate) and removes its directory.
func (c *cluster) stop() {
	if c.cmd.Process != nil {
		if err := c.cmd.Process.Signal(syscall.SIGQUIT); err != nil {
			c.cmd.Process.Kill()
		}
		select {
		case <-c.exited:
		case <-time.After(10 * time.Second):
			c.cmd.Process.Kill()
			<-c.exited
		}
	}
	os.RemoveAll(c.dir)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// childEnv is the environment of initdb and postgres: without PG*
// variables (PGDATA, PGPORT…) that would change what they do.
func childEnv(dir string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") || strings.HasPrefix(kv, "LC_") || strings.HasPrefix(kv, "LANG=") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LANG=C", "LC_ALL=C", "HOME="+dir)
}

// tail is the last lines of a log, for an error message.
func tail(b []byte) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return "  " + strings.Join(lines, "\n  ")
}

// sweepStale removes the directories of clusters left behind by test
// binaries that are gone (killed before Main could stop their cluster).
func sweepStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, "owner.pid"))
		if err != nil {
			// Just created (owner.pid comes next), or not ours: only
			// when it is old.
			if fi, err := os.Stat(dir); err == nil && time.Since(fi.ModTime()) > time.Hour {
				os.RemoveAll(dir)
			}
			continue
		}
		if owner, err := strconv.Atoi(strings.TrimSpace(string(b))); err != nil || processAlive(owner) {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid")); err == nil {
			first, _, _ := strings.Cut(string(b), "\n")
			if pid, err := strconv.Atoi(strings.TrimSpace(first)); err == nil && processAlive(pid) {
				continue
			}
		}
		os.RemoveAll(dir) // another user's: not ours to remove, and harmless
	}
}
