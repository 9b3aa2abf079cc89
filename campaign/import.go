package campaign

import (
	"context"
	"errors"
	"io"
)

// ImportOptions tunes Import.
type ImportOptions struct {
	// PhoneColumn forces the column by header name (case/space-insensitive).
	PhoneColumn string
	// DefaultCountry is an ISO region ("IN", "GB") for national numbers.
	DefaultCountry string
	// Progress, when set, is called now and then (not per row) from the
	// import goroutine.
	Progress func(ImportProgress)
	// Workers is the number of validation goroutines; 0 means GOMAXPROCS.
	Workers int
}

// ImportProgress is a progress snapshot.
type ImportProgress struct {
	Bytes, TotalBytes int64 // TotalBytes is 0 when unknown
	Rows              int
}

// Recipient is one valid, de-duplicated number from the file.
type Recipient struct {
	Phone string `json:"phone"`          // E.164 digits without '+'
	Name  string `json:"name,omitempty"` // sanitised; from a name column when there is one
	Line  int    `json:"line"`           // 1-based line of the record in the file
}

// ImportProblem is one rejected value.
type ImportProblem struct {
	Line   int    `json:"line"`
	Value  string `json:"value"` // sanitised raw value
	Reason string `json:"reason"`
}

// ImportReport is the outcome of reading a contact list.
type ImportReport struct {
	Rows       int             `json:"rows"`
	Valid      int             `json:"valid"`
	Invalid    int             `json:"invalid"`
	Duplicates int             `json:"duplicates"`
	Column     string          `json:"column"` // header of the column used ("column 1" when headerless)
	HasNames   bool            `json:"hasNames"`
	Recipients []Recipient     `json:"-"`
	Problems   []ImportProblem `json:"problems"`
}

// Phones returns the recipients' numbers in file order.
func (r *ImportReport) Phones() []string {
	out := make([]string, len(r.Recipients))
	for i, rc := range r.Recipients {
		out[i] = rc.Phone
	}
	return out
}

// ErrNoRecipients is wrapped when a file was read but yields no valid number.
var ErrNoRecipients = errors.New("no valid recipients")

// Import reads a CSV contact list (SPEC section 4). size is the input size
// for progress (0 if unknown). It returns an error only when the file cannot
// be read or parsed at all; per-row problems go in the report.
func Import(ctx context.Context, r io.Reader, size int64, opts ImportOptions) (*ImportReport, error) {
	return nil, errors.New("not implemented")
}
