package campaign

import "time"

// StatusAsOf is "as of 09:16" (another day: "as of Mon 2 Jan 09:16") for a
// job status the journal recorded at b.UpdatedAt: the job may have moved on
// since. "" when there is no job status, it is final, or its time unknown.
// Callers that poll the job live show the live status instead.
func StatusAsOf(b BatchRecord, loc *time.Location, now time.Time) string {
	if b.JobID == "" || b.JobStatus == "" || IsTerminal(b.JobStatus) || b.UpdatedAt.IsZero() {
		return ""
	}
	if loc == nil {
		loc = time.Local
	}
	at, n := b.UpdatedAt.In(loc), now.In(loc)
	if at.Year() == n.Year() && at.YearDay() == n.YearDay() {
		return "as of " + at.Format("15:04")
	}
	return "as of " + at.Format("Mon 2 Jan 15:04")
}
