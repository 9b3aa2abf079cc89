package campaign

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// UploadMeta is the sidecar `.<name>.json` that `ssh HOST import NAME`
// writes beside an uploaded CSV `<name>`: the options the file was checked
// with and what the check found, so the composer imports it the same way
// when it is picked. Hidden, so pickers and `ls` do not offer it.
type UploadMeta struct {
	PhoneColumn    string    `json:"phoneColumn,omitempty"`
	DefaultCountry string    `json:"defaultCountry,omitempty"`
	International  bool      `json:"international,omitempty"`
	Rows           int       `json:"rows"`
	Valid          int       `json:"valid"`
	CheckedAt      time.Time `json:"checkedAt"`
	// Shared: the upload is in the database, so every host of a team
	// serves it; a shared file whose row is gone was removed elsewhere.
	Shared bool `json:"shared,omitempty"`
}

// UploadMetaPath is the sidecar's path for the upload at csvPath.
func UploadMetaPath(csvPath string) string {
	return filepath.Join(filepath.Dir(csvPath), "."+filepath.Base(csvPath)+".json")
}

// Options are the import options the upload was checked with.
func (m UploadMeta) Options() ImportOptions {
	return ImportOptions{PhoneColumn: m.PhoneColumn, DefaultCountry: m.DefaultCountry, International: m.International}
}

// ReadUploadMeta reads the sidecar of the upload at csvPath. A missing
// sidecar (a file copied in by hand) is (nil, nil).
func ReadUploadMeta(csvPath string) (*UploadMeta, error) {
	f, err := os.Open(UploadMetaPath(csvPath))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var m UploadMeta
	// Small and untrusted (an operator's folder): bounded, and its text
	// made safe to show.
	if err := json.NewDecoder(io.LimitReader(f, 4096)).Decode(&m); err != nil {
		return nil, fmt.Errorf("the options kept with %s (.%s.json) cannot be read (%v): re-upload the file",
			filepath.Base(csvPath), filepath.Base(csvPath), err)
	}
	m.PhoneColumn = SanitizeLine(m.PhoneColumn, 200)
	if m.DefaultCountry = strings.ToUpper(SanitizeLine(m.DefaultCountry, 2)); m.DefaultCountry != "" && !ValidRegion(m.DefaultCountry) {
		m.DefaultCountry = ""
	}
	return &m, nil
}

// WriteUploadMeta writes the sidecar of the upload at csvPath (0600),
// replacing an older one.
func WriteUploadMeta(csvPath string, m UploadMeta) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := UploadMetaPath(csvPath) + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, UploadMetaPath(csvPath)); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
