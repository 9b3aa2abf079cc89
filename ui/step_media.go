package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"spotcast/campaign"
	"spotcast/ui/common"
)

// mediaCheckTimeout bounds the HEAD request so a dead host cannot leave the
// check spinning.
const mediaCheckTimeout = 10 * time.Second

// mediaCheckMsg is the outcome of one media check, tagged so a reply to an
// earlier check (or an edited URL) is dropped.
type mediaCheckMsg struct {
	id     int
	url    string
	report *campaign.MediaReport
	err    error
}

// mediaCheck is what Review shows of the check of the URL on screen: a
// report, why none could be had (err), or neither (not checked).
type mediaCheck struct {
	Report *campaign.MediaReport
	Err    string
}

// mediaStep asks for the media URL (media types only).
type mediaStep struct {
	c      *common.Common
	in     textinput.Model
	typ    campaign.MessageType
	width  int
	height int

	checkID  int
	checking bool
	// report is the last check of the URL on screen, judged for typ;
	// checkErr says why the check could not be made (or the URL is not
	// one). Both are forgotten when the URL changes.
	report   *campaign.MediaReport
	checkErr string

	check key.Binding
	next  key.Binding
}

func newMediaStep(c *common.Common) *mediaStep {
	s := &mediaStep{
		c:     c,
		in:    c.NewTextInput(),
		typ:   campaign.TypeImage,
		check: key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "check media")),
		next:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "next")),
	}
	s.in.Prompt = "URL › "
	s.in.Placeholder = "https://example.com/picture.jpg"
	return s
}

// SetType re-judges a check made for another type: the server's answer
// is the same, what it means is not.
func (s *mediaStep) SetType(t campaign.MessageType) {
	if t != s.typ && s.report != nil {
		s.report = s.report.Retyped(t)
	}
	s.typ = t
}

func (s *mediaStep) Value() string { return strings.TrimSpace(s.in.Value()) }

func (s *mediaStep) SetValue(v string) {
	if strings.TrimSpace(v) != s.Value() {
		s.forget()
	}
	s.in.SetValue(v)
}

func (s *mediaStep) Capturing() bool { return s.in.Focused() }
func (s *mediaStep) Focus() tea.Cmd  { return s.in.Focus() }
func (s *mediaStep) Blur()           { s.in.Blur() }
func (s *mediaStep) Init() tea.Cmd   { return nil }

// Check is the check of the URL on screen, for Review.
func (s *mediaStep) Check() mediaCheck {
	if s.checking {
		return mediaCheck{}
	}
	return mediaCheck{Report: s.report, Err: s.checkErr}
}

func (s *mediaStep) SetSize(width, height int) {
	s.width, s.height = width, height
	s.in.Width = max(width-len(s.in.Prompt)-1, 10)
}

func (s *mediaStep) Validate() string { return campaign.CheckMediaURL(s.Value()) }

// forget drops the results (and a check in flight): they always describe
// the URL on screen.
func (s *mediaStep) forget() {
	s.checkID++
	s.checking = false
	s.report, s.checkErr = nil, ""
}

func (s *mediaStep) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case mediaCheckMsg:
		if msg.id != s.checkID || msg.url != s.Value() {
			return s, nil
		}
		s.checking = false
		s.report, s.checkErr = nil, ""
		if msg.err != nil {
			s.checkErr = campaign.Sanitize(msg.err.Error())
			return s, nil
		}
		r := *msg.report.Retyped(s.typ)
		r.At = s.c.Now() // the composer's clock, which the operator reads
		s.report = &r
		return s, nil
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, s.check):
			return s, s.startCheck()
		case key.Matches(msg, s.next):
			return s, advance
		}
	}
	before := s.Value()
	var cmd tea.Cmd
	s.in, cmd = s.in.Update(msg)
	if s.Value() != before {
		s.forget()
	}
	return s, cmd
}

// startCheck asks the engine in a command; the inputs are copied into the
// closure so the command never reads the model.
func (s *mediaStep) startCheck() tea.Cmd {
	if msg := s.Validate(); msg != "" {
		s.checkErr = msg
		return nil
	}
	s.forget()
	s.checking = true
	id, url, typ, eng, parent := s.checkID, s.Value(), s.typ, s.c.Engine, s.c.Ctx()
	return func() tea.Msg {
		if eng == nil || eng.API == nil {
			return mediaCheckMsg{id: id, url: url, err: fmt.Errorf("no API configured, so the media cannot be checked")}
		}
		ctx, cancel := context.WithTimeout(parent, mediaCheckTimeout)
		defer cancel()
		r, err := eng.CheckMedia(ctx, typ, url)
		return mediaCheckMsg{id: id, url: url, report: r, err: err}
	}
}

func (s *mediaStep) View() string {
	st := s.c.Styles
	var b strings.Builder
	b.WriteString(st.Title.Render("Media URL for the " + strings.ToLower(string(s.typ))))
	b.WriteString("\n\n")
	b.WriteString(s.in.View())
	b.WriteString("\n")
	w := max(s.width-2, 10)
	b.WriteString(st.Muted.Width(w).Render("An http or https link WhatsApp can fetch. " + s.check.Help().Key + " checks it now."))
	b.WriteString("\n")
	warn := func(text string) { b.WriteString("\n" + st.Warning.Width(w).Render("⚠ "+campaign.Sanitize(text))) }
	for _, f := range campaign.URLFindings(s.typ, s.Value()) {
		warn(f.Text)
	}
	switch {
	case s.checking:
		b.WriteString("\n" + st.Muted.Render("Checking the media…"))
	case s.checkErr != "":
		b.WriteString("\n" + st.Error.Width(w).Render("✗ "+s.checkErr))
	case s.report != nil:
		r := s.report
		b.WriteString("\n" + st.Muted.Render(fmt.Sprintf("Checked %s: %s", r.At.In(s.c.Loc()).Format("15:04"), r.Summary())))
		blocking := r.Blocking()
		for _, f := range blocking {
			b.WriteString("\n" + st.Error.Width(w).Render("✗ "+campaign.Sanitize(f.Text)))
		}
		for _, f := range r.Doubts() {
			warn(f.Text)
		}
		switch {
		case len(blocking) > 0:
			b.WriteString("\n" + st.Muted.Width(w).Render("WhatsApp will not deliver this. Fix the URL, or press o on Review to send it anyway."))
		case len(r.Findings) > 0:
			b.WriteString("\n" + st.Muted.Width(w).Render("These are warnings: you may still go on."))
		default:
			b.WriteString("\n" + st.Success.Render("✓ It fits "+withArticle(strings.ToLower(string(s.typ)))+" message."))
		}
	}
	return b.String()
}

// withArticle is "an image", "a video".
func withArticle(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}

func (s *mediaStep) ShortHelp() []key.Binding  { return []key.Binding{s.next, s.check} }
func (s *mediaStep) FullHelp() [][]key.Binding { return [][]key.Binding{{s.next, s.check}} }
