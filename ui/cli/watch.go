package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"spotcast/campaign"
	"spotcast/client"
	"spotcast/ui"
)

// maxPollFailures ends a headless watch after this many consecutive failed
// polls of one job: a script should learn the API is gone, not hang.
const maxPollFailures = 6

func (a *app) watchCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "watch JOB_ID...",
		Short: "Follow bulk jobs until they end",
		Long: `Poll one or more bulk jobs until every one has ended. On a terminal this is
the progress view; otherwise one plain line per change (or, with --json,
one JSON object per poll and a final summary object).

Exit 0 when every job COMPLETED without failures, 5 when one failed or was
cancelled or had failed messages. Leaving (Ctrl-C) does not stop the jobs.`,
		Example: `  spotcast watch job_abc123
  spotcast watch job_a job_b --json | jq .`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runWatch(cmd.Context(), args, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object per poll, then a summary object")
	return cmd
}

func (a *app) runWatch(ctx context.Context, ids []string, asJSON bool) error {
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
	if a.outTTY && !asJSON {
		res, err := a.runUI(ctx, c, ui.Options{WatchJobIDs: ids})
		if err == nil {
			return a.uiDone(res)
		}
		// The TUI could not start: plain lines still do the job.
	}
	a.sandboxNotice(c)
	jobs, err := a.watchPlain(ctx, c.client, ids, a.out, asJSON)
	a.recordWatched(jobs)
	if asJSON {
		_ = writeJSONLine(a.out, summaryJSON(ids, jobs, exitCodeOf(err, jobs)))
	}
	if err != nil {
		return err
	}
	return jobsExit(jobs)
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

func toJobJSON(id string, j *client.Job, err error) jobJSON {
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

type watchSummary struct {
	Done     bool      `json:"done"`
	Jobs     []jobJSON `json:"jobs"`
	ExitCode int       `json:"exitCode"`
}

func summaryJSON(ids []string, jobs map[string]*client.Job, code int) watchSummary {
	s := watchSummary{Done: true, ExitCode: code, Jobs: []jobJSON{}}
	for _, id := range ids {
		s.Jobs = append(s.Jobs, toJobJSON(id, jobs[id], nil))
	}
	return s
}

func exitCodeOf(err error, jobs map[string]*client.Job) int {
	if err == nil {
		err = jobsExit(jobs)
	}
	var ee *ExitCodeError
	if errors.As(err, &ee) {
		return ee.Code
	}
	if err != nil {
		return ExitError
	}
	return ExitOK
}

// progressLine is the plain form, e.g. "job_x PROCESSING 120/500 sent, 3 failed".
func progressLine(id string, j *client.Job) string {
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
	return b.String()
}

// watchPlain polls the jobs to the end, writing a line per change (or a
// JSON object per poll). Auth and other 4xx errors stop it (exit 3); so do
// repeated transport failures (exit 4); Ctrl-C exits 130 and leaves the
// jobs running server-side.
func (a *app) watchPlain(ctx context.Context, cl *client.Client, ids []string, w io.Writer, asJSON bool) (map[string]*client.Job, error) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		fatal    error
		failures = map[string]int{}
		last     = map[string]string{}
	)
	fn := func(u client.JobUpdate) {
		mu.Lock()
		defer mu.Unlock()
		if asJSON {
			_ = writeJSONLine(w, toJobJSON(u.JobID, u.Job, u.Err))
		}
		if u.Err != nil {
			if errors.Is(u.Err, context.Canceled) {
				return
			}
			failures[u.JobID]++
			code, msg := classify(u.Err, nil)
			if code == ExitRejected || failures[u.JobID] >= maxPollFailures {
				if fatal == nil {
					if code != ExitRejected {
						msg = fmt.Sprintf("%s (after %d failed polls); the job goes on server-side — try `spotcast watch %s` later", msg, failures[u.JobID], u.JobID)
					}
					fatal = exitf(code, "watching %s: %s", campaign.Sanitize(u.JobID), msg)
				}
				cancel()
				return
			}
			if !asJSON {
				fmt.Fprintf(w, "%s poll failed: %s; retrying in %s\n", campaign.Sanitize(u.JobID), msg, u.NextPoll.Round(time.Second))
			}
			return
		}
		failures[u.JobID] = 0
		if !asJSON {
			if line := progressLine(u.JobID, u.Job); line != last[u.JobID] {
				last[u.JobID] = line
				fmt.Fprintln(w, line)
			}
		}
	}
	jobs, err := cl.Watch(wctx, ids, client.WatchOptions{Interval: time.Second}, fn)
	mu.Lock()
	defer mu.Unlock()
	switch {
	case fatal != nil:
		return jobs, fatal
	case ctx.Err() != nil:
		return jobs, exitf(ExitInterrupted, "interrupted; the job(s) go on server-side: re-attach with `spotcast watch %s`", strings.Join(ids, " "))
	case err != nil:
		code, msg := classify(err, nil)
		return jobs, exitf(code, "watching: %s", msg)
	}
	if !asJSON {
		for _, id := range ids {
			printFailures(w, jobs[id])
		}
	}
	return jobs, nil
}

// printFailures lists a few per-recipient failures when the API gives them.
func printFailures(w io.Writer, j *client.Job) {
	if j == nil || len(j.Failures) == 0 {
		return
	}
	const show = 10
	fmt.Fprintf(w, "%s: %d failed recipient(s):\n", campaign.Sanitize(j.ID), len(j.Failures))
	for i, f := range j.Failures {
		if i == show {
			fmt.Fprintf(w, "  … and %d more\n", len(j.Failures)-show)
			break
		}
		fmt.Fprintf(w, "  %s: %s\n", campaign.Sanitize(f.Recipient), campaign.Sanitize(f.Error))
	}
}

// jobsExit is 0 when every job COMPLETED without failed messages, else 5
// naming the jobs that did not.
func jobsExit(jobs map[string]*client.Job) error {
	var bad []string
	for id, j := range jobs {
		switch {
		case j == nil:
			bad = append(bad, id+" has no known status")
		case j.Status != "COMPLETED":
			bad = append(bad, fmt.Sprintf("%s ended %s", id, j.Status))
		case j.Failed != nil && *j.Failed > 0:
			bad = append(bad, fmt.Sprintf("%s completed with %d failed message(s)", id, *j.Failed))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return exitf(ExitJobFailed, "%s", strings.Join(bad, "; "))
}

func writeJSONLine(w io.Writer, v any) error {
	enc := jsonLineEncoder(w)
	return enc.Encode(v)
}

// jobRef places a bulk job in the journal.
type jobRef struct {
	campaignID string
	batch      int
}

func submissionRefs(sub *campaign.Submission) map[string]jobRef {
	refs := map[string]jobRef{}
	for _, b := range sub.Batches {
		if b.Outcome.JobID != "" {
			refs[b.Outcome.JobID] = jobRef{sub.CampaignID, b.Index}
		}
	}
	return refs
}

// recordJobs journals the last known state of watched jobs, so `spotcast
// jobs` shows how they ended. A journal failure only warns: the jobs ran.
func (a *app) recordJobs(j *campaign.Journal, refs map[string]jobRef, jobs map[string]*client.Job) {
	ids := make([]string, 0, len(jobs))
	for id := range jobs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		job, ref := jobs[id], refs[id]
		if job == nil || ref.campaignID == "" {
			continue
		}
		if err := j.RecordJobStatus(ref.campaignID, ref.batch, id, job.Status, job.Total, job.Sent, job.Failed, job.Pending); err != nil {
			fmt.Fprintf(a.errOut, "warning: could not journal the status of %s: %v\n", id, err)
			return
		}
	}
}

// recordWatched journals the outcome of `spotcast watch` for jobs that this
// machine submitted; jobs from elsewhere are not in the journal and skipped.
func (a *app) recordWatched(jobs map[string]*client.Job) {
	dir := a.stateDir()
	records, _, err := campaign.ReadJournal(filepath.Join(dir, campaign.JournalFile))
	if err != nil || len(records) == 0 {
		return
	}
	refs := map[string]jobRef{}
	for _, r := range records {
		for _, b := range r.Batches {
			if b.JobID != "" && jobs[b.JobID] != nil {
				refs[b.JobID] = jobRef{r.CampaignID, b.Index}
			}
		}
	}
	if len(refs) == 0 {
		return
	}
	j, err := campaign.OpenJournal(dir)
	if err != nil {
		return
	}
	defer j.Close()
	a.recordJobs(j, refs, jobs)
}
