package sshd

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// TestSoakSessionsOpenAndDrop opens 60 sessions in waves of 10 with a real
// SSH client: TUI sessions that quit, TUI sessions whose connection is cut
// on the first screen or on the Recipients step with an import running,
// piped imports that finish, and piped imports whose connection is cut while
// the CSV is still streaming. Afterwards no session, connection, goroutine
// or file descriptor is left over, and no cut upload is kept as if it were
// a whole contact list.
func TestSoakSessionsOpenAndDrop(t *testing.T) {
	if testing.Short() {
		t.Skip("soak: 60 SSH sessions")
	}
	const waves, perWave = 6, 10
	ops := make([]testKey, waves*perWave+1) // one operator per session: no drafts in the way
	var authorized strings.Builder
	for i := range ops {
		ops[i] = newKey(t, fmt.Sprintf("op%02d", i))
		authorized.WriteString(ops[i].line())
	}
	h := newHarness(t, authorized.String())
	h.start()

	small := "name,phone\nAsha,+91 98765 43210\nRavi,+44 7400 123456\n"
	var big bytes.Buffer
	big.WriteString("name,phone\n")
	for i := range 300_000 {
		fmt.Fprintf(&big, "Person %d,+91 98%03d %05d\n", i, i%1000, i%100000)
	}
	// The TUI sessions that are cut mid-import find big.csv in their own
	// import folder (hard links: one copy on disk).
	bigPath := filepath.Join(h.dir, "big.csv")
	if err := os.WriteFile(bigPath, big.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	folder := func(k testKey) string {
		return filepath.Join(h.cfg.StateDir, "imports", identity{Fingerprint: gossh.FingerprintSHA256(k.signer.PublicKey()), Comment: k.comment}.dirName())
	}
	for i := range ops {
		if i%5 == 2 || i == len(ops)-1 {
			if err := os.MkdirAll(folder(ops[i]), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Link(bigPath, filepath.Join(folder(ops[i]), "big.csv")); err != nil {
				t.Skip("hard links not supported here:", err)
			}
		}
	}

	session := func(i int, k testKey) error {
		c, err := h.dial(k)
		if err != nil {
			return fmt.Errorf("dial: %w", err)
		}
		defer c.Close()
		switch i % 5 {
		case 0: // TUI, quit with ctrl+c
			tm, err := openPTY(c)
			if err != nil {
				return err
			}
			if err := tm.waitForErr("step 1 of"); err != nil {
				return err
			}
			if _, err := tm.in.Write([]byte{3}); err != nil {
				return err
			}
			if code, err := endOf(tm); err != nil || code != 0 {
				return fmt.Errorf("TUI after ctrl+c: exit %d, %v; want 0", code, err)
			}
		case 1: // TUI, connection cut on the first screen
			tm, err := openPTY(c)
			if err != nil {
				return err
			}
			if err := tm.waitForErr("step 1 of"); err != nil {
				return err
			}
			return c.Close()
		case 2: // TUI, connection cut on the Recipients step while importing
			tm, err := openPTY(c)
			if err != nil {
				return err
			}
			if err := tm.waitForErr("step 1 of"); err != nil {
				return err
			}
			steps := []struct{ keys, want string }{
				{"\r", "step 2 of"},
				{"soak", "soak"},
				{"\t", "Recipients"},
				{"i", "CSV path:"},
				{"big.csv\r", "Importing"},
			}
			for _, s := range steps {
				if _, err := tm.in.Write([]byte(s.keys)); err != nil {
					return err
				}
				if err := tm.waitForErr(s.want); err != nil {
					return err
				}
			}
			return c.Close()
		case 3: // piped import that completes
			sess, err := c.NewSession()
			if err != nil {
				return err
			}
			out := &syncBuffer{} // stdout and stderr are copied concurrently
			sess.Stdin, sess.Stdout, sess.Stderr = strings.NewReader(small), out, out
			if err := sess.Run("import"); err != nil {
				return fmt.Errorf("import: %v\n%s", err, out.String())
			}
		case 4: // piped import, connection cut while the CSV streams in
			sess, err := c.NewSession()
			if err != nil {
				return err
			}
			in, err := sess.StdinPipe()
			if err != nil {
				return err
			}
			if err := sess.Start("import"); err != nil {
				return err
			}
			if _, err := in.Write(big.Bytes()[:1<<20]); err != nil {
				return err
			}
			return c.Close()
		}
		return nil
	}

	// Warm up once per kind so lazily started goroutines (pools, the
	// sandbox's keep-alive connections) are in the baseline.
	for i := range 5 {
		if err := session(i, ops[len(ops)-1]); err != nil {
			t.Fatalf("warm-up session %d: %v", i, err)
		}
	}
	waitIdle(t, h)
	baseG := settledGoroutines(-1)
	baseFD := openFDs(t)

	start := time.Now()
	for w := range waves {
		var wg sync.WaitGroup
		errs := make([]error, perWave)
		for j := range perWave {
			i := w*perWave + j
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[j] = session(i, ops[i])
			}()
		}
		wg.Wait()
		for j, err := range errs {
			if err != nil {
				t.Errorf("wave %d session %d (kind %d): %v", w, w*perWave+j, (w*perWave+j)%5, err)
			}
		}
	}
	waitIdle(t, h)
	g := settledGoroutines(baseG)
	fds := openFDs(t)
	for i := 0; i < 200 && fds > baseFD; i++ {
		time.Sleep(10 * time.Millisecond)
		fds = openFDs(t)
	}
	t.Logf("%d sessions in %v; goroutines %d → %d, open fds %d → %d", waves*perWave, time.Since(start).Round(time.Millisecond), baseG, g, baseFD, fds)
	if g > baseG {
		buf := make([]byte, 1<<20)
		t.Errorf("goroutines: %d before, %d after the soak\n%s", baseG, g, buf[:runtime.Stack(buf, true)])
	}
	if fds > baseFD {
		t.Errorf("file descriptors: %d before, %d after the soak", baseFD, fds)
	}

	// A cut upload is not kept: only the completed imports' files are. A
	// TUI cut on the Recipients step kept its draft, content included.
	for i := range waves * perWave {
		if i%5 == 2 {
			id := identity{Fingerprint: gossh.FingerprintSHA256(ops[i].signer.PublicKey()), Comment: ops[i].comment}
			if d, err := h.srv.store.LatestDraft(id.Operator()); err != nil || d == nil || d.Content != "soak" {
				t.Errorf("session %d was cut on the Recipients step: draft %+v, %v; want its content saved", i, d, err)
			}
		}
		uploads, _ := filepath.Glob(filepath.Join(folder(ops[i]), "upload-*.csv"))
		want := 0
		if i%5 == 3 {
			want = 1
		}
		if len(uploads) != want {
			t.Errorf("session %d (kind %d) left %d upload(s) in its folder, want %d", i, i%5, len(uploads), want)
		}
		for _, u := range uploads {
			if b, _ := os.ReadFile(u); string(b) != small {
				t.Errorf("%s is not the whole file that was sent (%d bytes)", u, len(b))
			}
		}
	}
}

// openPTY is openTerm for goroutines other than the test's: errors are
// returned, not fatal.
func openPTY(c *gossh.Client) (*term, error) {
	sess, err := c.NewSession()
	if err != nil {
		return nil, err
	}
	if err := sess.Setenv("NO_COLOR", "1"); err != nil {
		return nil, err
	}
	if err := sess.RequestPty("xterm-256color", 30, 100, gossh.TerminalModes{}); err != nil {
		return nil, err
	}
	in, err := sess.StdinPipe()
	if err != nil {
		return nil, err
	}
	tm := &term{sess: sess, in: in, out: &syncBuffer{}, ended: make(chan error, 1)}
	sess.Stdout, sess.Stderr = tm.out, tm.out
	if err := sess.Shell(); err != nil {
		return nil, err
	}
	go func() { tm.ended <- sess.Wait() }()
	return tm, nil
}

// endOf waits for the session's exit status.
func endOf(tm *term) (int, error) {
	select {
	case err := <-tm.ended:
		var ee *gossh.ExitError
		if errors.As(err, &ee) {
			return ee.ExitStatus(), nil
		}
		return 0, err
	case <-time.After(waitTimeout):
		return -1, fmt.Errorf("session did not end; output:\n%q", tail(tm.out.String(), 2000))
	}
}

// waitIdle waits until the server counts no session and no connection.
func waitIdle(t *testing.T, h *harness) {
	t.Helper()
	for deadline := time.Now().Add(waitTimeout); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if h.srv.activeSessions() == 0 && h.srv.openConns() == 0 {
			return
		}
	}
	t.Fatalf("after every client left: %d sessions, %d connections still open", h.srv.activeSessions(), h.srv.openConns())
}

// openFDs counts this process's open file descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	return len(ents)
}
