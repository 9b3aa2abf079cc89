package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

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
	eng := opts.Engine.WithJournal(m.c.Journal)
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
