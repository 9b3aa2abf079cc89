package campaign

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// Store is where campaigns and their submission events live: the engine's
// port to its state. The database (package campaign/store: SQLite or
// PostgreSQL) is the one the faces use; the journal (STATE/journal.jsonl
// with campaign files and lock files beside it) is the file store it
// replaced, kept for tests and as what the database imports. Every method
// is durable before it returns: a POST is only made after its pending
// event is stored.
type Store interface {
	// CreateCampaign keeps a campaign (enough to resume it without its
	// CSV) and its created event.
	CreateCampaign(cf CampaignFile, created Event) error
	// Append records one event. A pending event is refused when the
	// batch was already accepted or the caller no longer holds the
	// campaign's claim: it is the last word before a POST.
	Append(e Event) error
	// Campaigns lists the campaigns q selects, newest first, one page of
	// them, with what could not be read (each warning names its place).
	Campaigns(q CampaignQuery) (CampaignPage, error)
	// Campaign is one campaign's state; nil, nil when there is none.
	Campaign(id string) (*CampaignRecord, error)
	// LoadCampaign is one campaign's file and its state.
	LoadCampaign(id string) (*CampaignFile, *CampaignRecord, error)
	// JobRefs says which campaign batch each of jobIDs belongs to (the
	// newest when a job ID was seen twice); unknown IDs are left out.
	JobRefs(jobIDs []string) (map[string]JobRef, error)
	// Claim holds a campaign so no one else sends it until release; it
	// fails at once (ErrCampaignBusy) when someone holds it.
	Claim(id string) (release func(), err error)
	// Where names the store in messages.
	Where() string
}

// JobRef is the campaign batch a bulk job was created for.
type JobRef struct {
	CampaignID string
	Batch      int
}

// CampaignQuery selects campaigns. The zero value selects them all.
type CampaignQuery struct {
	// Operator keeps the campaigns of one operator ("" all).
	Operator string
	// Since keeps the campaigns created at or after it.
	Since time.Time
	// Status keeps campaigns with a batch in that state (pending,
	// accepted, rejected, unknown) or whose job has that status
	// (COMPLETED, RUNNING, …), case-insensitively.
	Status string
	// Limit is the page size (0: no limit); Offset skips that many.
	Limit, Offset int
}

// CampaignPage is one page of campaigns and how many the query selects
// in all.
type CampaignPage struct {
	Campaigns []CampaignRecord
	Total     int
	Warnings  []string
}

// filterStates are the states a status filter may name; anything else is
// a job status.
var filterStates = map[string]BatchState{
	"pending": StatePending, "accepted": StateAccepted, "rejected": StateRejected, "unknown": StateUnknown,
	"notsent": StatePending, // what `jobs --json` once called a batch that never left
}

// StatusFilter reads a status filter: a batch state, or else a job
// status (upper-cased, as the API writes them).
func StatusFilter(s string) (state BatchState, jobStatus string) {
	s = strings.TrimSpace(s)
	if st, ok := filterStates[strings.ToLower(s)]; ok {
		return st, ""
	}
	return "", strings.ToUpper(s)
}

// Match reports whether q selects r (paging aside): the rule every store
// follows, which the database's WHERE clause restates.
func (q CampaignQuery) Match(r CampaignRecord) bool {
	if q.Operator != "" && r.Operator != q.Operator {
		return false
	}
	if !q.Since.IsZero() && r.CreatedAt.Before(q.Since) {
		return false
	}
	if q.Status == "" {
		return true
	}
	state, job := StatusFilter(q.Status)
	for _, b := range r.Batches {
		if state != "" && b.State == state || job != "" && strings.EqualFold(b.JobStatus, job) {
			return true
		}
	}
	return false
}

// Page applies q to every campaign (newest first already): the journal's
// way, and the reference the database is tested against.
func (q CampaignQuery) Page(all []CampaignRecord) CampaignPage {
	var sel []CampaignRecord
	for _, r := range all {
		if q.Match(r) {
			sel = append(sel, r)
		}
	}
	p := CampaignPage{Total: len(sel)}
	lo := min(max(q.Offset, 0), len(sel))
	hi := len(sel)
	if q.Limit > 0 {
		hi = min(lo+q.Limit, len(sel))
	}
	p.Campaigns = sel[lo:hi]
	return p
}

// NewBusyError is the error of a claim someone else holds; detail (may be
// "") says who or until when.
func NewBusyError(campaignID, detail string) error { return busyError{campaignID, detail} }

// RecordJobStatus stores a bulk job's status as a poll saw it. Counts are
// nil when the API did not report them.
func RecordJobStatus(st Store, campaignID string, batch int, jobID, status string, total, sent, failed, pending *int) error {
	return st.Append(Event{
		Kind: EventJob, CampaignID: campaignID, Batch: &batch, JobID: jobID,
		Status: Sanitize(status), Total: total, Sent: sent, Failed: failed, Pending: pending,
	})
}

// The journal is the file store. A nil *Journal stores nothing (dry runs,
// tests) but still claims campaigns within the process.
var _ Store = (*Journal)(nil)

// CreateCampaign saves the campaign file, then journals its created event.
func (j *Journal) CreateCampaign(cf CampaignFile, created Event) error {
	if j == nil {
		return nil
	}
	if err := SaveCampaignFile(j.Dir(), cf); err != nil {
		return err
	}
	return j.Append(created)
}

// Campaigns folds the whole journal (ReadJournal) and pages it.
func (j *Journal) Campaigns(q CampaignQuery) (CampaignPage, error) {
	if j == nil {
		return CampaignPage{}, nil
	}
	all, warnings, err := ReadJournal(j.Path())
	p := q.Page(all)
	p.Warnings = warnings
	return p, err
}

// Campaign folds the journal and finds id in it.
func (j *Journal) Campaign(id string) (*CampaignRecord, error) {
	if j == nil {
		return nil, nil
	}
	all, _, err := ReadJournal(j.Path())
	if err != nil {
		return nil, err
	}
	return FindCampaign(all, id), nil
}

// JobRefs folds the journal and looks the jobs up in it.
func (j *Journal) JobRefs(jobIDs []string) (map[string]JobRef, error) {
	if j == nil || len(jobIDs) == 0 {
		return nil, nil
	}
	all, _, err := ReadJournal(j.Path())
	if err != nil {
		return nil, err
	}
	want := make(map[string]bool, len(jobIDs))
	for _, id := range jobIDs {
		want[id] = true
	}
	refs := map[string]JobRef{}
	for _, r := range all {
		for _, b := range r.Batches {
			if _, seen := refs[b.JobID]; b.JobID != "" && want[b.JobID] && !seen { // newest first
				refs[b.JobID] = JobRef{r.CampaignID, b.Index}
			}
		}
	}
	return refs, nil
}

// LoadCampaign reads the campaign's file and finds it in the journal.
func (j *Journal) LoadCampaign(id string) (*CampaignFile, *CampaignRecord, error) {
	if j == nil {
		return nil, nil, fmt.Errorf("campaign %s: no journal is configured", id)
	}
	cf, err := LoadCampaignFile(j.Dir(), id)
	if err != nil {
		return nil, nil, err
	}
	rec, err := j.Campaign(id)
	if err != nil {
		return nil, nil, err
	}
	if rec == nil {
		return nil, nil, fmt.Errorf("campaign %s is not in the journal %s", id, j.Path())
	}
	return cf, rec, nil
}

// Claim takes the campaign's lock file (and the in-process claim).
func (j *Journal) Claim(id string) (func(), error) { return lockCampaign(j.Dir(), id) }

// Where is the journal's path.
func (j *Journal) Where() string {
	if j == nil {
		return "no journal"
	}
	return j.Path()
}

// storeDir is where a store keeps campaign files, for messages.
func storeDir(s Store) string {
	if j, ok := s.(*Journal); ok && j != nil {
		return j.Dir()
	}
	return filepath.Dir(s.Where())
}
