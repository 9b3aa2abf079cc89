package client

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"spotcast/campaign"
)

// Poll cadence (API.md assumption 1: no faster than once a second, back
// off on errors, honour Retry-After).
const (
	MinPollInterval = time.Second
	MaxBackoff      = 30 * time.Second
	// maxInFlight bounds concurrent polls when many batches are watched.
	maxInFlight = 4
)

// Backoff returns the delay before the next poll after `failures`
// consecutive failed polls (0 = healthy: one second). On errors it doubles
// from one second with up to 50% jitter, capped at MaxBackoff; a
// *RateLimitError's RetryAfter is honoured even above the cap.
func Backoff(failures int, err error) time.Duration {
	d := MinPollInterval
	if failures > 0 {
		exp := MinPollInterval << min(failures-1, 10)
		d = exp + rand.N(exp/2+1)
		d = min(d, MaxBackoff)
	}
	var rl *RateLimitError
	if errors.As(err, &rl) && rl.RetryAfter > d {
		d = rl.RetryAfter
	}
	return max(d, MinPollInterval)
}

// JobUpdate is one poll's outcome, handed to Watch's callback.
type JobUpdate struct {
	JobID    string
	Job      *Job  // last known state (nil before the first success)
	Err      error // this poll's error, if any (non-fatal unless Fatal)
	NextPoll time.Duration
	// Fatal: the job will not be polled again (404, the key refused, or a
	// setting that makes the request impossible).
	Fatal bool
}

// WatchOptions tunes Watch.
type WatchOptions struct {
	Interval time.Duration // healthy poll interval; at least 1s
	// Sleep waits (tests replace it); it returns ctx.Err() when cancelled.
	Sleep func(ctx context.Context, d time.Duration) error
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// fatalPoll: polling again cannot help — the job does not exist (wrong ID
// or job path), the key is refused, or the settings make the request
// impossible (*ConfigError).
func fatalPoll(err error) bool {
	var ce *ConfigError
	if errors.As(err, &ce) {
		return true
	}
	var a *APIError
	if !errors.As(err, &a) {
		return false
	}
	switch a.StatusCode {
	case http.StatusNotFound, http.StatusUnauthorized, http.StatusForbidden, http.StatusGone:
		return true
	}
	return false
}

// Watch polls the jobs until every one is terminal or ctx ends, calling fn
// after each poll (calls are serialised, so fn needs no locking). Each job
// has at most one request in flight and is polled no faster than once a
// second; errors are backed off and retried, except a 404/401/403 or a
// *ConfigError, which ends that job's watch with an error naming it. It
// returns the last known state of each job; the error is ctx.Err() when ctx
// ended first, else the fatal errors, if any.
func (c *Client) Watch(ctx context.Context, ids []string, opts WatchOptions, fn func(JobUpdate)) (map[string]*Job, error) {
	sleep := opts.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	interval := max(opts.Interval, MinPollInterval)
	if fn == nil {
		fn = func(JobUpdate) {}
	}
	var (
		mu     sync.Mutex
		last   = make(map[string]*Job, len(ids))
		fatals []error
		wg     sync.WaitGroup
		sem    = make(chan struct{}, maxInFlight)
	)
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		wg.Add(1)
		go func() {
			defer wg.Done()
			failures := 0
			for ctx.Err() == nil {
				select {
				case sem <- struct{}{}:
				case <-ctx.Done():
					return
				}
				job, err := c.GetJob(ctx, id)
				<-sem
				if ctx.Err() != nil {
					return // cancelled mid-poll: not a poll failure
				}
				u := JobUpdate{JobID: id, Err: err}
				mu.Lock()
				if err == nil {
					failures = 0
					last[id] = job
				} else {
					failures++
				}
				u.Job = last[id]
				done := err == nil && job.Terminal()
				if err != nil && fatalPoll(err) {
					u.Fatal, done = true, true
					fatals = append(fatals, fmt.Errorf("job %s: %w", campaign.Sanitize(id), err))
				}
				if !done {
					u.NextPoll = max(interval, Backoff(failures, err))
				}
				fn(u)
				mu.Unlock()
				if done {
					return
				}
				if sleep(ctx, u.NextPoll) != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if err := ctx.Err(); err != nil {
		return last, err
	}
	return last, errors.Join(fatals...)
}
