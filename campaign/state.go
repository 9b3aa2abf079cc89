package campaign

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// StateDir resolves where spotcast keeps its journal, campaigns and drafts:
// the flag, else $SPOTCAST_STATE_DIR, else $XDG_STATE_HOME/spotcast (an
// absolute path, as the XDG spec requires), else ~/.local/state/spotcast.
func StateDir(flag string) string {
	if flag != "" {
		return flag
	}
	if d := os.Getenv("SPOTCAST_STATE_DIR"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "spotcast")
	}
	if home, err := os.UserHomeDir(); err == nil && home != "" {
		return filepath.Join(home, ".local", "state", "spotcast")
	}
	// No home (a bare container): keep state beside the working directory
	// rather than in a shared temp directory other users can read.
	return ".spotcast-state"
}

// NewCampaignID returns a unique ID that sorts by creation time:
// "cmp_20261125T124501Z_ab12cd".
func NewCampaignID(now time.Time) string {
	var b [3]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return "cmp_" + now.UTC().Format("20060102T150405Z") + "_" + hex.EncodeToString(b[:])
}

var campaignIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$`)

// CheckCampaignID rejects an ID that could not have come from NewCampaignID
// closely enough to be unsafe as a file name (separators, dots, empty).
func CheckCampaignID(id string) error {
	if !campaignIDPattern.MatchString(id) {
		return fmt.Errorf("%q is not a campaign ID (like cmp_20261125T124501Z_ab12cd; `spotcast jobs` lists them)", SanitizeLine(id, 60))
	}
	return nil
}

// CampaignFile is everything needed to resend a campaign's batches without
// the CSV it came from (STATE/campaigns/ID.json). It holds no API key.
type CampaignFile struct {
	CampaignID string    `json:"campaignId"`
	CreatedAt  time.Time `json:"createdAt"`
	Operator   string    `json:"operator,omitempty"`
	BatchSize  int       `json:"batchSize"`
	Campaign   Campaign  `json:"campaign"`
}

// CampaignPath is where a campaign's file lives under stateDir.
func CampaignPath(stateDir, campaignID string) string {
	return filepath.Join(stateDir, "campaigns", campaignID+".json")
}

// SaveCampaignFile writes the campaign file atomically (0600).
func SaveCampaignFile(stateDir string, cf CampaignFile) error {
	if err := CheckCampaignID(cf.CampaignID); err != nil {
		return err
	}
	data, err := json.Marshal(cf)
	if err != nil {
		return fmt.Errorf("encoding campaign %s: %w", cf.CampaignID, err)
	}
	return writeFileAtomic(CampaignPath(stateDir, cf.CampaignID), data)
}

// LoadCampaignFile reads a campaign saved by SaveCampaignFile.
func LoadCampaignFile(stateDir, campaignID string) (*CampaignFile, error) {
	if err := CheckCampaignID(campaignID); err != nil {
		return nil, err
	}
	p := CampaignPath(stateDir, campaignID)
	data, err := os.ReadFile(p)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("campaign %s: no campaign file at %s (was it created with another state directory?)", campaignID, p)
		}
		return nil, fmt.Errorf("campaign %s: %w", campaignID, err)
	}
	var cf CampaignFile
	if err := json.Unmarshal(data, &cf); err != nil {
		return nil, fmt.Errorf("campaign file %s is damaged: %v", p, err)
	}
	if cf.CampaignID != campaignID {
		return nil, fmt.Errorf("campaign file %s holds campaign %q, not %s", p, SanitizeLine(cf.CampaignID, 60), campaignID)
	}
	return &cf, nil
}

// writeFileAtomic replaces path with data so that a reader (or a crash)
// sees either the old file or the new one, never a torn one: write a
// temporary file beside it, fsync, rename, fsync the directory.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating state directory: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("saving %s: %w", path, err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	// CreateTemp already makes the file 0600.
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("saving %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("saving %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("saving %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("saving %s: %w", path, err)
	}
	ok = true
	syncDir(dir)
	return nil
}

// syncDir makes a rename durable; failure only weakens durability, so it
// is not reported (some file systems refuse to fsync a directory).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
