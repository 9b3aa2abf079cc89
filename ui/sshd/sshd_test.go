package sshd

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/log"
	gossh "golang.org/x/crypto/ssh"

	"spotcast/campaign"
	"spotcast/client"
	"spotcast/client/sandbox"
)

// waitTimeout bounds every wait for output; generous for -race on 2 cores.
const waitTimeout = 15 * time.Second

type testKey struct {
	signer  gossh.Signer
	comment string
}

func newKey(t testing.TB, comment string) testKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{signer: s, comment: comment}
}

// line is the key's authorized_keys line.
func (k testKey) line() string {
	l := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k.signer.PublicKey())))
	if k.comment != "" {
		l += " " + k.comment
	}
	return l + "\n"
}

// syncBuffer collects a log or a session's output from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

type harness struct {
	t        testing.TB
	dir      string
	keysPath string
	cfg      Config
	logs     *syncBuffer
	srv      *Server
	addr     string
	cancel   context.CancelFunc
	done     chan error
}

// newHarness writes authorized_keys with the given lines and prepares a
// config against a fresh sandbox API.
func newHarness(t testing.TB, authorized string) *harness {
	t.Helper()
	dir := t.TempDir()
	keysPath := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(keysPath, []byte(authorized), 0o600); err != nil {
		t.Fatal(err)
	}
	api, err := sandbox.New().Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close(context.Background()) })
	logs := &syncBuffer{}
	logger := log.New(logs)
	logger.SetLevel(log.DebugLevel)
	return &harness{
		t: t, dir: dir, keysPath: keysPath, logs: logs,
		cfg: Config{
			AuthorizedKeys: keysPath,
			StateDir:       filepath.Join(dir, "state"),
			Engine: &campaign.Engine{API: client.New(client.WithBaseURL(api.URL), client.WithAPIKey(sandbox.Key)),
				Target: campaign.Target{Sandbox: true}},
			Sandbox:        true,
			DefaultCountry: "IN",
			Logger:         logger,
		},
	}
}

// start runs the server on a random loopback port until the test ends.
func (h *harness) start() {
	h.t.Helper()
	s, err := New(h.cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.srv, h.addr, h.cancel, h.done = s, ln.Addr().String(), cancel, make(chan error, 1)
	go func() { h.done <- s.Run(ctx, ln) }()
	h.t.Cleanup(h.stop)
}

// stop cancels Run and waits for it (once).
func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	h.cancel = nil
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("Run: %v", err)
		}
	case <-time.After(ShutdownTimeout + 5*time.Second):
		h.t.Errorf("Run did not return after its context was cancelled")
	}
}

func (h *harness) waitLog(want string) {
	h.t.Helper()
	for deadline := time.Now().Add(waitTimeout); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if strings.Contains(h.logs.String(), want) {
			return
		}
	}
	h.t.Fatalf("server log lacks %q:\n%s", want, h.logs.String())
}

func (h *harness) dial(k testKey) (*gossh.Client, error) {
	return gossh.Dial("tcp", h.addr, &gossh.ClientConfig{
		User:            "operator",
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(k.signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         waitTimeout,
	})
}

func (h *harness) mustDial(k testKey) *gossh.Client {
	h.t.Helper()
	c, err := h.dial(k)
	if err != nil {
		h.t.Fatalf("dial: %v", err)
	}
	h.t.Cleanup(func() { c.Close() })
	return c
}

// term is an interactive PTY session, as `ssh -t` opens one.
type term struct {
	t     testing.TB
	sess  *gossh.Session
	in    io.WriteCloser
	out   *syncBuffer
	ended chan error
	seen  int // how much of out waitFor has consumed
}

func openTerm(t testing.TB, c *gossh.Client, w, h int) *term {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	// Text without colour codes: easier to search, and exercises NO_COLOR.
	if err := sess.Setenv("NO_COLOR", "1"); err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	in, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	tm := &term{t: t, sess: sess, in: in, out: &syncBuffer{}, ended: make(chan error, 1)}
	sess.Stdout = tm.out
	sess.Stderr = tm.out
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	go func() { tm.ended <- sess.Wait() }()
	return tm
}

// waitFor waits until want appears in output not yet consumed.
func (tm *term) waitFor(want string) {
	tm.t.Helper()
	if err := tm.waitForErr(want); err != nil {
		tm.t.Fatal(err)
	}
}

// waitForErr is waitFor for goroutines other than the test's.
func (tm *term) waitForErr(want string) error {
	deadline := time.Now().Add(waitTimeout)
	for time.Now().Before(deadline) {
		s := tm.out.String()
		if i := strings.Index(s[tm.seen:], want); i >= 0 {
			tm.seen += i + len(want)
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("%q did not appear; output:\n%q", want, tail(tm.out.String(), 2000))
}

// wait waits for the session to end and returns its exit status.
func (tm *term) wait() int {
	tm.t.Helper()
	select {
	case err := <-tm.ended:
		var ee *gossh.ExitError
		if errors.As(err, &ee) {
			return ee.ExitStatus()
		}
		if err != nil {
			tm.t.Fatalf("session: %v", err)
		}
		return 0
	case <-time.After(waitTimeout):
		tm.t.Fatalf("session did not end; output:\n%q", tail(tm.out.String(), 2000))
		return -1
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func TestAuthorizedKeyGetsTheTUIAndAnswersKeys(t *testing.T) {
	alice := newKey(t, "alice@laptop")
	h := newHarness(t, alice.line())
	h.start()
	tm := openTerm(t, h.mustDial(alice), 100, 30)
	tm.waitFor("spotcast")
	tm.waitFor("step 1 of")
	tm.waitFor("alice@laptop")
	if _, err := tm.in.Write([]byte("\t")); err != nil {
		t.Fatal(err)
	}
	tm.waitFor("step 2 of")
	if _, err := tm.in.Write([]byte{3}); err != nil { // ctrl+c
		t.Fatal(err)
	}
	code := tm.wait()
	if code != 0 {
		t.Errorf("exit status after ctrl+c in the composer = %d, want 0 (a normal end)", code)
	}
	// The exit status reaches the client just before the end is logged.
	h.waitLog("session end")
	logs := h.logs.String()
	fp := gossh.FingerprintSHA256(alice.signer.PublicKey())
	for _, want := range []string{"session start", "session end", fp, "alice@laptop"} {
		if !strings.Contains(logs, want) {
			t.Errorf("server log lacks %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, sandbox.Key) {
		t.Errorf("server log contains the API key:\n%s", logs)
	}
}

func TestResizeReachesTheTUI(t *testing.T) {
	alice := newKey(t, "alice")
	h := newHarness(t, alice.line())
	h.start()
	tm := openTerm(t, h.mustDial(alice), 100, 30)
	tm.waitFor("step 1 of")
	if err := tm.sess.WindowChange(10, 40); err != nil {
		t.Fatal(err)
	}
	tm.waitFor("too small")
	if err := tm.sess.WindowChange(30, 100); err != nil {
		t.Fatal(err)
	}
	tm.waitFor("step 1 of")
}

func TestIdleOperatorIsDisconnected(t *testing.T) {
	alice := newKey(t, "alice")
	h := newHarness(t, alice.line())
	h.cfg.IdleTimeout = 300 * time.Millisecond
	h.start()
	tm := openTerm(t, h.mustDial(alice), 100, 30)
	tm.waitFor("step 1 of")
	// The Content step's blinking cursor keeps redrawing: output is not
	// activity, only keys are.
	if _, err := tm.in.Write([]byte("\t")); err != nil {
		t.Fatal(err)
	}
	tm.waitFor("no key pressed for 300ms")
	tm.wait()
}

func TestImportWithATerminalIsRefused(t *testing.T) {
	alice := newKey(t, "alice")
	h := newHarness(t, alice.line())
	h.start()
	sess, err := h.mustDial(alice).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm", 24, 80, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	out, err := sess.CombinedOutput("import")
	var ee *gossh.ExitError
	if !errors.As(err, &ee) || ee.ExitStatus() != 2 || !strings.Contains(string(out), "ssh -T HOST import") {
		t.Errorf("import with a terminal: err %v, output %q; want exit 2 and how to run it", err, out)
	}
}

func TestUnknownKeyIsRefused(t *testing.T) {
	alice, mallory := newKey(t, "alice"), newKey(t, "mallory")
	h := newHarness(t, alice.line())
	h.start()
	if c, err := h.dial(mallory); err == nil {
		c.Close()
		t.Fatal("a key not in authorized_keys logged in")
	}
	if !strings.Contains(h.logs.String(), gossh.FingerprintSHA256(mallory.signer.PublicKey())) {
		t.Errorf("the refused key's fingerprint is not logged:\n%s", h.logs.String())
	}
	// Password and keyboard-interactive are not offered at all.
	_, err := gossh.Dial("tcp", h.addr, &gossh.ClientConfig{
		User: "operator",
		Auth: []gossh.AuthMethod{
			gossh.Password("hunter2"),
			gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) { return nil, nil }),
		},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
	})
	if err == nil {
		t.Fatal("password / keyboard-interactive auth succeeded")
	}
}

func TestMalformedLineDoesNotLockOutOthers(t *testing.T) {
	alice, bob := newKey(t, "alice"), newKey(t, "bob")
	keys := "# team keys\n" + alice.line() + "ssh-ed25519 AAAAnot-base64!! broken\n\n" +
		`from="10.0.0.1" ` + strings.TrimSpace(newKey(t, "restricted").line()) + "\n" +
		`no-port-forwarding ` + bob.line()
	h := newHarness(t, keys)
	h.start()
	for _, k := range []testKey{alice, bob} {
		c, err := h.dial(k)
		if err != nil {
			t.Fatalf("%s locked out by a malformed line: %v", k.comment, err)
		}
		c.Close()
	}
	logs := h.logs.String()
	if !strings.Contains(logs, h.keysPath+":3") {
		t.Errorf("the malformed line is not reported as file:line:\n%s", logs)
	}
	if !strings.Contains(logs, h.keysPath+":5") || !strings.Contains(logs, "from") {
		t.Errorf("the key with an unenforced option is not reported:\n%s", logs)
	}
}

// "restrict" implies no-pty in OpenSSH: a key carrying it must not get the
// composer (we do not enforce it, so the key is skipped and reported).
func TestRestrictOptionIsNotAccepted(t *testing.T) {
	carol := newKey(t, "carol")
	h := newHarness(t, "restrict "+carol.line())
	h.start()
	if c, err := h.dial(carol); err == nil {
		c.Close()
		t.Fatal("a key with the restrict option logged in")
	}
	if logs := h.logs.String(); !strings.Contains(logs, "restrict") {
		t.Errorf("the restrict key is not reported:\n%s", logs)
	}
}

func TestAuthorizedKeysReReadAfterChange(t *testing.T) {
	alice, bob := newKey(t, "alice"), newKey(t, "bob")
	h := newHarness(t, alice.line())
	h.start()
	if c, err := h.dial(bob); err == nil {
		c.Close()
		t.Fatal("bob logged in before being added")
	}
	if err := os.WriteFile(h.keysPath, []byte(alice.line()+bob.line()), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := h.dial(bob)
	if err != nil {
		t.Fatalf("bob refused after being added: %v", err)
	}
	c.Close()
	// Removing a key takes effect too, also for a connection that is
	// already open: the next session on it is refused.
	open := h.mustDial(alice)
	if err := os.WriteFile(h.keysPath, []byte(bob.line()), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err := h.dial(alice); err == nil {
		c.Close()
		t.Fatal("alice logged in after being removed")
	}
	sess, err := open.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out, err := sess.CombinedOutput("import")
	var ee *gossh.ExitError
	if !errors.As(err, &ee) || ee.ExitStatus() != 1 || !strings.Contains(string(out), "not authorized") {
		t.Errorf("session of a removed key: err %v, output %q; want exit 1 and \"not authorized\"", err, out)
	}
}

func TestRefusesToStartWithoutAuthorizedKeys(t *testing.T) {
	h := newHarness(t, "")
	h.cfg.AuthorizedKeys = ""
	_, err := New(h.cfg)
	if err == nil || !strings.Contains(err.Error(), "--authorized-keys") {
		t.Fatalf("New without authorized keys: %v; want a refusal naming --authorized-keys", err)
	}
	h.cfg.AuthorizedKeys = filepath.Join(h.dir, "missing")
	if _, err := New(h.cfg); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("New with a missing authorized keys file: %v; want an error naming it", err)
	}
}

func TestHostKeyCreated0600AndReused(t *testing.T) {
	alice := newKey(t, "alice")
	h := newHarness(t, alice.line())
	path := filepath.Join(h.cfg.StateDir, "ssh_host_ed25519")
	var seen []string
	for i := 0; i < 2; i++ {
		s, err := New(h.cfg)
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatalf("host key not created at the default path: %v", err)
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("host key mode %o, want 600", perm)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go s.Serve(ln)
		var hostKey string
		c, err := gossh.Dial("tcp", ln.Addr().String(), &gossh.ClientConfig{
			User: "operator", Auth: []gossh.AuthMethod{gossh.PublicKeys(alice.signer)},
			HostKeyCallback: func(_ string, _ net.Addr, k gossh.PublicKey) error {
				hostKey = gossh.FingerprintSHA256(k)
				return nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(hostKey, "SHA256:") {
			t.Fatalf("no host key seen")
		}
		seen = append(seen, hostKey)
	}
	if seen[0] != seen[1] {
		t.Errorf("host key changed between starts: %s then %s", seen[0], seen[1])
	}
}

func TestImportOverNonPTYSession(t *testing.T) {
	alice := newKey(t, "alice")
	h := newHarness(t, alice.line())
	h.start()
	c := h.mustDial(alice)

	run := runner(t, c)

	csv := "name,phone\nAsha,+91 98765 43210\nRavi,12\nAsha again,09876543210\n"
	out, errOut, code := run("import", csv)
	if code != 0 {
		t.Fatalf("import exit %d; stdout %q stderr %q", code, out, errOut)
	}
	for _, want := range []string{"rows        3", "valid       1", "invalid     1", "duplicates  1", `column "phone"`, "line 3: 12: "} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	// The upload is kept in alice's own import folder for the TUI to pick.
	matches, _ := filepath.Glob(filepath.Join(h.cfg.StateDir, "imports", "alice-*", "upload-*.csv"))
	if len(matches) != 1 {
		t.Fatalf("uploads in alice's folder: %v; want 1", matches)
	}
	if data, _ := os.ReadFile(matches[0]); string(data) != csv {
		t.Errorf("stored upload differs from what was sent: %q", data)
	}
	if fi, _ := os.Stat(matches[0]); fi.Mode().Perm() != 0o600 {
		t.Errorf("upload mode %o, want 600", fi.Mode().Perm())
	}

	h.srv.maxImport.Store(int64(len(csv)) - 1)
	if _, errOut, code := run("import", csv); code != 2 || !strings.Contains(errOut, "larger than") {
		t.Errorf("import over the size cap: exit %d, stderr %q; want 2", code, errOut)
	}
	h.srv.maxImport.Store(MaxImportBytes)
	if _, errOut, code := run("import", "name,phone\nNobody,12\n"); code != 2 || !strings.Contains(errOut, "no valid numbers") {
		t.Errorf("import without valid numbers: exit %d, stderr %q; want 2", code, errOut)
	}
	if _, errOut, code := run("frobnicate /", ""); code != 2 || !strings.Contains(errOut, "import") {
		t.Errorf("unknown command: exit %d, stderr %q; want 2 and the usage", code, errOut)
	}
	if _, errOut, code := run("", ""); code != 2 || !strings.Contains(errOut, "ssh -t HOST") {
		t.Errorf("no command, no terminal: exit %d, stderr %q; want 2 and the usage", code, errOut)
	}
}

func TestTwoOperatorsGetSeparateSessions(t *testing.T) {
	alice, bob := newKey(t, "alice@laptop"), newKey(t, "")
	h := newHarness(t, alice.line()+bob.line())
	h.start()
	ta := openTerm(t, h.mustDial(alice), 100, 30)
	tb := openTerm(t, h.mustDial(bob), 100, 30)
	ta.waitFor("alice@laptop")
	// A key without a comment is shown by its short fingerprint.
	bobFP := gossh.FingerprintSHA256(bob.signer.PublicKey())[:len("SHA256:")+8]
	tb.waitFor(bobFP)
	// A key goes to one session only.
	if _, err := ta.in.Write([]byte("\t")); err != nil {
		t.Fatal(err)
	}
	ta.waitFor("step 2 of")
	time.Sleep(200 * time.Millisecond) // let a misrouted key show up, if any
	if strings.Contains(tb.out.String(), "step 2 of") {
		t.Errorf("bob's screen moved when alice pressed tab")
	}
	if strings.Contains(tb.out.String(), "alice") || strings.Contains(ta.out.String(), bobFP) {
		t.Errorf("an operator's name shows in the other's session")
	}
}

func TestShutdownTellsOperatorsAndEndsQuickly(t *testing.T) {
	alice := newKey(t, "alice")
	h := newHarness(t, alice.line())
	h.start()
	// alice has a draft on disk (the TUI saves them as she types), bob not.
	bob := newKey(t, "bob")
	if err := os.WriteFile(h.keysPath, []byte(alice.line()+bob.line()), 0o600); err != nil {
		t.Fatal(err)
	}
	aliceID := identity{Fingerprint: gossh.FingerprintSHA256(alice.signer.PublicKey()), Comment: "alice"}
	if err := h.srv.store.SaveDraft(campaign.Draft{Operator: aliceID.Operator()}); err != nil {
		t.Fatal(err)
	}
	tm := openTerm(t, h.mustDial(alice), 100, 30)
	tb := openTerm(t, h.mustDial(bob), 100, 30)
	tm.waitFor("spotcast") // alice is offered her draft, bob starts afresh
	tb.waitFor("step 1 of")
	start := time.Now()
	h.stop()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("shutdown took %v", d)
	}
	tm.wait()
	if !strings.Contains(tm.out.String(), GoodbyeMessage) {
		t.Errorf("alice did not see the goodbye; output tail:\n%q", tail(tm.out.String(), 500))
	}
	tb.wait()
	if out := tb.out.String(); !strings.Contains(out, "server shutting down") || strings.Contains(out, "draft") {
		t.Errorf("bob (no draft) was not told plainly; output tail:\n%q", tail(out, 500))
	}
	if c, err := h.dial(alice); err == nil {
		c.Close()
		t.Errorf("server still accepts connections after shutdown")
	}
}

func TestMaxSessions(t *testing.T) {
	alice := newKey(t, "alice")
	h := newHarness(t, alice.line())
	h.cfg.MaxSessions = 1
	h.start()
	c := h.mustDial(alice)
	first := openTerm(t, c, 100, 30)
	first.waitFor("step 1 of")
	second := openTerm(t, c, 100, 30)
	if code := second.wait(); code != 1 {
		t.Errorf("extra session exit %d, want 1", code)
	}
	if !strings.Contains(second.out.String(), "busy") {
		t.Errorf("extra session not told why: %q", second.out.String())
	}
}

func TestNoGoroutineOutlivesSessions(t *testing.T) {
	alice := newKey(t, "alice")
	h := newHarness(t, alice.line())
	h.start()
	// Warm up once so lazily started goroutines (pools, the sandbox's
	// keep-alive connections) are part of the baseline.
	session := func() {
		c := h.mustDial(alice)
		tm := openTerm(t, c, 100, 30)
		tm.waitFor("step 1 of")
		if _, err := tm.in.Write([]byte{3}); err != nil {
			t.Fatal(err)
		}
		tm.wait()
		c.Close()
	}
	session()
	base := settledGoroutines(-1)
	for i := 0; i < 3; i++ {
		session()
	}
	// A refused key's connection is counted out too.
	if c, err := h.dial(newKey(t, "stranger")); err == nil {
		c.Close()
		t.Fatal("a stranger logged in")
	}
	for i := 0; i < 200 && h.srv.openConns() > 0; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if n := h.srv.openConns(); n != 0 {
		t.Errorf("%d connections still counted open after every client left", n)
	}
	if n := settledGoroutines(base); n > base {
		buf := make([]byte, 1<<20)
		t.Errorf("goroutines: %d before, %d after three sessions\n%s", base, n, buf[:runtime.Stack(buf, true)])
	}
}

// settledGoroutines waits (briefly) for the goroutine count to drop to
// target, and returns it.
func settledGoroutines(target int) int {
	n := runtime.NumGoroutine()
	for i := 0; i < 200 && n > target; i++ {
		time.Sleep(10 * time.Millisecond)
		if m := runtime.NumGoroutine(); m == n && target < 0 && i > 20 {
			return n
		} else {
			n = m
		}
	}
	return n
}

func TestRunStopsWhenCancelledBeforeServing(t *testing.T) {
	alice := newKey(t, "alice")
	h := newHarness(t, alice.line())
	h.cfg.Addr = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, h.cfg) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("Run did not return for a cancelled context")
	}
	h.cfg.AuthorizedKeys = ""
	if err := Run(context.Background(), h.cfg); err == nil {
		t.Fatal("Run without authorized keys started")
	}
}

// Two operators compose at once: each gets their own draft, keyed by their
// key's full fingerprint; a send is journaled with the sender's fingerprint
// and logged (operator, campaign, job) without the message or the key.
func TestOperatorsHaveSeparateDraftsAndJournaledSends(t *testing.T) {
	alice, bob := newKey(t, "alice@laptop"), newKey(t, "bob@desk")
	h := newHarness(t, alice.line()+bob.line())
	h.start()
	ta := openTerm(t, h.mustDial(alice), 100, 30)
	tb := openTerm(t, h.mustDial(bob), 100, 30)
	type step struct{ keys, want string }
	drive := func(tm *term, steps []step) {
		t.Helper()
		for _, s := range steps {
			if _, err := tm.in.Write([]byte(s.keys)); err != nil {
				t.Fatal(err)
			}
			tm.waitFor(s.want)
		}
	}
	drive(ta, []step{{"\r", "step 2 of"}, {"Alice's secret offer", "Alice's secret offer"}})
	drive(tb, []step{{"\r", "step 2 of"}, {"Bob's note", "Bob's note"}})

	aliceFP := gossh.FingerprintSHA256(alice.signer.PublicKey())
	bobFP := gossh.FingerprintSHA256(bob.signer.PublicKey())
	deadline := time.Now().Add(5 * time.Second)
	for {
		da, _ := h.srv.store.LatestDraft(aliceFP)
		db, _ := h.srv.store.LatestDraft(bobFP)
		if da != nil && db != nil && da.Content == "Alice's secret offer" && db.Content == "Bob's note" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("drafts not saved per operator: alice %+v, bob %+v", da, db)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Alice sends to twelve numbers: a bulk job.
	var nums []string
	for i := range 12 {
		nums = append(nums, fmt.Sprintf("+9198765%05d", i))
	}
	drive(ta, []step{
		{"\t", "step 3 of"},
		{"a", "Numbers"},
		{strings.Join(nums, ",") + "\r", "12 numbers added"},
		{"\t", "When should it be sent?"},
		{"\r", "Review"},
		{"\r", "[y/N]"},
		{"y", "Bulk job"},
	})
	h.waitLog("INFO send ")
	page, err := h.srv.store.Campaigns(campaign.CampaignQuery{})
	records := page.Campaigns
	if err != nil || len(records) != 1 {
		t.Fatalf("journal: %d records, %v", len(records), err)
	}
	if records[0].Operator != aliceFP {
		t.Errorf("journaled operator = %q, want alice's fingerprint %q", records[0].Operator, aliceFP)
	}
	logs := h.logs.String()
	for _, want := range []string{"INFO send ", records[0].CampaignID, aliceFP, "job_"} {
		if !strings.Contains(logs, want) {
			t.Errorf("server log lacks %q:\n%s", want, logs)
		}
	}
	for _, never := range []string{"Alice's secret offer", sandbox.Key} {
		if strings.Contains(logs, never) {
			t.Errorf("server log contains %q", never)
		}
	}
	// Bob's draft is untouched by Alice's send (hers is removed).
	if d, _ := h.srv.store.LatestDraft(bobFP); d == nil || d.Content != "Bob's note" {
		t.Errorf("bob's draft after alice's send: %+v", d)
	}
}
