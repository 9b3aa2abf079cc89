package store

import (
	"database/sql"
	"time"

	"spotcast/campaign"
)

// WebhookDelivery is one event for RecordWebhooks.
type WebhookDelivery struct {
	Event    campaign.WebhookEvent
	Body     []byte
	Received time.Time
}

// RecordWebhooks stores events as RecordWebhook does, in order, all in
// one transaction (one durable commit for many: a receiver under load
// groups the requests that arrive together). When it fails nothing is
// stored; the caller may store them one by one.
func (s *DB) RecordWebhooks(ds []WebhookDelivery, o WebhookOptions) ([]WebhookResult, error) {
	out := make([]WebhookResult, len(ds))
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for i, d := range ds {
			r, err := s.recordWebhook(tx, d.Event, d.Body, d.Received, o)
			if err != nil {
				return err
			}
			out[i] = r
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
