package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func call(t *testing.T, h http.Handler, method, path, key, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if key != "" {
		req.Header.Set("x-api-key", key)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("%s %s: body is not JSON: %q", method, path, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q", ct)
	}
	return rec.Code, m
}

func phones(n int) string {
	q := make([]string, n)
	for i := range q {
		q[i] = fmt.Sprintf(`"44770090%04d"`, i)
	}
	return "[" + strings.Join(q, ",") + "]"
}

func TestResponseShapesAreExact(t *testing.T) {
	clk := &clock{t: t0}
	s := New(WithClock(clk.now))
	code, m := call(t, s, "POST", "/messages/send", Key, `{"type":"TEXT","content":"hi","recipients":["919999999999"]}`)
	msg, _ := m["message"].(map[string]any)
	if code != 200 || m["success"] != true || m["async"] != false || msg["status"] != "SENT" || msg["sentAt"] != "2026-03-01T09:00:00Z" || !strings.HasPrefix(msg["id"].(string), "msg_") || len(m) != 3 {
		t.Fatalf("single: %d %v", code, m)
	}
	code, m = call(t, s, "POST", "/messages/send", Key, `{"type":"TEXT","content":"hi","recipients":`+phones(10)+`}`)
	if arr, _ := m["messages"].([]any); code != 200 || len(arr) != 10 || m["message"] == nil {
		t.Fatalf("ten: %d %v", code, m)
	}
	code, m = call(t, s, "POST", "/messages/send", Key, `{"type":"TEXT","content":"hi","recipients":`+phones(11)+`,"extra":"ignored"}`)
	if code != 200 || m["success"] != true || m["status"] != "PROCESSING" || m["message"] != "Bulk job created with 11 recipients" || !strings.HasPrefix(m["jobId"].(string), "job_") || len(m) != 4 {
		t.Fatalf("bulk: %d %v", code, m)
	}
	code, m = call(t, s, "GET", "/bulk-jobs/"+m["jobId"].(string), Key, "")
	job, _ := m["job"].(map[string]any)
	for _, k := range []string{"id", "status", "total", "sent", "failed", "pending", "createdAt", "updatedAt", "failures"} {
		if _, ok := job[k]; !ok {
			t.Errorf("job lacks %q: %v", k, job)
		}
	}
	if code != 200 || m["success"] != true || job["total"] != 11.0 {
		t.Fatalf("job: %d %v", code, m)
	}
	if s.SendCount() != 3 || s.Hits(EndpointSend) != 3 || s.Hits(EndpointJob) != 1 || len(s.JobIDs()) != 1 {
		t.Fatalf("counts: sends=%d hits=%d/%d", s.SendCount(), s.Hits(EndpointSend), s.Hits(EndpointJob))
	}
}

func TestAuthAndRouting(t *testing.T) {
	s := New(WithKey("k2"), WithPrefix("/v1/"))
	for _, key := range []string{"", Key, "K2"} {
		code, m := call(t, s, "POST", "/v1/messages/send", key, `{"type":"TEXT","content":"hi","recipients":["919999999999"]}`)
		if code != 401 || m["success"] != false || m["error"] != "invalid API key" {
			t.Fatalf("key %q: %d %v", key, code, m)
		}
	}
	if code, _ := call(t, s, "GET", "/v1/bulk-jobs/job_x", "", ""); code != 401 {
		t.Fatalf("GET job without key: %d", code)
	}
	if code, _ := call(t, s, "GET", "/v1/bulk-jobs/job_x", "k2", ""); code != 404 {
		t.Fatalf("unknown job: %d", code)
	}
	if code, _ := call(t, s, "POST", "/messages/send", "k2", `{}`); code != 404 {
		t.Fatalf("outside the prefix: %d", code)
	}
	if code, _ := call(t, s, "GET", "/v1/messages/send", "k2", ""); code != 405 {
		t.Fatalf("GET on send: %d", code)
	}
	if code, _ := call(t, s, "POST", "/v1/messages/send?token=k2", "", `{}`); code != 401 {
		t.Fatalf("?token= must not authenticate (we never use it): %d", code)
	}
	if s.SendCount() != 0 {
		t.Fatal("refused requests recorded as sends")
	}
}

func TestValidation(t *testing.T) {
	s := New()
	cases := map[string]string{
		`{"content":"x","recipients":["919999999999"]}`:                                          "type",
		`{"type":"text","content":"x","recipients":["919999999999"]}`:                            "type",
		`{"type":"TEXT","content":"  ","recipients":["919999999999"]}`:                           "content",
		`{"type":"DOCUMENT","content":"","recipients":["919999999999"]}`:                         "mediaUrl",
		`{"type":"IMAGE","mediaUrl":"file:///x.png","recipients":["919999999999"]}`:              "mediaUrl",
		`{"type":"TEXT","content":"x","recipients":[]}`:                                          "recipients",
		`{"type":"TEXT","content":"x","recipients":["9199 9999"]}`:                               "recipients",
		`{"type":"TEXT","content":"x","recipients":["1234567890123456"]}`:                        "recipients",
		`{"type":"TEXT","content":"x","recipients":"919999999999"}`:                              "recipients",
		`{"type":"TEXT","content":"x","groupIds":[""]}`:                                          "groupIds",
		`{"type":"TEXT","content":"x","recipients":["919999999999"],"scheduledAt":"2026-13-01"}`: "scheduledAt",
		`{"type":"TEXT",`: "",
	}
	for body, field := range cases {
		code, m := call(t, s, "POST", "/messages/send", Key, body)
		if code != 400 || m["success"] != false || !strings.Contains(fmt.Sprint(m["error"]), field) || (field != "" && m["field"] != field) {
			t.Errorf("%s: %d %v (want field %q)", body, code, m, field)
		}
	}
	// Media with a caption only in caption, no content: documented as fine.
	if code, m := call(t, s, "POST", "/messages/send", Key, `{"type":"IMAGE","mediaUrl":"https://e.com/a.png","caption":"c","recipients":["919999999999"]}`); code != 200 {
		t.Fatalf("media without content: %d %v", code, m)
	}
	big := `{"type":"TEXT","content":"` + strings.Repeat("x", MaxBody) + `","recipients":["919999999999"]}`
	if code, _ := call(t, s, "POST", "/messages/send", Key, big); code != 413 {
		t.Fatalf("oversized body: %d", code)
	}
	if s.SendCount() != 1 {
		t.Fatalf("only the valid request counts: %d", s.SendCount())
	}
}

func jobState(t *testing.T, s *Server, id string) map[string]any {
	t.Helper()
	code, m := call(t, s, "GET", "/bulk-jobs/"+id, Key, "")
	if code != 200 {
		t.Fatalf("GET job: %d %v", code, m)
	}
	return m["job"].(map[string]any)
}

func TestProgressFollowsTheClock(t *testing.T) {
	clk := &clock{t: t0}
	s := New(WithClock(clk.now), WithRate(5), WithFailRate(0.5), WithSeed(3), WithGroupSize(10))
	_, m := call(t, s, "POST", "/messages/send", Key, `{"type":"TEXT","content":"x","recipients":["919999999999"],"groupIds":["g1","g2"]}`)
	id := m["jobId"].(string)
	if m["message"] != "Bulk job created with 21 recipients" {
		t.Fatalf("groups count as members: %v", m["message"])
	}
	prevDone := -1.0
	for range 6 {
		j := jobState(t, s, id)
		done := j["sent"].(float64) + j["failed"].(float64)
		if done+j["pending"].(float64) != 21 || done < prevDone || float64(len(j["failures"].([]any))) != j["failed"].(float64) {
			t.Fatalf("inconsistent job: %v", j)
		}
		prevDone = done
		clk.add(time.Second)
	}
	j := jobState(t, s, id)
	if j["status"] != "COMPLETED" || j["pending"] != 0.0 || j["failed"] == 0.0 || j["updatedAt"] != "2026-03-01T09:00:04Z" {
		t.Fatalf("after 5s at 5/s, 21 targets: %v", j)
	}

	// Same seed, same failures; all failing makes the job FAILED.
	s2 := New(WithClock(clk.now), WithRate(5), WithFailRate(0.5), WithSeed(3), WithGroupSize(10))
	_, m2 := call(t, s2, "POST", "/messages/send", Key, `{"type":"TEXT","content":"x","recipients":["919999999999"],"groupIds":["g1","g2"]}`)
	clk.add(time.Minute)
	a, _ := json.Marshal(jobState(t, s, id)["failures"])
	b, _ := json.Marshal(jobState(t, s2, m2["jobId"].(string))["failures"])
	if !bytes.Equal(a, b) {
		t.Fatalf("failures differ for the same seed:\n%s\n%s", a, b)
	}
	s3 := New(WithClock(clk.now), WithFailRate(1))
	_, m3 := call(t, s3, "POST", "/messages/send", Key, `{"type":"TEXT","content":"x","groupIds":["g"]}`)
	clk.add(time.Minute)
	if st := jobState(t, s3, m3["jobId"].(string))["status"]; st != "FAILED" {
		t.Fatalf("every target failed: status %v", st)
	}
}

func TestConcurrentUseAndStart(t *testing.T) {
	s := New(WithPrefix("/v1"))
	r, err := s.Start("")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(context.Background())
	if !strings.HasPrefix(r.URL, "http://127.0.0.1:") || !strings.HasSuffix(r.URL, "/v1") {
		t.Fatalf("URL = %q", r.URL)
	}
	tr := &http.Transport{}
	hc := &http.Client{Transport: tr}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf(`{"type":"TEXT","content":"x","recipients":["9199999%05d"]}`, i)
			req, _ := http.NewRequest("POST", r.URL+"/messages/send", strings.NewReader(body))
			req.Header.Set("x-api-key", Key)
			resp, err := hc.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			_ = s.Sends()
		}()
	}
	wg.Wait()
	counts := s.RecipientCounts()
	if s.SendCount() != 20 || len(counts) != 20 {
		t.Fatalf("sends=%d distinct recipients=%d", s.SendCount(), len(counts))
	}
	for p, n := range counts {
		if n != 1 {
			t.Fatalf("%s sent %d times", p, n)
		}
	}
	// Shutdown waits up to 5s for connections that never carried a
	// request; close the client's spare ones so the test stays fast.
	tr.CloseIdleConnections()
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkJobPoll measures one GET of a 100,000-recipient job midway:
// progress is computed on demand, so a poll costs a search plus encoding.
func BenchmarkJobPoll(b *testing.B) {
	clk := &clock{t: t0}
	s := New(WithClock(clk.now), WithRate(1000))
	q := make([]string, 100_000)
	for i := range q {
		q[i] = fmt.Sprintf("4477%08d", i)
	}
	body, _ := json.Marshal(map[string]any{"type": "TEXT", "content": "x", "recipients": q})
	req := httptest.NewRequest("POST", "/messages/send", bytes.NewReader(body))
	req.Header.Set("x-api-key", Key)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		b.Fatal(err)
	}
	clk.add(50 * time.Second)
	path := "/bulk-jobs/" + m["jobId"].(string)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("x-api-key", Key)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

// Two sandboxes without WithSeed hand out different IDs, so two --sandbox
// runs sharing a state dir never journal the same job ID.
func TestUnseededSandboxesHaveDistinctIDs(t *testing.T) {
	body := `{"type":"TEXT","content":"hi","recipients":` + phones(12) + `}`
	var ids []string
	for range 2 {
		code, out := call(t, New(), "POST", "/messages/send", Key, body)
		if code != 200 {
			t.Fatalf("send: %d %v", code, out)
		}
		ids = append(ids, out["jobId"].(string))
	}
	if ids[0] == ids[1] {
		t.Fatalf("two unseeded sandboxes both returned %s", ids[0])
	}
}
