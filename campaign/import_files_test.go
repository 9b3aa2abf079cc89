package campaign

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

// pngBytes is a PNG header followed by seeded random bytes.
func pngBytes(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	b := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	for len(b) < n {
		b = append(b, byte(rng.Uint32()))
	}
	return b
}

func gzipBytes(t testing.TB, s string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestImportBadFiles: files that are not contact lists fail with an error
// saying what is wrong and what to do, whatever way they are read.
func TestImportBadFiles(t *testing.T) {
	contacts := genContacts(2000, 9)
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"png", pngBytes(5000), "this is a PNG image (binary data), not a CSV text file"},
		{"gzip", gzipBytes(t, contacts), "gzip-compressed file (binary data)"},
		{"xlsx", append([]byte("PK\x03\x04\x14\x00\x06\x00"), pngBytes(100)...), "Excel workbook (.xlsx)"},
		{"random", append([]byte("phone\n+91 98765 43210\n"), pngBytes(1000)[16:]...), "line 4 holds binary data"}, // the random bytes hold one \n first
		{"empty", nil, "the file is empty"},
		{"long phone line", []byte("+91" + strings.Repeat("9", 3<<20)), "line 1 is longer than 1 MiB: this is not a contact list"},
		{"long name", []byte("phone,name\n+91 98765 43210," + strings.Repeat("a", 2<<20) + "\n"), "line 2 is longer than 1 MiB"},
		{"long letters", []byte(strings.Repeat("a", 3<<20)), `no phone column found: the header has "aaaaaaaaa`},
		// Line 2 is 22 bytes with its newline, the others 20: line 52430 is
		// the first to take the record past 1 MiB (22 + 52427*20 + 19).
		{"quote never closed", []byte("phone,name\n+91 98765 43210,\"Asha\n" + strings.Repeat("+44 7400 123456,Bob\n", 100000)),
			"line 2: a quoted field that starts here is still open at line 52430, over 1 MiB later"},
		{"quote not closed at the end", []byte("phone,name\n+91 98765 43210,\"Asha\n+44 7400 123456,Bob\n"),
			"line 2: the quoted field that starts here is not closed properly (still open at line 3)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for rname, r := range map[string]io.Reader{
				"whole":    bytes.NewReader(tc.in),
				"one byte": iotest.OneByteReader(bytes.NewReader(tc.in)),
				"half":     iotest.HalfReader(bytes.NewReader(tc.in)),
			} {
				if rname == "one byte" && len(tc.in) > 1<<20 {
					continue // slow, and the half reader already splits reads
				}
				rep, err := Import(context.Background(), r, int64(len(tc.in)), ImportOptions{})
				if err == nil || rep != nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("%s: report %v, error %v; want an error containing %q", rname, rep, err, tc.want)
				}
				if len(err.Error()) > 400 {
					t.Errorf("%s: error of %d bytes: a message must stay short", rname, len(err.Error()))
				}
			}
		})
	}
}

// TestImportLatin1NamesBecomeReplacementCharacters: a Windows-1252 / Latin-1
// export is not refused: the numbers are ASCII and import; names keep their
// ASCII letters, each byte that is not UTF-8 becomes U+FFFD.
func TestImportLatin1NamesBecomeReplacementCharacters(t *testing.T) {
	rep, err := importString("phone,name\n+91 98765 43210,Jos\xe9 \xc1lvarez\n+44 7400 123456,M\xfcller\n\xff\xfe+1 415,x\n", ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Valid != 2 || rep.Recipients[0].Name != "Jos\uFFFD \uFFFDlvarez" || rep.Recipients[1].Name != "M\uFFFDller" {
		t.Errorf("recipients %+v", rep.Recipients)
	}
	for _, p := range rep.Problems {
		if !utf8.ValidString(p.Value) {
			t.Errorf("problem value %q is not UTF-8", p.Value)
		}
	}
	if len(rep.Problems) != 1 || rep.Problems[0].Value != "\uFFFD\uFFFD+1 415" {
		t.Errorf("problems %+v", rep.Problems)
	}
}

// TestImportRecordCap: a record of exactly MaxRecordBytes is read, one byte
// more is refused, with and without quoted line breaks, however the reads
// fall.
func TestImportRecordCap(t *testing.T) {
	const prefix = "phone,name\n+91 98765 43210,"
	row := len("+91 98765 43210,")
	plain := func(n int) string { return prefix + strings.Repeat("a", n-row) + "\n+44 7400 123456,b\n" }
	quoted := func(n int) string {
		// "a\na\n...": the record spans many lines; its length counts them.
		body := strings.Repeat("a\n", (n-row-2)/2)
		if (n-row-2)%2 == 1 {
			body += "a"
		}
		return prefix + "\"" + body + "\"\n+44 7400 123456,\"b\"\"\"\n"
	}
	for name, mk := range map[string]func(int) string{"plain": plain, "quoted": quoted} {
		for _, n := range []int{MaxRecordBytes, MaxRecordBytes + 1} {
			in := mk(n)
			for rname, r := range map[string]io.Reader{
				"whole": strings.NewReader(in),
				"half":  iotest.HalfReader(strings.NewReader(in)),
				"odd":   &chunkReader{r: strings.NewReader(in), sizes: []int{1, 7, 4093, 65536, 3}},
			} {
				rep, err := Import(context.Background(), r, 0, ImportOptions{})
				switch {
				case n == MaxRecordBytes && (err != nil || rep.Valid != 2):
					t.Errorf("%s %s %d bytes: %v %+v; want both rows", name, rname, n, err, rep)
				case n > MaxRecordBytes && (err == nil || !errors.As(err, new(errTooLong))):
					t.Errorf("%s %s %d bytes: error %v; want the record refused", name, rname, n, err)
				}
			}
		}
	}
}

// chunkReader reads in the given sizes, in turn.
type chunkReader struct {
	r     io.Reader
	sizes []int
	i     int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	n := c.sizes[c.i%len(c.sizes)]
	c.i++
	return c.r.Read(p[:min(n, len(p))])
}

// TestImportLongLineMemoryIsBounded imports a 50 MB file that is one line
// and measures how far the heap grows: the record cap stops encoding/csv
// from buffering the line (it took about 300 MB before the cap).
func TestImportLongLineMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 50 MB file")
	}
	path := filepath.Join(t.TempDir(), "one-line.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte("9"), 1<<20)
	f.WriteString("+91")
	for range 50 {
		if _, err := f.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	grow := heapGrowth(t, func() {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		_, err = Import(context.Background(), f, 50<<20, ImportOptions{})
		if err == nil || !strings.Contains(err.Error(), "line 1 is longer than 1 MiB") {
			t.Errorf("error %v; want the line refused", err)
		}
	})
	t.Logf("peak heap growth importing a 50 MB line: %.1f MB", float64(grow)/(1<<20))
	if grow > 32<<20 {
		t.Errorf("heap grew by %d MB; want under 32", grow>>20)
	}
}

// heapGrowth runs fn and returns the peak growth of HeapInuse over the
// settled heap before it, sampled continuously while fn runs.
func heapGrowth(t *testing.T, fn func()) uint64 {
	t.Helper()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapInuse, ms.HeapInuse
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-done:
				return
			default:
				runtime.Gosched()
			}
		}
	}()
	fn()
	close(done)
	<-sampled
	return peak - base
}

// TestImportLongValueIsCut: a rejected value is reported cut to 100 bytes,
// on a character boundary: a report never carries a megabyte cell.
func TestImportLongValueIsCut(t *testing.T) {
	long := "+91 " + strings.Repeat("x", 5000)
	wide := "+" + strings.Repeat("é", 5000) // byte 100 is inside an é
	rep, err := importString("phone\n"+long+"\n"+wide+"\n+91 98765 43210\n", ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 2 || rep.Valid != 1 {
		t.Fatalf("report %+v", rep)
	}
	if got, want := rep.Problems[0].Value, long[:100]+Ellipsis; got != want {
		t.Errorf("value %q, want %q", got, want)
	}
	if got, want := rep.Problems[1].Value, wide[:99]+Ellipsis; got != want {
		t.Errorf("value %q, want %q", got, want)
	}
	if got := rep.Problems[0].Line; got != 2 {
		t.Errorf("line %d, want 2", got)
	}
}
