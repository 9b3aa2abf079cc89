package store

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"spotcast/campaign"
)

// Claim holds the campaign for this process with a lease in the
// database, renewed while held: another process or host asking for it
// is refused (campaign.ErrCampaignBusy) until release, or until the
// lease runs out when the holder died. Two sessions of one process are
// refused alike. The pending event before each POST checks the claim
// is still this process's (Append), so a holder that lost its lease
// while stalled sends nothing more.
func (s *DB) Claim(id string) (func(), error) {
	if err := campaign.CheckCampaignID(id); err != nil {
		return nil, err
	}
	leaseMS := s.lease.Milliseconds()
	res, err := s.db.ExecContext(ctx, s.q(`INSERT INTO claims (campaign_id, holder, expires_at) VALUES (?, ?, `+s.d.nowMS+` + ?)
		ON CONFLICT (campaign_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE claims.expires_at < `+s.d.nowMS), id, s.holder, leaseMS)
	if err != nil {
		return nil, fmt.Errorf("claiming campaign %s in %s: %w", id, s.where, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if !s.takeStale(id) {
			return nil, s.busy(id)
		}
	}
	stop := make(chan struct{})
	s.mu.Lock()
	s.claims[id] = stop
	s.mu.Unlock()
	if s.renew {
		go s.renewClaim(id, stop)
	}
	return func() { s.release(id) }, nil
}

// busy is the error for a claim someone holds, saying who and how long.
func (s *DB) busy(id string) error {
	var (
		holder string
		leftMS int64
	)
	err := s.db.QueryRowContext(ctx, s.q(`SELECT holder, expires_at - `+s.d.nowMS+` FROM claims WHERE campaign_id = ?`), id).Scan(&holder, &leftMS)
	if err != nil {
		return campaign.NewBusyError(id, "")
	}
	if holder == s.holder {
		return campaign.NewBusyError(id, "another session of this one")
	}
	left := time.Duration(max(leftMS, 0)) * time.Millisecond
	return campaign.NewBusyError(id, fmt.Sprintf("%s; if it died, its claim lapses in %s", campaign.SanitizeLine(holder, 80), left.Round(time.Second)))
}

// takeStale takes over a claim whose holder was a process of this host
// that is gone (killed mid-send): waiting out its lease would only make
// the operator wait. A holder on another host is waited for.
func (s *DB) takeStale(id string) bool {
	var holder string
	if err := s.db.QueryRowContext(ctx, s.q(`SELECT holder FROM claims WHERE campaign_id = ?`), id).Scan(&holder); err != nil {
		return false
	}
	host, pid, ok := parseHolder(holder)
	if !ok || host != s.host || pid == os.Getpid() || processAlive(pid) {
		return false
	}
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE claims SET holder = ?, expires_at = `+s.d.nowMS+` + ? WHERE campaign_id = ? AND holder = ?`),
		s.holder, s.lease.Milliseconds(), id, holder)
	if err != nil {
		return false
	}
	n, err := res.RowsAffected()
	return err == nil && n == 1
}

// parseHolder reads a holder "host/pid/nonce".
func parseHolder(h string) (host string, pid int, ok bool) {
	parts := strings.Split(h, "/")
	if len(parts) != 3 {
		return "", 0, false
	}
	pid, err := strconv.Atoi(parts[1])
	return parts[0], pid, err == nil && pid > 0
}

// renewClaim extends the lease every third of it until stop.
func (s *DB) renewClaim(id string, stop chan struct{}) {
	t := time.NewTicker(s.lease / 3)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			// A failed renewal is not fatal here: the next pending event
			// checks the claim, and refuses to send if it was lost.
			s.db.ExecContext(ctx, s.q(`UPDATE claims SET expires_at = `+s.d.nowMS+` + ? WHERE campaign_id = ? AND holder = ?`), s.lease.Milliseconds(), id, s.holder)
		}
	}
}

func (s *DB) release(id string) {
	s.mu.Lock()
	stop, ok := s.claims[id]
	delete(s.claims, id)
	s.mu.Unlock()
	if !ok {
		return
	}
	close(stop)
	s.db.ExecContext(ctx, s.q(`DELETE FROM claims WHERE campaign_id = ? AND holder = ?`), id, s.holder)
}

// ErrClaimLost: the pending event of a batch found the campaign's claim
// held by someone else (or by no one) — this process's lease ran out.
var ErrClaimLost = errors.New("this process no longer holds the campaign's claim")

// holdsClaim checks, inside the pending event's transaction, that this
// process still holds id's claim, and extends the lease.
func (s *DB) holdsClaim(tx *sql.Tx, id string) error {
	var holder string
	err := tx.QueryRowContext(ctx, s.q(`SELECT holder FROM claims WHERE campaign_id = ?`+s.d.forUpdate), id).Scan(&holder)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if holder != s.holder {
		return fmt.Errorf("campaign %s: %w (its lease ran out and another spotcast may have taken it over); nothing more is sent from here — see `spotcast jobs`", id, ErrClaimLost)
	}
	_, err = tx.ExecContext(ctx, s.q(`UPDATE claims SET expires_at = `+s.d.nowMS+` + ? WHERE campaign_id = ? AND holder = ?`), s.lease.Milliseconds(), id, s.holder)
	return err
}
