package cli

import (
	"context"

	"spotcast/campaign"
	"spotcast/ui"
)

// runUI opens the TUI with what every command gives it (client, sandbox,
// state, operator, clock); opts carries the screen-specific rest.
func (a *app) runUI(ctx context.Context, c *conn, opts ui.Options) (ui.Result, error) {
	opts.Engine, opts.Sandbox = c.engine, c.sandbox
	opts.DefaultCountry, opts.Operator = a.g.defaultCountry, operator(a.getenv)
	opts.StateDir, opts.Now, opts.Store = a.stateDir(), a.now, c.store
	return ui.Run(ctx, opts)
}

// watchSubmission follows a submission's bulk jobs to the end (send --watch,
// resume): the live progress view on a terminal, plain lines on stderr
// otherwise. done means the TUI ran and err is the command's result;
// otherwise jobs holds the final states, journaled.
func (a *app) watchSubmission(ctx context.Context, c *conn, sub *campaign.Submission, asJSON bool) (results []campaign.JobResult, done bool, err error) {
	ids := jobIDs(sub)
	if len(ids) == 0 {
		return nil, false, nil
	}
	if a.outTTY && a.inTTY && !asJSON {
		res, uiErr := a.runUI(ctx, c, ui.Options{Submission: sub})
		if uiErr == nil {
			return nil, true, a.uiDone(res)
		}
		// The TUI could not start: plain lines still do the job.
	}
	results, err = a.watchJobs(ctx, c, ids, a.errOut, false)
	a.recordJobs(c.store, submissionRefs(sub), results)
	return results, false, err
}
