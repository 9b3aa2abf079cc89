package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"spotcast/campaign"
)

// Read limits: an error body is only mined for a message, so 1 MiB is
// plenty; a success body can carry a job's failures list, so allow more —
// but never an unbounded read of whatever a server (or proxy) sends.
const (
	maxErrorBody   = 1 << 20
	maxSuccessBody = 8 << 20
	// excerptLen bounds the body excerpt kept in an APIError.
	excerptLen = 200
)

// KeysHint tells the operator where API keys come from (API.md: dashboard,
// Settings → API Tokens).
const KeysHint = "create a new key in the WhatsSpot dashboard (Settings → API Tokens) and " + string(campaign.SettingAPIKey)

// APIError is an HTTP answer the API gave with a non-2xx status, or a 2xx
// answer that says "success": false. Every string is sanitised and holds no
// API key.
type APIError struct {
	// Op is the request, e.g. "POST /messages/send".
	Op         string
	StatusCode int
	Status     string // status line, e.g. "400 Bad Request"
	// Message is what the API said (its "error", "message" or "errors[]").
	Message string
	// Body is a short sanitised excerpt of the raw body.
	Body string
	// Hint says what to do, when we know more than the API said.
	Hint string
	// Wait is the answer's Retry-After (0: none or unusable).
	Wait time.Duration
}

func (e *APIError) Error() string {
	if e.Hint != "" {
		return e.text() + " — " + e.Hint
	}
	return e.text()
}

func (e *APIError) text() string {
	msg := e.Message
	if msg == "" {
		msg = "no error message in the response"
		if e.Body != "" {
			msg = "response: " + strconv.Quote(e.Body)
		}
	}
	status := e.Status
	if status == "" {
		status = strconv.Itoa(e.StatusCode)
	}
	prefix := ""
	if e.Op != "" {
		prefix = e.Op + ": "
	}
	switch {
	case e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden:
		return fmt.Sprintf("%sthe API refused the key (%s: %s): it is wrong or was revoked — %s", prefix, status, msg, KeysHint)
	case e.StatusCode >= 500:
		return fmt.Sprintf("%sthe API failed (%s): %s", prefix, status, msg)
	case e.StatusCode >= 300 && e.StatusCode < 400:
		return fmt.Sprintf("%sthe API answered with a redirect (%s): %s", prefix, status, msg)
	case e.StatusCode >= 200 && e.StatusCode < 300:
		return fmt.Sprintf("%sthe API answered %s but reported failure: %s", prefix, status, msg)
	}
	return fmt.Sprintf("%sthe API rejected the request (%s): %s", prefix, status, msg)
}

// Throttled: the API asked us to slow down (429, or 408: it timed out
// waiting for us); the same request may succeed later.
func (e *APIError) Throttled() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode == http.StatusRequestTimeout
}

// RetryAfter is the wait the API asked for (0: unsaid).
func (e *APIError) RetryAfter() time.Duration { return e.Wait }

// Gone: the API does not know the resource (404, 410).
func (e *APIError) Gone() bool {
	return e.StatusCode == http.StatusNotFound || e.StatusCode == http.StatusGone
}

// Fatal: asking again cannot help — the key is refused, or the request is
// wrong (any other 4xx), or a 2xx said "success": false.
func (e *APIError) Fatal() bool {
	return !e.Throttled() && e.StatusCode < 500 && (e.StatusCode < 300 || e.StatusCode >= 400)
}

// RateLimitError is a 429 answer. Wait is zero when the API gave no
// usable Retry-After header.
type RateLimitError struct {
	*APIError
}

func (e *RateLimitError) Error() string {
	s := e.APIError.Error()
	if e.Wait > 0 {
		return s + fmt.Sprintf(" — rate limited, retry after %s", e.Wait)
	}
	return s + " — rate limited, retry later"
}

func (e *RateLimitError) Unwrap() error { return e.APIError }

// UnknownOutcomeError means a POST may have reached the API and been acted
// upon (the connection broke or timed out after the request left, or the
// server failed with a 5xx). Nothing documents idempotency, so it is never
// retried automatically.
type UnknownOutcomeError struct {
	Op  string
	Err error
}

func (e *UnknownOutcomeError) Error() string {
	return fmt.Sprintf("%s: outcome unknown — the request may have reached WhatsSpot (%v). It is journaled as unknown and NOT retried automatically: check the dashboard before resending it", e.Op, e.Err)
}

func (e *UnknownOutcomeError) Unwrap() error { return e.Err }

// OutcomeUnknown marks the error for campaign.IsOutcomeUnknown.
func (e *UnknownOutcomeError) OutcomeUnknown() bool { return true }

// NotSentError is a request that was never sent — ctx had ended first, or
// no connection could be made: its outcome is known (nothing arrived),
// unlike a request cut short in flight. errors.Is(err, context.Canceled)
// still holds for the first kind.
type NotSentError struct {
	Op  string
	Err error
}

func (e *NotSentError) Error() string {
	return fmt.Sprintf("%s: not sent, nothing reached WhatsSpot: %v", e.Op, e.Err)
}

func (e *NotSentError) Unwrap() error { return e.Err }

// OutcomeUnknown is false: campaign.IsOutcomeUnknown must not count it.
func (e *NotSentError) OutcomeUnknown() bool { return false }

// NotSent marks the error for campaign.IsNotSent: the batch stays pending.
func (e *NotSentError) NotSent() bool { return true }

// ConfigError is a setting that makes a request impossible to build (the
// base URL, the job path template, a job ID): nothing was sent, and trying
// again cannot help until the setting is fixed. Its text is Err's.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }

// Fatal: nothing can succeed until the setting is fixed.
func (e *ConfigError) Fatal() bool   { return true }
func (e *ConfigError) Unwrap() error { return e.Err }

// TransportError is a request that got no HTTP answer (connection refused,
// DNS, TLS, timeout) where the outcome does not matter: a GET.
type TransportError struct {
	Op  string
	Err error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("%s: could not reach the API: %v — check the network, or %s", e.Op, e.Err, campaign.SettingBaseURL)
}

func (e *TransportError) Unwrap() error { return e.Err }

// IsAuth reports whether the API refused the key (401 or 403).
func IsAuth(err error) bool {
	var a *APIError
	return errors.As(err, &a) && (a.StatusCode == http.StatusUnauthorized || a.StatusCode == http.StatusForbidden)
}

// IsTransport reports a transport or server failure (exit code 4): no
// answer, a timeout, a 5xx, or an unknown outcome.
func IsTransport(err error) bool {
	var u *UnknownOutcomeError
	var t *TransportError
	if errors.As(err, &u) || errors.As(err, &t) {
		return true
	}
	var ns *NotSentError
	var op *net.OpError
	if errors.As(err, &ns) && errors.As(ns.Err, &op) {
		return true // no connection could be made
	}
	var a *APIError
	return errors.As(err, &a) && a.StatusCode >= 500
}

// IsRejected reports that the API answered and refused the request (exit
// code 3): a 4xx, or a 2xx with "success": false. Nothing was sent.
func IsRejected(err error) bool {
	if IsTransport(err) {
		return false
	}
	var a *APIError
	return errors.As(err, &a) && a.StatusCode < 500
}

// IsNotFound reports a 404 answer.
func IsNotFound(err error) bool {
	var a *APIError
	return errors.As(err, &a) && a.StatusCode == http.StatusNotFound
}

// newAPIError builds the typed error for a non-2xx answer from a bounded
// body. scrub removes the API key from any text taken from the server.
func newAPIError(op string, resp *http.Response, body []byte, scrub func(string) string) error {
	e := &APIError{
		Op:         op,
		StatusCode: resp.StatusCode,
		Status:     scrub(campaign.Sanitize(resp.Status)),
		Message:    scrub(errorMessage(body)),
		Body:       scrub(bodyExcerpt(resp.Header.Get("Content-Type"), body)),
	}
	e.Wait = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	if resp.StatusCode == http.StatusTooManyRequests {
		return &RateLimitError{APIError: e}
	}
	return e
}

// errorMessage digs the human message out of a JSON error body: "error",
// "message" or "errors[]" (strings or objects with a message). "" when the
// body is not JSON or has none of them.
func errorMessage(body []byte) string {
	var v struct {
		Error   json.RawMessage   `json:"error"`
		Message json.RawMessage   `json:"message"`
		Errors  []json.RawMessage `json:"errors"`
		Field   string            `json:"field"`
	}
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	for _, raw := range []json.RawMessage{v.Error, v.Message} {
		if s := textOf(raw); s != "" {
			return clip(campaign.Sanitize(s), 500)
		}
	}
	var parts []string
	for _, raw := range v.Errors {
		if s := textOf(raw); s != "" {
			parts = append(parts, s)
		}
		if len(parts) == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(v.Errors)-5))
			break
		}
	}
	return clip(campaign.Sanitize(strings.Join(parts, "; ")), 500)
}

// textOf reads a JSON string, or an object's "message"/"error"/"detail"
// (with its "field" when present).
func textOf(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var o struct {
		Message string `json:"message"`
		Error   string `json:"error"`
		Detail  string `json:"detail"`
		Field   string `json:"field"`
	}
	if json.Unmarshal(raw, &o) != nil {
		return ""
	}
	msg := strings.TrimSpace(o.Message + " " + o.Error + " " + o.Detail)
	if msg != "" && o.Field != "" {
		msg = o.Field + ": " + msg
	}
	return msg
}

// excerpt is a short, sanitised, single-line piece of a body.
func excerpt(body []byte) string {
	s := string(body[:min(len(body), excerptLen*4)])
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Join(strings.Fields(campaign.Sanitize(s)), " ")
	return clip(s, excerptLen)
}

// bodyExcerpt is excerpt, but an HTML page (a proxy's or load balancer's
// error page) is shown as its text: "502 Bad Gateway upstream timed out",
// not a line of markup.
func bodyExcerpt(contentType string, body []byte) string {
	head := bytes.TrimSpace(body[:min(len(body), 512)])
	isHTML := strings.Contains(strings.ToLower(contentType), "html") ||
		bytes.HasPrefix(bytes.ToLower(head), []byte("<!doctype html")) || bytes.HasPrefix(bytes.ToLower(head), []byte("<html"))
	if !isHTML {
		return excerpt(body)
	}
	page := body[:min(len(body), 16<<10)]
	text := htmlTags.ReplaceAll(htmlHidden.ReplaceAll(page, []byte(" ")), []byte(" "))
	// Entities are decoded before excerpt sanitises: &#27; must not
	// become a live ESC.
	return excerpt([]byte(html.UnescapeString(string(text))))
}

var (
	htmlHidden = regexp.MustCompile(`(?is)<(script|style)\b.*?</(script|style)\s*>`)
	htmlTags   = regexp.MustCompile(`(?s)<[^>]*>`)
)

// clip shortens s to at most n runes, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// maxRetryAfter bounds what a server can make us wait.
const maxRetryAfter = time.Hour

// parseRetryAfter reads delay-seconds or an HTTP date; 0 when absent or bad.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0
		}
		if n > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	} else {
		return 0
	}
	return min(max(d, 0), maxRetryAfter)
}

var tokenParam = regexp.MustCompile(`(?i)((?:token|api[_-]?key|key)=)[^&\s"']*`)

// redactor returns a function that removes key and any token= query value
// from text. Applied to every string an error carries.
func redactor(key string) func(string) string {
	return func(s string) string {
		s = redactKeyString(s, key)
		return tokenParam.ReplaceAllString(s, "${1}REDACTED")
	}
}

// scrubbedError keeps an error's chain (errors.Is(err, context.Canceled)
// still works) but shows a redacted text.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// scrubErr redacts err's text, and the URL inside a *url.Error, which Go
// prints in full.
func scrubErr(err error, scrub func(string) string) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = scrub(ue.URL)
	}
	return &scrubbedError{msg: scrub(campaign.Sanitize(err.Error())), err: err}
}
