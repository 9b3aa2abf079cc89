package campaign

import (
	"fmt"
	"path/filepath"
)

// Store is where campaigns and their submission events live: the engine's
// port to its state. The journal (STATE/journal.jsonl with campaign files
// and lock files beside it) is one; a database is the next. Every method
// is durable before it returns: a POST is only made after its pending
// event is stored.
type Store interface {
	// CreateCampaign keeps a campaign (enough to resume it without its
	// CSV) and its created event.
	CreateCampaign(cf CampaignFile, created Event) error
	// Append records one event.
	Append(e Event) error
	// Campaigns lists every campaign, newest first, with what could not
	// be read (each warning names its place).
	Campaigns() ([]CampaignRecord, []string, error)
	// LoadCampaign is one campaign's file and its state.
	LoadCampaign(id string) (*CampaignFile, *CampaignRecord, error)
	// Claim holds a campaign so no one else sends it until release; it
	// fails at once when someone holds it.
	Claim(id string) (release func(), err error)
	// Where names the store in messages.
	Where() string
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

// Campaigns folds the journal (ReadJournal).
func (j *Journal) Campaigns() ([]CampaignRecord, []string, error) {
	if j == nil {
		return nil, nil, nil
	}
	return ReadJournal(j.Path())
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
	records, _, err := ReadJournal(j.Path())
	if err != nil {
		return nil, nil, err
	}
	rec := FindCampaign(records, id)
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
