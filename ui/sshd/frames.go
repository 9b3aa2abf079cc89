package sshd

import (
	"reflect"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	tea "github.com/charmbracelet/bubbletea"
)

// nonInputFrame is how often a session's screen is redrawn for what is not
// the operator's input (timers, cursor blinks, poll replies, saved drafts).
const nonInputFrame = 100 * time.Millisecond

// frameLimiter wraps a session's model so its View, the costly part of a
// frame, runs at most once per change the operator can see soon: at once
// for keys, mouse and resizes; for everything else at most every
// nonInputFrame, folded into the next frame. Bubble Tea v1 calls View after
// every message — each keypress brought three or four (the key, the
// cursor's blink reset, a draft timer, the next blink) — so with 100
// operators typing the server drew three times the frames anyone saw.
type frameLimiter struct {
	m       tea.Model
	every   time.Duration
	now     func() time.Time
	view    string
	last    time.Time // when view was drawn
	dirty   bool      // the model changed since
	urgent  bool      // ... by input: draw at once
	pending bool      // a frameMsg is on its way
}

// frameMsg asks for the frame that non-input changes were folded into.
type frameMsg struct{}

func newFrameLimiter(m tea.Model) *frameLimiter {
	return &frameLimiter{m: m, every: nonInputFrame, now: time.Now, dirty: true, urgent: true}
}

func (f *frameLimiter) Init() tea.Cmd { return f.m.Init() }

func (f *frameLimiter) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(frameMsg); ok {
		f.pending = false
		return f, f.schedule()
	}
	m, cmd := f.m.Update(msg)
	f.m, f.dirty = m, true
	switch msg.(type) {
	case tea.KeyMsg, tea.MouseMsg, tea.WindowSizeMsg:
		f.urgent = true
		return f, cmd
	}
	return f, tea.Batch(cmd, f.schedule())
}

// schedule asks for a frame when a change waits and it is too early to
// draw it now (View draws it otherwise).
func (f *frameLimiter) schedule() tea.Cmd {
	wait := f.every - f.now().Sub(f.last)
	if !f.dirty || f.pending || wait <= 0 {
		return nil
	}
	f.pending = true
	return tea.Tick(wait, func(time.Time) tea.Msg { return frameMsg{} })
}

// View draws the model when a change is due, else repeats the last frame
// (which the renderer then skips as unchanged).
func (f *frameLimiter) View() string {
	if f.dirty && (f.urgent || f.now().Sub(f.last) >= f.every) {
		f.view, f.last = f.m.View(), f.now()
		f.dirty, f.urgent = false, false
	}
	return f.view
}

// blinkCanceled is the type of bubbles' cursor message for a blink timer
// that a key reset: no model does anything with it, but it costs an Update
// and a frame per key. The type is unexported; a blink command cancelled
// by the next one is the way to get a value of it.
var blinkCanceled = func() reflect.Type {
	c := cursor.New()
	first := c.BlinkCmd()
	c.BlinkCmd() // cancels first, which then returns at once
	return reflect.TypeOf(first())
}()

// dropNoOps is the program's message filter: it drops messages no model
// acts on before they cost an Update and a frame.
func dropNoOps(_ tea.Model, msg tea.Msg) tea.Msg {
	if msg != nil && reflect.TypeOf(msg) == blinkCanceled {
		return nil
	}
	return msg
}
