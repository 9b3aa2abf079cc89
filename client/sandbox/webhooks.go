package sandbox

import (
	"bytes"
	"container/heap"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"spotcast/campaign"
)

// The sandbox speaks webhooks (SPEC 9): for every message it sends it
// posts what WhatsSpot would, signed with HMAC-SHA256 hex of the exact
// body in X-Hub-Signature: message.ack SENT → DELIVERED → READ by the
// configured shares (some twice, some out of order), an error ack (-1)
// for a message that fails, and message.received replies, some "STOP".
// Message ids are whatsapp-web.js's: true_<number>@c.us_<hex>.
//
// Events are made as a job's messages go out (at its rate, by the
// sandbox's clock) and posted by a few workers from a bounded queue:
// sending never waits for a webhook, and what does not fit is dropped
// and counted.

// WebhookConfig says where and how the sandbox posts events.
type WebhookConfig struct {
	URL    string
	Secret string
	// Shares of the messages sent: delivered, read, replied, and replied
	// STOP (part of the replies). A reply is also read, and a read
	// message delivered, so the shares nest as a funnel does.
	Delivered, Read, Reply, Stop float64
	// Duplicate and Reorder: shares of events posted twice, and of read
	// messages whose READ comes before their DELIVERED.
	Duplicate, Reorder float64
	// MaxDelay is the longest an event follows its message (0: 10 s).
	MaxDelay time.Duration
	// Client posts the events (nil: one with a 10 s timeout).
	Client *http.Client
}

// Default webhook shares.
const (
	DefaultWebhookDelivered = 0.9
	DefaultWebhookRead      = 0.6
	DefaultWebhookReply     = 0.1
	DefaultWebhookStop      = 0.02
	defaultDuplicate        = 0.05
	defaultReorder          = 0.1
	// maxQueuedEvents bounds the events waiting to be posted.
	maxQueuedEvents = 100_000
	webhookWorkers  = 4
)

// DefaultWebhookConfig is cfg with its shares at the defaults.
func DefaultWebhookConfig(url, secret string) WebhookConfig {
	return WebhookConfig{URL: url, Secret: secret, Delivered: DefaultWebhookDelivered, Read: DefaultWebhookRead,
		Reply: DefaultWebhookReply, Stop: DefaultWebhookStop, Duplicate: defaultDuplicate, Reorder: defaultReorder}
}

// WithWebhooks makes the sandbox post events to c.URL.
func WithWebhooks(c WebhookConfig) Option {
	return func(s *Server) {
		if strings.TrimSpace(c.URL) == "" {
			return
		}
		s.hooks = newHooker(s, c)
	}
}

// WebhookStats say what the sandbox made and posted: the messages by
// what became of them (the funnel a receiver should count), and events.
type WebhookStats struct {
	Sent, Delivered, Read, Replied, Stopped, Failed int // messages
	Events, Posted, PostFailures, Dropped           int // events
}

// WebhookStats says what the webhooks did so far (zero without them).
func (s *Server) WebhookStats() WebhookStats {
	if s.hooks == nil {
		return WebhookStats{}
	}
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	return s.hooks.stats
}

// FlushWebhooks waits until every event made so far and due by the
// sandbox's clock has been posted (or ctx ends).
func (s *Server) FlushWebhooks(ctx context.Context) error {
	if s.hooks == nil {
		return nil
	}
	for {
		h := s.hooks
		h.mu.Lock()
		busy := len(h.jobs) > 0 || len(h.queue) > 0 || h.inFlight > 0
		h.mu.Unlock()
		if !busy {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// CloseWebhooks stops posting (events not yet posted are dropped).
func (s *Server) CloseWebhooks() {
	if s.hooks != nil {
		s.hooks.close()
	}
}

type hookJob struct {
	numbers []string
	failIdx []int // sorted
	start   time.Time
	rate    float64 // 0: all at start
	next    int
	seq     uint64
}

type hookEvent struct {
	due  time.Time
	body []byte
}

type eventHeap []hookEvent

func (h eventHeap) Len() int           { return len(h) }
func (h eventHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h eventHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)        { *h = append(*h, x.(hookEvent)) }
func (h *eventHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

type hooker struct {
	s      *Server
	cfg    WebhookConfig
	client *http.Client
	post   chan []byte
	stop   chan struct{}
	once   sync.Once
	wg     sync.WaitGroup

	mu       sync.Mutex
	jobs     []*hookJob
	queue    eventHeap
	inFlight int
	stats    WebhookStats
	seq      uint64
}

func newHooker(s *Server, c WebhookConfig) *hooker {
	c.Delivered, c.Read, c.Reply, c.Stop = clamp01(c.Delivered), clamp01(c.Read), clamp01(c.Reply), clamp01(c.Stop)
	c.Read = min(c.Read, c.Delivered)
	c.Reply = max(c.Reply, c.Stop)
	c.Duplicate, c.Reorder = clamp01(c.Duplicate), clamp01(c.Reorder)
	if c.MaxDelay <= 0 {
		c.MaxDelay = 10 * time.Second
	}
	h := &hooker{s: s, cfg: c, client: c.Client, post: make(chan []byte, 64), stop: make(chan struct{})}
	if h.client == nil {
		h.client = &http.Client{Timeout: 10 * time.Second}
	}
	return h
}

// start runs the loop and the posting workers, once.
func (h *hooker) start() {
	h.once.Do(func() {
		h.wg.Add(1 + webhookWorkers)
		go h.loop()
		for range webhookWorkers {
			go h.worker()
		}
	})
}

func (h *hooker) close() {
	h.mu.Lock()
	select {
	case <-h.stop:
	default:
		close(h.stop)
	}
	h.mu.Unlock()
	h.wg.Wait()
}

// sent hears of an accepted request (called with s.mu held; never
// blocks): its phone-number recipients go out from start at rate.
func (h *hooker) sent(req campaign.Request, j *job, now time.Time) {
	hj := &hookJob{numbers: req.Recipients, start: now}
	if j != nil {
		hj.rate, hj.failIdx, hj.start = j.rate, j.failIdx, j.created
		if !j.scheduledAt.IsZero() {
			hj.start = j.scheduledAt.Add(queueDelay)
		}
	}
	if len(hj.numbers) == 0 {
		return
	}
	h.mu.Lock()
	h.seq++
	hj.seq = h.seq
	h.jobs = append(h.jobs, hj)
	h.mu.Unlock()
	h.start()
}

// unit is a deterministic number in [0, 1) for a message and a label.
func (h *hooker) unit(label string, seq uint64, i int) float64 {
	return float64(h.s.hash(label, seq<<24^uint64(i))>>11) / float64(1<<53)
}

func (h *hooker) loop() {
	defer h.wg.Done()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-tick.C:
		}
		now := h.s.now()
		h.mu.Lock()
		h.generate(now)
		var due [][]byte
		for len(h.queue) > 0 && !h.queue[0].due.After(now) && len(due) < cap(h.post) {
			due = append(due, heap.Pop(&h.queue).(hookEvent).body)
		}
		h.inFlight += len(due)
		h.mu.Unlock()
		for _, b := range due {
			select {
			case h.post <- b:
			case <-h.stop:
				return
			}
		}
	}
}

// generate makes the events of every message sent by now. h.mu held.
func (h *hooker) generate(now time.Time) {
	keep := h.jobs[:0]
	for _, j := range h.jobs {
		for j.next < len(j.numbers) {
			at := j.start
			if j.rate > 0 {
				at = j.start.Add(time.Duration(float64(j.next) / j.rate * float64(time.Second)))
			}
			if at.After(now) {
				break
			}
			k := sort.SearchInts(j.failIdx, j.next)
			h.message(j, j.next, at, k < len(j.failIdx) && j.failIdx[k] == j.next)
			j.next++
		}
		if j.next < len(j.numbers) {
			keep = append(keep, j)
		}
	}
	clear(h.jobs[len(keep):])
	h.jobs = keep
}

// message makes the events of message i of j, sent at at. h.mu held.
func (h *hooker) message(j *hookJob, i int, at time.Time, failed bool) {
	num := j.numbers[i]
	if !isPhone(num) {
		return
	}
	id := fmt.Sprintf("true_%s@c.us_3EB0%016X", num, h.s.hash("wmsg", j.seq<<24^uint64(i)))
	d := func(lo, hi float64, label string) time.Time { // lo..hi of MaxDelay after at
		f := lo + (hi-lo)*h.unit(label, j.seq, i)
		return at.Add(250*time.Millisecond + time.Duration(f*float64(h.cfg.MaxDelay)))
	}
	add := func(due time.Time, v any, kind string) {
		b, _ := json.Marshal(v)
		h.push(due, b)
		if h.unit("dup"+kind, j.seq, i) < h.cfg.Duplicate {
			h.push(due.Add(h.cfg.MaxDelay/10), b)
		}
	}
	type ackData struct {
		ID     string `json:"id"`
		Status string `json:"status,omitempty"`
		Ack    int    `json:"ack"`
		FromMe bool   `json:"fromMe"`
	}
	ack := func(due time.Time, status string, n int) {
		add(due, map[string]any{"event": "message.ack", "data": ackData{ID: id, Status: status, Ack: n, FromMe: true}}, status)
	}
	if failed {
		h.stats.Failed++
		ack(d(0, 0.05, "err"), "", -1)
		return
	}
	h.stats.Sent++
	ack(d(0, 0.02, "sent"), "SENT", 1)
	// A reply means the message was read, and reading that it arrived.
	r := h.unit("reply", j.seq, i)
	replied := r < h.cfg.Reply
	u := h.unit("fate", j.seq, i)
	isRead := replied || u < h.cfg.Read
	isDelivered := isRead || u < h.cfg.Delivered
	delivered, read := d(0.05, 0.3, "dlv"), d(0.3, 0.7, "read")
	if isRead && h.unit("order", j.seq, i) < h.cfg.Reorder {
		delivered, read = read, delivered
	}
	if isDelivered {
		h.stats.Delivered++
		ack(delivered, "DELIVERED", 2)
	}
	if isRead {
		h.stats.Read++
		ack(read, "READ", 3)
	}
	if !replied {
		return
	}
	h.stats.Replied++
	text := []string{"Thanks!", "Is this still available?", "ok", "Call me please"}[int(h.unit("text", j.seq, i)*4)%4]
	if r < h.cfg.Stop {
		h.stats.Stopped++
		text = "STOP"
	}
	due := d(0.7, 1, "rdue")
	add(due, map[string]any{"event": "message.received", "data": map[string]any{
		"id":   fmt.Sprintf("false_%s@c.us_3EB0%016X", num, h.s.hash("wreply", j.seq<<24^uint64(i))),
		"from": num + "@c.us", "to": "sandbox@c.us", "body": text, "fromMe": false, "type": "chat",
		"timestamp": (due.UnixNano() + int64(time.Second) - 1) / int64(time.Second),
	}}, "reply")
}

func (h *hooker) push(due time.Time, body []byte) {
	if len(h.queue) >= maxQueuedEvents {
		h.stats.Dropped++
		return
	}
	h.stats.Events++
	heap.Push(&h.queue, hookEvent{due: due, body: body})
}

func (h *hooker) worker() {
	defer h.wg.Done()
	for {
		select {
		case <-h.stop:
			return
		case b := <-h.post:
			ok := h.deliver(b)
			h.mu.Lock()
			h.inFlight--
			if ok {
				h.stats.Posted++
			} else {
				h.stats.PostFailures++
			}
			h.mu.Unlock()
		}
	}
}

// deliver posts one event, trying again (three times in all) when the
// receiver is unreachable or answers 5xx or 429, as WhatsSpot retries.
func (h *hooker) deliver(body []byte) bool {
	sig := campaign.SignWebhook([]byte(h.cfg.Secret), body)
	for try := range 3 {
		if try > 0 {
			select {
			case <-h.stop:
				return false
			case <-time.After(time.Duration(try) * 200 * time.Millisecond):
			}
		}
		req, err := http.NewRequest(http.MethodPost, h.cfg.URL, bytes.NewReader(body))
		if err != nil {
			return false
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "spotcast-sandbox-webhooks")
		req.Header.Set("X-Hub-Signature", sig)
		resp, err := h.client.Do(req)
		if err != nil {
			continue
		}
		resp.Body.Close()
		if resp.StatusCode < 300 {
			return true
		}
		if resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests {
			return false
		}
	}
	return false
}
