package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"spotcast/campaign"
)

// flakyAPI accepts the first `ok` sends, then answers "not sent" (no
// connection) until healed; every job it made is COMPLETED.
type flakyAPI struct {
	mu     sync.Mutex
	ok     int
	sent   [][]string
	healed bool
}

type refused struct{}

func (refused) Error() string        { return "connection refused" }
func (refused) NotSent() bool        { return true }
func (refused) OutcomeUnknown() bool { return false }

func (f *flakyAPI) SendRequest(_ context.Context, r campaign.Request) (campaign.SendOutcome, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.sent) >= f.ok && !f.healed {
		return campaign.SendOutcome{}, refused{}
	}
	f.sent = append(f.sent, r.Recipients)
	return campaign.SendOutcome{Async: true, JobID: fmt.Sprintf("job_%d", len(f.sent)), Status: "PROCESSING"}, nil
}

func (f *flakyAPI) GetJob(_ context.Context, id string) (*campaign.Job, error) {
	n := 40
	return &campaign.Job{ID: id, Status: "COMPLETED", Total: &n, Sent: &n, Failed: new(int), Pending: new(int)}, nil
}

func (f *flakyAPI) HeadMedia(context.Context, string) (campaign.MediaInfo, error) {
	return campaign.MediaInfo{}, errors.New("no media here")
}

// A send cut short after its first batch never reads as done: the totals
// count the recipients never sent, R resumes that very campaign, and the
// scrollback line names the outcome. No recipient is sent twice.
func TestPartialSendIsIncompleteAndResumes(t *testing.T) {
	api := &flakyAPI{ok: 1}
	opts := rootOptions(t)
	opts.Engine = &campaign.Engine{API: api, Target: campaign.Target{Sandbox: true}}
	opts.BatchSize = 40
	c := campaign.Campaign{Type: campaign.TypeText, Content: "Hi", Recipients: numbers(200)}
	m := reviewModel(t, opts, c)
	virtualProgress(m)
	eng := opts.Engine.WithStore(m.c.Store)
	sub, err := eng.Submit(context.Background(), c, campaign.SubmitOptions{BatchSize: 40, Operator: "tester"})
	if !campaign.IsNotSent(err) || len(api.sent) != 1 {
		t.Fatalf("want batch 1 sent and the rest not: %v, %d sends", err, len(api.sent))
	}
	_, cmd := m.Update(sentMsg{sub: sub})
	execAll(t, m, cmd)
	rootHas(t, m, "incomplete: 40 of 200 recipients", "accepted, 160 not sent", "press R to send the rest")
	if v := rootView(m); strings.Contains(v, "Finished") {
		t.Fatalf("a partial send reads as finished:\n%s", v)
	}
	if line := FinalResult(m).Message; !strings.Contains(line, "incomplete") || !strings.Contains(line, "spotcast resume "+sub.CampaignID) {
		t.Fatalf("scrollback line %q", line)
	}
	api.mu.Lock()
	api.healed = true
	api.mu.Unlock()
	execAll(t, m, rootPress(m, "R"))
	if len(api.sent) != 5 {
		t.Fatalf("%d requests after resume, want 5", len(api.sent))
	}
	seen := map[string]bool{}
	for _, rs := range api.sent {
		for _, r := range rs {
			if seen[r] {
				t.Fatalf("%s was sent twice", r)
			}
			seen[r] = true
		}
	}
	rootHas(t, m, "Finished: 5 COMPLETED")
	if line := FinalResult(m).Message; !strings.Contains(line, "finished: 200 of 200 recipients sent") {
		t.Fatalf("scrollback line after resume %q", line)
	}
}

// unsureAPI drops its first send after it left (outcome unknown), then
// accepts.
type unsureAPI struct {
	flakyAPI
	dropped bool
}

type dropped struct{}

func (dropped) Error() string        { return "connection reset after the request was sent" }
func (dropped) OutcomeUnknown() bool { return true }

func (u *unsureAPI) SendRequest(ctx context.Context, r campaign.Request) (campaign.SendOutcome, error) {
	u.mu.Lock()
	if !u.dropped {
		u.dropped = true
		u.mu.Unlock()
		return campaign.SendOutcome{}, dropped{}
	}
	u.mu.Unlock()
	u.flakyAPI.healed = true
	return u.flakyAPI.SendRequest(ctx, r)
}

// After a send whose outcome is unknown, Review offers to resume that very
// campaign, and a fresh send of the same draft needs two yeses.
func TestUnknownOutcomeOffersResumeAndGuardsANewSend(t *testing.T) {
	api := &unsureAPI{}
	opts := rootOptions(t)
	opts.Engine = &campaign.Engine{API: api, Target: campaign.Target{Sandbox: true}}
	c := campaign.Campaign{Type: campaign.TypeText, Content: "Hi", Recipients: numbers(3)}
	m := reviewModel(t, opts, c)
	virtualProgress(m)
	rootPress(m, "enter")
	execAll(t, m, rootPress(m, "y"))
	rootHas(t, m, "Outcome unknown:", "Press R to resume campaign cmp_", "asks twice")
	if strings.Contains(rootView(m), "Not sent") {
		t.Fatal("an unknown outcome reads as not sent")
	}
	if m.active != stepReview || len(api.sent) != 0 {
		t.Fatalf("after an unknown outcome: on %s with %d sends", m.active, len(api.sent))
	}
	// A new send: the first yes only leads to the usual question.
	rootPress(m, "enter")
	rootHas(t, m, "may already have reached these recipients", "Send a NEW campaign")
	rootPress(m, "y")
	rootHas(t, m, "Send to 3 recipients? [y/N]")
	rootPress(m, "n")
	if len(api.sent) != 0 {
		t.Fatal("declining the second question sent something")
	}
	// R resumes that campaign (its only batch may have arrived: asked first).
	rootPress(m, "R")
	rootHas(t, m, "Resend campaign cmp_", "They get it twice if it did arrive.")
	execAll(t, m, rootPress(m, "y"))
	if m.active != stepProgress || len(api.sent) != 1 {
		t.Fatalf("after R, y: on %s with %d sends\n%s", m.active, len(api.sent), rootView(m))
	}
	page, err := m.c.Store.Campaigns(campaign.CampaignQuery{})
	if recs := page.Campaigns; err != nil || len(recs) != 1 {
		t.Fatalf("resume made a new campaign instead of finishing the first: %v %+v", err, recs)
	}
}

// slowAPI holds each send until released, so the Sending line can be read.
type slowAPI struct {
	flakyAPI
	release chan struct{}
}

func (s *slowAPI) SendRequest(ctx context.Context, r campaign.Request) (campaign.SendOutcome, error) {
	<-s.release
	return s.flakyAPI.SendRequest(ctx, r)
}

// A slow API reads as slow, not stuck: "Sending request 2 of 3, waiting
// 12s for the API…", redrawn each second until the send ends.
func TestSendingLineSaysWhichRequestAndHowLong(t *testing.T) {
	api := &slowAPI{flakyAPI: flakyAPI{ok: 99}, release: make(chan struct{})}
	opts := rootOptions(t)
	opts.Engine = &campaign.Engine{API: api, Target: campaign.Target{Sandbox: true}}
	opts.BatchSize = 20
	clk := &movingClock{t: rootNow}
	opts.Now = clk.Now
	m := reviewModel(t, opts, campaign.Campaign{Type: campaign.TypeText, Content: "Hi", Recipients: numbers(60)})
	var ticks []tea.Cmd
	m.review.tick = func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
		c := func() tea.Msg { return fn(time.Time{}) }
		ticks = append(ticks, c)
		return nil
	}
	rootPress(m, "enter")
	cmd := rootPress(m, "y")
	if len(ticks) != 1 {
		t.Fatalf("%d redraw ticks armed, want 1", len(ticks))
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }() // the send, on its own goroutine as in Bubble Tea
	api.release <- struct{}{}     // request 1 answers
	waitFor(t, func() bool { return m.review.status.text(clk.Now()) == "Sending request 2 of 3…" })
	clk.mu.Lock()
	clk.t = clk.t.Add(12 * time.Second)
	clk.mu.Unlock()
	m.Update(ticks[0]())
	rootHas(t, m, "Sending request 2 of 3, waiting 12s for the API…")
	if len(ticks) != 2 {
		t.Fatalf("the redraw did not re-arm while sending: %d ticks", len(ticks))
	}
	api.release <- struct{}{}
	api.release <- struct{}{}
	<-done
	if len(api.sent) != 3 {
		t.Fatalf("%d requests sent, want 3", len(api.sent))
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 500 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition not met within 5 s")
}
