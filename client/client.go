// Package client talks to the WhatsSpot HTTP API. It knows nothing of the UI.
//
// Our assumptions about what the docs leave out (API.md "Not documented")
// live in this package only: DefaultJobPath and the job shape (DecodeJob,
// here), the error body and status meanings (errors.go), and the poll
// cadence (watch.go).
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"spotcast/campaign"
)

// DefaultBaseURL is the base of the documented samples (API.md).
const DefaultBaseURL = "https://api.whatsspot.in"

// DefaultJobPath is our assumption for the undocumented bulk-job endpoint
// (API.md assumption 1).
const DefaultJobPath = "/bulk-jobs/{id}"

// DefaultTimeout bounds one API call when no other timeout is given.
const DefaultTimeout = 30 * time.Second

const sendPath = "/messages/send"

// Client is a WhatsSpot API client. Safe for concurrent use.
type Client struct {
	baseURL   string
	apiKey    string
	jobPath   string
	userAgent string
	http      *http.Client
	timeout   time.Duration
	// scrub removes the key from any text an error carries.
	scrub func(string) string
}

// Option configures a Client.
type Option func(*Client)

// WithBaseURL sets the API root; it may carry a path prefix
// (https://api.whatsspot.com/v1) under which every endpoint is resolved.
// A query string is dropped: the key never travels in a URL.
func WithBaseURL(u string) Option { return func(c *Client) { c.baseURL = u } }

// WithAPIKey sets the key sent in the x-api-key header.
func WithAPIKey(k string) Option { return func(c *Client) { c.apiKey = strings.TrimSpace(k) } }

// WithJobPath sets the job status path template; {id} is replaced by the
// path-escaped job ID.
func WithJobPath(p string) Option { return func(c *Client) { c.jobPath = p } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// WithHTTPClient uses h's transport and settings. h itself is never
// modified: the client works on a copy.
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithTimeout bounds each call (0 = no client-side bound beyond ctx). It
// applies whatever the order of options.
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// New returns a client; options apply in order.
func New(opts ...Option) *Client {
	c := &Client{baseURL: DefaultBaseURL, jobPath: DefaultJobPath, userAgent: "spotcast", timeout: DefaultTimeout}
	for _, o := range opts {
		o(c)
	}
	// Work on a copy so WithTimeout and the redirect policy never change an
	// http.Client the caller shares with other code.
	var hc http.Client
	if c.http != nil {
		hc = *c.http
	}
	hc.Timeout = c.timeout
	hc.CheckRedirect = keepKeyOnHost(hc.CheckRedirect)
	c.http = &hc
	if c.jobPath == "" {
		c.jobPath = DefaultJobPath
	}
	c.scrub = redactor(c.apiKey)
	return c
}

// BaseURL is the configured API root (for display; it never holds the key).
func (c *Client) BaseURL() string { return c.scrub(c.baseURL) }

// keepKeyOnHost drops the x-api-key header when a redirect leaves the
// original host or goes from https to http (Go strips Authorization itself,
// but not custom headers), and refuses redirects to anything but http(s).
// A POST's redirect is not followed: the server may have acted on the POST,
// and Go would repeat it as a GET whose 405 reads as "rejected" — an
// invitation to send again. Send reports it as an unknown outcome.
func keepKeyOnHost(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) > 0 && via[0].Method == http.MethodPost {
			return http.ErrUseLastResponse
		}
		if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return fmt.Errorf("refusing redirect to a %q URL", req.URL.Scheme)
		}
		// Go copies the original headers again for every hop, so each hop is
		// compared with the original request.
		if len(via) > 0 && (req.URL.Host != via[0].URL.Host || (via[0].URL.Scheme == "https" && req.URL.Scheme == "http")) {
			req.Header.Del("x-api-key")
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
}

// endpoint resolves an escaped path under the base URL, keeping the base's
// own path prefix.
func (c *Client) endpoint(escapedPath string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(c.baseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", &ConfigError{Err: fmt.Errorf("base URL %q is not an http(s) URL: %s like %s", c.scrub(c.baseURL), campaign.SettingBaseURL, DefaultBaseURL)}
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return strings.TrimRight(u.String(), "/") + "/" + strings.TrimLeft(escapedPath, "/"), nil
}

// jobEndpoint fills the job path template with the escaped ID.
func (c *Client) jobEndpoint(id string) (string, error) {
	if id == "" || id == "." || id == ".." || strings.ContainsAny(id, "\x00\r\n") {
		return "", &ConfigError{Err: fmt.Errorf("job ID %q is not valid: use the jobId the API returned (spotcast jobs lists them)", campaign.Sanitize(id))}
	}
	if !strings.Contains(c.jobPath, "{id}") {
		return "", &ConfigError{Err: fmt.Errorf("job path %q has no {id} placeholder: %s like %s", campaign.Sanitize(c.jobPath), campaign.SettingJobPath, DefaultJobPath)}
	}
	return c.endpoint(strings.ReplaceAll(c.jobPath, "{id}", url.PathEscape(id)))
}

// do sends one API request with the key and returns the status and a
// bounded body. Transport failures come back unwrapped (but scrubbed) for
// the caller to classify; non-2xx answers become *APIError.
func (c *Client) do(ctx context.Context, method, target string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		// Only a URL Go cannot use fails here: the base URL or job path.
		return 0, nil, &ConfigError{Err: scrubErr(err, c.scrub)}
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	if c.apiKey != "" {
		req.Header.Set("x-api-key", c.apiKey)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, scrubErr(c.explainTimeout(ctx, err), c.scrub)
	}
	defer resp.Body.Close()
	op := c.opOf(method, target)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, _ := readBounded(resp.Body, maxErrorBody, resp.ContentLength)
		return resp.StatusCode, nil, newAPIError(op, resp, c.scrubBody(b), c.scrub)
	}
	b, err := readBounded(resp.Body, maxSuccessBody+1, resp.ContentLength)
	if err != nil {
		return resp.StatusCode, nil, scrubErr(fmt.Errorf("reading the response: %w", c.explainTimeout(ctx, err)), c.scrub)
	}
	if len(b) > maxSuccessBody {
		return resp.StatusCode, nil, fmt.Errorf("%s: the response is over %d MiB; refusing to read it", op, maxSuccessBody>>20)
	}
	return resp.StatusCode, c.scrubBody(b), nil
}

// scrubBody removes the key from a raw body before any of it is parsed or
// cut to an excerpt: a key echoed across the cut would otherwise survive in
// part, where scrubbing the cut text no longer finds it. The key is found
// however it was escaped (redactKey); a body without it is returned as it
// is, not copied.
func (c *Client) scrubBody(b []byte) []byte {
	b, _ = redactKey(b, c.apiKey)
	return b
}

// explainTimeout says which limit ran out when the client's own timeout
// (not the caller's ctx) ended the call; the chain is kept (net.Error).
func (c *Client) explainTimeout(ctx context.Context, err error) error {
	var ne net.Error
	if ctx.Err() == nil && c.timeout > 0 && errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("no answer within %s, the client's time limit per request: %w", c.timeout, err)
	}
	return err
}

// readBounded reads at most limit bytes. io.ReadAll allocates about twice
// what it returns (growing chunks, then a final copy); with a known length
// this allocates once, else it doubles from 16 KiB. A 20 MB error body thus
// costs one capped buffer, not megabytes of garbage.
func readBounded(r io.Reader, limit, length int64) ([]byte, error) {
	size := int64(16 << 10)
	if length >= 0 {
		size = length + 1 // +1: EOF lands in the buffer without a regrow
	}
	buf := make([]byte, 0, min(max(size, 512), limit))
	for int64(len(buf)) < limit {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(int64(cap(buf))*2, limit))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// opOf names a request for error messages: method and path, no host.
func (c *Client) opOf(method, target string) string {
	if u, err := url.Parse(target); err == nil {
		target = u.EscapedPath()
	}
	return method + " " + c.scrub(target)
}

// scrubAPI names the request in a decoded "success": false error and
// removes the key from the text the server sent.
func (c *Client) scrubAPI(a *APIError, op string) *APIError {
	a.Op, a.Message, a.Body = op, c.scrub(a.Message), c.scrub(a.Body)
	return a
}

// encodeJSON encodes without HTML escaping: message text with <, > and &
// must reach the API as typed.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
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

// Send submits one request. It is never retried: on a transport failure, a
// 5xx, a redirect, or a 2xx body we cannot read, the error is an
// *UnknownOutcomeError. When ctx has ended before the request left, or no
// connection could be made at all (refused, no such host), it is a
// *NotSentError.
func (c *Client) Send(ctx context.Context, req campaign.Request) (*SendResult, error) {
	target, err := c.endpoint(sendPath)
	if err != nil {
		return nil, err
	}
	body, err := encodeJSON(req)
	if err != nil {
		return nil, fmt.Errorf("encoding the request: %w", err)
	}
	op := c.opOf(http.MethodPost, target)
	if err := ctx.Err(); err != nil {
		return nil, &NotSentError{Op: op, Err: err} // nothing left: the outcome is known
	}
	_, b, err := c.do(ctx, http.MethodPost, target, body)
	if err != nil {
		var a *APIError
		if errors.As(err, &a) {
			if a.StatusCode >= 500 {
				a.Op = "" // the wrapper names the request
				return nil, &UnknownOutcomeError{Op: op, Err: err}
			}
			if a.StatusCode >= 300 && a.StatusCode < 400 {
				// The redirect was not followed (keepKeyOnHost), but the
				// server may have acted on the POST before answering it.
				a.Op = ""
				a.Hint = "a POST is never repeated at a redirect's target: " + string(campaign.SettingBaseURL) + " to the final address (https://, right path prefix)"
				return nil, &UnknownOutcomeError{Op: op, Err: err}
			}
			if a.StatusCode == http.StatusNotFound {
				a.Hint = "check the address: " + string(campaign.SettingBaseURL) + " right (a path prefix such as /v1 belongs in it)"
			}
			return nil, err
		}
		var ce *ConfigError
		if errors.As(err, &ce) {
			return nil, err // the request was never made
		}
		if neverConnected(err) {
			return nil, &NotSentError{Op: op, Err: err}
		}
		return nil, &UnknownOutcomeError{Op: op, Err: err}
	}
	res, err := DecodeSend(b)
	if err != nil {
		var a *APIError
		if errors.As(err, &a) {
			return nil, c.scrubAPI(a, op)
		}
		// The API took the request (2xx) but said something we cannot read.
		return nil, &UnknownOutcomeError{Op: op, Err: scrubErr(err, c.scrub)}
	}
	return res, nil
}

// rawSend holds both documented shapes of the send answer.
type rawSend struct {
	Success  *bool           `json:"success"`
	JobID    json.RawMessage `json:"jobId"`
	Status   string          `json:"status"`
	Async    *bool           `json:"async"`
	Message  json.RawMessage `json:"message"`
	Messages []rawMessage    `json:"messages"`
	Error    json.RawMessage `json:"error"`
	Errors   json.RawMessage `json:"errors"`
}

type rawMessage struct {
	ID     json.RawMessage `json:"id"`
	Status string          `json:"status"`
	SentAt string          `json:"sentAt"`
}

func (m rawMessage) clean() Message {
	return Message{ID: sanitizeID(m.ID), Status: campaign.Sanitize(m.Status), SentAt: campaign.Sanitize(m.SentAt)}
}

// sanitizeID accepts a string or a number as an ID.
func sanitizeID(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return clip(campaign.Sanitize(s), 200)
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// DecodeSend decodes a 2xx send answer. The two documented shapes differ in
// "message" (a string beside "jobId", an object otherwise), so the shape is
// chosen by the presence of jobId; 2–10 recipients may add "messages".
// "success": false is an *APIError.
func DecodeSend(body []byte) (*SendResult, error) {
	var r rawSend
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("the send response is not the documented JSON (%v): %q", err, excerpt(body))
	}
	if r.Success != nil && !*r.Success {
		return nil, &APIError{StatusCode: http.StatusOK, Status: "200 OK", Message: errorMessage(body), Body: excerpt(body)}
	}
	res := &SendResult{Status: campaign.Sanitize(r.Status)}
	if id := sanitizeID(r.JobID); id != "" {
		res.Async, res.JobID = true, id
		var s string
		if json.Unmarshal(r.Message, &s) == nil {
			res.Message = clip(campaign.Sanitize(s), 500)
		}
		return res, nil
	}
	list := make([]Message, 0, len(r.Messages))
	seen := map[string]bool{}
	for _, rm := range r.Messages {
		m := rm.clean()
		if m.ID != "" {
			if seen[m.ID] {
				continue
			}
			seen[m.ID] = true
		}
		list = append(list, m) // messages without an ID are each their own
	}
	var one rawMessage
	if len(r.Message) > 0 && json.Unmarshal(r.Message, &one) == nil {
		// "message" repeats an entry of "messages" when both are sent: the
		// one with its ID, or, without an ID, the first.
		m := one.clean()
		repeated := len(list) > 0 && (seen[m.ID] || (m.ID == "" && m == list[0]))
		if (m.ID != "" || m.Status != "") && !repeated {
			res.Messages = append(res.Messages, m)
		}
	} else if len(r.Message) > 0 {
		var s string
		if json.Unmarshal(r.Message, &s) == nil {
			res.Message = clip(campaign.Sanitize(s), 500)
		}
	}
	res.Messages = append(res.Messages, list...)
	if r.Async != nil {
		res.Async = *r.Async
	}
	if len(res.Messages) == 0 {
		return nil, fmt.Errorf("the send response has neither a jobId nor message details: %q", excerpt(body))
	}
	if res.Status == "" {
		res.Status = res.Messages[0].Status
	}
	return res, nil
}

// SendRequest is Send in the engine's terms (campaign.API).
func (c *Client) SendRequest(ctx context.Context, req campaign.Request) (campaign.SendOutcome, error) {
	res, err := c.Send(ctx, req)
	if err != nil {
		return campaign.SendOutcome{}, err
	}
	out := campaign.SendOutcome{Async: res.Async, JobID: res.JobID, Status: res.Status}
	for _, m := range res.Messages {
		out.Messages = append(out.Messages, campaign.SentMessage{ID: m.ID, Status: m.Status})
	}
	return out, nil
}

// Job and Failure are the domain's: the client fills them.
type (
	Job     = campaign.Job
	Failure = campaign.Failure
)

// GetJob fetches a bulk job's status. It does not retry: the watch policy
// (campaign.Poller) decides what each answer means.
func (c *Client) GetJob(ctx context.Context, id string) (*Job, error) {
	target, err := c.jobEndpoint(id)
	if err != nil {
		return nil, err
	}
	op := c.opOf(http.MethodGet, target)
	_, b, err := c.do(ctx, http.MethodGet, target, nil)
	if err != nil {
		var a *APIError
		if errors.As(err, &a) {
			if a.StatusCode == http.StatusNotFound {
				a.Hint = "check the job ID, or " + string(campaign.SettingJobPath) + ": the job endpoint is not documented upstream (default " + DefaultJobPath + ")"
			}
			return nil, err
		}
		var ce *ConfigError
		if errors.As(err, &ce) {
			return nil, err // the request was never made
		}
		return nil, &TransportError{Op: op, Err: err}
	}
	j, err := DecodeJob(b)
	if err != nil {
		var a *APIError
		if errors.As(err, &a) {
			return nil, c.scrubAPI(a, op)
		}
		return nil, fmt.Errorf("%s: %w", op, scrubErr(err, c.scrub))
	}
	if j.ID == "" {
		j.ID = campaign.Sanitize(id)
	}
	return j, nil
}

// rawJob is lenient: counts may be numbers, numeric strings, or missing.
type rawJob struct {
	ID          json.RawMessage `json:"id"`
	JobID       json.RawMessage `json:"jobId"`
	Status      string          `json:"status"`
	Total       json.RawMessage `json:"total"`
	Sent        json.RawMessage `json:"sent"`
	Failed      json.RawMessage `json:"failed"`
	Pending     json.RawMessage `json:"pending"`
	CreatedAt   string          `json:"createdAt"`
	UpdatedAt   string          `json:"updatedAt"`
	ScheduledAt string          `json:"scheduledAt"`
	Failures    json.RawMessage `json:"failures"`
}

// DecodeJob decodes a 2xx job answer, taking the job object at the top
// level or under "job" or "data" (API.md assumption 1).
func DecodeJob(body []byte) (*Job, error) {
	var env struct {
		Success *bool           `json:"success"`
		Job     json.RawMessage `json:"job"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("the job response is not JSON (%v): %q", err, excerpt(body))
	}
	if env.Success != nil && !*env.Success {
		return nil, &APIError{StatusCode: http.StatusOK, Status: "200 OK", Message: errorMessage(body), Body: excerpt(body)}
	}
	obj := json.RawMessage(body)
	for _, cand := range []json.RawMessage{env.Job, env.Data} {
		if t := bytes.TrimSpace(cand); len(t) > 0 && t[0] == '{' {
			obj = cand
			break
		}
	}
	var r rawJob
	if err := json.Unmarshal(obj, &r); err != nil {
		return nil, fmt.Errorf("the job response does not hold a job object (%v): %q", err, excerpt(body))
	}
	j := &Job{
		ID:          sanitizeID(r.ID),
		Status:      clip(campaign.Sanitize(strings.TrimSpace(r.Status)), 40),
		Total:       count(r.Total),
		Sent:        count(r.Sent),
		Failed:      count(r.Failed),
		Pending:     count(r.Pending),
		CreatedAt:   clip(campaign.Sanitize(r.CreatedAt), 64),
		UpdatedAt:   clip(campaign.Sanitize(r.UpdatedAt), 64),
		ScheduledAt: clip(campaign.Sanitize(r.ScheduledAt), 64),
	}
	if j.ID == "" {
		j.ID = sanitizeID(r.JobID)
	}
	if t := bytes.TrimSpace(r.Failures); len(t) > 0 && t[0] == '[' {
		var fs []struct {
			Recipient json.RawMessage `json:"recipient"`
			Error     json.RawMessage `json:"error"`
			Message   json.RawMessage `json:"message"`
		}
		if json.Unmarshal(t, &fs) == nil {
			j.HasFailures = true
			for _, f := range fs {
				msg := textOf(f.Error)
				if msg == "" {
					msg = textOf(f.Message)
				}
				j.Failures = append(j.Failures, Failure{
					Recipient: sanitizeID(f.Recipient),
					Error:     clip(campaign.Sanitize(msg), 300),
				})
			}
		}
	}
	return j, nil
}

// count reads a non-negative count from a number or numeric string; nil
// when missing or unusable, so the UI shows "unknown", never a fake 0.
func count(raw json.RawMessage) *int {
	if len(raw) == 0 {
		return nil
	}
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil
		}
		n = json.Number(strings.TrimSpace(s))
	}
	v, err := n.Int64()
	if err != nil {
		// 29.0 is a count too; 29.5 is not.
		f, ferr := n.Float64()
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<40 {
			return nil
		}
		v = int64(f)
	}
	if v < 0 || v > 1<<40 {
		return nil
	}
	i := int(v)
	return &i
}

// neverConnected: the connection itself failed (refused, unreachable, DNS),
// so no byte of the request left this machine. Anything later — TLS, a
// reset, a timeout while waiting — may have come after the request arrived.
func neverConnected(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// The client is the engine's port to WhatsSpot.
var _ campaign.API = (*Client)(nil)
