// Package client talks to the WhatsSpot HTTP API. It knows nothing of the UI.
package client

import (
	"context"
	"errors"
	"net/http"
	"time"

	"spotcast/campaign"
)

// DefaultBaseURL is the base of the documented samples (API.md).
const DefaultBaseURL = "https://api.whatsspot.in"

// DefaultJobPath is our assumption for the undocumented bulk-job endpoint
// (API.md assumption 1).
const DefaultJobPath = "/bulk-jobs/{id}"

// Client is a WhatsSpot API client. Safe for concurrent use.
type Client struct {
	baseURL   string
	apiKey    string
	jobPath   string
	userAgent string
	http      *http.Client
}

// Option configures a Client.
type Option func(*Client)

func WithBaseURL(u string) Option          { return func(c *Client) { c.baseURL = u } }
func WithAPIKey(k string) Option           { return func(c *Client) { c.apiKey = k } }
func WithJobPath(p string) Option          { return func(c *Client) { c.jobPath = p } }
func WithUserAgent(ua string) Option       { return func(c *Client) { c.userAgent = ua } }
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }
func WithTimeout(d time.Duration) Option   { return func(c *Client) { c.http.Timeout = d } }

// New returns a client; options apply in order.
func New(opts ...Option) *Client {
	c := &Client{baseURL: DefaultBaseURL, jobPath: DefaultJobPath, userAgent: "spotcast", http: &http.Client{Timeout: 30 * time.Second}}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Message is one synchronous send result.
type Message struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	SentAt string `json:"sentAt,omitempty"`
}

// SendResult is the decoded answer of POST /messages/send: either a bulk job
// (Async, JobID) or synchronous messages.
type SendResult struct {
	Async    bool      `json:"async"`
	JobID    string    `json:"jobId,omitempty"`
	Status   string    `json:"status,omitempty"`
	Message  string    `json:"message,omitempty"` // the bulk shape's text
	Messages []Message `json:"messages,omitempty"`
}

// Send submits one request. It is never retried: on a transport failure the
// error is an *UnknownOutcomeError.
func (c *Client) Send(ctx context.Context, req campaign.Request) (*SendResult, error) {
	return nil, errors.New("not implemented")
}

// Failure is one failed recipient of a bulk job, when the API reports them.
type Failure struct {
	Recipient string `json:"recipient"`
	Error     string `json:"error"`
}

// Job is a bulk job's state. Counts are nil when the API omits them.
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
}

// Terminal reports whether the status is final.
func (j *Job) Terminal() bool { return IsTerminal(j.Status) }

// IsTerminal: COMPLETED, FAILED, CANCELLED end a job; anything else runs.
func IsTerminal(status string) bool {
	return status == "COMPLETED" || status == "FAILED" || status == "CANCELLED"
}

// GetJob fetches a bulk job's status.
func (c *Client) GetJob(ctx context.Context, id string) (*Job, error) {
	return nil, errors.New("not implemented")
}

// SendCampaignRequest adapts Send to campaign.SendFunc.
func (c *Client) SendCampaignRequest(ctx context.Context, req campaign.Request) (campaign.SendOutcome, error) {
	return campaign.SendOutcome{}, errors.New("not implemented")
}

// HeadMedia HEADs a media URL (no API key sent: it is a third-party URL).
func (c *Client) HeadMedia(ctx context.Context, rawURL string) (campaign.MediaInfo, error) {
	return campaign.MediaInfo{}, errors.New("not implemented")
}

// Backoff returns the delay before poll attempt n (0-based count of
// consecutive failures; 0 = healthy): never under one second, exponential
// with jitter on errors, capped; a *RateLimitError's RetryAfter wins.
func Backoff(failures int, err error) time.Duration { return time.Second }

// JobUpdate is one poll's outcome, handed to Watch's callback.
type JobUpdate struct {
	JobID    string
	Job      *Job  // last known state (nil before the first success)
	Err      error // this poll's error, if any (non-fatal)
	NextPoll time.Duration
}

// WatchOptions tunes Watch.
type WatchOptions struct {
	Interval time.Duration // healthy poll interval; at least 1s
	// Sleep waits (tests replace it); it returns ctx.Err() when cancelled.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Watch polls the jobs until every one is terminal or ctx ends, calling fn
// after each poll. At most one request is in flight per job.
func (c *Client) Watch(ctx context.Context, ids []string, opts WatchOptions, fn func(JobUpdate)) (map[string]*Job, error) {
	return nil, errors.New("not implemented")
}
