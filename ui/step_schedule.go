package ui

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"spotcast/campaign"
	"spotcast/ui/common"
)

// scheduleStep picks when the campaign is sent: now, a preset, or a typed
// time.
type scheduleStep struct {
	c       *common.Common
	cursor  int
	presets []campaign.Preset
	in      textinput.Model
	width   int
	height  int

	up, down, choose key.Binding
}

func newScheduleStep(c *common.Common) *scheduleStep {
	s := &scheduleStep{c: c, in: c.NewTextInput(), up: common.KeyUp(), down: common.KeyDown(), choose: common.KeyChoose()}
	s.in.Prompt = "› "
	s.in.Placeholder = "2026-12-25 10:00, +2h, or 2026-12-25T10:00:00+05:30"
	s.refreshPresets()
	return s
}

// options: Now, the presets, Custom…
func (s *scheduleStep) customIndex() int { return len(s.presets) + 1 }

func (s *scheduleStep) refreshPresets() {
	s.presets = campaign.SchedulePresets(s.c.Now(), s.c.Loc())
}

// SetCustom selects "Custom…" with t typed in (used by flag pre-fill).
func (s *scheduleStep) SetCustom(t time.Time) {
	s.cursor = s.customIndex()
	s.in.SetValue(t.In(s.c.Loc()).Format(time.RFC3339))
}

// At is the chosen instant; zero means now.
func (s *scheduleStep) At() (time.Time, error) {
	switch {
	case s.cursor == 0:
		return time.Time{}, nil
	case s.cursor < s.customIndex():
		return s.presets[s.cursor-1].At, nil
	}
	if strings.TrimSpace(s.in.Value()) == "" {
		return time.Time{}, fmt.Errorf("type a date and time, or choose Now or a preset")
	}
	return campaign.ParseSchedule(s.in.Value(), s.c.Now(), s.c.Loc())
}

// Validate refuses unreadable and past times.
func (s *scheduleStep) Validate() string {
	t, err := s.At()
	if err != nil {
		return err.Error()
	}
	if ps := (campaign.Campaign{ScheduledAt: t}).Validate(s.c.Now()).For(campaign.FieldSchedule); len(ps) > 0 {
		return ps[0].Message
	}
	return ""
}

func (s *scheduleStep) Capturing() bool { return s.in.Focused() }
func (s *scheduleStep) Init() tea.Cmd   { return nil }

// Focus recomputes the presets (they are relative to now) and focuses the
// input when "Custom…" is selected.
func (s *scheduleStep) Focus() tea.Cmd {
	s.refreshPresets()
	return s.syncFocus()
}

func (s *scheduleStep) Blur() { s.in.Blur() }

func (s *scheduleStep) syncFocus() tea.Cmd {
	if s.cursor == s.customIndex() {
		return s.in.Focus()
	}
	s.in.Blur()
	return nil
}

func (s *scheduleStep) SetSize(width, height int) {
	s.width, s.height = width, height
	s.in.Width = max(width-6, 10)
}

func (s *scheduleStep) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if msg, ok := msg.(tea.KeyMsg); ok {
		// While typing a time, j and k are letters; only the arrows move.
		typing := s.in.Focused() && msg.Type == tea.KeyRunes
		switch {
		case key.Matches(msg, s.up) && !typing:
			s.cursor = max(s.cursor-1, 0)
			return s, s.syncFocus()
		case key.Matches(msg, s.down) && !typing:
			s.cursor = min(s.cursor+1, s.customIndex())
			return s, s.syncFocus()
		case key.Matches(msg, s.choose):
			return s, advance
		}
	}
	var cmd tea.Cmd
	s.in, cmd = s.in.Update(msg)
	return s, cmd
}

// formatLocal shows a time in the operator's zone with the zone's name and
// offset, so "09:00" is never ambiguous.
func formatLocal(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Mon 2 Jan 2006 15:04") + " " + zoneName(t, loc)
}

// zoneName names the zone as an operator knows it at t: its IANA name,
// then the abbreviation and the offset, "Asia/Kolkata (IST, UTC+05:30)".
// An abbreviation that is only digits ("-03") is left out.
func zoneName(t time.Time, loc *time.Location) string {
	l := t.In(loc)
	abbr, off := l.Format("MST"), "UTC"+l.Format("-07:00")
	name := loc.String()
	if loc == time.Local {
		name = localZoneName()
	}
	if abbr == "" || abbr[0] == '+' || abbr[0] == '-' || abbr == name {
		abbr = ""
	}
	switch {
	case name == "" || name == "Local":
		if abbr == "" {
			return off
		}
		return abbr + " (" + off + ")"
	case abbr == "":
		return name + " (" + off + ")"
	}
	return name + " (" + abbr + ", " + off + ")"
}

// localZoneName is this machine's zone by IANA name ("" when it cannot be
// told): Go names time.Local only "Local". Read once: it is on every frame.
var localZoneName = sync.OnceValue(func() string {
	if tz := strings.TrimPrefix(os.Getenv("TZ"), ":"); tz != "" {
		if _, err := time.LoadLocation(tz); err == nil && !strings.HasPrefix(tz, "/") {
			return tz
		}
		return ""
	}
	target, err := os.Readlink("/etc/localtime")
	if err != nil {
		return ""
	}
	if i := strings.LastIndex(target, "zoneinfo/"); i >= 0 {
		return target[i+len("zoneinfo/"):]
	}
	return ""
})

func (s *scheduleStep) View() string {
	st := s.c.Styles
	var b strings.Builder
	b.WriteString(st.Title.Render("When should it be sent?"))
	b.WriteString("\n" + st.Muted.Render("Times are in "+zoneName(s.c.Now(), s.c.Loc())) + "\n")
	row := func(i int, label, when string) {
		padded := fmt.Sprintf("%-20s", label)
		if i == s.cursor {
			b.WriteString(st.Selected.Render("› " + padded))
		} else {
			b.WriteString("  " + padded)
		}
		b.WriteString(st.Muted.Render(when) + "\n")
	}
	row(0, "Now", "as soon as you confirm")
	for i, p := range s.presets {
		row(i+1, p.Label, p.At.In(s.c.Loc()).Format("Mon 2 Jan 15:04"))
	}
	row(s.customIndex(), "Custom…", "")
	if s.cursor == s.customIndex() {
		b.WriteString("    " + s.in.View() + "\n")
	}
	b.WriteString("\n")
	t, err := s.At()
	switch {
	case err != nil:
		b.WriteString(st.Error.Width(max(s.width-2, 10)).Render(campaign.Sanitize(err.Error())))
	case t.IsZero():
		b.WriteString(st.Label.Render("Sends ") + "immediately after you confirm on the review screen")
	default:
		b.WriteString(st.Label.Render("Sends ") + formatLocal(t, s.c.Loc()) + "\n")
		b.WriteString(st.Label.Render("UTC   ") + t.UTC().Format(time.RFC3339))
		if t.Before(s.c.Now()) {
			b.WriteString("\n" + st.Error.Render("That is in the past: choose a later time."))
		}
	}
	return b.String()
}

func (s *scheduleStep) ShortHelp() []key.Binding { return []key.Binding{s.up, s.down, s.choose} }
func (s *scheduleStep) FullHelp() [][]key.Binding {
	return [][]key.Binding{{s.up, s.down, s.choose}}
}

// SendNow chooses "now" (a re-send of failures goes as soon as confirmed).
func (s *scheduleStep) SendNow() { s.cursor = 0 }
