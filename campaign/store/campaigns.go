package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"spotcast/campaign"
)

// ctx is the context of store calls: the campaign.Store port has none,
// and a durable write is not abandoned halfway anyway.
var ctx = context.Background()

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CreateCampaign stores the campaign, its batch plan and its created
// event in one transaction.
func (s *DB) CreateCampaign(cf campaign.CampaignFile, e campaign.Event) error {
	if err := campaign.CheckCampaignID(cf.CampaignID); err != nil {
		return err
	}
	file, err := json.Marshal(cf)
	if err != nil {
		return fmt.Errorf("encoding campaign %s: %w", cf.CampaignID, err)
	}
	if e.At.IsZero() {
		e.At = s.now()
	}
	e.At = e.At.UTC()
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.insertCampaign(tx, e, string(file), false); err != nil {
			return err
		}
		if err := s.insertRecipients(tx, cf); err != nil {
			return err
		}
		return s.insertEvent(tx, e)
	})
}

// insertCampaign adds the campaign row, its operator and its planned
// batches (pending) from a created event.
func (s *DB) insertCampaign(tx *sql.Tx, e campaign.Event, file string, incomplete bool) error {
	created := e.CreatedAt
	if created.IsZero() {
		created = e.At
	}
	var fileArg any
	if file != "" {
		fileArg = file
	}
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO campaigns (id, created_at, operator, type, recipients, groups_n, batch_size, scheduled_at, api, sandbox, incomplete, file, suppressed)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		e.CampaignID, unixNano(created), e.Operator, string(e.Type), e.Recipients, e.Groups, e.BatchSize,
		unixNano(e.ScheduledAt), e.API, boolInt(e.Sandbox), boolInt(incomplete), fileArg, e.Suppressed)
	if err != nil {
		return fmt.Errorf("storing campaign %s: %w", e.CampaignID, err)
	}
	if err := s.seeOperator(tx, e.Operator); err != nil {
		return err
	}
	const chunk = 400 // rows per INSERT: well under both engines' parameter limits
	for lo := 0; lo < len(e.Plan); lo += chunk {
		part := e.Plan[lo:min(lo+chunk, len(e.Plan))]
		var b strings.Builder
		args := make([]any, 0, len(part)*5)
		b.WriteString(`INSERT INTO batches (campaign_id, idx, recipients, groups_n, request_hash, state) VALUES `)
		for i, p := range part {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, 'pending')")
			args = append(args, e.CampaignID, p.Index, p.Recipients, p.Groups, p.RequestHash)
		}
		if _, err := tx.ExecContext(ctx, s.q(b.String()), args...); err != nil {
			return fmt.Errorf("storing the batches of campaign %s: %w", e.CampaignID, err)
		}
	}
	return nil
}

// insertRecipients adds a row per recipient (its batch, no delivery news
// yet): what webhooks are attributed to and the funnel counts.
func (s *DB) insertRecipients(tx *sql.Tx, cf campaign.CampaignFile) error {
	rs := cf.Campaign.Recipients
	size := cf.BatchSize
	if size <= 0 || size >= len(rs) {
		size = max(len(rs), 1)
	}
	const chunk = 300
	for lo := 0; lo < len(rs); lo += chunk {
		part := rs[lo:min(lo+chunk, len(rs))]
		var b strings.Builder
		args := make([]any, 0, len(part)*3)
		b.WriteString(`INSERT INTO recipients (campaign_id, recipient, batch) VALUES `)
		for i, r := range part {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?)")
			args = append(args, cf.CampaignID, r, (lo+i)/size)
		}
		// A number listed twice is one recipient.
		b.WriteString(" ON CONFLICT (campaign_id, recipient) DO NOTHING")
		if _, err := tx.ExecContext(ctx, s.q(b.String()), args...); err != nil {
			return fmt.Errorf("storing the recipients of campaign %s: %w", cf.CampaignID, err)
		}
	}
	return nil
}

// seeOperator records that an operator was active now.
func (s *DB) seeOperator(tx *sql.Tx, operator string) error {
	now := s.now().UnixNano()
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO operators (id, first_seen, last_seen) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen`), operator, now, now)
	if err != nil {
		return fmt.Errorf("storing operator: %w", err)
	}
	return nil
}

func (s *DB) insertEvent(tx *sql.Tx, e campaign.Event) error {
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encoding %s event: %w", e.Kind, err)
	}
	var batch any
	if e.Batch != nil {
		batch = *e.Batch
	}
	_, err = tx.ExecContext(ctx, s.q(`INSERT INTO events (campaign_id, batch, kind, at, body) VALUES (?, ?, ?, ?, ?)`),
		e.CampaignID, batch, string(e.Kind), unixNano(e.At), string(body))
	if err != nil {
		return fmt.Errorf("storing %s event: %w", e.Kind, err)
	}
	return nil
}

// stateSending is a batch whose request was begun; readers see it as
// unknown (it may have arrived), as the journal's fold does.
const stateSending = "sending"

// interrupted is the error of a batch read while its request was begun
// and no outcome stored.
const interrupted = "spotcast stopped while sending this batch, or is sending it now; the request may have reached the API"

// Append stores one batch event and folds it into the batch's row, in one
// transaction. A pending event is the last word before a POST: it is
// refused for a batch already accepted, and unless this process holds
// the campaign's claim (a lease another host may have taken over).
func (s *DB) Append(e campaign.Event) error {
	if e.Kind == campaign.EventCreated {
		return errors.New("store: a created event is stored with CreateCampaign")
	}
	if e.Batch == nil {
		return fmt.Errorf("store: %s event for campaign %s without a batch index", e.Kind, e.CampaignID)
	}
	if e.At.IsZero() {
		e.At = s.now()
	}
	e.At = e.At.UTC()
	i := *e.Batch
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var state string
		err := tx.QueryRowContext(ctx, s.q(`SELECT state FROM batches WHERE campaign_id = ? AND idx = ?`+s.d.forUpdate), e.CampaignID, i).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) {
			if e.Kind == campaign.EventJob {
				// A poll of a job whose campaign this store does not
				// hold (sent from elsewhere): nothing to fold it into.
				return errSkip
			}
			return fmt.Errorf("campaign %s has no batch %d in %s", e.CampaignID, i+1, s.where)
		}
		if err != nil {
			return err
		}
		if e.Kind == campaign.EventSuppressed {
			return s.insertEvent(tx, e) // for the record: the batch is unchanged
		}
		set, args := "", []any{}
		switch e.Kind {
		case campaign.EventPending:
			if state == string(campaign.StateAccepted) {
				return fmt.Errorf("batch %d of campaign %s was already accepted; it is not sent again", i+1, e.CampaignID)
			}
			if err := s.holdsClaim(tx, e.CampaignID); err != nil {
				return err
			}
			set, args = `state = ?, error = ''`, []any{stateSending}
		case campaign.EventAccepted:
			msgs := ""
			if len(e.Messages) > 0 {
				b, _ := json.Marshal(e.Messages)
				msgs = string(b)
			}
			set, args = `state = ?, error = '', job_id = ?, job_status = ?, messages = ?, accepted_at = ?`, []any{string(campaign.StateAccepted), e.JobID, e.Status, msgs, unixNano(e.At)}
		case campaign.EventRejected:
			set, args = `state = ?, error = ?`, []any{string(campaign.StateRejected), e.Error}
		case campaign.EventUnknown:
			set, args = `state = ?, error = ?`, []any{string(campaign.StateUnknown), e.Error}
		case campaign.EventNotSent, campaign.EventThrottled:
			set, args = `state = ?, error = ?`, []any{string(campaign.StatePending), e.Error}
		case campaign.EventJob:
			set = `job_status = ?, total = ?, sent = ?, failed = ?, pending = ?`
			args = []any{e.Status, nullInt(e.Total), nullInt(e.Sent), nullInt(e.Failed), nullInt(e.Pending)}
			if e.JobID != "" {
				set += `, job_id = ?`
				args = append(args, e.JobID)
			}
		default:
			return fmt.Errorf("store: unknown event %q", campaign.SanitizeLine(string(e.Kind), 30))
		}
		args = append(args, unixNano(e.At), e.CampaignID, i)
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE batches SET `+set+`, updated_at = ? WHERE campaign_id = ? AND idx = ?`), args...); err != nil {
			return fmt.Errorf("storing %s event: %w", e.Kind, err)
		}
		return s.insertEvent(tx, e)
	})
	if err == errSkip {
		return nil
	}
	return err
}

// errSkip rolls back an event there is nothing to fold into.
var errSkip = errors.New("skipped")

func nullInt(p *int) any {
	if p == nil {
		return nil
	}
	return int64(*p)
}

func intPtr(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}

const campaignCols = `id, created_at, operator, type, recipients, groups_n, batch_size, scheduled_at, api, sandbox, incomplete`

func scanCampaign(rows interface{ Scan(...any) error }) (campaign.CampaignRecord, error) {
	var (
		r                    campaign.CampaignRecord
		created, sched       int64
		typ                  string
		sandbox, incomplete  int
		recips, groups, size int64
	)
	err := rows.Scan(&r.CampaignID, &created, &r.Operator, &typ, &recips, &groups, &size, &sched, &r.API, &sandbox, &incomplete)
	r.CreatedAt, r.ScheduledAt, r.Type = fromNano(created), fromNano(sched), campaign.MessageType(typ)
	r.Recipients, r.Groups, r.BatchSize = int(recips), int(groups), int(size)
	r.Sandbox, r.Incomplete = sandbox != 0, incomplete != 0
	return r, err
}

// filter is the WHERE clause of q, the SQL form of CampaignQuery.Match.
func (s *DB) filter(q campaign.CampaignQuery) (string, []any) {
	var (
		conds []string
		args  []any
	)
	if q.Operator != "" {
		conds, args = append(conds, "operator = ?"), append(args, q.Operator)
	}
	if !q.Since.IsZero() {
		conds, args = append(conds, "created_at >= ?"), append(args, q.Since.UnixNano())
	}
	if q.Status != "" {
		state, job := campaign.StatusFilter(q.Status)
		switch {
		case state == campaign.StateUnknown:
			conds = append(conds, "EXISTS (SELECT 1 FROM batches b WHERE b.campaign_id = campaigns.id AND b.state IN ('unknown', 'sending'))")
		case state != "":
			conds, args = append(conds, "EXISTS (SELECT 1 FROM batches b WHERE b.campaign_id = campaigns.id AND b.state = ?)"), append(args, string(state))
		default:
			conds, args = append(conds, "EXISTS (SELECT 1 FROM batches b WHERE b.campaign_id = campaigns.id AND UPPER(b.job_status) = ?)"), append(args, job)
		}
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// Campaigns is one page of the campaigns q selects, newest first: one
// query for the page, one for their batches, one for the count.
func (s *DB) Campaigns(q campaign.CampaignQuery) (campaign.CampaignPage, error) {
	var p campaign.CampaignPage
	w, args := s.filter(q)
	if err := s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM campaigns`+w), args...).Scan(&p.Total); err != nil {
		return p, fmt.Errorf("listing campaigns in %s: %w", s.where, err)
	}
	query := `SELECT ` + campaignCols + ` FROM campaigns` + w + ` ORDER BY created_at DESC, id DESC`
	if q.Limit > 0 || q.Offset > 0 {
		// SQLite takes an OFFSET only after a LIMIT: without a page size
		// the count just read bounds it.
		limit := q.Limit
		if limit <= 0 {
			limit = max(p.Total, 1)
		}
		query += fmt.Sprintf(" LIMIT %d OFFSET %d", limit, max(q.Offset, 0))
	}
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return p, fmt.Errorf("listing campaigns in %s: %w", s.where, err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanCampaign(rows)
		if err != nil {
			return p, err
		}
		p.Campaigns = append(p.Campaigns, r)
	}
	if err := rows.Err(); err != nil {
		return p, err
	}
	rows.Close()
	return p, s.loadBatches(p.Campaigns)
}

// loadBatches fills the batches of recs.
func (s *DB) loadBatches(recs []campaign.CampaignRecord) error {
	if len(recs) == 0 {
		return nil
	}
	at := make(map[string]int, len(recs))
	ids := make([]any, len(recs))
	for i, r := range recs {
		at[r.CampaignID], ids[i] = i, r.CampaignID
	}
	const chunk = 500
	for lo := 0; lo < len(ids); lo += chunk {
		part := ids[lo:min(lo+chunk, len(ids))]
		rows, err := s.db.QueryContext(ctx, s.q(`SELECT campaign_id, idx, recipients, groups_n, request_hash, state, job_id, job_status, messages, error, total, sent, failed, pending, updated_at
			FROM batches WHERE campaign_id IN (`+placeholders(len(part))+`) ORDER BY campaign_id, idx`), part...)
		if err != nil {
			return fmt.Errorf("reading batches: %w", err)
		}
		for rows.Next() {
			var (
				b                            campaign.BatchRecord
				id, state, msgs              string
				idx, recips, groups, updated int64
				total, sent, failed, pending sql.NullInt64
			)
			if err := rows.Scan(&id, &idx, &recips, &groups, &b.RequestHash, &state, &b.JobID, &b.JobStatus, &msgs, &b.Error, &total, &sent, &failed, &pending, &updated); err != nil {
				rows.Close()
				return err
			}
			b.Index, b.Recipients, b.Groups, b.UpdatedAt = int(idx), int(recips), int(groups), fromNano(updated)
			b.State = campaign.BatchState(state)
			if state == stateSending {
				b.State, b.Error = campaign.StateUnknown, interrupted
			}
			if msgs != "" {
				if err := json.Unmarshal([]byte(msgs), &b.Messages); err != nil {
					b.Error = strings.TrimSpace(b.Error + " (its message IDs are unreadable)")
				}
			}
			b.Total, b.Sent, b.Failed, b.Pending = intPtr(total), intPtr(sent), intPtr(failed), intPtr(pending)
			r := &recs[at[id]]
			r.Batches = append(r.Batches, b)
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	return nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// Campaign is one campaign's state (nil, nil when there is none).
func (s *DB) Campaign(id string) (*campaign.CampaignRecord, error) {
	r, err := scanCampaign(s.db.QueryRowContext(ctx, s.q(`SELECT `+campaignCols+` FROM campaigns WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading campaign %s: %w", id, err)
	}
	recs := []campaign.CampaignRecord{r}
	if err := s.loadBatches(recs); err != nil {
		return nil, err
	}
	return &recs[0], nil
}

// LoadCampaign is the campaign's file and state, for a resume.
func (s *DB) LoadCampaign(id string) (*campaign.CampaignFile, *campaign.CampaignRecord, error) {
	if err := campaign.CheckCampaignID(id); err != nil {
		return nil, nil, err
	}
	var file sql.NullString
	err := s.db.QueryRowContext(ctx, s.q(`SELECT file FROM campaigns WHERE id = ?`), id).Scan(&file)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, fmt.Errorf("campaign %s is not in %s (see `spotcast jobs`)", id, s.where)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading campaign %s: %w", id, err)
	}
	if !file.Valid {
		return nil, nil, fmt.Errorf("campaign %s came from the journal without its campaign file, so its message and recipients are not known here; it cannot be resumed — send it anew", id)
	}
	var cf campaign.CampaignFile
	if err := json.Unmarshal([]byte(file.String), &cf); err != nil {
		return nil, nil, fmt.Errorf("campaign %s in %s is damaged: %v", id, s.where, err)
	}
	rec, err := s.Campaign(id)
	if err != nil {
		return nil, nil, err
	}
	if rec == nil {
		return nil, nil, fmt.Errorf("campaign %s is not in %s (see `spotcast jobs`)", id, s.where)
	}
	return &cf, rec, nil
}

// JobRefs finds the campaign batches of jobIDs (the newest campaign when
// a job ID was seen twice).
func (s *DB) JobRefs(jobIDs []string) (map[string]campaign.JobRef, error) {
	refs := map[string]campaign.JobRef{}
	const chunk = 500
	for lo := 0; lo < len(jobIDs); lo += chunk {
		part := jobIDs[lo:min(lo+chunk, len(jobIDs))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := s.db.QueryContext(ctx, s.q(`SELECT b.job_id, b.campaign_id, b.idx FROM batches b JOIN campaigns c ON c.id = b.campaign_id
			WHERE b.job_id IN (`+placeholders(len(part))+`) ORDER BY c.created_at DESC, c.id DESC`), args...)
		if err != nil {
			return nil, fmt.Errorf("looking up jobs: %w", err)
		}
		for rows.Next() {
			var (
				job, id string
				idx     int64
			)
			if err := rows.Scan(&job, &id, &idx); err != nil {
				rows.Close()
				return nil, err
			}
			if _, seen := refs[job]; !seen {
				refs[job] = campaign.JobRef{CampaignID: id, Batch: int(idx)}
			}
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return refs, nil
}
