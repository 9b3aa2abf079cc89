package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"spotcast/campaign"
	"spotcast/client/sandbox"
)

// fakeClock is a settable clock for the sandbox.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// startSandbox serves a sandbox under /v1 so any absolute-path mistake in
// the client 404s.
func startSandbox(t *testing.T, opts ...sandbox.Option) (*sandbox.Server, *Client, *fakeClock) {
	t.Helper()
	clk := &fakeClock{t: t0}
	s := sandbox.New(append([]sandbox.Option{sandbox.WithPrefix("/v1"), sandbox.WithClock(clk.Now), sandbox.WithSeed(7)}, opts...)...)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, New(WithBaseURL(srv.URL+"/v1/"), WithAPIKey(sandbox.Key)), clk
}

func textReq(to ...string) campaign.Request {
	return campaign.Request{Type: campaign.TypeText, Content: "Hello <b>&</b>", Recipients: to}
}

func numbers(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("91999%07d", i)
	}
	return out
}

func TestSendSingle(t *testing.T) {
	s, c, _ := startSandbox(t)
	res, err := c.Send(context.Background(), textReq("919999999999"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Async || res.JobID != "" || len(res.Messages) != 1 || !strings.HasPrefix(res.Messages[0].ID, "msg_") || res.Messages[0].Status != "SENT" || res.Messages[0].SentAt == "" {
		t.Fatalf("single result = %+v", res)
	}
	sends := s.Sends()
	if len(sends) != 1 || sends[0].Content != "Hello <b>&</b>" || sends[0].Recipients[0] != "919999999999" {
		t.Fatalf("sandbox received %+v", sends)
	}
}

func TestSendUpToTenGivesMessagesArray(t *testing.T) {
	_, c, _ := startSandbox(t)
	res, err := c.Send(context.Background(), textReq(numbers(10)...))
	if err != nil {
		t.Fatal(err)
	}
	if res.Async || len(res.Messages) != 10 {
		t.Fatalf("want 10 synchronous messages, got %+v", res)
	}
	ids := map[string]bool{}
	for _, m := range res.Messages {
		ids[m.ID] = true
	}
	if len(ids) != 10 {
		t.Fatalf("message IDs not distinct (the object in \"message\" must not be counted twice): %v", ids)
	}
	out, err := c.SendRequest(context.Background(), textReq(numbers(3)...))
	if err != nil || out.Async || len(out.Messages) != 3 || out.Messages[0].ID == "" {
		t.Fatalf("SendRequest = %+v, %v", out, err)
	}
}

func TestBulkJobRunsToCompletion(t *testing.T) {
	s, c, clk := startSandbox(t, sandbox.WithRate(10), sandbox.WithFailRate(0.2))
	res, err := c.Send(context.Background(), textReq(numbers(50)...))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Async || !strings.HasPrefix(res.JobID, "job_") || res.Status != "PROCESSING" || res.Message != "Bulk job created with 50 recipients" {
		t.Fatalf("bulk result = %+v", res)
	}
	clk.Add(2 * time.Second)
	j, err := c.GetJob(context.Background(), res.JobID)
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != "PROCESSING" || *j.Total != 50 || *j.Sent+*j.Failed != 20 || *j.Pending != 30 || j.Terminal() {
		t.Fatalf("after 2s at 10/s: %+v", j)
	}
	clk.Add(time.Minute)
	j, err = c.GetJob(context.Background(), res.JobID)
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != "COMPLETED" || !j.Terminal() || *j.Sent+*j.Failed != 50 || *j.Pending != 0 {
		t.Fatalf("after a minute: %+v", j)
	}
	if *j.Failed == 0 || *j.Failed == 50 || len(j.Failures) != *j.Failed || !j.HasFailures {
		t.Fatalf("with a 20%% fail share want some failures listed: failed=%d failures=%v", *j.Failed, j.Failures)
	}
	sent := map[string]bool{}
	for _, p := range s.Sends()[0].Recipients {
		sent[p] = true
	}
	for _, f := range j.Failures {
		if !sent[f.Recipient] || f.Error == "" {
			t.Fatalf("failure %+v is not one of the recipients or has no reason", f)
		}
	}
}

func TestGroupsMakeABulkJob(t *testing.T) {
	_, c, _ := startSandbox(t)
	req := campaign.Request{Type: campaign.TypeImage, Content: "cap", Caption: "cap", MediaURL: "https://example.com/a.png", GroupIDs: []string{"g1", "g2"}}
	res, err := c.Send(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Async || res.Message != "Bulk job created with 50 recipients" {
		t.Fatalf("two groups of 25 = %+v", res)
	}
}

func TestScheduledJob(t *testing.T) {
	_, c, clk := startSandbox(t, sandbox.WithRate(100), sandbox.WithFailRate(0))
	req := textReq(numbers(20)...)
	req.ScheduledAt = t0.Add(time.Hour).Format(time.RFC3339)
	res, err := c.Send(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != "SCHEDULED" {
		t.Fatalf("a future scheduledAt should answer SCHEDULED, got %+v", res)
	}
	var seen []string
	for _, step := range []time.Duration{59 * time.Minute, time.Minute, 900 * time.Millisecond, 200 * time.Millisecond, time.Second} {
		clk.Add(step)
		j, err := c.GetJob(context.Background(), res.JobID)
		if err != nil {
			t.Fatal(err)
		}
		if j.ScheduledAt != req.ScheduledAt {
			t.Fatalf("scheduledAt = %q, want %q", j.ScheduledAt, req.ScheduledAt)
		}
		seen = append(seen, j.Status)
	}
	want := "SCHEDULED PENDING PENDING PROCESSING COMPLETED"
	if got := strings.Join(seen, " "); got != want {
		t.Fatalf("statuses = %s, want %s", got, want)
	}
}

func TestWrongKeyIsAuthError(t *testing.T) {
	s := sandbox.New(sandbox.WithPrefix("/v1"))
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := New(WithBaseURL(srv.URL+"/v1"), WithAPIKey("not-the-key"))
	_, err := c.Send(context.Background(), textReq("919999999999"))
	var a *APIError
	if !errors.As(err, &a) || a.StatusCode != 401 || !IsAuth(err) || !IsRejected(err) || IsTransport(err) || campaign.IsOutcomeUnknown(err) {
		t.Fatalf("want a 401 APIError, got %T %v", err, err)
	}
	if a.Message != "invalid API key" || !strings.Contains(err.Error(), "API Tokens") || !strings.Contains(err.Error(), "revoked") {
		t.Fatalf("401 text should explain the key and where keys come from: %v", err)
	}
	if _, err := c.GetJob(context.Background(), "job_x"); !IsAuth(err) {
		t.Fatalf("GetJob with a wrong key: %v", err)
	}
	if s.SendCount() != 0 || s.Hits(sandbox.EndpointSend) != 1 {
		t.Fatalf("sends=%d hits=%d", s.SendCount(), s.Hits(sandbox.EndpointSend))
	}
}

func TestValidationErrorsNameTheField(t *testing.T) {
	s, c, _ := startSandbox(t)
	cases := []struct {
		name  string
		req   campaign.Request
		field string
	}{
		{"unknown type", campaign.Request{Type: "AUDIO", Content: "x", Recipients: []string{"919999999999"}}, "type"},
		{"missing content", campaign.Request{Type: campaign.TypeText, Recipients: []string{"919999999999"}}, "content"},
		{"missing media", campaign.Request{Type: campaign.TypeVideo, Content: "x", Recipients: []string{"919999999999"}}, "mediaUrl"},
		{"no recipients", campaign.Request{Type: campaign.TypeText, Content: "x"}, "recipients"},
		{"plus sign", textReq("+919999999999"), "recipients[0]"},
		{"too short", textReq("919999999999", "1234"), "recipients[1]"},
		{"bad schedule", campaign.Request{Type: campaign.TypeText, Content: "x", Recipients: []string{"919999999999"}, ScheduledAt: "tomorrow"}, "scheduledAt"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Send(context.Background(), tc.req)
			var a *APIError
			if !errors.As(err, &a) || a.StatusCode != 400 || !IsRejected(err) || campaign.IsOutcomeUnknown(err) {
				t.Fatalf("want 400 APIError, got %T %v", err, err)
			}
			if !strings.Contains(a.Message, tc.field) {
				t.Fatalf("message %q does not name %q", a.Message, tc.field)
			}
		})
	}
	if s.SendCount() != 0 {
		t.Fatalf("rejected requests were recorded as sent: %d", s.SendCount())
	}
}

// faultServer serves handler under /v1 and counts requests.
func faultServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestRateLimitRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   time.Duration
	}{
		{"7", 7 * time.Second},
		{"", 0},
		{"soon", 0},
	} {
		srv, _ := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
			if tc.header != "" {
				w.Header().Set("Retry-After", tc.header)
			}
			w.WriteHeader(429)
			io.WriteString(w, `{"message":"slow down"}`)
		})
		_, err := New(WithBaseURL(srv.URL), WithAPIKey("k-1234")).GetJob(context.Background(), "job_1")
		var rl *RateLimitError
		if !errors.As(err, &rl) || rl.RetryAfter() != tc.want || rl.Message != "slow down" || rl.StatusCode != 429 {
			t.Fatalf("Retry-After %q: got %T %v", tc.header, err, err)
		}
		var a *APIError
		if !errors.As(err, &a) || !IsRejected(err) {
			t.Fatalf("a RateLimitError should unwrap to its APIError")
		}
	}
	now := time.Now()
	if d := parseRetryAfter(now.Add(90*time.Second).UTC().Format(http.TimeFormat), now); d < 88*time.Second || d > 90*time.Second {
		t.Fatalf("HTTP-date Retry-After = %v, want about 90s", d)
	}
	if d := parseRetryAfter("999999999", now); d != maxRetryAfter {
		t.Fatalf("huge Retry-After = %v, want capped at %v", d, maxRetryAfter)
	}
}

func TestServerErrorOnPostIsUnknownAndNotRetried(t *testing.T) {
	srv, hits := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(502)
		io.WriteString(w, "<html>Bad gateway</html>")
	})
	_, err := New(WithBaseURL(srv.URL)).Send(context.Background(), textReq("919999999999"))
	var u *UnknownOutcomeError
	if !errors.As(err, &u) || !campaign.IsOutcomeUnknown(err) || !IsTransport(err) || IsRejected(err) {
		t.Fatalf("want UnknownOutcomeError, got %T %v", err, err)
	}
	for _, want := range []string{"outcome unknown", "journaled", "NOT retried", "502", "Bad gateway"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if hits.Load() != 1 {
		t.Fatalf("a POST was sent %d times; it must never be retried", hits.Load())
	}
}

func TestUnreadable2xxOnPostIsUnknown(t *testing.T) {
	srv, _ := faultServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"ok":1}`) })
	_, err := New(WithBaseURL(srv.URL)).Send(context.Background(), textReq("919999999999"))
	if !campaign.IsOutcomeUnknown(err) {
		t.Fatalf("a 2xx we cannot read may still have sent: want unknown outcome, got %v", err)
	}
	srv2, _ := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"success":false,"error":"device disconnected"}`)
	})
	_, err = New(WithBaseURL(srv2.URL)).Send(context.Background(), textReq("919999999999"))
	var a *APIError
	if !errors.As(err, &a) || a.Message != "device disconnected" || !IsRejected(err) {
		t.Fatalf("success:false with 200: got %T %v", err, err)
	}
}

func refusedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func TestConnectionRefused(t *testing.T) {
	c := New(WithBaseURL(refusedURL(t)+"/v1"), WithAPIKey("k-1234"))
	_, err := c.Send(context.Background(), textReq("919999999999"))
	// No connection, so no byte of the request left: not sent (the batch
	// stays pending), still a transport failure (exit 4).
	var ns *NotSentError
	if !errors.As(err, &ns) || !IsTransport(err) || !campaign.IsNotSent(err) || campaign.IsOutcomeUnknown(err) {
		t.Fatalf("POST to a closed port: want NotSentError, got %T %v", err, err)
	}
	_, err = c.GetJob(context.Background(), "job_1")
	var te *TransportError
	if !errors.As(err, &te) || !IsTransport(err) || campaign.IsOutcomeUnknown(err) {
		t.Fatalf("GET to a closed port: want TransportError, got %T %v", err, err)
	}
}

// A connection that takes the request and then drops is different: the
// request may have arrived, so the outcome is unknown.
func TestConnectionDroppedAfterRequestIsUnknown(t *testing.T) {
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
			buf := make([]byte, 4096)
			_, _ = conn.Read(buf) // the request arrives...
			conn.Close()          // ...and no answer comes back
		}
	}()
	_, err = New(WithBaseURL("http://"+ln.Addr().String())).Send(context.Background(), textReq("919999999999"))
	var u *UnknownOutcomeError
	if !errors.As(err, &u) || campaign.IsNotSent(err) {
		t.Fatalf("dropped after the request: want UnknownOutcomeError, got %T %v", err, err)
	}
}

func TestCancelledBeforeSendIsNotUnknown(t *testing.T) {
	srv, hits := faultServer(t, func(w http.ResponseWriter, r *http.Request) {})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := New(WithBaseURL(srv.URL)).Send(ctx, textReq("919999999999"))
	if !errors.Is(err, context.Canceled) || campaign.IsOutcomeUnknown(err) || hits.Load() != 0 {
		t.Fatalf("nothing left, so the outcome is known: %v (hits %d)", err, hits.Load())
	}
}

func TestTimeoutOnPostIsUnknown(t *testing.T) {
	release := make(chan struct{})
	srv, _ := faultServer(t, func(w http.ResponseWriter, r *http.Request) { <-release })
	defer close(release)
	_, err := New(WithBaseURL(srv.URL), WithTimeout(50*time.Millisecond)).Send(context.Background(), textReq("919999999999"))
	if !campaign.IsOutcomeUnknown(err) || !IsTransport(err) {
		t.Fatalf("a timed-out POST may have arrived: got %T %v", err, err)
	}
}

// countingBody is an endless response body that counts what was read.
type countingBody struct{ n *atomic.Int64 }

var filler = []byte(strings.Repeat("x", 32<<10))

func (b countingBody) Read(p []byte) (int, error) {
	n := copy(p, filler)
	if b.n.Add(int64(n)) > 50<<20 {
		return n, io.EOF
	}
	return n, nil
}
func (countingBody) Close() error { return nil }

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestBodiesAreBounded(t *testing.T) {
	for _, tc := range []struct {
		code int
		max  int64
	}{{500, maxErrorBody}, {404, maxErrorBody}, {200, maxSuccessBody + 1}} {
		var n atomic.Int64
		hc := &http.Client{Transport: rtFunc(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: tc.code, Status: fmt.Sprint(tc.code), Header: http.Header{}, Body: countingBody{&n}, Request: r}, nil
		})}
		_, err := New(WithHTTPClient(hc)).GetJob(context.Background(), "job_1")
		if err == nil {
			t.Fatalf("%d with a 50 MB body: want an error", tc.code)
		}
		// Reads come in buffer-sized chunks: allow one chunk past the cap.
		if got := n.Load(); got > tc.max+64<<10 {
			t.Fatalf("%d: read %d bytes of a 50 MB body; cap is %d", tc.code, got, tc.max)
		}
		if len(err.Error()) > 2000 {
			t.Fatalf("%d: error text is %d bytes; the excerpt must stay short", tc.code, len(err.Error()))
		}
	}
}

func TestKeyNeverInErrors(t *testing.T) {
	const key = "SECRETkey-9f8e7d6c5b4a"
	echo := func(code int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(code)
			fmt.Fprintf(w, `{"error":"bad key %s","message":"%s","url":"%s"}`, r.Header.Get("x-api-key"), r.Header.Get("x-api-key"), r.URL)
		}
	}
	var errs []error
	for _, code := range []int{400, 401, 403, 404, 429, 500, 503} {
		srv, _ := faultServer(t, echo(code))
		c := New(WithBaseURL(srv.URL+"/v1?token="+key), WithAPIKey(key))
		_, err := c.Send(context.Background(), textReq("919999999999"))
		errs = append(errs, err)
		_, err = c.GetJob(context.Background(), "job_1")
		errs = append(errs, err)
	}
	srv, _ := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"success":false,"error":"%s"}`, r.Header.Get("x-api-key"))
	})
	c := New(WithBaseURL(srv.URL), WithAPIKey(key))
	_, err := c.Send(context.Background(), textReq("919999999999"))
	errs = append(errs, err)
	_, err = c.GetJob(context.Background(), "job_1")
	errs = append(errs, err)
	srv2, _ := faultServer(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, `not json %s`, r.Header.Get("x-api-key")) })
	c = New(WithBaseURL(srv2.URL), WithAPIKey(key))
	_, err = c.Send(context.Background(), textReq("919999999999"))
	errs = append(errs, err)
	_, err = c.GetJob(context.Background(), "job_1")
	errs = append(errs, err)
	c = New(WithBaseURL(refusedURL(t)+"/?token="+key), WithAPIKey(key))
	_, err = c.Send(context.Background(), textReq("919999999999"))
	errs = append(errs, err)
	_, err = c.GetJob(context.Background(), "job_1")
	errs = append(errs, err)
	c = New(WithBaseURL("ftp://"+key+"@host"), WithAPIKey(key))
	_, err = c.Send(context.Background(), textReq("919999999999"))
	errs = append(errs, err)
	_, _, err = New(WithBaseURL("http://x"), WithAPIKey(key)).do(context.Background(), "GET", "http://"+key+"\x7f/", nil)
	errs = append(errs, err)
	for i, err := range errs {
		if err == nil {
			t.Fatalf("case %d: no error", i)
		}
		if strings.Contains(err.Error(), key) || strings.Contains(fmt.Sprintf("%+v", err), key) {
			t.Errorf("case %d: the key leaked: %v", i, err)
		}
	}
}

func TestRequestShape(t *testing.T) {
	var got struct {
		method, path, key, ua, ctype, query string
		body                                []byte
	}
	srv, _ := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		got.method, got.path, got.query = r.Method, r.URL.Path, r.URL.RawQuery
		got.key, got.ua, got.ctype = r.Header.Get("x-api-key"), r.Header.Get("User-Agent"), r.Header.Get("Content-Type")
		got.body, _ = io.ReadAll(r.Body)
		io.WriteString(w, `{"success":true,"message":{"id":"msg_1","status":"SENT"},"async":false}`)
	})
	c := New(WithBaseURL(srv.URL+"/api/v1/"), WithAPIKey("k-1234"), WithUserAgent("spotcast/test"))
	if _, err := c.Send(context.Background(), textReq("919999999999")); err != nil {
		t.Fatal(err)
	}
	if got.method != "POST" || got.path != "/api/v1/messages/send" || got.key != "k-1234" || got.ua != "spotcast/test" || got.ctype != "application/json" || got.query != "" {
		t.Fatalf("request = %+v", got)
	}
	if !strings.Contains(string(got.body), `"content":"Hello <b>&</b>"`) {
		t.Fatalf("HTML must not be escaped in the body: %s", got.body)
	}
	var m map[string]any
	if err := json.Unmarshal(got.body, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"mediaUrl", "groupIds", "caption", "scheduledAt"} {
		if _, ok := m[k]; ok {
			t.Errorf("empty optional field %q was sent", k)
		}
	}
}

func TestJobPathTemplate(t *testing.T) {
	var path string
	srv, _ := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		path = r.URL.EscapedPath()
		io.WriteString(w, `{"data":{"id":"a/b c","status":"PENDING"}}`)
	})
	c := New(WithBaseURL(srv.URL+"/v1"), WithJobPath("/jobs/{id}/status"))
	j, err := c.GetJob(context.Background(), "a/b c")
	if err != nil {
		t.Fatal(err)
	}
	if path != "/v1/jobs/a%2Fb%20c/status" || j.Status != "PENDING" {
		t.Fatalf("path = %q, job = %+v", path, j)
	}
	if _, err := New(WithBaseURL(srv.URL), WithJobPath("/jobs")).GetJob(context.Background(), "x"); err == nil || !strings.Contains(err.Error(), "{id}") {
		t.Fatalf("a template without {id}: %v", err)
	}
	if _, err := c.GetJob(context.Background(), ".."); err == nil {
		t.Fatal("a job ID of .. must be refused")
	}
}

func TestWithTimeoutLeavesSharedClientAlone(t *testing.T) {
	shared := &http.Client{Timeout: 5 * time.Second}
	c := New(WithHTTPClient(shared), WithTimeout(time.Second))
	if shared.Timeout != 5*time.Second || shared.CheckRedirect != nil {
		t.Fatalf("caller's http.Client was modified: %+v", shared)
	}
	if c.http.Timeout != time.Second {
		t.Fatalf("timeout not applied: %v", c.http.Timeout)
	}
	if c2 := New(WithTimeout(2*time.Second), WithHTTPClient(shared)); c2.http.Timeout != 2*time.Second {
		t.Fatalf("option order must not matter: %v", c2.http.Timeout)
	}
}

func TestKeyNotForwardedAcrossHosts(t *testing.T) {
	var leaked atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("x-api-key"))
		io.WriteString(w, `{"id":"job_1","status":"COMPLETED"}`)
	}))
	defer other.Close()
	// 127.0.0.1 vs localhost: a different host for the redirect check.
	target := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	srv, _ := faultServer(t, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, target+"/x", http.StatusFound) })
	if _, err := New(WithBaseURL(srv.URL), WithAPIKey("k-1234")).GetJob(context.Background(), "job_1"); err != nil {
		t.Fatal(err)
	}
	if v, _ := leaked.Load().(string); v != "" {
		t.Fatalf("x-api-key forwarded to another host: %q", v)
	}
}

// A POST the server processed and answered with a 303 must not be followed
// as a GET (whose 405 would read as "rejected" and invite a resend): its
// outcome is unknown, and the POST is made once.
func TestRedirectedPostIsUnknownAndNotFollowed(t *testing.T) {
	for _, code := range []int{301, 302, 303, 307, 308} {
		var posts, others atomic.Int32
		srv, _ := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost {
				others.Add(1)
				w.WriteHeader(http.StatusMethodNotAllowed)
				return
			}
			posts.Add(1)
			http.Redirect(w, r, "/done", code)
		})
		_, err := New(WithBaseURL(srv.URL), WithAPIKey("k-1234")).Send(context.Background(), textReq("919999999999"))
		var u *UnknownOutcomeError
		if !errors.As(err, &u) || !campaign.IsOutcomeUnknown(err) || IsRejected(err) {
			t.Errorf("%d: want UnknownOutcomeError, got %T %v", code, err, err)
		}
		if err != nil && (!strings.Contains(err.Error(), "redirect") || strings.Contains(err.Error(), "rejected")) {
			t.Errorf("%d: error should say redirect, not rejected: %v", code, err)
		}
		if posts.Load() != 1 || others.Load() != 0 {
			t.Errorf("%d: %d POSTs and %d other requests; want the POST once and nothing else", code, posts.Load(), others.Load())
		}
	}
	// A GET still follows redirects.
	srv, _ := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/moved/job_1" {
			http.Redirect(w, r, "/moved/job_1", http.StatusMovedPermanently)
			return
		}
		io.WriteString(w, `{"id":"job_1","status":"COMPLETED"}`)
	})
	if j, err := New(WithBaseURL(srv.URL), WithJobPath("/jobs/{id}")).GetJob(context.Background(), "job_1"); err != nil || j.Status != "COMPLETED" {
		t.Fatalf("GET redirect: %+v %v", j, err)
	}
}

// An https→http redirect on the same host must not carry the key in clear.
func TestKeyDroppedOnHTTPSDowngrade(t *testing.T) {
	check := keepKeyOnHost(nil)
	orig, _ := http.NewRequest(http.MethodGet, "https://api.example.com/bulk-jobs/1", nil)
	for _, tc := range []struct {
		to   string
		keep bool
	}{
		{"https://api.example.com/other", true},
		{"http://api.example.com/other", false},
		{"https://evil.example.com/other", false},
	} {
		next, _ := http.NewRequest(http.MethodGet, tc.to, nil)
		next.Header.Set("x-api-key", "k-1234")
		if err := check(next, []*http.Request{orig}); err != nil {
			t.Fatalf("%s: %v", tc.to, err)
		}
		if got := next.Header.Get("x-api-key") != ""; got != tc.keep {
			t.Errorf("redirect to %s: key kept = %v, want %v", tc.to, got, tc.keep)
		}
	}
}

// The key is removed from a body before it is cut: a key echoed across the
// excerpt's or the message's cut must not survive in part.
func TestKeyAcrossTheCutDoesNotLeak(t *testing.T) {
	const key = "SECRETkey-0123456789abcdefghijklmnopqrstuvwxyz"
	for _, tc := range []struct {
		name, ctype, body string
		code              int
	}{
		{"401 text excerpt", "text/plain", strings.Repeat("x", 180) + " " + key, 401},
		{"400 JSON message", "application/json", `{"error":"` + strings.Repeat("y", 480) + " " + key + `"}`, 400},
		{"200 success false", "application/json", `{"success":false,"error":"` + strings.Repeat("y", 480) + " " + key + `"}`, 200},
		{"200 unreadable", "application/json", `{"nonsense":"` + strings.Repeat("z", 180) + " " + key + `"`, 200},
	} {
		srv, _ := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", tc.ctype)
			w.WriteHeader(tc.code)
			io.WriteString(w, tc.body)
		})
		c := New(WithBaseURL(srv.URL), WithAPIKey(key))
		_, sendErr := c.Send(context.Background(), textReq("919999999999"))
		_, jobErr := c.GetJob(context.Background(), "job_1")
		for _, err := range []error{sendErr, jobErr} {
			if err == nil {
				t.Fatalf("%s: no error", tc.name)
			}
			text := err.Error()
			for i := 0; i+8 <= len(key); i++ {
				if strings.Contains(text, key[i:i+8]) {
					t.Errorf("%s: %q of the key leaked: %s", tc.name, key[i:i+8], text)
					break
				}
			}
		}
	}
}

// ctx ended before the request left: a *NotSentError, which campaign keeps
// pending, never an unknown outcome.
func TestNotSentKeepsTheBatchPending(t *testing.T) {
	srv, hits := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"success":true,"jobId":"job_1","status":"PROCESSING"}`)
	})
	c := New(WithBaseURL(srv.URL))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Send(ctx, textReq("919999999999"))
	var ns *NotSentError
	if !errors.As(err, &ns) || !campaign.IsNotSent(err) || campaign.IsOutcomeUnknown(err) || !errors.Is(err, context.Canceled) {
		t.Fatalf("want *NotSentError wrapping context.Canceled, got %T %v", err, err)
	}
	// The campaign is cancelled as its first batch is about to be sent.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	camp := campaign.Campaign{Type: campaign.TypeText, Content: "hi", Recipients: numbers(15)}
	sub, err := campaign.Submit(context.Background(), nil, camp, campaign.SubmitOptions{BatchSize: 10}, func(_ context.Context, r campaign.Request) (campaign.SendOutcome, error) {
		cancel()
		return c.SendRequest(ctx, r)
	})
	if !errors.Is(err, context.Canceled) || sub.Batches[0].State != campaign.StatePending || sub.Batches[1].State != campaign.StatePending {
		t.Fatalf("err %v, batches %+v; want both pending", err, sub.Batches)
	}
	if hits.Load() != 0 {
		t.Fatalf("%d requests sent", hits.Load())
	}
}
