package sshd

import (
	"fmt"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	tea "github.com/charmbracelet/bubbletea"
)

// counter is a model whose view is the number of messages it saw and which
// counts its own View calls.
type counter struct{ msgs, views int }

func (c *counter) Init() tea.Cmd                       { return nil }
func (c *counter) Update(tea.Msg) (tea.Model, tea.Cmd) { c.msgs++; return c, nil }
func (c *counter) View() string                        { c.views++; return fmt.Sprint(c.msgs) }

type tickMsg struct{}

// limited wraps a counter in a frame limiter on the given clock; step is
// one turn of Bubble Tea's loop (Update, then View).
func limited(clock *time.Time) (*counter, func(tea.Msg) (string, tea.Cmd)) {
	inner := &counter{}
	f := newFrameLimiter(inner)
	f.now = func() time.Time { return *clock }
	return inner, func(msg tea.Msg) (string, tea.Cmd) {
		_, cmd := f.Update(msg)
		return f.View(), cmd
	}
}

// TestFrameLimiterDrawsKeysAtOnceAndFoldsTheRest drives the limiter as
// Bubble Tea does (Update, then View, for every message): a key is drawn
// at once; timer messages right after it are folded into one later frame,
// which does come, so the screen never stays behind the model.
func TestFrameLimiterDrawsKeysAtOnceAndFoldsTheRest(t *testing.T) {
	clock := time.Unix(0, 0)
	inner, step := limited(&clock)
	if v, _ := step(tea.WindowSizeMsg{Width: 80, Height: 24}); v != "1" {
		t.Fatalf("first frame = %q, want 1", v)
	}
	clock = clock.Add(time.Millisecond)
	if v, _ := step(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("a")}); v != "2" {
		t.Errorf("a key right after a frame is drawn at once: got %q, want 2", v)
	}
	// Three timer messages within the frame: no new draw yet, one frame
	// asked for.
	var frames []tea.Cmd
	for range 3 {
		clock = clock.Add(time.Millisecond)
		v, cmd := step(tickMsg{})
		if v != "2" {
			t.Errorf("a timer message inside the frame drew at once: %q", v)
		}
		if cmd != nil {
			frames = append(frames, cmd)
		}
	}
	if len(frames) != 1 {
		t.Fatalf("%d frame requests for one folded frame, want 1", len(frames))
	}
	if inner.views != 2 {
		t.Errorf("View ran %d times for 2 drawn frames", inner.views)
	}
	// The frame arrives (tea.Tick waits; the clock moves on) and draws the
	// latest state.
	clock = clock.Add(nonInputFrame)
	msg := frames[0]()
	if _, ok := msg.(frameMsg); !ok {
		t.Fatalf("frame request returned %T", msg)
	}
	if v, cmd := step(msg); v != "5" || cmd != nil {
		t.Errorf("the folded frame shows %q (cmd %v), want 5 and nothing more asked", v, cmd)
	}
	// Idle long enough: a timer message is drawn at once.
	clock = clock.Add(time.Second)
	if v, cmd := step(tickMsg{}); v != "6" || cmd != nil {
		t.Errorf("a timer message after a quiet second: %q (cmd %v), want 6 at once", v, cmd)
	}
}

// TestFrameLimiterRedrawsWhenAKeyTookTheFrame: when a key's frame came
// between the request and the folded frame, and another change followed,
// the folded frame asks again instead of dropping that change.
func TestFrameLimiterRedrawsWhenAKeyTookTheFrame(t *testing.T) {
	clock := time.Unix(0, 0)
	_, step := limited(&clock)
	step(tea.KeyMsg{Type: tea.KeyEnter}) // drawn: 1
	clock = clock.Add(10 * time.Millisecond)
	_, req := step(tickMsg{}) // folded: frame asked for
	clock = clock.Add(80 * time.Millisecond)
	step(tea.KeyMsg{Type: tea.KeyEnter}) // drawn: 3
	clock = clock.Add(5 * time.Millisecond)
	step(tickMsg{}) // folded, the request is still on its way
	clock = clock.Add(5 * time.Millisecond)
	v, again := step(req())
	if v != "3" || again == nil {
		t.Fatalf("folded frame too early after a key's frame: view %q, new request %v; want 3 and a new request", v, again)
	}
	clock = clock.Add(nonInputFrame)
	if v, _ := step(again()); v != "4" {
		t.Errorf("the second request drew %q, want 4", v)
	}
}

// TestBlinkCancelledIsDropped: the cursor message a key's blink reset
// sends is filtered out before Update; other messages pass.
func TestBlinkCancelledIsDropped(t *testing.T) {
	c := cursor.New()
	first := c.BlinkCmd()
	c.BlinkCmd()
	if msg := dropNoOps(nil, first()); msg != nil {
		t.Errorf("a cancelled blink passed the filter: %T", msg)
	}
	for _, msg := range []tea.Msg{tea.KeyMsg{Type: tea.KeyEnter}, cursor.Blink(), tickMsg{}} {
		if dropNoOps(nil, msg) == nil {
			t.Errorf("%T was dropped", msg)
		}
	}
}
