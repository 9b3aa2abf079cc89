package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"spotcast/campaign"
)

// manyJobsSub is a submission of n bulk jobs of 100 recipients.
func manyJobsSub(n int) *campaign.Submission {
	sub := &campaign.Submission{CampaignID: "c_many"}
	for i := range n {
		sub.Batches = append(sub.Batches, campaign.BatchResult{Index: i, Recipients: 100, State: campaign.StateAccepted,
			Outcome: campaign.SendOutcome{Async: true, JobID: fmt.Sprintf("job_%02d", i), Status: "PROCESSING"}})
	}
	return sub
}

// At 60×16 thirty finished jobs with failures do not fit: the summary and
// the failures come first, the rest scrolls with j/k and pgdn, and the
// last row says how much is hidden rather than cutting it.
func TestProgressScrollsWhatDoesNotFit(t *testing.T) {
	opts := rootOptions(t)
	c := campaign.Campaign{Type: campaign.TypeText, Content: "Hi", Recipients: numbers(3000)}
	jobs := map[string]*campaign.Job{}
	for i := range 30 {
		id := fmt.Sprintf("job_%02d", i)
		jobs[id] = &campaign.Job{ID: id, Status: "COMPLETED", Total: ptr(100), Sent: ptr(99), Failed: ptr(1), Pending: ptr(0),
			Failures: []campaign.Failure{{Recipient: fmt.Sprintf("9198765%05d", i*100), Error: "device offline too long"}}}
	}
	jobs["job_03"].Failures[0].Error = "number is not on WhatsApp"
	m := sentModel(t, opts, c, manyJobsSub(30), jobs)
	rootGolden(t, m) // 80×24
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 16})
	assertScreenFits(t, m, 60, 16)
	golden(t, "TestProgressScrollsWhatDoesNotFit_60x16", rootView(m))
	rootHas(t, m, "30 bulk jobs", "Finished: 30 COMPLETED", "more lines (↑/↓ j/k pgup/pgdn)", "↑/↓ scroll")
	rootLacks(t, m, "batch 30 ", "…")
	rootPress(m, "j")
	rootHas(t, m, "↑ 1 above")
	for range 10 {
		rootPress(m, "pgdown")
	}
	rootHas(t, m, "batch 30 ", "job_29")
	rootLacks(t, m, "more lines")
	rootPress(m, "home")
	rootHas(t, m, "Finished: 30 COMPLETED")
}

// Re-attached to a campaign whose jobs went on while detached: the rate
// is what changed since attaching (20 msg/s for two jobs at 10), not the
// journal's old counts against the first fresh ones (it read 139).
func TestProgressRateAfterReattach(t *testing.T) {
	s := newSim(t, testCommon(t))
	start := s.clock.Now()
	var mu sync.Mutex
	s.m.fetch = func(_ context.Context, id string) (*campaign.Job, error) {
		mu.Lock()
		defer mu.Unlock()
		el := int(s.clock.Now().Sub(start).Seconds())
		// Both jobs ran 5 minutes while nobody watched: 3,000 more each.
		sent := 8000 + 10*el
		return &campaign.Job{ID: id, Status: "PROCESSING", Total: ptr(100_000), Sent: ptr(sent), Failed: ptr(0), Pending: ptr(100_000 - sent)}, nil
	}
	rec := campaign.CampaignRecord{CampaignID: "c_back"}
	for i, id := range []string{"job_a", "job_b"} {
		rec.Batches = append(rec.Batches, campaign.BatchRecord{Index: i, Recipients: 100_000, State: campaign.StateAccepted,
			JobID: id, JobStatus: "PROCESSING", Total: ptr(100_000), Sent: ptr(5000), Failed: ptr(0), Pending: ptr(95_000)})
	}
	s.run(s.m.StartWatchCampaign(rec))
	s.until(30 * time.Second)
	r := s.m.rate()
	if r < 19 || r > 21 {
		t.Fatalf("rate %.1f msg/s after re-attaching, want about 20", r)
	}
	if v := ansi.Strip(s.m.View()); !strings.Contains(v, fmt.Sprintf("rate %.1f msg/s", r)) {
		t.Fatalf("view lacks the rate:\n%s", v)
	}
}

// A SCHEDULED job says when it starts, in the operator's zone by name, and
// counts down as the clock ticks.
func TestProgressScheduledJobCountsDown(t *testing.T) {
	c := testCommon(t)
	c.Zone = rootLoc
	s := newSim(t, c)
	at := frozenNow.Add(12*time.Minute + 5*time.Second)
	s.m.fetch = func(_ context.Context, id string) (*campaign.Job, error) {
		return &campaign.Job{ID: id, Status: "SCHEDULED", ScheduledAt: at.Format(time.RFC3339)}, nil
	}
	s.run(s.m.StartWatch([]string{"job_s"}))
	v := ansi.Strip(s.m.View())
	if !strings.Contains(v, "scheduled: starts Sat 14 Mar 15:12 IST, in 12m05s") {
		t.Fatalf("no start time and countdown:\n%s", v)
	}
	golden(t, "progress_scheduled", v)
	s.until(65 * time.Second)
	if v := ansi.Strip(s.m.View()); !strings.Contains(v, "in 11m00s") {
		t.Fatalf("the countdown did not move:\n%s", v)
	}
}

// A synchronous send from Review lists each message id with its recipient.
func TestProgressSyncSendNamesRecipients(t *testing.T) {
	c := campaign.Campaign{Type: campaign.TypeText, Content: "Hi", Recipients: numbers(2)}
	sub := &campaign.Submission{CampaignID: "c_sync", Batches: []campaign.BatchResult{{Index: 0, Recipients: 2,
		State: campaign.StateAccepted, Outcome: campaign.SendOutcome{Messages: []campaign.SentMessage{
			{ID: "msg_1", Status: "SENT"}, {ID: "msg_2", Status: "QUEUED"}}}}}}
	m := sentModel(t, rootOptions(t), c, sub, nil)
	rootHas(t, m, "+919876500000    msg_1                        SENT", "+919876500001    msg_2                        QUEUED")
}
