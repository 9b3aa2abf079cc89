// Package sandbox is an in-process fake of the WhatsSpot API (API.md), used
// by --sandbox and by tests over real HTTP.
//
// It answers POST /messages/send with the documented shapes and GET
// /bulk-jobs/{id} with our assumed job shape. Job progress is computed from
// the clock when asked (no goroutine or timer per job), so a fake clock
// drives a job to the end instantly and a million recipients cost a slice.
//
// WithJobDir keeps jobs on disk, one file each (store.go), so a job outlives
// the process that made it; progress is still computed from its creation
// time, so a job read back later is where it would be by now.
//
// WithChaos turns on fault injection (chaos.go): 5xx, 429, 408, garbled,
// hostile and late answers, deterministic per seed; WithChaosOn aims it at
// polls or sends only.
package sandbox

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"spotcast/campaign"
)

// Key is the API key the sandbox accepts unless told otherwise.
const Key = "sandbox-key"

// Defaults: a rate a real WhatsApp sender might keep, and a few failures so
// the failure paths of the UI are exercised.
const (
	DefaultRate      = 20.0
	DefaultFailRate  = 0.03
	DefaultGroupSize = 25
	// MaxBody is the default largest request body (413 above): about
	// 240,000 recipients; larger campaigns need --batch-size.
	MaxBody = 4 << 20
	// queueDelay is how long a started job stays PENDING before sending.
	queueDelay = time.Second
)

// Server is the fake API. It is an http.Handler, safe for concurrent use.
type Server struct {
	key       string
	rate      float64
	failRate  float64
	groupSize int
	seed      uint64
	prefix    string
	maxBody   int64
	now       func() time.Time

	mu    sync.Mutex
	seq   uint64
	jobs  map[string]*job
	sends []campaign.Request
	hits  map[string]int
	chaos chaos   // fault injection (chaos.go); off unless WithChaos
	hooks *hooker // webhooks (webhooks.go); nil unless WithWebhooks

	jobDir   string  // where jobs are kept (store.go); "" = memory only
	problems []error // from loading jobDir
}

// Option configures a Server.
type Option func(*Server)

// WithKey sets the accepted API key.
func WithKey(k string) Option { return func(s *Server) { s.key = k } }

// WithRate sets how many messages a job sends per second (> 0).
func WithRate(perSecond float64) Option {
	return func(s *Server) {
		if perSecond > 0 {
			s.rate = perSecond
		}
	}
}

// WithFailRate sets the share of recipients that fail (0..1).
func WithFailRate(share float64) Option {
	return func(s *Server) { s.failRate = math.Min(math.Max(share, 0), 1) }
}

// WithClock replaces time.Now (tests drive jobs with it).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithSeed makes IDs and failures depend on seed (same seed, same run).
func WithSeed(seed int64) Option { return func(s *Server) { s.seed = uint64(seed) } }

// WithPrefix serves every endpoint under a path prefix like "/v1".
func WithPrefix(p string) Option {
	return func(s *Server) { s.prefix = "/" + strings.Trim(p, "/") }
}

// WithGroupSize sets how many members each group counts as (> 0).
func WithGroupSize(n int) Option {
	return func(s *Server) {
		if n > 0 {
			s.groupSize = n
		}
	}
}

// WithMaxBody sets the largest accepted request body in bytes (> 0).
func WithMaxBody(n int64) Option {
	return func(s *Server) {
		if n > 0 {
			s.maxBody = n
		}
	}
}

// New returns a sandbox server.
func New(opts ...Option) *Server {
	s := &Server{
		key: Key, rate: DefaultRate, failRate: DefaultFailRate, groupSize: DefaultGroupSize, maxBody: MaxBody,
		now: time.Now, jobs: map[string]*job{}, hits: map[string]int{},
		// A fresh seed per start, so two sandboxes (or two --sandbox runs
		// sharing a state dir) never hand out the same job and message IDs;
		// tests that need repeatable IDs pass WithSeed.
		seed: rand.Uint64(),
	}
	for _, o := range opts {
		o(s)
	}
	if s.prefix == "/" {
		s.prefix = ""
	}
	if s.jobDir != "" {
		s.loadJobs()
	}
	return s
}

// Endpoint names for Hits.
const (
	EndpointSend = "send"
	EndpointJob  = "job"
	EndpointMisc = "other"
)

// Hits counts every request to an endpoint, accepted or not.
func (s *Server) Hits(endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[endpoint]
}

// Sends returns a copy of every accepted send request, in arrival order.
func (s *Server) Sends() []campaign.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]campaign.Request, len(s.sends))
	for i, r := range s.sends {
		r.Recipients = append([]string(nil), r.Recipients...)
		r.GroupIDs = append([]string(nil), r.GroupIDs...)
		out[i] = r
	}
	return out
}

// SendCount is the number of accepted send requests.
func (s *Server) SendCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sends)
}

// RecipientCounts says how many accepted requests named each recipient:
// any count above 1 is a double send.
func (s *Server) RecipientCounts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[string]int{}
	for _, r := range s.sends {
		for _, p := range r.Recipients {
			m[p]++
		}
	}
	return m
}

// JobIDs lists the jobs created so far, in creation order.
func (s *Server) JobIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.jobs))
	for id := range s.jobs {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(a, b int) bool { return s.jobs[ids[a]].seq < s.jobs[ids[b]].seq })
	return ids
}

// Running is a started sandbox.
type Running struct {
	// URL is the base URL to give the client (prefix included).
	URL    string
	Server *Server
	srv    *http.Server
}

// Close shuts the server down, waiting for requests in flight until ctx ends.
func (r *Running) Close(ctx context.Context) error {
	r.Server.CloseWebhooks()
	err := r.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return r.srv.Close()
	}
	return err
}

// Start serves the sandbox on addr ("" or "127.0.0.1:0": a random port on
// loopback, so nothing is reachable from outside).
func (s *Server) Start(addr string) (*Running, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sandbox: cannot listen on %s: %w (choose another --addr)", addr, err)
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	host := ln.Addr().String()
	if ta, ok := ln.Addr().(*net.TCPAddr); ok && ta.IP.IsUnspecified() {
		// Listening on every interface (":8080"): clients dial loopback.
		host = net.JoinHostPort("127.0.0.1", fmt.Sprint(ta.Port))
	}
	return &Running{URL: "http://" + host + s.prefix, Server: s, srv: srv}, nil
}

// job is a bulk job; its progress is a function of the clock, so a job
// read back from disk (store.go) is wherever it would be by now.
type job struct {
	seq         uint64
	id          string
	created     time.Time
	scheduledAt time.Time // zero: start at creation
	total       int
	rate        float64 // messages per second, fixed when the job is made
	// failIdx are the sorted indexes (in send order) of failing targets;
	// failures[k] is the answer for failIdx[k].
	failIdx  []int
	failures []failureOut
}

// target names the i-th target of a request (a recipient or a group member).
func target(req campaign.Request, i, groupSize int) string {
	if i < len(req.Recipients) {
		return req.Recipients[i]
	}
	i -= len(req.Recipients)
	return fmt.Sprintf("%s#%d", req.GroupIDs[i/groupSize], i%groupSize+1)
}

func (s *Server) writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

type errBody struct {
	Success bool   `json:"success"`
	Error   string `json:"error"`
	Field   string `json:"field,omitempty"`
}

func (s *Server) fail(w http.ResponseWriter, code int, field, format string, a ...any) {
	s.writeJSON(w, code, errBody{Error: fmt.Sprintf(format, a...), Field: field})
}

// ServeHTTP routes the documented endpoints under the prefix.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.EscapedPath()
	if s.prefix != "" {
		if !strings.HasPrefix(p, s.prefix+"/") {
			s.count(EndpointMisc)
			s.fail(w, http.StatusNotFound, "", "no such endpoint %s (the API lives under %s)", r.URL.Path, s.prefix)
			return
		}
		p = strings.TrimPrefix(p, s.prefix)
	}
	switch {
	case p == "/messages/send":
		s.count(EndpointSend)
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			s.fail(w, http.StatusMethodNotAllowed, "", "use POST for /messages/send")
			return
		}
		s.withChaos(w, r, EndpointSend, func(w http.ResponseWriter) {
			if s.authorised(w, r) {
				s.send(w, r)
			}
		})
	case strings.HasPrefix(p, "/bulk-jobs/") && strings.Count(p, "/") == 2:
		s.count(EndpointJob)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", http.MethodGet)
			s.fail(w, http.StatusMethodNotAllowed, "", "use GET for /bulk-jobs/{id}")
			return
		}
		s.withChaos(w, r, EndpointJob, func(w http.ResponseWriter) {
			if !s.authorised(w, r) {
				return
			}
			id, err := url.PathUnescape(strings.TrimPrefix(p, "/bulk-jobs/"))
			if err != nil {
				s.fail(w, http.StatusBadRequest, "jobId", "job ID is not a valid path segment")
				return
			}
			s.getJob(w, id)
		})
	default:
		s.count(EndpointMisc)
		s.fail(w, http.StatusNotFound, "", "no such endpoint %s", r.URL.Path)
	}
}

func (s *Server) count(endpoint string) {
	s.mu.Lock()
	s.hits[endpoint]++
	s.mu.Unlock()
}

// authorised checks x-api-key only: the sandbox, like us, ignores ?token=.
func (s *Server) authorised(w http.ResponseWriter, r *http.Request) bool {
	if k := r.Header.Get("x-api-key"); k == "" || k != s.key {
		s.writeJSON(w, http.StatusUnauthorized, errBody{Error: "invalid API key"})
		return false
	}
	return true
}

// wireRequest mirrors campaign.Request with raw fields so validation can
// tell "missing" from "wrong type".
type wireRequest struct {
	Type        *string  `json:"type"`
	Content     *string  `json:"content"`
	MediaURL    *string  `json:"mediaUrl"`
	Recipients  []string `json:"recipients"`
	GroupIDs    []string `json:"groupIds"`
	Caption     *string  `json:"caption"`
	ScheduledAt *string  `json:"scheduledAt"`
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func isPhone(s string) bool {
	if len(s) < 8 || len(s) > 15 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// validate returns the field and message of the first problem, as the real
// service plausibly would.
func validate(in wireRequest, now time.Time) (field, msg string, sched time.Time) {
	t := deref(in.Type)
	switch {
	case in.Type == nil || t == "":
		return "type", "type is required: TEXT, IMAGE, VIDEO or DOCUMENT", sched
	case t != "TEXT" && t != "IMAGE" && t != "VIDEO" && t != "DOCUMENT":
		return "type", fmt.Sprintf("type %q is not one of TEXT, IMAGE, VIDEO, DOCUMENT", t), sched
	}
	if t == "TEXT" && strings.TrimSpace(deref(in.Content)) == "" {
		return "content", "content is required for TEXT messages", sched
	}
	if t != "TEXT" {
		u, err := url.Parse(strings.TrimSpace(deref(in.MediaURL)))
		if in.MediaURL == nil || strings.TrimSpace(*in.MediaURL) == "" {
			return "mediaUrl", fmt.Sprintf("mediaUrl is required for %s messages", t), sched
		}
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "mediaUrl", "mediaUrl must be an http(s) URL", sched
		}
	}
	if len(in.Recipients) == 0 && len(in.GroupIDs) == 0 {
		return "recipients", "recipients or groupIds is required", sched
	}
	for i, p := range in.Recipients {
		if !isPhone(p) {
			return "recipients", fmt.Sprintf("recipients[%d] %q is not a phone number: digits only with country code, 8 to 15 digits, e.g. 919999999999", i, p), sched
		}
	}
	for i, g := range in.GroupIDs {
		if strings.TrimSpace(g) == "" {
			return "groupIds", fmt.Sprintf("groupIds[%d] is empty", i), sched
		}
	}
	if in.ScheduledAt != nil && *in.ScheduledAt != "" {
		ts, err := time.Parse(time.RFC3339, *in.ScheduledAt)
		if err != nil {
			return "scheduledAt", fmt.Sprintf("scheduledAt %q is not an ISO 8601 date like 2023-12-25T10:00:00Z", *in.ScheduledAt), sched
		}
		if ts.After(now) {
			sched = ts
		}
	}
	return "", "", sched
}

type messageOut struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	SentAt string `json:"sentAt,omitempty"`
}

func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, s.maxBody+1))
	if err != nil {
		s.fail(w, http.StatusBadRequest, "", "could not read the request body: %v", err)
		return
	}
	if int64(len(body)) > s.maxBody {
		s.fail(w, http.StatusRequestEntityTooLarge, "", "request body over %d bytes: split the recipients into batches (--batch-size)", s.maxBody)
		return
	}
	var in wireRequest
	if err := json.Unmarshal(body, &in); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			s.fail(w, http.StatusBadRequest, te.Field, "%s has the wrong type: expected %s", te.Field, te.Type)
			return
		}
		s.fail(w, http.StatusBadRequest, "", "the body is not valid JSON: %v", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().UTC()
	field, msg, sched := validate(in, now)
	if field != "" {
		s.writeJSON(w, http.StatusBadRequest, errBody{Error: msg, Field: field})
		return
	}
	req := campaign.Request{
		Type: campaign.MessageType(deref(in.Type)), Content: deref(in.Content), MediaURL: deref(in.MediaURL),
		Recipients: in.Recipients, GroupIDs: in.GroupIDs, Caption: deref(in.Caption), ScheduledAt: deref(in.ScheduledAt),
	}
	if req.IsBulk() {
		j, err := s.newJob(req, now, sched)
		if err != nil {
			// Nothing recorded: the job could not be kept as promised.
			s.fail(w, http.StatusInternalServerError, "", "%v", err)
			return
		}
		s.sends = append(s.sends, req)
		if s.hooks != nil {
			s.hooks.sent(req, j, now)
		}
		status := "PROCESSING"
		if !sched.IsZero() {
			status = "SCHEDULED"
		}
		n := len(req.Recipients) + len(req.GroupIDs)*s.groupSize
		s.writeJSON(w, http.StatusOK, map[string]any{
			"success": true, "jobId": j.id, "status": status,
			"message": fmt.Sprintf("Bulk job created with %d recipients", n),
		})
		return
	}
	s.sends = append(s.sends, req)
	if s.hooks != nil {
		start := now
		if !sched.IsZero() {
			start = sched
		}
		s.hooks.sent(req, nil, start)
	}
	msgs := make([]messageOut, len(req.Recipients))
	for i := range msgs {
		s.seq++
		m := messageOut{ID: fmt.Sprintf("msg_%016x", s.hash("msg", s.seq)), Status: "SENT", SentAt: now.Format(time.RFC3339)}
		if !sched.IsZero() {
			m.Status, m.SentAt = "SCHEDULED", ""
		}
		msgs[i] = m
	}
	out := map[string]any{"success": true, "message": msgs[0], "async": false}
	if len(msgs) > 1 {
		out["messages"] = msgs
	}
	s.writeJSON(w, http.StatusOK, out)
}

// hash mixes the seed with a label and a value: IDs and failures are
// deterministic for a seed.
func (s *Server) hash(label string, v uint64) uint64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], s.seed)
	h.Write(b[:])
	h.Write([]byte(label))
	binary.LittleEndian.PutUint64(b[:], v)
	h.Write(b[:])
	return mix(h.Sum64())
}

// fails decides, by seed and recipient, whether a target fails.
func (s *Server) fails(target string) bool {
	if s.failRate <= 0 {
		return false
	}
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], s.seed)
	h.Write(b[:])
	h.Write([]byte(target))
	return float64(mix(h.Sum64())>>11)/float64(1<<53) < s.failRate
}

// mix is splitmix64's finaliser: FNV alone leaves the high bits of
// similar inputs (consecutive phone numbers) nearly equal.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

var failureReasons = []string{
	"number is not on WhatsApp",
	"recipient blocked the sender",
	"message undeliverable: device offline too long",
}

// newJob makes, keeps (WithJobDir) and registers the job for req. Called
// with s.mu held.
func (s *Server) newJob(req campaign.Request, now, sched time.Time) (*job, error) {
	j := &job{created: now, scheduledAt: sched, rate: s.rate,
		total: len(req.Recipients) + len(req.GroupIDs)*s.groupSize}
	for i := 0; i < j.total; i++ {
		if t := target(req, i, s.groupSize); s.fails(t) {
			j.failIdx = append(j.failIdx, i)
			j.failures = append(j.failures, failureOut{Recipient: t, Error: failureReasons[s.hash("why", uint64(i))%uint64(len(failureReasons))]})
		}
	}
	// IDs are unique in this process, and on disk across processes: two
	// sandboxes with the same seed would otherwise hand out the same IDs.
	for {
		s.seq++
		j.seq, j.id = s.seq, fmt.Sprintf("job_%016x", s.hash("job", s.seq))
		if _, taken := s.jobs[j.id]; taken {
			continue
		}
		if s.jobDir == "" {
			break
		}
		saved, err := s.saveJob(j)
		if err != nil {
			return nil, err
		}
		if saved {
			break
		}
	}
	s.jobs[j.id] = j
	return j, nil
}

type failureOut struct {
	Recipient string `json:"recipient"`
	Error     string `json:"error"`
}

type jobOut struct {
	ID          string       `json:"id"`
	Status      string       `json:"status"`
	Total       int          `json:"total"`
	Sent        int          `json:"sent"`
	Failed      int          `json:"failed"`
	Pending     int          `json:"pending"`
	CreatedAt   string       `json:"createdAt"`
	UpdatedAt   string       `json:"updatedAt"`
	ScheduledAt string       `json:"scheduledAt,omitempty"`
	Failures    []failureOut `json:"failures"`
}

func (s *Server) getJob(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		var err error
		if j, err = s.lookupJob(id); err != nil {
			s.fail(w, http.StatusNotFound, "jobId", "job %q not found: %v", id, err)
			return
		}
		if j == nil {
			s.fail(w, http.StatusNotFound, "jobId", "job %q not found", id)
			return
		}
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"success": true, "job": s.progress(j, s.now().UTC())})
}

// progress computes the job's state at now: SCHEDULED until its time, then
// PENDING for a moment, PROCESSING at the configured rate, and COMPLETED
// (FAILED when every target failed).
func (s *Server) progress(j *job, now time.Time) jobOut {
	out := jobOut{
		ID: j.id, Total: j.total, Pending: j.total, Failures: []failureOut{},
		CreatedAt: j.created.Format(time.RFC3339), UpdatedAt: j.created.Format(time.RFC3339),
	}
	start := j.created
	if !j.scheduledAt.IsZero() {
		out.ScheduledAt = j.scheduledAt.Format(time.RFC3339)
		start = j.scheduledAt
	}
	switch {
	case now.Before(start):
		out.Status = "SCHEDULED"
		return out
	case !j.scheduledAt.IsZero() && now.Before(start.Add(queueDelay)):
		out.Status = "PENDING"
		out.UpdatedAt = start.Format(time.RFC3339)
		return out
	}
	if !j.scheduledAt.IsZero() {
		start = start.Add(queueDelay)
	}
	done := min(int(now.Sub(start).Seconds()*j.rate), j.total)
	failed := sort.SearchInts(j.failIdx, done) // failing indexes below done
	out.Sent, out.Failed, out.Pending = done-failed, failed, j.total-done
	if failed > 0 {
		out.Failures = j.failures[:failed] // read-only: encoded, never changed
	}
	end := j.end()
	out.UpdatedAt = now.Format(time.RFC3339)
	switch {
	case done < j.total:
		out.Status = "PROCESSING"
	case failed == j.total:
		out.Status, out.UpdatedAt = "FAILED", end.Format(time.RFC3339)
	default:
		out.Status, out.UpdatedAt = "COMPLETED", end.Format(time.RFC3339)
	}
	return out
}
