package campaign

import (
	"context"
	"errors"
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
// true means the request may have reached the API (journaled "unknown").
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

// BatchResult is one request's fate.
type BatchResult struct {
	Index      int         `json:"index"`
	Recipients int         `json:"recipients"`
	Groups     int         `json:"groups"`
	State      BatchState  `json:"state"`
	Outcome    SendOutcome `json:"outcome"`
	Err        error       `json:"-"`
}

// SubmitOptions tunes Submit.
type SubmitOptions struct {
	BatchSize int
	Operator  string // who submits (SSH key fingerprint, or local user)
	Now       func() time.Time
}

// Submission is a journaled campaign send.
type Submission struct {
	CampaignID string        `json:"campaignId"`
	Batches    []BatchResult `json:"batches"`
}

// Submit sends a campaign batch by batch, journaling each batch as pending
// before its request and as accepted/rejected/unknown after. It stops at the
// first batch that is not accepted (the rest stay pending, for resume) and
// never retries a request.
func Submit(ctx context.Context, j *Journal, c Campaign, opts SubmitOptions, send SendFunc) (*Submission, error) {
	return nil, errors.New("not implemented")
}

// Journal is the append-only submission journal (STATE/journal.jsonl).
type Journal struct {
	path string
}
