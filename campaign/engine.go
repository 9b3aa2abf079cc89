package campaign

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// API is the port to WhatsSpot that the engine needs; package client
// implements it over HTTP, the tests with fakes. Its errors say what they
// are through methods (see IsThrottled, IsFatal, IsGone, IsOutcomeUnknown,
// IsNotSent), never through a face's words.
type API interface {
	SendRequest(ctx context.Context, r Request) (SendOutcome, error)
	GetJob(ctx context.Context, id string) (*Job, error)
	HeadMedia(ctx context.Context, rawURL string) (MediaInfo, error)
}

// Target is the API a campaign went to: its base URL without credentials,
// and whether it was the sandbox (whose URL changes with every start).
type Target struct {
	API     string `json:"api"`
	Sandbox bool   `json:"sandbox"`
}

// NewTarget cleans a base URL for the journal: no user info, query or
// fragment, no trailing slash.
func NewTarget(baseURL string, sandbox bool) Target {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil || u.Host == "" {
		return Target{API: Sanitize(strings.TrimRight(baseURL, "/")), Sandbox: sandbox}
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	u.Host = strings.ToLower(u.Host)
	return Target{API: strings.TrimRight(u.String(), "/"), Sandbox: sandbox}
}

// Same reports whether a campaign recorded against t may be resumed or
// watched through o. Every built-in sandbox is the same target (its port
// differs per run); a campaign journaled before targets were recorded
// matches anything.
func (t Target) Same(o Target) bool {
	if t.API == "" && !t.Sandbox {
		return true
	}
	if t.Sandbox || o.Sandbox {
		return t.Sandbox == o.Sandbox
	}
	return strings.EqualFold(strings.TrimRight(t.API, "/"), strings.TrimRight(o.API, "/"))
}

// String is how people see a target.
func (t Target) String() string {
	switch {
	case t.Sandbox:
		return "the sandbox"
	case t.API == "":
		return "an unrecorded API"
	}
	return t.API
}

// Engine makes every decision about a campaign once, below the faces:
// the audience, the batch plan, dispatch (submit, resume, test send), the
// watch policy and the outcome. The CLI, the TUI and the SSH server are
// handed one and only present what it decides.
type Engine struct {
	API    API
	Target Target
	// KeyHint shows which key is in use (its last 4 characters at most),
	// for Review and the send prompt; the engine never holds the key.
	KeyHint string
	// Store keeps campaigns and their events (the database; nil records
	// nothing: dry runs, tests).
	Store Store
	// Suppressions is the list of numbers that opted out (nil: none).
	// Submit leaves them out before planning and Resume drops them from
	// batches not yet sent: none reaches a request body.
	Suppressions Suppressions
	// Budget is the poll budget every watch of this engine shares.
	Budget *PollBudget
	// Now and Clock are time; nil means the real one.
	Now   func() time.Time
	Clock Clock
	// SendRetry bounds the retries of a throttled send (zero value: the defaults).
	SendRetry RetryPolicy
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Engine) clock() Clock {
	if e.Clock != nil {
		return e.Clock
	}
	return RealClock
}

func (e *Engine) budget() *PollBudget {
	if e.Budget == nil {
		e.Budget = NewPollBudget(0)
	}
	return e.Budget
}

func (e *Engine) store() Store {
	if e.Store != nil {
		return e.Store
	}
	return (*Journal)(nil)
}

// NewPoller starts a watch of ids on the engine's shared budget.
func (e *Engine) NewPoller(ids ...string) *Poller { return NewPoller(e.budget(), ids...) }

// Watch follows the jobs to the end with the one policy (see Watch).
func (e *Engine) Watch(ctx context.Context, p *Poller, fn func(JobUpdate)) ([]JobResult, error) {
	return Watch(ctx, e.API, p, e.clock(), fn)
}

// Submit sends a campaign (see Submit), through the engine's API and
// journal, recording its target.
func (e *Engine) Submit(ctx context.Context, c Campaign, opts SubmitOptions) (*Submission, error) {
	opts = e.fill(opts)
	set, err := e.SuppressedSet()
	if err != nil {
		return nil, fmt.Errorf("nothing was sent: %w", err)
	}
	opts.suppressed = set
	return Submit(ctx, e.store(), c, opts, e.API.SendRequest)
}

// Resume sends what a campaign never sent (see Resume). A campaign
// recorded against another target is refused with *TargetMismatchError
// unless allowTargetChange.
func (e *Engine) Resume(ctx context.Context, campaignID string, includeUnknown, allowTargetChange bool, opts SubmitOptions) (*Submission, error) {
	opts = e.fill(opts)
	opts.allowTargetChange = allowTargetChange
	set, err := e.SuppressedSet()
	if err != nil {
		return nil, fmt.Errorf("nothing was sent: %w", err)
	}
	opts.suppressed = set
	return Resume(ctx, e.store(), campaignID, includeUnknown, opts, e.API.SendRequest)
}

func (e *Engine) fill(opts SubmitOptions) SubmitOptions {
	if opts.Now == nil {
		opts.Now = e.Now
	}
	if opts.Target == (Target{}) {
		opts.Target = e.Target
	}
	if opts.Retry == (RetryPolicy{}) {
		opts.Retry = e.SendRetry
	}
	if opts.Clock == nil {
		opts.Clock = e.Clock
	}
	return opts
}

// TestTo is the campaign as a test send to one number: the same message,
// that number only, no groups, sent now whatever the schedule (a test is
// for looking at the message before the campaign goes out).
func (c Campaign) TestTo(number string) Campaign {
	t := c
	t.Recipients, t.GroupIDs = []string{number}, nil
	t.ScheduledAt = time.Time{}
	return t
}

// WithStore is the engine recording to st, sharing e's poll budget; nil
// when e is nil.
func (e *Engine) WithStore(st Store) *Engine {
	if e == nil {
		return nil
	}
	c := *e
	c.Budget = e.budget()
	c.Store = st
	return &c
}

// CheckMedia asks the media URL (HEAD) and judges what it answers for the
// message type (see CheckMedia): what the report's Blocking lists stops a
// send unless overridden on purpose; doubts are warnings. err means no
// answer could be had from here (WhatsApp may still reach the URL).
func (e *Engine) CheckMedia(ctx context.Context, typ MessageType, rawURL string) (*MediaReport, error) {
	info, err := e.API.HeadMedia(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	return &MediaReport{URL: rawURL, Type: typ, At: e.now(), Info: info, Findings: CheckMedia(typ, info)}, nil
}
