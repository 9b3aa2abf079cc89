package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"spotcast/campaign"
	"spotcast/ui"
)

func (a *app) watchCmd() *cobra.Command {
	var asJSON, allowAPIChange bool
	cmd := &cobra.Command{
		Use:   "watch JOB_ID...",
		Short: "Follow bulk jobs until they end",
		Long: `Poll one or more bulk jobs until every one has ended. On a terminal this is
the progress view; otherwise one plain line per change (or, with --json,
one JSON object per poll and a final summary object).

All watched jobs share one poll budget (--poll-rate, 5 requests a second in
all by default). A rate limit (429) or timeout (408) answer waits and goes
on; a job the API does not know (404, 410) or refuses to report (401, 403)
ends its watch; six polls in a row without a usable answer end it too.

Exit 0 when every job COMPLETED without failures, 5 when one failed or was
cancelled or had failed messages, 3 when the API refused to report a job or
lost it, 4 when it could not be reached. Leaving (Ctrl-C) does not stop the
jobs.`,
		Example: `  spotcast watch job_abc123
  spotcast watch job_a job_b --json | jq .`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runWatch(cmd.Context(), args, asJSON, allowAPIChange)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object per poll, then a summary object")
	cmd.Flags().BoolVar(&allowAPIChange, "allow-api-change", false, "watch jobs journaled against another API than the configured one")
	return cmd
}

func (a *app) runWatch(ctx context.Context, ids []string, asJSON, allowAPIChange bool) error {
	var ps problemList
	for _, id := range ids {
		if strings.TrimSpace(id) == "" || strings.ContainsAny(id, "/?#") {
			ps.add("job id", "%q is not a job ID (like job_abc123)", id)
		}
	}
	if len(ps) > 0 {
		var b strings.Builder
		for i, p := range ps {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(p.Message)
		}
		return exitf(ExitInvalid, "%s", b.String())
	}
	c, err := a.connect(true)
	if err != nil {
		return err
	}
	defer c.close()
	refs := a.storedJobs(c.store, ids)
	if !allowAPIChange {
		if err := checkTargets(c, ids, refs); err != nil {
			return err
		}
	}
	if a.outTTY && !asJSON {
		res, err := a.runUI(ctx, c, ui.Options{WatchJobIDs: ids})
		if err == nil {
			return a.uiDone(res)
		}
		// The TUI could not start: plain lines still do the job.
	}
	a.sandboxNotice(c)
	results, err := a.watchJobs(ctx, c, ids, a.out, asJSON)
	a.recordJobs(c.store, refs, results)
	return err
}

// checkTargets refuses jobs journaled against another API than the one
// configured: asking the wrong API about them can only mislead.
func checkTargets(c *conn, ids []string, refs map[string]campaign.JobRef) error {
	checked := map[string]bool{} // a campaign's jobs share its target: one lookup each
	for _, id := range ids {
		ref, ok := refs[id]
		if !ok || checked[ref.CampaignID] {
			continue
		}
		checked[ref.CampaignID] = true
		rec, _ := c.store.Campaign(ref.CampaignID)
		if rec != nil && !rec.Target().Same(c.engine.Target) {
			return targetMismatch(&campaign.TargetMismatchError{CampaignID: rec.CampaignID, Recorded: rec.Target(), Current: c.engine.Target}, "job "+campaign.Sanitize(id)+" of ")
		}
	}
	return nil
}

// targetMismatch is exit 2 naming both targets and the override.
func targetMismatch(e *campaign.TargetMismatchError, what string) error {
	return exitf(ExitInvalid, "%s%v; point --base-url (or --sandbox) at the API it was sent to, or pass --allow-api-change if that API moved", what, e)
}

func codeOnly(code int) error {
	if code == 0 {
		return nil
	}
	return quietExit(code)
}

// jobJSON is one job's state in watch --json output.
type jobJSON struct {
	JobID   string `json:"jobId"`
	Status  string `json:"status"`
	Total   *int   `json:"total"`
	Sent    *int   `json:"sent"`
	Failed  *int   `json:"failed"`
	Pending *int   `json:"pending"`
	Error   string `json:"error,omitempty"`
}

func toJobJSON(id string, j *campaign.Job, err error) jobJSON {
	out := jobJSON{JobID: id, Status: "UNKNOWN"}
	if j != nil {
		out.Status = campaign.Sanitize(j.Status)
		out.Total, out.Sent, out.Failed, out.Pending = j.Total, j.Sent, j.Failed, j.Pending
	}
	if err != nil {
		out.Error = campaign.Sanitize(err.Error())
	}
	return out
}

// watchSummary is the last object of watch --json: how every job ended,
// the counts in all and the failed recipients.
type watchSummary struct {
	Done     bool          `json:"done"`
	Jobs     []jobEndJSON  `json:"jobs"`
	ExitCode int           `json:"exitCode"`
	Sent     int           `json:"sent"`
	Failed   int           `json:"failed"`
	Failures []failureJSON `json:"failures"`
}

type jobEndJSON struct {
	jobJSON
	// End: finished, lost, refused, unreachable; "" when the watch was cut short.
	End string `json:"end"`
}

type failureJSON struct {
	Recipient string `json:"recipient"`
	Error     string `json:"error"`
}

func summaryJSON(results []campaign.JobResult, code int) watchSummary {
	s := watchSummary{Done: true, ExitCode: code, Jobs: []jobEndJSON{}, Failures: []failureJSON{}}
	for _, r := range results {
		s.Jobs = append(s.Jobs, jobEndJSON{jobJSON: toJobJSON(r.JobID, r.Job, r.Err), End: string(r.End)})
		if r.Job == nil {
			continue
		}
		if r.Job.Sent != nil {
			s.Sent += *r.Job.Sent
		}
		s.Failed += r.Job.FailedCount()
		s.Failures = appendFailures(s.Failures, r.Job.Failures)
	}
	return s
}

func appendFailures(out []failureJSON, fs []campaign.Failure) []failureJSON {
	for _, f := range fs {
		out = append(out, failureJSON{Recipient: campaign.Sanitize(f.Recipient), Error: campaign.Sanitize(f.Error)})
	}
	return out
}

// progressLine is the plain form, e.g. "job_x PROCESSING 120/500 sent, 3 failed".
func progressLine(id string, j *campaign.Job) string {
	if j == nil {
		return id + " (no status yet)"
	}
	var b strings.Builder
	b.WriteString(campaign.Sanitize(id) + " " + campaign.Sanitize(j.Status))
	if j.Sent == nil && j.Failed == nil && j.Total == nil {
		b.WriteString(" (the API gave no counts)")
		return b.String()
	}
	b.WriteString(" ")
	if j.Sent != nil {
		fmt.Fprintf(&b, "%d", *j.Sent)
	} else {
		b.WriteString("?")
	}
	if j.Total != nil {
		fmt.Fprintf(&b, "/%d", *j.Total)
	}
	b.WriteString(" sent")
	if j.Failed != nil {
		fmt.Fprintf(&b, ", %d failed", *j.Failed)
	}
	if campaign.IsScheduled(j.Status) {
		if at := j.ScheduledTime(); !at.IsZero() {
			fmt.Fprintf(&b, " (starts %s)", at.Local().Format("2006-01-02 15:04 MST"))
		}
	}
	return b.String()
}

// watchJobs follows the jobs to the end with the engine's one watch policy,
// writing a line per change (or a JSON object per poll, then a summary).
// The error carries the exit code of how they ended.
func (a *app) watchJobs(ctx context.Context, c *conn, ids []string, w io.Writer, asJSON bool) ([]campaign.JobResult, error) {
	last := map[string]string{}
	fn := func(u campaign.JobUpdate) {
		if asJSON {
			_ = writeJSONLine(w, toJobJSON(u.JobID, u.Job, u.Err))
			return
		}
		id := campaign.Sanitize(u.JobID)
		wait := time.Until(u.NextPoll).Round(time.Second)
		switch {
		case u.Throttled:
			fmt.Fprintf(w, "%s: the API asked to slow down (%s); polling again in %s\n", id, campaign.Sanitize(u.Err.Error()), max(wait, time.Second))
		case u.End == campaign.EndLost:
			fmt.Fprintf(w, "%s is lost: the API no longer knows it: %s\n", id, campaign.Sanitize(u.Err.Error()))
		case u.End == campaign.EndRefused:
			fmt.Fprintf(w, "%s: the API refused to report it: %s\n", id, campaign.Sanitize(u.Err.Error()))
		case u.End == campaign.EndUnreachable:
			fmt.Fprintf(w, "%s: no usable answer after %d polls: %s\n", id, u.Failures, campaign.Sanitize(u.Err.Error()))
		case u.Err != nil:
			fmt.Fprintf(w, "%s poll failed (%d in a row): %s; retrying in %s\n", id, u.Failures, campaign.Sanitize(u.Err.Error()), max(wait, time.Second))
		default:
			if line := progressLine(u.JobID, u.Job); line != last[u.JobID] {
				last[u.JobID] = line
				fmt.Fprintln(w, line)
			}
		}
	}
	results, err := c.engine.Watch(ctx, c.engine.NewPoller(ids...), fn)
	verdict := campaign.Verdict(results)
	if err != nil {
		verdict = campaign.VerdictInterrupted
	}
	code := verdictExit(verdict)
	if asJSON {
		_ = writeJSONLine(w, summaryJSON(results, code))
	} else {
		for _, r := range results {
			printFailures(w, r.Job)
		}
	}
	return results, watchError(verdict, results)
}

// printFailures lists a few per-recipient failures when the API gives them.
func printFailures(w io.Writer, j *campaign.Job) {
	if j == nil || len(j.Failures) == 0 {
		return
	}
	const show = 10
	fmt.Fprintf(w, "%s: %s:\n", campaign.Sanitize(j.ID), campaign.Plural(len(j.Failures), "failed recipient", "failed recipients"))
	for i, f := range j.Failures {
		if i == show {
			fmt.Fprintf(w, "  … and %d more\n", len(j.Failures)-show)
			break
		}
		fmt.Fprintf(w, "  %s: %s\n", campaign.Sanitize(f.Recipient), campaign.Sanitize(f.Error))
	}
}

func writeJSONLine(w io.Writer, v any) error {
	enc := jsonLineEncoder(w)
	return enc.Encode(v)
}

// submissionRefs places a submission's bulk jobs in the store.
func submissionRefs(sub *campaign.Submission) map[string]campaign.JobRef {
	refs := map[string]campaign.JobRef{}
	for _, b := range sub.Batches {
		if b.Outcome.JobID != "" {
			refs[b.Outcome.JobID] = campaign.JobRef{CampaignID: sub.CampaignID, Batch: b.Index}
		}
	}
	return refs
}

// recordJobs stores the last known state of watched jobs, so `spotcast
// jobs` shows how they ended. A store failure only warns: the jobs ran.
func (a *app) recordJobs(st campaign.Store, refs map[string]campaign.JobRef, results []campaign.JobResult) {
	for _, r := range results {
		ref, ok := refs[r.JobID]
		if r.Job == nil || !ok {
			continue
		}
		job := r.Job
		if err := campaign.RecordJobStatus(st, ref.CampaignID, ref.Batch, r.JobID, job.Status, job.Total, job.Sent, job.Failed, job.Pending); err != nil {
			fmt.Fprintf(a.errOut, "warning: could not record the status of %s: %v\n", r.JobID, err)
			return
		}
	}
}

// storedJobs finds which of ids the store knows (sent from here, or by
// the team); jobs from elsewhere are watched but not recorded.
func (a *app) storedJobs(st campaign.Store, ids []string) map[string]campaign.JobRef {
	refs, err := st.JobRefs(ids)
	if err != nil {
		fmt.Fprintf(a.errOut, "warning: %v\n", err)
	}
	return refs
}
