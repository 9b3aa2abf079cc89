package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"spotcast/campaign"
	"spotcast/client"
)

func idx(i int) *int { return &i }

// writeTestJournal journals three campaigns, newest first in the list:
//   - cmp_…C: 3 batches, accepted (sync) / unknown / pending;
//   - cmp_…B: one bulk job, last seen PROCESSING;
//   - cmp_…A: one bulk job, COMPLETED;
//
// and ends with a torn line, as after a crash.
func writeTestJournal(t *testing.T, dir string) (a, b, c string) {
	t.Helper()
	j, err := campaign.OpenJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, b, c = "cmp_20261125T090000Z_aaaaaa", "cmp_20261125T100000Z_bbbbbb", "cmp_20261125T110000Z_cccccc"
	ap := func(e campaign.Event) {
		t.Helper()
		if err := j.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	created := func(id string, at time.Time, op string, n int, plan ...campaign.BatchPlan) {
		ap(campaign.Event{Kind: campaign.EventCreated, At: at, CampaignID: id, CreatedAt: at, Operator: op,
			Type: campaign.TypeText, Recipients: n, Plan: plan})
	}
	tA := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	created(a, tA, "alice", 40, campaign.BatchPlan{Index: 0, Recipients: 40})
	ap(campaign.Event{Kind: campaign.EventPending, At: tA, CampaignID: a, Batch: idx(0)})
	ap(campaign.Event{Kind: campaign.EventAccepted, At: tA, CampaignID: a, Batch: idx(0), JobID: "job_a", Status: "PROCESSING"})
	ap(campaign.Event{Kind: campaign.EventJob, At: tA, CampaignID: a, Batch: idx(0), JobID: "job_a", Status: "COMPLETED",
		Total: idx(40), Sent: idx(38), Failed: idx(2), Pending: idx(0)})

	tB := tA.Add(time.Hour)
	created(b, tB, "bob\x1b[2J", 20, campaign.BatchPlan{Index: 0, Recipients: 20})
	ap(campaign.Event{Kind: campaign.EventPending, At: tB, CampaignID: b, Batch: idx(0)})
	ap(campaign.Event{Kind: campaign.EventAccepted, At: tB, CampaignID: b, Batch: idx(0), JobID: "job_b", Status: "PROCESSING"})

	tC := tB.Add(time.Hour)
	created(c, tC, "carol", 12, campaign.BatchPlan{Index: 0, Recipients: 5}, campaign.BatchPlan{Index: 1, Recipients: 5},
		campaign.BatchPlan{Index: 2, Recipients: 2})
	ap(campaign.Event{Kind: campaign.EventPending, At: tC, CampaignID: c, Batch: idx(0)})
	ap(campaign.Event{Kind: campaign.EventAccepted, At: tC, CampaignID: c, Batch: idx(0),
		Messages: []campaign.SentMessage{{ID: "msg_1", Status: "SENT"}}})
	ap(campaign.Event{Kind: campaign.EventPending, At: tC, CampaignID: c, Batch: idx(1)})
	ap(campaign.Event{Kind: campaign.EventUnknown, At: tC, CampaignID: c, Batch: idx(1), Error: "timeout\x1b]0;pwned\x07 waiting for the API"})
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(dir, campaign.JournalFile), os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"event":"job","campaignId":"` + a)
	f.Close()
	return a, b, c
}

// fakeFetch answers GetJob with a fixed job per ID and counts the calls.
type fakeFetch struct {
	mu    sync.Mutex
	jobs  map[string]campaign.Job
	calls map[string]int
	// throttle answers that many polls with 429 and Retry-After 30 s.
	throttle int
}

func (f *fakeFetch) fetch(_ context.Context, id string) (*campaign.Job, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[id]++
	if f.throttle > 0 {
		f.throttle--
		return nil, &client.RateLimitError{APIError: &client.APIError{StatusCode: 429, Message: "slow down", Wait: 30 * time.Second}}
	}
	j, ok := f.jobs[id]
	if !ok {
		return nil, fmt.Errorf("job %s not found", id)
	}
	return &j, nil
}

func (f *fakeFetch) count(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[id]
}

// jobsTicks holds the list's refresh ticks instead of sleeping.
type jobsTicks struct{ msgs []tea.Msg }

// tickAfter is a held tick: firing it moves the clock on by its wait.
type tickAfter struct {
	clk *movingClock
	d   time.Duration
	fn  func(time.Time) tea.Msg
}

func (t tickAfter) fire() tea.Msg { return execOne(t.clk.tick(t.d, t.fn)) }

func execOne(c tea.Cmd) tea.Msg { return c() }

func jobsTestModel(t *testing.T, opts Options) (*Model, *fakeFetch, *jobsTicks) {
	t.Helper()
	m := rootModel(t, opts)
	ff := &fakeFetch{calls: map[string]int{}, jobs: map[string]campaign.Job{
		"job_b": {ID: "job_b", Status: "PROCESSING", Total: idx(20), Sent: idx(7), Failed: idx(1), Pending: idx(12)},
		"job_a": {ID: "job_a", Status: "COMPLETED", Total: idx(40), Sent: idx(38), Failed: idx(2), Pending: idx(0)},
	}}
	ticks := &jobsTicks{}
	m.jobs.fetch = ff.fetch
	// Virtual time: a tick is held for the test to fire, and firing it
	// means its wait has passed.
	clk := &movingClock{t: m.c.Now()}
	m.c.Clock = clk.Now
	m.jobs.tick = func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
		ticks.msgs = append(ticks.msgs, tickAfter{clk, d, fn})
		return nil
	}
	m.progress.fetch = ff.fetch
	m.progress.tick = func(time.Duration, func(time.Time) tea.Msg) tea.Cmd { return nil }
	captureDraftTicks(m)
	return m, ff, ticks
}

func TestJobsListFromTypeStep(t *testing.T) {
	opts := rootOptions(t)
	a, b, c := writeTestJournal(t, opts.StateDir)
	m, ff, ticks := jobsTestModel(t, opts)

	feed(m, rootPress(m, "J"))
	if m.active != stepJobs {
		t.Fatalf("J on Type opened %s", m.active)
	}
	rootHas(t, m, "Campaigns", c, b, a, "by carol", "3 batches: 1 accepted, 1 unknown, 1 pending",
		"1 batch: 1 accepted · jobs 1 PROCESSING (7/20 sent)", "jobs 1 COMPLETED (38/40 sent)",
		"reading the journal:")
	// Newest first.
	v := rootView(m)
	if !(strings.Index(v, c) < strings.Index(v, b) && strings.Index(v, b) < strings.Index(v, a)) {
		t.Fatalf("not newest first:\n%s", v)
	}
	// The selected (newest) campaign's batches and what to run.
	rootHas(t, m, "batch 1        5  accepted 1 message", "batch 2        5  unknown  timeout",
		"batch 3        2  pending", "! 1 batch not sent — run: spotcast resume "+c,
		"spotcast resume "+c+" --include-unknown")
	// Journal text is made inert.
	if raw := m.View(); strings.Contains(raw, "\x1b") || strings.Contains(raw, "\x07") {
		t.Fatalf("the view carries escape sequences from the journal: %q", raw)
	}
	rootGolden(t, stateDirHidden{m, opts.StateDir})

	// Only the running job is polled, one request at a time.
	if ff.count("job_b") != 1 || ff.count("job_a") != 0 {
		t.Fatalf("polls: job_b %d job_a %d, want 1 and 0", ff.count("job_b"), ff.count("job_a"))
	}
	ff.mu.Lock()
	ff.jobs["job_b"] = campaign.Job{ID: "job_b", Status: "COMPLETED", Total: idx(20), Sent: idx(19), Failed: idx(1), Pending: idx(0)}
	ff.mu.Unlock()
	if len(ticks.msgs) == 0 {
		t.Fatal("no refresh scheduled while a job runs")
	}
	feed(m, ticks.msgs[len(ticks.msgs)-1].(tickAfter).fire)
	rootHas(t, m, "jobs 1 COMPLETED (19/20 sent)")
	n := len(ticks.msgs)
	feed(m, ticks.msgs[n-1].(tickAfter).fire)
	if len(ticks.msgs) != n || ff.count("job_b") != 2 {
		t.Fatalf("refresh goes on after every job ended: %d ticks, %d polls", len(ticks.msgs)-n, ff.count("job_b"))
	}
	// The new status reached the journal, so `spotcast jobs` shows it too.
	r, err := m.c.Store.Campaign(b)
	if err != nil {
		t.Fatal(err)
	}
	if r == nil || r.Batches[0].JobStatus != "COMPLETED" {
		t.Fatalf("journal after the refresh: %+v", r)
	}

	// Warnings are shown once: a reload does not repeat them.
	feed(m, rootPress(m, "r"))
	rootLacks(t, m, "reading the journal:")

	// esc goes back to the composer.
	rootPress(m, "esc")
	if m.active != stepType {
		t.Fatalf("esc on Jobs went to %s", m.active)
	}
}

func TestJobsEnterReattachesAndEscReturns(t *testing.T) {
	opts := rootOptions(t)
	_, b, c := writeTestJournal(t, opts.StateDir)
	m, ff, _ := jobsTestModel(t, opts)
	feed(m, rootPress(m, "J"))

	// The newest campaign has no bulk job: enter explains.
	rootPress(m, "enter")
	if m.active != stepJobs {
		t.Fatalf("enter on a campaign without jobs went to %s", m.active)
	}
	rootHas(t, m, "no bulk jobs to watch")

	rootPress(m, "down")
	rootHas(t, m, "> "+b)
	feed(m, rootPress(m, "enter"))
	if m.active != stepProgress || m.progressFrom != stepJobs {
		t.Fatalf("enter on %s: active %s", b, m.active)
	}
	if m.progress.campaignID != b || len(m.progress.jobs) != 1 || m.progress.jobs[0].id != "job_b" || m.progress.jobs[0].batch != 0 {
		t.Fatalf("progress watches %q %+v", m.progress.campaignID, m.progress.jobs)
	}
	if ff.count("job_b") < 2 {
		t.Fatalf("the progress view did not poll job_b (%d calls)", ff.count("job_b"))
	}
	rootHas(t, m, "Bulk job job_b", "total 20 · sent 7 · failed 1 · pending 12", "esc jobs list")

	rootPress(m, "esc")
	if m.active != stepJobs || m.progressFrom == stepJobs {
		t.Fatalf("esc from a re-attached progress view went to %s", m.active)
	}
	if len(m.progress.Running()) != 0 {
		t.Fatal("the progress view still watches after esc")
	}
	feed(m, nil)
	_ = c
}

func TestJobsOnlyOption(t *testing.T) {
	opts := rootOptions(t)
	_, b, _ := writeTestJournal(t, opts.StateDir)
	opts.JobsOnly = true
	m, _, _ := jobsTestModel(t, opts)
	if m.active != stepJobs || m.drafts != nil {
		t.Fatalf("JobsOnly opened %s (drafts %v)", m.active, m.drafts != nil)
	}
	feed(m, m.Init())
	rootHas(t, m, b, "q quit")
	rootLacks(t, m, "esc back", "J jobs")
	rootPress(m, "esc")
	if m.active != stepJobs {
		t.Fatalf("esc left the jobs-only list for %s", m.active)
	}
	// Going to a campaign and back keeps the list.
	rootPress(m, "down")
	feed(m, rootPress(m, "enter"))
	rootPress(m, "esc")
	if m.active != stepJobs {
		t.Fatalf("esc from progress went to %s", m.active)
	}
	if _, ok := rootPress(m, "q")().(progressQuitMsg); !ok {
		t.Fatal("q did not leave the list")
	}
	rootPress(m, "ctrl+c")
	if r := FinalResult(m); r.Interrupted || r.Watched || r.Message != "" {
		t.Fatalf("ctrl+c on the jobs list: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(opts.StateDir, "drafts")); !os.IsNotExist(err) {
		t.Fatal("the jobs list wrote a draft")
	}
}

func TestJobsEmptyJournal(t *testing.T) {
	opts := rootOptions(t)
	opts.JobsOnly = true
	m, _, _ := jobsTestModel(t, opts)
	feed(m, m.Init())
	rootHas(t, m, "No submissions yet")
}

// The list renders only the rows on screen.
func TestJobsListIsVirtualised(t *testing.T) {
	opts := rootOptions(t)
	j, err := campaign.OpenJournal(opts.StateDir)
	if err != nil {
		t.Fatal(err)
	}
	const n = 2000
	for i := 0; i < n; i++ {
		at := rootNow.Add(-time.Duration(i) * time.Minute)
		id := fmt.Sprintf("cmp_%s_%06d", at.Format("20060102T150405Z"), i)
		if err := j.Append(campaign.Event{Kind: campaign.EventCreated, At: at, CampaignID: id, CreatedAt: at,
			Type: campaign.TypeText, Recipients: 1, Plan: []campaign.BatchPlan{{Index: 0, Recipients: 1}}}); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	opts.JobsOnly = true
	m, _, _ := jobsTestModel(t, opts)
	feed(m, m.Init())
	// A page of the newest, rendered a screenful at a time.
	if len(m.jobs.records) != jobsPage {
		t.Fatalf("%d records, want %d", len(m.jobs.records), jobsPage)
	}
	assertScreenFits(t, m, 80, 24)
	rootHas(t, m, "_000000", "newest 500 of 2,000")
	rootLacks(t, m, "_000100")
	rootPress(m, "end")
	rootHas(t, m, fmt.Sprintf("_%06d", jobsPage-1))
	rootLacks(t, m, "_000000")
	assertScreenFits(t, m, 80, 24)
}

// stateDirHidden shows the test's temporary state directory as STATE, so
// the golden does not change from run to run.
type stateDirHidden struct {
	tea.Model
	dir string
}

func (s stateDirHidden) View() string { return strings.ReplaceAll(s.Model.View(), s.dir, "STATE") }

// The jobs list and the resume prompt fit every size the composer does,
// a campaign of many batches included.
func TestJobsAndResumeFitTheScreen(t *testing.T) {
	opts := rootOptions(t)
	writeTestJournal(t, opts.StateDir)
	j, err := campaign.OpenJournal(opts.StateDir)
	if err != nil {
		t.Fatal(err)
	}
	var plan []campaign.BatchPlan
	for i := 0; i < 50; i++ {
		plan = append(plan, campaign.BatchPlan{Index: i, Recipients: 100})
	}
	if err := j.Append(campaign.Event{Kind: campaign.EventCreated, At: rootNow, CampaignID: "cmp_many", CreatedAt: rootNow,
		Type: campaign.TypeText, Recipients: 5000, Plan: plan}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	if err := campaign.SaveDraft(opts.StateDir, campaign.Draft{Campaign: campaign.Campaign{Type: campaign.TypeText,
		Content: strings.Repeat("long words ", 50)}, Operator: opts.Operator, CSVPath: "/very/long/path/" + strings.Repeat("x", 80) + ".csv"}); err != nil {
		t.Fatal(err)
	}
	m, _, _ := jobsTestModel(t, opts)
	sizes := [][2]int{{80, 24}, {60, 16}, {120, 40}, {100, 30}}
	for _, s := range sizes {
		m.Update(tea.WindowSizeMsg{Width: s[0], Height: s[1]})
		assertScreenFits(t, m, s[0], s[1])
		rootHas(t, m, "Resume your draft")
	}
	rootPress(m, "n", "y")
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	feed(m, rootPress(m, "J"))
	rootHas(t, m, "cmp_many", "… and", "50 batches not sent — run: spotcast resume cmp_many")
	for _, s := range sizes {
		m.Update(tea.WindowSizeMsg{Width: s[0], Height: s[1]})
		assertScreenFits(t, m, s[0], s[1])
		rootHas(t, m, "> cmp_many", "spotcast resume cmp_many")
	}
}

// Over SSH operators share one journal: each sees only their own campaigns.
func TestJobsOwnCampaignsOnly(t *testing.T) {
	opts := rootOptions(t)
	a, b, c := writeTestJournal(t, opts.StateDir)
	opts.JobsOnly, opts.Operator, opts.OwnCampaignsOnly = true, "carol", true
	m, _, _ := jobsTestModel(t, opts)
	feed(m, m.Init())
	rootHas(t, m, c)
	rootLacks(t, m, a, b)

	opts.OwnCampaignsOnly = false // the local list: everything
	m, _, _ = jobsTestModel(t, opts)
	feed(m, m.Init())
	rootHas(t, m, a, b, c)
}

// The Jobs screen follows the one watch policy: a 429 with Retry-After 30 s
// is waited out (no poll before it), shown as such, and never an error.
func TestJobsScreenHonoursRetryAfter(t *testing.T) {
	opts := rootOptions(t)
	writeTestJournal(t, opts.StateDir)
	m, ff, ticks := jobsTestModel(t, opts)
	ff.throttle = 1
	feed(m, rootPress(m, "J"))
	feed(m, rootPress(m, "down")) // bob's campaign: the running job
	rootHas(t, m, "PROCESSING · rate limited, waiting")
	if v := rootView(m); strings.Contains(v, "poll failed") {
		t.Fatalf("a 429 reads as a failure:\n%s", v)
	}
	if len(ticks.msgs) == 0 {
		t.Fatal("no wake-up scheduled after the 429")
	}
	last := ticks.msgs[len(ticks.msgs)-1].(tickAfter)
	if last.d < 30*time.Second {
		t.Fatalf("next poll in %s, Retry-After said 30 s", last.d)
	}
	feed(m, last.fire)
	if ff.count("job_b") != 2 {
		t.Fatalf("%d polls of job_b; want the second only after the wait", ff.count("job_b"))
	}
	rootHas(t, m, "jobs 1 PROCESSING (7/20 sent)")
}

// A status only the journal knows is marked with its time until a poll
// answers; a live one is not.
func TestJobsMarksStaleStatuses(t *testing.T) {
	opts := rootOptions(t)
	writeTestJournal(t, opts.StateDir)
	m, ff, ticks := jobsTestModel(t, opts)
	ff.throttle = 1
	feed(m, rootPress(m, "J"))
	feed(m, rootPress(m, "down"))
	rootHas(t, m, "jobs 1 PROCESSING as of 15:30")
	rootLacks(t, m, "COMPLETED (38/40 sent) as of") // final: never stale
	feed(m, ticks.msgs[len(ticks.msgs)-1].(tickAfter).fire)
	rootHas(t, m, "jobs 1 PROCESSING (7/20 sent)")
	rootLacks(t, m, "as of")
}
