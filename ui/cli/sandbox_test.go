package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"spotcast/client/sandbox"
)

// sendBulk runs `send --sandbox` of n recipients on state and returns the
// job ID it printed.
func sendBulk(t *testing.T, env []string, n int, extra ...string) string {
	t.Helper()
	args := []string{"send", "--content", "hi", "--yes", "--json"}
	for _, p := range numbers(n) {
		args = append(args, "--to", "+"+p)
	}
	r := run(t, runOpts{env: env}, append(args, extra...)...)
	var out struct {
		Requests []struct{ JobID string }
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &out) != nil || len(out.Requests) != 1 || out.Requests[0].JobID == "" {
		t.Fatalf("send of %d recipients: want exit 0 and one job\n%s", n, r)
	}
	return out.Requests[0].JobID
}

// watchEnds checks a plain watch of id reached COMPLETED with the exit code
// its failures call for (the sandbox fails a few messages at random).
func watchEnds(t *testing.T, env []string, id string, args ...string) {
	t.Helper()
	r := run(t, runOpts{env: env}, append(args, "watch", id)...)
	final, want := "", 5
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(l, id+" COMPLETED ") {
			final = l
		}
	}
	if strings.HasSuffix(final, "/12 sent, 0 failed") {
		want = 0
	}
	if r.code != want || !strings.Contains(final, "/12 sent, ") {
		t.Fatalf("watch of %s in a later run: want COMPLETED, exit %d\n%s", id, want, r)
	}
}

// A job sent in one `--sandbox` run is watched to the end from another:
// the built-in sandbox keeps its jobs in the state directory (README:
// detach, then re-attach).
func TestSandboxJobsOutliveTheRun(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	env := []string{"SPOTCAST_STATE_DIR=" + state}
	id := sendBulk(t, env, 12, "--sandbox")
	watchEnds(t, env, id, "--sandbox")
	if recs := readJobs(t, env); len(recs) != 1 || !recs[0].Sandbox {
		t.Fatalf("jobs --json does not mark the campaign as the sandbox's: %+v", recs)
	}
	// Watching a sandbox job through a real API is refused, naming both.
	r := run(t, runOpts{env: append(env, "WHATSSPOT_API_KEY=k-0123456789abcdef")}, "watch", id)
	if r.code != 2 || !strings.Contains(r.stderr, "was sent to the sandbox") || !strings.Contains(r.stderr, "https://api.whatsspot.in") {
		t.Fatalf("watch of a sandbox job against the real API: want exit 2 naming both\n%s", r)
	}
	if _, err := os.Stat(filepath.Join(state, "sandbox", "jobs", id+".json")); err != nil {
		t.Fatalf("the job is not in the state directory: %v", err)
	}

	// A damaged job file is a warning, not a failure.
	bad := filepath.Join(state, "sandbox", "jobs", "job_00000000000000aa.json")
	if err := os.WriteFile(bad, []byte("{\"version\":"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = run(t, runOpts{env: env}, "send", "--sandbox", "--to", "+919876500001", "--content", "hi", "--yes")
	if r.code != 0 || !strings.Contains(r.stderr, "warning: sandbox job file "+bad+" is damaged") {
		t.Fatalf("want exit 0 and a warning naming the damaged file\n%s", r)
	}
}

// `spotcast sandbox --keep-jobs` shares the directory: a job made against
// the standalone sandbox is watched later with --sandbox.
func TestStandaloneSandboxKeepsJobs(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	url := startStandalone(t, "--keep-jobs", "--state-dir", state)
	id := sendBulk(t, []string{"WHATSSPOT_BASE_URL=" + url, "WHATSSPOT_API_KEY=" + sandbox.Key}, 12)
	watchEnds(t, []string{"SPOTCAST_STATE_DIR=" + state}, id, "--sandbox")
}

func TestSandboxChaosOnFlag(t *testing.T) {
	r := run(t, runOpts{}, "sandbox", "--chaos", "0.5", "--chaos-on", "gets")
	if r.code != 2 || !strings.Contains(r.stderr, "--chaos-on") || !strings.Contains(r.stderr, "polls, sends or all") {
		t.Fatalf("want exit 2 naming --chaos-on and its values\n%s", r)
	}
}
