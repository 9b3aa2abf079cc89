package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// live is a sandbox served over real HTTP for the length of a test.
type live struct {
	t   *testing.T
	s   *Server
	url string
}

func startLive(t *testing.T, opts ...Option) *live {
	t.Helper()
	s := New(opts...)
	r, err := s.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = r.Close(ctx)
	})
	return &live{t: t, s: s, url: r.URL}
}

// do sends one request and decodes the JSON answer.
func (l *live) do(method, path, body string) (int, http.Header, map[string]any) {
	l.t.Helper()
	req, err := http.NewRequest(method, l.url+path, strings.NewReader(body))
	if err != nil {
		l.t.Fatal(err)
	}
	req.Header.Set("x-api-key", Key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		l.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		l.t.Fatalf("%s %s: %d, body is not JSON: %q", method, path, resp.StatusCode, data)
	}
	return resp.StatusCode, resp.Header, m
}

// bulk creates a job of n recipients (numbers offset by from) and returns its ID.
func (l *live) bulk(from, n int) string {
	l.t.Helper()
	q := make([]string, n)
	for i := range q {
		q[i] = fmt.Sprintf(`"4477009%05d"`, from+i)
	}
	code, _, m := l.do("POST", "/messages/send", `{"type":"TEXT","content":"hi","recipients":[`+strings.Join(q, ",")+`]}`)
	id, _ := m["jobId"].(string)
	if code != 200 || id == "" {
		l.t.Fatalf("bulk send: %d %v", code, m)
	}
	return id
}

func (l *live) job(id string) map[string]any {
	l.t.Helper()
	code, _, m := l.do("GET", "/bulk-jobs/"+id, "")
	if code != 200 {
		l.t.Fatalf("GET job %s: %d %v", id, code, m)
	}
	return m["job"].(map[string]any)
}

// A job made by one sandbox is known to the next one on the same
// directory, where it would be by now, at the rate and with the failures
// it was made with, whatever the new sandbox's own settings.
func TestJobsOutliveTheSandbox(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sandbox", "jobs")
	clk := &clock{t: t0}
	first := startLive(t, WithJobDir(dir), WithClock(clk.now), WithRate(5), WithFailRate(0.3), WithSeed(1))
	id := first.bulk(0, 40)
	clk.add(3 * time.Second)
	before := first.job(id)
	if before["status"] != "PROCESSING" || before["pending"] != 25.0 {
		t.Fatalf("after 3 s at 5/s: %v", before)
	}

	second := startLive(t, WithJobDir(dir), WithClock(clk.now), WithRate(1000), WithFailRate(0), WithSeed(1))
	if p := second.s.StateProblems(); len(p) != 0 {
		t.Fatalf("problems loading a healthy directory: %v", p)
	}
	if got := second.job(id); !reflect.DeepEqual(got, before) {
		t.Fatalf("the second sandbox sees\n%v\nthe first saw\n%v", got, before)
	}
	clk.add(5 * time.Second)
	mid := second.job(id)
	if mid["pending"] != 0.0 || mid["status"] != "COMPLETED" {
		t.Fatalf("8 s at the job's own 5/s finishes 40: %v", mid)
	}
	clk.add(time.Minute)
	if a, b := first.job(id)["failures"], second.job(id)["failures"]; !reflect.DeepEqual(a, b) || len(b.([]any)) == 0 {
		t.Fatalf("failures differ or are missing: %v vs %v", a, b)
	}

	// Same seed, yet the second sandbox's own job gets a fresh ID.
	id2 := second.bulk(100, 11)
	if id2 == id {
		t.Fatalf("two sandboxes on one directory handed out %s twice", id)
	}
	if got := second.s.JobIDs(); !reflect.DeepEqual(got, []string{id, id2}) {
		t.Fatalf("JobIDs %v", got)
	}
	for _, p := range []string{dir, filepath.Join(dir, id+".json"), filepath.Join(dir, id2+".json")} {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if want := os.FileMode(0o600); info.IsDir() {
			want = 0o700 | os.ModeDir
			if info.Mode() != want {
				t.Errorf("%s: mode %v, want %v", p, info.Mode(), want)
			}
		} else if info.Mode() != want {
			t.Errorf("%s: mode %v, want %v", p, info.Mode(), want)
		}
	}
	if tmps, _ := filepath.Glob(filepath.Join(dir, ".*")); len(tmps) != 0 {
		t.Errorf("temporary files left: %v", tmps)
	}
}

// Two sandboxes running at once on one directory: each answers for the
// other's jobs, created after it started, and neither takes the other's ID.
func TestSandboxesShareTheDirectoryWhileRunning(t *testing.T) {
	dir := t.TempDir()
	a := startLive(t, WithJobDir(dir), WithSeed(4), WithFailRate(0))
	b := startLive(t, WithJobDir(dir), WithSeed(4), WithFailRate(0))
	ja := a.bulk(0, 12)
	jb := b.bulk(0, 12) // same seed, same sequence number: must not clash
	if ja == jb {
		t.Fatalf("both sandboxes created %s", ja)
	}
	if got := b.job(ja)["total"]; got != 12.0 {
		t.Fatalf("b reading a's job: total %v", got)
	}
	if got := a.job(jb)["id"]; got != jb {
		t.Fatalf("a reading b's job: id %v", got)
	}
	if code, _, m := a.do("GET", "/bulk-jobs/job_0123456789abcdef", ""); code != 404 || !strings.Contains(fmt.Sprint(m["error"]), "not found") {
		t.Fatalf("unknown job: %d %v", code, m)
	}
	// A job ID is never a path: traversal finds nothing.
	if code, _, _ := a.do("GET", "/bulk-jobs/..%2F"+filepath.Base(dir), ""); code != 404 {
		t.Fatalf("a path as job ID: %d", code)
	}
}

// A damaged job file is reported with its path and line, and skipped; the
// rest of the directory and the sandbox itself still work.
func TestDamagedJobFileIsReportedAndSkipped(t *testing.T) {
	dir := t.TempDir()
	clk := &clock{t: t0}
	good := startLive(t, WithJobDir(dir), WithClock(clk.now)).bulk(0, 11)
	broken := filepath.Join(dir, "job_00000000000000aa.json")
	if err := os.WriteFile(broken, []byte("{\n  \"version\": 1,\n  \"id\": oops\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wrong := filepath.Join(dir, "job_00000000000000bb.json")
	if err := os.WriteFile(wrong, []byte(`{"version":1,"id":"job_00000000000000bb","createdAt":"2026-03-01T09:00:00Z","total":3,"rate":0,"failures":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}

	l := startLive(t, WithJobDir(dir), WithClock(clk.now))
	problems := l.s.StateProblems()
	if len(problems) != 2 {
		t.Fatalf("want 2 problems, got %v", problems)
	}
	all := fmt.Sprint(problems)
	for _, want := range []string{broken + " is damaged", "line 3", wrong + " is damaged", "field rate is 0", "delete the file"} {
		if !strings.Contains(all, want) {
			t.Errorf("problems lack %q:\n%v", want, all)
		}
	}
	if l.job(good)["total"] != 11.0 {
		t.Fatal("the healthy job was not loaded")
	}
	code, _, m := l.do("GET", "/bulk-jobs/job_00000000000000aa", "")
	if code != 404 || !strings.Contains(fmt.Sprint(m["error"]), "damaged") {
		t.Fatalf("GET of the damaged job: %d %v", code, m)
	}
	l.bulk(50, 11) // still takes new jobs
}

// Old jobs and abandoned temporary files are removed at start.
func TestOldJobsAreDropped(t *testing.T) {
	dir := t.TempDir()
	clk := &clock{t: t0}
	l := startLive(t, WithJobDir(dir), WithClock(clk.now), WithRate(1))
	old, recent := l.bulk(0, 11), ""
	clk.add(JobRetention - time.Hour)
	recent = l.bulk(20, 11)
	stale := filepath.Join(dir, ".job_x.123.tmp")
	fresh := filepath.Join(dir, ".job_y.456.tmp")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("{"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chtimes(stale, time.Now().Add(-2*time.Hour), time.Now().Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	clk.add(2 * time.Hour) // old ended 11 s after t0: now past the retention
	later := startLive(t, WithJobDir(dir), WithClock(clk.now))
	if got := later.s.JobIDs(); !reflect.DeepEqual(got, []string{recent}) {
		t.Fatalf("kept %v, want only %s", got, recent)
	}
	if _, err := os.Stat(filepath.Join(dir, old+".json")); !os.IsNotExist(err) {
		t.Errorf("the old job's file is still there: %v", err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the stale temporary file is still there: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("a temporary file being written was removed: %v", err)
	}
	if p := later.s.StateProblems(); len(p) != 0 {
		t.Fatalf("problems: %v", p)
	}
}

// A job that cannot be kept is not accepted: the send is answered 500
// naming the directory, and nothing is recorded.
func TestUnwritableJobDirRefusesBulkSends(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(file, "jobs")
	l := startLive(t, WithJobDir(dir))
	if p := l.s.StateProblems(); len(p) != 1 || !strings.Contains(p[0].Error(), dir) {
		t.Fatalf("an unreadable directory must be reported: %v", p)
	}
	code, _, m := l.do("POST", "/messages/send", `{"type":"TEXT","content":"hi","recipients":`+phones(11)+`}`)
	if msg := fmt.Sprint(m["error"]); code != 500 || !strings.Contains(msg, dir) || !strings.Contains(msg, "cannot record the job") {
		t.Fatalf("bulk send: %d %v", code, m)
	}
	if l.s.SendCount() != 0 || len(l.s.JobIDs()) != 0 {
		t.Fatalf("a refused send was recorded: sends %d jobs %v", l.s.SendCount(), l.s.JobIDs())
	}
	// A single send needs no job and still works.
	if code, _, m := l.do("POST", "/messages/send", sendOne); code != 200 {
		t.Fatalf("single send: %d %v", code, m)
	}
}

// BenchmarkBulkSendKept measures accepting a 100,000-recipient bulk send
// whose job is written to disk (3% failures kept, fsynced), beside the same
// send kept in memory only.
func BenchmarkBulkSendKept(b *testing.B) {
	q := make([]string, 100_000)
	for i := range q {
		q[i] = fmt.Sprintf("4477%08d", i)
	}
	body, _ := json.Marshal(map[string]any{"type": "TEXT", "content": "x", "recipients": q})
	for _, kept := range []bool{false, true} {
		b.Run(fmt.Sprintf("disk=%v", kept), func(b *testing.B) {
			var opts []Option
			if kept {
				opts = append(opts, WithJobDir(b.TempDir()))
			}
			s := New(opts...)
			b.ReportAllocs()
			for b.Loop() {
				rec := raw(s, "POST", "/messages/send", string(body))
				if rec.Code != 200 {
					b.Fatal(rec.Code, rec.Body.String())
				}
			}
		})
	}
}
