package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"spotcast/campaign"
	"spotcast/ui/common"
	"spotcast/ui/components"
)

// jobsWatchCap bounds how many of the running jobs on screen are watched
// at once; the engine's poll budget bounds the requests whatever the count.
const jobsWatchCap = 64

// Jobs-list messages carry the list's generation: replies to a list that
// was closed or reloaded since are dropped.
type (
	jobsLoadedMsg struct {
		gen      int
		path     string
		records  []campaign.CampaignRecord
		total    int // campaigns in all, beyond the page listed
		warnings []string
		err      error
	}
	jobsStatusMsg struct {
		gen        int
		campaignID string
		batch      int
		id         string
		job        *campaign.Job
		err        error
	}
	// watchCampaignMsg asks the root to re-attach the progress view.
	watchCampaignMsg struct{ rec campaign.CampaignRecord }
)

// liveJob is what polling learnt about one job since the list opened.
type liveJob struct {
	job       *campaign.Job
	err       error
	end       campaign.JobEnd // set when the policy stopped watching it
	throttled bool            // the last answer asked us to slow down
	journaled string
	// where the job sits in the journal
	campaignID string
	batch      int
}

type jobsKeys struct {
	components.ScrollKeys
	Move, Watch, Reload, Quit key.Binding
}

func newJobsKeys() jobsKeys {
	return jobsKeys{
		Move: key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "select")),
		ScrollKeys: components.ScrollKeys{
			Up:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
			Down:   key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
			PgUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
			PgDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
			Home:   key.NewBinding(key.WithKeys("home"), key.WithHelp("home", "newest")),
			End:    key.NewBinding(key.WithKeys("end"), key.WithHelp("end", "oldest")),
		},
		Watch:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "watch")),
		Reload: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reload")),
		Quit:   key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
	}
}

// jobsModel lists the journal's campaigns, newest first, two lines each,
// with the selected one's batches below.
type jobsModel struct {
	c      *common.Common
	keys   jobsKeys
	width  int
	height int

	gen      int
	open     bool
	loading  bool
	path     string
	records  []campaign.CampaignRecord
	warnings []string        // new warnings of the last load
	warned   map[string]bool // warnings already shown this session
	loadErr  error
	table    components.Table
	live     map[string]*liveJob
	notice   string

	// polls runs the engine's watch policy on the running jobs on screen.
	polls pollPump
	// funnel is the selected campaign's delivery funnel.
	funnel *funnelPanel

	// Seams for tests: the status request and the timer.
	fetch func(ctx context.Context, id string) (*campaign.Job, error)
	tick  func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd
	// total: the campaigns the store holds (the list is a page of them);
	// carried: warnings from importing the old files, shown once.
	total   int
	carried []string
}

var _ common.Component = (*jobsModel)(nil)

func newJobs(c *common.Common) *jobsModel {
	return &jobsModel{c: c, keys: newJobsKeys(), warned: map[string]bool{}, live: map[string]*liveJob{}, tick: tea.Tick,
		funnel: newFunnelPanel(c, "jobs")}
}

// Open reads the journal afresh (off the UI goroutine) and starts polling.
func (m *jobsModel) Open() tea.Cmd {
	m.gen++
	m.open, m.loading = true, true
	m.live = map[string]*liveJob{}
	m.polls.start(m.c.Engine)
	m.notice = ""
	st := m.c.Store
	if st == nil {
		m.loading, m.records = false, nil
		m.loadErr = m.c.StoreErr
		if m.loadErr == nil {
			m.loadErr = fmt.Errorf("no state directory is configured (--state-dir), so there are no campaigns to list")
		}
		return nil
	}
	gen, path := m.gen, st.Where()
	m.path = path
	// Over SSH an operator sees (re-attaches to, exports, re-sends) only
	// their own campaigns: other operators' recipients are not theirs.
	q := campaign.CampaignQuery{Limit: jobsPage}
	if m.c.OwnCampaignsOnly {
		q.Operator = m.c.Operator
	}
	return func() tea.Msg {
		p, err := st.Campaigns(q)
		return jobsLoadedMsg{gen: gen, path: path, records: p.Campaigns, total: p.Total, warnings: p.Warnings, err: err}
	}
}

// Carry shows warnings found before the list was read (importing the
// old files) once, with the list's own.
func (m *jobsModel) Carry(warnings []string) { m.carried = warnings }

// jobsPage is how many of the newest campaigns the Jobs screen lists;
// `spotcast jobs --page` reaches the older ones.
const jobsPage = 500

// Close stops polling; replies still in flight are dropped.
func (m *jobsModel) Close() {
	m.gen++
	m.open, m.loading = false, false
	m.polls.stop()
	m.funnel.Stop()
}

// Modal: the funnel's drill-down has the keyboard (esc goes back in it).
func (m *jobsModel) Modal() bool { return m.funnel.Drilling() }

// watchFunnel follows the selected campaign's funnel.
func (m *jobsModel) watchFunnel() tea.Cmd {
	id := ""
	if r := m.selected(); r != nil {
		id = r.CampaignID
	}
	cmd := m.funnel.Watch(id)
	m.layoutTable()
	return cmd
}

func (m *jobsModel) Init() tea.Cmd { return nil }

func (m *jobsModel) SetSize(width, height int) {
	m.width, m.height = width, height
	m.funnel.SetSize(width, height)
	m.layoutTable()
}

func (m *jobsModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if cmd, ok := m.funnel.Update(msg); ok {
		if m.open {
			m.layoutTable() // the funnel's first report takes room
			return m, cmd
		}
		return m, nil
	}
	switch msg := msg.(type) {
	case jobsLoadedMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		m.loading = false
		m.records, m.loadErr = msg.records, msg.err
		m.warnings, m.total = nil, msg.total
		msg.warnings = append(slices.Clip(m.carried), msg.warnings...) // never into carried's array
		for _, w := range msg.warnings {
			if !m.warned[w] {
				m.warned[w] = true
				m.warnings = append(m.warnings, w)
			}
		}
		m.table.SetRows(len(m.records))
		m.layoutTable()
		return m, tea.Batch(m.poll(), m.watchFunnel())
	case pumpTickMsg:
		if msg.owner != "jobs" || !m.open || !m.polls.woken(msg, m.gen) {
			return m, nil
		}
		return m, m.pump()
	case jobsStatusMsg:
		if msg.gen != m.gen || m.polls.poller == nil {
			return m, nil
		}
		lj := m.live[msg.id]
		u, ok := m.polls.poller.Report(msg.id, msg.job, msg.err, m.c.Now())
		if lj == nil || !ok {
			return m, m.pump()
		}
		lj.err, lj.end, lj.throttled = u.Err, u.End, u.Throttled
		if u.Err != nil || u.Job == nil {
			return m, m.pump()
		}
		lj.job = u.Job
		return m, tea.Batch(m.journalCmd(msg, lj), m.pump())
	case tea.KeyMsg:
		return m, m.handleKey(msg)
	}
	return m, nil
}

// journalCmd records a status the journal has not seen (off the UI
// goroutine: the journal fsyncs), so `spotcast jobs` shows it too.
func (m *jobsModel) journalCmd(msg jobsStatusMsg, lj *liveJob) tea.Cmd {
	jr := m.c.Store
	if jr == nil || msg.campaignID == "" || msg.batch < 0 || lj.journaled == msg.job.Status {
		return nil
	}
	lj.journaled = msg.job.Status
	cid, batch, id, job := msg.campaignID, msg.batch, msg.id, *msg.job
	return func() tea.Msg {
		_ = campaign.RecordJobStatus(jr, cid, batch, id, job.Status, job.Total, job.Sent, job.Failed, job.Pending)
		return nil // best effort: the list shows the live status anyway
	}
}

// status is a batch's job status: the live one, else the journal's.
func (m *jobsModel) status(b campaign.BatchRecord) string {
	if lj := m.live[b.JobID]; lj != nil && lj.job != nil {
		return lj.job.Status
	}
	return b.JobStatus
}

func (m *jobsModel) running(b campaign.BatchRecord) bool {
	if lj := m.live[b.JobID]; lj != nil && lj.end != "" {
		return false // the policy stopped watching it (ended, lost, refused)
	}
	return b.State == campaign.StateAccepted && b.JobID != "" && !campaign.IsTerminal(m.status(b))
}

func (m *jobsModel) anyRunning() bool {
	for _, r := range m.records {
		for _, b := range r.Batches {
			if m.running(b) {
				return true
			}
		}
	}
	return false
}

// poll hands the running jobs on screen to the watch policy (jobs
// scrolled away are dropped, jobs kept keep their place) and pumps.
func (m *jobsModel) poll() tea.Cmd {
	if m.polls.poller == nil {
		return nil
	}
	from, to := m.table.Visible()
	var ids []string
	for i := from; i < to && len(ids) < jobsWatchCap; i++ {
		r := m.records[i]
		for _, b := range r.Batches {
			if len(ids) >= jobsWatchCap {
				break
			}
			if !m.running(b) {
				continue
			}
			if m.live[b.JobID] == nil {
				m.live[b.JobID] = &liveJob{journaled: b.JobStatus, campaignID: r.CampaignID, batch: b.Index}
			}
			ids = append(ids, b.JobID)
		}
	}
	m.polls.poller.Retain(ids)
	m.polls.poller.Add(ids...)
	return m.pump()
}

func (m *jobsModel) pump() tea.Cmd {
	return m.polls.pump(m.c.Now(), m.gen, "jobs", m.tick, m.fetchCmd)
}

// fetchCmd copies what it needs: it runs on another goroutine.
func (m *jobsModel) fetchCmd(id string) tea.Cmd {
	gen, fetch, eng, parent := m.gen, m.fetch, m.c.Engine, m.c.Ctx()
	lj := m.live[id]
	cid, batch := "", -1
	if lj != nil {
		cid, batch = lj.campaignID, lj.batch
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, pollTimeout)
		defer cancel()
		var job *campaign.Job
		var err error
		switch {
		case fetch != nil:
			job, err = fetch(ctx, id)
		case eng == nil || eng.API == nil:
			err = fmt.Errorf("no API configured")
		default:
			job, err = eng.API.GetJob(ctx, id)
		}
		return jobsStatusMsg{gen: gen, campaignID: cid, batch: batch, id: id, job: job, err: err}
	}
}

func (m *jobsModel) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	if m.funnel.Drilling() {
		return m.funnel.Key(msg)
	}
	t := &m.table
	before := t.Offset
	switch {
	case m.funnel.OpenKey(msg):
		m.funnel.Open()
		return nil
	case key.Matches(msg, k.Quit):
		return func() tea.Msg { return progressQuitMsg{} }
	case key.Matches(msg, k.Reload):
		return m.Open()
	case key.Matches(msg, k.Watch):
		return m.watch()
	default:
		t.Scroll(msg, k.ScrollKeys)
	}
	m.notice = ""
	m.layoutTable() // the new selection's details may take other room
	cmd := m.watchFunnel()
	if t.Offset != before {
		return tea.Batch(cmd, m.poll()) // rows scrolled into view get their status now
	}
	return cmd
}

func (m *jobsModel) selected() *campaign.CampaignRecord {
	if m.table.Cursor < 0 || m.table.Cursor >= len(m.records) {
		return nil
	}
	return &m.records[m.table.Cursor]
}

// watch re-attaches the progress view to the selected campaign's jobs.
func (m *jobsModel) watch() tea.Cmd {
	r := m.selected()
	if r == nil {
		return nil
	}
	jobs := 0
	for _, b := range r.Batches {
		if b.State == campaign.StateAccepted && b.JobID != "" {
			jobs++
		}
	}
	if jobs == 0 {
		m.notice = "this campaign has no bulk jobs to watch: its batches were sent synchronously or never accepted"
		return nil
	}
	rec := *r
	for i, b := range rec.Batches {
		// The latest status known, so the view does not start behind.
		if lj := m.live[b.JobID]; lj != nil && lj.job != nil {
			rec.Batches[i].JobStatus = lj.job.Status
		}
	}
	rec.Batches = append([]campaign.BatchRecord(nil), rec.Batches...)
	return func() tea.Msg { return watchCampaignMsg{rec: rec} }
}

// --- layout and view ---

// rowLines is the height of one campaign in the list.
const rowLines = 2

// detailBatches is how many of the selected campaign's batches are listed.
const detailBatches = 5

func (m *jobsModel) headLines() int {
	n := 1 // title
	if m.notice != "" {
		n++
	}
	if len(m.warnings) > 0 {
		n += min(len(m.warnings), 2) + 1
	}
	return n
}

// shownBatches is how many of the selected campaign's batches are listed:
// up to detailBatches lines (the last one saying how many more), leaving
// the list room for at least two campaigns.
func (m *jobsModel) shownBatches(r campaign.CampaignRecord) int {
	room := m.height - m.headLines() - 2*rowLines - 2 - len(m.hintLines(r, max(20, m.width))) - len(m.funnel.Lines(max(20, m.width)))
	room = max(min(room, detailBatches), 0)
	if len(r.Batches) <= room {
		return len(r.Batches)
	}
	return max(room-1, 0)
}

func (m *jobsModel) detailLines() int {
	r := m.selected()
	if r == nil {
		return 0
	}
	shown := m.shownBatches(*r)
	n := 2 + shown // blank, heading, batches
	if shown < len(r.Batches) {
		n++
	}
	n += len(m.funnel.Lines(max(20, m.width)))
	return n + len(m.hintLines(*r, max(20, m.width)))
}

func (m *jobsModel) layoutTable() {
	avail := m.height - m.headLines() - m.detailLines()
	m.table.SetHeight(max(1, avail/rowLines))
}

func (m *jobsModel) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	if m.funnel.Drilling() {
		return m.funnel.DrillView(m.width, m.height)
	}
	st := m.c.Styles
	w := max(20, m.width)
	var lines []string
	title := st.Title.Render("Campaigns")
	if !m.loading && m.loadErr == nil {
		if m.total > len(m.records) {
			// The page listed; `spotcast jobs` pages through the rest.
			title += st.Muted.Render(fmt.Sprintf(" (newest %s of %s; spotcast jobs lists the rest)", commas(len(m.records)), commas(m.total)))
		} else {
			title += st.Muted.Render(fmt.Sprintf(" (%s) · newest first", commas(len(m.records))))
		}
	}
	lines = append(lines, title)
	if len(m.warnings) > 0 {
		lines = append(lines, st.Warning.Render(campaign.SanitizeLine("⚠ "+campaign.Plural(len(m.warnings), "problem", "problems")+" reading the journal:", w)))
		for i, wn := range m.warnings {
			if i == 2 {
				break
			}
			// The path is the journal's, said once above.
			wn = strings.TrimPrefix(wn, m.path+" ")
			if i := strings.Index(wn, campaign.JournalFile+" line "); i >= 0 {
				wn = "journal" + wn[i+len(campaign.JournalFile):]
			}
			lines = append(lines, st.Warning.Render(campaign.SanitizeLine("  "+wn, w)))
		}
	}
	if m.notice != "" {
		lines = append(lines, st.Muted.Render(campaign.SanitizeLine(m.notice, w)))
	}
	switch {
	case m.loading:
		lines = append(lines, st.Muted.Render("Reading the journal…"))
	case m.loadErr != nil:
		lines = append(lines, st.Error.Width(w).Render(campaign.Sanitize(m.loadErr.Error())))
	case len(m.records) == 0:
		lines = append(lines, st.Muted.Render(campaign.SanitizeLine("No submissions yet: campaigns appear here once sent (kept in "+m.path+").", w)))
	default:
		from, to := m.table.Visible()
		for i := from; i < to; i++ {
			lines = append(lines, m.rowView(i, w)...)
		}
		lines = append(lines, m.detailView(w)...)
	}
	return clampView(strings.Join(lines, "\n"), m.width, m.height)
}

// rowView is one campaign: who, when, what; then where its batches stand.
func (m *jobsModel) rowView(i, w int) []string {
	st := m.c.Styles
	r := m.records[i]
	created := "created ?"
	if !r.CreatedAt.IsZero() {
		created = r.CreatedAt.In(m.c.Loc()).Format("Mon 2 Jan 15:04")
	}
	typ := string(r.Type)
	if typ == "" {
		typ = "?"
	}
	who := campaign.Plural(r.Recipients, "recipient", "recipients")
	if r.Groups > 0 {
		who += ", " + campaign.Plural(r.Groups, "group", "groups")
	}
	head := fmt.Sprintf("%s  %s  %s  %s", r.CampaignID, created, typ, who)
	if r.Operator != "" {
		head += "  by " + r.Operator
	}
	head = campaign.SanitizeLine(head, w-2)
	flag := "  "
	if len(m.hints(r)) > 0 {
		flag = "! "
	}
	second := "  " + flag + campaign.SanitizeLine(m.batchSummary(r), w-4)
	if len(m.hints(r)) > 0 {
		second = st.Warning.Render(second)
	} else {
		second = st.Muted.Render(second)
	}
	if i == m.table.Cursor {
		return []string{st.Selected.Render("> " + head), second}
	}
	return []string{"  " + head, second}
}

// batchSummary: "3 batches: 2 accepted, 1 unknown · jobs 2 RUNNING 37/100".
func (m *jobsModel) batchSummary(r campaign.CampaignRecord) string {
	counts := r.Counts()
	var parts []string
	for _, s := range []campaign.BatchState{campaign.StateAccepted, campaign.StateRejected, campaign.StateUnknown, campaign.StatePending} {
		if n := counts[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	out := campaign.Plural(len(r.Batches), "batch", "batches") + ": " + strings.Join(parts, ", ")
	if r.Incomplete {
		out += " (its created event is missing)"
	}
	if js := m.jobsSummary(r); js != "" {
		out += " · " + js
	}
	return out
}

// jobsSummary aggregates the bulk jobs' last known statuses and counts.
func (m *jobsModel) jobsSummary(r campaign.CampaignRecord) string {
	seen := map[string]int{}
	var order []string
	total, sent, known, jobs := 0, 0, true, 0
	var stale *campaign.BatchRecord // the oldest status only the journal knows
	for _, b := range r.Batches {
		if b.State != campaign.StateAccepted || b.JobID == "" {
			continue
		}
		jobs++
		if lj := m.live[b.JobID]; (lj == nil || lj.job == nil) && campaign.StatusAsOf(b, m.c.Loc(), m.c.Now()) != "" &&
			(stale == nil || b.UpdatedAt.Before(stale.UpdatedAt)) {
			stale = &b
		}
		s := m.status(b)
		if s == "" {
			s = "status unknown"
		}
		if seen[s] == 0 {
			order = append(order, s)
		}
		seen[s]++
		t, se := b.Total, b.Sent
		if lj := m.live[b.JobID]; lj != nil && lj.job != nil {
			t, se = lj.job.Total, lj.job.Sent
		}
		if t == nil {
			known = false
			continue
		}
		total += *t
		sent += deref(se)
	}
	if jobs == 0 {
		return ""
	}
	var sp []string
	for _, s := range order {
		sp = append(sp, fmt.Sprintf("%d %s", seen[s], s))
	}
	out := "jobs " + strings.Join(sp, ", ")
	if known && total > 0 {
		out += fmt.Sprintf(" (%s/%s sent)", commas(sent), commas(total))
	}
	if stale != nil {
		out += " " + campaign.StatusAsOf(*stale, m.c.Loc(), m.c.Now())
	}
	return out
}

// hint is what finishes a campaign with batches never sent: why, and the
// command to run.
type hint struct{ why, command string }

func (m *jobsModel) hints(r campaign.CampaignRecord) []hint {
	c := r.Counts()
	id := campaign.SanitizeLine(r.CampaignID, 0)
	var out []hint
	if n := c[campaign.StatePending] + c[campaign.StateRejected]; n > 0 {
		out = append(out, hint{campaign.Plural(n, "batch", "batches") + " not sent — run", "spotcast resume " + id})
	}
	if n := c[campaign.StateUnknown]; n > 0 {
		out = append(out, hint{campaign.Plural(n, "batch", "batches") + " with unknown outcome (it may have arrived) — only if it did not",
			"spotcast resume " + id + " --include-unknown"})
	}
	return out
}

// detailView lists the selected campaign's first batches and its hints.
func (m *jobsModel) detailView(w int) []string {
	st := m.c.Styles
	r := m.selected()
	if r == nil {
		return nil
	}
	out := []string{"", st.Header.Render(campaign.SanitizeLine(r.CampaignID, w-10)) + st.Muted.Render(" batches")}
	shown := m.shownBatches(*r)
	for i, b := range r.Batches {
		if i == shown {
			out = append(out, st.Muted.Render(fmt.Sprintf("  … and %d more", len(r.Batches)-shown)))
			break
		}
		out = append(out, campaign.SanitizeLine(m.batchLine(b), w))
	}
	out = append(out, m.funnel.Lines(w)...)
	for _, l := range m.hintLines(*r, w) {
		out = append(out, st.Warning.Render(l))
	}
	return out
}

// hintLines are the hints fitted to w; a command is never cut, it goes on
// a line of its own when it does not fit beside its reason.
func (m *jobsModel) hintLines(r campaign.CampaignRecord, w int) []string {
	var out []string
	for _, h := range m.hints(r) {
		line := "! " + h.why + ": " + h.command
		if ansi.StringWidth(line) <= w {
			out = append(out, line)
			continue
		}
		out = append(out, ansi.Truncate("! "+h.why+":", w, "…"), "    "+h.command)
	}
	return out
}

func (m *jobsModel) batchLine(b campaign.BatchRecord) string {
	line := fmt.Sprintf("  batch %-3d %6s  %-8s", b.Index+1, commas(b.Recipients), b.State)
	switch {
	case b.JobID != "":
		line += " job " + b.JobID
		s, t, se, f := m.status(b), b.Total, b.Sent, b.Failed
		lj := m.live[b.JobID]
		if lj != nil && lj.job != nil {
			t, se, f = lj.job.Total, lj.job.Sent, lj.job.Failed
		}
		if s != "" {
			line += " " + s
		}
		if t != nil {
			line += fmt.Sprintf(" %d/%d sent, %d failed", deref(se), *t, deref(f))
		}
		if lj != nil && lj.err != nil {
			switch {
			case lj.throttled:
				line += " · rate limited, waiting"
			case lj.end == campaign.EndLost:
				line += " · lost: the API no longer knows this job"
			case lj.end != "":
				line += " · not watched (" + string(lj.end) + "): " + lj.err.Error()
			default:
				line += " · poll failed: " + lj.err.Error()
			}
		}
		if lj == nil || lj.job == nil {
			// Not polled (yet): the journal's word, which may be old.
			if asOf := campaign.StatusAsOf(b, m.c.Loc(), m.c.Now()); asOf != "" {
				line += " · " + asOf
			}
		}
	case b.State == campaign.StateAccepted:
		line += " " + campaign.Plural(len(b.Messages), "message", "messages")
	case b.Error != "":
		line += " " + b.Error
	}
	return line
}

func (m *jobsModel) ShortHelp() []key.Binding {
	k := m.keys
	if m.funnel.Drilling() {
		return m.funnel.help()
	}
	out := []key.Binding{k.Move}
	if r := m.selected(); r != nil {
		out = append(out, k.Watch)
	}
	out = append(out, m.funnel.help()...)
	return append(out, k.Reload, k.Quit)
}

func (m *jobsModel) FullHelp() [][]key.Binding {
	k := m.keys
	if m.funnel.Drilling() {
		return [][]key.Binding{m.funnel.help()}
	}
	return [][]key.Binding{{k.Up, k.Down, k.PgUp, k.PgDown, k.Home, k.End}, append([]key.Binding{k.Watch}, append(m.funnel.help(), k.Reload, k.Quit)...)}
}
