// Package common is what every screen of one session shares and reads:
// its size, styles, renderer, clock, zone and the engine that decides.
// Screens do not write it; only the root sets the size (soft-serve's
// pkg/ui/common).
package common

import (
	"context"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/textarea"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"spotcast/campaign"
)

// Common is shared by every screen, by pointer (soft-serve's common.Common).
type Common struct {
	Context  context.Context
	Width    int
	Height   int
	Renderer *lipgloss.Renderer
	Styles   *Styles
	// Engine makes every decision about a campaign (send, resume, watch
	// policy, outcome); the screens only present it. Its API is the
	// only way to WhatsSpot.
	Engine  *campaign.Engine
	Sandbox bool
	// DefaultCountry is the session's starting region for national numbers
	// ("" = none); Recipients owns the current one.
	DefaultCountry string
	// ImportDir confines CSV picking ("" = anywhere; SSH sets it).
	ImportDir string
	StateDir  string
	Operator  string
	// OperatorName is shown in the header ("" = Operator).
	OperatorName string
	OnSubmit     func(*campaign.Submission, error)
	// OwnCampaignsOnly limits the Jobs screen to the operator's campaigns
	// and keeps exports per operator (SSH, where operators share a journal).
	OwnCampaignsOnly bool
	// Store records submissions (nil: none, e.g. in some tests).
	Store campaign.Store
	// StoreErr says why the store could not be opened; sending is then
	// refused (an unrecorded send could not be resumed or audited).
	StoreErr error
	// Drafts keeps the operator's draft and test number (nil: none).
	Drafts campaign.DraftStore
	// Clock is the clock; tests freeze it.
	Clock func() time.Time
	// Zone is the operator's time zone for schedules (nil: time.Local).
	Zone *time.Location
	// BatchSize is the session's starting batch size (0: one request);
	// Review owns the current one.
	BatchSize int
}

// Now is the injected clock, or the real one.
func (c *Common) Now() time.Time {
	if c.Clock != nil {
		return c.Clock()
	}
	return time.Now()
}

func (c *Common) Loc() *time.Location {
	if c.Zone != nil {
		return c.Zone
	}
	return time.Local
}

func (c *Common) Ctx() context.Context {
	if c.Context != nil {
		return c.Context
	}
	return context.Background()
}

// Component is one screen: a model that can be sized and explains its keys.
type Component interface {
	tea.Model
	help.KeyMap
	SetSize(width, height int)
}

// Styles are built from a renderer, never as package globals: over SSH the
// global renderer describes the server's terminal, not the operator's.
type Styles struct {
	App      lipgloss.Style
	Header   lipgloss.Style
	Badge    lipgloss.Style
	Title    lipgloss.Style
	Muted    lipgloss.Style
	Error    lipgloss.Style
	Warning  lipgloss.Style
	Success  lipgloss.Style
	Selected lipgloss.Style
	Card     lipgloss.Style
	Bubble   lipgloss.Style
	Help     lipgloss.Style
	// HelpKey is the key part of a help entry (the description uses Help).
	HelpKey lipgloss.Style
	// Label is a field name on a card ("To", "When").
	Label lipgloss.Style
	// Plain is an unstyled style from this renderer, for bubbles' fields
	// that must not fall back to the global renderer.
	Plain lipgloss.Style
}

// DefaultStyles builds the palette for one renderer (one terminal).
func DefaultStyles(r *lipgloss.Renderer) *Styles {
	green := lipgloss.AdaptiveColor{Light: "#128C7E", Dark: "#25D366"}
	return &Styles{
		App:      r.NewStyle().Padding(0, 1),
		Header:   r.NewStyle().Bold(true),
		Badge:    r.NewStyle().Bold(true).Padding(0, 1).Foreground(lipgloss.Color("#000000")).Background(lipgloss.Color("#FFB000")),
		Title:    r.NewStyle().Bold(true).Foreground(green),
		Muted:    r.NewStyle().Faint(true),
		Error:    r.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#C00000", Dark: "#FF5F5F"}),
		Warning:  r.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#8A6D00", Dark: "#FFB000"}),
		Success:  r.NewStyle().Foreground(green),
		Selected: r.NewStyle().Bold(true).Foreground(green),
		Card:     r.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1),
		Bubble:   r.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(green).Padding(0, 1),
		Help:     r.NewStyle().Faint(true),
		HelpKey:  r.NewStyle().Bold(true),
		Label:    r.NewStyle().Bold(true),
		Plain:    r.NewStyle(),
	}
}

// NewTextInput returns a bubbles textinput whose styles come from this
// session's renderer (bubbles' defaults use the global one, which over SSH
// describes the server's terminal).
func (c *Common) NewTextInput() textinput.Model {
	in := textinput.New()
	s := c.Styles
	in.PromptStyle = s.Muted
	in.TextStyle = s.Plain
	in.PlaceholderStyle = s.Muted
	in.CompletionStyle = s.Muted
	in.Cursor.Style = s.Plain
	in.Cursor.TextStyle = s.Plain
	return in
}

// NewTextArea returns a bubbles textarea styled from this session's renderer.
func (c *Common) NewTextArea() textarea.Model {
	ta := textarea.New()
	s := c.Styles
	st := textarea.Style{
		Base:             s.Plain,
		CursorLine:       s.Plain,
		CursorLineNumber: s.Muted,
		EndOfBuffer:      s.Muted,
		LineNumber:       s.Muted,
		Placeholder:      s.Muted,
		Prompt:           s.Muted,
		Text:             s.Plain,
	}
	ta.FocusedStyle = st
	blurred := st
	blurred.Text = s.Muted
	ta.BlurredStyle = blurred
	ta.Cursor.Style = s.Plain
	ta.Cursor.TextStyle = s.Plain
	ta.Blur() // re-point the active style at ours rather than bubbles' default
	return ta
}

// NewHelp returns a bubbles help model styled from this session's renderer.
func (c *Common) NewHelp() help.Model {
	h := help.New()
	s := c.Styles
	h.Styles = help.Styles{
		Ellipsis:       s.Help,
		ShortKey:       s.HelpKey,
		ShortDesc:      s.Help,
		ShortSeparator: s.Help,
		FullKey:        s.HelpKey,
		FullDesc:       s.Help,
		FullSeparator:  s.Help,
	}
	return h
}
