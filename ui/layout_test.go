package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"spotcast/campaign"
)

// assertScreenFits checks the frame is exactly w×h at most: no line wider,
// no more lines (the alt screen would scroll and garble).
func assertScreenFits(t *testing.T, m tea.Model, w, h int) {
	t.Helper()
	v := rootView(m)
	lines := strings.Split(v, "\n")
	if len(lines) > h {
		t.Fatalf("%d lines on a %d-line screen:\n%s", len(lines), h, v)
	}
	for i, l := range lines {
		if lipgloss.Width(l) > w {
			t.Fatalf("line %d is %d wide on a %d-column screen: %q", i+1, lipgloss.Width(l), w, l)
		}
	}
}

func TestTooSmallTerminal(t *testing.T) {
	m := rootModel(t, rootOptions(t))
	m.Update(tea.WindowSizeMsg{Width: 50, Height: 12})
	rootGolden(t, m)
	rootHas(t, m, "terminal too small: 50×12, need at least 60×16")
	// Keys do nothing meanwhile, except ctrl+c.
	rootPress(m, "tab")
	if m.active != stepType {
		t.Fatal("tab acted on a too-small screen")
	}
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 16})
	rootLacks(t, m, "too small")
	assertScreenFits(t, m, 60, 16)
}

func TestResizeReflows(t *testing.T) {
	opts := rootOptions(t)
	opts.Sandbox = true
	opts.Prefill = campaign.Campaign{Type: campaign.TypeText, Content: strings.Repeat("word ", 300), Recipients: []string{"919876543210"}}
	m := rootModel(t, opts)
	sizes := [][2]int{{80, 24}, {120, 40}, {60, 16}, {100, 30}, {200, 60}}
	for _, id := range []stepID{stepType, stepContent, stepMedia, stepRecipients, stepSchedule, stepReview} {
		m.goTo(id)
		for _, s := range sizes {
			m.Update(tea.WindowSizeMsg{Width: s[0], Height: s[1]})
			assertScreenFits(t, m, s[0], s[1])
			rootHas(t, m, "SANDBOX", "• ")
		}
	}
	m.goTo(stepContent)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	wide := rootView(m)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if wide == rootView(m) {
		t.Fatal("the content screen did not re-flow on resize")
	}
	if got := m.content.ta.Width(); got > 78 {
		t.Fatalf("textarea is %d wide on an 80-column screen", got)
	}
}

func TestHeaderBadgeAndOperator(t *testing.T) {
	opts := rootOptions(t)
	opts.Sandbox = true
	opts.Operator = "SHA256:abc\x1b]0;pwned\x07"
	m := rootModel(t, opts)
	rootHas(t, m, "spotcast", "step 1 of 5 · Type", "SANDBOX", "SHA256:abc")
	rootLacks(t, m, "\x1b]0", "\x07")
}

func TestCtrlCQuits(t *testing.T) {
	m := rootModel(t, rootOptions(t))
	rootPress(m, "tab")
	rootType(m, "draft text")
	cmd := rootPress(m, "ctrl+c")
	if cmd == nil {
		t.Fatal("ctrl+c returned no command")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("ctrl+c did not quit")
	}
	r := FinalResult(m)
	// Leaving the composer is a normal end: exit 0, the draft kept.
	if r.Interrupted || r.Watched || !strings.HasPrefix(r.Message, "Nothing was sent.") || !strings.Contains(r.Message, "draft is saved") {
		t.Fatalf("result %+v", r)
	}
}

func TestWatchOpensOnProgress(t *testing.T) {
	opts := rootOptions(t)
	opts.WatchJobIDs = []string{"job_1"}
	m := rootModel(t, opts)
	if m.active != stepProgress {
		t.Fatalf("watch opened on %s", m.active)
	}
	rootHas(t, m, "Progress")
	if m.Init() == nil {
		t.Fatal("watch started nothing")
	}
}

func TestNoColorRenderer(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	opts := rootOptions(t)
	opts.Renderer = nil
	opts.Output = &strings.Builder{}
	m := rootModel(t, opts)
	if v := m.View(); strings.Contains(v, "\x1b[") {
		t.Fatalf("NO_COLOR view has escape codes: %q", v[:min(len(v), 200)])
	}
}

// ctrl+c while a send is in flight is an interruption: exit 130, and the
// operator is told to check the journal rather than that nothing was sent.
func TestCtrlCDuringSendIsAnInterruption(t *testing.T) {
	m := rootModel(t, rootOptions(t))
	m.review.mode = reviewSending
	rootPress(m, "ctrl+c")
	r := FinalResult(m)
	if !r.Interrupted || !strings.Contains(r.Message, "spotcast jobs") || strings.Contains(r.Message, "Nothing was sent") {
		t.Fatalf("result %+v", r)
	}
}
