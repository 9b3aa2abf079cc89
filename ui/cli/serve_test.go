package cli_test

import (
	"bufio"
	"crypto/ed25519"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"
)

func TestServeStartsAndStops(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "authorized_keys")
	if err := os.WriteFile(keys, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, runOpts{}, "serve", "--sandbox", "--addr", "127.0.0.1:0")
	if r.code != 2 || !strings.Contains(r.stderr, "--authorized-keys") {
		t.Fatalf("want exit 2 without --authorized-keys\n%s", r)
	}
	cmd := exec.Command(binary, "serve", "--sandbox", "--addr", "127.0.0.1:0", "--authorized-keys", keys)
	cmd.Env = baseEnv(t)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(stdout)
	var addr string
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "spotcast serving SSH on "); ok {
			addr = a
			break
		}
	}
	if addr == "" {
		t.Fatal("serve did not print its address")
	}
	go func() {
		for sc.Scan() {
		}
	}()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	banner, _ := bufio.NewReader(conn).ReadString('\n')
	conn.Close()
	if !strings.HasPrefix(banner, "SSH-2.0-") {
		t.Errorf("no SSH banner on %s: %q", addr, banner)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve did not stop cleanly on SIGTERM: %v", err)
	}
}

// startServe runs `spotcast serve --sandbox` for the one key and returns
// the process and its address.
func startServe(t *testing.T, state string, pub gossh.PublicKey) (*exec.Cmd, string) {
	t.Helper()
	keys := filepath.Join(t.TempDir(), "authorized_keys")
	if err := os.WriteFile(keys, gossh.MarshalAuthorizedKey(pub), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "serve", "--sandbox", "--addr", "127.0.0.1:0", "--authorized-keys", keys)
	cmd.Env = append(baseEnv(t), "SPOTCAST_STATE_DIR="+state)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "spotcast serving SSH on "); ok {
			go func() {
				for sc.Scan() {
				}
			}()
			return cmd, a
		}
	}
	t.Fatal("serve did not print its address")
	return nil, ""
}

// `spotcast serve` treats SIGHUP (its terminal closed) like SIGTERM: each
// operator is told, their draft is saved, and the server stops.
func TestServeStopsOnSIGHUPSavingDrafts(t *testing.T) {
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(t.TempDir(), "state")
	cmd, addr := startServe(t, state, signer.PublicKey())

	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User: "operator", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", 30, 100, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	in, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out safeBuffer
	sess.Stdout, sess.Stderr = &out, &out
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	waitOut := func(want string) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !strings.Contains(ansi.Strip(out.String()), want); {
			if time.Now().After(deadline) {
				t.Fatalf("the session never showed %q:\n%s", want, ansi.Strip(out.String()))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitOut("What kind of message?")
	_, _ = in.Write([]byte("\r"))
	waitOut("Message text")
	_, _ = in.Write([]byte("Typed over SSH"))
	waitOut("Typed over SSH")

	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	ended := make(chan error, 1)
	go func() { ended <- cmd.Wait() }()
	select {
	case err := <-ended:
		if err != nil {
			t.Fatalf("serve did not stop cleanly on SIGHUP: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop within 10s of SIGHUP")
	}
	_ = sess.Wait()
	waitOut("server shutting down — your draft is saved")
	if drafts := storedDrafts(t, state); len(drafts) != 1 || !strings.Contains(drafts[0].Content, "Typed over SSH") {
		t.Fatalf("drafts after SIGHUP: %+v, want one", drafts)
	}
}
