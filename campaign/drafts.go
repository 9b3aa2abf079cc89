package campaign

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Draft is a campaign being composed, saved as the operator types so that
// quitting or a dropped SSH connection loses nothing. It holds no API key.
type Draft struct {
	Campaign
	Step    string `json:"step,omitempty"` // the wizard step to return to
	CSVPath string `json:"csvPath,omitempty"`
	// PhoneColumn is the CSV column chosen for the numbers ("": detected).
	PhoneColumn string `json:"phoneColumn,omitempty"`
	// CSVRows, CSVSize and CSVModTime are the CSV as it was imported, so a
	// restore can tell that it changed since.
	CSVRows    int       `json:"csvRows,omitempty"`
	CSVSize    int64     `json:"csvSize,omitempty"`
	CSVModTime time.Time `json:"csvModTime,omitzero"`
	// International: digits without + are country code and number.
	International  bool              `json:"international,omitempty"`
	DefaultCountry string            `json:"defaultCountry,omitempty"`
	BatchSize      int               `json:"batchSize,omitempty"`
	SavedAt        time.Time         `json:"savedAt"`
	Operator       string            `json:"operator,omitempty"`
	UI             map[string]string `json:"ui,omitempty"` // free-form screen state
}

// DraftPath is where an operator's draft lives under stateDir.
func DraftPath(stateDir, operator string) string {
	return filepath.Join(stateDir, "drafts", operatorKey(operator)+".json")
}

// operatorKey makes an operator (an SSH key fingerprint such as
// "SHA256:ab+/..", or a user name) into a safe file name; a hash of the
// exact name keeps distinct operators apart even when their safe forms look
// alike.
func operatorKey(operator string) string {
	var b strings.Builder
	for _, r := range operator {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 48 {
			break
		}
	}
	name := b.String()
	if name == "" {
		name = "default"
	}
	sum := sha256.Sum256([]byte(operator))
	return name + "-" + hex.EncodeToString(sum[:6])
}

// testNumberPath is where an operator's last test-send number is kept.
func testNumberPath(stateDir, operator string) string {
	return filepath.Join(stateDir, "test_numbers", operatorKey(operator))
}

// LastTestNumber is the number the operator last sent a test to ("" if none).
func LastTestNumber(stateDir, operator string) string {
	b, err := os.ReadFile(testNumberPath(stateDir, operator))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(Sanitize(string(b)))
}

// SaveTestNumber remembers the operator's test number for next time.
func SaveTestNumber(stateDir, operator, number string) error {
	p := testNumberPath(stateDir, operator)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	return writeFileAtomic(p, []byte(number+"\n"))
}

// SaveDraft writes the operator's draft atomically (0600), replacing the
// previous one. A zero SavedAt is set to now.
func SaveDraft(stateDir string, d Draft) error {
	if d.SavedAt.IsZero() {
		d.SavedAt = time.Now()
	}
	d.SavedAt = d.SavedAt.UTC()
	data, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encoding draft: %w", err)
	}
	if err := writeFileAtomic(DraftPath(stateDir, d.Operator), data); err != nil {
		return fmt.Errorf("saving draft: %w", err)
	}
	return nil
}

// LatestDraft returns the operator's saved draft, or nil, nil when there is
// none. A damaged draft is an error naming the file, so the caller can offer
// to discard it.
func LatestDraft(stateDir, operator string) (*Draft, error) {
	p := DraftPath(stateDir, operator)
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading draft: %w", err)
	}
	var d Draft
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("draft %s is damaged (%v); delete it to start afresh", p, err)
	}
	return &d, nil
}

// DeleteDraft removes the operator's draft; no draft is not an error.
func DeleteDraft(stateDir, operator string) error {
	err := os.Remove(DraftPath(stateDir, operator))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("deleting draft: %w", err)
	}
	return nil
}

// DraftStore keeps each operator's draft and last test number: the
// database does (package campaign/store). The file functions above are
// the store from before it, which the database imports.
type DraftStore interface {
	SaveDraft(d Draft) error
	// LatestDraft is nil, nil when the operator has none.
	LatestDraft(operator string) (*Draft, error)
	DeleteDraft(operator string) error
	// TestNumber is "" when the operator never sent a test.
	TestNumber(operator string) string
	SaveTestNumber(operator, number string) error
}
