package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"spotcast/campaign"
	"spotcast/campaign/store"
	"spotcast/ui/common"
)

// Options start the TUI. The CLI (and later the SSH server) fill them.
type Options struct {
	// Engine is built by the entry (the CLI): the API port, the journal's
	// target, the poll budget. Sandbox shows the SANDBOX badge.
	Engine         *campaign.Engine
	Sandbox        bool
	StateDir       string
	DefaultCountry string
	// Operator identifies who is at the keyboard (local user, or the SSH
	// key's full fingerprint): it keys drafts and is journaled.
	Operator string
	// OperatorName is what the header shows ("" = Operator).
	OperatorName string
	// OnSubmit, when set, hears of every submission (the SSH server logs
	// them). It runs on a command goroutine.
	OnSubmit func(*campaign.Submission, error)
	// OwnCampaignsOnly: the Jobs screen shows only this operator's
	// campaigns, and exports go to a folder of their own (SSH sets it).
	OwnCampaignsOnly bool
	// Prefill comes from flags; CSVPath is imported on start.
	Prefill   campaign.Campaign
	CSVPath   string
	BatchSize int
	// WatchJobIDs opens the progress view on existing jobs (spotcast watch).
	WatchJobIDs []string
	// Submission opens the progress view on a campaign just sent
	// (`send --watch` on a terminal): per-batch lines, statuses journaled.
	Submission *campaign.Submission
	// JobsOnly opens the journal's campaigns list (spotcast jobs on a
	// terminal); there is no composer and no draft.
	JobsOnly bool
	// ImportDir confines file picking ("" = anywhere; SSH sets it).
	ImportDir string
	Renderer  *lipgloss.Renderer // nil: one for Output
	Input     io.Reader          // nil: stdin
	Output    io.Writer          // nil: stdout
	Now       func() time.Time   // nil: time.Now
	// Ctx bounds the session's requests (nil: Run's ctx, or Background for
	// New). Over SSH it is the session's context.
	Ctx context.Context
	// Loc is the operator's time zone for schedules (nil: time.Local).
	Loc *time.Location
	// Store is shared when given (the SSH server has one for every
	// session), and keeps the drafts too when it can; nil: New opens the
	// database of StateDir and Close closes it.
	Store campaign.Store
}

// Result is how the TUI ended. The CLI turns it into an exit code.
type Result struct {
	// Watched: the session ended on a watch (spotcast watch, send --watch,
	// resume) whose jobs all ended or could no longer be polled; Verdict
	// says how they ended.
	Watched bool
	Verdict campaign.WatchVerdict
	// Interrupted: cut short by ctrl+c or a signal while a send or a watch
	// was under way (leaving the composer is a normal end).
	Interrupted bool
	// Failed: the interface could not run to its end.
	Failed bool
	// Detached lists bulk jobs still running when the operator left.
	Detached []string
	// Message is printed on exit (e.g. how to re-attach).
	Message string
	// DraftSaved: the composer's draft is on disk, up to date; DraftErr:
	// why it could not be saved. Both unset: there is no draft. Known once
	// the model is closed.
	DraftSaved bool
	DraftErr   error
}

// New builds the root model without running it (the SSH server runs it in
// its own program). Call Close on the model when the program ends.
func New(opts Options) (tea.Model, error) {
	t := opts.Prefill.Type
	if t == "" {
		t = campaign.TypeText
	}
	if _, err := campaign.ParseMessageType(string(t)); err != nil {
		return nil, err
	}
	r := opts.Renderer
	if r == nil {
		var out io.Writer = os.Stdout
		if opts.Output != nil {
			out = opts.Output
		}
		r = lipgloss.NewRenderer(out)
		if os.Getenv("NO_COLOR") != "" {
			r.SetColorProfile(termenv.Ascii)
		}
	}
	c := &common.Common{
		Context:          opts.Ctx,
		Renderer:         r,
		Styles:           common.DefaultStyles(r),
		Engine:           opts.Engine,
		Sandbox:          opts.Sandbox,
		DefaultCountry:   opts.DefaultCountry,
		ImportDir:        opts.ImportDir,
		StateDir:         opts.StateDir,
		Operator:         opts.Operator,
		OperatorName:     opts.OperatorName,
		OnSubmit:         opts.OnSubmit,
		OwnCampaignsOnly: opts.OwnCampaignsOnly,
		Clock:            opts.Now,
		Zone:             opts.Loc,
		BatchSize:        opts.BatchSize,
	}
	var own *store.DB
	if opts.Store != nil {
		c.Store = opts.Store
	} else if opts.StateDir == "" {
		c.StoreErr = errors.New("no state directory is configured (--state-dir)")
	} else if db, err := store.Open(c.Ctx(), store.Options{StateDir: opts.StateDir}); err != nil {
		c.StoreErr = err
	} else {
		c.Store, own = db, db
	}
	c.Drafts, _ = c.Store.(campaign.DraftStore)
	if c.StoreErr != nil {
		// Said where a draft would be read or saved, not silently lost.
		c.Drafts = unusableDrafts{c.StoreErr}
	}
	m := newModel(c)
	if own != nil {
		m.ownStore = own
		if own.Imported != nil {
			m.jobs.Carry(own.Imported.Warnings)
		}
	}
	if c.Drafts != nil && len(opts.WatchJobIDs) == 0 && opts.Submission == nil && !opts.JobsOnly {
		m.drafts = &draftStore{store: c.Drafts, operator: opts.Operator}
	}
	m.prefill(opts, t)
	switch {
	case opts.JobsOnly:
		m.mode = modeJobs
		m.active = stepJobs
		m.initCmds = append(m.initCmds, m.jobs.Open())
	case m.drafts != nil && !prefilled(opts):
		// A draft of an earlier session: ask before anything is changed.
		d, err := c.Drafts.LatestDraft(opts.Operator)
		if d != nil || err != nil {
			m.resume.Offer(d, err)
			m.active = stepResume
		}
	}
	if _, ok := stepKeys[m.active]; ok {
		m.lastStep = m.active
	}
	if !prefilled(opts) {
		// What flags gave is not on disk yet: left unrecorded, it is
		// saved like any change (and only then claimed as saved).
		m.lastDraft = m.draftSnapshot()
	}
	return m, nil
}

// prefilled: flags gave part of a campaign (they win over a draft).
func prefilled(opts Options) bool {
	p := opts.Prefill
	return p.Type != "" || p.Content != "" || p.MediaURL != "" || len(p.Recipients) > 0 ||
		len(p.GroupIDs) > 0 || !p.ScheduledAt.IsZero() || opts.CSVPath != "" || opts.BatchSize > 0
}

// prefill applies what the flags gave; a complete campaign opens on Review.
func (m *Model) prefill(opts Options, t campaign.MessageType) {
	p := opts.Prefill
	m.setMessage(campaign.Campaign{Type: t, Content: p.Content, MediaURL: p.MediaURL})
	if !p.ScheduledAt.IsZero() {
		m.schedule.SetCustom(p.ScheduledAt)
	}
	if cmd := m.recipients.Prefill(opts.CSVPath, internationalInput(p.Recipients), p.GroupIDs); cmd != nil {
		m.initCmds = append(m.initCmds, cmd)
	}
	if len(opts.WatchJobIDs) > 0 || opts.Submission != nil {
		m.active = stepProgress
		m.mode = modeWatch
		if opts.Submission != nil {
			m.initCmds = append(m.initCmds, m.progress.StartSubmission(opts.Submission))
		} else {
			m.initCmds = append(m.initCmds, m.progress.StartWatch(opts.WatchJobIDs))
		}
		return
	}
	if p.Content == "" && p.MediaURL == "" && len(p.Recipients) == 0 && len(p.GroupIDs) == 0 && opts.CSVPath == "" {
		return // nothing given: start at the beginning
	}
	pc := p
	pc.Type = t
	complete := true
	for _, pr := range pc.Validate(m.c.Now()) {
		// The CSV is still to be imported: its recipients come later.
		if pr.Field == campaign.FieldRecipients && opts.CSVPath != "" {
			continue
		}
		complete = false
	}
	if complete {
		m.active = stepReview
		m.refreshReview()
	}
}

// internationalInput turns E.164 digits (how campaigns hold numbers) back
// into typed input: the "+" keeps them from being read as national numbers
// of the default country.
func internationalInput(numbers []string) []string {
	out := make([]string, len(numbers))
	for i, n := range numbers {
		if n != "" && strings.Trim(n, "0123456789") == "" {
			n = "+" + n
		}
		out[i] = n
	}
	return out
}

// Close saves the draft (a dropped SSH session loses nothing) and releases
// what New opened (the journal, unless it was shared). Call it once the
// program has stopped; later calls return the first call's result.
func (m *Model) Close() error {
	m.closeOnce.Do(func() {
		errs := []error{m.closeErr}
		if err := m.saveDraftNow(); err != nil {
			errs = append(errs, err)
		}
		m.jobs.Close()
		// Known now, while the store is open: FinalResult reads it.
		saved, err := m.draftState()
		m.finalDraft = &draftOutcome{saved: saved, err: err}
		if m.ownStore != nil {
			errs = append(errs, m.ownStore.Close())
		}
		m.closeErr = errors.Join(errs...)
	})
	return m.closeErr
}

// FinalResult is how the model ended: the exit code, the jobs still running,
// and what to tell the operator. Call it after Close, which saves the draft:
// only then is it known whether the draft was saved.
func FinalResult(tm tea.Model) Result {
	m, ok := tm.(*Model)
	if !ok {
		return Result{Failed: true, Message: "spotcast: the interface ended unexpectedly"}
	}
	var r Result
	if d := m.finalDraft; d != nil {
		r.DraftSaved, r.DraftErr = d.saved, d.err
	} else {
		r.DraftSaved, r.DraftErr = m.draftState()
	}
	if m.active == stepProgress {
		done := m.progress.Done()
		fatal := m.progress.FatalErr()
		if m.mode == modeWatch && (done || fatal != nil) {
			// A job the API refused to report ends the watch like the
			// plain one, even while others still run.
			r.Watched, r.Verdict = true, m.progress.Verdict()
		}
		r.Detached = m.progress.Running()
		var msgs []string
		if line := m.progress.OutcomeLine(); line != "" && (done || fatal != nil) {
			msgs = append(msgs, campaign.Sanitize(line))
		}
		if fatal != nil {
			msgs = append(msgs, campaign.Sanitize(fatal.Error()))
		}
		if len(r.Detached) > 0 {
			msgs = append(msgs, detachMessage(r.Detached))
		}
		r.Message = strings.Join(msgs, "\n")
		if m.interrupted && !done {
			r.Interrupted = true
		}
		return r
	}
	if m.watchEnd != nil && !m.review.Sending() {
		r.Watched, r.Verdict, r.Message = true, m.watchEnd.verdict, m.watchEnd.message()
		return r
	}
	// ctrl+c is how the composer is left: a normal end (exit 0), the draft
	// kept. Only a send cut short is an interruption worth 130.
	switch {
	case m.interrupted && m.review.Sending():
		r.Interrupted = true
		r.Message = "A send was in progress when you quit: its outcome may be unknown — check with `spotcast jobs` before sending again."
	case m.interrupted && m.mode != modeJobs:
		r.Message = "Nothing was sent."
		switch {
		case r.DraftErr != nil:
			r.Message += " Your draft was NOT saved: " + r.DraftErr.Error() + "."
		case r.DraftSaved:
			r.Message += " Your draft is saved; the next start offers to resume it."
		}
	}
	return r
}

func detachMessage(ids []string) string {
	clean := make([]string, len(ids))
	for i, id := range ids {
		clean[i] = campaign.SanitizeLine(id, 64)
	}
	list := strings.Join(clean, " ")
	if len(ids) == 1 {
		return fmt.Sprintf("Job %s is still running. Re-attach with: spotcast watch %s", list, list)
	}
	return fmt.Sprintf("Jobs %s are still running. Re-attach with: spotcast watch %s", strings.Join(clean, ", "), list)
}

// Run runs the TUI until the operator quits.
func Run(ctx context.Context, opts Options) (Result, error) {
	if opts.Ctx == nil {
		opts.Ctx = ctx
	}
	tm, err := New(opts)
	if err != nil {
		return Result{Failed: true}, err
	}
	m := tm.(*Model)
	// Ask the terminal for its background now, while nothing else reads the
	// input: once the program runs, its reader would swallow the answer and
	// the first frame would wait for the query to time out.
	m.c.Renderer.HasDarkBackground()
	// ctx is the one owner of SIGINT/SIGTERM/SIGHUP (the CLI cancels it):
	// Bubble Tea's own handler beside it raced it on SIGTERM and could hang
	// the program, sending a quit nobody received any more.
	popts := []tea.ProgramOption{tea.WithAltScreen(), tea.WithContext(ctx), tea.WithFPS(renderFPS), tea.WithoutSignalHandler()}
	if opts.Input != nil {
		popts = append(popts, tea.WithInput(opts.Input))
	}
	if opts.Output != nil {
		popts = append(popts, tea.WithOutput(opts.Output))
	}
	final, err := tea.NewProgram(m, popts...).Run()
	if final == nil {
		final = m
	}
	cancelled := errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil
	if cancelled {
		// A signal (or a dropped session) ends the TUI like ctrl+c would.
		m.interrupted = true
	}
	// Close saves the draft; the result can then say whether it was saved.
	_ = m.Close()
	res := FinalResult(final)
	if err != nil {
		if cancelled {
			res.Interrupted = true // the caller cancelled (signal, dropped session)
			return res, nil
		}
		return res, fmt.Errorf("running the terminal interface: %w", err)
	}
	return res, nil
}

// renderFPS caps how often Bubble Tea checks for a new frame. Its default of
// 60 wakes the process 60 times a second even when nothing changes; 30 is
// still instant to the eye and halves the idle cost of a watched job.
const renderFPS = 30
