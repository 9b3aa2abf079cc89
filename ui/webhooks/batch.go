package webhooks

import (
	"fmt"
	"time"

	"sync"

	"spotcast/campaign"
	"spotcast/campaign/store"
)

// BatchRecorder stores many events in one transaction (store.DB does):
// the receiver groups the requests that arrive while a commit is under
// way, so one durable commit answers many of them.
type BatchRecorder interface {
	RecordWebhooks(ds []store.WebhookDelivery, o store.WebhookOptions) ([]store.WebhookResult, error)
}

// maxBatch is the most events one commit stores.
const maxBatch = 256

// batcher is group commit without a goroutine of its own: the first
// request to arrive leads, committing the requests waiting then (its own
// first), hands the lead to the oldest request still waiting, and
// returns. No request leads more than one commit, so none waits for more
// than two.
type batcher struct {
	single Recorder
	batch  BatchRecorder
	opts   store.WebhookOptions

	mu      sync.Mutex
	pending []*pendingEvent
	leading bool
}

type pendingEvent struct {
	d    store.WebhookDelivery
	res  store.WebhookResult
	err  error
	wake chan bool // true: lead the next commit; false: stored (or not: err)
}

func (b *batcher) record(e campaign.WebhookEvent, body []byte, received time.Time) (store.WebhookResult, error) {
	it := &pendingEvent{d: store.WebhookDelivery{Event: e, Body: body, Received: received}, wake: make(chan bool, 1)}
	b.mu.Lock()
	b.pending = append(b.pending, it)
	lead := !b.leading
	b.leading = true
	b.mu.Unlock()
	if !lead && !<-it.wake {
		return it.res, it.err
	}
	// Leading: it is the oldest waiting, so the first of this batch.
	b.mu.Lock()
	n := min(len(b.pending), maxBatch)
	batch := append([]*pendingEvent(nil), b.pending[:n]...)
	b.pending = append([]*pendingEvent(nil), b.pending[n:]...)
	b.mu.Unlock()
	b.commit(batch)
	b.mu.Lock()
	if len(b.pending) > 0 {
		b.pending[0].wake <- true
	} else {
		b.leading = false
	}
	b.mu.Unlock()
	for _, x := range batch[1:] {
		x.wake <- false
	}
	return it.res, it.err
}

// commit stores batch in one transaction, or, when that fails, each
// event on its own (one bad event does not fail the others).
func (b *batcher) commit(batch []*pendingEvent) {
	if len(batch) > 1 {
		ds := make([]store.WebhookDelivery, len(batch))
		for i, x := range batch {
			ds[i] = x.d
		}
		if rs, err := safeBatch(b.batch, ds, b.opts); err == nil && len(rs) == len(batch) {
			for i, x := range batch {
				x.res = rs[i]
			}
			return
		}
	}
	for _, x := range batch {
		x.res, x.err = safeSingle(b.single, x.d, b.opts)
	}
}

func safeBatch(r BatchRecorder, ds []store.WebhookDelivery, o store.WebhookOptions) (rs []store.WebhookResult, err error) {
	defer func() {
		if v := recover(); v != nil {
			rs, err = nil, fmt.Errorf("storing events: %v", v)
		}
	}()
	return r.RecordWebhooks(ds, o)
}

func safeSingle(r Recorder, d store.WebhookDelivery, o store.WebhookOptions) (res store.WebhookResult, err error) {
	defer func() {
		if v := recover(); v != nil {
			res, err = store.WebhookResult{}, fmt.Errorf("storing an event: %v", v)
		}
	}()
	return r.RecordWebhook(d.Event, d.Body, d.Received, o)
}
