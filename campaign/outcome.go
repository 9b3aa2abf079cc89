package campaign

import (
	"fmt"
	"strings"
)

// Outcome is what a submission amounted to, counted in recipients: what
// the API accepted, refused, may have received, never got; and, once its
// jobs were watched, what was sent and what failed. Every face shows this
// one account: the CLI's lines and --json, the TUI's progress view.
type Outcome struct {
	CampaignID string
	Recipients int // every recipient of every batch
	Groups     int
	Accepted   int // in accepted batches
	Rejected   int // in batches the API refused (nothing sent)
	Unknown    int // in batches that may or may not have arrived
	NotSent    int // in batches never sent (pending: resume sends them)
	// Sent and Failed are known once jobs were watched (or for
	// synchronous sends, from the messages' statuses).
	Sent, Failed int
	Failures     []Failure
	// Watched: Sent and Failed come from jobs that ended.
	Watched bool
}

// Incomplete: some recipients were not (known to be) handed to the API.
func (o Outcome) Incomplete() bool { return o.Rejected+o.Unknown+o.NotSent > 0 }

// Resumable: a resume would send something without risking a double send.
func (o Outcome) Resumable() bool { return o.Rejected+o.NotSent > 0 }

// Headline is the one line that sums it up, for scrollback and logs.
func (o Outcome) Headline() string {
	switch {
	case o.Accepted == 0 && o.Groups == 0 && o.Recipients > 0 && o.Unknown == 0:
		return fmt.Sprintf("Campaign %s: nothing was sent (%s not sent)", o.CampaignID, Plural(o.Recipients, "recipient", "recipients"))
	case o.Incomplete():
		s := fmt.Sprintf("Campaign %s incomplete: %d of %s accepted", o.CampaignID, o.Accepted, Plural(o.Recipients, "recipient", "recipients"))
		if n := o.Rejected + o.NotSent; n > 0 {
			s += fmt.Sprintf(", %d not sent", n)
		}
		if o.Unknown > 0 {
			s += fmt.Sprintf(", %d unknown (may have arrived)", o.Unknown)
		}
		return s
	case o.Watched && o.Failed > 0:
		return fmt.Sprintf("Campaign %s finished: %d of %s sent, %d failed", o.CampaignID, o.Sent, Plural(o.Recipients, "recipient", "recipients"), o.Failed)
	case o.Watched:
		return fmt.Sprintf("Campaign %s finished: %d of %s sent", o.CampaignID, o.Sent, Plural(o.Recipients, "recipient", "recipients"))
	}
	return fmt.Sprintf("Campaign %s accepted: %s", o.CampaignID, Plural(o.Recipients, "recipient", "recipients"))
}

// Summarize counts a submission, and the end of its watched jobs when
// given (nil: not watched).
func Summarize(sub *Submission, results []JobResult) Outcome {
	o := Outcome{}
	if sub == nil {
		return o
	}
	o.CampaignID = sub.CampaignID
	byJob := make(map[string]JobResult, len(results))
	for _, r := range results {
		byJob[r.JobID] = r
	}
	// Synchronous sends are known at once; jobs once watched to their end.
	o.Watched = true
	for _, b := range sub.Batches {
		o.Recipients += b.Recipients
		o.Groups += b.Groups
		switch b.State {
		case StateAccepted:
			o.Accepted += b.Recipients
		case StateRejected:
			o.Rejected += b.Recipients
		case StateUnknown:
			o.Unknown += b.Recipients
		default:
			o.NotSent += b.Recipients
		}
		if b.State != StateAccepted {
			continue
		}
		if b.Outcome.JobID == "" {
			for _, m := range b.Outcome.Messages {
				if MessageFailed(m.Status) {
					o.Failed++
				} else {
					o.Sent++
				}
			}
			continue
		}
		r, ok := byJob[b.Outcome.JobID]
		if results == nil || !ok || r.End != EndFinished || r.Job == nil {
			o.Watched = false // a job whose end we do not know
			continue
		}
		if r.Job.Sent != nil {
			o.Sent += *r.Job.Sent
		}
		o.Failed += r.Job.FailedCount()
		o.Failures = append(o.Failures, r.Job.Failures...)
	}
	return o
}

// MessageFailed reads a synchronous message's status.
func MessageFailed(status string) bool {
	s := strings.TrimSpace(status)
	return strings.EqualFold(s, "FAILED") || strings.EqualFold(s, "ERROR") || strings.EqualFold(s, "REJECTED")
}
