package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"spotcast/campaign"
)

var _ campaign.DraftStore = (*DB)(nil)

// SaveDraft replaces the operator's draft. A zero SavedAt is set to now.
func (s *DB) SaveDraft(d campaign.Draft) error {
	if d.SavedAt.IsZero() {
		d.SavedAt = s.now()
	}
	d.SavedAt = d.SavedAt.UTC()
	body, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encoding draft: %w", err)
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.seeOperator(tx, d.Operator); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO drafts (operator, saved_at, body) VALUES (?, ?, ?)
			ON CONFLICT (operator) DO UPDATE SET saved_at = excluded.saved_at, body = excluded.body`), d.Operator, d.SavedAt.UnixNano(), string(body))
		return err
	})
	if err != nil {
		return fmt.Errorf("saving draft in %s: %w", s.where, err)
	}
	return nil
}

// LatestDraft is the operator's draft, or nil, nil.
func (s *DB) LatestDraft(operator string) (*campaign.Draft, error) {
	var body string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT body FROM drafts WHERE operator = ?`), operator).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading draft from %s: %w", s.where, err)
	}
	var d campaign.Draft
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		return nil, fmt.Errorf("the saved draft is damaged (%v); start afresh to replace it", err)
	}
	return &d, nil
}

// DeleteDraft removes the operator's draft; none is not an error.
func (s *DB) DeleteDraft(operator string) error {
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM drafts WHERE operator = ?`), operator); err != nil {
		return fmt.Errorf("deleting draft in %s: %w", s.where, err)
	}
	return nil
}

// TestNumber is the number the operator last sent a test to ("" if none).
func (s *DB) TestNumber(operator string) string {
	var n string
	s.db.QueryRowContext(ctx, s.q(`SELECT test_number FROM operators WHERE id = ?`), operator).Scan(&n)
	return strings.TrimSpace(campaign.Sanitize(n))
}

// SaveTestNumber remembers the operator's test number.
func (s *DB) SaveTestNumber(operator, number string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.seeOperator(tx, operator); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`UPDATE operators SET test_number = ? WHERE id = ?`), number, operator)
		return err
	})
}

// AllDrafts lists every operator's draft, newest first (for `spotcast db`
// counts and for tests that look at what a session left).
func (s *DB) AllDrafts() ([]campaign.Draft, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT body FROM drafts ORDER BY saved_at DESC`)
	if err != nil {
		return nil, fmt.Errorf("listing drafts in %s: %w", s.where, err)
	}
	defer rows.Close()
	var out []campaign.Draft
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		var d campaign.Draft
		if json.Unmarshal([]byte(body), &d) == nil {
			out = append(out, d)
		}
	}
	return out, rows.Err()
}
