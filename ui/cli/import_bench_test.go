package cli

// The import budget (SPEC section 4), measured on the command itself:
//
//	go test ./ui/cli -run '^$' -bench ImportCommand -benchtime 3x
//	go test ./ui/cli -run '^$' -bench ImportCommand -benchtime 1x -import.rows 10000000
//
// "command" runs `spotcast import FILE --json --default-country IN` through
// run(...) with stdout to io.Discard; "encoding-csv" is a bare
// encoding/csv read (ReuseRecord) of the same file, the floor. Peak RSS of
// the built binary is measured apart with /usr/bin/time -v (see the issue
// note): a benchmark shares its process with the test binary.

import (
	"bufio"
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var importBenchRows = flag.Int("import.rows", 1_000_000, "rows of the generated file for BenchmarkImportCommand")

// writeMixedContacts writes the budget's mixed list: half international
// numbers, a quarter national (for the default country IN), a tenth
// invalid (letters, too short, spreadsheet damage), the rest duplicates of
// earlier rows.
func writeMixedContacts(tb testing.TB, path string, rows int) {
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(42, 42))
	bad := []string{"n/a", "+91 98765", "9.19E+11", "call me", "+91 12345 67890"}
	var prev []string
	w.WriteString("phone,name,city\n")
	for i := range rows {
		var p string
		switch k := rng.IntN(100); {
		case k < 50:
			p = fmt.Sprintf("+91 98%03d %05d", rng.IntN(1000), rng.IntN(100000))
		case k < 75:
			p = fmt.Sprintf("098%03d %05d", rng.IntN(1000), rng.IntN(100000))
		case k < 85:
			p = bad[rng.IntN(len(bad))]
		case len(prev) > 0:
			p = prev[rng.IntN(len(prev))]
		default:
			p = "+91 98765 43210"
		}
		if len(prev) < 1000 {
			prev = append(prev, p)
		}
		fmt.Fprintf(w, "%s,Person %07d,Mumbai\n", p, i)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// countingDiscard counts what the command writes, so the benchmark can
// check it wrote a whole report.
type countingDiscard struct{ n int64 }

func (c *countingDiscard) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func BenchmarkImportCommand(b *testing.B) {
	path := filepath.Join(b.TempDir(), "mixed.csv")
	writeMixedContacts(b, path, *importBenchRows)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("command", func(b *testing.B) {
		b.SetBytes(st.Size())
		for b.Loop() {
			out := &countingDiscard{}
			var errOut strings.Builder
			s := streams{in: strings.NewReader(""), out: out, errOut: &errOut, getenv: func(string) string { return "" }, now: time.Now}
			if code := run(context.Background(), []string{"import", path, "--json", "--default-country", "IN"}, s); code != 0 {
				b.Fatalf("exit %d: %s", code, errOut.String())
			}
			if out.n < int64(*importBenchRows)*5 {
				b.Fatalf("only %d bytes of JSON", out.n)
			}
		}
	})
	b.Run("encoding-csv", func(b *testing.B) {
		b.SetBytes(st.Size())
		for b.Loop() {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			r := csv.NewReader(bufio.NewReaderSize(f, 64<<10))
			r.ReuseRecord = true
			n := 0
			for {
				_, err := r.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			f.Close()
			if n != *importBenchRows+1 {
				b.Fatalf("read %d records", n)
			}
		}
	})
}
