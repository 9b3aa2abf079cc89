package campaign

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"
)

// SentMessage is one synchronous message result.
type SentMessage struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// SendOutcome is what the API said about one accepted request.
type SendOutcome struct {
	Async    bool          `json:"async"`
	JobID    string        `json:"jobId,omitempty"`
	Status   string        `json:"status,omitempty"`
	Messages []SentMessage `json:"messages,omitempty"`
}

// SendFunc submits one request. The client provides it; campaign stays free
// of HTTP. An error whose chain has an OutcomeUnknown() bool method returning
// true means the request may have reached the API (journaled "unknown"); one
// with a NotSent() bool method returning true means it never left (ctx had
// ended), so the batch stays pending.
type SendFunc func(ctx context.Context, r Request) (SendOutcome, error)

// BatchState is a batch's place in the journal.
type BatchState string

const (
	StatePending  BatchState = "pending"  // recorded, request not (known to be) sent
	StateAccepted BatchState = "accepted" // the API accepted it
	StateRejected BatchState = "rejected" // the API refused it (nothing sent)
	StateUnknown  BatchState = "unknown"  // the request may or may not have arrived
)

// IsOutcomeUnknown reports whether err says the request may have arrived.
func IsOutcomeUnknown(err error) bool {
	var u interface{ OutcomeUnknown() bool }
	return errors.As(err, &u) && u.OutcomeUnknown()
}

// IsNotSent reports whether err says the request was never sent.
func IsNotSent(err error) bool {
	var n interface{ NotSent() bool }
	return errors.As(err, &n) && n.NotSent()
}

// BatchResult is one request's fate.
type BatchResult struct {
	Index      int         `json:"index"` // 0-based; people see "batch Index+1"
	Recipients int         `json:"recipients"`
	Groups     int         `json:"groups"`
	State      BatchState  `json:"state"`
	Outcome    SendOutcome `json:"outcome"`
	Err        error       `json:"-"`
}

// SubmitOptions tunes Submit.
type SubmitOptions struct {
	BatchSize int
	Operator  string           // who submits (SSH key fingerprint, or local user)
	Now       func() time.Time // the clock; nil means time.Now
	// Target is the API the campaign goes to, journaled with it.
	Target Target
	// Retry bounds the retries of a throttled send (zero: the defaults).
	Retry RetryPolicy
	// Clock waits between those retries (nil: the real one).
	Clock Clock
	// OnRequest, when set, hears of each request as it goes out (a face
	// shows "sending request 3 of 10"); it runs on the sending goroutine.
	OnRequest func(SendProgress)
	// LeftOut counts the numbers the face already left out because they
	// opted out (at import, or typed): the created event records them with
	// those Submit leaves out itself.
	LeftOut int

	allowTargetChange bool
	// suppressed is the suppression list (the engine's port) read at the
	// start of this send: those numbers never reach a request body.
	suppressed map[string]bool
}

// RetryPolicy is how a throttled send (429: nothing was accepted) is tried
// again: after the API's Retry-After (capped at MaxWait), or Wait when it
// gave none, at most Tries times in all. Each try is journaled.
type RetryPolicy struct {
	Tries   int
	Wait    time.Duration
	MaxWait time.Duration
}

// Send retry defaults (SPEC 6: at most 3 tries).
const (
	DefaultSendTries   = 3
	DefaultSendWait    = 5 * time.Second
	DefaultSendMaxWait = 60 * time.Second
)

func (r RetryPolicy) norm() RetryPolicy {
	if r.Tries <= 0 {
		r.Tries = DefaultSendTries
	}
	if r.Wait <= 0 {
		r.Wait = DefaultSendWait
	}
	if r.MaxWait <= 0 {
		r.MaxWait = DefaultSendMaxWait
	}
	return r
}

// SendProgress is one request going out: the Nth of this submission's
// requests, which try of it, since when.
type SendProgress struct {
	Request, Requests int // 1-based, of the requests sent now
	Batch             int // 0-based index in the campaign
	Try               int // 1, or more after "slow down" answers
	Started           time.Time
}

// ThrottledError is a batch the API kept refusing with "slow down" after
// every try: nothing was accepted, so resuming the campaign is safe.
type ThrottledError struct {
	CampaignID string
	Batch      int // 0-based
	Tries      int
	Err        error
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("batch %d: the API is rate limiting sends and refused %d tries (%v); nothing of this batch was accepted", e.Batch+1, e.Tries, e.Err)
}

func (e *ThrottledError) Unwrap() error { return e.Err }

func (o SubmitOptions) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// Submission is a journaled campaign send.
type Submission struct {
	CampaignID string        `json:"campaignId"`
	Batches    []BatchResult `json:"batches"`
	// Suppressed counts the numbers left out because they opted out: at
	// import and send (LeftOut included), or at this resume.
	Suppressed int `json:"suppressed,omitempty"`
}

// Submit sends a campaign batch by batch, journaling each batch as pending
// before its request and as accepted/rejected/unknown after. It stops at the
// first batch that is not accepted (the rest stay pending, for resume) and
// never retries a request.
//
// Before anything is sent the campaign is saved to STATE/campaigns/ID.json
// and its batch plan journaled, so it can be resumed without its CSV. A nil
// journal journals nothing and saves nothing (tests, dry runs). The
// campaign must pass Validate, except that a schedule which has slipped
// into the past while the operator confirmed is the API's to judge.
//
// The Submission is returned even with an error: it says which batches
// went where. The error is the first batch's that was not accepted, a
// journal failure (nothing more is sent without a journal), or ctx's.
func Submit(ctx context.Context, st Store, c Campaign, opts SubmitOptions, send SendFunc) (*Submission, error) {
	if st == nil {
		st = (*Journal)(nil)
	}
	if send == nil {
		return nil, errors.New("campaign.Submit: no SendFunc")
	}
	// Who opted out is left out before anything is planned.
	kept, n := WithoutSuppressed(c.Recipients, opts.suppressed)
	c.Recipients = kept
	left := opts.LeftOut + n
	if n > 0 && len(c.Recipients) == 0 && len(c.GroupIDs) == 0 {
		return nil, &AllSuppressedError{Suppressed: left}
	}
	// The zero time is before every schedule, so only the structure is checked.
	if ps := c.Validate(time.Time{}); len(ps) > 0 {
		return nil, ps
	}
	now := opts.now()
	reqs := c.Requests(opts.BatchSize)
	sub := &Submission{CampaignID: NewCampaignID(now), Batches: make([]BatchResult, len(reqs)), Suppressed: left}
	// The ID is new, so the lock is free; holding it stops a resume of this
	// campaign (from another process, once `jobs` lists it) from sending
	// alongside us.
	release, err := st.Claim(sub.CampaignID)
	if err != nil {
		return sub, fmt.Errorf("nothing was sent: %w", err)
	}
	defer release()
	plan := make([]BatchPlan, len(reqs))
	for i, r := range reqs {
		sub.Batches[i] = BatchResult{Index: i, Recipients: len(r.Recipients), Groups: len(r.GroupIDs), State: StatePending}
		plan[i] = BatchPlan{Index: i, Recipients: len(r.Recipients), Groups: len(r.GroupIDs), RequestHash: RequestHash(r)}
	}
	cf := CampaignFile{CampaignID: sub.CampaignID, CreatedAt: now.UTC(), Operator: opts.Operator, BatchSize: opts.BatchSize, Campaign: c}
	err = st.CreateCampaign(cf, Event{
		Kind: EventCreated, At: now, CampaignID: sub.CampaignID, CreatedAt: now.UTC(),
		Operator: opts.Operator, Type: c.Type, Recipients: len(c.Recipients), Groups: len(c.GroupIDs),
		BatchSize: opts.BatchSize, Plan: plan, ScheduledAt: c.ScheduledAt.UTC(), Suppressed: left,
		API: opts.Target.API, Sandbox: opts.Target.Sandbox,
	})
	if err != nil {
		return sub, fmt.Errorf("nothing was sent: %w", err)
	}
	all := make([]int, len(reqs))
	for i := range all {
		all[i] = i
	}
	return sub, sendBatches(ctx, st, sub, reqs, all, opts, send)
}

// sendBatches sends reqs[i] for each i in which, in order, journaling each,
// and stops at the first batch that is not accepted.
func sendBatches(ctx context.Context, st Store, sub *Submission, reqs []Request, which []int, opts SubmitOptions, send SendFunc) error {
	appendEvent := func(e Event) error {
		e.At, e.CampaignID = opts.now(), sub.CampaignID
		return st.Append(e)
	}
	for k, i := range which {
		if err := ctx.Err(); err != nil {
			return err // not begun: stays pending
		}
		res := &sub.Batches[i]
		if err := appendEvent(Event{Kind: EventPending, Batch: &i}); err != nil {
			return fmt.Errorf("batch %d not sent: %w", i+1, err)
		}
		if err := ctx.Err(); err != nil {
			// Cancelled while journaling: never sent. Say so, or the
			// journal's bare "pending" would read as maybe-arrived.
			return notSent(appendEvent, i, err)
		}
		out, err := sendThrottled(ctx, appendEvent, SendProgress{Request: k + 1, Requests: len(which), Batch: i}, reqs[i], opts, send)
		res.Err = err
		if IsNotSent(err) {
			return notSent(appendEvent, i, err) // the client sent nothing: stays pending
		}
		e := Event{Kind: EventAccepted, Batch: &i}
		switch {
		case err == nil:
			res.State, res.Outcome = StateAccepted, out
			e.JobID, e.Status = Sanitize(out.JobID), Sanitize(out.Status)
			for _, m := range out.Messages {
				e.Messages = append(e.Messages, SentMessage{ID: Sanitize(m.ID), Status: Sanitize(m.Status)})
			}
		// A send cut short by cancellation may have reached the API even
		// when the client did not say so.
		case IsOutcomeUnknown(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
			res.State = StateUnknown
			e.Kind, e.Error = EventUnknown, Sanitize(err.Error())
		default:
			res.State = StateRejected
			e.Kind, e.Error = EventRejected, Sanitize(err.Error())
		}
		if jerr := appendEvent(e); jerr != nil {
			jerr = fmt.Errorf("batch %d was %s but the journal could not record it, so nothing more is sent: %w", i+1, res.State, jerr)
			return errors.Join(err, jerr)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// sendThrottled sends one request, and again while the API answers "slow
// down" (429: nothing was accepted, so a retry cannot send twice), waiting
// as it asks, up to the policy's tries. Each refused try is journaled, and
// the batch reads as pending again until the next try's pending event. An
// unknown outcome is never retried.
func sendThrottled(ctx context.Context, appendEvent func(Event) error, p SendProgress, r Request, opts SubmitOptions, send SendFunc) (SendOutcome, error) {
	i := p.Batch
	pol := opts.Retry.norm()
	clock := opts.Clock
	if clock == nil {
		clock = RealClock
	}
	for try := 1; ; try++ {
		if opts.OnRequest != nil {
			p.Try, p.Started = try, opts.now()
			opts.OnRequest(p)
		}
		out, err := send(ctx, r)
		wait, throttled := IsThrottled(err)
		if err == nil || !throttled || IsOutcomeUnknown(err) {
			return out, err
		}
		if try >= pol.Tries {
			return out, &ThrottledError{Batch: i, Tries: try, Err: err}
		}
		if wait <= 0 {
			wait = pol.Wait
		}
		wait = min(wait, pol.MaxWait)
		if jerr := appendEvent(Event{Kind: EventThrottled, Batch: &i, Error: Sanitize(err.Error()), Try: try, RetryIn: wait.Round(time.Second).String()}); jerr != nil {
			return out, &skippedErr{fmt.Errorf("batch %d was refused (rate limited) and the journal could not record it, so it is not tried again: %w", i+1, jerr)}
		}
		select {
		case <-ctx.Done():
			return out, &skippedErr{ctx.Err()}
		case <-clock.After(wait):
		}
		if jerr := appendEvent(Event{Kind: EventPending, Batch: &i, Try: try + 1}); jerr != nil {
			return out, &skippedErr{fmt.Errorf("batch %d not sent: %w", i+1, jerr)}
		}

	}
}

// skippedErr is a request this package decided not to make.
type skippedErr struct{ err error }

func (e *skippedErr) Error() string        { return e.err.Error() }
func (e *skippedErr) Unwrap() error        { return e.err }
func (e *skippedErr) NotSent() bool        { return true }
func (e *skippedErr) OutcomeUnknown() bool { return false }

// notSent journals that batch i was never sent (so it reads as pending, and
// a plain resume sends it) and returns why.
func notSent(appendEvent func(Event) error, i int, err error) error {
	if jerr := appendEvent(Event{Kind: EventNotSent, Batch: &i, Error: Sanitize(err.Error())}); jerr != nil {
		jerr = fmt.Errorf("batch %d was not sent but the journal could not record it, so it will show as unknown: %w", i+1, jerr)
		return errors.Join(err, jerr)
	}
	return err
}

// dropSuppressed leaves the suppressed numbers out of reqs[i] for each i
// in which, journaling each batch that lost some, and returns the batches
// still to send: one left with nobody (and no group) is not sent.
func dropSuppressed(st Store, sub *Submission, reqs []Request, which []int, opts SubmitOptions) ([]int, error) {
	if len(opts.suppressed) == 0 {
		return which, nil
	}
	send := which[:0:0]
	for _, i := range which {
		kept, n := WithoutSuppressed(reqs[i].Recipients, opts.suppressed)
		if n > 0 {
			if err := st.Append(Event{Kind: EventSuppressed, At: opts.now(), CampaignID: sub.CampaignID, Batch: &i, Suppressed: n, Recipients: len(kept)}); err != nil {
				return nil, fmt.Errorf("batch %d not sent: %w", i+1, err)
			}
			reqs[i].Recipients = kept
			sub.Batches[i].Recipients = len(kept)
			sub.Suppressed += n
		}
		if len(reqs[i].Recipients) == 0 && len(reqs[i].GroupIDs) == 0 {
			sub.Batches[i].Err = &AllSuppressedError{Suppressed: n}
			continue
		}
		send = append(send, i)
	}
	return send, nil
}

// RequestHash identifies a request body: the hex SHA-256 (first 16 bytes)
// of its JSON. The created event records it per batch so that a resume
// can tell the campaign file still describes what was planned.
func RequestHash(r Request) string {
	data, err := json.Marshal(r)
	if err != nil {
		panic(err) // Request is strings and slices of strings
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:16])
}

// TargetMismatchError is a campaign recorded against one API that is about
// to be resumed or watched through another: its jobs and batches belong to
// the first, so nothing is sent or asked unless the operator says so.
type TargetMismatchError struct {
	CampaignID string
	Recorded   Target
	Current    Target
}

func (e *TargetMismatchError) Error() string {
	return fmt.Sprintf("campaign %s was sent to %s, but the API configured now is %s", e.CampaignID, e.Recorded, e.Current)
}

// sending holds the campaigns being sent or resumed in this process, so two
// SSH sessions cannot send the same batch at once even without a state
// directory; the lock file (lockCampaign) guards across processes.
var sending sync.Map

func claim(campaignID string) (release func(), ok bool) {
	if _, busy := sending.LoadOrStore(campaignID, true); busy {
		return nil, false
	}
	return func() { sending.Delete(campaignID) }, true
}

// Resume sends the batches of a stored campaign that were never sent:
// pending ones (never begun) and rejected ones (the API refused them, so
// nothing arrived), plus, with includeUnknown, those whose outcome is
// unknown — which may reach their recipients twice. The campaign and its
// state come from st, which also records what is sent now, as Submit
// does, stopping at the first batch not accepted. The returned Submission
// holds every batch, sent now or before.
func Resume(ctx context.Context, st Store, campaignID string, includeUnknown bool, opts SubmitOptions, send SendFunc) (*Submission, error) {
	if send == nil {
		return nil, errors.New("campaign.Resume: no SendFunc")
	}
	if err := CheckCampaignID(campaignID); err != nil {
		return nil, err
	}
	// Claimed before the state is read, so what it says cannot change
	// under us until our sends are stored.
	release, err := st.Claim(campaignID)
	if err != nil {
		return nil, err
	}
	defer release()
	cf, rec, err := st.LoadCampaign(campaignID)
	if err != nil {
		return nil, err
	}
	if !opts.allowTargetChange && opts.Target != (Target{}) && !rec.Target().Same(opts.Target) {
		return nil, &TargetMismatchError{CampaignID: campaignID, Recorded: rec.Target(), Current: opts.Target}
	}
	reqs := cf.Campaign.Requests(cf.BatchSize)
	cfPath := CampaignPath(storeDir(st), campaignID)
	if len(reqs) != len(rec.Batches) {
		return nil, fmt.Errorf("campaign %s: its file %s plans %d batches but the journal has %d; not resuming", campaignID, cfPath, len(reqs), len(rec.Batches))
	}
	sub := &Submission{CampaignID: campaignID, Batches: make([]BatchResult, len(reqs))}
	var which []int
	for i, b := range rec.Batches {
		// Journals written before the hash was recorded have only counts.
		if b.RequestHash != "" && b.RequestHash != RequestHash(reqs[i]) {
			return nil, fmt.Errorf("campaign %s: batch %d in %s differs from what was planned when the campaign was created (the file was edited or damaged); not resuming — restore the file or send the campaign anew",
				campaignID, i+1, cfPath)
		}
		if b.Recipients != len(reqs[i].Recipients) {
			return nil, fmt.Errorf("campaign %s: batch %d has %d recipients in its file %s but %d in the journal; not resuming",
				campaignID, i+1, len(reqs[i].Recipients), cfPath, b.Recipients)
		}
		res := BatchResult{Index: i, Recipients: b.Recipients, Groups: len(reqs[i].GroupIDs), State: b.State}
		if b.State == StateAccepted {
			res.Outcome = SendOutcome{Async: b.JobID != "", JobID: b.JobID, Status: b.JobStatus, Messages: b.Messages}
		}
		if b.Error != "" {
			res.Err = errors.New(b.Error)
		}
		sub.Batches[i] = res
		switch {
		case b.State == StatePending, b.State == StateRejected, b.State == StateUnknown && includeUnknown:
			which = append(which, i)
		}
	}
	for _, i := range which {
		sub.Batches[i].State, sub.Batches[i].Err = StatePending, nil
	}
	// Checked against the plan above; now whoever opted out since is
	// dropped from the batches still to send, and that is journaled.
	which, err = dropSuppressed(st, sub, reqs, which, opts)
	if err != nil {
		return sub, err
	}
	return sub, sendBatches(ctx, st, sub, reqs, which, opts, send)
}
