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

	"spotcast/client/sandbox"
)

func TestBackoff(t *testing.T) {
	if d := Backoff(0, nil); d != time.Second {
		t.Fatalf("healthy = %v, want 1s", d)
	}
	for n := 1; n <= 12; n++ {
		exp := min(time.Second<<(n-1), MaxBackoff)
		hi := min(exp+exp/2, MaxBackoff)
		for range 50 {
			d := Backoff(n, errors.New("boom"))
			if d < exp || d > hi {
				t.Fatalf("failures=%d: %v not in [%v, %v]", n, d, exp, hi)
			}
		}
	}
	rl := &RateLimitError{APIError: &APIError{StatusCode: 429}, RetryAfter: 45 * time.Second}
	if d := Backoff(1, rl); d != 45*time.Second {
		t.Fatalf("Retry-After 45s at failure 1 = %v", d)
	}
	if d := Backoff(0, &RateLimitError{APIError: &APIError{StatusCode: 429}, RetryAfter: 10 * time.Millisecond}); d != time.Second {
		t.Fatalf("a tiny Retry-After must not poll faster than 1s: %v", d)
	}
}

// recordSleep never waits; it records what it was asked to wait and
// advances the sandbox clock by that much.
type recordSleep struct {
	mu    sync.Mutex
	waits []time.Duration
	clk   *fakeClock
}

func (r *recordSleep) Sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	r.waits = append(r.waits, d)
	r.mu.Unlock()
	if r.clk != nil {
		r.clk.Add(d)
	}
	return ctx.Err()
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
	rs := &recordSleep{clk: clk}
	var updates atomic.Int32
	jobs, err := c.Watch(context.Background(), ids, WatchOptions{Sleep: rs.Sleep}, func(u JobUpdate) {
		updates.Add(1)
		if u.Err != nil || u.Job == nil || u.Job.ID != u.JobID {
			t.Errorf("update %+v", u)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if j := jobs[id]; j == nil || j.Status != "COMPLETED" {
			t.Fatalf("job %s ended as %+v", id, j)
		}
	}
	for _, d := range rs.waits {
		if d < time.Second {
			t.Fatalf("polled faster than once a second: %v", d)
		}
	}
	if int(updates.Load()) != s.Hits(sandbox.EndpointJob) {
		t.Fatalf("%d updates for %d polls: fn must see every poll", updates.Load(), s.Hits(sandbox.EndpointJob))
	}
}

func TestWatchRetriesServerErrorsWithBackoff(t *testing.T) {
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
			io.WriteString(w, `{"job":{"id":"job_1","status":"PROCESSING","total":10}}`)
		default:
			io.WriteString(w, `{"job":{"id":"job_1","status":"COMPLETED","total":10,"sent":10,"failed":0,"pending":0}}`)
		}
	})
	rs := &recordSleep{}
	var errs []error
	jobs, err := New(WithBaseURL(srv.URL)).Watch(context.Background(), []string{"job_1"}, WatchOptions{Sleep: rs.Sleep}, func(u JobUpdate) {
		errs = append(errs, u.Err)
	})
	if err != nil {
		t.Fatal(err)
	}
	if jobs["job_1"].Status != "COMPLETED" || len(errs) != 5 || errs[0] == nil || errs[3] != nil {
		t.Fatalf("jobs=%+v errs=%v", jobs["job_1"], errs)
	}
	if !IsTransport(errs[0]) {
		t.Fatalf("a 503 on GET is a transport/server failure: %v", errs[0])
	}
	w := rs.waits
	if len(w) != 4 || w[0] < time.Second || w[1] < 2*time.Second || w[2] < 20*time.Second || w[3] != time.Second {
		t.Fatalf("waits = %v: want 1s+, 2s+, Retry-After 20s, then healthy 1s", w)
	}
}

func TestWatchNotFoundIsFatalForThatJob(t *testing.T) {
	srv, _ := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/job_gone") {
			w.WriteHeader(404)
			io.WriteString(w, `{"error":"job not found"}`)
			return
		}
		io.WriteString(w, `{"id":"job_ok","status":"COMPLETED"}`)
	})
	rs := &recordSleep{}
	var fatal []string
	jobs, err := New(WithBaseURL(srv.URL)).Watch(context.Background(), []string{"job_ok", "job_gone"}, WatchOptions{Sleep: rs.Sleep}, func(u JobUpdate) {
		if u.Fatal {
			fatal = append(fatal, u.JobID)
		}
	})
	if err == nil || !strings.Contains(err.Error(), "job_gone") || !IsNotFound(err) {
		t.Fatalf("want an error naming job_gone, got %v", err)
	}
	if len(fatal) != 1 || fatal[0] != "job_gone" || jobs["job_ok"].Status != "COMPLETED" || len(rs.waits) != 0 {
		t.Fatalf("fatal=%v jobs=%v waits=%v", fatal, jobs, rs.waits)
	}
}

func TestWatchStopsWhenContextEnds(t *testing.T) {
	srv, _ := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"id":"job_1","status":"SOMETHING_NEW"}`)
	})
	ctx, cancel := context.WithCancel(context.Background())
	polls := 0
	jobs, err := New(WithBaseURL(srv.URL)).Watch(ctx, []string{"job_1"}, WatchOptions{
		Sleep: func(ctx context.Context, d time.Duration) error {
			if polls == 3 {
				cancel()
			}
			return ctx.Err()
		},
	}, func(u JobUpdate) { polls++ })
	if !errors.Is(err, context.Canceled) || polls != 3 {
		t.Fatalf("err=%v polls=%d", err, polls)
	}
	if jobs["job_1"].Status != "SOMETHING_NEW" {
		t.Fatalf("an unknown status is kept as it is and treated as running: %+v", jobs["job_1"])
	}
}

// A job that can never be fetched as configured (no {id} in the path, an
// empty ID, a base URL that is not http(s)) ends its watch at once instead
// of being retried forever.
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
		{"empty job ID", New(WithBaseURL(srv.URL)), ""},
		{"ftp base URL", New(WithBaseURL("ftp://example.com")), "job_1"},
		{"base URL with a space", New(WithBaseURL("http://a b")), "job_1"},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		sleeps := 0
		var fatal bool
		_, err := tc.c.Watch(ctx, []string{tc.id}, WatchOptions{Sleep: func(ctx context.Context, d time.Duration) error {
			if sleeps++; sleeps == 3 {
				cancel() // retried: stop the loop so the test can fail
			}
			return ctx.Err()
		}}, func(u JobUpdate) { fatal = fatal || u.Fatal })
		cancel()
		var ce *ConfigError
		if !errors.As(err, &ce) || !fatal || sleeps != 0 {
			t.Errorf("%s: err %T %v, fatal %v, %d retries; want a fatal *ConfigError and no retry", tc.name, err, err, fatal, sleeps)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("%d requests reached the server", hits.Load())
	}
}
