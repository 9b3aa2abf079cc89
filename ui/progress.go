package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	tea "github.com/charmbracelet/bubbletea"

	"spotcast/campaign"
	"spotcast/ui/common"
	"spotcast/ui/components"
)

// resendFailedMsg asks the root to start a new campaign, the same message to
// the recipients a finished job reported as failed that may succeed again.
// Message is the campaign's message when the view knows it (sent from
// Review); else the root reads the campaign file.
type resendFailedMsg struct {
	Recipients []string
	Message    *campaign.Campaign
}

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
	// rateSeen: this watch has had a counted reply; rateBase is its
	// processed count then (the rate counts only what changed since).
	rateSeen bool
	rateBase int
	// failsListed: the job is in the tally's failures.
	failsListed bool
}

func (j *watchedJob) terminal() bool { return j.end == campaign.EndFinished }

// ended: nothing more will be learnt about the job (it ended, or it can no
// longer be polled).
func (j *watchedJob) ended() bool { return j.end != "" }

type progressKeys struct {
	Quit, Detach, Export, Resend, Resume key.Binding
	Scroll                               components.ScrollKeys
}

func newProgressKeys() progressKeys {
	return progressKeys{
		Quit:   key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		Detach: key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "detach")),
		Export: key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "export failed")),
		Resend: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "re-send")),
		Resume: key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "resume")),
		Scroll: components.ScrollKeys{
			Up:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/↓", "scroll")),
			Down:   key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("j/k", "scroll")),
			PgUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup/pgdn", "page")),
			PgDown: key.NewBinding(key.WithKeys("pgdown")),
			Home:   key.NewBinding(key.WithKeys("home"), key.WithHelp("home/end", "top/bottom")),
			End:    key.NewBinding(key.WithKeys("end")),
		},
	}
}

// progressModel is the last screen: synchronous results, and live bulk jobs.
type progressModel struct {
	c      *common.Common
	keys   progressKeys
	width  int
	height int

	gen        int
	campaignID string
	batches    []campaign.BatchResult // the synchronous / not accepted ones
	jobs       []*watchedJob
	byID       map[string]*watchedJob
	tally      jobTally
	started    time.Time
	bar        progress.Model

	// message is the campaign sent, when known (from Review): re-send
	// takes it, and synchronous results pair message ids with recipients
	// (syncTo, by batch index).
	message *campaign.Campaign
	syncTo  map[int][]string
	// syncLines caches the synchronous batches' lines for syncW.
	syncLines []string
	syncW     int

	body      lineScroll
	exported  string
	exportErr error
	notice    string

	// funnel is the campaign's delivery funnel from the webhooks.
	funnel *funnelPanel

	// polls runs the watch policy for these jobs.
	polls      pollPump
	outcomeSub *campaign.Submission // what was sent, for the outcome line

	// Seams for tests: the status request and the timer.
	fetch func(ctx context.Context, id string) (*campaign.Job, error)
	tick  func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd
}

var _ common.Component = (*progressModel)(nil)

func newProgress(c *common.Common) *progressModel {
	m := &progressModel{
		c:      c,
		keys:   newProgressKeys(),
		tick:   tea.Tick,
		funnel: newFunnelPanel(c, "progress"),
		bar: progress.New(progress.WithWidth(40), progress.WithoutPercentage(),
			progress.WithSolidFill("#25D366"), progress.WithColorProfile(c.Renderer.ColorProfile())),
	}
	m.funnel.onceHeard = true
	m.SetSize(c.Width, c.Height)
	return m
}

func (m *progressModel) now() time.Time {
	if m.c.Clock != nil {
		return m.c.Clock()
	}
	return time.Now()
}

func (m *progressModel) reset() {
	m.gen++
	m.campaignID = ""
	m.batches, m.jobs, m.byID = nil, nil, nil
	m.polls.stop()
	m.funnel.Stop()
	m.outcomeSub = nil
	m.message, m.syncTo, m.syncLines = nil, nil, nil
	m.tally.reset(nil)
	m.started = m.now()
	m.body = lineScroll{}
	m.exported, m.exportErr, m.notice = "", nil, ""
}

// StartSubmissionOf is StartSubmission from Review, which knows the
// campaign: re-send keeps its message, and synchronous results name the
// recipient of each message id (batches split as Submit split them).
func (m *progressModel) StartSubmissionOf(s *campaign.Submission, c campaign.Campaign, batchSize int) tea.Cmd {
	cmd := m.StartSubmission(s)
	if s == nil {
		return cmd
	}
	m.message = &c
	n := len(c.Recipients)
	for _, b := range m.batches {
		if b.State != campaign.StateAccepted || len(b.Outcome.Messages) == 0 {
			continue
		}
		from, to := 0, n
		if batchSize > 0 && batchSize < n {
			from, to = b.Index*batchSize, min((b.Index+1)*batchSize, n)
		}
		if from >= to || to-from != b.Recipients {
			continue // not the split we know: ids alone
		}
		if m.syncTo == nil {
			m.syncTo = map[int][]string{}
		}
		m.syncTo[b.Index] = c.Recipients[from:to]
	}
	m.syncLines = nil
	return cmd
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
			m.addJob(j)
			continue
		}
		m.batches = append(m.batches, b)
	}
	return tea.Batch(m.startPolling(), m.funnel.Watch(m.campaignID))
}

// addJob watches j (in batch order) and counts it in.
func (m *progressModel) addJob(j *watchedJob) {
	if m.byID == nil {
		m.byID = map[string]*watchedJob{}
	}
	if m.byID[j.id] != nil {
		return // the same job twice is watched once
	}
	m.byID[j.id] = j
	m.jobs = append(m.jobs, j)
	m.tally.add(j, 1)
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
			m.addJob(j)
			continue
		}
		res := campaign.BatchResult{Index: b.Index, Recipients: b.Recipients, Groups: b.Groups, State: b.State,
			Outcome: campaign.SendOutcome{Messages: b.Messages}}
		if b.Error != "" {
			res.Err = errors.New(b.Error)
		}
		m.batches = append(m.batches, res)
	}
	return tea.Batch(m.startPolling(), m.funnel.Watch(m.campaignID))
}

// stop forgets the jobs; late poll replies are dropped (the generation
// moves on).
func (m *progressModel) stop() { m.reset() }

// CampaignID is the campaign watched ("": jobs watched by ID).
func (m *progressModel) CampaignID() string { return m.campaignID }

// SetNotice shows a one-line notice (why a key did nothing, say).
func (m *progressModel) SetNotice(s string) { m.notice = s }

// successor is a fresh view whose generation continues this one's, so
// this one's late poll replies are dropped, with the same fetch and clock.
func (m *progressModel) successor() *progressModel {
	np := newProgress(m.c)
	np.gen = m.gen
	np.fetch, np.tick = m.fetch, m.tick
	np.funnel.tick = m.funnel.tick
	return np
}

// StartWatch watches existing jobs (spotcast watch, the jobs list).
func (m *progressModel) StartWatch(jobIDs []string) tea.Cmd {
	m.reset()
	for _, id := range jobIDs {
		m.addJob(&watchedJob{id: id, batch: -1})
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
	parent := m.c.Ctx()
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, pollTimeout)
		defer cancel()
		job, err := fetch(ctx, id)
		return jobStatusMsg{id: id, gen: gen, job: job, err: err}
	}
}

func (m *progressModel) find(id string) *watchedJob { return m.byID[id] }

// Done reports whether every job reached a final status or can no longer be
// polled (true at once for purely synchronous sends).
func (m *progressModel) Done() bool { return m.tally.ended == len(m.jobs) }

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
	m.syncLines = nil
	m.funnel.SetSize(width, height)
	m.measure()
}

// Modal: the funnel's drill-down has the keyboard (esc goes back in it).
func (m *progressModel) Modal() bool { return m.funnel.Drilling() }

func (m *progressModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.update(msg)
	if ours(msg) {
		m.measure()
	}
	return m, cmd
}

func (m *progressModel) update(msg tea.Msg) tea.Cmd {
	if cmd, ok := m.funnel.Update(msg); ok {
		return cmd
	}
	switch msg := msg.(type) {
	case pumpTickMsg:
		if msg.owner != "progress" || !m.polls.woken(msg, m.gen) {
			return nil // a tick superseded by an earlier one
		}
		return m.pump()
	case jobStatusMsg:
		if msg.gen != m.gen {
			return nil
		}
		j := m.find(msg.id)
		if j == nil {
			return nil
		}
		return m.handleStatus(j, msg)
	case clockTickMsg:
		if msg.gen != m.gen || m.Done() {
			return nil // the clock stops with the last job
		}
		return m.clockTick()
	case exportDoneMsg:
		if msg.gen == m.gen {
			m.exported, m.exportErr = msg.path, msg.err
		}
		return nil
	case journalErrMsg:
		m.notice = "journal: " + msg.err.Error()
		return nil
	case resumedMsg:
		if msg.gen != m.gen {
			return nil
		}
		if msg.sub == nil {
			m.notice = "resume: " + campaign.Sanitize(msg.err.Error())
			return nil
		}
		cmd := m.StartSubmission(msg.sub)
		if msg.err != nil {
			m.notice = "resume: " + campaign.Sanitize(msg.err.Error())
		}
		return cmd
	case tea.KeyMsg:
		return m.handleKey(msg)
	}
	return nil
}

// ours: the messages that can change what the view shows.
func ours(msg tea.Msg) bool {
	switch msg.(type) {
	case pumpTickMsg, jobStatusMsg, clockTickMsg, exportDoneMsg, journalErrMsg, resumedMsg, tea.KeyMsg,
		funnelReportMsg, funnelRecipientsMsg, funnelExportMsg:
		return true
	}
	return false
}

func (m *progressModel) handleStatus(j *watchedJob, msg jobStatusMsg) tea.Cmd {
	now := m.now()
	u, ok := m.polls.poller.Report(j.id, msg.job, msg.err, now)
	if !ok {
		return nil
	}
	// The job's old state out of the aggregates, its new one in.
	m.tally.add(j, -1)
	j.lastPoll = now
	j.failures, j.lastErr, j.throttled, j.nextRetry = u.Failures, u.Err, u.Throttled, u.NextPoll
	j.end = u.End
	if u.End != "" && u.End != campaign.EndFinished {
		j.fatal = u.Err
	}
	fresh := u.Err == nil && u.Job != nil
	if fresh {
		j.job = u.Job
	}
	m.tally.polled(j, now, fresh)
	m.tally.add(j, 1)
	var cmds []tea.Cmd
	if fresh {
		if len(u.Job.Failures) > 0 || j.failsListed {
			m.tally.failuresChanged(j)
		}
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
	jr := m.c.Store
	// A job watched without its campaign (spotcast watch) has nothing to
	// be journaled against: an event without a campaign ID is damage.
	if jr == nil || j.job == nil || m.campaignID == "" || j.batch < 0 {
		return nil
	}
	cid, batch, id, job := m.campaignID, j.batch, j.id, *j.job
	return func() tea.Msg {
		if err := campaign.RecordJobStatus(jr, cid, batch, id, job.Status, job.Total, job.Sent, job.Failed, job.Pending); err != nil {
			return journalErrMsg{err: err}
		}
		return nil
	}
}

func (m *progressModel) counts() counts { return m.tally.counts() }

func (m *progressModel) rate() float64 { return m.tally.rate() }

// failures lists every failed recipient the API reported: those that may
// succeed again first, then the permanent ones (for the export).
func (m *progressModel) failures() []failedRow {
	r, p := m.tally.retryable(), m.tally.permanentFails()
	if len(p) == 0 {
		return r
	}
	return append(append(make([]failedRow, 0, len(r)+len(p)), r...), p...)
}

func (m *progressModel) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	if m.funnel.Drilling() {
		return m.funnel.Key(msg)
	}
	switch {
	case key.Matches(msg, k.Quit):
		return func() tea.Msg { return progressQuitMsg{} }
	case m.funnel.OpenKey(msg):
		m.funnel.Open()
	case m.Done() && key.Matches(msg, k.Resume) && m.outcome().Resumable():
		return m.resumeCmd()
	case m.Done() && key.Matches(msg, k.Export) && m.tally.failCount() > 0:
		return m.exportCmd()
	case m.Done() && key.Matches(msg, k.Resend) && len(m.tally.retryable()) > 0:
		var rs []string
		seen := map[string]bool{}
		// Only what may succeed again: a number not on WhatsApp, or one
		// that blocked us, fails the same way a second time.
		for _, f := range m.tally.retryable() {
			r := strings.TrimPrefix(strings.TrimSpace(campaign.Sanitize(f.recipient)), "+")
			if r != "" && !seen[r] {
				seen[r] = true
				rs = append(rs, r)
			}
		}
		message := m.message
		return func() tea.Msg { return resendFailedMsg{Recipients: rs, Message: message} }
	default:
		m.body.scroll(msg, k.Scroll)
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
	eng := m.c.Engine.WithStore(m.c.Store)
	id, gen, ctx := m.outcomeSub.CampaignID, m.gen, m.c.Ctx()
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
