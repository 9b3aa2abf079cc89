package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"spotcast/campaign"
)

// The recipients table is virtualised: with a million rows, View and a
// scroll key must each stay far under a millisecond (SPEC 5).

func benchRecipients(b *testing.B) *recipientsModel {
	b.Helper()
	m := newRecipients(testCommon(b))
	withReport(m, "/data/million.csv", bigReport(1_000_000))
	m.recTable.Cursor = 500_000
	m.recTable.Clamp()
	return m
}

func BenchmarkRecipientsView1M(b *testing.B) {
	m := benchRecipients(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = m.View()
	}
}

// One scroll keypress as the runtime sees it: Update, then a render.
func BenchmarkRecipientsScroll1M(b *testing.B) {
	m := benchRecipients(b)
	keys := []tea.KeyMsg{{Type: tea.KeyDown}, {Type: tea.KeyPgDown}, {Type: tea.KeyUp}, {Type: tea.KeyPgUp}}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		m.Update(keys[i%len(keys)])
		_ = m.View()
		i++
	}
}

// BenchmarkProgressWatchIdle simulates a minute of watching one running job
// (virtual time, a poll a second) and reports how many messages, hence
// renders, each idle second costs, and the CPU they take per second of
// watching. HTTP is excluded: between polls there is none.
func BenchmarkProgressWatchIdle(b *testing.B) {
	const minute = 60
	var updates int
	var work time.Duration
	for b.Loop() {
		s := newSim(b, testCommon(b))
		sent := 0
		s.m.fetch = func(context.Context, string) (*campaign.Job, error) {
			sent += 7
			return &campaign.Job{ID: "job_1", Status: "PROCESSING", Total: ptr(1_000_000), Sent: ptr(sent), Failed: ptr(0), Pending: ptr(1_000_000 - sent)}, nil
		}
		start := time.Now()
		s.run(s.m.StartWatch([]string{"job_1"}))
		for s.clock.Now().Sub(frozenNow) < minute*time.Second && s.step() {
			_ = s.m.View() // Bubble Tea renders after every message
		}
		work += time.Since(start)
		updates += s.updates
	}
	n := float64(b.N)
	b.ReportMetric(float64(updates)/n/minute, "msgs/s")
	b.ReportMetric(float64(work.Nanoseconds())/n/minute, "cpu-ns/s")
	b.ReportMetric(float64(work.Nanoseconds())/n/minute/1e9*100, "%core")
}

// Review is redrawn on every message; with a million recipients sent one
// per request its frame must still cost well under a millisecond.
func BenchmarkReviewView1M(b *testing.B) {
	c := testCommon(b)
	c.BatchSize = 1
	s := newReviewStep(c)
	s.SetSize(78, 19)
	recipients := make([]string, 1_000_000)
	for i := range recipients {
		recipients[i] = fmt.Sprintf("91%010d", 9000000000+i)
	}
	s.SetDraft(reviewDraft{Campaign: campaign.Campaign{Type: campaign.TypeText, Content: "Hello", Recipients: recipients}})
	if v := s.View(); !strings.Contains(v, "1,000,000 requests of up to 1 recipient") {
		b.Fatalf("unexpected plan:\n%s", v)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = s.View()
	}
}

// BenchmarkProgressReply1000Jobs is one poll reply as the runtime sees it
// with 1,000 bulk jobs watched: Update(jobStatusMsg), then a frame at 80×24
// (budget 0.5 ms).
func BenchmarkProgressReply1000Jobs(b *testing.B) {
	const n = 1000
	c := testCommon(b)
	c.Clock = func() time.Time { return frozenNow }
	m := newProgress(c)
	m.tick = func(time.Duration, func(time.Time) tea.Msg) tea.Cmd { return nil }
	sub := &campaign.Submission{CampaignID: "cmp_bench"}
	for i := range n {
		sub.Batches = append(sub.Batches, campaign.BatchResult{Index: i, Recipients: 1000, State: campaign.StateAccepted,
			Outcome: campaign.SendOutcome{Async: true, JobID: fmt.Sprintf("job_%04d", i), Status: "PROCESSING"}})
	}
	m.StartSubmission(sub)
	msgs := make([]jobStatusMsg, n)
	for i := range n {
		id := fmt.Sprintf("job_%04d", i)
		msgs[i] = jobStatusMsg{id: id, gen: m.gen, job: &campaign.Job{ID: id, Status: "PROCESSING",
			Total: ptr(1000), Sent: ptr(i % 1000), Failed: ptr(0), Pending: ptr(1000 - i%1000)}}
	}
	for _, msg := range msgs { // every job has counts: the steady state
		m.Update(msg)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		msg := msgs[i%n]
		cp := *msg.job
		cp.Sent = ptr(deref(cp.Sent) + i/n%2) // a count that moves
		msg.job = &cp
		m.Update(msg)
		_ = m.View()
		i++
	}
}
