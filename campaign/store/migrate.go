package store

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"spotcast/campaign"
)

// FileImport is what Open imported from the files of the state directory
// from before the database: the journal (with the campaign files beside
// it), drafts, test numbers and the SSH import folder's lists.
type FileImport struct {
	Campaigns, Events, Drafts, Lists int
	// Warnings name what could not be read (file and line) and was skipped.
	Warnings []string
	// KeptIn is where the journal, campaign files and drafts were moved
	// ("" when none were): kept, not deleted.
	KeptIn string
}

// String is the one-line report an operator sees.
func (f *FileImport) String() string {
	s := fmt.Sprintf("imported the files from before the database: %s, %s, %s, %s",
		campaign.Plural(f.Campaigns, "campaign", "campaigns"), campaign.Plural(f.Events, "event", "events"),
		campaign.Plural(f.Drafts, "draft", "drafts"), campaign.Plural(f.Lists, "contact list", "contact lists"))
	if f.KeptIn != "" {
		s += "; the old files are kept in " + f.KeptIn
	}
	return s
}

// importFiles imports, once per state directory, what it holds from
// before the database. It all goes in one transaction, so a failure
// leaves the files as they were and the next open tries again; only then
// are the files moved aside.
func (s *DB) importFiles(ctx context.Context, stateDir string) (*FileImport, error) {
	abs, err := filepath.Abs(stateDir)
	if err != nil {
		abs = stateDir
	}
	journal := filepath.Join(abs, campaign.JournalFile)
	draftsDir := filepath.Join(abs, "drafts")
	importsDir := filepath.Join(abs, "imports")
	if !exists(journal) && !exists(draftsDir) && !hasFiles(importsDir) {
		return nil, nil
	}
	key := "files imported from " + abs
	imp := &FileImport{}
	done := false
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var v string
		switch err := tx.QueryRowContext(ctx, s.q(`SELECT value FROM meta WHERE key = ?`), key).Scan(&v); {
		case err == nil:
			done = true
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		if err := s.importJournal(ctx, tx, abs, journal, imp); err != nil {
			return err
		}
		if err := s.importDrafts(ctx, tx, abs, draftsDir, imp); err != nil {
			return err
		}
		if err := s.importLists(ctx, tx, importsDir, imp); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO meta (key, value) VALUES (?, ?)`), key, s.now().UTC().Format(time.RFC3339))
		return err
	})
	if err != nil || done {
		return nil, err
	}
	if s.d.name == "postgres" && imp.Campaigns > 0 {
		// Statistics for the rows just imported: without them PostgreSQL's
		// planner guesses, and read a page's batches by scanning every
		// batch (10,000 imported campaigns: 35 ms instead of 0.3 ms) until
		// autovacuum came by. SQLite's planner uses the indexes anyway. A
		// failure only leaves that to autovacuum.
		s.db.ExecContext(ctx, `ANALYZE campaigns, batches, events`)
	}
	// Moved aside, not deleted: the journal stays readable by hand. The
	// import folder stays where it is: it is the SSH picker's folder.
	kept := filepath.Join(abs, "before-database-"+s.now().UTC().Format("20060102T150405Z"))
	for _, name := range []string{campaign.JournalFile, "campaigns", "drafts", "test_numbers"} {
		if !exists(filepath.Join(abs, name)) {
			continue
		}
		if err := os.MkdirAll(kept, 0o700); err != nil {
			imp.Warnings = append(imp.Warnings, fmt.Sprintf("could not keep the old files aside: %v", err))
			break
		}
		if err := os.Rename(filepath.Join(abs, name), filepath.Join(kept, name)); err != nil {
			imp.Warnings = append(imp.Warnings, fmt.Sprintf("could not move %s aside: %v", name, err))
			continue
		}
		imp.KeptIn = kept
	}
	return imp, nil
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// hasFiles: the folder holds a file, or a folder (an operator's uploads).
func hasFiles(dir string) bool {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), ".") && (e.Type().IsRegular() || e.IsDir()) {
			return true
		}
	}
	return false
}

// importJournal folds the journal (campaign.ReadJournal: a damaged line is
// reported by number and skipped, never allocated from), stores each
// campaign with its file and batch states, then every readable event.
func (s *DB) importJournal(ctx context.Context, tx *sql.Tx, dir, path string, imp *FileImport) error {
	recs, warnings, err := campaign.ReadJournal(path)
	if err != nil {
		return err
	}
	imp.Warnings = append(imp.Warnings, warnings...)
	known := map[string]bool{}
	noFile := 0
	defer func() {
		if noFile > 0 {
			imp.Warnings = append(imp.Warnings, fmt.Sprintf("%s had no campaign file: listed, but not resumable",
				campaign.Plural(noFile, "campaign", "campaigns")))
		}
	}()
	for _, r := range recs {
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM campaigns WHERE id = ?`), r.CampaignID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			imp.Warnings = append(imp.Warnings, fmt.Sprintf("campaign %s is in the database already; the journal's copy was skipped", r.CampaignID))
			continue
		}
		file := ""
		cf, err := campaign.LoadCampaignFile(dir, r.CampaignID)
		if err == nil {
			b, _ := json.Marshal(cf)
			file = string(b)
		} else if !r.Incomplete {
			noFile++
		}
		e := campaign.Event{Kind: campaign.EventCreated, CampaignID: r.CampaignID, At: r.CreatedAt, CreatedAt: r.CreatedAt,
			Operator: r.Operator, Type: r.Type, Recipients: r.Recipients, Groups: r.Groups, BatchSize: r.BatchSize,
			ScheduledAt: r.ScheduledAt, API: r.API, Sandbox: r.Sandbox}
		for _, b := range r.Batches {
			e.Plan = append(e.Plan, campaign.BatchPlan{Index: b.Index, Recipients: b.Recipients, Groups: b.Groups, RequestHash: b.RequestHash})
		}
		if err := s.insertCampaign(tx, e, file, r.Incomplete); err != nil {
			return err
		}
		if cf != nil {
			if err := s.insertRecipients(tx, *cf); err != nil {
				return err
			}
		}
		for _, b := range r.Batches {
			msgs := ""
			if len(b.Messages) > 0 {
				m, _ := json.Marshal(b.Messages)
				msgs = string(m)
			}
			acceptedAt := int64(0)
			if b.State == campaign.StateAccepted {
				acceptedAt = unixNano(b.UpdatedAt)
			}
			_, err := tx.ExecContext(ctx, s.q(`UPDATE batches SET state = ?, job_id = ?, job_status = ?, messages = ?, error = ?, total = ?, sent = ?, failed = ?, pending = ?, updated_at = ?, accepted_at = ?
				WHERE campaign_id = ? AND idx = ?`), string(b.State), b.JobID, b.JobStatus, msgs, b.Error,
				nullInt(b.Total), nullInt(b.Sent), nullInt(b.Failed), nullInt(b.Pending), unixNano(b.UpdatedAt), acceptedAt, r.CampaignID, b.Index)
			if err != nil {
				return err
			}
		}
		known[r.CampaignID] = true
		imp.Campaigns++
	}
	if len(known) == 0 {
		return nil
	}
	// The history, line by line, for the campaigns imported.
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	for {
		line, rerr := br.ReadBytes('\n')
		line = bytes.TrimSpace(line)
		var e campaign.Event
		if len(line) > 0 && json.Unmarshal(line, &e) == nil && known[e.CampaignID] {
			var batch any
			if e.Batch != nil {
				batch = *e.Batch
			}
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO events (campaign_id, batch, kind, at, body) VALUES (?, ?, ?, ?, ?)`),
				e.CampaignID, batch, string(e.Kind), unixNano(e.At), string(line)); err != nil {
				return err
			}
			imp.Events++
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}

// importDrafts stores each operator's draft file, and the test number
// kept for each operator the database knows.
func (s *DB) importDrafts(ctx context.Context, tx *sql.Tx, dir, draftsDir string, imp *FileImport) error {
	ents, _ := os.ReadDir(draftsDir)
	for _, ent := range ents {
		if !ent.Type().IsRegular() || !strings.HasSuffix(ent.Name(), ".json") || strings.HasPrefix(ent.Name(), ".") {
			continue
		}
		p := filepath.Join(draftsDir, ent.Name())
		data, err := os.ReadFile(p)
		var d campaign.Draft
		if err == nil {
			err = json.Unmarshal(data, &d)
		}
		if err != nil {
			imp.Warnings = append(imp.Warnings, fmt.Sprintf("%s: %v; skipped", p, err))
			continue
		}
		if err := s.seeOperator(tx, d.Operator); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO drafts (operator, saved_at, body) VALUES (?, ?, ?) ON CONFLICT (operator) DO NOTHING`),
			d.Operator, unixNano(d.SavedAt), string(data)); err != nil {
			return err
		}
		imp.Drafts++
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM operators`)
	if err != nil {
		return err
	}
	var ops []string
	for rows.Next() {
		var op string
		rows.Scan(&op)
		ops = append(ops, op)
	}
	rows.Close()
	for _, op := range ops {
		if n := campaign.LastTestNumber(dir, op); n != "" {
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE operators SET test_number = ? WHERE id = ? AND test_number = ''`), n, op); err != nil {
				return err
			}
		}
	}
	return nil
}

// importLists stores the SSH import folder's lists with their sidecar's
// options and their recipients as those options read them.
func (s *DB) importLists(ctx context.Context, tx *sql.Tx, dir string, imp *FileImport) error {
	// The SSH server keeps each operator's uploads in a folder of their
	// own: "FOLDER/NAME" is the key it shares them by.
	var names []string
	ents, _ := os.ReadDir(dir)
	for _, ent := range ents {
		switch {
		case strings.HasPrefix(ent.Name(), "."):
		case ent.Type().IsRegular():
			names = append(names, ent.Name())
		case ent.IsDir():
			sub, _ := os.ReadDir(filepath.Join(dir, ent.Name()))
			for _, f := range sub {
				if f.Type().IsRegular() && !strings.HasPrefix(f.Name(), ".") {
					names = append(names, UploadKey(ent.Name(), f.Name()))
				}
			}
		}
	}
	for _, name := range names {
		p := filepath.Join(dir, filepath.FromSlash(name))
		data, err := os.ReadFile(p)
		if err != nil {
			imp.Warnings = append(imp.Warnings, fmt.Sprintf("%s: %v; skipped", p, err))
			continue
		}
		meta, _ := campaign.ReadUploadMeta(p)
		if meta == nil {
			meta = &campaign.UploadMeta{}
		}
		rep, err := campaign.Import(ctx, bytes.NewReader(data), int64(len(data)), meta.Options())
		if err != nil {
			imp.Warnings = append(imp.Warnings, fmt.Sprintf("%s: %v; kept as a file, not imported", p, err))
			continue
		}
		if meta.CheckedAt.IsZero() {
			meta.Rows, meta.Valid, meta.CheckedAt = rep.Rows, rep.Valid, s.now().UTC()
		}
		m := *meta
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO uploads (name, operator, csv, phone_column, default_country, international, rows_n, valid, checked_at, recipients)
			VALUES (?, '', ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`), name, data, m.PhoneColumn, m.DefaultCountry,
			boolInt(m.International), m.Rows, m.Valid, unixNano(m.CheckedAt), strings.Join(rep.Phones(), "\n")); err != nil {
			return err
		}
		imp.Lists++
	}
	return nil
}
