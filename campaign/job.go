package campaign

import (
	"strings"
	"time"
)

// Job is a bulk job's state as the API reports it. Counts are nil when the
// API omits them, so a view shows "unknown", never a fake 0.
type Job struct {
	ID          string    `json:"id"`
	Status      string    `json:"status"`
	Total       *int      `json:"total,omitempty"`
	Sent        *int      `json:"sent,omitempty"`
	Failed      *int      `json:"failed,omitempty"`
	Pending     *int      `json:"pending,omitempty"`
	CreatedAt   string    `json:"createdAt,omitempty"`
	UpdatedAt   string    `json:"updatedAt,omitempty"`
	ScheduledAt string    `json:"scheduledAt,omitempty"`
	Failures    []Failure `json:"failures,omitempty"`
	// HasFailures is true when the API sent a failures array (even empty);
	// without it, per-recipient failures are not available.
	HasFailures bool `json:"hasFailures,omitempty"`
}

// Failure is one failed recipient of a bulk job, when the API reports them.
type Failure struct {
	Recipient string `json:"recipient"`
	Error     string `json:"error"`
}

// Job statuses (API.md assumption 1). They compare case-insensitively: an
// API that answers "completed" has still finished.
const (
	JobScheduled  = "SCHEDULED"
	JobPending    = "PENDING"
	JobProcessing = "PROCESSING"
	JobCompleted  = "COMPLETED"
	JobFailed     = "FAILED"
	JobCancelled  = "CANCELLED"
)

// IsTerminal: COMPLETED, FAILED, CANCELLED end a job; anything else runs
// (an unknown status included).
func IsTerminal(status string) bool {
	s := strings.TrimSpace(status)
	return strings.EqualFold(s, JobCompleted) || strings.EqualFold(s, JobFailed) || strings.EqualFold(s, JobCancelled)
}

// IsCompleted reports the one terminal status that is a success.
func IsCompleted(status string) bool {
	return strings.EqualFold(strings.TrimSpace(status), JobCompleted)
}

// IsScheduled reports a job waiting for its time.
func IsScheduled(status string) bool {
	return strings.EqualFold(strings.TrimSpace(status), JobScheduled)
}

// Terminal reports whether the job's status is final.
func (j *Job) Terminal() bool { return j != nil && IsTerminal(j.Status) }

// FailedCount is the failed messages the API reported: its count, else
// the length of its failures list.
func (j *Job) FailedCount() int {
	switch {
	case j == nil:
		return 0
	case j.Failed != nil:
		return *j.Failed
	}
	return len(j.Failures)
}

// ScheduledTime parses the job's scheduledAt (zero when absent or unreadable).
func (j *Job) ScheduledTime() time.Time {
	if j == nil || j.ScheduledAt == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, j.ScheduledAt)
	if err != nil {
		return time.Time{}
	}
	return t
}
