// Package ui is spotcast's Bubble Tea interface: the composer wizard, the
// review card, the live progress view. It holds no business rules: those
// live in package campaign; the API lives in package client.
package ui

import (
	"context"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"spotcast/campaign"
	"spotcast/client"
)

// Common is shared by every screen, by pointer (soft-serve's common.Common).
type Common struct {
	Ctx      context.Context
	Width    int
	Height   int
	Renderer *lipgloss.Renderer
	Styles   *Styles
	Client   *client.Client
	Sandbox  bool
	// DefaultCountry is the ISO region for national numbers ("" = none).
	DefaultCountry string
	// ImportDir confines CSV picking ("" = anywhere; SSH sets it).
	ImportDir string
	StateDir  string
	Operator  string
	// Journal records submissions (nil: none, e.g. in some tests).
	Journal *campaign.Journal
	// Now is the clock; tests freeze it.
	Now func() time.Time
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
	}
}
