package cli_test

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
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
