package campaign

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"time"
)

// The watch policy (SPEC 6), the one every face uses: plain and JSON
// watches, the TUI's progress view and Jobs screen, SSH sessions.
const (
	// DefaultPollRate is the poll budget: status requests per second for
	// all watched jobs together, whatever their number.
	DefaultPollRate = 5.0
	// MinPollInterval: no job is asked more than once a second.
	MinPollInterval = time.Second
	// MaxBackoff caps the wait after failed polls (a Retry-After may be longer).
	MaxBackoff = 30 * time.Second
	// MaxPollFailures consecutive failed polls (no answer, 5xx, garbled
	// answers) end a job's watch as unreachable: a script should learn the
	// API is gone, not hang.
	MaxPollFailures = 6
	// ScheduledRecheck is how often a SCHEDULED job without a known time
	// is asked again.
	ScheduledRecheck = 30 * time.Second
	// minPollRate is the floor the budget halves down to.
	minPollRate = 0.2
	// maxRetryWait bounds what a Retry-After can make a watch wait.
	maxRetryWait = 10 * time.Minute
)

// Errors from the API port say what they are through methods, so the
// policy needs no knowledge of HTTP:
//
//	Throttled() bool           the API asked us to slow down (429, 408)
//	RetryAfter() time.Duration how long it asked us to wait (0: unsaid)
//	Fatal() bool               asking again cannot help (key refused, bad request, settings)
//	Gone() bool                the API does not know the job (404, 410)
//	OutcomeUnknown() bool      a request may have arrived (sends only)
//	NotSent() bool             a request never left (sends only)

// IsThrottled reports a "slow down" answer and the wait it asked for.
func IsThrottled(err error) (time.Duration, bool) {
	var t interface{ Throttled() bool }
	if !errors.As(err, &t) || !t.Throttled() {
		return 0, false
	}
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		return ra.RetryAfter(), true
	}
	return 0, true
}

// IsFatal reports an error after which the same request cannot succeed.
func IsFatal(err error) bool {
	var f interface{ Fatal() bool }
	return errors.As(err, &f) && f.Fatal()
}

// IsGone reports that the API does not know the job (any more).
func IsGone(err error) bool {
	var g interface{ Gone() bool }
	return errors.As(err, &g) && g.Gone()
}

// JobEnd is why a job is no longer watched ("" while it is).
type JobEnd string

const (
	EndFinished    JobEnd = "finished"    // a terminal status: COMPLETED, FAILED, CANCELLED
	EndLost        JobEnd = "lost"        // the API no longer knows the job (404, 410)
	EndRefused     JobEnd = "refused"     // the API refused to report it (key refused, another 4xx, settings)
	EndUnreachable JobEnd = "unreachable" // MaxPollFailures polls in a row got no usable answer
)

// PollBudget is the poll rate shared by every watch of one engine: a token
// bucket that halves on a 429, pauses for its Retry-After, and recovers a
// twentieth of the configured rate per successful poll. Safe for
// concurrent use (SSH sessions share one).
type PollBudget struct {
	mu          sync.Mutex
	rate        float64 // configured
	cur         float64 // current, after 429s
	tokens      float64
	last        time.Time
	pausedUntil time.Time
}

// NewPollBudget makes a budget of rate requests per second (<= 0: the default).
func NewPollBudget(rate float64) *PollBudget {
	if rate <= 0 {
		rate = DefaultPollRate
	}
	return &PollBudget{rate: rate, cur: rate, tokens: min(rate, 1)}
}

// Rate is the current rate, after any 429s.
func (b *PollBudget) Rate() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.cur
}

func (b *PollBudget) refill(now time.Time) {
	if !b.last.IsZero() && now.After(b.last) {
		// No burst: at most one token banked, so no second-long window
		// ever holds more polls than the rate.
		b.tokens = min(b.tokens+now.Sub(b.last).Seconds()*b.cur, 1)
	}
	if b.last.IsZero() || now.After(b.last) {
		b.last = now
	}
}

// take spends a token when one is there, else says how long until one is.
func (b *PollBudget) take(now time.Time) (bool, time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.Before(b.pausedUntil) {
		return false, b.pausedUntil.Sub(now)
	}
	b.refill(now)
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / b.cur * float64(time.Second))
}

// throttled halves the rate and pauses every watch for the wait asked.
func (b *PollBudget) throttled(now time.Time, wait time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(now)
	b.cur = max(b.cur/2, min(minPollRate, b.rate))
	b.tokens = min(b.tokens, 0)
	if until := now.Add(wait); wait > 0 && until.After(b.pausedUntil) {
		b.pausedUntil = until
	}
}

func (b *PollBudget) succeeded() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cur = min(b.rate, b.cur+b.rate/20)
}

// JobUpdate is what one poll taught about one job.
type JobUpdate struct {
	JobID string
	Job   *Job  // the last known state (nil before the first answer)
	Err   error // this poll's error, if any
	// Failures is the count of failed polls in a row (0 after an answer).
	Failures int
	// Throttled: the API asked us to slow down; the watch waits and goes on.
	Throttled bool
	// NextPoll is when the job is asked again (zero once it ended).
	NextPoll time.Time
	// End is set when the job is no longer watched.
	End JobEnd
}

// polled is one job's place in a Poller.
type polled struct {
	id       string
	job      *Job
	seen     time.Time // the last answer or failure (zero: never)
	due      time.Time
	inFlight bool
	failures int
	lastErr  error
	end      JobEnd
}

// Poller decides which job to ask next and what each answer means. It does
// no IO: a driver (Watch below, or the TUI's commands) asks Take which job
// to poll now, makes the request, and hands the answer to Report. Safe for
// concurrent use.
type Poller struct {
	mu       sync.Mutex
	budget   *PollBudget
	jobs     map[string]*polled
	order    []string
	maxInFly int
	inFly    int
	// ScheduledAt, when known, is when the watched campaign was scheduled:
	// a SCHEDULED job whose answer has no time is not asked before it.
	scheduledAt time.Time
}

// NewPoller watches ids (duplicates ignored) on budget (nil: a fresh default one).
func NewPoller(budget *PollBudget, ids ...string) *Poller {
	if budget == nil {
		budget = NewPollBudget(0)
	}
	p := &Poller{budget: budget, jobs: map[string]*polled{}, maxInFly: 4}
	p.Add(ids...)
	return p
}

// SetScheduledAt tells the poller when the campaign is due.
func (p *Poller) SetScheduledAt(t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.scheduledAt = t
}

// Add watches more jobs; known ones keep their state.
func (p *Poller) Add(ids ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range ids {
		if _, ok := p.jobs[id]; ok || id == "" {
			continue
		}
		p.jobs[id] = &polled{id: id}
		p.order = append(p.order, id)
	}
}

// Seed gives a job a state known from elsewhere (the journal), shown until
// its first answer. A terminal seed is still polled once, for counts.
func (p *Poller) Seed(id string, job *Job) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if j := p.jobs[id]; j != nil && j.job == nil && job != nil {
		c := *job
		j.job = &c
	}
}

// Retain stops watching every job not in ids (the Jobs screen watches what
// is on screen); kept jobs keep their state.
func (p *Poller) Retain(ids []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	keep := make(map[string]bool, len(ids))
	for _, id := range ids {
		keep[id] = true
	}
	order := p.order[:0]
	for _, id := range p.order {
		if keep[id] {
			order = append(order, id)
			continue
		}
		if p.jobs[id].inFlight {
			p.inFly--
		}
		delete(p.jobs, id)
	}
	p.order = order
}

// IDs lists the watched jobs in the order they were added.
func (p *Poller) IDs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.order...)
}

// Take returns the job to poll now, marking it in flight; else how long to
// wait before asking again. ok is false when nothing is left to poll but
// the replies in flight (or nothing at all).
//
// Among jobs that are due, the least recently seen goes first, so with
// more jobs than budget every one is still asked in turn.
func (p *Poller) Take(now time.Time) (id string, wait time.Duration, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var best *polled
	var soonest time.Time
	for _, oid := range p.order {
		j := p.jobs[oid]
		if j.end != "" || j.inFlight {
			continue
		}
		if j.due.After(now) {
			if soonest.IsZero() || j.due.Before(soonest) {
				soonest = j.due
			}
			continue
		}
		if best == nil || j.seen.Before(best.seen) {
			best = j
		}
	}
	if best == nil {
		if soonest.IsZero() {
			return "", 0, false
		}
		return "", soonest.Sub(now), true
	}
	if p.inFly >= p.maxInFly {
		return "", 0, false // a reply will call Take again
	}
	if got, w := p.budget.take(now); !got {
		return "", max(w, time.Millisecond), true
	}
	best.inFlight = true
	p.inFly++
	return best.id, 0, true
}

// Report folds one poll's answer (job, or err) into the job's state and
// says what it means. Reports for jobs no longer watched return ok false.
func (p *Poller) Report(id string, job *Job, err error, now time.Time) (JobUpdate, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	j := p.jobs[id]
	if j == nil {
		return JobUpdate{}, false
	}
	if j.inFlight {
		j.inFlight = false
		p.inFly--
	}
	j.seen = now
	if err == nil && job == nil {
		err = errors.New("the API answered without a job")
	}
	u := JobUpdate{JobID: id, Err: err}
	switch wait, throttled := IsThrottled(err); {
	case err == nil:
		j.failures, j.lastErr, j.job = 0, nil, job
		p.budget.succeeded()
		switch {
		case job.Terminal():
			j.end = EndFinished
		case IsScheduled(job.Status):
			j.due = p.scheduledDue(job, now)
		default:
			j.due = now.Add(MinPollInterval)
		}
	case throttled:
		// Not a failure of the job: it goes on; we wait as asked.
		u.Throttled = true
		j.lastErr = err
		if wait <= 0 {
			wait = backoff(j.failures + 1)
		}
		wait = min(wait, maxRetryWait)
		p.budget.throttled(now, wait)
		j.due = now.Add(max(wait, MinPollInterval))
	case IsGone(err):
		j.lastErr, j.end = err, EndLost
	case IsFatal(err):
		j.lastErr, j.end = err, EndRefused
	case errors.Is(err, context.Canceled):
		// The watch is ending: not the API's doing.
		j.due = now
	default:
		j.failures++
		j.lastErr = err
		if j.failures >= MaxPollFailures {
			j.end = EndUnreachable
		} else {
			j.due = now.Add(backoff(j.failures))
		}
	}
	u.Job, u.Failures, u.End = j.job, j.failures, j.end
	if j.end == "" {
		u.NextPoll = j.due
	}
	return u, true
}

// scheduledDue: a SCHEDULED job is not asked again before its time.
func (p *Poller) scheduledDue(job *Job, now time.Time) time.Time {
	at := job.ScheduledTime()
	if at.IsZero() {
		at = p.scheduledAt
	}
	if at.After(now) {
		return at
	}
	if at.IsZero() {
		return now.Add(ScheduledRecheck)
	}
	return now.Add(MinPollInterval) // due: it should start any moment
}

// backoff doubles from one second with up to 50% jitter, capped.
func backoff(failures int) time.Duration {
	if failures <= 0 {
		return MinPollInterval
	}
	exp := MinPollInterval << min(failures-1, 10)
	return min(exp+rand.N(exp/2+1), MaxBackoff)
}

// JobResult is how a watched job ended.
type JobResult struct {
	JobID string
	Job   *Job   // last known state (nil: never answered)
	End   JobEnd // "" when the watch was cut short (interrupted)
	Err   error  // why it ended other than finished
}

// Results lists every job's end, in the order they were added.
func (p *Poller) Results() []JobResult {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]JobResult, 0, len(p.order))
	for _, id := range p.order {
		j := p.jobs[id]
		r := JobResult{JobID: id, Job: j.job, End: j.end}
		if j.end != EndFinished {
			r.Err = j.lastErr
		}
		out = append(out, r)
	}
	return out
}

// Done reports whether every job ended.
func (p *Poller) Done() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, j := range p.jobs {
		if j.end == "" {
			return false
		}
	}
	return true
}

// JobGetter is the API port a watch needs.
type JobGetter interface {
	GetJob(ctx context.Context, id string) (*Job, error)
}

// Clock is time for a driver; tests replace it with a virtual one.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// RealClock is the wall clock.
var RealClock Clock = realClock{}

// PollTimeout bounds one status request.
const PollTimeout = 30 * time.Second

// Watch drives p to the end: it polls the jobs p hands out (a few at once
// at most), calls fn after each answer (serialised, on Watch's goroutine),
// and returns when every job ended or ctx did. The results are
// p.Results(); the error is ctx's.
func Watch(ctx context.Context, api JobGetter, p *Poller, clock Clock, fn func(JobUpdate)) ([]JobResult, error) {
	if clock == nil {
		clock = RealClock
	}
	if fn == nil {
		fn = func(JobUpdate) {}
	}
	type answer struct {
		id  string
		job *Job
		err error
	}
	answers := make(chan answer, p.maxInFly)
	inFlight := 0
	report := func(a answer) {
		inFlight--
		if u, ok := p.Report(a.id, a.job, a.err, clock.Now()); ok && ctx.Err() == nil {
			fn(u)
		}
	}
	for {
		var wait time.Duration
		more := false
		for ctx.Err() == nil { // start every poll that is due now
			id, w, ok := p.Take(clock.Now())
			if id == "" {
				wait, more = w, ok
				break
			}
			inFlight++
			go func() {
				pctx, cancel := context.WithTimeout(ctx, PollTimeout)
				defer cancel()
				job, err := api.GetJob(pctx, id)
				answers <- answer{id, job, err}
			}()
		}
		if ctx.Err() != nil {
			for ; inFlight > 0; inFlight-- {
				<-answers // no goroutine outlives the watch
			}
			return p.Results(), ctx.Err()
		}
		if inFlight == 0 && !more {
			return p.Results(), nil
		}
		var due <-chan time.Time // nil: wait for an answer only
		if more {
			due = clock.After(wait)
		}
		select {
		case a := <-answers:
			report(a)
		case <-due:
		case <-ctx.Done():
		}
	}
}

// WatchVerdict is what a set of watched jobs amounts to, for a face to
// turn into an exit code or a screen.
type WatchVerdict int

const (
	VerdictCompleted   WatchVerdict = iota // every job COMPLETED, no failed message
	VerdictFailed                          // failed messages, or a job FAILED / CANCELLED
	VerdictRefused                         // the API refused to report a job (key, 4xx), or lost it
	VerdictUnreachable                     // a job could not be polled: no usable answers
	VerdictInterrupted                     // the watch was cut short; the jobs go on
)

// Verdict sums up results: the worst end wins (unreachable over refused
// over failed). Interrupted when a job never ended.
func Verdict(results []JobResult) WatchVerdict {
	v := VerdictCompleted
	worse := func(w WatchVerdict) {
		if w > v {
			v = w
		}
	}
	for _, r := range results {
		switch r.End {
		case "":
			worse(VerdictInterrupted)
		case EndUnreachable:
			worse(VerdictUnreachable)
		case EndLost, EndRefused:
			worse(VerdictRefused)
		case EndFinished:
			if !IsCompleted(r.Job.Status) || r.Job.FailedCount() > 0 {
				worse(VerdictFailed)
			}
		}
	}
	return v
}

// WatchProblems names each job that did not simply complete, one line each,
// sorted: "job_x ended FAILED", "job_y completed with 3 failed messages",
// "job_z: the API no longer knows it (lost): …".
func WatchProblems(results []JobResult) []string {
	var out []string
	for _, r := range results {
		id := Sanitize(r.JobID)
		switch r.End {
		case EndFinished:
			switch n := r.Job.FailedCount(); {
			case !IsCompleted(r.Job.Status):
				out = append(out, fmt.Sprintf("%s ended %s", id, Sanitize(r.Job.Status)))
			case n > 0:
				out = append(out, fmt.Sprintf("%s completed with %s", id, Plural(n, "failed message", "failed messages")))
			}
		case EndLost:
			out = append(out, fmt.Sprintf("%s is lost: the API no longer knows it (%v)", id, r.Err))
		case EndRefused:
			out = append(out, fmt.Sprintf("%s: the API refused to report it (%v)", id, r.Err))
		case EndUnreachable:
			out = append(out, fmt.Sprintf("%s: no usable answer after %d polls (%v)", id, MaxPollFailures, r.Err))
		case "":
			out = append(out, fmt.Sprintf("%s has not ended", id))
		}
	}
	sort.Strings(out)
	return out
}

// Plural is "1 message" or "3,000 messages": every face counts with it.
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Grouped(n) + " " + many
}
