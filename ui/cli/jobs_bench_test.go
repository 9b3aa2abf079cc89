package cli_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"spotcast/campaign/store"
	"spotcast/campaign/store/benchdata"
)

// jobsState is a state directory whose SQLite database holds 10,000
// campaigns (benchdata's history, imported by the store as on a first
// open), made once per test binary.
var jobsState = sync.OnceValues(func() (string, error) {
	// Beside the binary: TestMain removes it after the run.
	dir, err := os.MkdirTemp(filepath.Dir(binary), "jobs-bench")
	if err != nil {
		return "", err
	}
	if _, err := benchdata.Write(dir, 10_000, time.Date(2026, 11, 30, 18, 0, 0, 0, time.UTC), 11); err != nil {
		return dir, err
	}
	db, err := store.Open(context.Background(), store.Options{StateDir: dir})
	if err != nil {
		return dir, err
	}
	return dir, db.Close()
})

// BenchmarkJobsCommand runs the real binary as a user does — `spotcast
// jobs` (the default page of 50) and `jobs --json`, output to a pipe —
// against 10,000 campaigns in SQLite; the budget is 100 ms. `spotcast
// version` beside it is the floor: starting the process.
//
//	go test -run '^$' -bench JobsCommand -benchtime 30x ./ui/cli/
func BenchmarkJobsCommand(b *testing.B) {
	dir, err := jobsState()
	if err != nil {
		b.Fatal(err)
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + filepath.Dir(dir),
		"SPOTCAST_STATE_DIR=" + dir,
		"TZ=UTC",
		"NO_COLOR=1",
	}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"version", []string{"version"}},
		{"jobs", []string{"jobs"}},
		{"jobs--json", []string{"jobs", "--json"}},
		{"jobs--status=unknown", []string{"jobs", "--status", "unknown"}},
		{"jobs--operator=alice", []string{"jobs", "--operator", "alice"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			ds := make([]time.Duration, 0, b.N)
			var out, errOut bytes.Buffer
			for range b.N {
				out.Reset()
				errOut.Reset()
				cmd := exec.Command(binary, c.args...)
				cmd.Env, cmd.Stdout, cmd.Stderr = env, &out, &errOut
				start := time.Now()
				err := cmd.Run()
				ds = append(ds, time.Since(start))
				if err != nil {
					b.Fatalf("spotcast %s: %v\n%s", strings.Join(c.args, " "), err, errOut.String())
				}
			}
			if c.name != "version" && (out.Len() == 0 || strings.Contains(out.String(), "No ")) {
				b.Fatalf("spotcast %s listed nothing:\n%s\n%s", strings.Join(c.args, " "), out.String(), errOut.String())
			}
			b.ReportMetric(float64(out.Len()), "stdout-bytes")
			sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
			pct := func(q float64) float64 {
				i := int(q*float64(len(ds)) + 0.999999)
				return float64(ds[min(max(i-1, 0), len(ds)-1)]) / float64(time.Millisecond)
			}
			b.ReportMetric(pct(0.5), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
		})
	}
}
