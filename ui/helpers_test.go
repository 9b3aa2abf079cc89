package ui

import (
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"spotcast/campaign"
	"spotcast/client"
)

// rootNow is the frozen clock of every test: a Wednesday.
var rootNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// rootLoc is a zone without daylight saving, so goldens never drift.
var rootLoc = time.FixedZone("IST", 5*3600+1800)

// rootRenderer draws text only, so goldens hold no escape codes.
func rootRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return r
}

// rootOptions are the fixed parts of a test model: clock, zone, renderer,
// a private state directory.
func rootOptions(t testing.TB) Options {
	t.Helper()
	return Options{
		Renderer: rootRenderer(),
		Now:      func() time.Time { return rootNow },
		Loc:      rootLoc,
		StateDir: t.TempDir(),
		Operator: "tester",
	}
}

// rootModel builds a root model from opts and gives it an 80×24 rootView.
func rootModel(t *testing.T, opts Options) *Model {
	t.Helper()
	tm, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	m := tm.(*Model)
	t.Cleanup(func() { _ = m.Close() })
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m.review.tick = nil                                                      // the Sending line's redraw would sleep in tests
	m.deviceTick, m.progress.funnel.tick, m.jobs.funnel.tick = nil, nil, nil // the funnel refreshes every few seconds
	return m
}

// rootKey turns a key name ("tab", "esc", "shift+tab", "ctrl+c", "enter",
// "up", "down") or text into a key message.
func rootKey(k string) tea.KeyMsg {
	switch k {
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "shift+tab":
		return tea.KeyMsg{Type: tea.KeyShiftTab}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	case "ctrl+r":
		return tea.KeyMsg{Type: tea.KeyCtrlR}
	case "backspace":
		return tea.KeyMsg{Type: tea.KeyBackspace}
	}
	if t, ok := keyTypes[k]; ok && len(k) > 1 {
		return tea.KeyMsg{Type: t} // "ctrl+u", "end", …
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// keyTypes are Bubble Tea's key types by name ("ctrl+u" → KeyCtrlU).
var keyTypes = func() map[string]tea.KeyType {
	m := map[string]tea.KeyType{}
	for t := tea.KeyType(-100); t < 200; t++ {
		if name := t.String(); name != "" && t != tea.KeyRunes {
			m[name] = t
		}
	}
	return m
}()

// rootPress sends keys one by one and returns the last command.
func rootPress(m tea.Model, keys ...string) tea.Cmd {
	var cmd tea.Cmd
	for _, k := range keys {
		_, cmd = m.Update(rootKey(k))
	}
	return cmd
}

// rootType sends text as typed runes (one message, like a fast typist).
func rootType(m tea.Model, s string) {
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)})
}

// rootView is the view as plain text, trailing blanks trimmed per line
// (lipgloss pads lines to a block's width; the padding is not content).
func rootView(m tea.Model) string {
	lines := strings.Split(ansi.Strip(m.View()), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// rootGolden compares the rootView with testdata/<test name>.golden
// (golden in recipients_test.go; go test ./ui -run NAME -update rewrites it).
func rootGolden(t *testing.T, m tea.Model) {
	t.Helper()
	golden(t, strings.ReplaceAll(t.Name(), "/", "_"), rootView(m))
}

// rootHas fails when the rootView lacks any of the texts.
func rootHas(t *testing.T, m tea.Model, texts ...string) {
	t.Helper()
	s := rootView(m)
	for _, x := range texts {
		if !strings.Contains(s, x) {
			t.Fatalf("rootView lacks %q:\n%s", x, s)
		}
	}
}

func rootLacks(t *testing.T, m tea.Model, texts ...string) {
	t.Helper()
	s := rootView(m)
	for _, x := range texts {
		if strings.Contains(s, x) {
			t.Fatalf("rootView has %q but should not:\n%s", x, s)
		}
	}
}

// rootRun executes cmd (when not nil) and feeds its message back, following
// the chain up to depth steps. Only for commands known not to sleep.
func rootRun(m tea.Model, cmd tea.Cmd, depth int) {
	for i := 0; i < depth && cmd != nil; i++ {
		msg := cmd()
		if msg == nil {
			return
		}
		_, cmd = m.Update(msg)
	}
}

// engineFor is what the entry builds around an API client.
func engineFor(cl *client.Client) *campaign.Engine {
	return &campaign.Engine{API: cl, Target: campaign.NewTarget(cl.BaseURL(), true)}
}

// verdictCode is the exit code the CLI gives a verdict (SPEC 3), so the
// tests read like the contract.
func verdictCode(v campaign.WatchVerdict) int {
	return map[campaign.WatchVerdict]int{campaign.VerdictCompleted: 0, campaign.VerdictFailed: 5,
		campaign.VerdictRefused: 3, campaign.VerdictUnreachable: 4, campaign.VerdictInterrupted: 130}[v]
}

// movingClock is virtual time for the root model: ticks advance it and
// fire at once, so the watch policy's waits (budget, 1 s per job) pass
// without sleeping.
type movingClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *movingClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *movingClock) tick(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
	return func() tea.Msg {
		c.mu.Lock()
		c.t = c.t.Add(d)
		t := c.t
		c.mu.Unlock()
		return fn(t)
	}
}

// virtualProgress runs the progress view's polls in virtual time until
// its jobs end (use only when they do end: the ticks fire at once).
func virtualProgress(m *Model) *movingClock {
	clk := &movingClock{t: m.c.Now()}
	m.c.Clock = clk.Now
	m.progress.tick = clk.tick
	return clk
}
