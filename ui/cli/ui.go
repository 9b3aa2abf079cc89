package cli

import (
	"context"
	"fmt"

	"spotcast/campaign"
	"spotcast/client"
	"spotcast/ui"
)

// runUI opens the TUI with what every command gives it (client, sandbox,
// state, operator, clock); opts carries the screen-specific rest.
func (a *app) runUI(ctx context.Context, c *conn, opts ui.Options) (ui.Result, error) {
	opts.Client, opts.Sandbox = c.client, c.sandbox
	opts.DefaultCountry, opts.Operator = a.g.defaultCountry, operator(a.getenv)
	opts.StateDir, opts.Now = a.stateDir(), a.now
	return ui.Run(ctx, opts)
}

// uiDone prints how the TUI ended and returns its exit code as the error.
func (a *app) uiDone(res ui.Result) error {
	if res.Message != "" {
		fmt.Fprintln(a.errOut, campaign.Sanitize(res.Message))
	}
	return codeOnly(res.ExitCode)
}

// watchSubmission follows a submission's bulk jobs to the end (send --watch,
// resume): the live progress view on a terminal, plain lines on stderr
// otherwise. done means the TUI ran and err is the command's result;
// otherwise jobs holds the final states, journaled.
func (a *app) watchSubmission(ctx context.Context, c *conn, j *campaign.Journal, sub *campaign.Submission, asJSON bool) (jobs map[string]*client.Job, done bool, err error) {
	ids := jobIDs(sub)
	if len(ids) == 0 {
		return nil, false, nil
	}
	if a.outTTY && a.inTTY && !asJSON {
		res, uiErr := a.runUI(ctx, c, ui.Options{Journal: j, Submission: sub})
		if uiErr == nil {
			return nil, true, a.uiDone(res)
		}
		// The TUI could not start: plain lines still do the job.
	}
	jobs, err = a.watchPlain(ctx, c.client, ids, a.errOut, false)
	a.recordJobs(j, submissionRefs(sub), jobs)
	return jobs, false, err
}
