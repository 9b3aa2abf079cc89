package campaign

import (
	"testing"
	"time"
)

func TestStatusAsOf(t *testing.T) {
	loc := time.FixedZone("IST", 5*3600+1800)
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, loc)
	at := time.Date(2026, 3, 14, 3, 46, 0, 0, time.UTC) // 09:16 IST
	for _, tc := range []struct {
		b    BatchRecord
		want string
	}{
		{BatchRecord{JobID: "j", JobStatus: "PROCESSING", UpdatedAt: at}, "as of 09:16"},
		{BatchRecord{JobID: "j", JobStatus: "SCHEDULED", UpdatedAt: at.Add(-24 * time.Hour)}, "as of Fri 13 Mar 09:16"},
		{BatchRecord{JobID: "j", JobStatus: "COMPLETED", UpdatedAt: at}, ""},
		{BatchRecord{JobID: "j", JobStatus: "PROCESSING"}, ""},
		{BatchRecord{JobStatus: "PROCESSING", UpdatedAt: at}, ""},
	} {
		if got := StatusAsOf(tc.b, loc, now); got != tc.want {
			t.Errorf("StatusAsOf(%s at %v) = %q, want %q", tc.b.JobStatus, tc.b.UpdatedAt, got, tc.want)
		}
	}
}
