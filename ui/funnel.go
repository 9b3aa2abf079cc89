package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"spotcast/campaign"
	"spotcast/ui/common"
	"spotcast/ui/components"
)

// funnelEvery is how often a shown funnel is read again from the store: the
// webhooks fill it as WhatsSpot reports, and a count is one query.
const funnelEvery = 3 * time.Second

// Funnel messages carry their panel's owner and generation: a reply for a
// campaign no longer shown is dropped.
type (
	funnelTickMsg struct {
		owner string
		gen   int
	}
	funnelReportMsg struct {
		owner string
		gen   int
		rep   *campaign.Report
		err   error
		took  time.Duration // how long the read took
	}
	funnelRecipientsMsg struct {
		owner, status string
		gen           int
		rows          []campaign.RecipientState
		err           error
	}
	funnelExportMsg struct {
		owner string
		gen   int
		path  string
		err   error
	}
)

type funnelKeys struct {
	Open, Pick, Back, Export key.Binding
	Scroll                   components.ScrollKeys
}

func newFunnelKeys() funnelKeys {
	return funnelKeys{
		Open:   key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "funnel")),
		Pick:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "list")),
		Back:   key.NewBinding(key.WithKeys("esc", "q"), key.WithHelp("esc", "back")),
		Export: key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "export CSV")),
		Scroll: components.ScrollKeys{
			Up:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/↓", "move")),
			Down:   key.NewBinding(key.WithKeys("down", "j")),
			PgUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup/pgdn", "page")),
			PgDown: key.NewBinding(key.WithKeys("pgdown")),
			Home:   key.NewBinding(key.WithKeys("home")),
			End:    key.NewBinding(key.WithKeys("end")),
		},
	}
}

// funnelLevel is where the drill-down is: closed, choosing a status, or
// listing its recipients.
type funnelLevel int

const (
	funnelClosed funnelLevel = iota
	funnelPicking
	funnelListing
)

// funnelPanel is a campaign's delivery funnel as the store reports it
// (campaign.Report: the words and numbers every face shows), refreshed on
// a slow tick, with a drill-down into the recipients of one status. The
// progress view and the Jobs screen each own one.
type funnelPanel struct {
	c     *common.Common
	owner string
	// onceHeard: shown only once the webhooks said something of the
	// campaign (the progress view: until then its jobs' counts say it).
	onceHeard  bool
	keys       funnelKeys
	gen        int
	campaignID string
	rep        *campaign.Report
	err        error

	level    funnelLevel
	pick     int // the row chosen among the report's rows
	status   string
	loading  bool
	rows     []campaign.RecipientState
	listErr  error
	table    components.Table
	exported string
	expErr   error

	tick func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd
}

func newFunnelPanel(c *common.Common, owner string) *funnelPanel {
	return &funnelPanel{c: c, owner: owner, keys: newFunnelKeys(), tick: tea.Tick}
}

// reader is the store's funnel port, when the store has one (the database
// does; the old journal and tests' stores may not).
func (f *funnelPanel) reader() campaign.FunnelReader {
	r, _ := f.c.Store.(campaign.FunnelReader)
	return r
}

// Watch shows campaignID's funnel ("" none): read now, then on the tick.
func (f *funnelPanel) Watch(campaignID string) tea.Cmd {
	if campaignID == f.campaignID && f.gen > 0 {
		return nil
	}
	f.gen++
	f.campaignID, f.rep, f.err = campaignID, nil, nil
	f.level, f.rows, f.exported, f.expErr = funnelClosed, nil, "", nil
	if campaignID == "" || f.reader() == nil {
		return nil
	}
	return f.fetch()
}

// Stop forgets the campaign; replies in flight are dropped.
func (f *funnelPanel) Stop() { f.Watch("") }

// Shown: there is a funnel to show.
func (f *funnelPanel) Shown() bool {
	if f.rep == nil {
		return false
	}
	if !f.onceHeard {
		return true
	}
	x := f.rep.Funnel
	return x.Sent+x.Delivered+x.Read+x.Replied+x.Failed+x.Suppressed+f.rep.Unattributed > 0
}

// Drilling: the drill-down has the keyboard.
func (f *funnelPanel) Drilling() bool { return f.level != funnelClosed }

func (f *funnelPanel) fetch() tea.Cmd {
	r, id, gen, owner := f.reader(), f.campaignID, f.gen, f.owner
	return func() tea.Msg {
		start := time.Now()
		rep, err := r.Report(id)
		return funnelReportMsg{owner: owner, gen: gen, rep: rep, err: err, took: time.Since(start)}
	}
}

// Update handles the panel's own messages (handled false for others).
func (f *funnelPanel) Update(msg tea.Msg) (cmd tea.Cmd, handled bool) {
	switch msg := msg.(type) {
	case funnelTickMsg:
		if msg.owner != f.owner || msg.gen != f.gen {
			return nil, msg.owner == f.owner
		}
		return f.fetch(), true
	case funnelReportMsg:
		if msg.owner != f.owner || msg.gen != f.gen {
			return nil, msg.owner == f.owner
		}
		switch {
		case msg.err != nil:
		case msg.rep != nil && msg.rep.Recipients == 0:
			f.rep = nil // nothing to count (a campaign of groups, one from the old files)
		default:
			f.rep = msg.rep
		}
		f.err = msg.err
		// One read in flight: the next is asked for after this one.
		if f.tick == nil {
			return nil, true
		}
		// A slow read (a campaign of a million recipients takes a second
		// or more) is asked for less often: the store is shared.
		owner, gen := f.owner, f.gen
		return f.tick(max(funnelEvery, 10*msg.took), func(time.Time) tea.Msg { return funnelTickMsg{owner: owner, gen: gen} }), true
	case funnelRecipientsMsg:
		if msg.owner != f.owner || msg.gen != f.gen || msg.status != f.status {
			return nil, msg.owner == f.owner
		}
		f.loading, f.rows, f.listErr = false, msg.rows, msg.err
		f.table = components.Table{Height: f.table.Height}
		f.table.SetRows(len(f.rows))
		return nil, true
	case funnelExportMsg:
		if msg.owner != f.owner || msg.gen != f.gen {
			return nil, msg.owner == f.owner
		}
		f.exported, f.expErr = msg.path, msg.err
		return nil, true
	}
	return nil, false
}

// OpenKey: msg is the key that opens the drill-down (and there is a
// funnel to drill into).
func (f *funnelPanel) OpenKey(msg tea.KeyMsg) bool {
	return f.Shown() && key.Matches(msg, f.keys.Open)
}

// Open starts the drill-down on the funnel's rows.
func (f *funnelPanel) Open() {
	if f.Shown() {
		f.level, f.exported, f.expErr = funnelPicking, "", nil
	}
}

// Key handles a key while drilling.
func (f *funnelPanel) Key(msg tea.KeyMsg) tea.Cmd {
	k := f.keys
	rows := f.rep.Rows()
	switch f.level {
	case funnelPicking:
		switch {
		case key.Matches(msg, k.Back):
			f.level = funnelClosed
		case key.Matches(msg, k.Scroll.Up):
			f.pick = max(f.pick-1, 0)
		case key.Matches(msg, k.Scroll.Down):
			f.pick = min(f.pick+1, len(rows)-1)
		case key.Matches(msg, k.Pick):
			return f.list(rows[f.pick].Status)
		}
	case funnelListing:
		switch {
		case key.Matches(msg, k.Back):
			f.level, f.exported, f.expErr = funnelPicking, "", nil
		case key.Matches(msg, k.Export) && !f.loading && len(f.rows) > 0:
			return f.exportCmd()
		default:
			f.table.Scroll(msg, k.Scroll)
		}
	}
	return nil
}

// list asks the store for the recipients of one status.
func (f *funnelPanel) list(status string) tea.Cmd {
	if status == "" {
		return nil // suppressed numbers are not the campaign's recipients
	}
	f.level, f.status, f.loading, f.rows, f.listErr = funnelListing, status, true, nil, nil
	f.exported, f.expErr = "", nil
	r, id, gen, owner := f.reader(), f.campaignID, f.gen, f.owner
	return func() tea.Msg {
		rows, err := r.RecipientsWith(id, status)
		return funnelRecipientsMsg{owner: owner, gen: gen, status: status, rows: rows, err: err}
	}
}

// exportDir is where exports go: the state directory's exports, or over
// SSH the operator's own import folder's (which no one else reaches).
func exportDir(c *common.Common) string {
	if c.OwnCampaignsOnly && c.ImportDir != "" {
		return filepath.Join(c.ImportDir, "exports")
	}
	return filepath.Join(c.StateDir, "exports")
}

func (f *funnelPanel) exportCmd() tea.Cmd {
	dir := exportDir(f.c)
	path := filepath.Join(dir, fmt.Sprintf("%s-%s-%s.csv", f.status, safeName(f.campaignID), f.c.Now().UTC().Format("20060102T150405Z")))
	rows, gen, owner := f.rows, f.gen, f.owner
	return func() tea.Msg {
		return funnelExportMsg{owner: owner, gen: gen, path: path, err: writeRecipientsCSV(dir, path, rows)}
	}
}

func writeRecipientsCSV(dir, path string, rows []campaign.RecipientState) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot create %s: %w", dir, err)
	}
	out, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("cannot create %s: %w", path, err)
	}
	if err := campaign.WriteRecipientsCSV(out, rows); err != nil {
		out.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// exportedShown is where the export went as the operator knows it: over
// SSH a name in their folder, never a server path.
func (f *funnelPanel) exportedShown() string {
	if f.c.ImportDir == "" || !f.c.OwnCampaignsOnly {
		return f.exported
	}
	return "exports/" + filepath.Base(f.exported)
}

// SetSize fits the recipients' list to h rows: title, blank, status,
// column heading and the export's line are the rest.
func (f *funnelPanel) SetSize(_, h int) { f.table.SetHeight(h - 5) }

// --- view ---

// asOf is the report's time in the operator's zone.
func (f *funnelPanel) asOf() string {
	return f.rep.AsOf.In(f.c.Loc()).Format("15:04:05")
}

// Lines is the funnel in a few lines of w cells: a heading, then the
// statuses with counts and shares in as many columns as fit.
func (f *funnelPanel) Lines(w int) []string {
	if !f.Shown() {
		return nil
	}
	st := f.c.Styles
	head := st.Header.Render("Funnel") + st.Muted.Render(fmt.Sprintf(" as of %s · %s", f.asOf(),
		campaign.Plural(f.rep.Recipients, "recipient", "recipients")))
	if f.rep.Unattributed > 0 {
		head += st.Muted.Render(fmt.Sprintf(" · %s unattributed", commas(f.rep.Unattributed)))
	}
	if f.err != nil {
		head += st.Error.Render(" · " + campaign.SanitizeLine(f.err.Error(), 30))
	}
	out := []string{campaign.SanitizeLine(head, w)}
	rows := f.rep.Rows()
	cells := make([]string, len(rows))
	cw := 0
	for i, r := range rows {
		share := r.ShareText()
		if w < 70 && r.Share >= 0 {
			share = fmt.Sprintf("%.0f%%", r.Share*100) // three columns in 60
		}
		cells[i] = fmt.Sprintf("%s %s %s", r.Label, commas(r.Count), share)
		cw = max(cw, len(cells[i])+2)
	}
	cols := max(1, min(3, (w-2)/cw))
	for i := 0; i < len(cells); i += cols {
		var b strings.Builder
		b.WriteString("  ")
		for j := i; j < min(i+cols, len(cells)); j++ {
			fmt.Fprintf(&b, "%-*s", cw, cells[j])
		}
		out = append(out, campaign.SanitizeLine(strings.TrimRight(b.String(), " "), w))
	}
	return out
}

// DrillView is the drill-down in w×h: the statuses to choose from, or one
// status's recipients (only the rows on screen are drawn).
func (f *funnelPanel) DrillView(w, h int) string {
	st := f.c.Styles
	if f.rep == nil {
		return ""
	}
	var lines []string
	title := st.Title.Render("Funnel") + st.Muted.Render(" "+campaign.SanitizeLine(f.campaignID, w-20)+" as of "+f.asOf())
	lines = append(lines, title, "")
	if f.level == funnelPicking {
		for i, r := range f.rep.Rows() {
			line := fmt.Sprintf("%-12s %10s %7s", r.Label, commas(r.Count), r.ShareText())
			if r.Status == "" {
				line += "  (on the suppression list, not sent)"
			}
			if i == f.pick {
				lines = append(lines, st.Selected.Render(campaign.SanitizeLine("› "+line, w)))
			} else {
				lines = append(lines, campaign.SanitizeLine("  "+line, w))
			}
		}
		lines = append(lines, "", st.Muted.Render(campaign.SanitizeLine("enter lists the recipients of a status; esc goes back", w)))
		return clampView(strings.Join(lines, "\n"), w, h)
	}
	label := f.status
	for _, r := range f.rep.Rows() {
		if r.Status == f.status {
			label = r.Label
		}
	}
	switch {
	case f.loading:
		lines = append(lines, st.Header.Render(label), st.Muted.Render("Reading the recipients…"))
		return clampView(strings.Join(lines, "\n"), w, h)
	case f.listErr != nil:
		lines = append(lines, st.Header.Render(label), st.Error.Width(w).Render(campaign.Sanitize(f.listErr.Error())))
		return clampView(strings.Join(lines, "\n"), w, h)
	}
	lines = append(lines, st.Header.Render(label)+st.Muted.Render(" · "+campaign.Plural(len(f.rows), "recipient", "recipients")))
	var foot string
	switch {
	case f.expErr != nil:
		foot = st.Error.Render(campaign.SanitizeLine("export failed: "+f.expErr.Error(), w))
	case f.exported != "":
		foot = st.Success.Render("exported to ") + campaign.SanitizeLine(f.exportedShown(), w-12)
	}
	cols := components.LayoutColumns([]components.Column{
		{Title: "RECIPIENT", Width: 16}, {Title: "STATUS", Width: 10}, {Title: "UPDATED", Width: 8}, {Title: "ERROR"},
	}, w, 8)
	var b strings.Builder
	components.RenderRow(&b, cols, []string{"RECIPIENT", "STATUS", "UPDATED", "ERROR"})
	lines = append(lines, st.Muted.Render(strings.TrimRight(b.String(), " ")))
	from, to := f.table.Visible()
	for i := from; i < to; i++ {
		r := f.rows[i]
		at := ""
		if !r.UpdatedAt.IsZero() {
			at = r.UpdatedAt.In(f.c.Loc()).Format("15:04:05")
		}
		b.Reset()
		components.RenderRow(&b, cols, []string{shownRecipient(r.Recipient), r.Status, at, r.Error})
		line := strings.TrimRight(b.String(), " ")
		if i == f.table.Cursor {
			line = st.Selected.Render(line)
		}
		lines = append(lines, line)
	}
	if foot != "" {
		lines = append(lines, foot)
	}
	return clampView(strings.Join(lines, "\n"), w, h)
}

// help is the drill-down's keys (nil when closed), or just f while the
// funnel is shown.
func (f *funnelPanel) help() []key.Binding {
	k := f.keys
	switch f.level {
	case funnelPicking:
		return []key.Binding{k.Scroll.Up, k.Pick, k.Back}
	case funnelListing:
		out := []key.Binding{k.Scroll.Up, k.Scroll.PgUp}
		if len(f.rows) > 0 {
			out = append(out, k.Export)
		}
		return append(out, k.Back)
	}
	if f.Shown() {
		return []key.Binding{k.Open}
	}
	return nil
}
