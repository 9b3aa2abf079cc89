package cli_test

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// `spotcast serve --webhook-addr` runs the receiver beside the SSH server,
// into the same database: a signed event is taken (and `jobs` then warns
// that the device is disconnected), an unsigned one refused, and both
// stop on SIGTERM.
func TestServeRunsTheReceiverBeside(t *testing.T) {
	dir := t.TempDir()
	keys := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(keys, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"SPOTCAST_STATE_DIR=" + filepath.Join(dir, "state"), "SPOTCAST_WEBHOOK_SECRET=hush"}
	cmd := exec.Command(binary, "serve", "--sandbox", "--addr", "127.0.0.1:0", "--authorized-keys", keys, "--webhook-addr", "127.0.0.1:0")
	cmd.Env = append(baseEnv(t), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(stdout)
	var ssh, hook string
	for (ssh == "" || hook == "") && sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "spotcast serving SSH on "); ok {
			ssh = a
		}
		if rest, ok := strings.CutPrefix(sc.Text(), "spotcast receiving WhatsSpot webhooks on "); ok {
			hook, _, _ = strings.Cut(rest, " ")
		}
	}
	if ssh == "" || !strings.HasSuffix(hook, "/webhooks/whatsspot") {
		t.Fatalf("serve printed SSH %q, webhooks %q", ssh, hook)
	}
	go func() {
		for sc.Scan() {
		}
	}()
	post := func(body, sig string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, hook, strings.NewReader(body))
		req.Header.Set("X-Hub-Signature", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	body := `{"event":"device.disconnected","data":{}}`
	m := hmac.New(sha256.New, []byte("hush"))
	m.Write([]byte(body))
	if code := post(body, "sha256=00"+hex.EncodeToString(m.Sum(nil))[2:]); code != http.StatusUnauthorized {
		t.Fatalf("a wrong signature: %d, want 401", code)
	}
	if r := run(t, runOpts{env: env}, "jobs"); strings.Contains(r.stderr+r.stdout, "disconnected") {
		t.Fatalf("a refused event was stored\n%s", r)
	}
	if code := post(body, "sha256="+hex.EncodeToString(m.Sum(nil))); code != http.StatusOK {
		t.Fatalf("a signed event: %d, want 200", code)
	}
	if r := run(t, runOpts{env: env}, "jobs"); !strings.Contains(r.stderr+r.stdout, "WhatsApp device disconnected") {
		t.Fatalf("jobs does not warn of the disconnected device\n%s", r)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve did not stop cleanly: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop within 10 s of SIGTERM")
	}
	if _, err := http.Post(hook, "application/json", strings.NewReader(body)); err == nil {
		t.Fatal("the receiver still answers after serve stopped")
	}
}
