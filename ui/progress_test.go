package ui

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"spotcast/campaign"
	"spotcast/client"
	"spotcast/client/sandbox"
	"spotcast/ui/common"
)

// fakeClock is shared by the model and the sandbox (another goroutine).
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// timerMsg is what the test's tick seam returns instead of sleeping: the
// simulation below delivers msg when virtual time reaches due.
type timerMsg struct {
	d   time.Duration
	msg tea.Msg
}

type timer struct {
	due time.Time
	seq int
	msg tea.Msg
}

// sim runs a progress model in virtual time: commands run at once, timers
// wait in a queue and fire in due order as the clock jumps to them.
type sim struct {
	t       testing.TB
	m       *progressModel
	clock   *fakeClock
	timers  []timer
	seq     int
	updates int // messages handled: each one is a render in Bubble Tea
	out     []tea.Msg
}

func newSim(t testing.TB, c *common.Common) *sim {
	clk := &fakeClock{t: frozenNow}
	c.Clock = clk.Now
	m := newProgress(c)
	m.tick = func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
		return func() tea.Msg { return timerMsg{d: d, msg: fn(time.Time{})} }
	}
	return &sim{t: t, m: m, clock: clk}
}

func (s *sim) run(cmd tea.Cmd) {
	queue := execCmd(cmd)
	for len(queue) > 0 {
		msg := queue[0]
		queue = queue[1:]
		if tm, ok := msg.(timerMsg); ok {
			s.seq++
			s.timers = append(s.timers, timer{due: s.clock.Now().Add(tm.d), seq: s.seq, msg: tm.msg})
			continue
		}
		switch msg.(type) {
		case progressQuitMsg, resendFailedMsg:
			s.out = append(s.out, msg)
			continue
		}
		s.updates++
		_, c := s.m.Update(msg)
		queue = append(queue, execCmd(c)...)
	}
}

// step fires the next timer; false when none is left.
func (s *sim) step() bool {
	if len(s.timers) == 0 {
		return false
	}
	sort.SliceStable(s.timers, func(i, j int) bool {
		if s.timers[i].due.Equal(s.timers[j].due) {
			return s.timers[i].seq < s.timers[j].seq
		}
		return s.timers[i].due.Before(s.timers[j].due)
	})
	next := s.timers[0]
	s.timers = s.timers[1:]
	if next.due.After(s.clock.Now()) {
		s.clock.Set(next.due)
	}
	s.run(func() tea.Msg { return next.msg })
	return true
}

// until steps until virtual time reaches d after the start.
func (s *sim) until(d time.Duration) {
	end := frozenNow.Add(d)
	for len(s.timers) > 0 {
		sort.SliceStable(s.timers, func(i, j int) bool { return s.timers[i].due.Before(s.timers[j].due) })
		if s.timers[0].due.After(end) {
			break
		}
		s.step()
	}
	s.clock.Set(end)
}

func (s *sim) press(k string) {
	s.run(func() tea.Msg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)} })
}

func ptr(n int) *int { return &n }

// startSandboxJob creates a bulk job of n recipients on a sandbox driven by
// the sim's clock.
func startSandboxJob(t *testing.T, s *sim, n int, failRate float64) (*client.Client, string) {
	t.Helper()
	sb := sandbox.New(sandbox.WithClock(s.clock.Now), sandbox.WithRate(10), sandbox.WithSeed(7), sandbox.WithFailRate(failRate))
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	cl := client.New(client.WithBaseURL(srv.URL), client.WithAPIKey(sandbox.Key))
	req := campaign.Request{Type: campaign.TypeText, Content: "Spring sale"}
	for i := 0; i < n; i++ {
		req.Recipients = append(req.Recipients, fmt.Sprintf("9198765%05d", i))
	}
	res, err := cl.Send(context.Background(), req)
	if err != nil || !res.Async || res.JobID == "" {
		t.Fatalf("sandbox send: %+v, %v", res, err)
	}
	return cl, res.JobID
}

func TestProgressSandboxRunningToCompleted(t *testing.T) {
	c := testCommon(t)
	s := newSim(t, c)
	cl, jobID := startSandboxJob(t, s, 40, 0.1)
	c.Engine = engineFor(cl)
	jr, err := campaign.OpenJournal(c.StateDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { jr.Close() })
	c.Store = jr

	sub := &campaign.Submission{CampaignID: "c_spring", Batches: []campaign.BatchResult{{
		Index: 0, Recipients: 40, State: campaign.StateAccepted,
		Outcome: campaign.SendOutcome{Async: true, JobID: jobID, Status: "PROCESSING"},
	}}}
	s.run(s.m.StartSubmission(sub))
	if s.m.Done() {
		t.Fatal("Done before the job ran")
	}
	s.until(2 * time.Second)
	v := s.m.View()
	assertFits(t, v, 80, 24)
	golden(t, "progress_running", v)
	if got := renderHelp(s.m); !strings.Contains(got, "detach") || strings.Contains(got, "export") {
		t.Errorf("help while running: %q", got)
	}

	for i := 0; i < 100 && !s.m.Done(); i++ {
		s.step()
	}
	if !s.m.Done() {
		t.Fatal("the job never finished")
	}
	if len(s.timers) > 0 {
		// A stale clock tick may remain; it must not re-arm anything.
		for s.step() {
		}
	}
	if len(s.timers) != 0 {
		t.Errorf("timers still armed after the end: %d", len(s.timers))
	}
	v = s.m.View()
	assertFits(t, v, 80, 24)
	golden(t, "progress_completed", v)
	if verdictCode(s.m.Verdict()) != 5 {
		t.Errorf("ExitCode = %d with failed messages, want 5", verdictCode(s.m.Verdict()))
	}
	if len(s.m.Running()) != 0 {
		t.Errorf("Running() = %v after the end", s.m.Running())
	}

	// Failures: export, then re-send.
	s.press("e")
	if s.m.exportErr != nil || s.m.exported == "" {
		t.Fatalf("export: %q, %v", s.m.exported, s.m.exportErr)
	}
	if filepath.Dir(s.m.exported) != filepath.Join(c.StateDir, "exports") {
		t.Errorf("exported to %s, want under STATE/exports", s.m.exported)
	}
	f, err := os.Open(s.m.exported)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	fails := s.m.failures()
	if err != nil || len(rows) != len(fails)+1 || rows[0][1] != "recipient" || len(fails) == 0 {
		t.Errorf("export rows %v (%v), %d failures", rows, err, len(fails))
	}
	if !strings.Contains(ansi.Strip(s.m.View()), "exported to") {
		t.Error("the export path is not shown")
	}
	// Over SSH the export goes to the operator's own import folder.
	c.OwnCampaignsOnly, c.ImportDir = true, t.TempDir()
	s.press("e")
	if s.m.exportErr != nil || filepath.Dir(s.m.exported) != filepath.Join(c.ImportDir, "exports") {
		t.Errorf("SSH export to %s (%v), want under the import folder", s.m.exported, s.m.exportErr)
	}
	s.m.SetSize(200, 40)
	if v := ansi.Strip(s.m.View()); strings.Contains(v, c.ImportDir) || !strings.Contains(v, "exported to exports/failed-") {
		t.Errorf("over SSH the export must be named in the operator's folder, not by its server path:\n%s", v)
	}
	c.OwnCampaignsOnly, c.ImportDir = false, ""
	s.press("r")
	var resend *resendFailedMsg
	for _, m := range s.out {
		if r, ok := m.(resendFailedMsg); ok {
			resend = &r
		}
	}
	// Only what may succeed again: "not on WhatsApp" is not re-sent.
	retry := s.m.tally.retryable()
	if resend == nil || len(retry) == 0 || len(retry) == len(fails) || len(resend.Recipients) != len(retry) ||
		resend.Recipients[0] != strings.TrimPrefix(retry[0].recipient, "+") {
		t.Errorf("resend = %+v, failures %v", resend, fails)
	}
	for _, r := range resend.Recipients {
		for _, p := range s.m.tally.permanentFails() {
			if strings.TrimPrefix(p.recipient, "+") == r {
				t.Errorf("re-sends %s, which failed for good (%s)", r, p.err)
			}
		}
	}

	// The journal saw each status once: PROCESSING, COMPLETED.
	jf, err := os.Open(jr.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer jf.Close()
	var statuses []string
	sc := bufio.NewScanner(jf)
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"jobId":"`+jobID+`"`) {
			for _, st := range []string{"PROCESSING", "COMPLETED", "FAILED"} {
				if strings.Contains(sc.Text(), `"status":"`+st+`"`) {
					statuses = append(statuses, st)
				}
			}
		}
	}
	if strings.Join(statuses, ",") != "PROCESSING,COMPLETED" {
		t.Errorf("journaled statuses %v, want PROCESSING,COMPLETED (once per change)", statuses)
	}
}

// fakeJobs answers GetJob from a script, one answer per call, and counts
// requests in flight.
type fakeJobs struct {
	mu       sync.Mutex
	answers  []func() (*campaign.Job, error)
	calls    int
	inFlight int
	maxIn    int
}

func (f *fakeJobs) fetch(_ context.Context, id string) (*campaign.Job, error) {
	f.mu.Lock()
	f.inFlight++
	f.maxIn = max(f.maxIn, f.inFlight)
	i := min(f.calls, len(f.answers)-1)
	f.calls++
	a := f.answers[i]
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.inFlight--; f.mu.Unlock() }()
	return a()
}

func job(status string, total, sent, failed, pending *int) func() (*campaign.Job, error) {
	return func() (*campaign.Job, error) {
		return &campaign.Job{ID: "job_1", Status: status, Total: total, Sent: sent, Failed: failed, Pending: pending}, nil
	}
}

func TestProgressMissingCountsIsIndeterminate(t *testing.T) {
	s := newSim(t, testCommon(t))
	f := &fakeJobs{answers: []func() (*campaign.Job, error){job("PROCESSING", nil, nil, nil, nil)}}
	s.m.fetch = f.fetch
	s.run(s.m.StartWatch([]string{"job_1"}))
	s.until(3 * time.Second)
	v := ansi.Strip(s.m.View())
	if strings.Contains(v, "%") || strings.Contains(v, "0 sent") {
		t.Errorf("missing counts shown as a percentage:\n%s", v)
	}
	golden(t, "progress_indeterminate", s.m.View())
}

func TestProgressPollErrorThenRecovers(t *testing.T) {
	s := newSim(t, testCommon(t))
	f := &fakeJobs{answers: []func() (*campaign.Job, error){
		job("PROCESSING", ptr(100), ptr(10), ptr(0), ptr(90)),
		func() (*campaign.Job, error) {
			return nil, errors.New("GET /bulk-jobs/job_1: 503 Service Unavailable\x1b[2J")
		},
		job("PROCESSING", ptr(100), ptr(30), ptr(1), ptr(69)),
	}}
	s.m.fetch = f.fetch
	s.run(s.m.StartWatch([]string{"job_1"}))
	s.until(1 * time.Second) // the second poll fails
	v := s.m.View()
	if !strings.Contains(v, "503 Service Unavailable") || strings.Contains(v, "\x1b") {
		t.Errorf("poll error not shown (or not sanitised):\n%q", v)
	}
	golden(t, "progress_poll_error", v)
	s.until(3 * time.Second) // retried after the back-off: recovered
	v = ansi.Strip(s.m.View())
	if strings.Contains(v, "poll of") || !strings.Contains(v, "sent 30") {
		t.Errorf("did not recover:\n%s", v)
	}
	if f.maxIn != 1 {
		t.Errorf("%d requests in flight at once, want 1", f.maxIn)
	}
}

func TestProgressOneRequestInFlight(t *testing.T) {
	s := newSim(t, testCommon(t))
	s.m.fetch = (&fakeJobs{answers: []func() (*campaign.Job, error){job("PENDING", nil, nil, nil, nil)}}).fetch
	cmd := s.m.StartWatch([]string{"job_1"})
	// The first poll is outstanding: a tick now must not start another.
	if _, c := s.m.Update(pumpTickMsg{owner: "progress", gen: s.m.gen, seq: s.m.polls.pendingSeq}); c != nil {
		t.Error("a pump started a second request while one was in flight")
	}
	s.run(cmd)
	// A reply from an earlier watch is dropped.
	s.m.Update(jobStatusMsg{id: "job_1", gen: s.m.gen - 1, job: &campaign.Job{ID: "job_1", Status: "COMPLETED"}})
	if s.m.Done() {
		t.Error("a stale reply ended the job")
	}
}

func TestProgressUnknownStatusRunsAndQDetaches(t *testing.T) {
	s := newSim(t, testCommon(t))
	s.m.fetch = (&fakeJobs{answers: []func() (*campaign.Job, error){job("THROTTLED", ptr(50), ptr(5), ptr(0), ptr(45))}}).fetch
	s.run(s.m.StartWatch([]string{"job_1"}))
	s.until(5 * time.Second)
	if s.m.Done() || strings.Join(s.m.Running(), ",") != "job_1" {
		t.Fatalf("unknown status: Done %v, Running %v", s.m.Done(), s.m.Running())
	}
	if !strings.Contains(ansi.Strip(s.m.View()), "THROTTLED") {
		t.Error("the unknown status is not shown as it is")
	}
	s.press("q")
	if len(s.out) != 1 {
		t.Fatalf("q produced %v, want progressQuitMsg", s.out)
	}
	if _, ok := s.out[0].(progressQuitMsg); !ok {
		t.Errorf("q produced %T", s.out[0])
	}
	if verdictCode(s.m.Verdict()) != 0 || strings.Join(s.m.Running(), ",") != "job_1" {
		t.Errorf("after q: exit %d, running %v", verdictCode(s.m.Verdict()), s.m.Running())
	}
}

func TestProgressSeveralBatchesAndNoFailureList(t *testing.T) {
	s := newSim(t, testCommon(t))
	answers := map[string]*campaign.Job{
		"job_a": {ID: "job_a", Status: "COMPLETED", Total: ptr(100), Sent: ptr(98), Failed: ptr(2), Pending: ptr(0)},
		"job_b": {ID: "job_b", Status: "FAILED", Total: ptr(20), Sent: ptr(0), Failed: ptr(20), Pending: ptr(0)},
	}
	s.m.fetch = func(_ context.Context, id string) (*campaign.Job, error) { j := *answers[id]; return &j, nil }
	sub := &campaign.Submission{CampaignID: "c_multi", Batches: []campaign.BatchResult{
		{Index: 0, Recipients: 100, State: campaign.StateAccepted, Outcome: campaign.SendOutcome{Async: true, JobID: "job_a"}},
		{Index: 1, Recipients: 20, State: campaign.StateAccepted, Outcome: campaign.SendOutcome{Async: true, JobID: "job_b"}},
		{Index: 2, Recipients: 3, State: campaign.StateAccepted, Outcome: campaign.SendOutcome{Messages: []campaign.SentMessage{
			{ID: "msg_1", Status: "SENT"}, {ID: "msg_2\x1b]0;x\x07", Status: "SENT"}, {ID: "msg_3", Status: "FAILED"}}}},
		{Index: 3, Recipients: 3, State: campaign.StateUnknown, Err: errors.New("timeout after 30s")},
	}}
	s.run(s.m.StartSubmission(sub))
	s.until(time.Second) // the poll budget lets the second job go 0.2 s later
	if !s.m.Done() || verdictCode(s.m.Verdict()) != 5 {
		t.Errorf("Done %v ExitCode %d", s.m.Done(), verdictCode(s.m.Verdict()))
	}
	v := s.m.View()
	if !strings.Contains(v, "per-recipient failures are not available from the API") {
		t.Errorf("no word about missing failures:\n%s", ansi.Strip(v))
	}
	if strings.Contains(v, "\x1b") || strings.Contains(v, "\x07") {
		t.Errorf("API text not inert: %q", v)
	}
	assertFits(t, v, 80, 24)
	golden(t, "progress_batches", v)
	for _, size := range [][2]int{{58, 12}, {40, 8}, {200, 60}} {
		s.m.SetSize(size[0], size[1])
		assertFits(t, s.m.View(), size[0], size[1])
	}
	if got := renderHelp(s.m); strings.Contains(got, "export") {
		t.Errorf("export offered without failures: %q", got)
	}
}

func TestProgressSynchronousOnly(t *testing.T) {
	s := newSim(t, testCommon(t))
	s.run(s.m.StartSubmission(&campaign.Submission{CampaignID: "c1", Batches: []campaign.BatchResult{
		{Index: 0, Recipients: 2, State: campaign.StateAccepted, Outcome: campaign.SendOutcome{Messages: []campaign.SentMessage{
			{ID: "msg_123", Status: "SENT"}, {ID: "msg_124", Status: "SENT"}}}},
	}}))
	if !s.m.Done() || verdictCode(s.m.Verdict()) != 0 || len(s.timers) != 0 {
		t.Errorf("Done %v ExitCode %d timers %d", s.m.Done(), verdictCode(s.m.Verdict()), len(s.timers))
	}
	golden(t, "progress_sync", s.m.View())
}

// 404, 401, 403 and other 4xx answers (but 429) end the watch of that job:
// no further polls, no "running"; exit 3. A 429 is retried.
func TestProgressRefusedPollIsFatal(t *testing.T) {
	for _, code := range []int{400, 401, 403, 404, 429} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			s := newSim(t, testCommon(t))
			f := &fakeJobs{answers: []func() (*campaign.Job, error){func() (*campaign.Job, error) {
				a := &client.APIError{Op: "GET /bulk-jobs/job_1", StatusCode: code, Message: "refused\x1b[2J"}
				if code == 429 {
					return nil, &client.RateLimitError{APIError: a}
				}
				return nil, a
			}}}
			s.m.fetch = f.fetch
			s.run(s.m.StartWatch([]string{"job_1"}))
			s.until(time.Minute)
			v := ansi.Strip(s.m.View())
			if code == 429 {
				if f.calls < 3 || s.m.Done() || verdictCode(s.m.Verdict()) != 0 {
					t.Fatalf("429: %d polls, Done %v, exit %d; want retries", f.calls, s.m.Done(), verdictCode(s.m.Verdict()))
				}
				return
			}
			if f.calls != 1 || !s.m.Done() || len(s.m.Running()) != 0 || verdictCode(s.m.Verdict()) != 3 {
				t.Fatalf("%d polls, Done %v, Running %v, exit %d; want 1 poll, done, none running, exit 3",
					f.calls, s.m.Done(), s.m.Running(), verdictCode(s.m.Verdict()))
			}
			if !strings.Contains(v, "stopped watching job_1") || strings.Contains(v, "retrying") || strings.Contains(s.m.View(), "\x1b[2J") {
				t.Errorf("view:\n%s", v)
			}
			if len(s.timers) != 0 {
				t.Errorf("%d timers armed after a fatal poll", len(s.timers))
			}
		})
	}
}

// Only COMPLETED without failed messages exits 0.
func TestProgressExitCodeByStatus(t *testing.T) {
	for _, tc := range []struct {
		job  func() (*campaign.Job, error)
		want int
	}{
		{job("COMPLETED", ptr(5), ptr(5), ptr(0), ptr(0)), 0},
		{job("COMPLETED", ptr(5), ptr(4), ptr(1), ptr(0)), 5},
		{job("CANCELLED", ptr(5), ptr(2), ptr(0), ptr(0)), 5},
		{job("cancelled", nil, nil, nil, nil), 5},
		{job("FAILED", nil, nil, nil, nil), 5},
	} {
		s := newSim(t, testCommon(t))
		s.m.fetch = (&fakeJobs{answers: []func() (*campaign.Job, error){tc.job}}).fetch
		s.run(s.m.StartWatch([]string{"job_1"}))
		j, _ := tc.job()
		if !s.m.Done() || verdictCode(s.m.Verdict()) != tc.want {
			t.Errorf("%s: Done %v, exit %d, want %d", j.Status, s.m.Done(), verdictCode(s.m.Verdict()), tc.want)
		}
	}
}
