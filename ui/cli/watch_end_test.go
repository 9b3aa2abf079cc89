package cli_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Six garbled poll answers in a row end the watch with exit 4 (the API is
// not answering usably: a transport-class failure) and the command that
// re-attaches — not exit 1, and not a hang. The policy's back-off makes
// this take about 40 s, so it runs beside the other tests.
func TestGarbledPollsEndWithExit4(t *testing.T) {
	t.Parallel()
	var polls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		polls.Add(1)
		io.WriteString(w, `{"job": {"id": "job_1", "status": "PROCES`)
	}))
	t.Cleanup(srv.Close)
	start := time.Now()
	r := run(t, runOpts{env: []string{"WHATSSPOT_BASE_URL=" + srv.URL, "WHATSSPOT_API_KEY=" + testKey, "SPOTCAST_STATE_DIR=" + t.TempDir()}},
		"watch", "job_1")
	if r.code != 4 || !strings.Contains(r.stderr, "re-attach with `spotcast watch job_1`") || !strings.Contains(r.stderr, "no usable answer after 6 polls") {
		t.Fatalf("want exit 4 naming the re-attach command\n%s", r)
	}
	if n := polls.Load(); n != 6 {
		t.Fatalf("%d polls, want 6", n)
	}
	t.Logf("ended after %s", time.Since(start).Round(time.Second))
}

// resume says what the journal could not read before it asks or sends: a
// damaged line may be this campaign's.
func TestResumeShowsJournalWarningsFirst(t *testing.T) {
	f := startSandbox(t)
	dir := t.TempDir()
	state := "SPOTCAST_STATE_DIR=" + dir
	r := run(t, runOpts{env: f.env(state)}, "send", "--to", "+919876500001", "--content", "hi", "--yes")
	if r.code != 0 {
		t.Fatalf("send\n%s", r)
	}
	id := readJobs(t, []string{state})[0].CampaignID
	jf, err := os.OpenFile(filepath.Join(dir, "journal.jsonl"), os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(jf, "{\"event\":\"pending\",\"campaignId\":\""+id+"\",\"batch\":\n")
	jf.Close()
	r = run(t, runOpts{env: f.env(state)}, "resume", id, "--yes")
	warn := strings.Index(r.stderr, "warning: ")
	if r.code != 0 || warn < 0 || !strings.Contains(r.stderr, "line ") || !strings.Contains(r.stderr, "nothing left to send") ||
		warn > strings.Index(r.stderr, "nothing left to send") {
		t.Fatalf("want the journal warning first\n%s", r)
	}
}
