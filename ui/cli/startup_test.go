package cli_test

import (
	"bytes"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
)

// initLine is one line of GODEBUG=inittrace=1:
// "init pkg @0.5 ms, 1.2 ms clock, 1024 bytes, 7 allocs".
var initLine = regexp.MustCompile(`(?m)^init (\S+) @\S+ ms, ([0-9.]+) ms clock, ([0-9]+) bytes`)

// BenchmarkVersionStartup is the start-up budget (issue 9: `spotcast
// version` under 20 ms): one whole process per op, plus what the package
// initialisers cost (init-ms/op, init-B/op), and the costliest of them, so
// a dependency that starts building tables at init shows up by name.
//
//	go test ./ui/cli -run '^$' -bench VersionStartup
func BenchmarkVersionStartup(b *testing.B) {
	var initMS, initBytes float64
	heaviest := map[string]float64{}
	for b.Loop() {
		cmd := exec.Command(binary, "version")
		cmd.Env = []string{"GODEBUG=inittrace=1", "HOME=" + b.TempDir()}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			b.Fatalf("spotcast version: %v\n%s", err, stderr.String())
		}
		for _, m := range initLine.FindAllStringSubmatch(stderr.String(), -1) {
			ms, _ := strconv.ParseFloat(m[2], 64)
			by, _ := strconv.ParseFloat(m[3], 64)
			initMS += ms
			initBytes += by
			heaviest[m[1]] += ms
		}
	}
	n := float64(b.N)
	b.ReportMetric(initMS/n, "init-ms/op")
	b.ReportMetric(initBytes/n, "init-B/op")
	top, topMS := "", 0.0
	for pkg, ms := range heaviest {
		if ms > topMS {
			top, topMS = pkg, ms
		}
	}
	b.Logf("costliest initialiser: %s, %.2f ms per start", top, topMS/n)
}
