package campaign

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// vclock is virtual time: After advances it at once.
type vclock struct {
	mu sync.Mutex
	t  time.Time
}

func newVClock() *vclock { return &vclock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)} }

func (c *vclock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *vclock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.t = c.t.Add(d)
	t := c.t
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- t
	return ch
}

// apiErr is an error that says what it is the way client's errors do.
type apiErr struct {
	status int
	wait   time.Duration
}

func (e *apiErr) Error() string             { return fmt.Sprintf("HTTP %d", e.status) }
func (e *apiErr) Throttled() bool           { return e.status == 429 || e.status == 408 }
func (e *apiErr) RetryAfter() time.Duration { return e.wait }
func (e *apiErr) Gone() bool                { return e.status == 404 || e.status == 410 }
func (e *apiErr) Fatal() bool {
	return e.status >= 400 && e.status < 500 && !e.Throttled()
}

// fakeJobs is an API whose jobs complete after `polls` good answers; fault
// may answer a poll with an error instead.
type fakeJobs struct {
	mu     sync.Mutex
	clock  *vclock
	polls  int
	status string // the final status (default COMPLETED)
	seen   map[string]int
	calls  []time.Time
	byJob  map[string][]time.Time
	fault  func(id string, n int) error
	sched  map[string]time.Time
}

func newFakeJobs(c *vclock, polls int) *fakeJobs {
	return &fakeJobs{clock: c, polls: polls, seen: map[string]int{}, byJob: map[string][]time.Time{}, sched: map[string]time.Time{}}
}

func (f *fakeJobs) GetJob(_ context.Context, id string) (*Job, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.clock.Now()
	f.calls = append(f.calls, now)
	f.byJob[id] = append(f.byJob[id], now)
	if f.fault != nil {
		if err := f.fault(id, len(f.byJob[id])); err != nil {
			return nil, err
		}
	}
	if at, ok := f.sched[id]; ok && now.Before(at) {
		return &Job{ID: id, Status: "SCHEDULED", ScheduledAt: at.Format(time.RFC3339)}, nil
	}
	f.seen[id]++
	total, sent := 10, min(10, f.seen[id]*10/f.polls)
	status := "PROCESSING"
	if f.seen[id] >= f.polls {
		status = f.status
		if status == "" {
			status = "COMPLETED"
		}
	}
	return &Job{ID: id, Status: status, Total: &total, Sent: &sent}, nil
}

// maxPerSecond is the most calls in any one-second window.
func maxPerSecond(calls []time.Time) int {
	best := 0
	for i := range calls {
		n := 0
		for j := i; j < len(calls) && calls[j].Sub(calls[i]) < time.Second; j++ {
			n++
		}
		best = max(best, n)
	}
	return best
}

// drive runs the policy synchronously in virtual time: each poll is
// answered at the instant it is taken, so the recorded times are exactly
// when the policy let a request go (Watch's goroutines would blur them).
func drive(p *Poller, api *fakeJobs, c *vclock, fn func(JobUpdate)) []JobResult {
	for {
		id, wait, ok := p.Take(c.Now())
		if id == "" {
			if !ok {
				return p.Results()
			}
			<-c.After(wait)
			continue
		}
		job, err := api.GetJob(context.Background(), id)
		if u, ok := p.Report(id, job, err, c.Now()); ok && fn != nil {
			fn(u)
		}
	}
}

func ids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("job_%04d", i)
	}
	return out
}

func TestWatchStaysWithinTheBudgetWhateverTheJobCount(t *testing.T) {
	for _, n := range []int{1, 10, 100, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			c := newVClock()
			api := newFakeJobs(c, 3)
			p := NewPoller(NewPollBudget(5), ids(n)...)
			res := drive(p, api, c, nil)
			if v := Verdict(res); v != VerdictCompleted {
				t.Fatalf("verdict %v, want completed: %v", v, WatchProblems(res))
			}
			if got := maxPerSecond(api.calls); got > 5 {
				t.Fatalf("%d polls in one second, budget 5", got)
			}
			for id, calls := range api.byJob {
				if got := maxPerSecond(calls); got > 1 {
					t.Fatalf("%s asked %d times in one second", id, got)
				}
			}
			if len(api.calls) != 3*n {
				t.Fatalf("%d polls for %d jobs of 3 polls each", len(api.calls), n)
			}
			// With the budget the bottleneck, the whole watch takes about
			// polls/5 seconds: nobody waits on anyone but the budget.
			if n >= 100 {
				el := api.calls[len(api.calls)-1].Sub(api.calls[0])
				if want := time.Duration(3*n/5) * time.Second; el > want+want/5 {
					t.Fatalf("took %s, want about %s", el, want)
				}
			}
		})
	}
}

func TestWatchRoundRobinLeastRecentlySeenFirst(t *testing.T) {
	c := newVClock()
	api := newFakeJobs(c, 1000) // never ends within the test
	p := NewPoller(NewPollBudget(5), ids(50)...)
	for range 500 {
		for {
			id, wait, _ := p.Take(c.Now())
			if id != "" {
				job, err := api.GetJob(context.Background(), id)
				p.Report(id, job, err, c.Now())
				break
			}
			<-c.After(wait)
		}
	}
	// 500 polls over 50 jobs: each asked 10 times, none starved.
	for _, id := range ids(50) {
		if got := len(api.byJob[id]); got < 9 || got > 11 {
			t.Fatalf("%s polled %d times of 500 over 50 jobs", id, got)
		}
	}
}

func TestWatchThrottledPollsWaitAndGoOn(t *testing.T) {
	c := newVClock()
	api := newFakeJobs(c, 5)
	rng := rand.New(rand.NewPCG(1, 2))
	api.fault = func(id string, n int) error {
		if rng.Float64() < 0.4 {
			if n%2 == 0 {
				return &apiErr{status: 408}
			}
			return &apiErr{status: 429, wait: 3 * time.Second}
		}
		return nil
	}
	budget := NewPollBudget(5)
	p := NewPoller(budget, ids(20)...)
	throttled := 0
	res := drive(p, api, c, func(u JobUpdate) {
		if u.Throttled {
			throttled++
			if u.End != "" {
				t.Errorf("a throttled poll ended %s", u.JobID)
			}
		}
	})
	if v := Verdict(res); v != VerdictCompleted {
		t.Fatalf("verdict %v: %v", v, WatchProblems(res))
	}
	if throttled == 0 {
		t.Fatal("no poll was throttled: the test proves nothing")
	}
	if got := maxPerSecond(api.calls); got > 5 {
		t.Fatalf("%d polls in a second", got)
	}
}

func TestBudgetHalvesOn429AndRecoversSlowly(t *testing.T) {
	b := NewPollBudget(8)
	now := time.Now()
	b.throttled(now, 2*time.Second)
	if r := b.Rate(); r != 4 {
		t.Fatalf("rate after a 429 = %v, want 4", r)
	}
	if ok, w := b.take(now.Add(time.Second)); ok || w < 900*time.Millisecond {
		t.Fatalf("took a token during Retry-After (ok %v, wait %v)", ok, w)
	}
	b.throttled(now, 0)
	b.throttled(now, 0)
	if r := b.Rate(); r != 1 {
		t.Fatalf("rate after three 429s = %v, want 1", r)
	}
	for range 5 {
		b.succeeded()
	}
	if r := b.Rate(); r < 2.999 || r > 3.001 {
		t.Fatalf("rate after 5 good polls = %v, want 3 (a twentieth of 8 each)", r)
	}
	for range 100 {
		b.succeeded()
	}
	if r := b.Rate(); r != 8 {
		t.Fatalf("rate never exceeds the configured one: %v", r)
	}
}

func TestWatchEndsPerJob(t *testing.T) {
	c := newVClock()
	api := newFakeJobs(c, 2)
	api.fault = func(id string, n int) error {
		switch id {
		case "gone":
			return &apiErr{status: 404}
		case "expired":
			return &apiErr{status: 410}
		case "refused":
			return &apiErr{status: 401}
		case "garbled":
			return errors.New("the job response is not JSON")
		case "flaky":
			if n <= MaxPollFailures-1 {
				return errors.New("connection reset")
			}
		}
		return nil
	}
	p := NewPoller(nil, "ok", "gone", "expired", "refused", "garbled", "flaky")
	res, err := Watch(context.Background(), api, p, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]JobEnd{"ok": EndFinished, "gone": EndLost, "expired": EndLost, "refused": EndRefused,
		"garbled": EndUnreachable, "flaky": EndFinished}
	for _, r := range res {
		if r.End != want[r.JobID] {
			t.Errorf("%s ended %q, want %q (%v)", r.JobID, r.End, want[r.JobID], r.Err)
		}
	}
	if n := len(api.byJob["garbled"]); n != MaxPollFailures {
		t.Errorf("garbled polled %d times, want %d", n, MaxPollFailures)
	}
	if n := len(api.byJob["gone"]); n != 1 {
		t.Errorf("a 404 job was polled %d times", n)
	}
	if v := Verdict(res); v != VerdictUnreachable {
		t.Errorf("verdict %v, want unreachable (the worst)", v)
	}
	if v := Verdict(res[:4]); v != VerdictRefused {
		t.Errorf("verdict %v, want refused", v)
	}
}

func TestScheduledJobNotPolledBeforeItsTime(t *testing.T) {
	c := newVClock()
	api := newFakeJobs(c, 1)
	at := c.Now().Add(2 * time.Hour)
	api.sched["later"] = at
	p := NewPoller(nil, "later")
	res, err := Watch(context.Background(), api, p, c, nil)
	if err != nil || res[0].End != EndFinished {
		t.Fatal(err, res)
	}
	calls := api.byJob["later"]
	if len(calls) != 2 || calls[1].Before(at) {
		t.Fatalf("polls at %v; want one now and the next at %v", calls, at)
	}
}

func TestStatusesCompareCaseInsensitively(t *testing.T) {
	for _, s := range []string{"completed", "Completed", " COMPLETED "} {
		if !IsTerminal(s) || !IsCompleted(s) {
			t.Errorf("%q is not completed", s)
		}
		one := 1
		r := []JobResult{{JobID: "j", End: EndFinished, Job: &Job{Status: s, Failed: new(int)}}}
		if v := Verdict(r); v != VerdictCompleted {
			t.Errorf("%q: verdict %v", s, v)
		}
		r[0].Job.Failed = &one
		if v := Verdict(r); v != VerdictFailed {
			t.Errorf("%q with a failure: verdict %v", s, v)
		}
	}
	if IsTerminal("scheduled") || !IsScheduled("scheduled") || !IsTerminal("cancelled") || IsCompleted("failed") {
		t.Error("status helpers")
	}
}

// BenchmarkWatchPollRate reports the poll requests per second of watches
// of 10, 100 and 1,000 jobs on the default budget (virtual time: the
// figure is the policy's, not the machine's).
func BenchmarkWatchPollRate(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("jobs=%d", n), func(b *testing.B) {
			var rate, peak float64
			for range b.N {
				c := newVClock()
				api := newFakeJobs(c, 5)
				p := NewPoller(NewPollBudget(DefaultPollRate), ids(n)...)
				drive(p, api, c, nil)
				el := api.calls[len(api.calls)-1].Sub(api.calls[0]).Seconds()
				rate = float64(len(api.calls)) / max(el, 1)
				peak = float64(maxPerSecond(api.calls))
			}
			b.ReportMetric(rate, "polls/s")
			b.ReportMetric(peak, "peak-polls/s")
		})
	}
}

func TestOutcomeOfSynchronousSendIsKnownAtOnce(t *testing.T) {
	sub := &Submission{CampaignID: "c1", Batches: []BatchResult{{Recipients: 2, State: StateAccepted,
		Outcome: SendOutcome{Messages: []SentMessage{{ID: "m1", Status: "SENT"}, {ID: "m2", Status: "failed"}}}}}}
	o := Summarize(sub, nil)
	if !o.Watched || o.Sent != 1 || o.Failed != 1 || o.Headline() != "Campaign c1 finished: 1 of 2 recipients sent, 1 failed" {
		t.Fatalf("%+v: %q", o, o.Headline())
	}
	sub.Batches = append(sub.Batches, BatchResult{Recipients: 20, State: StateAccepted, Outcome: SendOutcome{Async: true, JobID: "j"}})
	if o := Summarize(sub, nil); o.Watched || o.Headline() != "Campaign c1 accepted: 22 recipients" {
		t.Fatalf("a job not watched: %+v %q", o, o.Headline())
	}
}
