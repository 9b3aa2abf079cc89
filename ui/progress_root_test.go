package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"spotcast/campaign"
)

// sentModel is a root model on Progress after sub was accepted; job polls
// are answered by jobs (by job ID) and timers never fire.
func sentModel(t *testing.T, opts Options, c campaign.Campaign, sub *campaign.Submission, jobs map[string]*campaign.Job) *Model {
	t.Helper()
	m := reviewModel(t, opts, c)
	m.progress.fetch = func(_ context.Context, id string) (*campaign.Job, error) {
		j, ok := jobs[id]
		if !ok {
			return nil, fmt.Errorf("no job %s", id)
		}
		cp := *j
		return &cp, nil
	}
	virtualProgress(m)
	_, cmd := m.Update(sentMsg{sub: sub})
	execAll(t, m, cmd)
	if m.active != stepProgress || !m.progress.Done() {
		t.Fatalf("after the send: active %s, done %v\n%s", m.active, m.progress.Done(), rootView(m))
	}
	return m
}

// r re-sends the failed recipients that may succeed again: they reach
// Review as international numbers, whatever the default country (none
// here); "not on WhatsApp" and "blocked" are listed apart and not re-sent.
func TestResendFailedKeepsRecipients(t *testing.T) {
	c := campaign.Campaign{Type: campaign.TypeText, Content: "Hi", Recipients: numbers(12)}
	sub := &campaign.Submission{Batches: []campaign.BatchResult{{
		Index: 0, Recipients: 12, State: campaign.StateAccepted,
		Outcome: campaign.SendOutcome{Async: true, JobID: "job_1", Status: "PROCESSING"},
	}}}
	jobs := map[string]*campaign.Job{"job_1": {ID: "job_1", Status: "COMPLETED", Total: ptr(12), Sent: ptr(8), Failed: ptr(4),
		Pending: ptr(0), Failures: []campaign.Failure{
			{Recipient: "+919876500001", Error: "not on WhatsApp"},
			{Recipient: "919876500002", Error: "device offline too long"},
			{Recipient: "919876500003", Error: "blocked"},
			{Recipient: "+447911123456", Error: "timeout"},
		}}}
	m := sentModel(t, rootOptions(t), c, sub, jobs)
	// As an accepted send leaves it (it stays "sending" until Progress).
	m.review.mode = reviewSending
	rootHas(t, m, "2 recipients failed — may succeed if sent again (r):", "2 recipients failed for good (not re-sent):")
	_, cmd := m.Update(rootKey("r"))
	execAll(t, m, cmd)
	if m.active != stepReview {
		t.Fatalf("r went to %s, want Review", m.active)
	}
	rootHas(t, m, "2 recipients · 0 groups", "Hi")
	if got := m.review.d.Campaign.Recipients; len(got) != 2 || got[0] != "919876500002" || got[1] != "447911123456" {
		t.Fatalf("re-send recipients %v", got)
	}
	rootPress(m, "enter")
	rootHas(t, m, "Send to 2 recipients? [y/N]")
}

// send --watch opens the view on a Submission with an empty composer: r
// takes the whole message from the campaign file (type, caption, media
// URL), the schedule cleared; leaving Review without sending ends with the
// watch's verdict (exit 5: messages failed), not "Nothing was sent." and 0.
func TestResendAfterSendWatchCarriesMessageAndExitCode(t *testing.T) {
	opts := rootOptions(t)
	c := campaign.Campaign{Type: campaign.TypeImage, Content: "Sale today", MediaURL: "https://example.com/sale.jpg",
		Recipients: numbers(12), ScheduledAt: rootNow.Add(-time.Hour)}
	cf := campaign.CampaignFile{CampaignID: "c_watched", CreatedAt: rootNow, Campaign: c}
	created := campaign.Event{Kind: campaign.EventCreated, CampaignID: "c_watched", CreatedAt: rootNow, Type: c.Type,
		Recipients: 12, Plan: []campaign.BatchPlan{{Index: 0, Recipients: 12}}}
	if err := testStore(t, opts).CreateCampaign(cf, created); err != nil {
		t.Fatal(err)
	}
	opts.Submission = &campaign.Submission{CampaignID: "c_watched", Batches: []campaign.BatchResult{{
		Index: 0, Recipients: 12, State: campaign.StateAccepted,
		Outcome: campaign.SendOutcome{Async: true, JobID: "job_w", Status: "PROCESSING"},
	}}}
	m := rootModel(t, opts)
	m.progress.fetch = func(context.Context, string) (*campaign.Job, error) {
		return &campaign.Job{ID: "job_w", Status: "COMPLETED", Total: ptr(12), Sent: ptr(10), Failed: ptr(2), Pending: ptr(0),
			Failures: []campaign.Failure{{Recipient: "919876500002", Error: "timeout"}, {Recipient: "919876500003", Error: "number is not on WhatsApp"}}}, nil
	}
	virtualProgress(m)
	execAll(t, m, m.Init())
	if !m.progress.Done() {
		t.Fatalf("watch did not end:\n%s", rootView(m))
	}
	_, cmd := m.Update(rootKey("r"))
	execAll(t, m, cmd)
	if m.active != stepReview {
		t.Fatalf("r went to %s, want Review:\n%s", m.active, rootView(m))
	}
	got := m.review.d.Campaign
	if got.Type != campaign.TypeImage || got.Content != "Sale today" || got.MediaURL != "https://example.com/sale.jpg" ||
		!got.ScheduledAt.IsZero() || len(got.Recipients) != 1 || got.Recipients[0] != "919876500002" {
		t.Fatalf("re-send campaign %+v", got)
	}
	rootHas(t, m, "Sale today", "1 recipient · 0 groups")
	m.Update(rootKey("ctrl+c"))
	_ = m.Close()
	r := FinalResult(m)
	if !r.Watched || verdictCode(r.Verdict) != 5 || strings.Contains(r.Message, "Nothing was sent") ||
		!strings.Contains(r.Message, "re-send of the failed recipients was not sent") {
		t.Fatalf("result %+v, want the watch's exit 5 and what was not sent", r)
	}
}

// spotcast watch JOB_ID knows no message: r says how to get one instead of
// opening Review with an empty text.
func TestResendOfJobsWatchedByIDSaysWhy(t *testing.T) {
	opts := rootOptions(t)
	opts.WatchJobIDs = []string{"job_x"}
	m := rootModel(t, opts)
	m.progress.fetch = func(context.Context, string) (*campaign.Job, error) {
		return &campaign.Job{ID: "job_x", Status: "COMPLETED", Total: ptr(2), Sent: ptr(1), Failed: ptr(1), Pending: ptr(0),
			Failures: []campaign.Failure{{Recipient: "919876500002", Error: "timeout"}}}, nil
	}
	virtualProgress(m)
	execAll(t, m, m.Init())
	_, cmd := m.Update(rootKey("r"))
	execAll(t, m, cmd)
	if m.active != stepProgress {
		t.Fatalf("r went to %s", m.active)
	}
	rootHas(t, m, "cannot re-send: these jobs were watched by job ID")
}

// A poll the API refuses (404, key refused) is not retried forever: the job
// stops being watched, the error shows, and spotcast watch exits 3 without
// calling the job "still running".
func TestWatchRefusedPollStopsWithExit3(t *testing.T) {
	_, cl := startSandbox(t)
	opts := rootOptions(t)
	opts.Engine = engineFor(cl)
	opts.WatchJobIDs = []string{"job_missing"}
	m := rootModel(t, opts)
	drain(t, m, m.Init(), func() bool { return m.progress.Done() })
	rootHas(t, m, "stopped watching job_missing", "404")
	if rs := m.progress.Running(); len(rs) != 0 {
		t.Fatalf("Running() = %v for a job the API does not know", rs)
	}
	_, cmd := m.Update(rootKey("q"))
	execAll(t, m, cmd)
	r := FinalResult(m)
	if !r.Watched || r.Verdict != campaign.VerdictRefused || len(r.Detached) != 0 || strings.Contains(r.Message, "still running") ||
		!strings.Contains(r.Message, "stopped watching job_missing") {
		t.Fatalf("result %+v, want exit 3 and the error, no detach", r)
	}
}

// Sync batches above bulk jobs must leave the failures list room at 80×24:
// 50 recipients in batches of 20 are two jobs and a sync send of 10.
func TestProgressFailuresVisibleUnderSyncBatches(t *testing.T) {
	opts := rootOptions(t)
	opts.BatchSize = 20
	c := campaign.Campaign{Type: campaign.TypeText, Content: "Hi", Recipients: numbers(50)}
	var msgs []campaign.SentMessage
	for i := range 10 {
		msgs = append(msgs, campaign.SentMessage{ID: fmt.Sprintf("msg_%d", i), Status: "SENT"})
	}
	sub := &campaign.Submission{CampaignID: "c_fifty", Batches: []campaign.BatchResult{
		{Index: 0, Recipients: 20, State: campaign.StateAccepted, Outcome: campaign.SendOutcome{Async: true, JobID: "job_a"}},
		{Index: 1, Recipients: 20, State: campaign.StateAccepted, Outcome: campaign.SendOutcome{Async: true, JobID: "job_b"}},
		{Index: 2, Recipients: 10, State: campaign.StateAccepted, Outcome: campaign.SendOutcome{Messages: msgs}},
	}}
	jobs := map[string]*campaign.Job{
		"job_a": {ID: "job_a", Status: "COMPLETED", Total: ptr(20), Sent: ptr(19), Failed: ptr(1), Pending: ptr(0),
			Failures: []campaign.Failure{{Recipient: "+919876500007", Error: "not on WhatsApp"}}},
		"job_b": {ID: "job_b", Status: "COMPLETED", Total: ptr(20), Sent: ptr(20), Failed: ptr(0), Pending: ptr(0)},
	}
	m := sentModel(t, opts, c, sub, jobs)
	rootHas(t, m, "1 recipient failed for good (not re-sent):", "+919876500007", "not on WhatsApp", "Batch 3 · 10 recipients")
	assertScreenFits(t, m, 80, 24)
}
