package ui

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"spotcast/campaign"
	"spotcast/ui/common"
)

// update rewrites the golden files: go test ./ui -update
var update = flag.Bool("update", false, "rewrite ui/testdata/*.golden")

var frozenNow = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

// testCommon is an 80×24 common.Common with a colour-free renderer and a frozen
// clock, so goldens are plain text and stable.
func testCommon(t testing.TB) *common.Common {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return &common.Common{
		Context:  context.Background(),
		Width:    80,
		Height:   24,
		Renderer: r,
		Styles:   common.DefaultStyles(r),
		StateDir: t.TempDir(),
		Clock:    func() time.Time { return frozenNow },
	}
}

// execCmd runs a command like the Bubble Tea runtime: batches concurrently
// (an import and its progress reader must run side by side).
func execCmd(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		return fanOut(b, execCmd)
	}
	if msg == nil {
		return nil
	}
	return []tea.Msg{msg}
}

// fanOut runs a batch's commands concurrently with run, messages in order.
func fanOut(b tea.BatchMsg, run func(tea.Cmd) []tea.Msg) []tea.Msg {
	res := make([][]tea.Msg, len(b))
	var wg sync.WaitGroup
	for i, c := range b {
		wg.Add(1)
		go func() { defer wg.Done(); res[i] = run(c) }()
	}
	wg.Wait()
	var out []tea.Msg
	for _, r := range res {
		out = append(out, r...)
	}
	return out
}

// pump feeds cmd's messages to m until nothing is left to do.
func pump(t testing.TB, m tea.Model, cmd tea.Cmd) {
	t.Helper()
	queue := execCmd(cmd)
	for n := 0; len(queue) > 0; n++ {
		if n > 10000 {
			t.Fatal("pump: the model never settles")
		}
		msg := queue[0]
		queue = queue[1:]
		_, c := m.Update(msg)
		queue = append(queue, execCmd(c)...)
	}
}

func press(t testing.TB, m tea.Model, keys ...string) {
	t.Helper()
	for _, k := range keys {
		var msg tea.KeyMsg
		switch k {
		case "up":
			msg = tea.KeyMsg{Type: tea.KeyUp}
		case "down":
			msg = tea.KeyMsg{Type: tea.KeyDown}
		case "pgup":
			msg = tea.KeyMsg{Type: tea.KeyPgUp}
		case "pgdown":
			msg = tea.KeyMsg{Type: tea.KeyPgDown}
		case "home":
			msg = tea.KeyMsg{Type: tea.KeyHome}
		case "end":
			msg = tea.KeyMsg{Type: tea.KeyEnd}
		case "enter":
			msg = tea.KeyMsg{Type: tea.KeyEnter}
		case "esc":
			msg = tea.KeyMsg{Type: tea.KeyEsc}
		case "backspace":
			msg = tea.KeyMsg{Type: tea.KeyBackspace}
		default:
			msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		}
		_, c := m.Update(msg)
		pump(t, m, c)
	}
}

func typeText(t testing.TB, m tea.Model, s string) {
	t.Helper()
	_, c := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s), Paste: true})
	pump(t, m, c)
}

// golden compares the screen with testdata/name.golden.
func golden(t *testing.T, name, got string) {
	t.Helper()
	got = ansi.Strip(got)
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (create it with: go test ./ui -run %s -update)", err, t.Name())
	}
	if string(want) != got {
		t.Errorf("screen differs from %s\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

func assertFits(t *testing.T, view string, w, h int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) > h {
		t.Errorf("view has %d lines, more than the %d available", len(lines), h)
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Errorf("line %d is %d cells wide (max %d): %q", i+1, lw, w, ansi.Strip(l))
		}
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const contactsCSV = "Name,Phone Number\n" +
	"Asha Rao,+91 98765 43210\n" +
	"Ben Okafor,+44 7911 123456\n" +
	"Too Short,12\n" +
	"Asha again,+919876543210\n" +
	"Chen Wei,+1 415 555 2671\n" +
	"Sheet Mangled,9.19E+11\n"

func TestRecipientsImportCSVWithNamesAndProblems(t *testing.T) {
	c := testCommon(t)
	dir := t.TempDir()
	path := writeFile(t, dir, "contacts.csv", contactsCSV)
	m := newRecipients(c)
	pump(t, m, m.Prefill(path, nil, nil))

	rep := m.Report()
	if rep == nil {
		t.Fatalf("no report; view:\n%s", ansi.Strip(m.View()))
	}
	if !rep.HasNames || rep.Valid != 3 || rep.Duplicates != 1 || rep.Invalid != 2 {
		t.Errorf("report = valid %d, invalid %d, duplicates %d, names %v; want 3, 2, 1, true",
			rep.Valid, rep.Invalid, rep.Duplicates, rep.HasNames)
	}
	if got := m.Recipients(); len(got) != 3 || got[0] != "919876543210" {
		t.Errorf("Recipients() = %v", got)
	}
	if m.CSVPath() != path || m.Validate() != "" {
		t.Errorf("CSVPath %q, Validate %q", m.CSVPath(), m.Validate())
	}
	assertFits(t, m.View(), 80, 24)
	golden(t, "recipients_import", m.View())

	press(t, m, "v")
	golden(t, "recipients_problems", m.View())
	press(t, m, "v")
	if m.showProblems {
		t.Error("v did not toggle back to the recipients table")
	}
}

// bigReport is a report of n recipients with names, made without importing.
func bigReport(n int) *campaign.ImportReport {
	rs := make([]campaign.Recipient, n)
	for i := range rs {
		rs[i] = campaign.Recipient{Phone: fmt.Sprintf("91%010d", 9000000000+i), Name: fmt.Sprintf("Person %d", i+1), Line: i + 2}
	}
	return &campaign.ImportReport{Rows: n, Valid: n, Column: "phone", HasNames: true, Recipients: rs}
}

func withReport(m *recipientsModel, path string, r *campaign.ImportReport) {
	m.csvPath, m.report = path, r
	m.refreshDups() // as finishImport does
	m.layoutTables()
}

func TestRecipientsScrolling(t *testing.T) {
	m := newRecipients(testCommon(t))
	withReport(m, "/data/big.csv", bigReport(1000))
	h := m.recTable.Height
	if h < 5 {
		t.Fatalf("table height %d at 80×24: too small", h)
	}
	press(t, m, "down", "down")
	if m.recTable.Cursor != 2 || m.recTable.Offset != 0 {
		t.Errorf("after 2×down: cursor %d offset %d", m.recTable.Cursor, m.recTable.Offset)
	}
	press(t, m, "pgdown")
	if m.recTable.Cursor != 2+h || m.recTable.Offset != 3 {
		t.Errorf("after pgdown: cursor %d offset %d (height %d)", m.recTable.Cursor, m.recTable.Offset, h)
	}
	press(t, m, "up")
	if m.recTable.Cursor != 1+h {
		t.Errorf("after up: cursor %d", m.recTable.Cursor)
	}
	press(t, m, "end")
	if m.recTable.Cursor != 999 || m.recTable.Offset != 1000-h {
		t.Errorf("after end: cursor %d offset %d", m.recTable.Cursor, m.recTable.Offset)
	}
	press(t, m, "down") // past the end: stays
	if m.recTable.Cursor != 999 {
		t.Errorf("down at the end moved to %d", m.recTable.Cursor)
	}
	assertFits(t, m.View(), 80, 24)
	golden(t, "recipients_scrolled_end", m.View())
	press(t, m, "pgup", "home")
	if m.recTable.Cursor != 0 || m.recTable.Offset != 0 {
		t.Errorf("after home: cursor %d offset %d", m.recTable.Cursor, m.recTable.Offset)
	}
}

// Hostile cells: whether they come through the import or straight into a
// report, nothing reaches the terminal as a control sequence.
func TestRecipientsHostileTextIsInert(t *testing.T) {
	hostile := []string{
		"\x1b]52;c;ZWNobyBwd25lZA==\x07Mallory", // OSC 52 clipboard write
		"\x1b[2J\x1b[HFake prompt",              // clear screen
		"Eve\rOverwrite\bX\x07",                 // C0 controls
		"\x9b31mC1 CSI",                         // C1 CSI
		"Tab\tNewline\nName",
	}
	c := testCommon(t)
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("name,phone\n")
	for i, h := range hostile {
		fmt.Fprintf(&b, "%q,+9198765432%02d\n", h, i)
	}
	b.WriteString("\"\x1b]0;title\x07bad\",\x1b[31m12\n")
	path := writeFile(t, dir, "hostile.csv", b.String())

	m := newRecipients(c)
	pump(t, m, m.Prefill(path, nil, nil))
	if m.Report() == nil {
		t.Fatalf("import failed:\n%s", ansi.Strip(m.View()))
	}
	check := func(what, v string) {
		t.Helper()
		for i := 0; i < len(v); i++ {
			switch v[i] {
			case 0x1b, 0x07, '\b', '\r':
				t.Errorf("%s contains control byte %#x at %d:\n%q", what, v[i], i, v)
				return
			}
		}
		if strings.ContainsRune(v, '\u009b') {
			t.Errorf("%s contains a C1 CSI", what)
		}
	}
	check("imported recipients view", m.View())
	press(t, m, "v")
	check("imported problems view", m.View())

	// Unsanitised cells handed straight to the table are made inert at
	// render time too.
	raw := &campaign.ImportReport{Rows: len(hostile), Valid: len(hostile), Column: "phone", HasNames: true,
		Problems: []campaign.ImportProblem{{Line: 9, Value: hostile[0], Reason: hostile[1]}}}
	for i, h := range hostile {
		raw.Recipients = append(raw.Recipients, campaign.Recipient{Phone: "91987654321" + fmt.Sprint(i), Name: h, Line: i + 2})
	}
	m2 := newRecipients(c)
	withReport(m2, "raw.csv", raw)
	check("raw recipients view", m2.View())
	press(t, m2, "v")
	check("raw problems view", m2.View())
	assertFits(t, m2.View(), 80, 24)
}

func TestRecipientsCancelImport(t *testing.T) {
	c := testCommon(t)
	dir := t.TempDir()
	path := writeFile(t, dir, "contacts.csv", contactsCSV)
	m := newRecipients(c)
	cmd := m.Prefill(path, nil, nil)
	if !m.importing || m.Validate() == "" {
		t.Fatalf("importing %v, Validate %q: want a running import that blocks leaving", m.importing, m.Validate())
	}
	m.Update(importProgressMsg{id: m.importID, p: campaign.ImportProgress{Bytes: 60, TotalBytes: 120, Rows: 3}})
	golden(t, "recipients_importing", m.View())
	if !strings.Contains(ansi.Strip(renderHelp(m)), "cancel import") {
		t.Errorf("help while importing lacks cancel: %q", renderHelp(m))
	}

	if !m.Modal() {
		t.Error("a running import does not keep esc")
	}
	press(t, m, "esc")
	if m.importing || m.Report() != nil || m.CSVPath() != "" {
		t.Fatalf("after x: importing %v, report %v, path %q", m.importing, m.Report(), m.CSVPath())
	}
	// The import's own messages now arrive late: they are dropped.
	pump(t, m, cmd)
	if m.Report() != nil {
		t.Error("a cancelled import's report was applied")
	}
	golden(t, "recipients_cancelled", m.View())
}

func TestRecipientsImportCancelStopsImport(t *testing.T) {
	// The context handed to the import is cancelled by x.
	dir := t.TempDir()
	path := writeFile(t, dir, "contacts.csv", contactsCSV)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := importFile(ctx, path, campaign.ImportOptions{})
	if err == nil {
		t.Error("importFile with a cancelled context succeeded")
	}
}

// renderHelp is the short help as text.
func renderHelp(m interface{ ShortHelp() []key.Binding }) string {
	var parts []string
	for _, b := range m.ShortHelp() {
		parts = append(parts, b.Help().Key+" "+b.Help().Desc)
	}
	return strings.Join(parts, " · ")
}

func TestRecipientsTypedNumbersAndGroups(t *testing.T) {
	c := testCommon(t)
	m := newRecipients(c)
	if m.Validate() == "" {
		t.Error("Validate accepts an empty step")
	}
	press(t, m, "a")
	if !m.Capturing() {
		t.Fatal("the numbers input does not capture keys")
	}
	typeText(t, m, "+91 98765 43210\n+447911123456; 12,+919876543210")
	golden(t, "recipients_typing", m.View())
	press(t, m, "enter")
	// 12 is refused: it stays in the input, with its reason, to be fixed.
	if !m.Capturing() || m.numbers.Value() != "12" {
		t.Fatalf("the refused entry is not left in the input: capturing %v, %q", m.Capturing(), m.numbers.Value())
	}
	if v := ansi.Strip(m.View()); !strings.Contains(v, "✗ 12 — no country code") || !strings.Contains(v, "2 numbers added; 1 entry is not a number and stays in the input") {
		t.Errorf("the refusal is not explained:\n%s", v)
	}
	golden(t, "recipients_refused_in_input", m.View())
	press(t, m, "esc")
	if m.Capturing() {
		t.Error("esc did not close the input")
	}
	// Spaces group digits, so "+91 98765 43210" is one number (and the
	// later +919876543210 is its duplicate).
	if got := m.Recipients(); len(got) != 2 || got[0] != "919876543210" || got[1] != "447911123456" {
		t.Errorf("Recipients() = %v", got)
	}
	if len(m.rejects) != 0 {
		t.Errorf("rejects = %v: a refused entry is not a typed number", m.rejects)
	}
	press(t, m, "g")
	typeText(t, m, "grp_sales, grp_support grp_sales")
	press(t, m, "enter")
	if got := m.Groups(); len(got) != 2 || got[0] != "grp_sales" || got[1] != "grp_support" {
		t.Errorf("Groups() = %v", got)
	}
	if m.Validate() != "" {
		t.Errorf("Validate = %q with recipients and groups", m.Validate())
	}
	assertFits(t, m.View(), 80, 24)
	golden(t, "recipients_typed", m.View())

	// X asks first: n keeps everything, y clears.
	press(t, m, "X")
	if v := ansi.Strip(m.View()); !strings.Contains(v, "Clear 2 typed numbers and 2 group IDs? y clears") {
		t.Fatalf("X did not ask:\n%s", v)
	}
	press(t, m, "n")
	if len(m.Recipients()) != 2 || len(m.Groups()) != 2 || !strings.Contains(ansi.Strip(m.View()), "nothing cleared") {
		t.Fatalf("n after X cleared something: %v %v", m.Recipients(), m.Groups())
	}
	press(t, m, "X", "y")
	if len(m.Recipients())+len(m.Groups()) != 0 {
		t.Error("X, y did not clear typed numbers and groups")
	}
}

func TestRecipientsCountryRenormalises(t *testing.T) {
	c := testCommon(t)
	dir := t.TempDir()
	path := writeFile(t, dir, "national.csv", "phone\n98765 43210\n12345\n")
	m := newRecipients(c)
	pump(t, m, m.Prefill(path, []string{"9876543211"}, nil))
	if len(m.Recipients()) != 0 {
		t.Fatalf("national numbers accepted without a country: %v", m.Recipients())
	}
	press(t, m, "c")
	typeText(t, m, "zz")
	press(t, m, "enter")
	if m.DefaultCountry() != "" || !strings.Contains(m.notice, "not a known region") {
		t.Errorf("bad region: country %q, notice %q", m.DefaultCountry(), m.notice)
	}
	press(t, m, "c")
	typeText(t, m, "in")
	press(t, m, "enter") // re-runs the import, pumped by press
	if m.DefaultCountry() != "IN" || c.DefaultCountry != "" {
		t.Fatalf("country = %q (the session's stays %q: the screen owns its own)", m.DefaultCountry(), c.DefaultCountry)
	}
	got := m.Recipients()
	if len(got) != 2 || got[0] != "919876543210" || got[1] != "919876543211" {
		t.Errorf("after IN: Recipients() = %v (report %+v)", got, m.Report())
	}
}

func TestRecipientsImportErrors(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "photo.csv")
	if err := os.WriteFile(bin, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "folder.csv")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, path, want string }{
		{"missing", filepath.Join(dir, "nope.csv"), "does not exist"},
		{"directory", sub, "directory"},
		{"binary", bin, "binary"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newRecipients(testCommon(t))
			pump(t, m, m.Prefill(tc.path, nil, nil))
			v := ansi.Strip(m.View())
			if m.Report() != nil || !strings.Contains(v, "Cannot import") ||
				!strings.Contains(v, filepath.Base(tc.path)) || !strings.Contains(v, tc.want) {
				t.Errorf("error panel lacks the file or %q:\n%s", tc.want, v)
			}
			if m.Validate() == "" {
				t.Error("Validate accepts a failed import with nothing else")
			}
			assertFits(t, m.View(), 80, 24)
		})
	}
}

func TestConfinePath(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "imports")
	outside := filepath.Join(root, "secret")
	for _, d := range []string{dir, outside, filepath.Join(dir, "sub")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, dir, "ok.csv", "phone\n")
	writeFile(t, filepath.Join(dir, "sub"), "deep.csv", "phone\n")
	writeFile(t, outside, "passwd.csv", "x\n")
	mustLink := func(target, name string) {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Skip("symlinks not supported:", err)
		}
	}
	mustLink(filepath.Join(outside, "passwd.csv"), "escape.csv")
	mustLink(outside, "escapedir")
	mustLink(filepath.Join(dir, "ok.csv"), "alias.csv")

	for _, tc := range []struct {
		p    string
		want string // "" = refused
	}{
		{"ok.csv", filepath.Join(dir, "ok.csv")},
		{"sub/deep.csv", filepath.Join(dir, "sub", "deep.csv")},
		{"sub/../ok.csv", filepath.Join(dir, "ok.csv")},
		{filepath.Join(dir, "ok.csv"), filepath.Join(dir, "ok.csv")},
		{"alias.csv", filepath.Join(dir, "alias.csv")},
		{"../secret/passwd.csv", ""},
		{"sub/../../secret/passwd.csv", ""},
		{filepath.Join(outside, "passwd.csv"), ""},
		{"/etc/passwd", ""},
		{"escape.csv", ""},
		{"escapedir/passwd.csv", ""},
		{"missing.csv", ""},
		{"", ""},
	} {
		got, err := confinePath(dir, tc.p)
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("confinePath(%q) = %q, want refused", tc.p, got)
		case tc.want != "" && (err != nil || got != tc.want):
			t.Errorf("confinePath(%q) = %q, %v; want %q", tc.p, got, err, tc.want)
		}
	}
	// Unconfined paths are kept absolute: a draft may be resumed elsewhere.
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := confinePath("", "../anywhere.csv"); err != nil || got != filepath.Join(filepath.Dir(wd), "anywhere.csv") {
		t.Errorf("unconfined: %q, %v; want it absolute", got, err)
	}
}

func TestRecipientsPickerStaysInImportDir(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "imports")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "a.csv", contactsCSV)
	writeFile(t, dir, "notes.md", "x")
	writeFile(t, dir, "z\x1b]0;pwned\x07\x1b[2J.csv", "phone\n")
	c := testCommon(t)
	c.ImportDir = dir
	m := newRecipients(c)
	press(t, m, "o")
	if !m.Capturing() {
		t.Fatal("the picker does not capture keys")
	}
	press(t, m, "backspace") // up from the import dir: refused
	if m.picker.CurrentDirectory != dir {
		t.Errorf("picker left the import dir: %q", m.picker.CurrentDirectory)
	}
	if raw := m.View(); strings.ContainsAny(raw, "\x1b\x07") {
		t.Errorf("a file name reached the terminal raw: %q", raw)
	}
	v := ansi.Strip(m.View())
	if !strings.Contains(v, "a.csv") || !strings.Contains(v, "import directory") {
		t.Errorf("picker view:\n%s", v)
	}
	press(t, m, "enter") // picks a.csv (directories first, then files by name)
	if m.Capturing() || m.Report() == nil || filepath.Base(m.CSVPath()) != "a.csv" {
		t.Errorf("after picking: capturing %v, path %q, report %v", m.Capturing(), m.CSVPath(), m.Report())
	}
	// A typed path outside is refused too.
	press(t, m, "i")
	typeText(t, m, "../../etc/passwd")
	press(t, m, "enter")
	if v := ansi.Strip(m.View()); !strings.Contains(v, "outside the import directory") {
		t.Errorf("typed escape not refused:\n%s", v)
	}
}

func TestRecipientsStaleImportDropped(t *testing.T) {
	c := testCommon(t)
	dir := t.TempDir()
	a := writeFile(t, dir, "a.csv", "phone\n+919876543210\n")
	b := writeFile(t, dir, "b.csv", "phone\n+447911123456\n+447911123457\n")
	m := newRecipients(c)
	first := m.Prefill(a, nil, nil)
	second := m.Prefill(b, nil, nil) // supersedes the first
	pump(t, m, second)
	pump(t, m, first) // late: dropped
	if got := m.Recipients(); len(got) != 2 || got[0] != "447911123456" {
		t.Errorf("Recipients() = %v, want b.csv's", got)
	}
}

func TestRecipientsFitsSmallAndLargeScreens(t *testing.T) {
	c := testCommon(t)
	m := newRecipients(c)
	withReport(m, "/data/big.csv", bigReport(100))
	m.report.Problems = []campaign.ImportProblem{{Line: 3, Value: strings.Repeat("9", 40), Reason: strings.Repeat("very long reason ", 10)}}
	m.addNumbers("12 34 56 +919876543210")
	m.addGroups("g1 g2")
	for _, size := range [][2]int{{80, 24}, {58, 12}, {40, 8}, {200, 60}} {
		m.SetSize(size[0], size[1])
		for _, keys := range [][]string{nil, {"v"}, {"v"}, {"a"}, {"esc", "o"}, {"esc"}} {
			press(t, m, keys...)
			assertFits(t, m.View(), size[0], size[1])
		}
	}
}

func TestSplitNumbersKeepsDigitGroups(t *testing.T) {
	cases := map[string][]string{
		"+91 98765 43210":                  {"+91 98765 43210"},
		"+91 98765 43210, +44 7700 900123": {"+91 98765 43210", "+44 7700 900123"},
		"+91 98765 43210 +447911123456":    {"+91 98765 43210", "+447911123456"},
		"919876543210 447700900123":        {"919876543210", "447700900123"},
		"a;b\nc":                           {"a", "b", "c"},
		"  ":                               nil,
	}
	for in, want := range cases {
		got := splitNumbers(in)
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("splitNumbers(%q) = %q, want %q", in, got, want)
		}
	}
}

// I reads digits without '+' as country code and number (the API's own
// form, mixed countries), for typed numbers and the CSV alike.
func TestRecipientsInternationalToggle(t *testing.T) {
	c := testCommon(t)
	m := newRecipients(c)
	press(t, m, "a")
	typeText(t, m, "919876543210, 447911123456")
	press(t, m, "enter")
	if got := m.Recipients(); len(got) != 0 || m.numbers.Value() != "919876543210, 447911123456" {
		t.Fatalf("without a country or the toggle: recipients %v, input %q", got, m.numbers.Value())
	}
	// esc keeps the refused text; after I, a and enter take it.
	press(t, m, "esc", "I", "a", "enter")
	if got := m.Recipients(); len(got) != 2 || got[0] != "919876543210" || got[1] != "447911123456" || len(m.rejects) != 0 {
		t.Fatalf("international: recipients %v, rejects %v", got, m.rejects)
	}
	if v := flatten(m.View()); !strings.Contains(v, "default country none · digits are country code + number") {
		t.Fatalf("the toggle is not shown:\n%s", v)
	}
	press(t, m, "I")
	if got := m.Recipients(); len(got) != 0 {
		t.Fatalf("toggled off: recipients %v", got)
	}
}

// Adding a typed number with a million CSV rows loaded marks it when the
// CSV has it too: one pass over the CSV per change, never per frame.
func BenchmarkRecipientsAddTypedNumber1M(b *testing.B) {
	m := newRecipients(testCommon(b))
	withReport(m, "/data/million.csv", bigReport(1_000_000))
	m.addNumbers("+919000000001 +447911123456")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		m.refreshDups()
		_ = m.View()
	}
	if m.dups != 1 {
		b.Fatalf("dups %d, want 1", m.dups)
	}
}

// A frame with a million CSV rows and typed numbers below them, the
// cursor on a typed row.
func BenchmarkRecipientsViewTyped1M(b *testing.B) {
	m := newRecipients(testCommon(b))
	withReport(m, "/data/million.csv", bigReport(1_000_000))
	m.addNumbers("+447911123456 +447911123457 +447911123458")
	m.layoutTables()
	m.recTable.Bottom()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = m.View()
	}
}
