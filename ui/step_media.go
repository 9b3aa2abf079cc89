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
)

// mediaCheckTimeout bounds the HEAD request so a dead host cannot leave the
// check spinning.
const mediaCheckTimeout = 10 * time.Second

// mediaCheckMsg is the outcome of one media check, tagged so a reply to an
// earlier check (or an edited URL) is dropped.
type mediaCheckMsg struct {
	id   int
	url  string
	info campaign.MediaInfo
	err  error
}

// mediaStep asks for the media URL (media types only).
type mediaStep struct {
	c      *Common
	in     textinput.Model
	typ    campaign.MessageType
	width  int
	height int

	checkID    int
	checking   bool
	checkedURL string
	checkErr   string
	warnings   []string
	checkOK    string

	check key.Binding
	next  key.Binding
}

func newMediaStep(c *Common) *mediaStep {
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

func (s *mediaStep) SetType(t campaign.MessageType) { s.typ = t }
func (s *mediaStep) Value() string                  { return strings.TrimSpace(s.in.Value()) }
func (s *mediaStep) SetValue(v string)              { s.in.SetValue(v) }
func (s *mediaStep) Capturing() bool                { return s.in.Focused() }
func (s *mediaStep) Focus() tea.Cmd                 { return s.in.Focus() }
func (s *mediaStep) Blur()                          { s.in.Blur() }
func (s *mediaStep) Init() tea.Cmd                  { return nil }

func (s *mediaStep) SetSize(width, height int) {
	s.width, s.height = width, height
	s.in.Width = max(width-len(s.in.Prompt)-1, 10)
}

func (s *mediaStep) Validate() string { return campaign.CheckMediaURL(s.Value()) }

func (s *mediaStep) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case mediaCheckMsg:
		if msg.id != s.checkID {
			return s, nil
		}
		s.checking = false
		s.checkedURL = msg.url
		s.warnings, s.checkErr, s.checkOK = nil, "", ""
		if msg.err != nil {
			s.checkErr = campaign.Sanitize(msg.err.Error())
			return s, nil
		}
		for _, w := range campaign.MediaWarnings(s.typ, msg.info) {
			s.warnings = append(s.warnings, campaign.Sanitize(w))
		}
		if len(s.warnings) == 0 {
			s.checkOK = describeMedia(msg.info)
		}
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
		// Results always describe the URL on screen: forget the old ones and
		// drop a check still in flight.
		s.checkID++
		s.checking = false
		s.checkedURL, s.checkErr, s.checkOK, s.warnings = "", "", "", nil
	}
	return s, cmd
}

// startCheck HEADs the URL in a command; the inputs are copied into the
// closure so the command never reads the model.
func (s *mediaStep) startCheck() tea.Cmd {
	if msg := s.Validate(); msg != "" {
		s.checkErr = msg
		return nil
	}
	s.checkID++
	s.checking = true
	s.checkErr = ""
	id, url, eng, parent := s.checkID, s.Value(), s.c.Engine, s.c.ctx()
	return func() tea.Msg {
		if eng == nil || eng.API == nil {
			return mediaCheckMsg{id: id, url: url, err: fmt.Errorf("no API configured, so the media cannot be checked")}
		}
		ctx, cancel := context.WithTimeout(parent, mediaCheckTimeout)
		defer cancel()
		info, err := eng.API.HeadMedia(ctx, url)
		return mediaCheckMsg{id: id, url: url, info: info, err: err}
	}
}

func describeMedia(info campaign.MediaInfo) string {
	parts := []string{fmt.Sprintf("reachable (HTTP %d)", info.StatusCode)}
	if info.ContentType != "" {
		parts = append(parts, campaign.Sanitize(info.ContentType))
	}
	if info.Size >= 0 {
		parts = append(parts, humanBytes(info.Size))
	}
	return strings.Join(parts, ", ")
}

// humanBytes formats a size the way the limits are written (5 MB).
func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func (s *mediaStep) View() string {
	st := s.c.Styles
	var b strings.Builder
	b.WriteString(st.Title.Render("Media URL for the " + strings.ToLower(string(s.typ))))
	b.WriteString("\n\n")
	b.WriteString(s.in.View())
	b.WriteString("\n")
	b.WriteString(st.Muted.Render("An http(s) link WhatsApp can fetch. " + s.check.Help().Key + " checks it now."))
	b.WriteString("\n")
	wrap := st.Warning.Width(max(s.width-2, 10))
	if w := campaign.ExtensionWarning(s.typ, s.Value()); w != "" {
		b.WriteString("\n" + wrap.Render("⚠ "+campaign.Sanitize(w)))
	}
	switch {
	case s.checking:
		b.WriteString("\n" + st.Muted.Render("Checking the media…"))
	case s.checkErr != "":
		b.WriteString("\n" + st.Error.Width(max(s.width-2, 10)).Render("✗ "+s.checkErr))
	case len(s.warnings) > 0:
		for _, w := range s.warnings {
			b.WriteString("\n" + wrap.Render("⚠ "+w))
		}
		b.WriteString("\n" + st.Muted.Render("These are warnings: you may still go on."))
	case s.checkOK != "":
		b.WriteString("\n" + st.Success.Render("✓ "+s.checkOK))
	}
	return b.String()
}

func (s *mediaStep) ShortHelp() []key.Binding  { return []key.Binding{s.next, s.check} }
func (s *mediaStep) FullHelp() [][]key.Binding { return [][]key.Binding{{s.next, s.check}} }
