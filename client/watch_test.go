package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"spotcast/campaign"
	"spotcast/client/sandbox"
)

// The watch policy lives in campaign; these tests run it with the real
// client over HTTP, so the client's errors are proven to say what they
// are (throttled, gone, fatal) the way the policy reads them.

// recClock is virtual time for campaign.Watch: After records the wait and
// advances the sandbox clock (when there is one) by it.
type recClock struct {
	mu    sync.Mutex
	t     time.Time
	waits []time.Duration
	clk   *fakeClock
}

func (r *recClock) Now() time.Time {
	if r.clk != nil {
		return r.clk.Now()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.t
}

func (r *recClock) After(d time.Duration) <-chan time.Time {
	r.mu.Lock()
	r.waits = append(r.waits, d)
	r.t = r.t.Add(d)
	r.mu.Unlock()
	if r.clk != nil {
		r.clk.Add(d)
	}
	ch := make(chan time.Time, 1)
	ch <- r.Now()
	return ch
}

func result(rs []campaign.JobResult, id string) campaign.JobResult {
	for _, r := range rs {
		if r.JobID == id {
			return r
		}
	}
	return campaign.JobResult{}
}

func TestWatchSandboxJobsToTheEnd(t *testing.T) {
	s, c, clk := startSandbox(t, sandbox.WithRate(10))
	var ids []string
	for range 3 {
		res, err := c.Send(context.Background(), textReq(numbers(40)...))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.JobID)
	}
	var updates atomic.Int32
	rs, err := campaign.Watch(context.Background(), c, campaign.NewPoller(nil, ids...), &recClock{clk: clk}, func(u campaign.JobUpdate) {
		updates.Add(1)
		if u.Err != nil || u.Job == nil || u.Job.ID != u.JobID {
			t.Errorf("update %+v", u)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if r := result(rs, id); r.End != campaign.EndFinished || r.Job.Status != "COMPLETED" {
			t.Fatalf("job %s ended as %+v", id, r)
		}
	}
	if int(updates.Load()) != s.Hits(sandbox.EndpointJob) {
		t.Fatalf("%d updates for %d polls: fn must see every poll", updates.Load(), s.Hits(sandbox.EndpointJob))
	}
}

func TestWatchRetriesServerErrorsAndWaitsOnThrottling(t *testing.T) {
	var n atomic.Int32
	srv, _ := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1, 2:
			w.WriteHeader(503)
			io.WriteString(w, "down")
		case 3:
			w.Header().Set("Retry-After", "20")
			w.WriteHeader(429)
		case 4:
			w.WriteHeader(408)
		case 5:
			io.WriteString(w, `{"job":{"id":"job_1","status":"PROCESSING","total":10}}`)
		default:
			io.WriteString(w, `{"job":{"id":"job_1","status":"completed","total":10,"sent":10,"failed":0,"pending":0}}`)
		}
	})
	clock := &recClock{t: t0}
	var ups []campaign.JobUpdate
	rs, err := campaign.Watch(context.Background(), New(WithBaseURL(srv.URL)), campaign.NewPoller(nil, "job_1"), clock, func(u campaign.JobUpdate) {
		ups = append(ups, u)
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := rs[0]; r.End != campaign.EndFinished || campaign.Verdict(rs) != campaign.VerdictCompleted || len(ups) != 6 {
		t.Fatalf("result %+v after %d updates", r, len(ups))
	}
	if !IsTransport(ups[0].Err) || ups[0].Throttled || !ups[2].Throttled || !ups[3].Throttled || ups[2].Failures != 2 {
		t.Fatalf("a 503 is a failure, a 429 and a 408 are throttling: %+v", ups[:4])
	}
	var total time.Duration
	for _, w := range clock.waits {
		total += w
	}
	// 1s+ and 2s+ of back-off, Retry-After 20 s, a back-off for the 408, 1 s.
	if total < 24*time.Second {
		t.Fatalf("waited %v in all (%v): Retry-After was not honoured", total, clock.waits)
	}
}

func TestWatchNotFoundEndsThatJobAsLost(t *testing.T) {
	srv, _ := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/job_gone") {
			w.WriteHeader(404)
			io.WriteString(w, `{"error":"job not found"}`)
			return
		}
		io.WriteString(w, `{"id":"job_ok","status":"COMPLETED"}`)
	})
	rs, err := campaign.Watch(context.Background(), New(WithBaseURL(srv.URL)), campaign.NewPoller(nil, "job_ok", "job_gone"), &recClock{t: t0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	gone := result(rs, "job_gone")
	if gone.End != campaign.EndLost || !IsNotFound(gone.Err) || result(rs, "job_ok").End != campaign.EndFinished {
		t.Fatalf("results %+v", rs)
	}
	if v := campaign.Verdict(rs); v != campaign.VerdictRefused {
		t.Fatalf("verdict %v", v)
	}
}

func TestWatchStopsWhenContextEnds(t *testing.T) {
	srv, _ := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"id":"job_1","status":"SOMETHING_NEW"}`)
	})
	ctx, cancel := context.WithCancel(context.Background())
	polls := 0
	rs, err := campaign.Watch(ctx, New(WithBaseURL(srv.URL)), campaign.NewPoller(nil, "job_1"), &recClock{t: t0}, func(u campaign.JobUpdate) {
		if polls++; polls == 3 {
			cancel()
		}
	})
	if err == nil || polls != 3 {
		t.Fatalf("err=%v polls=%d", err, polls)
	}
	if rs[0].End != "" || rs[0].Job.Status != "SOMETHING_NEW" || campaign.Verdict(rs) != campaign.VerdictInterrupted {
		t.Fatalf("an unknown status is kept as it is and treated as running: %+v", rs[0])
	}
}

// A job that can never be fetched as configured (no {id} in the path, a
// base URL that is not http(s)) ends its watch at once instead of being
// retried forever.
func TestWatchConfigErrorIsFatal(t *testing.T) {
	srv, hits := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"id":"job_ok","status":"COMPLETED"}`)
	})
	for _, tc := range []struct {
		name string
		c    *Client
		id   string
	}{
		{"job path without {id}", New(WithBaseURL(srv.URL), WithJobPath("/jobs")), "job_1"},
		{"job ID ..", New(WithBaseURL(srv.URL)), ".."},
		{"ftp base URL", New(WithBaseURL("ftp://example.com")), "job_1"},
		{"base URL with a space", New(WithBaseURL("http://a b")), "job_1"},
	} {
		clock := &recClock{t: t0}
		rs, err := campaign.Watch(context.Background(), tc.c, campaign.NewPoller(nil, tc.id), clock, nil)
		var ce *ConfigError
		if err != nil || rs[0].End != campaign.EndRefused || !errors.As(rs[0].Err, &ce) || len(clock.waits) != 0 {
			t.Errorf("%s: %+v (%v), %d waits; want a fatal *ConfigError and no retry", tc.name, rs[0], err, len(clock.waits))
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("%d requests reached the server", hits.Load())
	}
}
