package ui

import (
	"testing"

	"spotcast/campaign"
)

func TestReviewBatchSizeSetting(t *testing.T) {
	srv, cl := startSandbox(t)
	opts := rootOptions(t)
	opts.Engine = engineFor(cl)
	m := reviewModel(t, opts, campaign.Campaign{Type: campaign.TypeText, Content: "Hi", Recipients: numbers(12)})
	rootHas(t, m, "API    1 request → a bulk job")

	// A bad size is refused and explained; the input stays open.
	rootPress(m, "b")
	rootHas(t, m, "Recipients per request ›", "enter set batch size")
	rootType(m, "x?")
	rootPress(m, "enter")
	rootHas(t, m, `"x?" is not a batch size`)
	if m.review.BatchSize() != 0 || m.review.mode != reviewBatchInput {
		t.Fatalf("a bad size was taken: %d, mode %d", m.review.BatchSize(), m.review.mode)
	}
	rootPress(m, "ctrl+u")
	rootType(m, "5")
	rootPress(m, "enter")
	rootHas(t, m, "3 requests of up to 5 recipients → 0 bulk jobs, 3 synchronous sends")

	// esc closes the input without a change, and does not leave Review.
	rootPress(m, "b", "ctrl+u")
	rootType(m, "2")
	rootPress(m, "esc")
	if m.active != stepReview || m.review.BatchSize() != 5 {
		t.Fatalf("esc: active %s batch size %d", m.active, m.review.BatchSize())
	}

	rootPress(m, "enter")
	rootRun(m, rootPress(m, "y"), 2)
	if n := srv.SendCount(); n != 3 {
		t.Fatalf("sandbox got %d requests, want 3 (12 recipients in batches of 5)", n)
	}
	// The progress view lists every batch.
	rootHas(t, m, "Batch 1 · 5 recipients sent", "Batch 2 · 5 recipients sent", "Batch 3 · 2 recipients sent")
}

func TestReviewBatchSizeClearedIsOneRequest(t *testing.T) {
	srv, cl := startSandbox(t)
	opts := rootOptions(t)
	opts.Engine = engineFor(cl)
	opts.BatchSize = 4
	m := reviewModel(t, opts, campaign.Campaign{Type: campaign.TypeText, Content: "Hi", Recipients: numbers(8)})
	rootHas(t, m, "2 requests of up to 4 recipients")
	rootPress(m, "b")
	rootHas(t, m, "Recipients per request › 4") // Options.BatchSize pre-fills it
	rootPress(m, "ctrl+u", "enter")
	if m.review.BatchSize() != 0 {
		t.Fatalf("empty size: batch size %d, want 0", m.review.BatchSize())
	}
	rootHas(t, m, "1 request → one synchronous send")
	rootPress(m, "enter")
	rootRun(m, rootPress(m, "y"), 2)
	if n := srv.SendCount(); n != 1 {
		t.Fatalf("sandbox got %d requests, want 1", n)
	}
}
