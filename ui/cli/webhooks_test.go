package cli_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"spotcast/campaign/store"
	"spotcast/client/sandbox"
)

// Without a secret the receiver does not start (exit 2, saying how to set
// one); so do sandbox webhooks without one.
func TestWebhooksWithoutASecretExit2(t *testing.T) {
	r := run(t, runOpts{}, "webhooks", "--addr", "127.0.0.1:0")
	if r.code != 2 || !strings.Contains(r.stderr, "SPOTCAST_WEBHOOK_SECRET") || !strings.Contains(r.stderr, "--webhook-secret-file") {
		t.Fatalf("want exit 2 naming both ways to give a secret\n%s", r)
	}
	empty := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(empty, []byte("\n"), 0o600)
	if r := run(t, runOpts{}, "webhooks", "--webhook-secret-file", empty); r.code != 2 || !strings.Contains(r.stderr, "empty") {
		t.Fatalf("empty secret file\n%s", r)
	}
	if r := run(t, runOpts{env: []string{"SPOTCAST_WEBHOOK_SECRET=x"}}, "webhooks", "--attribution-window", "soon"); r.code != 2 {
		t.Fatalf("bad window\n%s", r)
	}
	if r := run(t, runOpts{}, "sandbox", "--webhook-url", "http://127.0.0.1:1/webhooks/whatsspot"); r.code != 2 || !strings.Contains(r.stderr, "--webhook-secret") {
		t.Fatalf("sandbox webhooks without a secret\n%s", r)
	}
}

// spotcast webhooks stores what a sandbox posts for a campaign spotcast
// send made, in the same database: the funnel is the sandbox's.
func TestWebhooksCommandReceivesTheSandboxsEvents(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	env := []string{"SPOTCAST_STATE_DIR=" + state, "SPOTCAST_WEBHOOK_SECRET=hush"}
	cmd := exec.Command(binary, "webhooks", "--addr", "127.0.0.1:0")
	cmd.Env = append(baseEnv(t), env...)
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(stdout)
	var url string
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "spotcast receiving WhatsSpot webhooks on "); ok {
			url, _, _ = strings.Cut(rest, " ")
			break
		}
	}
	if !strings.HasSuffix(url, "/webhooks/whatsspot") {
		t.Fatalf("no address printed (%q)\n%s", url, stderr.String())
	}
	go func() {
		for sc.Scan() {
		}
	}()
	hc := sandbox.DefaultWebhookConfig(url, "hush")
	hc.MaxDelay = 200 * time.Millisecond
	fk := startSandbox(t, sandbox.WithWebhooks(hc), sandbox.WithFailRate(0.1))
	r := run(t, runOpts{env: fk.env(env...)}, append([]string{"send", "--content", "hi", "--yes", "--json"}, toFlags(numbers(40))...)...)
	if r.code != 0 {
		t.Fatal(r)
	}
	var out struct{ CampaignID string }
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out.CampaignID == "" {
		t.Fatalf("%v\n%s", err, r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	time.Sleep(200 * time.Millisecond)
	if err := fk.srv.FlushWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	ws := fk.srv.WebhookStats()
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("webhooks did not stop cleanly: %v\n%s", err, stderr.String())
	}
	db, err := store.Open(context.Background(), store.Options{StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rep, err := db.Report(out.CampaignID)
	if err != nil || rep == nil {
		t.Fatal(rep, err)
	}
	f := rep.Funnel
	if ws.PostFailures != 0 || f.Accepted != 40 || f.Sent != ws.Sent || f.Delivered != ws.Delivered || f.Read != ws.Read ||
		f.Replied != ws.Replied || f.Failed != ws.Failed {
		t.Fatalf("funnel %+v\nsandbox %+v\n%s", f, ws, stderr.String())
	}
}

func toFlags(nums []string) []string {
	var out []string
	for _, n := range nums {
		out = append(out, "--to", "+"+n)
	}
	return out
}
