package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"spotcast/campaign"
	"spotcast/ui"
)

// defaultJobs is `spotcast jobs` with no flags: the newest page of 50.
var defaultJobs = jobsFlags{limit: 50, page: 1}

// jobsFlags select and page the campaigns `spotcast jobs` lists.
type jobsFlags struct {
	json            bool
	operator        string
	since           string
	status          string
	limit, page     int
	filtersExplicit bool
}

func (a *app) jobsCmd() *cobra.Command {
	var f jobsFlags
	cmd := &cobra.Command{
		Use:   "jobs [CAMPAIGN_ID]",
		Short: "List the submitted campaigns, newest first, a page at a time",
		Long: `List the campaigns in the database, newest first, with each request's
state: accepted (with its job or messages), rejected, unknown (it may or may
not have reached WhatsSpot) or pending (never sent). With a campaign ID,
only that campaign. On a team's PostgreSQL database every host's campaigns
are listed; --operator keeps one operator's.`,
		Example: `  spotcast jobs
  spotcast jobs --status unknown --since 24h
  spotcast jobs --operator alice --page 2
  spotcast jobs cmp_20261125T124501Z_ab12cd --json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fl := cmd.Flags()
			f.filtersExplicit = fl.Changed("operator") || fl.Changed("since") || fl.Changed("status") || fl.Changed("page") || fl.Changed("limit")
			if len(args) == 0 && a.outTTY && a.inTTY && !f.json && !f.filtersExplicit {
				return a.runJobsTUI(cmd.Context())
			}
			return a.runJobs(f, args)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.json, "json", false, "print the campaigns as JSON on stdout")
	fl.StringVar(&f.operator, "operator", "", "only this operator's campaigns (a user name, or an SSH key's SHA256:… fingerprint)")
	fl.StringVar(&f.since, "since", "", "only campaigns created since then: a duration back (24h, 7d) or a date (2026-11-25, 2026-11-25T09:00)")
	fl.StringVar(&f.status, "status", "", "only campaigns with a request in that state (pending, accepted, rejected, unknown) or a job in that status (COMPLETED, PROCESSING, …)")
	fl.IntVar(&f.limit, "limit", defaultJobs.limit, "campaigns per page")
	fl.IntVar(&f.page, "page", defaultJobs.page, "which page, newest first")
	return cmd
}

// sinceTime reads --since: a duration back from now ("36h", "7d") or a
// local date or date and time.
func sinceTime(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if d, err := strconv.Atoi(n); err == nil && d >= 0 {
			return now.AddDate(0, 0, -d), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{"2006-01-02", "2006-01-02T15:04", "2006-01-02 15:04", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--since %q: give a duration back such as 24h or 7d, or a date such as 2026-11-25 or 2026-11-25T09:00", campaign.SanitizeLine(s, 40))
}

// runJobsTUI opens the TUI's Jobs screen: the same list with live job
// status, re-attaching to a campaign's progress with enter. Without an API
// key it still lists the journal; live status then shows the key error.
func (a *app) runJobsTUI(ctx context.Context) error {
	c, err := a.connect(false)
	if err != nil {
		return err
	}
	defer c.close()
	res, err := a.runUI(ctx, c, ui.Options{JobsOnly: true})
	if err != nil {
		return a.runJobs(defaultJobs, nil) // the TUI could not start: the plain list still helps
	}
	return a.uiDone(res)
}

func (a *app) runJobs(f jobsFlags, args []string) error {
	if f.limit < 1 || f.page < 1 {
		return exitf(ExitInvalid, "--limit and --page count from 1 (got --limit %d --page %d)", f.limit, f.page)
	}
	since, err := sinceTime(f.since, a.now())
	if err != nil {
		return exitf(ExitInvalid, "%v", err)
	}
	db, err := a.store()
	if err != nil {
		return err
	}
	var (
		records []campaign.CampaignRecord
		total   int
	)
	if len(args) == 1 {
		// One campaign's detail is one lookup.
		if err := campaign.CheckCampaignID(args[0]); err != nil {
			return exitf(ExitInvalid, "%v", err)
		}
		rec, err := db.Campaign(args[0])
		if err != nil {
			return exitf(ExitError, "%v", err)
		}
		if rec == nil {
			return exitf(ExitInvalid, "campaign %s is not in %s", args[0], db.Where())
		}
		records, total = []campaign.CampaignRecord{*rec}, 1
	} else {
		q := campaign.CampaignQuery{Operator: f.operator, Since: since, Status: f.status, Limit: f.limit, Offset: (f.page - 1) * f.limit}
		p, err := db.Campaigns(q)
		for _, w := range p.Warnings {
			fmt.Fprintln(a.errOut, "warning: "+campaign.Sanitize(w))
		}
		if err != nil {
			return exitf(ExitError, "%v", err)
		}
		records, total = p.Campaigns, p.Total
		if shown := q.Offset + len(records); shown < total {
			// On stderr: stdout stays the list (or the JSON array).
			fmt.Fprintf(a.errOut, "Campaigns %s–%s of %s; the next page: spotcast jobs --page %d\n",
				campaign.Grouped(q.Offset+1), campaign.Grouped(shown), campaign.Grouped(total), f.page+1)
		}
	}
	if w := a.deviceWarning(); w != "" {
		out := a.out
		if f.json {
			out = a.errOut // stdout stays the JSON array
		}
		fmt.Fprintln(out, "⚠ "+w)
	}
	if f.json {
		if records == nil {
			records = []campaign.CampaignRecord{}
		}
		return writeJSON(a.out, records)
	}
	if len(records) == 0 {
		if total > 0 || f.filtersExplicit {
			fmt.Fprintf(a.out, "No campaign in %s matches.\n", db.Where())
			return nil
		}
		fmt.Fprintf(a.out, "No submissions in %s yet.\n", db.Where())
		return nil
	}
	tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CAMPAIGN\tCREATED\tTYPE\tRECIPIENTS\tGROUPS\tAPI\tREQUESTS")
	for _, r := range records {
		created := "?"
		if !r.CreatedAt.IsZero() {
			created = r.CreatedAt.Local().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\n", campaign.Sanitize(r.CampaignID), created,
			orDash(string(r.Type)), r.Recipients, r.Groups, apiText(r.Target()), countsText(r.Counts()))
	}
	tw.Flush()
	// Details: where each request stands, so an unknown outcome is visible.
	for _, r := range records {
		for _, b := range r.Batches {
			line := fmt.Sprintf("%s request %d: %s", campaign.Sanitize(r.CampaignID), b.Index+1, b.State)
			if b.JobID != "" {
				line += " job " + campaign.Sanitize(b.JobID)
				if b.JobStatus != "" {
					line += " " + campaign.Sanitize(b.JobStatus)
				}
				// The journal's last word: the job may have moved on.
				if asOf := campaign.StatusAsOf(b, time.Local, a.now()); asOf != "" {
					line += " (" + asOf + ")"
				}
			}
			if b.Error != "" {
				line += " — " + campaign.Sanitize(b.Error)
			}
			if b.State != campaign.StateAccepted || b.JobID != "" {
				fmt.Fprintln(a.out, "  "+line)
			}
		}
	}
	return nil
}

// apiText is the target in a column: "sandbox", or the API's host (and
// path prefix), "-" for campaigns journaled before targets were.
func apiText(t campaign.Target) string {
	switch {
	case t.Sandbox:
		return "sandbox"
	case t.API == "":
		return "-"
	}
	return campaign.Sanitize(strings.TrimPrefix(strings.TrimPrefix(t.API, "https://"), "http://"))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func countsText(m map[campaign.BatchState]int) string {
	var parts []string
	for _, s := range []campaign.BatchState{campaign.StateAccepted, campaign.StateRejected, campaign.StateUnknown, campaign.StatePending} {
		if m[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", m[s], s))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}
