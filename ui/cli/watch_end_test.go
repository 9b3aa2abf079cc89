package cli_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"spotcast/campaign"
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

// A state directory from before the database: the first command imports
// its journal, says so and names a damaged line by number before it asks
// or sends; resume then sends what the journal left pending, from the
// database; the old journal is kept aside.
func TestOldJournalIsImportedThenResumed(t *testing.T) {
	f := startSandbox(t)
	dir := t.TempDir()
	j, err := campaign.OpenJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := campaign.Campaign{Type: campaign.TypeText, Content: "hi", Recipients: numbers(4)}
	sub, _ := campaign.Submit(context.Background(), j, c, campaign.SubmitOptions{BatchSize: 2, Target: campaign.Target{Sandbox: true}},
		func(context.Context, campaign.Request) (campaign.SendOutcome, error) {
			return campaign.SendOutcome{}, neverSent{}
		})
	j.Close()
	jf, err := os.OpenFile(filepath.Join(dir, campaign.JournalFile), os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(jf, "{\"event\":\"pending\",\"campaignId\":\""+sub.CampaignID+"\",\"batch\":\n")
	jf.Close()
	r := run(t, runOpts{env: f.env("SPOTCAST_STATE_DIR=" + dir)}, "resume", sub.CampaignID, "--yes", "--watch=false", "--allow-api-change")
	imported := strings.Index(r.stderr, "imported the files from before the database: 1 campaign")
	warn := strings.Index(r.stderr, "warning: ")
	if r.code != 0 || imported < 0 || warn < imported || !strings.Contains(r.stderr, "line 4") || len(f.srv.Sends()) != 2 {
		t.Fatalf("want the import reported, then the damaged line, then 2 sends (got %d)\n%s", len(f.srv.Sends()), r)
	}
	if _, err := os.Stat(filepath.Join(dir, campaign.JournalFile)); !os.IsNotExist(err) {
		t.Fatalf("the old journal is still in place: %v", err)
	}
	if kept, _ := filepath.Glob(filepath.Join(dir, "before-database-*", campaign.JournalFile)); len(kept) != 1 {
		t.Fatalf("the old journal was not kept aside: %v", kept)
	}
}

// neverSent is a send error that says the request never left.
type neverSent struct{}

func (neverSent) Error() string { return "connection refused" }
func (neverSent) NotSent() bool { return true }
