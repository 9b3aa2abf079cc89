package cli_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"spotcast/campaign"
	"spotcast/client/sandbox"
)

// A send killed with SIGKILL while its second batch's request is in flight
// leaves the journal saying accepted / unknown / pending for the three
// batches; `resume` then sends only the pending one (unknown needs
// --include-unknown), and no recipient is ever sent twice.
func TestKilledMidBatchThenResume(t *testing.T) {
	sb := sandbox.New(sandbox.WithKey(testKey), sandbox.WithRate(100000), sandbox.WithFailRate(0), sandbox.WithSeed(1))
	var posts atomic.Int32
	var stall atomic.Bool
	stall.Store(true)
	inFlight := make(chan struct{}, 1)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The second POST hangs (never reaching the API) until the client
		// is gone: the request has left spotcast, its outcome is unknown.
		if r.Method == http.MethodPost && posts.Add(1) == 2 && stall.Load() {
			_, _ = io.Copy(io.Discard, r.Body) // the whole request has arrived
			inFlight <- struct{}{}
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		sb.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)

	state := t.TempDir()
	env := []string{"WHATSSPOT_BASE_URL=" + srv.URL, "WHATSSPOT_API_KEY=" + testKey, "SPOTCAST_STATE_DIR=" + state}
	args := []string{"send", "--content", "Flash sale", "--batch-size", "12", "--yes"}
	for _, n := range numbers(36) {
		args = append(args, "--to", "+"+n)
	}
	cmd := exec.Command(binary, args...)
	cmd.Env = append(baseEnv(t), env...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-inFlight:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the second batch's request never arrived")
	}
	if err := cmd.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	stall.Store(false)
	close(release)

	records := readJobs(t, env)
	if len(records) != 1 {
		t.Fatalf("journal has %d campaigns, want 1", len(records))
	}
	rec := records[0]
	var states []string
	for _, b := range rec.Batches {
		states = append(states, string(b.State))
	}
	if got := strings.Join(states, "/"); got != "accepted/unknown/pending" {
		t.Fatalf("batch states after SIGKILL = %s, want accepted/unknown/pending", got)
	}

	r := run(t, runOpts{env: env}, "resume", rec.CampaignID, "--yes", "--watch=false")
	if r.code != 0 {
		t.Fatalf("resume failed\n%s", r)
	}
	if n := len(sb.Sends()); n != 2 {
		t.Fatalf("the API received %d sends, want 2 (batch 1, then only the pending batch 3)", n)
	}
	counts := sb.RecipientCounts()
	all := numbers(36)
	for i, n := range all {
		want := 1
		if i >= 12 && i < 24 { // batch 2: unknown, not resent without --include-unknown
			want = 0
		}
		if counts[n] != want {
			t.Fatalf("recipient %s (batch %d) was sent %d times, want %d", n, i/12+1, counts[n], want)
		}
	}
	states = nil
	for _, b := range readJobs(t, env)[0].Batches {
		states = append(states, string(b.State))
	}
	if got := strings.Join(states, "/"); got != "accepted/unknown/accepted" {
		t.Fatalf("batch states after resume = %s, want accepted/unknown/accepted", got)
	}
	assertNoKeyIn(t, state)
}

// assertNoKeyIn fails when any file under dir (journal, campaign files,
// drafts) holds the API key.
func assertNoKeyIn(t *testing.T, dir string) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		if strings.Contains(string(b), testKey) || strings.Contains(string(b), testKey[len(testKey)-12:]) {
			t.Errorf("%s contains the API key", path)
		}
		return nil
	})
	if err != nil || files == 0 {
		t.Fatalf("scanning %s: %d files, %v", dir, files, err)
	}
}

func readJobs(t *testing.T, env []string) []campaign.CampaignRecord {
	t.Helper()
	r := run(t, runOpts{env: env}, "jobs", "--json")
	if r.code != 0 {
		t.Fatalf("jobs --json failed\n%s", r)
	}
	var records []campaign.CampaignRecord
	if err := json.Unmarshal([]byte(r.stdout), &records); err != nil {
		t.Fatalf("jobs --json is not JSON: %v\n%s", err, r)
	}
	return records
}
