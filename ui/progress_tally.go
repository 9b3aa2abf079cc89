package ui

import (
	"time"

	"spotcast/campaign"
	"spotcast/ui/common"
)

// jobTally is what the progress view shows of all its jobs at once: counts,
// statuses, failures, the rate. It is kept as replies arrive — a reply
// takes the job's old state out and puts its new one in — so a reply costs
// O(1) and a frame O(lines on screen), not O(jobs) (issue 10: 1,000 jobs).
type jobTally struct {
	jobs     int
	uncount  int // jobs without a total or any count: progress unknown
	total    int
	sent     int
	failed   int
	pending  int
	ended    int // jobs that ended or can no longer be polled
	problems int // jobs with a poll error to show
	status   map[string]int
	order    []string // statuses in the order first seen (zeros skipped when shown)
	lastPoll time.Time

	// Rate: messages processed since each job's first counted reply of this
	// watch, over the time since the first such reply. Counts seeded from
	// the journal, or progress made while detached, are not this watch's.
	rateFrom time.Time
	rateDone int
	// schedAt is when the latest SCHEDULED reply said its job starts.
	schedAt time.Time

	// Failures, by the job that reported them in the order jobs first did;
	// the flat lists are rebuilt only when a job's list changes again.
	failJobs   []*watchedJob
	retry      []failedRow // may succeed if sent again
	permanent  []failedRow // will not (not on WhatsApp, blocked…)
	failsDirty bool
}

// failedRow is one failed recipient the API reported.
type failedRow struct{ job, recipient, err string }

func (t *jobTally) reset(jobs []*watchedJob) {
	*t = jobTally{status: map[string]int{}}
	for _, j := range jobs {
		t.add(j, 1)
	}
}

// add folds j in (sign 1) or out (sign -1).
func (t *jobTally) add(j *watchedJob, sign int) {
	t.jobs += sign
	s := j.statusKey()
	if _, ok := t.status[s]; !ok {
		t.order = append(t.order, s)
	}
	t.status[s] += sign
	if j.ended() {
		t.ended += sign
	}
	if j.fatal != nil || j.lastErr != nil {
		t.problems += sign
	}
	job := j.job
	if job == nil || job.Total == nil || (job.Sent == nil && job.Failed == nil && job.Pending == nil) {
		t.uncount += sign
	}
	if job == nil || job.Total == nil {
		return
	}
	sent, failed := deref(job.Sent), deref(job.Failed)
	t.total += sign * *job.Total
	t.sent += sign * sent
	t.failed += sign * failed
	if job.Pending != nil {
		t.pending += sign * *job.Pending
	} else {
		t.pending += sign * max(0, *job.Total-sent-failed)
	}
	if j.rateSeen {
		t.rateDone += sign * (sent + failed - j.rateBase)
	}
}

// polled records a reply's time and, for a job's first counted reply
// (fresh: it carried the job), its rate baseline; a count seeded from the
// journal is never one. Call between add(j, -1) and add(j, 1).
func (t *jobTally) polled(j *watchedJob, now time.Time, fresh bool) {
	if now.After(t.lastPoll) {
		t.lastPoll = now
	}
	if fresh && campaign.IsScheduled(j.job.Status) && !j.job.ScheduledTime().IsZero() {
		t.schedAt = j.job.ScheduledTime()
	}
	if !fresh || j.rateSeen || j.job == nil || j.job.Total == nil || (j.job.Sent == nil && j.job.Failed == nil) {
		return
	}
	j.rateSeen, j.rateBase = true, deref(j.job.Sent)+deref(j.job.Failed)
	if t.rateFrom.IsZero() {
		t.rateFrom = now
	}
}

// rate is messages per second this watch has seen processed (0: unknown).
// Measured between replies, so it neither decays between polls nor after
// the end.
func (t *jobTally) rate() float64 {
	el := t.lastPoll.Sub(t.rateFrom).Seconds()
	if t.rateFrom.IsZero() || el < 1 || t.rateDone <= 0 {
		return 0
	}
	return float64(t.rateDone) / el
}

func (t *jobTally) counts() counts {
	return counts{total: t.total, sent: t.sent, failed: t.failed, pending: t.pending, ok: t.jobs > 0 && t.uncount == 0}
}

// failuresChanged notes that j's reply carries a failures list.
func (t *jobTally) failuresChanged(j *watchedJob) {
	if !j.failsListed {
		j.failsListed = true
		t.failJobs = append(t.failJobs, j)
		if !t.failsDirty {
			t.appendRows(j) // the common case: a job's list arrives once, at its end
		}
		return
	}
	t.failsDirty = true
}

func (t *jobTally) appendRows(j *watchedJob) {
	for _, f := range j.job.Failures {
		r := failedRow{job: j.id, recipient: f.Recipient, err: f.Error}
		if campaign.PermanentFailure(f.Error) {
			t.permanent = append(t.permanent, r)
		} else {
			t.retry = append(t.retry, r)
		}
	}
}

func (t *jobTally) settle() {
	if !t.failsDirty {
		return
	}
	t.retry, t.permanent, t.failsDirty = nil, nil, false
	for _, j := range t.failJobs {
		if j.job != nil {
			t.appendRows(j)
		}
	}
}

// retryable lists the failures that may succeed if sent again.
func (t *jobTally) retryable() []failedRow { t.settle(); return t.retry }

// permanentFails lists the failures sending again cannot fix.
func (t *jobTally) permanentFails() []failedRow { t.settle(); return t.permanent }

func (t *jobTally) failCount() int { t.settle(); return len(t.retry) + len(t.permanent) }

// badge is the aggregate status: the one status, or a mix with counts.
func (t *jobTally) badge(st *common.Styles) string {
	out := ""
	for _, s := range t.order {
		n := t.status[s]
		if n <= 0 {
			continue
		}
		p := s
		if t.jobs > 1 {
			p = commas(n) + " " + s
		}
		switch s {
		case "COMPLETED":
			p = st.Success.Render(p)
		case "FAILED", "CANCELLED", "UNKNOWN", "LOST":
			p = st.Error.Render(p)
		}
		if out != "" {
			out += ", "
		}
		out += p
	}
	return out
}

// statusKey is how the job reads in the aggregate status.
func (j *watchedJob) statusKey() string {
	switch {
	case j.end == campaign.EndLost:
		return "LOST"
	case j.job != nil && j.job.Status != "":
		return campaign.SanitizeLine(j.job.Status, 20)
	case j.fatal != nil:
		return "UNKNOWN"
	}
	return "…"
}

// counts aggregates the jobs; ok is false when any job lacks a total.
type counts struct {
	total, sent, failed, pending int
	ok                           bool
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}
