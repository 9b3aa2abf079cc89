package ui

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"spotcast/campaign"
)

// TestRecipientsBadFilesShowAnErrorPanel types the path of each bad file in
// the Recipients step: the import ends in the error panel naming the file
// and the problem, nothing is imported, the step does not let the wizard on,
// and memory stays bounded (a 50 MB line included).
func TestRecipientsBadFilesShowAnErrorPanel(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(5, 6))
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	for len(png) < 8192 {
		png = append(png, byte(rng.Uint32()))
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("Name,Phone\nAsha,+91 98765 00001\n"))
	zw.Close()
	if err := os.Mkdir(filepath.Join(dir, "folder.csv"), 0o700); err != nil {
		t.Fatal(err)
	}
	long := filepath.Join(dir, "one-line.csv")
	if err := os.WriteFile(long, append([]byte("+91"), bytes.Repeat([]byte("9"), 50<<20)...), 0o600); err != nil {
		t.Fatal(err)
	}
	runtime.GC() // the 50 MB buffer above is garbage now
	for _, tc := range []struct {
		name, file string
		content    []byte
		want       string
	}{
		{"png", "photo.csv", png, "PNG image"},
		{"gzip", "contacts.csv.gz.csv", gz.Bytes(), "gunzip"},
		{"empty", "empty.csv", []byte{}, "the file is empty"},
		{"directory", "folder.csv", nil, "directory"},
		{"missing", "missing.csv", nil, "does not exist"},
		{"50 MB line", "one-line.csv", nil, "line 1 is longer than 1 MiB"},
		{"unterminated quote", "quote.csv", []byte("Name,Phone\n\"Asha,+91 98765 00001\nBen,+91 98765 00002\n"), "line 2: the quoted field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.file)
			if tc.content != nil {
				writeFile(t, dir, tc.file, string(tc.content))
			}
			// At 80x24 the panel wraps: the file name and the whole message
			// (with what to do) stay readable.
			m := newRecipients(testCommon(t))
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			press(t, m, "i")
			typeText(t, m, path)
			press(t, m, "enter") // starts the import; press pumps it to the end
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			v := flatten(m.View())
			if m.importing || m.Report() != nil || !strings.Contains(v, "Cannot import") ||
				!strings.Contains(v, tc.file) || !strings.Contains(v, tc.want) {
				t.Errorf("want the error panel naming %s and %q:\n%s", tc.file, tc.want, v)
			}
			if len(m.Recipients()) != 0 || m.Validate() == "" {
				t.Errorf("a failed import left recipients %v / Validate %q", m.Recipients(), m.Validate())
			}
			assertFits(t, m.View(), 80, 24)
			// Total allocation bounds the peak: the 50 MB file must not be
			// read into memory (it took about 300 MB before the record cap).
			got := after.TotalAlloc - before.TotalAlloc
			if tc.name == "50 MB line" {
				t.Logf("the 50 MB line: %.1f MB allocated in all", float64(got)/(1<<20))
			}
			if got > 32<<20 {
				t.Errorf("importing %s allocated %d MB; want under 32", tc.file, got>>20)
			}
		})
	}
}

// TestRecipientsLatin1File: a Latin-1 export imports; names show U+FFFD
// where a byte is not UTF-8.
func TestRecipientsLatin1File(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "latin1.csv", "Name,Phone\nJos\xe9 \xc1lvarez,+91 98765 00001\nM\xfcller,+91 98765 00002\n")
	m := newRecipients(testCommon(t))
	pump(t, m, m.Prefill(path, nil, nil))
	if got := m.Recipients(); len(got) != 2 || m.importErr != nil {
		t.Fatalf("recipients %v, error %v", got, m.importErr)
	}
	if v := ansi.Strip(m.View()); !strings.Contains(v, "Jos\uFFFD \uFFFDlvarez") || !strings.Contains(v, "M\uFFFDller") {
		t.Errorf("names not shown with U+FFFD:\n%s", v)
	}
}

// flatten joins a bordered, wrapped view into one line of words, so a
// message can be looked for wherever it wrapped.
func flatten(view string) string {
	var b strings.Builder
	for _, l := range strings.Split(ansi.Strip(view), "\n") {
		l = strings.TrimSpace(strings.Trim(l, " │┃|"))
		if l == "" {
			continue
		}
		// A path wraps after a / or a - : that line break is no space.
		if s := b.String(); s != "" && !strings.HasSuffix(s, "/") && !strings.HasSuffix(s, "-") {
			b.WriteByte(' ')
		}
		b.WriteString(strings.Join(strings.Fields(l), " "))
	}
	return b.String()
}

// toRecipients opens the Recipients step of a root model with a text.
func toRecipients(t *testing.T, m *Model) {
	t.Helper()
	rootPress(m, "tab")
	rootType(m, "Hello")
	rootPress(m, "tab")
	if m.active != stepRecipients {
		t.Fatalf("active %s, want Recipients", m.active)
	}
}

// typePath types a CSV path on Recipients and runs the import.
func typePath(m *Model, p string) {
	rootPress(m, "i")
	rootType(m, p)
	feed(m, rootPress(m, "enter"))
}

// goldenSizes compares the screen at 80×24 and 60×16 with
// testdata/NAME_80x24.golden and NAME_60x16.golden, checking it fits.
func goldenSizes(t *testing.T, m *Model, name string) {
	t.Helper()
	for _, s := range [][2]int{{80, 24}, {60, 16}} {
		m.Update(tea.WindowSizeMsg{Width: s[0], Height: s[1]})
		assertScreenFits(t, m, s[0], s[1])
		golden(t, fmt.Sprintf("%s_%dx%d", name, s[0], s[1]), rootView(m))
	}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
}

// Issue 10 item 1: a mistyped path, then a file without a phone column,
// leave the list in use (report, recipients, table) and say what failed,
// where, and what to do; the wizard still goes on with the list.
func TestRecipientsFailedImportKeepsTheList(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "contacts.csv", contactsCSV)
	writeFile(t, dir, "no-phone.csv", "name,city,contact no\nAsha,Pune,+91 98765 00001\nBen,Leeds,+44 7911 000002\n")
	// In an import folder (as over SSH) paths show relative to it: the
	// goldens hold no temporary folder.
	opts := rootOptions(t)
	opts.ImportDir = dir
	m := rootModel(t, opts)
	toRecipients(t, m)
	typePath(m, filepath.Base(good))
	rep := m.recipients.Report()
	if rep == nil || rep.Valid != 3 {
		t.Fatalf("the good file did not import:\n%s", rootView(m))
	}

	typePath(m, "contacts-typo.csv")
	if m.recipients.Report() != rep || len(m.recipients.Recipients()) != 3 || m.recipients.ImportErr() != nil {
		t.Fatalf("a mistyped path changed the list: report %p (was %p), %v", m.recipients.Report(), rep, m.recipients.Recipients())
	}
	v := flatten(m.View())
	for _, want := range []string{"Cannot import contacts-typo.csv", "no such file in the import directory",
		"Still using contacts.csv (3 recipients).", "Asha Rao", "+919876543210"} {
		if !strings.Contains(v, want) {
			t.Errorf("screen lacks %q:\n%s", want, rootView(m))
		}
	}
	goldenSizes(t, m, "recipients_failed_keeps_list")

	// No phone column: the picker of its columns opens by itself.
	typePath(m, "no-phone.csv")
	rootHas(t, m, "No phone column found in no-phone.csv", "contact no", "+91 98765 00001")
	goldenSizes(t, m, "recipients_column_picker")
	rootPress(m, "esc")
	if m.recipients.Report() != rep {
		t.Fatal("closing the picker changed the list")
	}
	v = flatten(m.View())
	if !strings.Contains(v, "no phone column found") || !strings.Contains(v, "press p") || strings.Contains(v, "--phone-column") {
		t.Errorf("the error does not point at p:\n%s", rootView(m))
	}
	// The wizard goes on with the list in use.
	rootPress(m, "tab")
	if m.active != stepSchedule {
		t.Fatalf("the kept list did not let the wizard on: %s (%s)", m.active, m.err)
	}
	rootPress(m, "esc")

	// A column with no number in it does not replace the list either.
	feed(m, rootPress(m, "p"))
	feed(m, rootPress(m, "enter")) // "name"
	if m.recipients.Report() != rep {
		t.Fatal("a column without numbers replaced the list")
	}
	if v := flatten(m.View()); !strings.Contains(v, `no valid number in column "name" of 2 rows (line 2: not a phone number`) ||
		!strings.Contains(v, "name the phone column (press p), or set the default country (press c)") {
		t.Errorf("the empty column is not explained:\n%s", rootView(m))
	}

	// p lists the failed file's columns; enter on "contact no" reads it.
	feed(m, rootPress(m, "p"))
	rootPress(m, "jj", "k", "down") // a burst of two keys, then two
	feed(m, rootPress(m, "enter"))
	r2 := m.recipients.Report()
	if r2 == nil || r2 == rep || r2.Column != "contact no" || len(m.recipients.Recipients()) != 2 {
		t.Fatalf("the chosen column was not imported: %+v\n%s", r2, rootView(m))
	}
	rootHas(t, m, `no-phone.csv — column "contact no" (chosen), with names`)

	// x puts a failed file's error away; the list in use stays.
	typePath(m, "gone.csv")
	rootHas(t, m, "Cannot import gone.csv")
	if h := renderHelp(m.recipients); !strings.Contains(h, "x dismiss the error") {
		t.Errorf("help lacks x: %s", h)
	}
	rootPress(m, "x")
	rootLacks(t, m, "Cannot import")
	if m.recipients.Report() != r2 {
		t.Fatal("x dropped the list in use")
	}
}

// p opens the columns of the list in use with the column used selected;
// choosing another re-imports with it. Keys j/k and the arrows move.
func TestRecipientsColumnPickerPreselectsTheColumnInUse(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "two.csv", "Name,Mobile,Office phone\nAsha,+91 98765 00001,+44 7911 000001\nBen,+91 98765 00002,+44 7911 000002\n")
	m := rootModel(t, rootOptions(t))
	toRecipients(t, m)
	typePath(m, p)
	if r := m.recipients.Report(); r == nil || r.Column != "Mobile" {
		t.Fatalf("detected column: %+v", r)
	}
	feed(m, rootPress(m, "p"))
	rootHas(t, m, "> Mobile ✓", "Office phone")
	rootPress(m, "up", "down", "k", "j", "j")
	rootHas(t, m, "> Office phone")
	feed(m, rootPress(m, "enter"))
	if got := m.recipients.Recipients(); len(got) != 2 || got[0] != "447911000001" {
		t.Fatalf("after choosing Office phone: %v", got)
	}
	// And the draft keeps the choice.
	if d := m.draftSnapshot(); d.PhoneColumn != "Office phone" || d.CSVRows != 2 {
		t.Errorf("draft phone column %q rows %d", d.PhoneColumn, d.CSVRows)
	}
	// esc leaves everything as it was.
	feed(m, rootPress(m, "p"))
	rootHas(t, m, "> Office phone ✓")
	rootPress(m, "up", "esc")
	if got := m.recipients.Recipients(); len(got) != 2 || got[0] != "447911000001" || m.recipients.Capturing() {
		t.Fatalf("esc changed the list: %v", got)
	}
}

// An upload checked with a phone column and a default country (ssh HOST
// import) is read the same way when picked in the TUI.
func TestRecipientsUploadReadWithItsOptions(t *testing.T) {
	dir := t.TempDir()
	up := writeFile(t, dir, "upload-20260314T093000Z.csv", "name,contact no\nAsha,98765 00001\nBen,98765 00002\n")
	if err := campaign.WriteUploadMeta(up, campaign.UploadMeta{PhoneColumn: "contact no", DefaultCountry: "IN"}); err != nil {
		t.Fatal(err)
	}
	opts := rootOptions(t)
	opts.ImportDir = dir
	m := rootModel(t, opts)
	toRecipients(t, m)
	feed(m, rootPress(m, "o"))
	rootHas(t, m, "upload-20260314T093000Z.csv", "your import folder")
	rootLacks(t, m, dir)
	feed(m, rootPress(m, "enter"))
	if got := m.recipients.Recipients(); len(got) != 2 || got[0] != "919876500001" {
		t.Fatalf("the upload was not read with its options: %v\n%s", got, rootView(m))
	}
	rootHas(t, m, `read as it was uploaded: phone column "contact no", default country IN`, "(chosen)")
	// The sidecar is not a contact list: the picker does not offer it.
	feed(m, rootPress(m, "o"))
	rootLacks(t, m, ".json")
}

// Over SSH an empty import folder says how to upload, not bubbles'
// "Bummer. No Files Found."
func TestRecipientsEmptyPickerSaysHowToUpload(t *testing.T) {
	opts := rootOptions(t)
	opts.ImportDir = t.TempDir()
	m := rootModel(t, opts)
	toRecipients(t, m)
	feed(m, rootPress(m, "o"))
	rootHas(t, m, "No contact lists uploaded yet", "ssh <this server> import < file.csv")
	rootLacks(t, m, "Bummer", opts.ImportDir)
	goldenSizes(t, m, "recipients_empty_ssh_picker")
}

// ~ and quotes in a typed path work; a path that does not exist is shown
// resolved; backslash-escaped spaces (a drag and drop) work too.
func TestRecipientsTypedPathResolved(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	writeFile(t, home, "my contacts.csv", contactsCSV)
	for _, typed := range []string{`~/my contacts.csv`, `"~/my contacts.csv"`, `'` + home + `/my contacts.csv'`, home + `/my\ contacts.csv`} {
		m := rootModel(t, rootOptions(t))
		toRecipients(t, m)
		typePath(m, typed)
		if r := m.recipients.Report(); r == nil || r.Valid != 3 {
			t.Errorf("%s: not imported:\n%s", typed, rootView(m))
		}
	}
	m := rootModel(t, rootOptions(t))
	toRecipients(t, m)
	typePath(m, `"~/missing.csv"`) // quoted, as a shell would take it
	if v := flatten(m.View()); !strings.Contains(v, "Cannot import "+filepath.Join(home, "missing.csv")) {
		t.Errorf("the resolved path is not shown:\n%s", rootView(m))
	}
}

// tab completes a path in the path input: to the longest common prefix,
// listing the matches; inside an import folder only.
func TestRecipientsPathTabCompletes(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "contacts-2024.csv", contactsCSV)
	writeFile(t, dir, "contacts-2025.csv", contactsCSV)
	if err := os.Mkdir(filepath.Join(dir, "lists"), 0o755); err != nil {
		t.Fatal(err)
	}
	m := rootModel(t, rootOptions(t))
	toRecipients(t, m)
	rootPress(m, "i")
	rootType(m, filepath.Join(dir, "co"))
	feed(m, rootPress(m, "tab"))
	if got := m.recipients.path.Value(); got != filepath.Join(dir, "contacts-202") {
		t.Fatalf("tab: %q", got)
	}
	rootHas(t, m, "2 matches: contacts-2024.csv  contacts-2025.csv")
	rootType(m, "4")
	feed(m, rootPress(m, "tab"))
	if got := m.recipients.path.Value(); got != filepath.Join(dir, "contacts-2024.csv") {
		t.Fatalf("tab: %q", got)
	}
	if m.active != stepRecipients {
		t.Fatal("tab in the path input left the step")
	}
	feed(m, rootPress(m, "enter"))
	if r := m.recipients.Report(); r == nil || r.Valid != 3 {
		t.Fatalf("the completed path did not import:\n%s", rootView(m))
	}

	// Under an import folder: its entries, relative, and nothing above it.
	opts := rootOptions(t)
	opts.ImportDir = dir
	m = rootModel(t, opts)
	toRecipients(t, m)
	rootPress(m, "i")
	rootType(m, "li")
	feed(m, rootPress(m, "tab"))
	if got := m.recipients.path.Value(); got != "lists"+string(filepath.Separator) {
		t.Fatalf("tab under the import folder: %q", got)
	}
	rootPress(m, "ctrl+u")
	rootType(m, "../")
	feed(m, rootPress(m, "tab"))
	if got := m.recipients.path.Value(); got != "../" {
		t.Fatalf("tab completed outside the import folder: %q", got)
	}
}

// Typed numbers are rows of the table with their source; d removes the
// selected typed one; a CSV row says where to change it.
func TestRecipientsTypedNumbersListedAndRemoved(t *testing.T) {
	dir := t.TempDir()
	m := rootModel(t, rootOptions(t))
	toRecipients(t, m)
	typePath(m, writeFile(t, dir, "contacts.csv", contactsCSV))
	rootPress(m, "a")
	rootType(m, "+447911123457, +919876543210")
	rootPress(m, "enter")
	rootHas(t, m, "4       +447911123457", "5       +919876543210", "typed, in CSV", "Recipients (4)", "2 typed numbers")
	rootPress(m, "end")
	goldenSizes(t, m, "recipients_typed_in_table")
	rootPress(m, "d")
	if got := m.recipients.Recipients(); len(got) != 4 || len(m.recipients.typed) != 1 || m.recipients.typed[0] != "447911123457" {
		t.Fatalf("d on the typed duplicate: recipients %v typed %v", got, m.recipients.typed)
	}
	rootHas(t, m, "+919876543210 removed", "1 typed number ·")
	rootPress(m, "end", "d")
	if len(m.recipients.typed) != 0 || len(m.recipients.Recipients()) != 3 {
		t.Fatalf("d on the last typed: %v", m.recipients.typed)
	}
	rootPress(m, "home", "d")
	if len(m.recipients.Recipients()) != 3 {
		t.Fatal("d removed a CSV row")
	}
	rootHas(t, m, "this number comes from contacts.csv: remove it from the file")
	// The draft keeps only what is left.
	if d := m.draftSnapshot(); d.UI[draftUINumbers] != "" || len(d.Recipients) != 0 {
		t.Errorf("draft after removing: %+v", d)
	}
}

// X asks before clearing, over the root too (y/N).
func TestRecipientsClearAsksFirst(t *testing.T) {
	m := rootModel(t, rootOptions(t))
	toRecipients(t, m)
	rootPress(m, "a")
	rootType(m, "+447911123457")
	rootPress(m, "enter", "g")
	rootType(m, "grp_1 grp_2")
	rootPress(m, "enter", "X")
	rootHas(t, m, "Clear 1 typed number and 2 group IDs? y clears")
	goldenSizes(t, m, "recipients_clear_asks")
	rootPress(m, "enter") // not y: kept, and enter did not leave the step
	if m.active != stepRecipients || len(m.recipients.Groups()) != 2 {
		t.Fatalf("enter on the question: active %s groups %v", m.active, m.recipients.Groups())
	}
	rootPress(m, "X", "y")
	if len(m.recipients.Groups())+len(m.recipients.Recipients()) != 0 {
		t.Fatal("X y did not clear")
	}
}

// At 60×16 the failed import's panel leaves the table a few rows: short of
// room it loses its border and, for a long message, is cut with "…".
func TestRecipientsFailedPanelLeavesTableRows(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "contacts.csv", contactsCSV)
	opts := rootOptions(t)
	opts.ImportDir = dir
	m := rootModel(t, opts)
	toRecipients(t, m)
	typePath(m, filepath.Base(good))
	typePath(m, strings.Repeat("a-very-long-name-", 12)+".csv")
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 16})
	assertScreenFits(t, m, 60, 16)
	rootHas(t, m, "✗ Cannot import", "…", "+919876543210", "+447911123456", "+14155552671")
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	rootHas(t, m, "┌", "Still using contacts.csv (3 recipients).")
}
