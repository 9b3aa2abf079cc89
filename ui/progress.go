package ui

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"spotcast/campaign"
)

// resendFailedMsg asks the root to start a new campaign, the same message to
// the recipients a finished job reported as failed.
type resendFailedMsg struct{ Recipients []string }

// Poll-loop messages carry the job ID and the watch generation: a reply that
// belongs to an earlier watch is dropped.
type (
	jobStatusMsg struct {
		id  string
		gen int
		job *campaign.Job
		err error
	}
	clockTickMsg  struct{ gen int }
	exportDoneMsg struct {
		gen  int
		path string
		err  error
	}
	journalErrMsg struct{ err error }
	// resumedMsg is the end of a resume started from the progress view.
	resumedMsg struct {
		gen int
		sub *campaign.Submission
		err error
	}
)

// pollTimeout bounds one status request.
const pollTimeout = campaign.PollTimeout

// watchedJob is what the view shows of one bulk job; the watch policy
// (campaign.Poller) decides when it is polled and what answers mean.
type watchedJob struct {
	id        string
	batch     int // batch index in the submission; -1 when only watching
	job       *campaign.Job
	failures  int // consecutive failed polls
	lastErr   error
	throttled bool // the last answer asked us to slow down
	nextRetry time.Time
	lastPoll  time.Time
	journaled string // the last status written to the journal
	// end: why the job is no longer watched ("" while it is).
	end campaign.JobEnd
	// fatal: why it ended other than finished (lost, refused, unreachable).
	fatal error
}

func (j *watchedJob) terminal() bool { return j.end == campaign.EndFinished }

// ended: nothing more will be learnt about the job (it ended, or it can no
// longer be polled).
func (j *watchedJob) ended() bool { return j.end != "" }

type progressKeys struct {
	Quit, Detach, Export, Resend, Resume, Up, Down key.Binding
}

func newProgressKeys() progressKeys {
	return progressKeys{
		Quit:   key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		Detach: key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "detach (the job goes on)")),
		Export: key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "export failed as CSV")),
		Resend: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "re-send failed as a new campaign")),
		Resume: key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "resume: send what never went out")),
		Up:     key.NewBinding(key.WithKeys("up"), key.WithHelp("↑/↓", "scroll failures")),
		Down:   key.NewBinding(key.WithKeys("down")),
	}
}

// progressModel is the last screen: synchronous results, and live bulk jobs.
type progressModel struct {
	c      *Common
	keys   progressKeys
	width  int
	height int

	gen        int
	campaignID string
	batches    []campaign.BatchResult // the synchronous / not accepted ones
	jobs       []*watchedJob
	started    time.Time
	bar        progress.Model

	// Rate: processed messages since the first poll that had counts.
	rateAt   time.Time
	rateBase int
	rateSeen bool

	failTable vtable
	exported  string
	exportErr error
	notice    string

	// polls runs the watch policy for these jobs.
	polls      pollPump
	outcomeSub *campaign.Submission // what was sent, for the outcome line

	// Seams for tests: the status request and the timer.
	fetch func(ctx context.Context, id string) (*campaign.Job, error)
	tick  func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd
	// fails caches failures() until a job changes (failsOK false).
	fails   []failedRow
	failsOK bool
}

var _ Component = (*progressModel)(nil)

func newProgress(c *Common) *progressModel {
	m := &progressModel{
		c:    c,
		keys: newProgressKeys(),
		tick: tea.Tick,
		bar: progress.New(progress.WithWidth(40), progress.WithoutPercentage(),
			progress.WithSolidFill("#25D366"), progress.WithColorProfile(c.Renderer.ColorProfile())),
	}
	m.SetSize(c.Width, c.Height)
	return m
}

func (m *progressModel) now() time.Time {
	if m.c.Now != nil {
		return m.c.Now()
	}
	return time.Now()
}

func (m *progressModel) reset() {
	m.gen++
	m.campaignID = ""
	m.batches, m.jobs = nil, nil
	m.polls.stop()
	m.outcomeSub = nil
	m.failsOK = false
	m.started = m.now()
	m.rateSeen = false
	m.failTable = vtable{height: m.failTable.height}
	m.exported, m.exportErr, m.notice = "", nil, ""
}

// StartSubmission shows a submission's results and watches its bulk jobs.
func (m *progressModel) StartSubmission(s *campaign.Submission) tea.Cmd {
	m.reset()
	if s == nil {
		return nil
	}
	m.campaignID = s.CampaignID
	m.outcomeSub = s
	for _, b := range s.Batches {
		if b.State == campaign.StateAccepted && b.Outcome.Async && b.Outcome.JobID != "" {
			j := &watchedJob{id: b.Outcome.JobID, batch: b.Index}
			if b.Outcome.Status != "" && !campaign.IsTerminal(b.Outcome.Status) {
				// A status the send answered; a terminal one is still
				// polled, for its counts.
				j.job = &campaign.Job{ID: b.Outcome.JobID, Status: b.Outcome.Status}
			}
			m.jobs = append(m.jobs, j)
			continue
		}
		m.batches = append(m.batches, b)
	}
	return m.startPolling()
}

// StartWatchCampaign re-attaches to a journaled campaign (from the jobs
// list): its bulk jobs are polled, its other batches shown as the journal
// left them. Status changes are journaled against the campaign.
func (m *progressModel) StartWatchCampaign(r campaign.CampaignRecord) tea.Cmd {
	m.reset()
	m.campaignID = r.CampaignID
	for _, b := range r.Batches {
		if b.State == campaign.StateAccepted && b.JobID != "" {
			j := &watchedJob{id: b.JobID, batch: b.Index, journaled: b.JobStatus}
			if b.JobStatus != "" && !campaign.IsTerminal(b.JobStatus) {
				j.job = &campaign.Job{ID: b.JobID, Status: b.JobStatus, Total: b.Total, Sent: b.Sent, Failed: b.Failed, Pending: b.Pending}
			}
			// A job the journal saw end is polled once more, for its
			// counts and failures.
			m.jobs = append(m.jobs, j)
			continue
		}
		res := campaign.BatchResult{Index: b.Index, Recipients: b.Recipients, Groups: b.Groups, State: b.State,
			Outcome: campaign.SendOutcome{Messages: b.Messages}}
		if b.Error != "" {
			res.Err = errors.New(b.Error)
		}
		m.batches = append(m.batches, res)
	}
	return m.startPolling()
}

// stop forgets the jobs; late poll replies are dropped (the generation
// moves on).
func (m *progressModel) stop() { m.reset() }

// StartWatch watches existing jobs (spotcast watch, the jobs list).
func (m *progressModel) StartWatch(jobIDs []string) tea.Cmd {
	m.reset()
	for _, id := range jobIDs {
		m.jobs = append(m.jobs, &watchedJob{id: id, batch: -1})
	}
	return m.startPolling()
}

// startPolling hands the jobs to the watch policy and starts the pump; the
// elapsed clock ticks once a second while anything runs.
func (m *progressModel) startPolling() tea.Cmd {
	if len(m.jobs) == 0 {
		return nil
	}
	ids := make([]string, len(m.jobs))
	for i, j := range m.jobs {
		ids[i] = j.id
	}
	m.polls.start(m.c.Engine, ids...)
	return tea.Batch(m.clockTick(), m.pump())
}

func (m *progressModel) pump() tea.Cmd {
	return m.polls.pump(m.now(), m.gen, "progress", m.tick, m.fetchCmd)
}

func (m *progressModel) clockTick() tea.Cmd {
	gen := m.gen
	return m.tick(time.Second, func(time.Time) tea.Msg { return clockTickMsg{gen: gen} })
}

// fetchCmd copies everything it needs: the command runs on another goroutine.
func (m *progressModel) fetchCmd(id string) tea.Cmd {
	gen := m.gen
	fetch := m.fetch
	if fetch == nil {
		e := m.c.Engine
		fetch = func(ctx context.Context, id string) (*campaign.Job, error) {
			if e == nil || e.API == nil {
				return nil, fmt.Errorf("no API configured")
			}
			return e.API.GetJob(ctx, id)
		}
	}
	parent := m.c.ctx()
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, pollTimeout)
		defer cancel()
		job, err := fetch(ctx, id)
		return jobStatusMsg{id: id, gen: gen, job: job, err: err}
	}
}

func (m *progressModel) find(id string) *watchedJob {
	for _, j := range m.jobs {
		if j.id == id {
			return j
		}
	}
	return nil
}

// Done reports whether every job reached a final status or can no longer be
// polled (true at once for purely synchronous sends).
func (m *progressModel) Done() bool {
	for _, j := range m.jobs {
		if !j.ended() {
			return false
		}
	}
	return true
}

// Verdict is what the watched jobs amount to (the policy's word), with
// failed synchronous messages counted as failures; the CLI turns it into
// an exit code. Jobs still running count for nothing.
func (m *progressModel) Verdict() campaign.WatchVerdict {
	v := campaign.VerdictCompleted
	if m.polls.poller != nil {
		var ended []campaign.JobResult
		for _, r := range m.polls.poller.Results() {
			if r.End != "" {
				ended = append(ended, r)
			}
		}
		v = campaign.Verdict(ended)
	}
	if v == campaign.VerdictCompleted && m.syncFailed() {
		v = campaign.VerdictFailed
	}
	return v
}

// syncFailed: a synchronous message came back failed.
func (m *progressModel) syncFailed() bool {
	for _, b := range m.batches {
		for _, msg := range b.Outcome.Messages {
			if campaign.MessageFailed(msg.Status) {
				return true
			}
		}
	}
	return false
}

// failed: a message failed, or a job ended FAILED or CANCELLED.
func (m *progressModel) failed() bool {
	return m.Verdict() == campaign.VerdictFailed
}

// FatalErr says which jobs can no longer be polled and why (nil: none).
func (m *progressModel) FatalErr() error {
	var errs []error
	for _, j := range m.jobs {
		if j.fatal != nil {
			errs = append(errs, fmt.Errorf("stopped watching %s (%s): %w", j.id, j.end, j.fatal))
		}
	}
	return errors.Join(errs...)
}

// Running lists the jobs still being watched (detached on quit); a job
// that can no longer be polled is not among them.
func (m *progressModel) Running() []string {
	var out []string
	for _, j := range m.jobs {
		if !j.ended() {
			out = append(out, j.id)
		}
	}
	return out
}

func (m *progressModel) Init() tea.Cmd { return nil }

func (m *progressModel) SetSize(width, height int) {
	m.width, m.height = width, height
	m.bar.Width = min(50, max(10, width-12))
}

func (m *progressModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case pumpTickMsg:
		if msg.owner != "progress" || !m.polls.woken(msg, m.gen) {
			return m, nil // a tick superseded by an earlier one
		}
		return m, m.pump()
	case jobStatusMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		j := m.find(msg.id)
		if j == nil {
			return m, nil
		}
		return m, m.handleStatus(j, msg)
	case clockTickMsg:
		if msg.gen != m.gen || m.Done() {
			return m, nil // the clock stops with the last job
		}
		return m, m.clockTick()
	case exportDoneMsg:
		if msg.gen == m.gen {
			m.exported, m.exportErr = msg.path, msg.err
		}
		return m, nil
	case journalErrMsg:
		m.notice = "journal: " + msg.err.Error()
		return m, nil
	case resumedMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		if msg.sub == nil {
			m.notice = "resume: " + campaign.Sanitize(msg.err.Error())
			return m, nil
		}
		cmd := m.StartSubmission(msg.sub)
		if msg.err != nil {
			m.notice = "resume: " + campaign.Sanitize(msg.err.Error())
		}
		return m, cmd
	case tea.KeyMsg:
		return m, m.handleKey(msg)
	}
	return m, nil
}

func (m *progressModel) handleStatus(j *watchedJob, msg jobStatusMsg) tea.Cmd {
	now := m.now()
	u, ok := m.polls.poller.Report(j.id, msg.job, msg.err, now)
	if !ok {
		return nil
	}
	j.lastPoll = now
	j.failures, j.lastErr, j.throttled, j.nextRetry = u.Failures, u.Err, u.Throttled, u.NextPoll
	j.end = u.End
	if u.End != "" && u.End != campaign.EndFinished {
		j.fatal = u.Err
	}
	var cmds []tea.Cmd
	if u.Err == nil && u.Job != nil {
		j.job = u.Job
		m.failsOK = false
		m.sampleRate(now)
		if u.Job.Status != j.journaled {
			j.journaled = u.Job.Status
			cmds = append(cmds, m.journalCmd(j))
		}
	}
	cmds = append(cmds, m.pump())
	return tea.Batch(cmds...)
}

// journalCmd records a status change off the UI goroutine (the journal
// fsyncs).
func (m *progressModel) journalCmd(j *watchedJob) tea.Cmd {
	jr := m.c.Journal
	// A job watched without its campaign (spotcast watch) has nothing to
	// be journaled against: an event without a campaign ID is damage.
	if jr == nil || j.job == nil || m.campaignID == "" || j.batch < 0 {
		return nil
	}
	cid, batch, id, job := m.campaignID, j.batch, j.id, *j.job
	return func() tea.Msg {
		if err := jr.RecordJobStatus(cid, batch, id, job.Status, job.Total, job.Sent, job.Failed, job.Pending); err != nil {
			return journalErrMsg{err: err}
		}
		return nil
	}
}

// counts aggregates the jobs; ok is false when any job lacks a total.
type counts struct {
	total, sent, failed, pending int
	ok                           bool
}

func (m *progressModel) counts() counts {
	c := counts{ok: len(m.jobs) > 0}
	for _, j := range m.jobs {
		if j.job == nil || j.job.Total == nil {
			c.ok = false
			continue
		}
		sent, failed := deref(j.job.Sent), deref(j.job.Failed)
		c.total += *j.job.Total
		c.sent += sent
		c.failed += failed
		if j.job.Pending != nil {
			c.pending += *j.job.Pending
		} else {
			c.pending += max(0, *j.job.Total-sent-failed)
		}
		if j.job.Sent == nil && j.job.Failed == nil && j.job.Pending == nil {
			c.ok = false
		}
	}
	return c
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func (m *progressModel) sampleRate(now time.Time) {
	c := m.counts()
	if !c.ok || m.rateSeen {
		return
	}
	m.rateSeen, m.rateAt, m.rateBase = true, now, c.sent+c.failed
}

// rate is messages per second since the first poll with counts (0: unknown).
func (m *progressModel) rate() float64 {
	c := m.counts()
	if !c.ok || !m.rateSeen {
		return 0
	}
	// Measured between polls, so it neither decays between them nor after
	// the end.
	el := m.lastPoll().Sub(m.rateAt).Seconds()
	done := c.sent + c.failed - m.rateBase
	if el < 1 || done <= 0 {
		return 0
	}
	return float64(done) / el
}

// failures lists every failed recipient the API reported, job by job.
type failedRow struct{ job, recipient, err string }

// failures lists the failed recipients of every job. It is built once per
// job update, not per frame: View and the help call it on every render.
func (m *progressModel) failures() []failedRow {
	if m.failsOK {
		return m.fails
	}
	m.fails, m.failsOK = nil, true
	for _, j := range m.jobs {
		if j.job == nil {
			continue
		}
		for _, f := range j.job.Failures {
			m.fails = append(m.fails, failedRow{job: j.id, recipient: f.Recipient, err: f.Error})
		}
	}
	return m.fails
}

func (m *progressModel) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return func() tea.Msg { return progressQuitMsg{} }
	case m.Done() && key.Matches(msg, k.Resume) && m.outcome().Resumable():
		return m.resumeCmd()
	case m.Done() && key.Matches(msg, k.Export) && len(m.failures()) > 0:
		return m.exportCmd()
	case m.Done() && key.Matches(msg, k.Resend) && len(m.failures()) > 0:
		var rs []string
		seen := map[string]bool{}
		for _, f := range m.failures() {
			r := strings.TrimPrefix(strings.TrimSpace(campaign.Sanitize(f.recipient)), "+")
			if r != "" && !seen[r] {
				seen[r] = true
				rs = append(rs, r)
			}
		}
		return func() tea.Msg { return resendFailedMsg{Recipients: rs} }
	case key.Matches(msg, k.Up):
		m.failTable.move(-1)
	case key.Matches(msg, k.Down):
		m.failTable.move(1)
	}
	return nil
}

// outcome is the engine's account of what was sent, with the jobs' ends.
func (m *progressModel) outcome() campaign.Outcome {
	if m.outcomeSub == nil {
		return campaign.Outcome{}
	}
	var results []campaign.JobResult
	if m.polls.poller != nil {
		results = m.polls.poller.Results()
	}
	return campaign.Summarize(m.outcomeSub, results)
}

// OutcomeLine is the one line left in the scrollback when the view closes.
func (m *progressModel) OutcomeLine() string {
	if m.outcomeSub != nil {
		line := m.outcome().Headline()
		if m.outcome().Resumable() {
			line += ". Send the rest with: spotcast resume " + m.outcomeSub.CampaignID
		}
		return line
	}
	if m.polls.poller == nil {
		return ""
	}
	results := m.polls.poller.Results()
	if ps := campaign.WatchProblems(results); len(ps) > 0 {
		return strings.Join(ps, "; ")
	}
	return campaign.Plural(len(results), "job", "jobs") + " completed"
}

// resumeCmd sends what the campaign never sent (pending and refused
// batches; never those whose outcome is unknown), through the engine.
func (m *progressModel) resumeCmd() tea.Cmd {
	eng := m.c.Engine.WithJournal(m.c.Journal)
	id, gen, ctx := m.outcomeSub.CampaignID, m.gen, m.c.ctx()
	opts := campaign.SubmitOptions{Operator: m.c.Operator}
	m.notice = "resuming " + id + "…"
	return func() tea.Msg {
		if eng == nil {
			return resumedMsg{gen: gen, err: errors.New("no API configured")}
		}
		sub, err := eng.Resume(ctx, id, false, false, opts)
		return resumedMsg{gen: gen, sub: sub, err: err}
	}
}

// exportCmd writes the failed recipients as CSV under StateDir/exports, or
// over SSH in the operator's own import folder (where their picker can
// reach it and no other operator can).
func (m *progressModel) exportCmd() tea.Cmd {
	rows := m.failures()
	dir := filepath.Join(m.c.StateDir, "exports")
	if m.c.OwnCampaignsOnly && m.c.ImportDir != "" {
		dir = filepath.Join(m.c.ImportDir, "exports")
	}
	name := m.campaignID
	if name == "" && len(m.jobs) > 0 {
		name = m.jobs[0].id
	}
	path := filepath.Join(dir, fmt.Sprintf("failed-%s-%s.csv", safeName(name), m.now().UTC().Format("20060102T150405Z")))
	gen := m.gen
	return func() tea.Msg {
		return exportDoneMsg{gen: gen, path: path, err: writeFailuresCSV(dir, path, rows)}
	}
}

func writeFailuresCSV(dir, path string, rows []failedRow) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot create %s: %w", dir, err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("cannot create %s: %w", path, err)
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"job_id", "recipient", "error"})
	for _, r := range rows {
		_ = w.Write([]string{campaign.Sanitize(r.job), campaign.Sanitize(r.recipient), csvSafe(campaign.Sanitize(r.err))})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// csvSafe stops a spreadsheet from running API text as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		return "'" + s
	}
	return s
}

// safeName keeps a file-name-friendly part of an ID.
func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
	if len(s) > 40 {
		s = s[:40]
	}
	if s == "" {
		s = "jobs"
	}
	return s
}

// --- view ---

func (m *progressModel) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	st := m.c.Styles
	w := max(20, m.width)
	var lines []string
	add := func(s ...string) { lines = append(lines, s...) }

	if len(m.batches) > 0 {
		if len(m.jobs) > 0 {
			// The jobs and their failures need the room: one line a batch.
			add(m.syncSummaryView(w)...)
		} else {
			add(m.syncView(w)...)
		}
	}
	if len(m.jobs) > 0 {
		if len(m.batches) > 0 {
			add("")
		}
		add(m.jobsView(w, len(lines)+1)...)
	}
	if len(m.jobs) == 0 && len(m.batches) == 0 {
		add(st.Muted.Render("Nothing sent yet."))
	}
	if m.notice != "" {
		add(st.Warning.Render(campaign.SanitizeLine(m.notice, w)))
	}
	return clampView(strings.Join(lines, "\n"), m.width, m.height)
}

func (m *progressModel) syncView(w int) []string {
	st := m.c.Styles
	var out []string
	for _, b := range m.batches {
		head := fmt.Sprintf("Batch %d · %d recipient(s)", b.Index+1, b.Recipients)
		switch b.State {
		case campaign.StateAccepted:
			out = append(out, st.Header.Render(head)+" "+st.Success.Render("sent"))
			for _, msg := range b.Outcome.Messages {
				line := fmt.Sprintf("  %-28s %s", campaign.SanitizeLine(msg.ID, 28), campaign.SanitizeLine(msg.Status, 20))
				out = append(out, campaign.SanitizeLine(line, w))
			}
			if len(b.Outcome.Messages) == 0 {
				out = append(out, st.Muted.Render("  the API returned no message ids"))
			}
		case campaign.StateRejected:
			out = append(out, st.Header.Render(head)+" "+st.Error.Render("rejected by the API"))
			if b.Err != nil {
				out = append(out, st.Error.Render(campaign.SanitizeLine("  "+b.Err.Error(), w)))
			}
		case campaign.StateUnknown:
			out = append(out, st.Header.Render(head)+" "+st.Warning.Render("outcome unknown (journaled; not retried)"))
			if b.Err != nil {
				out = append(out, st.Warning.Render(campaign.SanitizeLine("  "+b.Err.Error(), w)))
			}
		default:
			out = append(out, st.Header.Render(head)+" "+st.Muted.Render("not sent (resume it with spotcast resume)"))
		}
	}
	return out
}

// syncSummaryView is syncView with one line per batch: its messages are
// counted by status rather than listed.
func (m *progressModel) syncSummaryView(w int) []string {
	st := m.c.Styles
	var out []string
	for _, b := range m.batches {
		head := st.Header.Render(fmt.Sprintf("Batch %d · %d recipient(s)", b.Index+1, b.Recipients)) + " "
		var rest string
		switch b.State {
		case campaign.StateAccepted:
			counts := map[string]int{}
			var order []string
			for _, msg := range b.Outcome.Messages {
				s := campaign.SanitizeLine(msg.Status, 20)
				if counts[s] == 0 {
					order = append(order, s)
				}
				counts[s]++
			}
			parts := make([]string, len(order))
			for i, s := range order {
				parts[i] = fmt.Sprintf("%d %s", counts[s], s)
			}
			if len(parts) == 0 {
				parts = []string{"no message ids"}
			}
			rest = st.Success.Render("sent") + " · " + strings.Join(parts, ", ")
		case campaign.StateRejected:
			rest = st.Error.Render("rejected by the API")
			if b.Err != nil {
				rest += ": " + campaign.SanitizeLine(b.Err.Error(), 0)
			}
		case campaign.StateUnknown:
			rest = st.Warning.Render("outcome unknown (journaled; not retried)")
			if b.Err != nil {
				rest += ": " + campaign.SanitizeLine(b.Err.Error(), 0)
			}
		default:
			rest = st.Muted.Render("not sent (resume it with spotcast resume)")
		}
		out = append(out, clampView(head+rest, w, 1))
	}
	return out
}

// jobsView is the bulk jobs' part; extra lines are already used above it.
func (m *progressModel) jobsView(w, extra int) []string {
	st := m.c.Styles
	now := m.now()
	c := m.counts()
	var out []string

	title := "Bulk job " + campaign.SanitizeLine(m.jobs[0].id, 40)
	if len(m.jobs) > 1 {
		title = fmt.Sprintf("%d bulk jobs", len(m.jobs))
	}
	out = append(out, st.Title.Render(title)+"  "+m.statusBadge())

	// The bar: aggregated counts, or an honest "unknown".
	if c.ok && c.total > 0 {
		pct := float64(c.sent+c.failed) / float64(c.total)
		out = append(out, m.bar.ViewAs(min(1, pct))+fmt.Sprintf(" %3.0f%%", min(100, pct*100)))
		out = append(out, fmt.Sprintf("total %s · sent %s · failed %s · pending %s",
			commas(c.total), st.Success.Render(commas(c.sent)), errOrPlain(st, c.failed, commas(c.failed)), commas(c.pending)))
	} else {
		out = append(out, st.Muted.Render(strings.Repeat("·", m.bar.Width)+" progress unknown"))
		out = append(out, st.Muted.Render("the API has not reported message counts"))
	}

	// Rate, ETA, elapsed, last poll.
	rate, eta := "—", "—"
	if r := m.rate(); r > 0 {
		rate = fmt.Sprintf("%.1f msg/s", r)
		if c.pending > 0 {
			eta = fmtDuration(time.Duration(float64(c.pending) / r * float64(time.Second)))
		}
	}
	if m.Done() {
		eta = "done"
	}
	last := "—"
	if lp := m.lastPoll(); !lp.IsZero() {
		last = lp.Format("15:04:05")
	}
	end := now
	if m.Done() {
		end = m.lastPoll() // the clock stops with the job
	}
	out = append(out, fmt.Sprintf("rate %s · ETA %s · elapsed %s · last poll %s",
		rate, eta, fmtDuration(end.Sub(m.started)), last))

	// Several jobs: one line per batch.
	if len(m.jobs) > 1 {
		for _, j := range m.jobs {
			out = append(out, campaign.SanitizeLine(m.jobLine(j), w))
		}
	}
	// Poll errors: a warning, never fatal.
	for _, j := range m.jobs {
		if j.fatal != nil {
			head := fmt.Sprintf("✗ stopped watching %s: the API refused the status request", j.id)
			out = append(out, st.Error.Render(campaign.SanitizeLine(head, w)))
			// Wrapped, not cut: the API's reason and our hint are the point.
			msg := ansi.Wrap(campaign.SanitizeLine(j.fatal.Error(), 0), max(10, w-2), "")
			for _, l := range strings.Split(msg, "\n") {
				out = append(out, st.Error.Render("  "+l))
			}
			continue
		}
		if j.lastErr == nil {
			continue
		}
		// Truncated, not rounded: the policy's jitter must not make the
		// same wait read 1 s on one screen and 2 s on the next.
		wait := max(0, j.nextRetry.Sub(now)).Truncate(time.Second)
		head := fmt.Sprintf("⚠ poll of %s failed (%d in a row) — retrying in %s", j.id, j.failures, fmtDuration(wait))
		if j.throttled {
			when := "in " + fmtDuration(wait)
			if wait <= 0 {
				when = "as the poll budget allows" // due, waiting its turn
			}
			head = fmt.Sprintf("⚠ the API asked to slow down (%s) — polling again %s", j.id, when)
		}
		out = append(out, st.Warning.Render(campaign.SanitizeLine(head, w)))
		out = append(out, st.Warning.Render(campaign.SanitizeLine("  "+j.lastErr.Error(), w)))
	}
	if m.Done() {
		out = append(out, "")
		out = append(out, m.summaryView(w, m.height-len(out)-extra)...)
	}
	return out
}

func (m *progressModel) lastPoll() time.Time {
	var t time.Time
	for _, j := range m.jobs {
		if j.lastPoll.After(t) {
			t = j.lastPoll
		}
	}
	return t
}

func (m *progressModel) jobLine(j *watchedJob) string {
	label := "job"
	if j.batch >= 0 {
		label = fmt.Sprintf("batch %d", j.batch+1)
	}
	status, detail := "waiting for first poll", ""
	if j.fatal != nil {
		status = "not watched"
	}
	if j.job != nil {
		status = j.job.Status
		switch {
		case j.lastPoll.IsZero():
			detail = "waiting for its first poll"
		case j.job.Total != nil:
			detail = fmt.Sprintf("%d/%d sent, %d failed", deref(j.job.Sent), *j.job.Total, deref(j.job.Failed))
		default:
			detail = "no counts"
		}
	}
	return fmt.Sprintf("  %-8s %-22s %-11s %s", label, j.id, status, detail)
}

// statusBadge is the aggregate status: the one status, or a mix.
func (m *progressModel) statusBadge() string {
	st := m.c.Styles
	seen := map[string]int{}
	var order []string
	for _, j := range m.jobs {
		s := "…"
		switch {
		case j.end == campaign.EndLost:
			s = "LOST"
		case j.job != nil && j.job.Status != "":
			s = campaign.SanitizeLine(j.job.Status, 20)
		case j.fatal != nil:
			s = "UNKNOWN"
		}
		if seen[s] == 0 {
			order = append(order, s)
		}
		seen[s]++
	}
	var parts []string
	for _, s := range order {
		p := s
		if len(m.jobs) > 1 {
			p = fmt.Sprintf("%d %s", seen[s], s)
		}
		switch s {
		case "COMPLETED":
			p = st.Success.Render(p)
		case "FAILED", "CANCELLED", "UNKNOWN", "LOST":
			p = st.Error.Render(p)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}

// summaryView: the final word, and the failures when the API lists them,
// scrolling in the avail lines left.
func (m *progressModel) summaryView(w, avail int) []string {
	st := m.c.Styles
	c := m.counts()
	var out []string
	final := m.statusBadge()
	label := "Finished: "
	if m.FatalErr() != nil {
		label = "Ended: " // a lost or unreachable job has not finished
	}
	if o := m.outcome(); o.Incomplete() {
		// The totals count the recipients never sent: a partial send
		// never reads as done.
		warn := func(text string) {
			// Wrapped, not cut: every word of the outcome matters.
			for _, l := range strings.Split(ansi.Wrap(campaign.SanitizeLine(text, 0), max(10, w), ""), "\n") {
				out = append(out, st.Warning.Render(l))
			}
		}
		warn(o.Headline())
		if o.Resumable() {
			warn(fmt.Sprintf("press R to send the rest (spotcast resume %s)", o.CampaignID))
		}
		if o.Unknown > 0 {
			warn(fmt.Sprintf("%s may or may not have been sent: check the dashboard before sending them again", campaign.Plural(o.Unknown, "recipient", "recipients")))
		}
		label = "Jobs: "
	}
	if c.ok {
		out = append(out, st.Header.Render(label)+final+fmt.Sprintf(" — %s sent, %s failed of %s",
			commas(c.sent), commas(c.failed), commas(c.total)))
	} else {
		out = append(out, st.Header.Render(label)+final)
	}
	fails := m.failures()
	if len(fails) == 0 {
		if c.failed > 0 || m.failed() {
			out = append(out, st.Muted.Render("per-recipient failures are not available from the API"))
		}
		return out
	}
	out = append(out, st.Error.Render(fmt.Sprintf("%s failed recipient(s):", commas(len(fails)))))
	t := &m.failTable
	// At least a few rows, even if the screen then cuts something below.
	t.setHeight(max(3, avail-len(out)-1)) // the export line
	t.setRows(len(fails))
	from, to := t.visible()
	for i := from; i < to; i++ {
		f := fails[i]
		prefix := "  "
		if i == t.cursor && len(fails) > t.height {
			prefix = "> "
		}
		line := fmt.Sprintf("%s%-18s %s", prefix, campaign.SanitizeLine(f.recipient, 18), campaign.SanitizeLine(f.err, max(10, w-22)))
		out = append(out, line)
	}
	switch {
	case m.exportErr != nil:
		out = append(out, st.Error.Render(campaign.SanitizeLine("export failed: "+m.exportErr.Error(), w)))
	case m.exported != "":
		out = append(out, st.Success.Render("exported to ")+campaign.SanitizeLine(m.exported, w-12))
	}
	return out
}

// fmtDuration is a compact h/m/s duration ("1h02m", "3m05s", "12s").
func fmtDuration(d time.Duration) string {
	d = d.Round(time.Second)
	h, mnt, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh%02dm", h, mnt)
	case mnt > 0:
		return fmt.Sprintf("%dm%02ds", mnt, s)
	}
	return fmt.Sprintf("%ds", s)
}

// --- help ---

func (m *progressModel) ShortHelp() []key.Binding {
	k := m.keys
	if !m.Done() {
		return []key.Binding{k.Detach}
	}
	out := []key.Binding{k.Quit}
	if m.outcome().Resumable() {
		out = append(out, k.Resume)
	}
	if n := len(m.failures()); n > 0 {
		out = append(out, k.Export, k.Resend)
		if n > m.failTable.height {
			out = append(out, k.Up)
		}
	}
	return out
}

func (m *progressModel) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }
