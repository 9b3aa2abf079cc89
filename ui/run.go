package ui

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/charmbracelet/lipgloss"

	"spotcast/campaign"
	"spotcast/client"
)

// Options start the TUI. The CLI (and later the SSH server) fill them.
type Options struct {
	Client         *client.Client
	Sandbox        bool
	StateDir       string
	DefaultCountry string
	Operator       string // who is at the keyboard (local user, or SSH key)
	// Prefill comes from flags; CSVPath is imported on start.
	Prefill   campaign.Campaign
	CSVPath   string
	BatchSize int
	// WatchJobIDs opens the progress view on existing jobs (spotcast watch).
	WatchJobIDs []string
	// ImportDir confines file picking ("" = anywhere; SSH sets it).
	ImportDir string
	Renderer  *lipgloss.Renderer // nil: one for Output
	Input     io.Reader          // nil: stdin
	Output    io.Writer          // nil: stdout
	Now       func() time.Time   // nil: time.Now
}

// Result is how the TUI ended.
type Result struct {
	ExitCode int
	// Detached lists bulk jobs still running when the operator left.
	Detached []string
	// Message is printed on exit (e.g. how to re-attach).
	Message string
}

// Run runs the TUI until the operator quits.
func Run(ctx context.Context, opts Options) (Result, error) {
	return Result{}, errors.New("the TUI is not built yet")
}
