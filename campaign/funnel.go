package campaign

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"
)

// Funnel is what became of a campaign's recipients (SPEC 9 report):
// cumulative (a read message was also delivered and sent).
type Funnel struct {
	Accepted   int `json:"accepted"`
	Sent       int `json:"sent"`
	Delivered  int `json:"delivered"`
	Read       int `json:"read"`
	Replied    int `json:"replied"`
	Failed     int `json:"failed"`
	Suppressed int `json:"suppressed"`
	NotSent    int `json:"notSent"`
	Unknown    int `json:"unknown"`
}

// Report is a campaign's funnel as of its newest event.
type Report struct {
	CampaignID   string    `json:"campaignId"`
	Recipients   int       `json:"recipients"`
	Funnel       Funnel    `json:"funnel"`
	Unattributed int       `json:"unattributed"`
	AsOf         time.Time `json:"asOf"`
}

// RecipientState is one recipient in a report's drill-down.
type RecipientState struct {
	Recipient string    `json:"recipient"`
	Status    string    `json:"status"`
	UpdatedAt time.Time `json:"updatedAt,omitzero"`
	Error     string    `json:"error,omitempty"`
}

// FunnelStatuses are the statuses a drill-down may ask for (suppressed
// numbers were never recipients: the suppression list has them).
var FunnelStatuses = []string{"accepted", "sent", "delivered", "read", "replied", "failed", "notsent", "unknown"}

// FunnelReader is the port the faces read a campaign's funnel through
// (the database implements it). Report is nil, nil for an unknown
// campaign; DeviceDisconnected is zero while the device is not known to
// be disconnected.
type FunnelReader interface {
	Report(campaignID string) (*Report, error)
	RecipientsWith(campaignID, status string) ([]RecipientState, error)
	DeviceDisconnected() (time.Time, error)
}

// FunnelStatus reads a drill-down status ("Not sent", "notSent",
// "not-sent" are "notsent"); ok is false when it is none of
// FunnelStatuses.
func FunnelStatus(s string) (status string, ok bool) {
	s = strings.ToLower(strings.NewReplacer(" ", "", "-", "", "_", "").Replace(strings.TrimSpace(s)))
	for _, st := range FunnelStatuses {
		if s == st {
			return st, true
		}
	}
	return "", false
}

// FunnelRow is one line of a funnel: its words, count and share of the
// campaign's recipients; Status is what a drill-down asks for ("": none,
// suppressed numbers are not recipients).
type FunnelRow struct {
	Label  string
	Status string
	Count  int
	Share  float64 // 0..1 of Recipients (0 when there are none)
}

// ShareText is the share as the faces print it ("42.0%", "–" with no
// recipients).
func (r FunnelRow) ShareText() string {
	if r.Share < 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", r.Share*100)
}

// Rows is the funnel in the order every face shows it, each with its
// share of the recipients (suppressed numbers too, though they are not
// among them: the share says how many were kept out per recipient).
func (r *Report) Rows() []FunnelRow {
	f := r.Funnel
	rows := []FunnelRow{
		{"accepted", "accepted", f.Accepted, 0},
		{"sent", "sent", f.Sent, 0},
		{"delivered", "delivered", f.Delivered, 0},
		{"read", "read", f.Read, 0},
		{"replied", "replied", f.Replied, 0},
		{"failed", "failed", f.Failed, 0},
		{"suppressed", "", f.Suppressed, 0},
		{"not sent", "notsent", f.NotSent, 0},
		{"unknown", "unknown", f.Unknown, 0},
	}
	for i := range rows {
		if r.Recipients > 0 {
			rows[i].Share = float64(rows[i].Count) / float64(r.Recipients)
		} else {
			rows[i].Share = -1
		}
	}
	return rows
}

// DeviceWarning is the warning every face shows while WhatsSpot's device
// is disconnected ("" when it is not), in the operator's zone.
func DeviceWarning(since time.Time, loc *time.Location) string {
	if since.IsZero() {
		return ""
	}
	if loc == nil {
		loc = time.Local
	}
	return "WhatsApp device disconnected since " + since.In(loc).Format("15:04") + " — messages wait until it is back"
}

// WriteRecipientsCSV writes a drill-down as CSV (recipient in +E.164,
// status, updatedAt in UTC, error): what `report --recipients` prints and
// the TUI exports. Text from the API is made inert for spreadsheets.
func WriteRecipientsCSV(w io.Writer, rows []RecipientState) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"recipient", "status", "updatedAt", "error"})
	for _, r := range rows {
		at := ""
		if !r.UpdatedAt.IsZero() {
			at = r.UpdatedAt.UTC().Format(time.RFC3339)
		}
		rec := Sanitize(r.Recipient)
		if rec != "" && !strings.HasPrefix(rec, "+") {
			rec = "+" + rec
		}
		_ = cw.Write([]string{rec, Sanitize(r.Status), at, SpreadsheetSafe(Sanitize(r.Error))})
	}
	cw.Flush()
	return cw.Error()
}

// SpreadsheetSafe stops a spreadsheet from running text as a formula: a
// cell starting =, +, - or @ gets a leading quote.
func SpreadsheetSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		return "'" + s
	}
	return s
}
