package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"errors"
	"spotcast/campaign"
	"time"
)

type resumeFlags struct {
	includeUnknown, yes, watch, json, allowAPIChange bool
}

func (a *app) resumeCmd() *cobra.Command {
	var f resumeFlags
	cmd := &cobra.Command{
		Use:   "resume CAMPAIGN_ID",
		Short: "Send the requests of a campaign that were never sent, then watch",
		Long: `Send the requests of a journaled campaign that never went out: pending ones
(spotcast stopped first) and rejected ones (the API refused them, so nothing
arrived). Requests whose outcome is unknown may already have been delivered;
they are resent only with --include-unknown, and their recipients may then
get the message twice. ` + "`spotcast jobs`" + ` lists campaign IDs.`,
		Example: `  spotcast resume cmp_20261125T124501Z_ab12cd
  spotcast resume cmp_20261125T124501Z_ab12cd --include-unknown --yes`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.runResume(cmd.Context(), args[0], f) },
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.includeUnknown, "include-unknown", false, "also resend requests whose outcome is unknown (may duplicate)")
	fl.BoolVarP(&f.yes, "yes", "y", false, "resend without asking (required when stdin is not a terminal)")
	fl.BoolVar(&f.watch, "watch", true, "follow the bulk job(s) until they end")
	fl.BoolVar(&f.json, "json", false, "print the result as JSON on stdout (the send --json shape)")
	fl.BoolVar(&f.allowAPIChange, "allow-api-change", false, "resume a campaign journaled against another API than the configured one")
	return cmd
}

func (a *app) runResume(ctx context.Context, id string, f resumeFlags) error {
	if err := campaign.CheckCampaignID(id); err != nil {
		return exitf(ExitInvalid, "%v", err)
	}
	db, err := a.store()
	if err != nil {
		return err
	}
	rec, err := db.Campaign(id)
	if err != nil {
		return exitf(ExitError, "%v", err)
	}
	if rec == nil {
		return exitf(ExitInvalid, "campaign %s is not in %s (see `spotcast jobs`)", id, db.Where())
	}
	todo, unknown, recipients := 0, 0, 0
	for _, b := range rec.Batches {
		switch b.State {
		case campaign.StatePending, campaign.StateRejected:
			todo++
			recipients += b.Recipients
		case campaign.StateUnknown:
			unknown++
			if f.includeUnknown {
				todo++
				recipients += b.Recipients
			}
		}
	}
	if unknown > 0 && !f.includeUnknown {
		fmt.Fprintf(a.errOut, "%s skipped: %s may already have been delivered (--include-unknown resends them).\n",
			campaign.Plural(unknown, "request with an unknown outcome is", "requests with an unknown outcome are"), map[bool]string{true: "it", false: "they"}[unknown == 1])
	}
	if todo == 0 {
		fmt.Fprintf(a.errOut, "Campaign %s has nothing left to send.\n", id)
		return nil
	}
	c, err := a.connect(true)
	if err != nil {
		return err
	}
	defer c.close()
	if !f.allowAPIChange && !rec.Target().Same(c.engine.Target) {
		return targetMismatch(&campaign.TargetMismatchError{CampaignID: id, Recorded: rec.Target(), Current: c.engine.Target}, "")
	}
	if !f.yes {
		if !a.inTTY {
			return exitf(ExitInvalid, "stdin is not a terminal, so spotcast cannot ask for confirmation: pass --yes to resume")
		}
		fmt.Fprintf(a.errOut, "Resume campaign %s: send %s to %s through %s? [y/N] ", id,
			campaign.Plural(todo, "request", "requests"), campaign.Plural(recipients, "recipient", "recipients"), targetText(c))
		if ok, err := a.readYes(ctx); err != nil || !ok {
			if err == nil {
				fmt.Fprintln(a.errOut, "Not sent.")
			}
			return err
		}
	}
	a.sandboxNotice(c)
	sub, sendErr := c.engine.Resume(ctx, id, f.includeUnknown, f.allowAPIChange, campaign.SubmitOptions{Operator: operator(a.getenv)})
	if sub == nil {
		var tm *campaign.TargetMismatchError
		switch {
		case errors.As(sendErr, &tm):
			return targetMismatch(tm, "")
		case ctx.Err() != nil:
			return exitf(ExitInterrupted, "interrupted; nothing more was sent")
		}
		return a.sendFailure(sendErr, nil, c)
	}
	p := &plan{c: campaign.Campaign{Type: rec.Type}, loc: time.Local}
	if cf, _, err := c.store.LoadCampaign(id); err == nil {
		p.c = cf.Campaign // the summary line names its audience and schedule
	}
	return a.finishSubmission(ctx, c, sub, sendErr, p, f.watch, f.json)
}
