package ui

import (
	"bytes"
	"compress/gzip"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
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
