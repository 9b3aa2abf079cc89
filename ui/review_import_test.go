package ui

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"spotcast/campaign"
)

// execAll runs cmd like the runtime (batches concurrently) and feeds every
// message back until it settles. Draft saves are switched off: their timer
// would sleep.
func execAll(t *testing.T, m *Model, cmd tea.Cmd) {
	t.Helper()
	m.draftTick = func(time.Duration, func(time.Time) tea.Msg) tea.Cmd { return nil }
	pump(t, m, cmd)
}

// A CSV still importing must not be sent without: Review refuses until the
// import ends, then shows and sends its contacts.
func TestReviewRefusesWhileImporting(t *testing.T) {
	srv, cl := startSandbox(t)
	opts := rootOptions(t)
	opts.Engine = engineFor(cl)
	opts.CSVPath = writeCSV(t, "+919876500101", "+919876500102", "+919876500103")
	opts.Prefill = campaign.Campaign{Type: campaign.TypeText, Content: "Hi", Recipients: numbers(2)}
	m := rootModel(t, opts)
	if m.active != stepReview {
		t.Fatalf("prefill opened on %s, want Review", m.active)
	}
	// The import has not run yet (its commands are m.Init's).
	rootHas(t, m, "✗ recipients: the contact list is still importing")
	rootPress(m, "enter")
	rootLacks(t, m, "[y/N]")
	rootHas(t, m, "Not sent: fix the problems")
	if rootPress(m, "y") != nil || srv.SendCount() != 0 {
		t.Fatal("sent while the CSV was importing")
	}

	// The import ends: Review refreshes by itself.
	drain(t, m, m.Init(), func() bool { return !m.review.d.Importing })
	rootLacks(t, m, "still importing")
	rootPress(m, "enter")
	rootHas(t, m, "Send to 5 recipients? [y/N]")
}

// A CSV that failed to import is a problem, not a silently smaller list;
// x on Recipients drops it.
func TestReviewRefusesAfterImportFailed(t *testing.T) {
	srv, cl := startSandbox(t)
	opts := rootOptions(t)
	opts.Engine = engineFor(cl)
	opts.CSVPath = filepath.Join(t.TempDir(), "gone\x1b[31m.csv")
	opts.Prefill = campaign.Campaign{Type: campaign.TypeText, Content: "Hi", Recipients: numbers(2)}
	m := rootModel(t, opts)
	drain(t, m, m.Init(), func() bool { return !m.review.d.Importing })
	rootHas(t, m, "✗ recipients: cannot import gone", "the file does not exist")
	if v := m.View(); strings.Contains(v, "\x1b[31m") {
		t.Errorf("the file name is not sanitised: %q", v)
	}
	rootPress(m, "enter")
	rootLacks(t, m, "[y/N]")
	if rootPress(m, "y") != nil || srv.SendCount() != 0 {
		t.Fatal("sent although the CSV failed to import")
	}

	// Drop the file on Recipients: the typed numbers alone can be sent.
	rootPress(m, "shift+tab", "shift+tab")
	if m.active != stepRecipients {
		t.Fatalf("shift+tab twice went to %s", m.active)
	}
	rootPress(m, "x")
	rootPress(m, "tab", "tab")
	rootLacks(t, m, "cannot import")
	rootPress(m, "enter")
	rootHas(t, m, "Send to 2 recipients? [y/N]")
}

// An import that changes the draft while "Send to N?" is open closes the
// prompt: y must not send a count other than the one asked about.
func TestReviewPromptClosedWhenImportChangesDraft(t *testing.T) {
	srv, cl := startSandbox(t)
	opts := rootOptions(t)
	opts.Engine = engineFor(cl)
	m := reviewModel(t, opts, campaign.Campaign{Type: campaign.TypeText, Content: "Hi", Recipients: numbers(2)})
	rootPress(m, "enter")
	rootHas(t, m, "Send to 2 recipients? [y/N]")
	// An import lands meanwhile (a draft's CSV being re-read, say).
	cmd := m.recipients.importPath(writeCSV(t, "+919876500101"))
	execAll(t, m, cmd)
	rootLacks(t, m, "[y/N]")
	rootHas(t, m, "the recipients changed")
	if c := rootPress(m, "y"); c != nil {
		execAll(t, m, c)
	}
	if srv.SendCount() != 0 {
		t.Fatal("y sent after the draft changed under the prompt")
	}
	rootPress(m, "enter")
	rootHas(t, m, "Send to 3 recipients? [y/N]")
}

// Between an accepted send and the switch to Progress (sentMsg, a separate
// message), enter and y must not start a second send.
func TestReviewNoSecondSendBeforeProgress(t *testing.T) {
	srv, cl := startSandbox(t)
	opts := rootOptions(t)
	opts.Engine = engineFor(cl)
	m := reviewModel(t, opts, campaign.Campaign{Type: campaign.TypeText, Content: "Hi", Recipients: numbers(3)})
	rootPress(m, "enter")
	submit := rootPress(m, "y")
	done, ok := submit().(submitDoneMsg)
	if !ok || done.err != nil {
		t.Fatalf("submit gave %#v", done)
	}
	_, handOff := m.Update(done)
	// Keys typed before the hand-off is delivered.
	for _, k := range []string{"enter", "y", "enter", "y"} {
		if cmd := rootPress(m, k); cmd != nil {
			execAll(t, m, cmd)
		}
	}
	if n := srv.SendCount(); n != 1 {
		t.Fatalf("%d sends, want 1", n)
	}
	execAll(t, m, handOff)
	if m.active != stepProgress {
		t.Fatalf("after sentMsg: active %s, want Progress", m.active)
	}
	if n := srv.SendCount(); n != 1 {
		t.Fatalf("%d sends, want 1", n)
	}
}

// At the minimum size the question and the problems stay on screen: the
// card gives way (bubble first), not the lines the operator must act on.
func TestReviewMinimumSizeKeepsPromptAndProblems(t *testing.T) {
	long := strings.Repeat("A line of the message.\n", 12)
	m := reviewModel(t, rootOptions(t), campaign.Campaign{Type: campaign.TypeText, Content: long, Recipients: numbers(3),
		ScheduledAt: rootNow.Add(26 * time.Hour)})
	m.Update(tea.WindowSizeMsg{Width: minWidth, Height: minHeight})
	// The message shows first; the card's details scroll into view.
	rootHas(t, m, "A line of the message.", "more lines · j/k scroll")
	rootPress(m, "end")
	rootHas(t, m, "3 recipients · 0 groups")
	rootPress(m, "enter")
	// The question wraps at this width; both halves must show.
	rootHas(t, m, "Schedule for Thu 26 Nov 2026 19:30 IST", "to 3", "recipients? [y/N]", "3 recipients · 0 groups")
	assertScreenFits(t, m, minWidth, minHeight)
	rootPress(m, "n")

	// A schedule that has since passed: its problem and the refusal show.
	m = reviewModel(t, rootOptions(t), campaign.Campaign{Type: campaign.TypeText, Content: long, Recipients: numbers(3),
		ScheduledAt: rootNow.Add(time.Minute)})
	m.Update(tea.WindowSizeMsg{Width: minWidth, Height: minHeight})
	later := rootNow.Add(time.Hour)
	m.c.Clock = func() time.Time { return later }
	rootHas(t, m, "more lines, 1 problem · j/k scroll")
	rootPress(m, "enter")
	rootHas(t, m, "✗ schedule:", "is in the past", "Not sent: fix the problems listed above first.")
	assertScreenFits(t, m, minWidth, minHeight)
}
