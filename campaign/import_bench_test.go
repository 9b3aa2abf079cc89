package campaign

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

// benchContacts is the budget's input (SPEC section 4): 1,000,000 rows of
// phone,name,city with numbers like "+91 98xxx xxxxx", about 38 MB.
func benchContacts(rows int) []byte {
	rng := rand.New(rand.NewPCG(42, 42))
	var b bytes.Buffer
	b.Grow(rows * 40)
	b.WriteString("phone,name,city\n")
	for i := range rows {
		fmt.Fprintf(&b, "+91 98%03d %05d,Person %07d,Mumbai\n", rng.IntN(1000), rng.IntN(100000), i)
	}
	return b.Bytes()
}

// BenchmarkImport1M is the import budget: under 2 s and 300 MB peak for
// 1,000,000 rows on a 2-core machine. peak-MB is the most memory the Go
// runtime held from the OS during the run (heap, stacks, GC metadata).
func BenchmarkImport1M(b *testing.B) {
	in := benchContacts(1_000_000)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	var peak uint64
	for b.Loop() {
		runtime.GC()
		stop := trackPeak(&peak)
		rep, err := Import(context.Background(), bytes.NewReader(in), int64(len(in)), ImportOptions{})
		stop()
		if err != nil {
			b.Fatal(err)
		}
		if rep.Rows != 1_000_000 || rep.Valid+rep.Duplicates != rep.Rows {
			b.Fatalf("rows %d valid %d duplicates %d invalid %d", rep.Rows, rep.Valid, rep.Duplicates, rep.Invalid)
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
	b.ReportMetric(float64(len(in))/(1<<20), "input-MB")
}

// trackPeak samples the runtime's total mapped memory, less the benchmark
// input it does not own, until stop is called.
func trackPeak(peak *uint64) (stop func()) {
	sample := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	read := func() {
		metrics.Read(sample)
		if v := sample[0].Value.Uint64() - sample[1].Value.Uint64(); v > *peak {
			*peak = v
		}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-done:
				read()
				return
			case <-time.After(time.Millisecond):
				read()
			}
		}
	}()
	return func() { close(done); <-finished }
}

// BenchmarkImport1MFile imports the budget's input from a file, as the CLI
// does, so that the peak resident size of the process can be measured:
//
//	go test -c -o /tmp/campaign.test ./campaign
//	/usr/bin/time -v /tmp/campaign.test -test.run '^$' -test.bench Import1MFile -test.benchtime 1x
func BenchmarkImport1MFile(b *testing.B) {
	path := filepath.Join(b.TempDir(), "contacts.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	rng := rand.New(rand.NewPCG(42, 42))
	w.WriteString("phone,name,city\n")
	for i := range 1_000_000 {
		fmt.Fprintf(w, "+91 98%03d %05d,Person %07d,Mumbai\n", rng.IntN(1000), rng.IntN(100000), i)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	b.ReportAllocs()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		st, _ := f.Stat()
		rep, err := Import(context.Background(), f, st.Size(), ImportOptions{})
		f.Close()
		if err != nil || rep.Rows != 1_000_000 {
			b.Fatalf("%v %v", rep, err)
		}
	}
}

var benchNumbers = []string{"+91 98765 43210", "+44 7400 123456", "+1 (415) 555-2671", "+49 30 901820", "+86 131 2345 6789"}

// BenchmarkNormalizePhone is the per-number cost of the fast path.
func BenchmarkNormalizePhone(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		if _, err := NormalizePhone(benchNumbers[i%len(benchNumbers)], ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNormalizePhoneParser is the same through libphonenumber's
// Parse + IsValidNumber + Format, for comparison.
func BenchmarkNormalizePhoneParser(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		if _, reason := slowNormalize(benchNumbers[i%len(benchNumbers)], ""); reason != "" {
			b.Fatal(reason)
		}
	}
}
