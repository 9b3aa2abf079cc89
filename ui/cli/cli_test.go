package cli_test

// These tests run the real binary as a subprocess, with its own
// environment, against a sandbox API started in the test process and
// reached over real HTTP: what a script or cron job would see.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"spotcast/campaign"
	"spotcast/campaign/store/pgtest"
	"spotcast/client"
	"spotcast/client/sandbox"
)

// testKey is distinctive so a leak is easy to spot in any output.
const testKey = "sk-live-Zq7XwV9pLm3TtR8kJ2hN4cB6"

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "spotcast-cli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "spotcast")
	out, err := exec.Command("go", "build", "-o", binary, "spotcast").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building spotcast: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	// pgtest.Run: the team tests' throwaway PostgreSQL, if one was
	// started, is stopped after the tests.
	code := pgtest.Run(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s\n--- stderr:\n%s", r.code, r.stdout, r.stderr)
}

// runOpts configures one run of the binary.
type runOpts struct {
	env   []string // extra KEY=VALUE
	stdin string
}

// baseEnv is a clean environment: nothing leaks in from the developer's.
func baseEnv(t *testing.T) []string {
	t.Helper()
	home := t.TempDir()
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"SPOTCAST_STATE_DIR=" + filepath.Join(home, "state"),
		"TZ=UTC",
		"NO_COLOR=1",
	}
}

func run(t *testing.T, o runOpts, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(baseEnv(t), o.env...)
	cmd.Stdin = strings.NewReader(o.stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running spotcast %v: %v", args, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("spotcast %v timed out\n%s", args, r)
	}
	// The key must never appear, whatever happened.
	if strings.Contains(r.stdout+r.stderr, testKey) || strings.Contains(r.stdout+r.stderr, testKey[:20]) {
		t.Fatalf("the API key leaked into the output of spotcast %v\n%s", args, r)
	}
	return r
}

// fake is a sandbox API in the test process.
type fake struct {
	srv *sandbox.Server
	url string
}

func startSandbox(t testing.TB, opts ...sandbox.Option) *fake {
	t.Helper()
	opts = append([]sandbox.Option{sandbox.WithKey(testKey), sandbox.WithRate(100000), sandbox.WithFailRate(0), sandbox.WithSeed(1)}, opts...)
	srv := sandbox.New(opts...)
	running, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = running.Close(ctx)
	})
	return &fake{srv: srv, url: running.URL}
}

// env points the binary at the fake with the right key.
func (f *fake) env(extra ...string) []string {
	return append([]string{"WHATSSPOT_BASE_URL=" + f.url, "WHATSSPOT_API_KEY=" + testKey}, extra...)
}

// numbers returns n distinct valid Indian mobile numbers in E.164 digits.
func numbers(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("9198765%05d", i)
	}
	return out
}

func writeCSV(t *testing.T, rows ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "contacts.csv")
	if err := os.WriteFile(p, []byte(strings.Join(rows, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func contactsCSV(t *testing.T, n int) string {
	rows := []string{"Name,Phone"}
	for i, ph := range numbers(n) {
		rows = append(rows, fmt.Sprintf("Person %d,+%s", i, ph))
	}
	return writeCSV(t, rows...)
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func wantKeys(t *testing.T, what string, m map[string]any, want ...string) {
	t.Helper()
	sort.Strings(want)
	if got := keys(m); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s keys = %v, want %v", what, got, want)
	}
}

func TestSendSingleJSON(t *testing.T) {
	f := startSandbox(t)
	r := run(t, runOpts{env: f.env()}, "send", "--to", "+91 98765 00001", "--to", "+919876500002",
		"--content", "Hello from spotcast", "--yes", "--json")
	if r.code != 0 {
		t.Fatalf("want exit 0\n%s", r)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, r)
	}
	wantKeys(t, "send --json", out, "campaignId", "api", "sandbox", "requests", "invalid", "duplicates", "suppressed", "incomplete", "notSent", "unknown")
	if out["incomplete"] != false || out["notSent"] != 0.0 || out["sandbox"] != false || !strings.HasPrefix(out["api"].(string), "http://127.0.0.1:") {
		t.Fatalf("send --json outcome fields: %v", out)
	}
	reqs := out["requests"].([]any)
	if len(reqs) != 1 {
		t.Fatalf("want 1 request, got %d\n%s", len(reqs), r)
	}
	req := reqs[0].(map[string]any)
	wantKeys(t, "requests[0]", req, "recipients", "groups", "async", "jobId", "messages", "status")
	if req["recipients"] != 2.0 || req["async"] != false || len(req["messages"].([]any)) != 2 || req["status"] != "SENT" {
		t.Errorf("unexpected request summary %v", req)
	}
	if id, _ := out["campaignId"].(string); id == "" {
		t.Errorf("no campaign ID in %v", out)
	}
	sends := f.srv.Sends()
	if len(sends) != 1 || strings.Join(sends[0].Recipients, ",") != "919876500001,919876500002" || sends[0].Content != "Hello from spotcast" {
		t.Errorf("sandbox received %+v", sends)
	}
}

func TestSendBulkWatch(t *testing.T) {
	for _, tc := range []struct {
		name     string
		failRate float64
		code     int
	}{
		{"all delivered", 0, 0},
		{"some failed", 0.5, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := startSandbox(t, sandbox.WithFailRate(tc.failRate))
			csv := contactsCSV(t, 30)
			state := "SPOTCAST_STATE_DIR=" + t.TempDir()
			r := run(t, runOpts{env: f.env(state)}, "send", "--csv", csv, "--content", "Sale today", "--yes", "--watch", "--json")
			if r.code != tc.code {
				t.Fatalf("want exit %d\n%s", tc.code, r)
			}
			var out struct {
				Requests []struct {
					Async  bool   `json:"async"`
					JobID  string `json:"jobId"`
					Status string `json:"status"`
				} `json:"requests"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
				t.Fatalf("bad JSON: %v\n%s", err, r)
			}
			if len(out.Requests) != 1 || !out.Requests[0].Async || out.Requests[0].JobID == "" {
				t.Fatalf("want one async request with a job\n%s", r)
			}
			if out.Requests[0].Status != "COMPLETED" {
				t.Errorf("status after --watch = %q, want the final COMPLETED", out.Requests[0].Status)
			}
			// Progress is plain lines on stderr when not a terminal.
			if !strings.Contains(r.stderr, out.Requests[0].JobID+" COMPLETED ") || !strings.Contains(r.stderr, "/30 sent, ") {
				t.Errorf("no plain progress line on stderr\n%s", r)
			}
			if tc.code == 5 && !strings.Contains(r.stderr, "failed message") {
				t.Errorf("exit 5 does not say messages failed\n%s", r)
			}
			// The journal learned how the job ended.
			j := run(t, runOpts{env: []string{state}}, "jobs", "--json")
			var recs []campaign.CampaignRecord
			if err := json.Unmarshal([]byte(j.stdout), &recs); err != nil || len(recs) != 1 || len(recs[0].Batches) != 1 {
				t.Fatalf("jobs --json: %v\n%s", err, j)
			}
			if b := recs[0].Batches[0]; b.JobStatus != "COMPLETED" || b.JobID != out.Requests[0].JobID {
				t.Errorf("journal has job %s %s, want %s COMPLETED", b.JobID, b.JobStatus, out.Requests[0].JobID)
			}
		})
	}
}

func TestToAndCSVAreMergedWithoutDuplicates(t *testing.T) {
	f := startSandbox(t)
	csv := writeCSV(t, "phone", "+919876500001", "+919876500002", "+919876500002", "bogus")
	r := run(t, runOpts{env: f.env()}, "send", "--to", "+91 98765 00001", "--to", "+919876500009", "--csv", csv,
		"--content", "hi", "--yes", "--json")
	if r.code != 0 {
		t.Fatalf("want exit 0\n%s", r)
	}
	var out struct {
		Invalid, Duplicates int
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	// One duplicate inside the CSV, one between --to and the CSV.
	if out.Invalid != 1 || out.Duplicates != 2 {
		t.Errorf("invalid %d, duplicates %d; want 1 and 2\n%s", out.Invalid, out.Duplicates, r)
	}
	if s := f.srv.Sends(); len(s) != 1 || strings.Join(s[0].Recipients, ",") != "919876500001,919876500009,919876500002" {
		t.Errorf("sandbox got %+v", s)
	}
	if !strings.Contains(r.stderr, "4 rows, 2 valid, 1 invalid, 1 duplicates") {
		t.Errorf("no import summary on stderr\n%s", r)
	}
}

func TestBatchSizeSplits(t *testing.T) {
	f := startSandbox(t)
	r := run(t, runOpts{env: f.env()}, "send", "--csv", contactsCSV(t, 25), "--content", "hi", "--batch-size", "10", "--yes", "--json")
	if r.code != 0 {
		t.Fatalf("want exit 0\n%s", r)
	}
	var out struct {
		Requests []struct {
			Recipients int `json:"recipients"`
		} `json:"requests"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, q := range out.Requests {
		got = append(got, q.Recipients)
	}
	if fmt.Sprint(got) != "[10 10 5]" || f.srv.SendCount() != 3 {
		t.Errorf("batches %v, sandbox got %d requests; want [10 10 5] in 3", got, f.srv.SendCount())
	}
}

func TestDryRunSendsNothing(t *testing.T) {
	f := startSandbox(t)
	state := t.TempDir()
	r := run(t, runOpts{env: f.env("SPOTCAST_STATE_DIR=" + state)}, "send", "--csv", contactsCSV(t, 12),
		"--type", "image", "--media-url", "https://example.com/menu.jpg", "--caption", "Menu", "--dry-run")
	if r.code != 0 {
		t.Fatalf("want exit 0\n%s", r)
	}
	var bodies []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &bodies); err != nil {
		t.Fatalf("dry run stdout is not a JSON array of bodies: %v\n%s", err, r)
	}
	if len(bodies) != 1 || bodies[0]["type"] != "IMAGE" || bodies[0]["caption"] != "Menu" || len(bodies[0]["recipients"].([]any)) != 12 {
		t.Errorf("unexpected bodies %v", bodies)
	}
	if n := f.srv.SendCount(); n != 0 {
		t.Errorf("dry run sent %d request(s)", n)
	}
	if _, err := os.Stat(filepath.Join(state, campaign.JournalFile)); !os.IsNotExist(err) {
		t.Errorf("dry run wrote a journal (stat: %v)", err)
	}
}

func TestInvalidInputExits2AndSendsNothing(t *testing.T) {
	f := startSandbox(t)
	long := strings.Repeat("x", campaign.MaxTextChars+1)
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"content over the limit", []string{"--to", "+919876500001", "--content", long}, []string{"--content", "4,096"}},
		{"caption over the limit", []string{"--to", "+919876500001", "--type", "video", "--media-url", "https://e.com/v.mp4", "--caption", long[:1025]}, []string{"1,024"}},
		{"missing media url", []string{"--to", "+919876500001", "--type", "IMAGE", "--caption", "hi"}, []string{"--media-url"}},
		{"no recipients", []string{"--content", "hi"}, []string{"no recipients"}},
		{"past schedule", []string{"--to", "+919876500001", "--content", "hi", "--schedule", "2020-01-02T03:04:05Z"}, []string{"--schedule", "past"}},
		{"bad schedule", []string{"--to", "+919876500001", "--content", "hi", "--schedule", "tomorrow-ish"}, []string{"--schedule"}},
		{"bad --to", []string{"--to", "12", "--content", "hi"}, []string{"--to", `"12"`}},
		{"unknown type", []string{"--to", "+919876500001", "--content", "hi", "--type", "sticker"}, []string{"--type", "sticker"}},
		{"caption and content", []string{"--to", "+919876500001", "--type", "image", "--media-url", "https://e.com/a.jpg", "--content", "a", "--caption", "b"}, []string{"--caption"}},
		{"unreadable csv", []string{"--csv", "/nonexistent/contacts.csv", "--content", "hi"}, []string{"--csv", "/nonexistent/contacts.csv"}},
		{"unreadable content file", []string{"--to", "+919876500001", "--content-file", "/nonexistent/msg.txt"}, []string{"--content-file", "/nonexistent/msg.txt", "1 problem;"}},
		{"bad batch size", []string{"--to", "+919876500001", "--content", "hi", "--batch-size", "-1"}, []string{"--batch-size"}},
		{"unknown time zone", []string{"--to", "+919876500001", "--content", "hi", "--schedule", "2030-01-01 10:00", "--tz", "Mars/Olympus"}, []string{"--tz", "Mars/Olympus"}},
		{"every problem at once", []string{"--to", "12", "--content", long, "--schedule", "2020-01-02T03:04:05Z"}, []string{"--to", "4,096", "--schedule", "3 problems"}},
		{"unknown flag", []string{"--to", "+919876500001", "--content", "hi", "--frobnicate"}, []string{"--frobnicate"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"send", "--yes"}, tc.args...)
			r := run(t, runOpts{env: f.env()}, args...)
			if r.code != 2 {
				t.Fatalf("want exit 2\n%s", r)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr does not mention %q\n%s", w, r)
				}
			}
			if r.stdout != "" {
				t.Errorf("stdout should be empty on invalid input\n%s", r)
			}
		})
	}
	if n := f.srv.SendCount(); n != 0 {
		t.Errorf("invalid input sent %d request(s)", n)
	}
}

func TestContentFromStdin(t *testing.T) {
	f := startSandbox(t)
	r := run(t, runOpts{env: f.env(), stdin: "Line one\nLine two\n"}, "send", "--to", "+919876500001", "--content-file", "-", "--yes")
	if r.code != 0 {
		t.Fatalf("want exit 0\n%s", r)
	}
	if s := f.srv.Sends(); len(s) != 1 || s[0].Content != "Line one\nLine two" {
		t.Errorf("sandbox got %+v", s)
	}
}

func TestTestSendGoesToOneNumberOnly(t *testing.T) {
	f := startSandbox(t)
	state := t.TempDir()
	r := run(t, runOpts{env: f.env("SPOTCAST_STATE_DIR=" + state)}, "send", "--csv", contactsCSV(t, 30), "--group", "g1",
		"--content", "hi", "--test-to", "+44 7911 123456", "--yes")
	if r.code != 0 {
		t.Fatalf("want exit 0\n%s", r)
	}
	s := f.srv.Sends()
	if len(s) != 1 || strings.Join(s[0].Recipients, ",") != "447911123456" || len(s[0].GroupIDs) != 0 {
		t.Errorf("test send reached %+v, want only 447911123456", s)
	}
	// Still journaled.
	if recs := readJobs(t, []string{"SPOTCAST_STATE_DIR=" + state}); len(recs) != 1 {
		t.Errorf("the store has %d campaigns, want 1", len(recs))
	}
}

func TestStdinNotTerminalNeedsYes(t *testing.T) {
	f := startSandbox(t)
	r := run(t, runOpts{env: f.env()}, "send", "--to", "+919876500001", "--content", "hi")
	if r.code != 2 || !strings.Contains(r.stderr, "--yes") {
		t.Fatalf("want exit 2 naming --yes\n%s", r)
	}
	if f.srv.SendCount() != 0 {
		t.Error("sent without confirmation")
	}
}

func TestMissingKey(t *testing.T) {
	r := run(t, runOpts{}, "send", "--to", "+919876500001", "--content", "hi", "--yes")
	if r.code != 2 || !strings.Contains(r.stderr, "WHATSSPOT_API_KEY") {
		t.Fatalf("want exit 2 saying how to set the key\n%s", r)
	}
}

func TestWrongKeyExits3(t *testing.T) {
	f := startSandbox(t)
	wrong := testKey[:len(testKey)-4] + "XXXX" // distinctive too: the scan checks the shared prefix
	r := run(t, runOpts{env: []string{"WHATSSPOT_BASE_URL=" + f.url, "WHATSSPOT_API_KEY=" + wrong}},
		"send", "--to", "+919876500001", "--content", "hi", "--yes")
	if r.code != 3 {
		t.Fatalf("want exit 3\n%s", r)
	}
	if !strings.Contains(r.stderr, "refused") || !strings.Contains(r.stderr, "API Tokens") {
		t.Errorf("stderr should say the key was refused and where keys come from\n%s", r)
	}
	if !strings.Contains(r.stderr, "…XXXX") {
		t.Errorf("stderr should show the key's last 4 characters only\n%s", r)
	}
}

func TestAPIRejectionExits3(t *testing.T) {
	f := startSandbox(t)
	// A path the API does not serve answers 404: a 4xx with its own error.
	r := run(t, runOpts{env: []string{"WHATSSPOT_BASE_URL=" + f.url + "/nope", "WHATSSPOT_API_KEY=" + testKey}},
		"send", "--to", "+919876500001", "--content", "hi", "--yes")
	if r.code != 3 || !strings.Contains(r.stderr, "404") {
		t.Fatalf("want exit 3 with the API's error\n%s", r)
	}
}

func TestUnreachableAPIExits4(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // now nothing listens there
	state := t.TempDir()
	r := run(t, runOpts{env: []string{"WHATSSPOT_BASE_URL=http://" + addr, "WHATSSPOT_API_KEY=" + testKey, "SPOTCAST_STATE_DIR=" + state}},
		"send", "--to", "+919876500001", "--content", "hi", "--yes")
	if r.code != 4 {
		t.Fatalf("want exit 4\n%s", r)
	}
	// No connection was made, so nothing was sent: the batch stays pending
	// and a plain resume sends it.
	for _, w := range []string{"Nothing reached WhatsSpot", "not sent", "spotcast resume cmp_"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr does not say %q\n%s", w, r)
		}
	}
	recs := readJobs(t, []string{"SPOTCAST_STATE_DIR=" + state})
	if len(recs) != 1 || len(recs[0].Batches) != 1 || recs[0].Batches[0].State != campaign.StatePending {
		t.Fatalf("journal after a refused connection: %+v", recs)
	}
	if recs[0].API != "http://"+addr || recs[0].Sandbox {
		t.Fatalf("jobs --json target: api %q sandbox %v, want http://%s", recs[0].API, recs[0].Sandbox, addr)
	}
	f := startSandbox(t)
	// Another API than the campaign's: refused, naming both, nothing sent.
	r = run(t, runOpts{env: f.env("SPOTCAST_STATE_DIR=" + state)}, "resume", recs[0].CampaignID, "--yes", "--watch=false")
	if r.code != 2 || f.srv.SendCount() != 0 || !strings.Contains(r.stderr, "http://"+addr) || !strings.Contains(r.stderr, f.url) ||
		!strings.Contains(r.stderr, "--allow-api-change") {
		t.Fatalf("resume against another API: want exit 2 naming both\n%s", r)
	}
	r = run(t, runOpts{env: f.env("SPOTCAST_STATE_DIR=" + state)}, "resume", recs[0].CampaignID, "--yes", "--watch=false", "--allow-api-change")
	if r.code != 0 || f.srv.SendCount() != 1 {
		t.Fatalf("resume after a refused connection: want one send, got %d\n%s", f.srv.SendCount(), r)
	}
}

// droppingServer accepts each connection, reads the request, and closes it
// without an answer: the request may have arrived, the outcome is unknown.
func droppingServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 64<<10)
			_, _ = conn.Read(buf)
			conn.Close()
		}
	}()
	return "http://" + ln.Addr().String()
}

func TestResumeUnknownOutcome(t *testing.T) {
	dead := droppingServer(t)
	state := "SPOTCAST_STATE_DIR=" + t.TempDir()
	r := run(t, runOpts{env: []string{"WHATSSPOT_BASE_URL=" + dead, "WHATSSPOT_API_KEY=" + testKey, state}},
		"send", "--csv", contactsCSV(t, 12), "--content", "hi", "--yes", "--json")
	if r.code != 4 {
		t.Fatalf("want exit 4\n%s", r)
	}
	var out struct {
		CampaignID string `json:"campaignId"`
		Requests   []struct {
			Status string `json:"status"`
		} `json:"requests"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.Requests) != 1 || out.Requests[0].Status != "unknown" {
		t.Fatalf("want the JSON summary with an unknown request (%v)\n%s", err, r)
	}
	f := startSandbox(t)
	// Unknown outcomes are not resent by default: they may have arrived.
	r = run(t, runOpts{env: f.env(state)}, "resume", out.CampaignID, "--yes", "--allow-api-change")
	if r.code != 0 || f.srv.SendCount() != 0 || !strings.Contains(r.stderr, "--include-unknown") {
		t.Fatalf("resume without --include-unknown should send nothing\n%s", r)
	}
	r = run(t, runOpts{env: f.env(state)}, "resume", out.CampaignID, "--include-unknown", "--yes", "--allow-api-change")
	if r.code != 0 || f.srv.SendCount() != 1 {
		t.Fatalf("resume --include-unknown: want exit 0 and one request, got %d\n%s", f.srv.SendCount(), r)
	}
	r = run(t, runOpts{env: f.env(state)}, "resume", "cmp_nope", "--yes")
	if r.code != 2 || !strings.Contains(r.stderr, "cmp_nope") {
		t.Errorf("resume of an unknown campaign: want exit 2 naming it\n%s", r)
	}
}

func TestKeyNeverPrinted(t *testing.T) {
	// run() scans every output; here, the commands most likely to echo it.
	f := startSandbox(t)
	run(t, runOpts{env: f.env()}, "send", "--help")
	run(t, runOpts{env: f.env()}, "--help")
	run(t, runOpts{env: f.env()}, "send", "--to", "+919876500001", "--content", "hi", "--yes")
	run(t, runOpts{env: f.env()}, "send", "--to", "+919876500001", "--content", "hi", "--yes", "--api-key", testKey, "--json")
	run(t, runOpts{env: f.env()}, "send", "--to", "+919876500001", "--content", "hi", "--dry-run")
	run(t, runOpts{env: f.env()}, "watch", "job_does_not_exist")
	run(t, runOpts{env: f.env()}, "jobs", "--json")
}

func TestSandboxFlag(t *testing.T) {
	r := run(t, runOpts{}, "send", "--sandbox", "--to", "+919876500001", "--content", "hi", "--yes")
	if r.code != 0 || !strings.Contains(r.stderr, "SANDBOX") {
		t.Fatalf("want exit 0 and a SANDBOX notice\n%s", r)
	}
	// `spotcast --sandbox` without a terminal cannot open the composer: it
	// says so (exit 2, like any missing input) and what to run instead.
	r = run(t, runOpts{}, "--sandbox")
	if r.code != 2 || !strings.Contains(r.stderr, "needs a terminal") ||
		!strings.Contains(r.stderr, "`spotcast send --sandbox --to +919999999999 --content \"Hello\" --yes`") {
		t.Fatalf("want exit 2 saying a terminal is needed and what to use instead\n%s", r)
	}
	// Without --sandbox and without a terminal, the TUI is refused.
	r = run(t, runOpts{env: []string{"WHATSSPOT_API_KEY=" + testKey}})
	if r.code != 2 || !strings.Contains(r.stderr, "terminal") {
		t.Fatalf("want exit 2 saying a terminal is needed\n%s", r)
	}
}

func TestImport(t *testing.T) {
	fixture := filepath.Join("..", "..", "testdata", "contacts", "google_contacts.csv")
	if _, err := os.Stat(fixture); err != nil {
		fixture = writeCSV(t, "Name,Phone 1 - Value", "Asha,+91 98765 00001 ::: +91 98765 00002", "Ben,12", "Chen,+919876500001")
	}
	r := run(t, runOpts{env: []string{"SPOTCAST_DEFAULT_COUNTRY=IN"}}, "import", fixture, "--json")
	if r.code != 0 {
		t.Fatalf("want exit 0\n%s", r)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, r)
	}
	wantKeys(t, "import --json", out, "rows", "valid", "invalid", "duplicates", "suppressed", "recipients", "problems", "problemsOmitted")
	if int(out["valid"].(float64)) != len(out["recipients"].([]any)) || out["valid"].(float64) < 1 {
		t.Errorf("valid %v does not match recipients %v", out["valid"], out["recipients"])
	}
	if len(out["problems"].([]any)) > 0 {
		wantKeys(t, "problems[0]", out["problems"].([]any)[0].(map[string]any), "line", "value", "reason")
	}
}

func TestImportFixtures(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "contacts", "*"))
	if len(files) == 0 {
		t.Skip("no fixtures under testdata/contacts")
	}
	for _, f := range files {
		r := run(t, runOpts{env: []string{"SPOTCAST_DEFAULT_COUNTRY=IN"}}, "import", f)
		if r.code != 0 || !strings.Contains(r.stdout, "numbers from ") {
			t.Errorf("import %s: want exit 0 and a report\n%s", f, r)
		}
	}
}

func TestImportReportAndOut(t *testing.T) {
	in := writeCSV(t, "name;mobile", "Asha;+91 98765 00001", "Ben;12", "Asha again;+919876500001", "Dev;+919876500003")
	outPath := filepath.Join(t.TempDir(), "clean.csv")
	r := run(t, runOpts{}, "import", in, "--out", outPath)
	if r.code != 0 {
		t.Fatalf("want exit 0\n%s", r)
	}
	for _, w := range []string{"rows        4", "valid       2", "invalid     1", "duplicates  1", "line 3: 12: "} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("report lacks %q\n%s", w, r)
		}
	}
	b, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); got != "phone,name\n919876500001,Asha\n919876500003,Dev\n" {
		t.Errorf("--out wrote %q", got)
	}
}

func TestImportFailures(t *testing.T) {
	r := run(t, runOpts{}, "import", "/nonexistent/list.csv")
	if r.code != 2 || !strings.Contains(r.stderr, "/nonexistent/list.csv") {
		t.Errorf("unreadable file: want exit 2 naming it\n%s", r)
	}
	none := writeCSV(t, "phone", "12", "abc")
	r = run(t, runOpts{}, "import", none)
	if r.code != 2 || !strings.Contains(r.stderr, "no valid") {
		t.Errorf("no valid numbers: want exit 2\n%s", r)
	}
	r = run(t, runOpts{stdin: "phone\n+919876500001\n"}, "import", "-", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, "919876500001") {
		t.Errorf("stdin import failed\n%s", r)
	}
}

// bulkJob creates a job on the fake directly, as another machine would have.
func bulkJob(t *testing.T, f *fake, n int) string {
	t.Helper()
	cl := client.New(client.WithBaseURL(f.url), client.WithAPIKey(testKey))
	res, err := cl.Send(context.Background(), campaign.Request{Type: campaign.TypeText, Content: "hi", Recipients: numbers(n)})
	if err != nil || res.JobID == "" {
		t.Fatalf("creating a job: %v %+v", err, res)
	}
	return res.JobID
}

func TestWatchPlainAndJSON(t *testing.T) {
	f := startSandbox(t)
	id := bulkJob(t, f, 20)
	r := run(t, runOpts{env: f.env()}, "watch", id)
	if r.code != 0 || !strings.Contains(r.stdout, id+" COMPLETED 20/20 sent, 0 failed") {
		t.Fatalf("want exit 0 and a final plain line\n%s", r)
	}
	r = run(t, runOpts{env: f.env()}, "watch", id, "--json")
	if r.code != 0 {
		t.Fatalf("want exit 0\n%s", r)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	var last map[string]any
	for _, l := range lines {
		last = nil
		if err := json.Unmarshal([]byte(l), &last); err != nil {
			t.Fatalf("line %q is not JSON: %v", l, err)
		}
	}
	if len(lines) < 2 || last["done"] != true || last["exitCode"] != 0.0 || last["sent"] != 20.0 || last["failed"] != 0.0 {
		t.Errorf("want poll objects then a summary with the counts\n%s", r)
	}
	if fs, ok := last["failures"].([]any); !ok || len(fs) != 0 {
		t.Errorf("the summary lists no failures array: %v", last["failures"])
	}
	if jobs, ok := last["jobs"].([]any); !ok || len(jobs) != 1 || jobs[0].(map[string]any)["end"] != "finished" {
		t.Errorf("the summary does not say how the job ended: %v", last["jobs"])
	}
}

func TestWatchFailedJobExits5(t *testing.T) {
	f := startSandbox(t, sandbox.WithFailRate(1))
	id := bulkJob(t, f, 12)
	r := run(t, runOpts{env: f.env()}, "watch", id)
	if r.code != 5 {
		t.Fatalf("want exit 5\n%s", r)
	}
}

func TestWatchUnknownJobExits3(t *testing.T) {
	f := startSandbox(t)
	r := run(t, runOpts{env: f.env()}, "watch", "job_nope")
	if r.code != 3 || !strings.Contains(r.stderr, "job_nope") {
		t.Fatalf("want exit 3 naming the job\n%s", r)
	}
}

func TestWatchInterruptExits130(t *testing.T) {
	f := startSandbox(t, sandbox.WithRate(1))
	id := bulkJob(t, f, 500) // 500 s at 1/s: it will not end during the test
	cmd := exec.Command(binary, "watch", id)
	cmd.Env = append(baseEnv(t), f.env()...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() { // the first progress line: the watch is running
		t.Fatal("no progress line")
	}
	_ = cmd.Process.Signal(os.Interrupt)
	go func() { // drain so the process never blocks on a full pipe
		for sc.Scan() {
		}
	}()
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Fatalf("want exit 130 after SIGINT, got %v", err)
	}
}

// startStandalone runs `spotcast sandbox` as a subprocess and returns its
// URL; the process is stopped with SIGINT (and must exit 0) at cleanup.
func startStandalone(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"sandbox", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = baseEnv(t)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	var url string
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "WhatsSpot sandbox listening on "); ok {
			url = u
			break
		}
	}
	if url == "" {
		_ = cmd.Process.Kill()
		t.Fatal("the sandbox did not print its URL")
	}
	go func() {
		for sc.Scan() {
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		if err := cmd.Wait(); err != nil {
			t.Errorf("sandbox did not stop cleanly on SIGINT: %v", err)
		}
	})
	return url
}

func TestSandboxCommand(t *testing.T) {
	url := startStandalone(t)
	r := run(t, runOpts{env: []string{"WHATSSPOT_BASE_URL=" + url, "WHATSSPOT_API_KEY=" + sandbox.Key}},
		"send", "--to", "+919876500001", "--content", "hi", "--yes")
	if r.code != 0 {
		t.Errorf("send to the standalone sandbox failed\n%s", r)
	}
}

// Under `sandbox --chaos 1` every send gets a 500: the send exits 4, says
// the outcome is unknown, and the journal records it as unknown (never
// retried); a bad --chaos value exits 2.
func TestSandboxChaosCommand(t *testing.T) {
	url := startStandalone(t, "--chaos", "1", "--chaos-faults", "500")
	state := t.TempDir()
	env := []string{"WHATSSPOT_BASE_URL=" + url, "WHATSSPOT_API_KEY=" + sandbox.Key, "SPOTCAST_STATE_DIR=" + state}
	r := run(t, runOpts{env: env}, "send", "--to", "+919876500001", "--content", "hi", "--yes")
	if r.code != 4 || !strings.Contains(r.stderr, "unknown") {
		t.Fatalf("send under chaos: want exit 4 saying the outcome is unknown\n%s", r)
	}
	r = run(t, runOpts{env: env}, "jobs", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"state": "unknown"`) && !strings.Contains(r.stdout, `"state":"unknown"`) {
		t.Fatalf("jobs after a chaos send: want the batch unknown\n%s", r)
	}
	r = run(t, runOpts{}, "sandbox", "--chaos", "2")
	if r.code != 2 || !strings.Contains(r.stderr, "--chaos") {
		t.Fatalf("sandbox --chaos 2: want exit 2 naming --chaos\n%s", r)
	}
}

func TestVersionAndCompletion(t *testing.T) {
	r := run(t, runOpts{}, "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "spotcast ") {
		t.Errorf("version\n%s", r)
	}
	r = run(t, runOpts{}, "completion", "bash")
	if r.code != 0 || !strings.Contains(r.stdout, "spotcast") {
		t.Errorf("completion bash\n%s", r)
	}
}

func TestBadConfiguration(t *testing.T) {
	for _, tc := range []struct{ env, want string }{
		{"SPOTCAST_DEFAULT_COUNTRY=XX", "SPOTCAST_DEFAULT_COUNTRY (from the environment)"},
		{"WHATSSPOT_BASE_URL=api.whatsspot.in", "WHATSSPOT_BASE_URL (from the environment)"},
		{"WHATSSPOT_JOB_PATH=/bulk-jobs/", "WHATSSPOT_JOB_PATH (from the environment)"},
	} {
		r := run(t, runOpts{env: []string{tc.env, "WHATSSPOT_API_KEY=" + testKey}}, "send", "--to", "+919876500001", "--content", "hi", "--yes")
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%s: want exit 2 naming %s\n%s", tc.env, tc.want, r)
		}
	}
	// Given as a flag, the flag is named.
	r := run(t, runOpts{env: []string{"WHATSSPOT_API_KEY=" + testKey}}, "send", "--default-country", "XX", "--to", "+919876500001", "--content", "hi", "--yes")
	if r.code != 2 || !strings.Contains(r.stderr, "--default-country") || strings.Contains(r.stderr, "environment") {
		t.Errorf("--default-country XX: want exit 2 naming the flag\n%s", r)
	}
}

func TestConfirmationOnATerminal(t *testing.T) {
	for _, tc := range []struct {
		answer string
		sends  int
	}{{"n\n", 0}, {"\n", 0}, {"yes\n", 1}} {
		t.Run(strings.TrimSpace(tc.answer), func(t *testing.T) {
			f := startSandbox(t)
			ptmx, tty, err := pty.Open()
			if err != nil {
				t.Skipf("no pty: %v", err)
			}
			defer ptmx.Close()
			cmd := exec.Command(binary, "send", "--to", "+919876500001", "--content", "hi")
			cmd.Env = append(baseEnv(t), f.env()...)
			var stdout, stderr bytes.Buffer
			cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			tty.Close()
			go func() { _, _ = io.Copy(io.Discard, ptmx) }() // the terminal's echo
			if _, err := ptmx.Write([]byte(tc.answer)); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err = <-done:
			case <-time.After(60 * time.Second):
				cmd.Process.Kill()
				t.Fatal("spotcast send did not finish after the answer")
			}
			if err != nil {
				t.Fatalf("want exit 0: %v\n%s", err, stderr.String())
			}
			if !strings.Contains(stderr.String(), "Send TEXT to 1 recipient in 1 request, now, through "+f.url+" with key …") ||
				!strings.Contains(stderr.String(), "? [y/N]") || strings.Contains(stderr.String(), testKey) {
				t.Errorf("no confirmation prompt in stderr:\n%s", stderr.String())
			}
			if n := f.srv.SendCount(); n != tc.sends {
				t.Errorf("answer %q sent %d request(s), want %d", tc.answer, n, tc.sends)
			}
		})
	}
}

// onPTY runs the binary on a 100x30 pseudo-terminal, answering the queries
// (background colour, cursor position) a real terminal would.
type onPTY struct {
	t      *testing.T
	cmd    *exec.Cmd
	ptmx   *os.File
	screen safeBuffer
}

func startOnPTY(t *testing.T, env []string, args ...string) *onPTY {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(append(baseEnv(t), "TERM=xterm-256color"), env...)
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 30, Cols: 100})
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	p := &onPTY{t: t, cmd: cmd, ptmx: ptmx}
	t.Cleanup(func() { _ = ptmx.Close() })
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			if n > 0 {
				chunk := string(buf[:n])
				p.screen.Write(buf[:n])
				if strings.Contains(chunk, "\x1b]11;?") {
					_, _ = ptmx.Write([]byte("\x1b]11;rgb:0000/0000/0000\x1b\\"))
				}
				if strings.Contains(chunk, "\x1b[6n") {
					_, _ = ptmx.Write([]byte("\x1b[1;1R"))
				}
			}
			if err != nil {
				return
			}
		}
	}()
	return p
}

// waitFor waits until everything in want has been drawn.
func (p *onPTY) waitFor(want ...string) {
	p.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		all := true
		for _, w := range want {
			all = all && strings.Contains(p.screen.String(), w)
		}
		if all {
			return
		}
		if time.Now().After(deadline) {
			_ = p.cmd.Process.Kill()
			p.t.Fatalf("the screen never showed %q:\n%q", want, p.screen.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// quit presses ctrl+c and waits for the program to end.
func (p *onPTY) quit() {
	p.t.Helper()
	_, _ = p.ptmx.Write([]byte{3})
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		_ = p.cmd.Process.Kill()
		p.t.Fatal("the program did not quit on ctrl+c")
	}
}

func TestComposerStartsOnATerminal(t *testing.T) {
	p := startOnPTY(t, nil, "--sandbox", "--type", "image", "--content", "New menu")
	// The alternate screen and the badge: the TUI itself is running, not
	// the fallback text.
	p.waitFor("\x1b[?1049h", "SANDBOX")
	if strings.Contains(p.screen.String(), "could not start") {
		t.Fatalf("the composer did not start:\n%q", p.screen.String())
	}
	p.quit()
}

// `spotcast jobs` on a terminal opens the TUI's Jobs screen on the journal.
func TestJobsOpensTheTUIOnATerminal(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	env := []string{"SPOTCAST_STATE_DIR=" + state}
	r := run(t, runOpts{env: env}, "send", "--sandbox", "--to", "+919876500001", "--content", "hi", "--yes", "--json")
	if r.code != 0 {
		t.Fatalf("send failed\n%s", r)
	}
	var sent struct{ CampaignID string }
	if err := json.Unmarshal([]byte(r.stdout), &sent); err != nil || sent.CampaignID == "" {
		t.Fatalf("send --json: %v\n%s", err, r)
	}
	p := startOnPTY(t, env, "jobs", "--sandbox")
	p.waitFor("\x1b[?1049h", sent.CampaignID)
	p.quit()
}

// safeBuffer is a bytes.Buffer written by one goroutine, read by another.
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// `send --watch` on a terminal follows the jobs in the live progress view
// (per-batch lines), ends with the watch exit code, and journals the final
// status.
func TestSendWatchOnATerminalOpensProgress(t *testing.T) {
	f := startSandbox(t, sandbox.WithFailRate(0))
	state := filepath.Join(t.TempDir(), "state")
	args := []string{"send", "--content", "hi", "--batch-size", "12", "--watch"}
	for _, n := range numbers(24) {
		args = append(args, "--to", "+"+n)
	}
	p := startOnPTY(t, f.env("SPOTCAST_STATE_DIR="+state), args...)
	p.waitFor("[y/N]")
	_, _ = p.ptmx.Write([]byte("y\r"))
	p.waitFor("\x1b[?1049h", "batch 2", "COMPLETED")
	// Wait for both jobs to end (the summary), then leave with q.
	p.waitFor("Finished")
	_, _ = p.ptmx.Write([]byte("q"))
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("send --watch after COMPLETED without failures: %v\n%q", err, p.screen.String())
		}
	case <-time.After(60 * time.Second):
		_ = p.cmd.Process.Kill()
		t.Fatal("send --watch did not end on q")
	}
	if n := f.srv.SendCount(); n != 2 {
		t.Errorf("sandbox got %d sends, want 2", n)
	}
	for _, b := range readJobs(t, []string{"SPOTCAST_STATE_DIR=" + state})[0].Batches {
		if b.JobStatus != "COMPLETED" {
			t.Errorf("batch %d journaled as %q, want COMPLETED", b.Index, b.JobStatus)
		}
	}
}

// `resume` watches like `send --watch`: on a terminal, the progress view.
func TestResumeOnATerminalOpensProgress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String()
	ln.Close()
	state := "SPOTCAST_STATE_DIR=" + filepath.Join(t.TempDir(), "state")
	r := run(t, runOpts{env: []string{"WHATSSPOT_BASE_URL=" + refused, "WHATSSPOT_API_KEY=" + testKey, state}},
		"send", "--csv", contactsCSV(t, 12), "--content", "hi", "--yes")
	if r.code != 4 {
		t.Fatalf("send to a refused port: want exit 4\n%s", r)
	}
	id := readJobs(t, []string{state})[0].CampaignID
	f := startSandbox(t)
	p := startOnPTY(t, f.env(state), "resume", id, "--yes", "--allow-api-change")
	p.waitFor("\x1b[?1049h", "Finished")
	_, _ = p.ptmx.Write([]byte("q"))
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("resume on a terminal: %v\n%q", err, p.screen.String())
		}
	case <-time.After(60 * time.Second):
		_ = p.cmd.Process.Kill()
		t.Fatal("resume did not end on q")
	}
	if n := f.srv.SendCount(); n != 1 {
		t.Errorf("sandbox got %d sends, want 1", n)
	}
}
