package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
}

// typedReject is a pasted value that is not a valid number.
type typedReject struct{ raw, reason string }

type recipientsKeys struct {
	Browse, Path, Numbers, Groups, Country, Intl, Toggle, Cancel, Clear key.Binding
	Drop                                                                key.Binding
	scrollKeys
	Submit, Close, PickerBack, PickerOpen key.Binding
}

func newRecipientsKeys() recipientsKeys {
	return recipientsKeys{
		Browse:  key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "browse files")),
		Path:    key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "type a CSV path")),
		Numbers: key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "add numbers")),
		Groups:  key.NewBinding(key.WithKeys("g"), key.WithHelp("g", "add group IDs")),
		Country: key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "default country")),
		Intl:    key.NewBinding(key.WithKeys("I"), key.WithHelp("I", "digits are country code + number")),
		Toggle:  key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "recipients/problems")),
		Cancel:  key.NewBinding(key.WithKeys("x", "esc"), key.WithHelp("esc/x", "cancel import")),
		Clear:   key.NewBinding(key.WithKeys("X"), key.WithHelp("X", "clear typed numbers and groups")),
		Drop:    key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "drop the failed CSV")),
		scrollKeys: scrollKeys{
			Up:     key.NewBinding(key.WithKeys("up"), key.WithHelp("↑", "up")),
			Down:   key.NewBinding(key.WithKeys("down"), key.WithHelp("↓", "down")),
			PgUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
			PgDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
			Home:   key.NewBinding(key.WithKeys("home"), key.WithHelp("home", "first")),
			End:    key.NewBinding(key.WithKeys("end"), key.WithHelp("end", "last")),
		},
		Submit:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply")),
		Close:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close")),
		PickerBack: key.NewBinding(key.WithKeys("backspace", "left", "h"), key.WithHelp("←", "parent dir")),
		PickerOpen: key.NewBinding(key.WithKeys("enter", "right", "l"), key.WithHelp("enter", "open/select")),
	}
}

// recipientsModel is wizard step 4: a CSV contact list (picked or typed),
// pasted numbers and group IDs.
type recipientsModel struct {
	c      *Common
	keys   recipientsKeys
	width  int
	height int

	focus   recipientsFocus
	picker  filepicker.Model
	path    textinput.Model
	numbers textinput.Model
	groups  textinput.Model
	country textinput.Model
	notice  string // one-line outcome of the last input (errors included)

	// CSV import.
	csvPath   string
	report    *campaign.ImportReport
	importErr error
	// international: digits without + are country code + number.
	international bool
	importing     bool
	importID      int
	cancel        context.CancelFunc
	started       time.Time
	last          campaign.ImportProgress
	progCh        <-chan campaign.ImportProgress
	bar           progress.Model

	// The report tables.
	showProblems bool
	recTable     vtable
	probTable    vtable

	// Typed input: raw numbers are kept so a new default country can
	// re-normalise them.
	typedRaw []string
	typed    []string
	rejects  []typedReject
	groupIDs []string
}

var _ Component = (*recipientsModel)(nil)

func newRecipients(c *Common) *recipientsModel {
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
		c:       c,
		keys:    newRecipientsKeys(),
		path:    newInput("CSV path: ", "contacts.csv", 4096),
		numbers: newInput("Numbers: ", "+91 99999 99999, 447700900123; …", 0),
		groups:  newInput("Group IDs: ", "grp_sales grp_support", 0),
		country: newInput("Default country: ", "IN, GB, US … (empty: none)", 2),
		bar: progress.New(progress.WithWidth(30), progress.WithoutPercentage(),
			progress.WithSolidFill("#25D366"), progress.WithColorProfile(c.Renderer.ColorProfile())),
	}
	m.picker = m.newPicker()
	m.SetSize(c.Width, c.Height)
	return m
}

func (m *recipientsModel) newPicker() filepicker.Model {
	fp := filepicker.New()
	fp.AllowedTypes = []string{".csv", ".CSV", ".txt", ".TXT"}
	fp.AutoHeight = false
	fp.ShowPermissions = false
	fp.Styles = filepicker.DefaultStylesWithRenderer(m.c.Renderer)
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
		return nil
	}
	return m.importPath(csvPath)
}

// Recipients are the valid numbers, CSV first then typed, de-duplicated (the
// first occurrence wins).
func (m *recipientsModel) Recipients() []string {
	n := len(m.typed)
	if m.report != nil {
		n += len(m.report.Recipients)
	}
	out := make([]string, 0, n)
	seen := make(map[string]struct{}, n)
	add := func(p string) {
		if _, dup := seen[p]; !dup {
			seen[p] = struct{}{}
			out = append(out, p)
		}
	}
	if m.report != nil {
		for _, r := range m.report.Recipients {
			add(r.Phone)
		}
	}
	for _, p := range m.typed {
		add(p)
	}
	return out
}

func (m *recipientsModel) Groups() []string { return append([]string(nil), m.groupIDs...) }

func (m *recipientsModel) Report() *campaign.ImportReport { return m.report }

func (m *recipientsModel) CSVPath() string { return m.csvPath }

// Importing: the CSV is still being read; its recipients are not in yet.
func (m *recipientsModel) Importing() bool { return m.importing }

// ImportErr is why the CSV could not be imported (nil: none failed).
func (m *recipientsModel) ImportErr() error { return m.importErr }

// importState identifies the import's state: it changes when an import
// starts, is superseded or cancelled, finishes or fails.
type importState struct {
	report    *campaign.ImportReport
	id        int
	importing bool
}

func (m *recipientsModel) importState() importState {
	return importState{report: m.report, id: m.importID, importing: m.importing}
}

// Validate says why the wizard cannot move on yet ("" when it can).
func (m *recipientsModel) Validate() string {
	if m.importing {
		return "the contact list is still importing: wait for it or press x to cancel"
	}
	n := len(m.typed) + len(m.groupIDs)
	if m.report != nil {
		n += len(m.report.Recipients)
	}
	if n == 0 {
		return "add at least one recipient: pick a CSV (o), type numbers (a) or add a group ID (g)"
	}
	return ""
}

// Capturing reports whether a text input or the file picker has the keyboard.
func (m *recipientsModel) Capturing() bool { return m.focus != focusTable }

// Modal: while an import runs the step keeps esc (it cancels the import
// rather than leaving the step with the import still going).
func (m *recipientsModel) Modal() bool { return m.importing }

func (m *recipientsModel) Init() tea.Cmd { return nil }

func (m *recipientsModel) SetSize(width, height int) {
	m.width, m.height = width, height
	w := max(10, width)
	for _, ti := range []*textinput.Model{&m.path, &m.numbers, &m.groups, &m.country} {
		ti.Width = max(4, w-lipgloss.Width(ti.Prompt)-1)
	}
	m.bar.Width = min(40, max(10, w-50))
	m.picker.SetHeight(max(3, height-3))
	m.layoutTables()
}

// layoutTables gives the tables whatever height the summary leaves them.
func (m *recipientsModel) layoutTables() {
	h := m.height - lipgloss.Height(m.summaryView()) - 3 // blank line, title, header
	if m.focus != focusTable {
		h-- // the input line
	}
	m.recTable.setHeight(h)
	m.probTable.setHeight(h - 1) // the selected problem's full reason
	if m.report != nil {
		m.recTable.setRows(len(m.report.Recipients))
		m.probTable.setRows(len(m.report.Problems))
	} else {
		m.recTable.setRows(0)
		m.probTable.setRows(0)
	}
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
	}
	k := m.keys
	t := m.table()
	switch {
	case m.importing && key.Matches(msg, k.Cancel):
		m.cancelImport()
	case m.importErr != nil && key.Matches(msg, k.Drop):
		// Review refuses to send while a CSV failed; this is the way to
		// send to the typed numbers and groups alone.
		m.stopImport()
		m.notice = campaign.SanitizeLine(filepath.Base(m.csvPath), 40) + " dropped"
		m.csvPath, m.report, m.importErr = "", nil, nil
		m.layoutTables()
	case key.Matches(msg, k.Browse):
		m.picker = m.newPicker()
		m.picker.SetHeight(max(3, m.height-3))
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
	case key.Matches(msg, k.Country):
		m.country.SetValue(m.c.DefaultCountry)
		m.country.CursorEnd()
		return m.setFocus(focusCountry)
	case key.Matches(msg, k.Clear):
		m.typedRaw, m.typed, m.rejects, m.groupIDs = nil, nil, nil, nil
		m.notice = "typed numbers and group IDs cleared"
		m.layoutTables()
	case m.report != nil && key.Matches(msg, k.Toggle):
		m.showProblems = !m.showProblems
	default:
		t.scroll(msg, k.scrollKeys)
	}
	return nil
}

func (m *recipientsModel) table() *vtable {
	if m.showProblems {
		return &m.probTable
	}
	return &m.recTable
}

func (m *recipientsModel) input() *textinput.Model {
	switch m.focus {
	case focusPath:
		return &m.path
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
		in.SetValue("")
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
			return m.importPath(strings.TrimSpace(v))
		case focusNumbers:
			m.addNumbers(v)
		case focusGroups:
			m.addGroups(v)
		case focusCountry:
			return m.setCountry(v)
		}
		m.layoutTables()
		return nil
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

// addNumbers normalises each pasted number; rejects are kept with a reason.
func (m *recipientsModel) addNumbers(s string) {
	fields := splitNumbers(s)
	if len(fields) == 0 {
		return
	}
	m.typedRaw = append(m.typedRaw, fields...)
	before, beforeRej := len(m.typed), len(m.rejects)
	m.renormalise()
	m.notice = fmt.Sprintf("%d number(s) added, %d rejected", len(m.typed)-before, len(m.rejects)-beforeRej)
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
		m.notice = fmt.Sprintf("%d group ID(s) added", added)
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
	if m.csvPath != "" && (m.report != nil || m.importing) {
		return m.importPath(m.csvPath)
	}
	return nil
}

// phoneOptions is how numbers are read now.
func (m *recipientsModel) phoneOptions() campaign.PhoneOptions {
	return campaign.PhoneOptions{DefaultCountry: m.c.DefaultCountry, International: m.international}
}

// setCountry validates a region and re-normalises everything with it.
func (m *recipientsModel) setCountry(v string) tea.Cmd {
	region := strings.ToUpper(strings.TrimSpace(v))
	if region != "" && !validRegion(region) {
		m.notice = fmt.Sprintf("%q is not a known region: use an ISO code such as IN, GB or US", campaign.SanitizeLine(v, 10))
		return nil
	}
	if region == m.c.DefaultCountry {
		return nil
	}
	m.c.DefaultCountry = region
	m.notice = "default country: " + orNone(region)
	m.renormalise()
	m.layoutTables()
	if m.csvPath != "" && (m.report != nil || m.importing) {
		return m.importPath(m.csvPath)
	}
	return nil
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
	if !within(root, full) {
		return "", fmt.Errorf("%s is outside the import directory %s", p, dir)
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
	if !within(realRoot, realFull) {
		return "", fmt.Errorf("%s leads outside the import directory %s (symlink)", p, dir)
	}
	return full, nil
}

func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// importPath starts importing a file, superseding any running import.
func (m *recipientsModel) importPath(p string) tea.Cmd {
	m.stopImport()
	full, err := confinePath(m.c.ImportDir, p)
	if err != nil {
		m.csvPath, m.report, m.importErr = p, nil, err
		m.layoutTables()
		return nil
	}
	parent := m.c.Ctx
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancel(parent)
	m.importID++
	m.cancel = cancel
	m.importing = true
	m.csvPath, m.report, m.importErr = full, nil, nil
	m.last = campaign.ImportProgress{}
	m.started = m.now()
	m.showProblems = false
	m.recTable, m.probTable = vtable{}, vtable{}
	m.layoutTables()
	ch := make(chan campaign.ImportProgress, 1)
	m.progCh = ch
	return tea.Batch(
		importFileCmd(ctx, m.importID, full, m.phoneOptions(), ch),
		waitImportProgress(m.importID, ch),
	)
}

func (m *recipientsModel) now() time.Time {
	if m.c.Now != nil {
		return m.c.Now()
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
	m.notice = "import of " + campaign.SanitizeLine(filepath.Base(m.csvPath), 40) + " cancelled"
	m.csvPath, m.report = "", nil
	m.layoutTables()
}

func (m *recipientsModel) finishImport(msg importDoneMsg) tea.Cmd {
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
	m.importing = false
	m.report, m.importErr = msg.report, msg.err
	if msg.err != nil {
		m.report = nil
	}
	m.layoutTables()
	return nil
}

// importFileCmd opens and imports a file off the UI goroutine. Everything it
// needs is passed in: it never reads the model.
func importFileCmd(ctx context.Context, id int, path string, po campaign.PhoneOptions, ch chan campaign.ImportProgress) tea.Cmd {
	return func() tea.Msg {
		defer close(ch)
		rep, err := importFile(ctx, path, po, func(p campaign.ImportProgress) {
			// Keep only the newest snapshot: at most one is ever waiting.
			select {
			case <-ch:
			default:
			}
			select {
			case ch <- p:
			default:
			}
		})
		return importDoneMsg{id: id, path: path, report: rep, err: err}
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

// importFile checks that path is a readable text file and imports it.
func importFile(ctx context.Context, path string, po campaign.PhoneOptions, progressFn func(campaign.ImportProgress)) (*campaign.ImportReport, error) {
	f, err := os.Open(path)
	if err != nil {
		switch {
		case errors.Is(err, os.ErrNotExist):
			return nil, errors.New("the file does not exist: check the path")
		case errors.Is(err, os.ErrPermission):
			return nil, errors.New("permission denied: the file is not readable")
		}
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, errors.New("this is a directory: pick a .csv or .txt file")
	}
	// campaign.Import recognises binary files (and names gzip, xlsx, ...).
	rep, err := campaign.Import(ctx, f, st.Size(), campaign.ImportOptions{DefaultCountry: po.DefaultCountry, International: po.International, Progress: progressFn})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// --- view ---

func (m *recipientsModel) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	if m.focus == focusPicker {
		return clampView(m.pickerView(), m.width, m.height)
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
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	// Over SSH the folder is shown as the operator knows it, never as a
	// server path.
	if root, err := filepath.Abs(m.c.ImportDir); m.c.ImportDir != "" && err == nil {
		if rel, err := filepath.Rel(root, dir); err == nil && within(root, dir) {
			dir = filepath.Join("your import folder", rel)
		}
	}
	title := st.Header.Render("Pick a contact list (.csv, .txt)") + " " +
		st.Muted.Render(campaign.SanitizeLine(dir, max(10, m.width-36)))
	lines := []string{title}
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
	switch {
	case m.importing:
		name := campaign.SanitizeLine(filepath.Base(m.csvPath), 30)
		lines = append(lines, st.Header.Render("Importing ")+name)
		lines = append(lines, m.importProgressView())
	case m.importErr != nil:
		// Wrapped, not cut: the file name and the "what to do" part of a
		// long message must both stay visible.
		msg := fmt.Sprintf("Cannot import %s\n%s", filepath.Base(m.csvPath), keyWords(m.importErr.Error()))
		var out []string
		for _, l := range strings.Split(msg, "\n") {
			out = append(out, ansi.Wrap(campaign.SanitizeLine(l, 0), w-4, " "))
		}
		lines = append(lines, st.Error.Border(lipgloss.NormalBorder()).Padding(0, 1).Render(strings.Join(out, "\n")))
	case m.report != nil:
		r := m.report
		src := fmt.Sprintf("%s — column %q", filepath.Base(m.csvPath), r.Column)
		if r.HasNames {
			src += ", with names"
		}
		lines = append(lines, st.Header.Render("CSV ")+campaign.SanitizeLine(src, w-4))
		lines = append(lines, fmt.Sprintf("%s valid · %s invalid · %s duplicates · %s rows",
			st.Success.Render(commas(r.Valid)), errOrPlain(st, r.Invalid, commas(r.Invalid)),
			commas(r.Duplicates), commas(r.Rows)))
	default:
		lines = append(lines, st.Header.Render("CSV ")+st.Muted.Render("none — o browse files · i type a path"))
	}

	typed := fmt.Sprintf("%s typed number(s) · %s group ID(s) · default country %s",
		commas(len(m.typed)), commas(len(m.groupIDs)), orNone(m.c.DefaultCountry))
	if m.international {
		typed += " · digits are country code + number"
	}
	lines = append(lines, campaign.SanitizeLine(typed, w))
	if len(m.groupIDs) > 0 {
		lines = append(lines, st.Muted.Render(campaign.SanitizeLine("groups: "+strings.Join(m.groupIDs, ", "), w)))
	}
	for i, r := range m.rejects {
		if i == 2 && len(m.rejects) > 3 {
			lines = append(lines, st.Error.Render(fmt.Sprintf("  … and %d more rejected", len(m.rejects)-2)))
			break
		}
		lines = append(lines, st.Error.Render(campaign.SanitizeLine(fmt.Sprintf("  ✗ %s — %s", r.raw, r.reason), w)))
	}
	if m.notice != "" {
		lines = append(lines, st.Muted.Render(campaign.SanitizeLine(m.notice, w)))
	}
	return strings.Join(lines, "\n")
}

func errOrPlain(st *Styles, n int, s string) string {
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
	parts = append(parts, commas(p.Rows)+" rows")
	if el := m.now().Sub(m.started); el >= 100*time.Millisecond && p.Rows > 0 {
		parts = append(parts, commas(int(float64(p.Rows)/el.Seconds()))+" rows/s")
	}
	parts = append(parts, m.c.Styles.Muted.Render("x cancel"))
	return strings.Join(parts, "  ")
}

// tableView renders only the visible rows: index arithmetic, no row list.
func (m *recipientsModel) tableView() string {
	st := m.c.Styles
	w := max(20, m.width)
	var b strings.Builder
	if m.report == nil {
		b.WriteString(st.Muted.Render("No contact list imported yet."))
		return b.String()
	}
	r := m.report
	t := m.table()
	var cols []column
	if m.showProblems {
		b.WriteString(st.Title.Render(fmt.Sprintf("Problems (%s)", commas(len(r.Problems)))))
		b.WriteString(st.Muted.Render("  v: recipients"))
		cols = problemColumns(w - 2)
	} else {
		b.WriteString(st.Title.Render(fmt.Sprintf("Recipients (%s)", commas(len(r.Recipients)))))
		b.WriteString(st.Muted.Render("  v: problems"))
		cols = recipientColumns(w-2, r.HasNames)
	}
	if t.rows > 0 {
		b.WriteString(st.Muted.Render(fmt.Sprintf("  row %s of %s", commas(t.cursor+1), commas(t.rows))))
	}
	b.WriteString("\n")
	var row strings.Builder
	row.WriteString("  ")
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.title
	}
	renderRow(&row, cols, titles)
	b.WriteString(st.Header.Render(row.String()))
	if t.rows == 0 {
		b.WriteString("\n")
		if m.showProblems {
			b.WriteString(st.Muted.Render("  no problems"))
		} else {
			b.WriteString(st.Muted.Render("  no valid recipients in this file"))
		}
		return b.String()
	}
	from, to := t.visible()
	for i := from; i < to; i++ {
		row.Reset()
		var cells []string
		if m.showProblems {
			cells = problemCells(r.Problems[i])
		} else {
			cells = recipientCells(i, r.Recipients[i], r.HasNames)
		}
		if i == t.cursor {
			row.WriteString("> ")
		} else {
			row.WriteString("  ")
		}
		renderRow(&row, cols, cells)
		b.WriteString("\n")
		if i == t.cursor {
			b.WriteString(st.Selected.Render(row.String()))
		} else {
			b.WriteString(row.String())
		}
	}
	if m.showProblems {
		// The reason column is narrow; the selected one is shown in full.
		p := r.Problems[t.cursor]
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
	case focusPath, focusNumbers, focusGroups, focusCountry:
		return []key.Binding{k.Submit, k.Close}
	}
	if m.importing {
		return []key.Binding{k.Cancel}
	}
	out := []key.Binding{k.Browse, k.Path, k.Numbers, k.Groups, k.Country, k.Intl}
	if m.importErr != nil {
		out = append(out, k.Drop)
	}
	if m.report != nil {
		out = append(out, k.Toggle, k.Up, k.Down)
	}
	return out
}

func (m *recipientsModel) FullHelp() [][]key.Binding {
	k := m.keys
	if m.focus != focusTable || m.importing {
		return [][]key.Binding{m.ShortHelp()}
	}
	groups := [][]key.Binding{{k.Browse, k.Path, k.Numbers, k.Groups, k.Country, k.Intl, k.Clear}}
	if m.importErr != nil {
		groups[0] = append(groups[0], k.Drop)
	}
	if m.report != nil {
		groups = append(groups, []key.Binding{k.Toggle, k.Up, k.Down, k.PgUp, k.PgDown, k.Home, k.End})
	}
	return groups
}

// normalizePhone and validRegion are the seams to package campaign's phone
// rules, kept in one place.

func validRegion(region string) bool { return campaign.ValidRegion(region) }
