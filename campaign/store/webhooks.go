package store

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"spotcast/campaign"
)

// WebhookOptions are the attribution rules (SPEC 9).
type WebhookOptions struct {
	// Window: an event belongs to the most recent campaign that sent to
	// its number at most this long before it (0: 7 days).
	Window time.Duration
	// ReplyWindow: a reply counts as Replied for a campaign sent to that
	// number at most this long before it (0: 72 hours).
	ReplyWindow time.Duration
	// OptOutKeywords are added to campaign.OptOutKeywords.
	OptOutKeywords []string
}

func (o WebhookOptions) window() time.Duration {
	if o.Window > 0 {
		return o.Window
	}
	return 7 * 24 * time.Hour
}

func (o WebhookOptions) replyWindow() time.Duration {
	if o.ReplyWindow > 0 {
		return o.ReplyWindow
	}
	return 72 * time.Hour
}

// WebhookResult is what storing an event did.
type WebhookResult struct {
	// Duplicate: the same event was stored before; nothing changed.
	Duplicate bool
	// CampaignID is the campaign the event was attributed to ("":
	// unattributed).
	CampaignID string
	// OptedOut / OptedIn: the reply put its number on the suppression
	// list, or took it off.
	OptedOut, OptedIn bool
}

// dedupeKey is what makes two deliveries of an event the same: its kind,
// message id and what it says (an ack's status; a reply's id), or the
// body itself when it has no id.
func dedupeKey(e campaign.WebhookEvent, body []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", e.Kind, e.MessageID)
	switch {
	case e.Kind == campaign.WebhookAck:
		fmt.Fprintf(h, "%d\x00%t\x00%t", e.Status, e.Failed, e.Known)
	case e.MessageID == "":
		h.Write(body)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// deviceID is the one WhatsApp session a WhatsSpot key sends through.
const deviceID = "whatsspot"

// RecordWebhook stores an event, then folds it in, in one transaction:
// an ack raises its recipient's status (never lowers it; an error ack is
// Failed), a reply marks the campaign Replied and may opt its number out
// or in, a disconnection is remembered until a later event shows the
// device back. A duplicate changes nothing.
func (s *DB) RecordWebhook(e campaign.WebhookEvent, body []byte, received time.Time, o WebhookOptions) (WebhookResult, error) {
	var res WebhookResult
	err := s.tx(ctx, func(tx *sql.Tx) (err error) {
		res, err = s.recordWebhook(tx, e, body, received, o)
		return err
	})
	return res, err
}

// recordWebhook is RecordWebhook inside tx.
func (s *DB) recordWebhook(tx *sql.Tx, e campaign.WebhookEvent, body []byte, received time.Time, o WebhookOptions) (WebhookResult, error) {
	var res WebhookResult
	at := e.At
	if at.IsZero() || at.After(received.Add(time.Hour)) {
		at = received // no time of its own, or one from a wrong clock
	}
	key := dedupeKey(e, body)
	err := func() error {
		number := e.Number
		if e.Kind == campaign.WebhookReceived {
			number = e.From
		}
		r, err := tx.ExecContext(ctx, s.q(`INSERT INTO webhook_events (received_at, kind, message_id, number, dedupe, body) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (dedupe) DO NOTHING`), received.UnixNano(), string(e.Kind), e.MessageID, number, key, string(body))
		if err != nil {
			return fmt.Errorf("storing a webhook event: %w", err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			res.Duplicate = true
			return nil
		}
		if e.Kind == campaign.WebhookDisconnected {
			return s.setDevice(tx, false, received)
		}
		if err := s.setDevice(tx, true, received); err != nil {
			return err
		}
		switch {
		case e.Kind == campaign.WebhookAck && e.FromMe && number != "" && e.Known:
			if res.CampaignID, err = s.attribute(tx, number, at, o.window()); err != nil || res.CampaignID == "" {
				return err
			}
			_, err = tx.ExecContext(ctx, s.q(`UPDATE recipients SET
				status = CASE WHEN status < ? THEN ? ELSE status END,
				failed = CASE WHEN ? = 1 THEN 1 ELSE failed END,
				updated_at = ? WHERE campaign_id = ? AND recipient = ?`),
				int(e.Status), int(e.Status), boolInt(e.Failed), received.UnixNano(), res.CampaignID, number)
		case e.Kind == campaign.WebhookReceived && !e.FromMe && number != "":
			res.OptedOut, res.OptedIn = campaign.OptReply(e.Text, o.OptOutKeywords)
			switch {
			case res.OptedOut:
				err = s.suppress(tx, number, "reply", campaign.SanitizeLine(e.Text, 40), at)
			case res.OptedIn:
				_, err = tx.ExecContext(ctx, s.q(`DELETE FROM suppressions WHERE number = ?`), number)
			}
			if err != nil {
				return err
			}
			if res.CampaignID, err = s.attribute(tx, number, at, o.replyWindow()); err != nil || res.CampaignID == "" {
				return err
			}
			_, err = tx.ExecContext(ctx, s.q(`UPDATE recipients SET replied_at = ? WHERE campaign_id = ? AND recipient = ? AND replied_at = 0`),
				at.UnixNano(), res.CampaignID, number)
		}
		if err != nil {
			return err
		}
		if res.CampaignID != "" {
			_, err = tx.ExecContext(ctx, s.q(`UPDATE webhook_events SET campaign_id = ? WHERE dedupe = ?`), res.CampaignID, key)
		}
		return err
	}()
	return res, err
}

// attribute is the most recent campaign whose accepted batch went to
// number at most window before at ("" when none).
func (s *DB) attribute(tx *sql.Tx, number string, at time.Time, window time.Duration) (string, error) {
	var id string
	err := tx.QueryRowContext(ctx, s.q(`SELECT r.campaign_id FROM recipients r
		JOIN batches b ON b.campaign_id = r.campaign_id AND b.idx = r.batch
		WHERE r.recipient = ? AND b.state = 'accepted' AND b.accepted_at <= ? AND b.accepted_at >= ?
		ORDER BY b.accepted_at DESC LIMIT 1`), number, at.UnixNano(), at.Add(-window).UnixNano()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

func (s *DB) setDevice(tx *sql.Tx, connected bool, at time.Time) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO devices (id, connected, at) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET connected = excluded.connected, at = excluded.at
		WHERE devices.connected <> excluded.connected`), deviceID, boolInt(connected), at.UnixNano())
	return err
}

// DeviceDisconnected says since when WhatsSpot's device has been
// disconnected (a device.disconnected event with no later event); zero
// when it is not known to be.
func (s *DB) DeviceDisconnected() (time.Time, error) {
	var (
		connected int
		at        int64
	)
	err := s.db.QueryRowContext(ctx, s.q(`SELECT connected, at FROM devices WHERE id = ?`), deviceID).Scan(&connected, &at)
	if errors.Is(err, sql.ErrNoRows) || connected == 1 {
		return time.Time{}, nil
	}
	return fromNano(at), err
}

// Suppression is one number that must not be sent to.
type Suppression struct {
	Number string    `json:"number"`
	Source string    `json:"source"` // reply, manual, import
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

func (s *DB) suppress(tx *sql.Tx, number, source, reason string, at time.Time) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO suppressions (number, source, reason, at) VALUES (?, ?, ?, ?)
		ON CONFLICT (number) DO NOTHING`), number, source, reason, at.UnixNano())
	return err
}

// Suppress puts numbers (E.164 digits) on the suppression list; those on
// it already keep their first source. It reports how many were added.
func (s *DB) Suppress(numbers []string, source, reason string) (int, error) {
	added := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, n := range numbers {
			r, err := tx.ExecContext(ctx, s.q(`INSERT INTO suppressions (number, source, reason, at) VALUES (?, ?, ?, ?)
				ON CONFLICT (number) DO NOTHING`), n, source, reason, s.now().UnixNano())
			if err != nil {
				return err
			}
			if k, _ := r.RowsAffected(); k > 0 {
				added++
			}
		}
		return nil
	})
	return added, err
}

// Unsuppress takes numbers off the list; it reports how many were on it.
func (s *DB) Unsuppress(numbers []string) (int, error) {
	removed := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, n := range numbers {
			r, err := tx.ExecContext(ctx, s.q(`DELETE FROM suppressions WHERE number = ?`), n)
			if err != nil {
				return err
			}
			if k, _ := r.RowsAffected(); k > 0 {
				removed++
			}
		}
		return nil
	})
	return removed, err
}

// Suppressions lists the suppression list, by number.
func (s *DB) Suppressions() ([]Suppression, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT number, source, reason, at FROM suppressions ORDER BY number`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Suppression
	for rows.Next() {
		var (
			x  Suppression
			at int64
		)
		if err := rows.Scan(&x.Number, &x.Source, &x.Reason, &at); err != nil {
			return nil, err
		}
		x.At = fromNano(at)
		out = append(out, x)
	}
	return out, rows.Err()
}

// SuppressedSet is the suppression list as a set, for filtering an
// audience.
func (s *DB) SuppressedSet() (map[string]bool, error) {
	list, err := s.Suppressions()
	if err != nil {
		return nil, err
	}
	set := make(map[string]bool, len(list))
	for _, x := range list {
		set[x.Number] = true
	}
	return set, nil
}

// The funnel's types are the campaign's (its FunnelReader port).
type (
	Funnel         = campaign.Funnel
	Report         = campaign.Report
	RecipientState = campaign.RecipientState
)

var _ campaign.FunnelReader = (*DB)(nil)

// Report counts a campaign's funnel in one query over its recipients.
func (s *DB) Report(campaignID string) (*Report, error) {
	rep := &Report{CampaignID: campaignID}
	var created int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT created_at, suppressed FROM campaigns WHERE id = ?`), campaignID).Scan(&created, &rep.Funnel.Suppressed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	f := &rep.Funnel
	// One SUM per status, from the same conditions the drill-down lists by;
	// scanned in campaign.FunnelStatuses' order.
	var sums strings.Builder
	for _, st := range campaign.FunnelStatuses {
		fmt.Fprintf(&sums, "COALESCE(SUM(CASE WHEN %s THEN 1 ELSE 0 END), 0), ", funnelCond[st])
	}
	err = s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*), `+sums.String()+`COALESCE(MAX(r.updated_at), 0)
		FROM recipients r JOIN batches b ON b.campaign_id = r.campaign_id AND b.idx = r.batch
		WHERE r.campaign_id = ?`), campaignID).Scan(&rep.Recipients, &f.Accepted, &f.Sent, &f.Delivered, &f.Read, &f.Replied, &f.Failed, &f.NotSent, &f.Unknown, new(int64))
	if err != nil {
		return nil, fmt.Errorf("counting campaign %s: %w", campaignID, err)
	}
	var last int64
	if err := s.db.QueryRowContext(ctx, s.q(`SELECT COALESCE(MAX(received_at), 0) FROM webhook_events WHERE campaign_id = ?`), campaignID).Scan(&last); err != nil {
		return nil, err
	}
	if err := s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM webhook_events WHERE campaign_id = '' AND received_at >= ? AND kind IN ('message.ack', 'message.received')`), created).Scan(&rep.Unattributed); err != nil {
		return nil, err
	}
	rep.AsOf = fromNano(last)
	if rep.AsOf.IsZero() {
		rep.AsOf = s.now().UTC()
	}
	return rep, nil
}

// funnelCond is each of campaign.FunnelStatuses as SQL over a recipient
// r and its batch b: cumulative, as the funnel counts (a reply shows the
// message arrived and was read).
var funnelCond = map[string]string{
	"accepted":  "b.state = 'accepted'",
	"sent":      "b.state = 'accepted' AND (r.status >= 1 OR r.replied_at > 0)",
	"delivered": "b.state = 'accepted' AND (r.status >= 2 OR r.replied_at > 0)",
	"read":      "b.state = 'accepted' AND (r.status >= 3 OR r.replied_at > 0)",
	"replied":   "r.replied_at > 0",
	"failed":    "r.failed = 1",
	"notsent":   "b.state IN ('pending', 'rejected')",
	"unknown":   "b.state IN ('unknown', 'sending')",
}

// RecipientsWith lists a campaign's recipients of one funnel status
// (cumulative as the funnel counts them), by number.
func (s *DB) RecipientsWith(campaignID, status string) ([]RecipientState, error) {
	st, ok := campaign.FunnelStatus(status)
	if !ok {
		return nil, fmt.Errorf("%q is not a funnel status: use one of %s", campaign.SanitizeLine(status, 30), strings.Join(campaign.FunnelStatuses, ", "))
	}
	cond := funnelCond[st]
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT r.recipient, r.status, r.failed, r.replied_at, r.updated_at, b.state, b.error
		FROM recipients r JOIN batches b ON b.campaign_id = r.campaign_id AND b.idx = r.batch
		WHERE r.campaign_id = ? AND `+cond+` ORDER BY r.recipient`), campaignID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RecipientState
	for rows.Next() {
		var (
			x                RecipientState
			st, failed       int
			replied, updated int64
			batchState, berr string
		)
		if err := rows.Scan(&x.Recipient, &st, &failed, &replied, &updated, &batchState, &berr); err != nil {
			return nil, err
		}
		switch {
		case failed == 1:
			x.Status = "failed"
		case replied > 0:
			x.Status = "replied"
		case batchState == string(campaign.StateAccepted):
			x.Status = campaign.DeliveryStatus(st).String()
		case batchState == stateSending:
			x.Status = string(campaign.StateUnknown)
		default:
			x.Status, x.Error = batchState, berr
		}
		x.UpdatedAt = fromNano(updated)
		out = append(out, x)
	}
	return out, rows.Err()
}
