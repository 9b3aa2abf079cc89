package flowtest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"

	"spotcast/ui"
)

// session is one composer under teatest. Its model is wrapped so the
// flow can read the whole screen last drawn (the renderer's output only
// repaints lines that changed), and every screen drawn is kept, so a flow
// can also say what the operator never saw (a CLI flag name, a "(s)").
type session struct {
	t   *testing.T
	tm  *teatest.TestModel
	rec *recorder
}

// recorder is a model that keeps what its model last drew.
type recorder struct {
	tea.Model
	mu     sync.Mutex
	last   string
	frames strings.Builder
}

func (r *recorder) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m, cmd := r.Model.Update(msg)
	r.Model = m
	return r, cmd
}

func (r *recorder) View() string {
	v := r.Model.View()
	r.mu.Lock()
	if v != r.last {
		r.last = v
		r.frames.WriteString(ansi.Strip(v))
	}
	r.mu.Unlock()
	return v
}

func newSession(t *testing.T, opts ui.Options) *session {
	t.Helper()
	rec := &recorder{Model: newModel(t, opts)}
	return &session{t: t, tm: runModel(t, rec), rec: rec}
}

// screen is the last screen drawn, as plain text.
func (s *session) screen() string {
	s.rec.mu.Lock()
	defer s.rec.mu.Unlock()
	return ansi.Strip(s.rec.last)
}

// wait waits until the screen shows every text, and returns it.
func (s *session) wait(texts ...string) string {
	s.t.Helper()
	return s.waitCond(func(screen string) bool {
		for _, x := range texts {
			if !strings.Contains(screen, x) {
				return false
			}
		}
		return true
	})
}

// waitRE waits for a match of re on the screen and returns it.
func (s *session) waitRE(re *regexp.Regexp) string {
	s.t.Helper()
	var m string
	s.waitCond(func(screen string) bool { m = re.FindString(screen); return m != "" })
	return m
}

// waitCond waits until ok holds for the screen, and returns the screen.
// It fails showing the last screen.
func (s *session) waitCond(ok func(screen string) bool) string {
	s.t.Helper()
	var screen string
	if err := waitScreen(s.tm, func() bool { screen = s.screen(); return ok(screen) }); err != nil {
		s.t.Fatalf("%v; the screen shows:\n%s", err, s.screen())
	}
	return screen
}

// lacks fails when the screen shows any of the texts.
func (s *session) lacks(texts ...string) {
	s.t.Helper()
	screen := s.screen()
	for _, x := range texts {
		if strings.Contains(screen, x) {
			s.t.Fatalf("the screen shows %q:\n%s", x, screen)
		}
	}
}

// press sends named keys ("tab", "esc", "enter", …) or, for anything
// else, its runes one key at a time.
func (s *session) press(keys ...string) {
	for _, k := range keys {
		if t, ok := keyNames[k]; ok {
			s.tm.Send(tea.KeyMsg{Type: t})
			continue
		}
		s.tm.Type(k)
	}
}

var keyNames = map[string]tea.KeyType{
	"tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab, "esc": tea.KeyEsc, "enter": tea.KeyEnter,
	"up": tea.KeyUp, "down": tea.KeyDown, "end": tea.KeyEnd, "home": tea.KeyHome,
	"pgdown": tea.KeyPgDown, "pgup": tea.KeyPgUp, "f1": tea.KeyF1, "ctrl+c": tea.KeyCtrlC,
	"ctrl+r": tea.KeyCtrlR, "ctrl+u": tea.KeyCtrlU,
}

// resize is the terminal changing size.
func (s *session) resize(w, h int) { s.tm.Send(tea.WindowSizeMsg{Width: w, Height: h}) }

// quit presses keys that end the program (ctrl+c when none), closes the
// model as Run does and returns its last screen and result.
func (s *session) quit(keys ...string) (string, ui.Result) {
	s.t.Helper()
	if len(keys) == 0 {
		keys = []string{"ctrl+c"}
	}
	s.press(keys...)
	final := s.tm.FinalModel(s.t, teatest.WithFinalTimeout(wait)).(*recorder).Model
	screen := ansi.Strip(final.View())
	if m, ok := final.(*ui.Model); ok {
		_ = m.Close()
	}
	return screen, ui.FinalResult(final)
}

// never fails when any screen drawn so far showed a text matching re.
func (s *session) never(re *regexp.Regexp) {
	s.t.Helper()
	s.rec.mu.Lock()
	m := re.FindString(s.rec.frames.String())
	s.rec.mu.Unlock()
	if m != "" {
		s.t.Fatalf("a screen showed %q", m)
	}
}

// toRecipients goes from the first screen to Recipients with a TEXT.
func (s *session) toRecipients(text string) {
	s.t.Helper()
	s.wait("What kind of message?")
	s.press("enter") // TEXT
	s.wait("step 2 of 5 · Content")
	s.press(text, "tab")
	s.wait("step 3 of 5 · Recipients")
}

// send presses enter on Review, waits for the question and answers y.
func (s *session) send(question string) {
	s.t.Helper()
	s.press("enter")
	s.wait(question)
	s.press("y")
}

// importPath types a path on Recipients and starts its import.
func (s *session) importPath(p string) { s.press("i", p, "enter") }

// writeFile writes a file under dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// waitScreen polls ok with teatest.WaitFor (which drains the program's
// output meanwhile) for up to wait; the error is the caller's to report
// with the screen, not teatest's dump of raw output.
func waitScreen(tm *teatest.TestModel, ok func() bool) error {
	tb := &quietTB{}
	teatest.WaitFor(tb, tm.Output(), func([]byte) bool { return ok() },
		teatest.WithDuration(wait), teatest.WithCheckInterval(20*time.Millisecond))
	return tb.err
}

// quietTB keeps teatest.WaitFor's failure instead of failing with it.
type quietTB struct {
	testing.TB
	err error
}

func (q *quietTB) Helper() {}

func (q *quietTB) Fatal(...any) { q.err = fmt.Errorf("not shown within %s", wait) }
