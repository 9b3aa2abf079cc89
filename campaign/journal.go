package campaign

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// JournalFile is the journal's name inside the state directory.
const JournalFile = "journal.jsonl"

// EventKind names a journal event.
type EventKind string

const (
	EventCreated  EventKind = "created"  // a campaign and its batch plan
	EventPending  EventKind = "pending"  // a batch's request is about to be sent
	EventAccepted EventKind = "accepted" // the API accepted a batch
	EventRejected EventKind = "rejected" // the API refused a batch
	EventUnknown  EventKind = "unknown"  // a batch's request may or may not have arrived
	EventNotSent  EventKind = "notsent"  // a pending batch's request never left; it is pending again
	EventJob      EventKind = "job"      // a bulk job's status, from a poll
	// EventThrottled: the API refused a batch with "slow down" (nothing
	// accepted); it is pending again and tried once more after RetryIn.
	EventThrottled EventKind = "throttled"
	// EventSuppressed: numbers of a batch not yet sent were left out of
	// it at resume because they opted out since the campaign was planned
	// (Suppressed counts them); the batch's state is unchanged.
	EventSuppressed EventKind = "suppressed"
)

// BatchPlan is one batch as planned when the campaign was created.
type BatchPlan struct {
	Index      int `json:"index"`
	Recipients int `json:"recipients"`
	Groups     int `json:"groups,omitempty"`
	// RequestHash is RequestHash of the batch's request body; journals
	// written before it existed lack it.
	RequestHash string `json:"sha256,omitempty"`
}

// Event is one journal line. Which fields are set depends on Kind. There is
// no field for the API key, and there must never be one.
type Event struct {
	Kind       EventKind `json:"event"`
	At         time.Time `json:"at"`
	CampaignID string    `json:"campaignId"`

	// created
	CreatedAt  time.Time   `json:"createdAt,omitzero"`
	Operator   string      `json:"operator,omitempty"`
	Type       MessageType `json:"type,omitempty"`
	Recipients int         `json:"recipients,omitempty"`
	Groups     int         `json:"groups,omitempty"`
	BatchSize  int         `json:"batchSize,omitempty"`
	Plan       []BatchPlan `json:"batches,omitempty"`
	// Suppressed counts the numbers left out because they opted out.
	Suppressed  int       `json:"suppressed,omitempty"`
	ScheduledAt time.Time `json:"scheduledAt,omitzero"`
	// API is the target's base URL without credentials; Sandbox marks the
	// built-in fake API (journals from before targets lack both).
	API     string `json:"api,omitempty"`
	Sandbox bool   `json:"sandbox,omitempty"`

	// batch events; Batch is 0-based and always present on them.
	Batch    *int          `json:"batch,omitempty"`
	JobID    string        `json:"jobId,omitempty"`
	Status   string        `json:"status,omitempty"`
	Messages []SentMessage `json:"messages,omitempty"`
	Error    string        `json:"error,omitempty"`
	// throttled / pending: which try of the batch this is (0: the first).
	Try     int    `json:"try,omitempty"`
	RetryIn string `json:"retryIn,omitempty"`

	// job: counts the API reported (absent when it did not).
	Total   *int `json:"total,omitempty"`
	Sent    *int `json:"sent,omitempty"`
	Failed  *int `json:"failed,omitempty"`
	Pending *int `json:"pending,omitempty"`
}

// Journal is the append-only submission journal (STATE/journal.jsonl).
// Each event is one JSON line written with a single write on an O_APPEND
// file and fsynced before Append returns; a mutex serialises writers in
// this process.
type Journal struct {
	path string
	mu   sync.Mutex
	f    *os.File
	now  func() time.Time
	// write replaces (*os.File).Write in tests, to fail mid-line.
	write func(f *os.File, b []byte) (int, error)
}

// OpenJournal opens (creating it 0600, and its directory 0700) the journal
// in stateDir. If a crash left a torn last line, a newline is added so the
// next event starts a line of its own.
func OpenJournal(stateDir string) (*Journal, error) {
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating state directory: %w", err)
	}
	p := filepath.Join(stateDir, JournalFile)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening journal: %w", err)
	}
	j := &Journal{path: p, f: f, now: time.Now}
	if err := j.repairTail(); err != nil {
		f.Close()
		return nil, fmt.Errorf("journal %s: %w", p, err)
	}
	return j, nil
}

func (j *Journal) repairTail() error {
	st, err := j.f.Stat()
	if err != nil || st.Size() == 0 {
		return err
	}
	var last [1]byte
	if _, err := j.f.ReadAt(last[:], st.Size()-1); err != nil {
		return err
	}
	if last[0] == '\n' {
		return nil
	}
	if _, err := j.f.Write([]byte{'\n'}); err != nil {
		return err
	}
	return j.f.Sync()
}

// A nil *Journal is a journal that records nothing (dry runs, tests): its
// methods do nothing and succeed.

// Path is the journal file's path ("" for a nil journal).
func (j *Journal) Path() string {
	if j == nil {
		return ""
	}
	return j.path
}

// Dir is the state directory the journal lives in ("" for a nil journal).
func (j *Journal) Dir() string {
	if j == nil {
		return ""
	}
	return filepath.Dir(j.path)
}

// Close closes the journal file.
func (j *Journal) Close() error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}

// Append writes one event durably. A zero At is set to now.
func (j *Journal) Append(e Event) error {
	if j == nil {
		return nil
	}
	if e.At.IsZero() {
		e.At = j.now()
	}
	e.At = e.At.UTC()
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("journal: encoding %s event: %w", e.Kind, err)
	}
	line = append(line, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return errors.New("journal: append after Close")
	}
	// Another writer (a process killed mid-write while this one held the
	// journal open) may have left a torn line: end it first, so this event
	// is not glued onto it and lost with it.
	st, err := j.f.Stat()
	if err != nil {
		return fmt.Errorf("journal %s: %w", j.path, err)
	}
	size := st.Size()
	if size > 0 {
		var last [1]byte
		if _, err := j.f.ReadAt(last[:], size-1); err != nil {
			return fmt.Errorf("journal %s: %w", j.path, err)
		}
		if last[0] != '\n' {
			line = append([]byte{'\n'}, line...)
		}
	}
	write := j.write
	if write == nil {
		write = (*os.File).Write
	}
	if n, err := write(j.f, line); err != nil || n != len(line) {
		if err == nil {
			err = io.ErrShortWrite
		}
		// Take back what part of the line was written, so the journal
		// does not itself end torn. Only when nobody else wrote since.
		if n > 0 {
			if st, serr := j.f.Stat(); serr == nil && st.Size() == size+int64(n) {
				if j.f.Truncate(size) == nil {
					j.f.Sync()
				}
			}
		}
		return fmt.Errorf("journal %s: %w (the state directory may be full or read-only)", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("journal %s: %w", j.path, err)
	}
	return nil
}

// CampaignRecord is one campaign as the journal tells it.
type CampaignRecord struct {
	CampaignID  string      `json:"campaignId"`
	CreatedAt   time.Time   `json:"createdAt"`
	Operator    string      `json:"operator,omitempty"`
	Type        MessageType `json:"type"`
	Recipients  int         `json:"recipients"`
	Groups      int         `json:"groups"`
	BatchSize   int         `json:"batchSize,omitempty"`
	ScheduledAt time.Time   `json:"scheduledAt,omitzero"`
	// API and Sandbox are the target the campaign was sent to (empty in
	// journals from before targets were recorded).
	API     string        `json:"api"`
	Sandbox bool          `json:"sandbox"`
	Batches []BatchRecord `json:"batches"`
	// Incomplete: events were found without the created event (it was lost
	// or torn); counts and type may be missing.
	Incomplete bool `json:"incomplete,omitempty"`
	// events counts the batch events folded in: without a plan, the
	// evidence for how many batches there can be.
	events int
}

// BatchRecord is one batch's latest known state.
type BatchRecord struct {
	Index      int           `json:"index"`
	Recipients int           `json:"recipients"`
	Groups     int           `json:"groups,omitempty"`
	State      BatchState    `json:"state"`
	JobID      string        `json:"jobId,omitempty"`
	JobStatus  string        `json:"jobStatus,omitempty"`
	Messages   []SentMessage `json:"messages,omitempty"`
	Error      string        `json:"error,omitempty"`
	Total      *int          `json:"total,omitempty"`
	Sent       *int          `json:"sent,omitempty"`
	Failed     *int          `json:"failed,omitempty"`
	Pending    *int          `json:"pending,omitempty"`
	UpdatedAt  time.Time     `json:"updatedAt,omitzero"`
	// RequestHash is the planned request body's hash ("" in old journals);
	// Resume checks the campaign file against it.
	RequestHash string `json:"-"`
}

// interruptedError is the error reported for a batch whose request was
// begun but whose outcome never reached the journal (spotcast stopped
// mid-send).
const interruptedError = "spotcast stopped while sending this batch; the request may have reached the API"

// Target is the API the campaign was sent to.
func (r CampaignRecord) Target() Target { return Target{API: r.API, Sandbox: r.Sandbox} }

// FindCampaign returns the campaign with the given ID, or nil.
func FindCampaign(records []CampaignRecord, id string) *CampaignRecord {
	for i := range records {
		if records[i].CampaignID == id {
			return &records[i]
		}
	}
	return nil
}

// Counts returns how many batches are in each state.
func (r CampaignRecord) Counts() map[BatchState]int {
	m := map[BatchState]int{}
	for _, b := range r.Batches {
		m[b.State]++
	}
	return m
}

// ReadJournal folds the journal into campaigns, newest first. A line that
// cannot be read (a torn last line after a crash, or damage) is skipped and
// reported as a warning with its line number. A missing file is an empty
// journal.
//
// A batch whose "pending" event has no outcome after it is reported as
// unknown: the request was begun, so it may have arrived. A "notsent"
// outcome makes it pending again.
func ReadJournal(path string) ([]CampaignRecord, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil, nil
		}
		return nil, nil, fmt.Errorf("reading journal: %w", err)
	}
	defer f.Close()

	var (
		warnings []string
		byID     = map[string]*CampaignRecord{}
		order    []string
	)
	get := func(id string) *CampaignRecord {
		r := byID[id]
		if r == nil {
			r = &CampaignRecord{CampaignID: id, Incomplete: true}
			byID[id] = r
			order = append(order, id)
		}
		return r
	}
	br := bufio.NewReaderSize(f, 64<<10)
	for lineNo := 1; ; lineNo++ {
		// ReadBytes, not a Scanner: a created event for a huge campaign
		// split into tiny batches can be a long line.
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var e Event
			switch uerr := json.Unmarshal(line, &e); {
			case uerr != nil && err == io.EOF:
				warnings = append(warnings, fmt.Sprintf("%s line %d: incomplete last line skipped (spotcast was probably stopped while writing it)", path, lineNo))
			case uerr != nil:
				warnings = append(warnings, fmt.Sprintf("%s line %d: unreadable line skipped: %v", path, lineNo, uerr))
			case e.CampaignID == "":
				warnings = append(warnings, fmt.Sprintf("%s line %d: event without a campaign ID skipped", path, lineNo))
			default:
				if w := apply(get(e.CampaignID), e); w != "" {
					warnings = append(warnings, fmt.Sprintf("%s line %d: %s", path, lineNo, w))
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, warnings, fmt.Errorf("reading journal %s: %w", path, err)
		}
	}
	out := make([]CampaignRecord, 0, len(order))
	for _, id := range order {
		r := byID[id]
		if r.Incomplete && len(r.Batches) == 0 {
			continue // nothing but skipped lines, each reported
		}
		for i := range r.Batches {
			if r.Batches[i].State == stateSending {
				r.Batches[i].State = StateUnknown
				r.Batches[i].Error = interruptedError
			}
		}
		out = append(out, *r)
	}
	sort.SliceStable(out, func(a, b int) bool {
		if !out[a].CreatedAt.Equal(out[b].CreatedAt) {
			return out[a].CreatedAt.After(out[b].CreatedAt)
		}
		return out[a].CampaignID > out[b].CampaignID
	})
	return out, warnings, nil
}

// stateSending marks, while folding, a batch whose request was begun.
const stateSending BatchState = "sending"

// apply folds one event into its campaign; it returns a warning or "".
func apply(r *CampaignRecord, e Event) string {
	if e.Kind == EventCreated {
		r.CreatedAt, r.Operator, r.Type = e.CreatedAt, e.Operator, e.Type
		if r.CreatedAt.IsZero() {
			r.CreatedAt = e.At
		}
		r.Recipients, r.Groups, r.BatchSize, r.ScheduledAt = e.Recipients, e.Groups, e.BatchSize, e.ScheduledAt
		r.API, r.Sandbox = e.API, e.Sandbox
		r.Incomplete = false
		if len(e.Plan) > 0 {
			batch(r, len(e.Plan)-1) // every planned batch, even one whose entry is damaged
		}
		var bad []string
		for _, p := range e.Plan {
			// The plan lists every batch once: an index past its length is
			// damage, and growing to it would allocate without limit.
			if p.Index < 0 || p.Index >= len(e.Plan) {
				bad = append(bad, fmt.Sprint(p.Index))
				continue
			}
			b := batch(r, p.Index)
			b.Recipients, b.Groups, b.RequestHash = p.Recipients, p.Groups, p.RequestHash
		}
		if len(bad) > 0 {
			return fmt.Sprintf("campaign %s: batch index %s not in its plan of %d batches (damaged line); skipped", e.CampaignID, clipList(bad, 5), len(e.Plan))
		}
		return ""
	}
	if e.Batch == nil {
		return fmt.Sprintf("%s event for campaign %s without a batch index skipped", e.Kind, e.CampaignID)
	}
	i := *e.Batch
	var b *BatchRecord
	switch {
	case i < 0:
	case !r.Incomplete && i < len(r.Batches):
		b = &r.Batches[i]
	case !r.Incomplete:
		return fmt.Sprintf("campaign %s: batch index %d not in its plan of %d batches (damaged line); skipped", e.CampaignID, i, len(r.Batches))
	case i <= r.events+lostBatchSlack:
		// No plan (the created line is lost): batches are sent in order,
		// each with events, so an index far past the events seen is damage.
		b = batch(r, i)
	default:
		return fmt.Sprintf("campaign %s: batch index %d is far past the %d events seen for it, and its created line is missing (damaged line); skipped", e.CampaignID, i, r.events)
	}
	if b == nil {
		return fmt.Sprintf("campaign %s: batch index %d out of range (damaged line); skipped", e.CampaignID, i)
	}
	r.events++
	b.UpdatedAt = e.At
	switch e.Kind {
	case EventPending:
		b.State, b.Error = stateSending, ""
	case EventAccepted:
		b.State, b.Error = StateAccepted, ""
		b.JobID, b.JobStatus, b.Messages = e.JobID, e.Status, e.Messages
	case EventRejected:
		b.State, b.Error = StateRejected, e.Error
	case EventUnknown:
		b.State, b.Error = StateUnknown, e.Error
	case EventNotSent, EventThrottled:
		// The reason stays visible (`jobs`); resume sends the batch.
		b.State, b.Error = StatePending, e.Error
	case EventJob:
		if e.JobID != "" {
			b.JobID = e.JobID
		}
		b.JobStatus = e.Status
		b.Total, b.Sent, b.Failed, b.Pending = e.Total, e.Sent, e.Failed, e.Pending
	case EventSuppressed:
		// Journaled for the record; the batch's state does not change.
	default:
		return fmt.Sprintf("unknown event %q skipped", SanitizeLine(string(e.Kind), 30))
	}
	return ""
}

// lostBatchSlack is how far past the events seen a campaign without a plan
// may name a batch (events of earlier batches may be lost with the plan).
// What a journal can make the reader allocate thus grows with its size,
// never with a number written in it.
const lostBatchSlack = 64

// batch returns batch i of r (i >= 0, bounded by the caller), growing the
// list when r is still being built: a created event, or events whose
// created event was lost.
func batch(r *CampaignRecord, i int) *BatchRecord {
	if n := i + 1; n > len(r.Batches) {
		r.Batches = slices.Grow(r.Batches, n-len(r.Batches))
		for len(r.Batches) < n {
			r.Batches = append(r.Batches, BatchRecord{Index: len(r.Batches), State: StatePending})
		}
	}
	return &r.Batches[i]
}

// clipList joins the first n items, and says how many more there were.
func clipList(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}
