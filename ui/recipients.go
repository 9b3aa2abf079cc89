package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/filepicker"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"spotcast/campaign"
	"spotcast/ui/common"
	"spotcast/ui/components"
)

// recipientsFocus says which widget of the step has the keyboard.
type recipientsFocus int

const (
	focusTable   recipientsFocus = iota // no input: keys drive the table
	focusPicker                         // the file picker
	focusPath                           // typing a CSV path
	focusNumbers                        // pasting/typing numbers
	focusGroups                         // typing group IDs
	focusCountry                        // the default country
	focusColumns                        // the phone column picker
	focusConfirm                        // "clear typed numbers and groups? y/N"
)

// Import messages carry the import ID so a cancelled or superseded import's
// late messages are dropped (commands cannot be cancelled in Bubble Tea v1).
type importProgressMsg struct {
	id int
	p  campaign.ImportProgress
}

type importDoneMsg struct {
	id     int
	path   string
	report *campaign.ImportReport
	err    error
	// What the file was read with: the phone column asked for and whether
	// an upload's own options (its sidecar) filled it in.
	column  string
	sidecar *campaign.UploadMeta
	file    csvFile
	// optedOut is the suppression list the import was read with.
	optedOut map[string]bool
}

// optedOutMsg is the suppression list, read off the UI goroutine.
type optedOutMsg struct {
	set map[string]bool
	err error
}

// loadOptedOut reads the engine's suppression list.
func loadOptedOut(eng *campaign.Engine) tea.Cmd {
	return func() tea.Msg {
		set, err := eng.SuppressedSet()
		return optedOutMsg{set: set, err: err}
	}
}

// csvFile is what a draft remembers of the CSV, to tell on restore that
// it changed.
type csvFile struct {
	rows    int
	size    int64
	modTime time.Time
}

// typedReject is a pasted value that is not a valid number.
type typedReject struct{ raw, reason string }

type recipientsKeys struct {
	Browse, Path, Numbers, Groups, Country, Intl, Column, Toggle, Cancel, Clear key.Binding
	Drop, Remove                                                                key.Binding
	components.ScrollKeys
	Submit, Close, PickerBack, PickerOpen, Yes key.Binding
}

func newRecipientsKeys() recipientsKeys {
	return recipientsKeys{
		Browse:  key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "browse files")),
		Path:    key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "type a CSV path")),
		Numbers: key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "add numbers")),
		Groups:  key.NewBinding(key.WithKeys("g"), key.WithHelp("g", "add group IDs")),
		Country: key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "default country")),
		Intl:    key.NewBinding(key.WithKeys("I"), key.WithHelp("I", "digits are country code + number")),
		Column:  key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "phone column")),
		Toggle:  key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "recipients/problems")),
		Cancel:  key.NewBinding(key.WithKeys("x", "esc"), key.WithHelp("esc/x", "cancel import")),
		Clear:   key.NewBinding(key.WithKeys("X"), key.WithHelp("X", "clear typed numbers and groups")),
		Drop:    key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "drop the failed CSV")),
		Remove:  key.NewBinding(key.WithKeys("d", "delete"), key.WithHelp("d", "remove typed number")),
		ScrollKeys: components.ScrollKeys{
			Up:     common.KeyUp(),
			Down:   common.KeyDown(),
			PgUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
			PgDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
			Home:   key.NewBinding(key.WithKeys("home"), key.WithHelp("home", "first")),
			End:    key.NewBinding(key.WithKeys("end"), key.WithHelp("end", "last")),
		},
		Submit:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply")),
		Close:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close")),
		PickerBack: key.NewBinding(key.WithKeys("backspace", "left", "h"), key.WithHelp("←", "parent dir")),
		PickerOpen: key.NewBinding(key.WithKeys("enter", "right", "l"), key.WithHelp("enter", "open/select")),
		Yes:        key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes, clear")),
	}
}

// recipientsModel is wizard step 4: a CSV contact list (picked or typed),
// pasted numbers and group IDs.
type recipientsModel struct {
	c      *common.Common
	keys   recipientsKeys
	width  int
	height int

	focus   recipientsFocus
	picker  filepicker.Model
	path    components.PathInput
	numbers textinput.Model
	groups  textinput.Model
	country textinput.Model
	notice  string // one-line outcome of the last input (errors included)

	// The contact list in use: it stays until another import succeeds, so
	// a mistyped path or a wrong file never loses it.
	csvPath string
	report  *campaign.ImportReport
	column  string // the phone column it was read with ("": detected)
	file    csvFile
	// The last import that failed (the list above, if any, is still used).
	importErr error
	errPath   string
	// international: digits without + are country code + number.
	international bool
	// defaultCountry reads national numbers; it starts as the session's
	// (common.Common) and is this screen's to change (c).
	defaultCountry string
	// The import running: its file and the phone column asked for.
	importing     bool
	pendingPath   string
	pendingColumn string
	importID      int
	cancel        context.CancelFunc
	started       time.Time
	last          campaign.ImportProgress
	progCh        <-chan campaign.ImportProgress
	bar           progress.Model
	// draftCheck, when set, is the CSV as a restored draft knew it; the
	// first import of that file says whether it changed.
	draftCheck     *draftCSV
	draftChangeMsg string

	// The phone column picker open, and the columns it lists of which file.
	columns     *components.ColumnPicker
	columnsOf   *campaign.Columns
	columnsPath string
	columnsID   int

	// The report tables.
	showProblems bool
	recTable     components.Table
	probTable    components.Table

	// Typed input: raw numbers are kept so a new default country can
	// re-normalise them.
	typedRaw []string
	typed    []string
	typedDup []bool // typed[i] is in the CSV too
	dups     int
	rejects  []typedReject
	// inputRejects are what the numbers input kept back: it still holds
	// them, to be fixed.
	inputRejects []typedReject
	groupIDs     []string
	// optedOut is the suppression list as last read (the engine's; the
	// engine checks again when sending); kept and left are what the
	// engine's merge keeps and leaves out as opted out beyond the CSV's
	// own count, counted as the numbers, the list or the CSV change, never
	// per frame.
	optedOut   map[string]bool
	kept, left int
}

// draftCSV is the CSV a draft was saved with.
type draftCSV struct {
	path string
	file csvFile
}

var _ common.Component = (*recipientsModel)(nil)

func newRecipients(c *common.Common) *recipientsModel {
	newInput := func(prompt, placeholder string, limit int) textinput.Model {
		ti := c.NewTextInput()
		ti.Prompt = prompt
		ti.Placeholder = placeholder
		ti.CharLimit = limit
		// A steady cursor: a blinking one re-renders the screen twice a
		// second for as long as the input is open.
		ti.Cursor.SetMode(cursor.CursorStatic)
		return ti
	}
	m := &recipientsModel{
		defaultCountry: c.DefaultCountry,
		c:              c,
		keys:           newRecipientsKeys(),
		path:           components.NewPathInput(newInput("CSV path: ", "contacts.csv (tab completes)", 4096), c.ImportDir),
		numbers:        newInput("Numbers: ", "+91 99999 99999, 447700900123; …", 0),
		groups:         newInput("Group IDs: ", "grp_sales grp_support", 0),
		country:        newInput("Default country: ", "IN, GB, US … (empty: none)", 2),
		bar: progress.New(progress.WithWidth(30), progress.WithoutPercentage(),
			progress.WithSolidFill("#25D366"), progress.WithColorProfile(c.Renderer.ColorProfile())),
	}
	m.picker = m.newPicker()
	m.SetSize(c.Width, c.Height)
	return m
}

// uploadHint is how an operator over SSH puts a file in the import folder.
const uploadHint = "ssh <this server> import < file.csv"

func (m *recipientsModel) newPicker() filepicker.Model {
	fp := filepicker.New()
	fp.AllowedTypes = []string{".csv", ".CSV", ".txt", ".TXT"}
	fp.AutoHeight = false
	fp.ShowPermissions = false
	fp.Styles = filepicker.DefaultStylesWithRenderer(m.c.Renderer)
	// bubbles says "Bummer. No Files Found.": say what to do instead.
	empty := "No files in this folder: ← goes up, esc closes."
	if m.c.ImportDir != "" {
		empty = "No contact lists uploaded yet. From your computer, run:\n  " + uploadHint +
			"\nthen press o again."
	}
	fp.Styles.EmptyDirectory = fp.Styles.EmptyDirectory.SetString(empty)
	// esc closes the picker here; going up is backspace/left/h.
	fp.KeyMap.Back = m.keys.PickerBack
	fp.CurrentDirectory = "."
	if m.c.ImportDir != "" {
		fp.CurrentDirectory = m.c.ImportDir
	}
	return fp
}

// Prefill sets what the flags gave and starts importing csvPath, if any.
func (m *recipientsModel) Prefill(csvPath string, numbers, groups []string) tea.Cmd {
	m.addNumbers(strings.Join(numbers, " "))
	m.addGroups(strings.Join(groups, " "))
	if csvPath == "" {
		return loadOptedOut(m.c.Engine)
	}
	return tea.Batch(loadOptedOut(m.c.Engine), m.importPath(csvPath))
}

// Recipients are the valid numbers, CSV first then typed, de-duplicated (the
// first occurrence wins).
func (m *recipientsModel) Recipients() []string {
	out, _ := m.audience()
	return out
}

// audience is the engine's merge of the CSV and the typed numbers, and how
// many it left out as opted out (beyond the CSV's count at import).
func (m *recipientsModel) audience() ([]string, int) {
	var list []campaign.Recipient
	if m.report != nil {
		list = m.report.Recipients
	}
	out, _, left := campaign.Audience(list, m.typed, false, m.optedOutNow())
	return out, left
}

// optedOutNow is the suppression list and what the CSV left out of it.
func (m *recipientsModel) optedOutNow() campaign.OptedOut {
	off := campaign.OptedOut{Set: m.optedOut}
	if m.report != nil {
		off.Listed = m.report.SuppressedNumbers
	}
	return off
}

// Suppressed counts the numbers left out because they opted out: the
// CSV's and the typed ones.
func (m *recipientsModel) Suppressed() int {
	n := m.left
	if m.report != nil {
		n += m.report.Suppressed
	}
	return n
}

func (m *recipientsModel) Groups() []string { return append([]string(nil), m.groupIDs...) }

func (m *recipientsModel) Report() *campaign.ImportReport { return m.report }

// CSVPath is the contact list in use, or the one that failed when there is
// none (Review names it).
func (m *recipientsModel) CSVPath() string {
	if m.report == nil && m.importErr != nil {
		return m.errPath
	}
	return m.csvPath
}

// Importing: the CSV is still being read; its recipients are not in yet.
func (m *recipientsModel) Importing() bool { return m.importing }

// ImportErr is why the CSV could not be imported when no list is in use
// (nil: none failed, or an earlier list is still used).
func (m *recipientsModel) ImportErr() error {
	if m.report != nil {
		return nil
	}
	return m.importErr
}

// importState identifies the import's state: it changes when an import
// starts, is superseded or cancelled, finishes or fails.
type importState struct {
	report    *campaign.ImportReport
	id        int
	importing bool
	// left changes when the suppression list read anew does.
	left int
}

func (m *recipientsModel) importState() importState {
	return importState{report: m.report, id: m.importID, importing: m.importing, left: m.left}
}

// Validate says why the wizard cannot move on yet ("" when it can).
func (m *recipientsModel) Validate() string {
	if m.importing {
		return "the contact list is still importing: wait for it or press x to cancel"
	}
	if m.total() == 0 && len(m.groupIDs) == 0 {
		return "add at least one recipient: pick a CSV (o), type numbers (a) or add a group ID (g)"
	}
	return ""
}

// total is the distinct numbers: the CSV's and the typed ones not in it.
func (m *recipientsModel) total() int {
	return m.kept
}

// Capturing reports whether a text input, a picker or a question has the
// keyboard.
func (m *recipientsModel) Capturing() bool { return m.focus != focusTable }

// Modal: while an import runs the step keeps esc (it cancels the import
// rather than leaving the step with the import still going).
func (m *recipientsModel) Modal() bool { return m.importing }

func (m *recipientsModel) Init() tea.Cmd { return nil }

// Focus reads the suppression list afresh: who opted out since shows up
// in the count as the step opens.
func (m *recipientsModel) Focus() tea.Cmd { return loadOptedOut(m.c.Engine) }

func (m *recipientsModel) SetSize(width, height int) {
	m.width, m.height = width, height
	w := max(10, width)
	for _, ti := range []*textinput.Model{&m.path.Model, &m.numbers, &m.groups, &m.country} {
		ti.Width = max(4, w-lipgloss.Width(ti.Prompt)-1)
	}
	m.bar.Width = min(40, max(10, w-50))
	m.picker.SetHeight(max(3, height-pickerChrome))
	if m.columns != nil {
		m.columns.SetHeight(height)
	}
	m.layoutTables()
}

// pickerChrome is the picker view's lines besides the list: the title, the
// folder, a notice.
const pickerChrome = 4

// layoutTables gives the tables whatever height the summary leaves them.
func (m *recipientsModel) layoutTables() {
	h := m.height - lipgloss.Height(m.summaryView()) - 3 // blank line, title, header
	if m.input() != nil {
		h-- // the input line
	}
	m.recTable.SetHeight(h)
	m.probTable.SetHeight(h - 1) // the selected problem's full reason
	m.recTable.SetRows(m.csvRows() + len(m.typed))
	if m.report != nil {
		m.probTable.SetRows(len(m.report.Problems))
	} else {
		m.probTable.SetRows(0)
	}
}

func (m *recipientsModel) csvRows() int {
	if m.report == nil {
		return 0
	}
	return len(m.report.Recipients)
}

func (m *recipientsModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case importProgressMsg:
		if msg.id != m.importID || !m.importing {
			return m, nil // stale: a cancelled or superseded import
		}
		m.last = msg.p
		return m, waitImportProgress(m.importID, m.progCh)
	case importDoneMsg:
		if msg.id != m.importID || !m.importing {
			return m, nil
		}
		return m, m.finishImport(msg)
	case optedOutMsg:
		if msg.err == nil {
			m.optedOut = msg.set
			m.refreshDups()
		}
		return m, nil
	case columnsReadMsg:
		if msg.id != m.columnsID {
			return m, nil
		}
		m.openColumns(msg)
		return m, nil
	case components.PathCompletedMsg:
		if m.focus == focusPath && m.path.Apply(msg) {
			m.notice = msg.Notice(m.width)
			m.layoutTables()
		}
		return m, nil
	case tea.KeyMsg:
		return m, m.handleKey(msg)
	}
	// The picker reads directories in commands; their results come back here.
	if m.focus == focusPicker {
		return m, m.updatePicker(msg)
	}
	return m, nil
}

func (m *recipientsModel) handleKey(msg tea.KeyMsg) tea.Cmd {
	switch m.focus {
	case focusPicker:
		if key.Matches(msg, m.keys.Close) {
			m.setFocus(focusTable)
			return nil
		}
		return m.updatePicker(msg)
	case focusPath, focusNumbers, focusGroups, focusCountry:
		return m.updateInput(msg)
	case focusColumns:
		chose, closed := m.columns.Update(msg)
		if !closed {
			return nil
		}
		path, cols := m.columnsPath, m.columnsOf
		m.columns, m.columnsOf, m.columnsPath = nil, nil, ""
		m.setFocus(focusTable)
		if chose < 0 {
			return nil
		}
		return m.importWith(path, cols.Option(chose))
	case focusConfirm:
		m.setFocus(focusTable)
		if key.Matches(msg, m.keys.Yes) {
			m.typedRaw, m.typed, m.rejects, m.groupIDs, m.inputRejects = nil, nil, nil, nil, nil
			m.refreshDups()
			m.notice = "typed numbers and group IDs cleared"
		} else {
			m.notice = "nothing cleared"
		}
		m.layoutTables()
		return nil
	}
	k := m.keys
	t := m.table()
	switch {
	case m.importing && key.Matches(msg, k.Cancel):
		m.cancelImport()
	case m.importErr != nil && key.Matches(msg, k.Drop):
		// Review refuses to send while a CSV failed and none is in use;
		// this is the way to send to the typed numbers and groups alone.
		// With a list in use it only puts the error away.
		m.notice = campaign.SanitizeLine(filepath.Base(m.errPath), 40) + " dropped"
		m.errPath, m.importErr = "", nil
		m.layoutTables()
	case key.Matches(msg, k.Browse):
		m.picker = m.newPicker()
		m.picker.SetHeight(max(3, m.height-pickerChrome))
		m.notice = ""
		m.setFocus(focusPicker)
		return m.picker.Init()
	case key.Matches(msg, k.Path):
		return m.setFocus(focusPath)
	case key.Matches(msg, k.Numbers):
		return m.setFocus(focusNumbers)
	case key.Matches(msg, k.Groups):
		return m.setFocus(focusGroups)
	case key.Matches(msg, k.Intl):
		return m.setInternational(!m.international)
	case key.Matches(msg, k.Column):
		return m.askColumn()
	case key.Matches(msg, k.Country):
		m.country.SetValue(m.defaultCountry)
		m.country.CursorEnd()
		return m.setFocus(focusCountry)
	case key.Matches(msg, k.Clear):
		if len(m.typedRaw)+len(m.groupIDs) == 0 {
			m.notice = "no typed numbers or group IDs to clear"
			m.layoutTables()
			return nil
		}
		m.setFocus(focusConfirm)
	case !m.showProblems && key.Matches(msg, k.Remove):
		m.removeSelected()
	case m.report != nil && key.Matches(msg, k.Toggle):
		m.showProblems = !m.showProblems
	default:
		t.Scroll(msg, k.ScrollKeys)
	}
	return nil
}

// removeSelected removes the typed number on the table's selected row (every
// raw entry that reads as it); a CSV row is the file's to change.
func (m *recipientsModel) removeSelected() {
	i := m.recTable.Cursor - m.csvRows()
	if m.recTable.Rows == 0 {
		return
	}
	if i < 0 {
		m.notice = "this number comes from " + campaign.SanitizeLine(filepath.Base(m.csvPath), 30) +
			": remove it from the file and import it again"
		return
	}
	p := m.typed[i]
	raw := m.typedRaw[:0:0]
	for _, r := range m.typedRaw {
		if n, err := m.phoneOptions().Normalize(r); err == nil && n == p {
			continue
		}
		raw = append(raw, r)
	}
	m.typedRaw = raw
	m.renormalise()
	m.notice = "+" + p + " removed"
	m.layoutTables()
}

func (m *recipientsModel) table() *components.Table {
	if m.showProblems {
		return &m.probTable
	}
	return &m.recTable
}

func (m *recipientsModel) input() *textinput.Model {
	switch m.focus {
	case focusPath:
		return &m.path.Model
	case focusNumbers:
		return &m.numbers
	case focusGroups:
		return &m.groups
	case focusCountry:
		return &m.country
	}
	return nil
}

func (m *recipientsModel) setFocus(f recipientsFocus) tea.Cmd {
	if in := m.input(); in != nil {
		in.Blur()
	}
	m.focus = f
	m.layoutTables()
	if in := m.input(); in != nil {
		return in.Focus()
	}
	return nil
}

func (m *recipientsModel) updateInput(msg tea.KeyMsg) tea.Cmd {
	in := m.input()
	switch {
	case key.Matches(msg, m.keys.Close):
		if m.focus == focusNumbers && len(m.inputRejects) > 0 {
			// Refused entries wait to be fixed (after a default country,
			// say): a opens them again.
			m.notice = campaign.Plural(len(m.inputRejects), "refused entry waits", "refused entries wait") + " in the numbers input: a opens it, ctrl+u empties it"
			m.inputRejects = nil
			m.setFocus(focusTable)
			return nil
		}
		in.SetValue("")
		m.inputRejects = nil
		m.setFocus(focusTable)
		return nil
	case key.Matches(msg, m.keys.Submit):
		v := in.Value()
		in.SetValue("")
		f := m.focus
		m.setFocus(focusTable)
		switch f {
		case focusPath:
			if strings.TrimSpace(v) == "" {
				return nil
			}
			return m.importPath(components.ResolvePath(v, m.c.ImportDir))
		case focusNumbers:
			if left := m.addTypedNumbers(v); left != "" {
				// What was refused stays in the input, to be fixed.
				in.SetValue(left)
				in.CursorEnd()
				return tea.Batch(m.setFocus(focusNumbers), loadOptedOut(m.c.Engine))
			}
			m.layoutTables()
			return loadOptedOut(m.c.Engine)
		case focusGroups:
			m.addGroups(v)
		case focusCountry:
			return m.setCountry(v)
		}
		m.layoutTables()
		return nil
	}
	if m.focus == focusPath {
		return m.path.Update(msg) // tab completes
	}
	var cmd tea.Cmd
	*in, cmd = in.Update(msg)
	return cmd
}

// splitList splits pasted text on spaces, commas, semicolons and newlines.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t'
	})
}

// splitNumbers splits pasted numbers on commas, semicolons and line breaks.
// Spaces usually group digits ("+91 98765 43210"), so within a piece a new
// number starts only at a '+' or when both sides are whole numbers already
// (8+ digits), as in a space-separated paste.
func splitNumbers(s string) []string {
	var out []string
	for _, piece := range strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ';' || r == '\n' || r == '\r' || r == '\t'
	}) {
		cur := ""
		for _, tok := range strings.Fields(piece) {
			if cur != "" && (strings.HasPrefix(tok, "+") || (countDigits(cur) >= 8 && countDigits(tok) >= 8)) {
				out = append(out, cur)
				cur = ""
			}
			if cur != "" {
				cur += " "
			}
			cur += tok
		}
		if cur != "" {
			out = append(out, cur)
		}
	}
	return out
}

func countDigits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

// addNumbers takes numbers given at start (flags, a draft): rejects are
// kept with their reason, shown until fixed or removed.
func (m *recipientsModel) addNumbers(s string) {
	fields := splitNumbers(s)
	if len(fields) == 0 {
		return
	}
	m.typedRaw = append(m.typedRaw, fields...)
	before, beforeRej := len(m.typed), len(m.rejects)
	m.renormalise()
	m.notice = campaign.Plural(len(m.typed)-before, "number", "numbers") + " added, " + commas(len(m.rejects)-beforeRej) + " rejected"
}

// addTypedNumbers adds what the numbers input holds; what is not a valid
// number is returned, to stay in the input (its reasons are shown).
func (m *recipientsModel) addTypedNumbers(s string) (left string) {
	var keep []string
	m.inputRejects = nil
	for _, f := range splitNumbers(s) {
		if _, err := m.phoneOptions().Normalize(f); err != nil {
			keep = append(keep, f)
			m.inputRejects = append(m.inputRejects, typedReject{raw: f, reason: keyWords(err.Error())})
			continue
		}
		m.typedRaw = append(m.typedRaw, f)
	}
	before := len(m.typed)
	m.renormalise()
	m.notice = campaign.Plural(len(m.typed)-before, "number", "numbers") + " added"
	if len(keep) > 0 {
		m.notice += "; " + campaign.Plural(len(keep), "entry is not a number and stays", "entries are not numbers and stay") + " in the input: fix, or esc"
	}
	return strings.Join(keep, ", ")
}

// renormalise rebuilds the typed numbers from their raw text (after a new
// default country, say).
func (m *recipientsModel) renormalise() {
	m.typed, m.rejects = m.typed[:0], m.rejects[:0]
	seen := map[string]bool{}
	for _, raw := range m.typedRaw {
		p, err := m.phoneOptions().Normalize(raw)
		if err != nil {
			m.rejects = append(m.rejects, typedReject{raw: raw, reason: keyWords(err.Error())})
			continue
		}
		if !seen[p] {
			seen[p] = true
			m.typed = append(m.typed, p)
		}
	}
	m.refreshDups()
}

// refreshDups marks the typed numbers the CSV has too: one pass over the
// CSV when either changes, never per frame.
func (m *recipientsModel) refreshDups() {
	m.typedDup = make([]bool, len(m.typed))
	m.dups = 0
	defer m.countAudience()
	if m.report == nil || len(m.typed) == 0 {
		return
	}
	idx := make(map[string]int, len(m.typed))
	for i, p := range m.typed {
		idx[p] = i
	}
	for _, r := range m.report.Recipients {
		if i, ok := idx[r.Phone]; ok && !m.typedDup[i] {
			m.typedDup[i] = true
			m.dups++
		}
	}
}

// countAudience counts, through the engine's one merge, the recipients it
// keeps and those it leaves out as opted out (beyond the CSV's count at
// import: typed numbers, and list numbers that opted out since).
func (m *recipientsModel) countAudience() {
	out, left := m.audience()
	m.kept, m.left = len(out), left
}

func (m *recipientsModel) addGroups(s string) {
	added := 0
	for _, g := range splitList(s) {
		g = campaign.SanitizeLine(g, 0)
		if g == "" || contains(m.groupIDs, g) {
			continue
		}
		m.groupIDs = append(m.groupIDs, g)
		added++
	}
	if added > 0 {
		m.notice = campaign.Plural(added, "group ID", "group IDs") + " added"
	}
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// setInternational switches how digits without '+' read (the API's own
// form: country code and number) and re-normalises everything with it.
func (m *recipientsModel) setInternational(on bool) tea.Cmd {
	m.international = on
	m.notice = "digits without + are national numbers"
	if on {
		m.notice = "digits without + are country code + number (the API's own form)"
	}
	m.renormalise()
	m.layoutTables()
	return m.reimport()
}

// phoneOptions is how numbers are read now.
func (m *recipientsModel) phoneOptions() campaign.PhoneOptions {
	return campaign.PhoneOptions{DefaultCountry: m.defaultCountry, International: m.international}
}

// setCountry validates a region and re-normalises everything with it.
func (m *recipientsModel) setCountry(v string) tea.Cmd {
	region := strings.ToUpper(strings.TrimSpace(v))
	if region != "" && !validRegion(region) {
		m.notice = fmt.Sprintf("%q is not a known region: use an ISO code such as IN, GB or US", campaign.SanitizeLine(v, 10))
		return nil
	}
	if region == m.defaultCountry {
		return nil
	}
	m.defaultCountry = region
	m.notice = "default country: " + orNone(region)
	m.renormalise()
	m.layoutTables()
	return m.reimport()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func (m *recipientsModel) updatePicker(msg tea.Msg) tea.Cmd {
	prevDir := m.picker.CurrentDirectory
	var cmd tea.Cmd
	m.picker, cmd = m.picker.Update(msg)
	if m.c.ImportDir != "" && m.picker.CurrentDirectory != prevDir {
		if _, err := confinePath(m.c.ImportDir, m.picker.CurrentDirectory); err != nil {
			// Going up (or through a symlink) would leave the import
			// directory: stay, and drop the directory read.
			m.picker.CurrentDirectory = prevDir
			m.notice = "only files under the import directory can be picked"
			return m.picker.Init()
		}
	}
	if ok, p := m.picker.DidSelectFile(msg); ok {
		m.setFocus(focusTable)
		return tea.Batch(cmd, m.importPath(p))
	}
	if ok, p := m.picker.DidSelectDisabledFile(msg); ok {
		m.notice = campaign.SanitizeLine(filepath.Base(p), 40) + " is not a .csv or .txt file"
	}
	return cmd
}

// confinePath resolves p (relative paths are taken from dir) and refuses it
// unless it stays inside dir, following symlinks. dir == "" allows anything;
// the path is then made absolute, so a draft resumed from another folder
// still finds the file.
func confinePath(dir, p string) (string, error) {
	if p == "" {
		return "", errors.New("no path given")
	}
	if dir == "" {
		full, err := filepath.Abs(p)
		if err != nil {
			return "", fmt.Errorf("%s: %w", p, err)
		}
		return full, nil
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("import directory %s: %w", dir, err)
	}
	full := p
	if !filepath.IsAbs(full) {
		full = filepath.Join(root, p)
	}
	full = filepath.Clean(full)
	if !components.Within(root, full) {
		return "", fmt.Errorf("%s is outside the import directory: pick a file in it (o)", p)
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", fmt.Errorf("import directory %s: %w", dir, err)
	}
	realFull, err := filepath.EvalSymlinks(full)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("%s: no such file in the import directory", p)
		}
		return "", fmt.Errorf("%s: %w", p, err)
	}
	if !components.Within(realRoot, realFull) {
		return "", fmt.Errorf("%s leads outside the import directory (a symlink): pick a file in it (o)", p)
	}
	return full, nil
}

// importPath starts importing a file (the phone column detected, or the
// one its upload was checked with), superseding any running import. The
// list in use stays until the new one is read.
func (m *recipientsModel) importPath(p string) tea.Cmd { return m.importWith(p, "") }

// reimport reads the file again with new phone settings: the one running,
// else the list in use.
func (m *recipientsModel) reimport() tea.Cmd {
	switch {
	case m.importing:
		return m.importWith(m.pendingPath, m.pendingColumn)
	case m.report != nil:
		return m.importWith(m.csvPath, m.column)
	}
	return nil
}

// importWith imports p reading the numbers from column ("": detect).
func (m *recipientsModel) importWith(p, column string) tea.Cmd {
	m.stopImport()
	full, err := confinePath(m.c.ImportDir, p)
	if err != nil {
		m.errPath, m.importErr = p, err
		if abs, aerr := filepath.Abs(p); aerr == nil && m.c.ImportDir == "" {
			m.errPath = abs
		}
		m.layoutTables()
		return nil
	}
	parent := m.c.Context
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancel(parent)
	m.importID++
	m.cancel = cancel
	m.importing = true
	m.pendingPath, m.pendingColumn = full, column
	m.importErr, m.errPath = nil, ""
	m.last = campaign.ImportProgress{}
	m.started = m.now()
	m.layoutTables()
	ch := make(chan campaign.ImportProgress, 1)
	m.progCh = ch
	opts := campaign.ImportOptions{PhoneColumn: column, DefaultCountry: m.defaultCountry, International: m.international}
	return tea.Batch(
		importFileCmd(ctx, m.importID, full, opts, ch, m.c.Engine),
		waitImportProgress(m.importID, ch),
	)
}

func (m *recipientsModel) now() time.Time {
	if m.c.Clock != nil {
		return m.c.Clock()
	}
	return time.Now()
}

func (m *recipientsModel) stopImport() {
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
	m.importing = false
	m.importID++ // late messages of the old import are now stale
}

func (m *recipientsModel) cancelImport() {
	m.stopImport()
	m.notice = "import of " + campaign.SanitizeLine(filepath.Base(m.pendingPath), 40) + " cancelled"
	if m.report != nil {
		m.notice += "; still using " + campaign.SanitizeLine(filepath.Base(m.csvPath), 40)
	}
	m.pendingPath = ""
	m.layoutTables()
}

func (m *recipientsModel) finishImport(msg importDoneMsg) tea.Cmd {
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
	m.importing = false
	m.pendingPath = ""
	if msg.err != nil {
		// The list in use (if any) stays: a wrong file loses nothing.
		m.importErr, m.errPath = msg.err, msg.path
		m.layoutTables()
		if errors.Is(msg.err, campaign.ErrPhoneColumn) {
			// Offer the file's columns at once.
			return m.readColumns(msg.path, "No phone column found in "+filepath.Base(msg.path), msg.column)
		}
		return nil
	}
	if r := msg.report; r.Valid == 0 && m.report != nil && msg.path != m.csvPath {
		// Another file with no number in it (a wrong column, no default
		// country) would replace a list that has some: keep that one.
		m.importErr, m.errPath = noValidErr(r), msg.path
		m.layoutTables()
		return nil
	}
	if msg.path != m.csvPath {
		m.showProblems = false
		m.recTable, m.probTable = components.Table{}, components.Table{}
	}
	m.csvPath, m.report, m.column, m.file = msg.path, msg.report, msg.column, msg.file
	m.optedOut = msg.optedOut
	m.importErr, m.errPath = nil, ""
	if sc := msg.sidecar; sc != nil {
		m.notice = "read as it was uploaded: " + sidecarWords(sc)
	}
	if dc := m.draftCheck; dc != nil && dc.path == msg.path {
		m.draftCheck = nil
		m.draftChangeMsg = csvChangeWords(filepath.Base(msg.path), dc.file, msg.file)
		if m.draftChangeMsg != "" {
			m.notice = m.draftChangeMsg
		}
	}
	m.refreshDups()
	m.layoutTables()
	return nil
}

// noValidErr says why a file gave no number, with its first problem.
func noValidErr(r *campaign.ImportReport) error {
	why := ""
	if len(r.Problems) > 0 {
		p := r.Problems[0]
		why = fmt.Sprintf(" (line %d: %s)", p.Line, p.Reason)
	}
	return fmt.Errorf("no valid number in %s of %s%s — %s, or %s", ColumnName(r.Column), campaign.Plural(r.Rows, "row", "rows"), why,
		campaign.SettingPhoneColumn, campaign.SettingDefaultCountry)
}

// csvChangeWords says how a CSV changed since a draft ("" if it did not).
func csvChangeWords(name string, was, now csvFile) string {
	name = campaign.SanitizeLine(name, 40)
	switch {
	case was.rows != now.rows:
		return fmt.Sprintf("%s changed since the draft: %s → %s rows", name, commas(was.rows), commas(now.rows))
	case (was.size != 0 && was.size != now.size) || (!was.modTime.IsZero() && !was.modTime.Equal(now.modTime)):
		return fmt.Sprintf("%s changed since the draft (still %s)", name, campaign.Plural(now.rows, "row", "rows"))
	}
	return ""
}

func sidecarWords(sc *campaign.UploadMeta) string {
	var parts []string
	if sc.PhoneColumn != "" {
		parts = append(parts, fmt.Sprintf("phone column %q", sc.PhoneColumn))
	}
	if sc.DefaultCountry != "" {
		parts = append(parts, "default country "+sc.DefaultCountry)
	}
	if sc.International {
		parts = append(parts, "digits are country code + number")
	}
	return strings.Join(parts, ", ")
}

// shown is a path for the operator's eyes (see components.ShownPath).
func (m *recipientsModel) shown(p string) string {
	return campaign.SanitizeLine(components.ShownPath(m.c.ImportDir, p), 0)
}

// askColumn opens the column picker for the failed file, else the list in
// use.
func (m *recipientsModel) askColumn() tea.Cmd {
	switch {
	case m.importErr != nil && m.errPath != "":
		return m.readColumns(m.errPath, "Phone column of "+filepath.Base(m.errPath), "")
	case m.report != nil:
		using := m.column
		if using == "" {
			using = m.report.Column
		}
		return m.readColumns(m.csvPath, "Phone column of "+filepath.Base(m.csvPath), using)
	}
	m.notice = "pick a contact list first (o or i): then p chooses its phone column"
	return nil
}

func (m *recipientsModel) readColumns(path, title, using string) tea.Cmd {
	m.columnsID++
	return readColumnsCmd(m.columnsID, path, title, using)
}

func (m *recipientsModel) openColumns(msg columnsReadMsg) {
	if msg.err != nil {
		m.notice = "cannot list the columns of " + campaign.SanitizeLine(filepath.Base(msg.path), 40) + ": " + msg.err.Error()
		m.layoutTables()
		return
	}
	m.columns = components.NewColumnPicker(columnPickerOptions(msg), m.height)
	m.columnsOf, m.columnsPath = msg.cols, msg.path
	m.setFocus(focusColumns)
}

// importFileCmd opens and imports a file off the UI goroutine. Everything it
// needs is passed in: it never reads the model.
func importFileCmd(ctx context.Context, id int, path string, opts campaign.ImportOptions, ch chan campaign.ImportProgress, eng *campaign.Engine) tea.Cmd {
	return func() tea.Msg {
		defer close(ch)
		// Who opted out never gets into the list (the engine's list).
		set, err := eng.SuppressedSet()
		if err != nil {
			return importDoneMsg{id: id, path: path, err: err, column: opts.PhoneColumn}
		}
		opts.Suppressed = set
		// An upload remembers what it was checked with; what the operator
		// set here wins.
		sc, err := campaign.ReadUploadMeta(path)
		if err != nil {
			return importDoneMsg{id: id, path: path, err: err, column: opts.PhoneColumn}
		}
		if sc != nil {
			if opts.PhoneColumn != "" || (sc.PhoneColumn == "" && sc.DefaultCountry == "" && !sc.International) {
				sc = nil
			} else {
				opts.PhoneColumn = sc.PhoneColumn
				if opts.DefaultCountry == "" {
					opts.DefaultCountry = sc.DefaultCountry
				}
				opts.International = opts.International || sc.International
			}
		}
		opts.Progress = func(p campaign.ImportProgress) {
			// Keep only the newest snapshot: at most one is ever waiting.
			select {
			case <-ch:
			default:
			}
			select {
			case ch <- p:
			default:
			}
		}
		rep, file, err := importFile(ctx, path, opts)
		return importDoneMsg{id: id, path: path, report: rep, err: err, column: opts.PhoneColumn, sidecar: sc, file: file, optedOut: set}
	}
}

// waitImportProgress yields the next progress snapshot; it is re-issued after
// each one and ends (nil message) when the import closes the channel.
func waitImportProgress(id int, ch <-chan campaign.ImportProgress) tea.Cmd {
	return func() tea.Msg {
		p, ok := <-ch
		if !ok {
			return nil
		}
		return importProgressMsg{id: id, p: p}
	}
}

// importFile checks that path is a readable regular file and imports it.
func importFile(ctx context.Context, path string, opts campaign.ImportOptions) (*campaign.ImportReport, csvFile, error) {
	f, st, err := openContactList(path)
	if err != nil {
		return nil, csvFile{}, err
	}
	defer f.Close()
	// campaign.Import recognises binary files (and names gzip, xlsx, ...).
	rep, err := campaign.Import(ctx, f, st.Size(), opts)
	if err != nil {
		return nil, csvFile{}, err
	}
	// UTC, as a draft's JSON gives it back: the two compare equal.
	return rep, csvFile{rows: rep.Rows, size: st.Size(), modTime: st.ModTime().UTC()}, nil
}

// --- view ---

func (m *recipientsModel) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	switch m.focus {
	case focusPicker:
		return clampView(m.pickerView(), m.width, m.height)
	case focusColumns:
		return clampView(m.columns.View(m.c.Styles, m.width), m.width, m.height)
	}
	// The input goes above the table: on a short screen the table's last
	// rows are what gets cut, never the line being typed.
	var b strings.Builder
	b.WriteString(m.summaryView())
	if in := m.input(); in != nil {
		b.WriteString("\n")
		b.WriteString(in.View())
	}
	b.WriteString("\n\n")
	b.WriteString(m.tableView())
	return clampView(b.String(), m.width, m.height)
}

func (m *recipientsModel) pickerView() string {
	st := m.c.Styles
	dir := m.picker.CurrentDirectory
	if m.c.ImportDir != "" {
		// Over SSH the server's folders are not the operator's business.
		dir = "your import folder"
		if rel := components.ShownPath(m.c.ImportDir, m.picker.CurrentDirectory); rel != "." && rel != "" {
			dir += "/" + rel
		}
	} else if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	title := st.Header.Render("Pick a contact list (.csv, .txt)")
	lines := []string{title, components.WrapLine(st.Muted.Render(campaign.SanitizeLine(dir, 0)), m.width)}
	if m.notice != "" {
		lines = append(lines, st.Warning.Render(campaign.SanitizeLine(m.notice, m.width)))
	}
	// File names are untrusted too (an SSH import directory is shared):
	// the picker prints them raw, so its whole view is made inert.
	lines = append(lines, campaign.Sanitize(m.picker.View()))
	return lipgloss.JoinVertical(lipgloss.Left, lines...)
}

// summaryView is everything above the table; its height decides the table's.
func (m *recipientsModel) summaryView() string {
	st := m.c.Styles
	w := max(20, m.width)
	var lines []string
	if m.importing {
		name := campaign.SanitizeLine(filepath.Base(m.pendingPath), 30)
		lines = append(lines, st.Header.Render("Importing ")+name)
		lines = append(lines, m.importProgressView())
	}
	panelAt := -1 // where the failed import's panel goes, sized last
	if m.importErr != nil && !m.importing {
		panelAt = len(lines)
	}
	switch {
	case m.report != nil:
		r := m.report
		src := fmt.Sprintf("%s — %s", filepath.Base(m.csvPath), ColumnName(r.Column))
		if r.Source != "" {
			src = filepath.Base(m.csvPath) + " — numbers from " + r.Source
		}
		if m.column != "" {
			src += " (chosen)"
		}
		if r.HasNames {
			src += ", with names"
		}
		lines = append(lines, components.WrapLine(st.Header.Render("CSV ")+campaign.SanitizeLine(src, 0), w))
		lines = append(lines, fmt.Sprintf("%s valid · %s invalid · %s · %s",
			st.Success.Render(commas(r.Valid)), errOrPlain(st, r.Invalid, commas(r.Invalid)),
			campaign.Plural(r.Duplicates, "duplicate", "duplicates"), campaign.Plural(r.Rows, "row", "rows")))
	case m.importErr == nil && !m.importing:
		lines = append(lines, st.Header.Render("CSV ")+st.Muted.Render("none — o browse files · i type a path"))
	}

	typed := campaign.Plural(len(m.typed), "typed number", "typed numbers") + " · " +
		campaign.Plural(len(m.groupIDs), "group ID", "group IDs") + " · default country " + orNone(m.defaultCountry)
	if m.international {
		typed += " · digits are country code + number"
	}
	lines = append(lines, components.WrapLine(campaign.SanitizeLine(typed, 0), w))
	if n := m.Suppressed(); n > 0 {
		lines = append(lines, st.Warning.Render(SuppressedText(n)))
	}
	if len(m.groupIDs) > 0 {
		lines = append(lines, st.Muted.Render(campaign.SanitizeLine("groups: "+strings.Join(m.groupIDs, ", "), w)))
	}
	rejects := m.rejects
	if m.focus == focusNumbers && len(m.inputRejects) > 0 {
		rejects = m.inputRejects
	}
	for i, r := range rejects {
		if i == 2 && len(rejects) > 3 {
			lines = append(lines, st.Error.Render(fmt.Sprintf("  … and %s more rejected", commas(len(rejects)-2))))
			break
		}
		lines = append(lines, st.Error.Render(campaign.SanitizeLine(fmt.Sprintf("  ✗ %s — %s", r.raw, r.reason), w)))
	}
	if m.focus == focusConfirm {
		q := "Clear " + campaign.Plural(len(m.typed)+len(m.rejects), "typed number", "typed numbers") + " and " +
			campaign.Plural(len(m.groupIDs), "group ID", "group IDs") + "? y clears, any other key keeps them"
		lines = append(lines, st.Warning.Render(components.WrapLine(q, w)))
	} else if m.notice != "" {
		lines = append(lines, st.Muted.Render(campaign.SanitizeLine(m.notice, w)))
	}
	if panelAt >= 0 {
		// The panel may take what leaves the table a few rows.
		room := m.height - lipgloss.Height(strings.Join(lines, "\n")) - 3 - minTableRows // blank line, title, header
		if m.input() != nil {
			room--
		}
		lines = slices.Insert(lines, panelAt, m.failedPanel(w, room))
	}
	return strings.Join(lines, "\n")
}

// minTableRows is how many table rows the failed import's panel leaves.
const minTableRows = 3

// failedPanel says why the last import failed in at most room lines when
// it can. Wrapped, not cut, while there is room: the file name, where it
// was looked for and the "what to do" part of a long message stay
// visible. Short of room (60×16), the border goes first, then "Still
// using" (the CSV line below says it too), then the message is cut.
func (m *recipientsModel) failedPanel(w, room int) string {
	st := m.c.Styles
	msg := []string{"Cannot import " + m.shown(m.errPath), keyWords(m.importErr.Error())}
	still := ""
	if m.report != nil {
		still = "Still using " + filepath.Base(m.csvPath) + " (" + campaign.Plural(len(m.report.Recipients), "recipient", "recipients") + ")."
	}
	wrapped := func(texts []string, w int) []string {
		var out []string
		for _, l := range texts {
			if l != "" {
				out = append(out, strings.Split(components.WrapLine(campaign.SanitizeLine(l, 0), w), "\n")...)
			}
		}
		return out
	}
	if out := wrapped(append(msg, still), w-4); len(out)+2 <= room {
		return st.Error.Border(lipgloss.NormalBorder()).Padding(0, 1).Render(strings.Join(out, "\n"))
	}
	msg[0] = "✗ " + msg[0] // no border to set it apart
	out := wrapped(append(msg, still), w)
	if len(out) > room {
		out = wrapped(msg, w)
	}
	if n := max(room, 2); len(out) > n {
		out = out[:n]
		out[n-1] = ansi.Truncate(out[n-1], w-1, "") + "…"
	}
	return st.Error.Render(strings.Join(out, "\n"))
}

func errOrPlain(st *common.Styles, n int, s string) string {
	if n > 0 {
		return st.Error.Render(s)
	}
	return s
}

// importProgressView is the bar (when the size is known), rows and rows/s.
func (m *recipientsModel) importProgressView() string {
	p := m.last
	var parts []string
	if p.TotalBytes > 0 {
		pct := float64(p.Bytes) / float64(p.TotalBytes)
		parts = append(parts, m.bar.ViewAs(min(1, pct))+fmt.Sprintf(" %3.0f%%", min(100, pct*100)))
	}
	parts = append(parts, campaign.Plural(p.Rows, "row", "rows"))
	if el := m.now().Sub(m.started); el >= 100*time.Millisecond && p.Rows > 0 {
		parts = append(parts, commas(int(float64(p.Rows)/el.Seconds()))+" rows/s")
	}
	parts = append(parts, m.c.Styles.Muted.Render("x cancel"))
	return strings.Join(parts, "  ")
}

// tableView renders only the visible rows: index arithmetic, no row list.
// The recipients table lists the CSV's rows, then the typed numbers.
func (m *recipientsModel) tableView() string {
	st := m.c.Styles
	w := max(20, m.width)
	var b strings.Builder
	if m.report == nil && len(m.typed) == 0 {
		b.WriteString(st.Muted.Render("No contact list imported yet, no numbers typed."))
		return b.String()
	}
	r := m.report
	t := m.table()
	names := r != nil && r.HasNames
	var cols []components.Column
	if m.showProblems {
		b.WriteString(st.Title.Render(fmt.Sprintf("Problems (%s)", commas(len(r.Problems)))))
		b.WriteString(st.Muted.Render("  v: recipients"))
		cols = problemColumns(w - 2)
	} else {
		b.WriteString(st.Title.Render(fmt.Sprintf("Recipients (%s)", commas(m.total()))))
		if r != nil {
			b.WriteString(st.Muted.Render("  v: problems"))
		}
		cols = recipientColumns(w-2, names)
	}
	if t.Rows > 0 {
		b.WriteString(st.Muted.Render(fmt.Sprintf("  row %s of %s", commas(t.Cursor+1), commas(t.Rows))))
	}
	b.WriteString("\n")
	var row strings.Builder
	row.WriteString("  ")
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.Title
	}
	components.RenderRow(&row, cols, titles)
	b.WriteString(st.Header.Render(row.String()))
	if t.Rows == 0 {
		b.WriteString("\n")
		if m.showProblems {
			b.WriteString(st.Muted.Render("  no problems"))
		} else {
			b.WriteString(st.Muted.Render("  no valid recipients in this file"))
		}
		return b.String()
	}
	from, to := t.Visible()
	nCSV := m.csvRows()
	csvName := ""
	if r != nil {
		csvName = filepath.Base(m.csvPath)
	}
	for i := from; i < to; i++ {
		row.Reset()
		var cells []string
		switch {
		case m.showProblems:
			cells = problemCells(r.Problems[i])
		case i < nCSV:
			cells = recipientCells(i, r.Recipients[i], names, csvName)
		default:
			j := i - nCSV
			src := "typed"
			if m.typedDup[j] {
				src = "typed, in CSV"
			}
			cells = recipientCells(i, campaign.Recipient{Phone: m.typed[j]}, names, src)
			cells[len(cells)-1] = "" // no line: it was typed
		}
		if i == t.Cursor {
			row.WriteString("> ")
		} else {
			row.WriteString("  ")
		}
		components.RenderRow(&row, cols, cells)
		b.WriteString("\n")
		if i == t.Cursor {
			b.WriteString(st.Selected.Render(row.String()))
		} else {
			b.WriteString(row.String())
		}
	}
	if m.showProblems {
		// The reason column is narrow; the selected one is shown in full.
		p := r.Problems[t.Cursor]
		b.WriteString("\n")
		b.WriteString(st.Muted.Render(campaign.SanitizeLine(fmt.Sprintf("line %d: %s", p.Line, keyWords(p.Reason)), w)))
	}
	return b.String()
}

// --- help ---

func (m *recipientsModel) ShortHelp() []key.Binding {
	k := m.keys
	switch m.focus {
	case focusPicker:
		return []key.Binding{k.Up, k.Down, k.PickerOpen, k.PickerBack, k.Close}
	case focusPath:
		return []key.Binding{k.Submit, m.path.Complete, k.Close}
	case focusNumbers, focusGroups, focusCountry:
		return []key.Binding{k.Submit, k.Close}
	case focusColumns:
		return m.columns.ShortHelp()
	case focusConfirm:
		return []key.Binding{k.Yes}
	}
	if m.importing {
		return []key.Binding{k.Cancel}
	}
	out := []key.Binding{k.Browse, k.Path, k.Numbers, k.Groups, k.Country, k.Intl}
	if m.importErr != nil || m.report != nil {
		out = append(out, k.Column)
	}
	if m.importErr != nil {
		out = append(out, m.dropKey())
	}
	if m.report != nil {
		out = append(out, k.Toggle)
	}
	if len(m.typed) > 0 {
		out = append(out, k.Remove)
	}
	if m.recTable.Rows > 0 {
		out = append(out, k.Up, k.Down)
	}
	return out
}

// dropKey is x as it works now: with a list still in use it only puts the
// failed file's error away.
func (m *recipientsModel) dropKey() key.Binding {
	if m.report != nil {
		return key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "dismiss the error"))
	}
	return m.keys.Drop
}

func (m *recipientsModel) FullHelp() [][]key.Binding {
	k := m.keys
	if m.focus != focusTable || m.importing {
		return [][]key.Binding{m.ShortHelp()}
	}
	groups := [][]key.Binding{{k.Browse, k.Path, k.Numbers, k.Groups, k.Country, k.Intl, k.Column, k.Clear}}
	if m.importErr != nil {
		groups[0] = append(groups[0], m.dropKey())
	}
	if m.recTable.Rows > 0 {
		groups = append(groups, []key.Binding{k.Toggle, k.Remove, k.Up, k.Down, k.PgUp, k.PgDown, k.Home, k.End})
	}
	return groups
}

// normalizePhone and validRegion are the seams to package campaign's phone
// rules, kept in one place.

func validRegion(region string) bool { return campaign.ValidRegion(region) }

// --- drafts ---

// snapshotInto puts the step's state into a draft: the typed numbers as
// typed, the groups, and the CSV by path (re-imported on restore, never
// copied), with what it was read with and how it looked.
func (m *recipientsModel) snapshotInto(d *campaign.Draft) {
	d.DefaultCountry = m.defaultCountry
	d.Recipients = append([]string(nil), m.typed...)
	d.GroupIDs = append([]string(nil), m.groupIDs...)
	d.International = m.international
	switch {
	case m.importing:
		// What the operator chose last, though it is not read yet.
		d.CSVPath, d.PhoneColumn = m.pendingPath, m.pendingColumn
		f := csvFile{}
		switch {
		case m.draftCheck != nil && m.draftCheck.path == m.pendingPath:
			f = m.draftCheck.file // a restore: the draft's, until read
		case m.pendingPath == m.csvPath:
			f = m.file
		}
		d.CSVRows, d.CSVSize, d.CSVModTime = f.rows, f.size, f.modTime
	case m.report != nil:
		d.CSVPath, d.PhoneColumn = m.csvPath, m.column
		d.CSVRows, d.CSVSize, d.CSVModTime = m.file.rows, m.file.size, m.file.modTime
	case m.importErr != nil:
		d.CSVPath = m.errPath
	}
	if len(m.typedRaw) > 0 {
		d.UI[draftUINumbers] = strings.Join(m.typedRaw, "\n")
	}
}

// restoreFrom puts a draft's recipients back; a saved CSV is imported
// again, and its import then says whether the file changed since.
func (m *recipientsModel) restoreFrom(d *campaign.Draft) tea.Cmd {
	m.defaultCountry = d.DefaultCountry
	m.international = d.International
	if raw := d.UI[draftUINumbers]; raw != "" {
		// One number a line, as typed: rejects come back with their reason.
		m.addNumbers(raw)
	} else {
		// No raw text (an older or hand-made draft): the valid numbers.
		m.addNumbers(strings.Join(internationalInput(d.Recipients), "\n"))
	}
	m.addGroups(strings.Join(d.GroupIDs, " "))
	m.notice = ""
	if d.CSVPath == "" {
		return nil
	}
	if d.CSVRows > 0 {
		m.draftCheck = &draftCSV{path: d.CSVPath, file: csvFile{rows: d.CSVRows, size: d.CSVSize, modTime: d.CSVModTime.UTC()}}
	}
	return m.importWith(d.CSVPath, d.PhoneColumn)
}

// takeDraftChange returns, once, how the restored draft's CSV changed.
func (m *recipientsModel) takeDraftChange() string {
	s := m.draftChangeMsg
	m.draftChangeMsg = ""
	return s
}

// DefaultCountry is the region national numbers are read in now.
func (m *recipientsModel) DefaultCountry() string { return m.defaultCountry }
