package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// dialect is what differs between SQLite and PostgreSQL; the SQL is
// otherwise the same, so both engines keep the same semantics.
type dialect struct {
	name string
	// nowMS is the database's clock in Unix milliseconds: leases are read
	// against one clock, not each host's.
	nowMS string
	// forUpdate locks the rows a transaction reads (SQLite's write
	// transactions are exclusive already).
	forUpdate string
	serial    string
	blob      string
}

var (
	sqliteDialect = dialect{
		name:   "sqlite",
		nowMS:  "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)",
		serial: "INTEGER PRIMARY KEY AUTOINCREMENT",
		blob:   "BLOB",
	}
	postgresDialect = dialect{
		name:      "postgres",
		nowMS:     "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)",
		forUpdate: " FOR UPDATE",
		serial:    "BIGSERIAL PRIMARY KEY",
		blob:      "BYTEA",
	}
)

// rebind turns the ? placeholders of a query into $1, $2, … for
// PostgreSQL. The queries here have no ? inside literals.
func (d dialect) rebind(q string) string {
	if d.name != "postgres" {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// migrations are the schema's versions, in order; version i+1 is
// migrations[i]. A released migration is never edited: a change is a new
// one. {serial} and {blob} are the dialect's types.
var migrations = []string{
	// 1: campaigns, their batches and events, claims, drafts, operators,
	// uploaded contact lists.
	`CREATE TABLE operators (
		id TEXT PRIMARY KEY,
		first_seen BIGINT NOT NULL,
		last_seen BIGINT NOT NULL,
		test_number TEXT NOT NULL DEFAULT ''
	);
	CREATE TABLE campaigns (
		id TEXT PRIMARY KEY,
		created_at BIGINT NOT NULL,
		operator TEXT NOT NULL DEFAULT '',
		type TEXT NOT NULL DEFAULT '',
		recipients BIGINT NOT NULL DEFAULT 0,
		groups_n BIGINT NOT NULL DEFAULT 0,
		batch_size BIGINT NOT NULL DEFAULT 0,
		scheduled_at BIGINT NOT NULL DEFAULT 0,
		api TEXT NOT NULL DEFAULT '',
		sandbox INTEGER NOT NULL DEFAULT 0,
		incomplete INTEGER NOT NULL DEFAULT 0,
		file TEXT
	);
	CREATE INDEX campaigns_newest ON campaigns (created_at DESC, id DESC);
	CREATE INDEX campaigns_operator ON campaigns (operator, created_at DESC);
	CREATE TABLE batches (
		campaign_id TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
		idx BIGINT NOT NULL,
		recipients BIGINT NOT NULL DEFAULT 0,
		groups_n BIGINT NOT NULL DEFAULT 0,
		request_hash TEXT NOT NULL DEFAULT '',
		state TEXT NOT NULL,
		job_id TEXT NOT NULL DEFAULT '',
		job_status TEXT NOT NULL DEFAULT '',
		messages TEXT NOT NULL DEFAULT '',
		error TEXT NOT NULL DEFAULT '',
		total BIGINT,
		sent BIGINT,
		failed BIGINT,
		pending BIGINT,
		updated_at BIGINT NOT NULL DEFAULT 0,
		PRIMARY KEY (campaign_id, idx)
	);
	CREATE INDEX batches_state ON batches (state, campaign_id);
	CREATE INDEX batches_job ON batches (job_id);
	CREATE TABLE events (
		id {serial},
		campaign_id TEXT NOT NULL,
		batch BIGINT,
		kind TEXT NOT NULL,
		at BIGINT NOT NULL,
		body TEXT NOT NULL
	);
	CREATE INDEX events_campaign ON events (campaign_id, id);
	CREATE TABLE claims (
		campaign_id TEXT PRIMARY KEY,
		holder TEXT NOT NULL,
		expires_at BIGINT NOT NULL
	);
	CREATE TABLE drafts (
		operator TEXT PRIMARY KEY,
		saved_at BIGINT NOT NULL,
		body TEXT NOT NULL
	);
	CREATE TABLE uploads (
		name TEXT PRIMARY KEY,
		operator TEXT NOT NULL DEFAULT '',
		csv {blob} NOT NULL,
		phone_column TEXT NOT NULL DEFAULT '',
		default_country TEXT NOT NULL DEFAULT '',
		international INTEGER NOT NULL DEFAULT 0,
		rows_n BIGINT NOT NULL DEFAULT 0,
		valid BIGINT NOT NULL DEFAULT 0,
		checked_at BIGINT NOT NULL DEFAULT 0,
		recipients TEXT NOT NULL DEFAULT ''
	);
	CREATE TABLE meta (
		key TEXT PRIMARY KEY,
		value TEXT NOT NULL
	)`,
	// 2: what happened after "accepted" (webhooks): each recipient's
	// delivery state, the events as received, the suppression list and
	// the devices' connection.
	`CREATE TABLE recipients (
		campaign_id TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
		recipient TEXT NOT NULL,
		batch BIGINT NOT NULL,
		status BIGINT NOT NULL DEFAULT 0,
		failed INTEGER NOT NULL DEFAULT 0,
		error TEXT NOT NULL DEFAULT '',
		replied_at BIGINT NOT NULL DEFAULT 0,
		updated_at BIGINT NOT NULL DEFAULT 0,
		PRIMARY KEY (campaign_id, recipient)
	);
	CREATE INDEX recipients_number ON recipients (recipient);
	CREATE TABLE webhook_events (
		id {serial},
		received_at BIGINT NOT NULL,
		kind TEXT NOT NULL,
		message_id TEXT NOT NULL DEFAULT '',
		number TEXT NOT NULL DEFAULT '',
		campaign_id TEXT NOT NULL DEFAULT '',
		dedupe TEXT NOT NULL UNIQUE,
		body TEXT NOT NULL
	);
	CREATE INDEX webhook_events_campaign ON webhook_events (campaign_id);
	CREATE TABLE suppressions (
		number TEXT PRIMARY KEY,
		source TEXT NOT NULL,
		reason TEXT NOT NULL DEFAULT '',
		at BIGINT NOT NULL
	);
	CREATE TABLE devices (
		id TEXT PRIMARY KEY,
		connected INTEGER NOT NULL,
		at BIGINT NOT NULL
	);
	ALTER TABLE batches ADD COLUMN accepted_at BIGINT NOT NULL DEFAULT 0;
	UPDATE batches SET accepted_at = updated_at WHERE state = 'accepted';
	ALTER TABLE campaigns ADD COLUMN suppressed BIGINT NOT NULL DEFAULT 0`,
}

// SchemaVersion is the version this build writes.
var SchemaVersion = len(migrations)

// migrate applies the migrations the database lacks, each in its own
// transaction; two processes opening one database at once take turns.
func (s *DB) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("creating the schema table: %w", err)
	}
	for v := 1; v <= len(migrations); v++ {
		err := s.tx(ctx, func(tx *sql.Tx) error {
			if s.d.name == "postgres" {
				// Serialises concurrent opens: the version check below
				// then sees what the other one applied.
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7364201)`); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), v).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			ddl := strings.NewReplacer("{serial}", s.d.serial, "{blob}", s.d.blob).Replace(migrations[v-1])
			for _, stmt := range strings.Split(ddl, ";") {
				if strings.TrimSpace(stmt) == "" {
					continue
				}
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("%w in: %s", err, strings.TrimSpace(stmt))
				}
			}
			_, err := tx.ExecContext(ctx, s.q(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`), v, s.now().UnixNano())
			return err
		})
		if err != nil {
			return fmt.Errorf("applying schema version %d: %w", v, err)
		}
	}
	var have int
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return err
	}
	if have > len(migrations) {
		return fmt.Errorf("the database is at schema version %d, newer than this spotcast knows (%d): upgrade spotcast", have, len(migrations))
	}
	return nil
}
