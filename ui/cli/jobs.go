package cli

import (
	"time"

	"context"
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"spotcast/campaign"
	"spotcast/ui"
)

func (a *app) jobsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "jobs",
		Short: "List the submissions recorded in the journal, newest first",
		Long: `List every campaign this machine submitted, newest first, with each
request's state: accepted (with its job or messages), rejected, unknown (it
may or may not have reached WhatsSpot) or pending (never sent).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if a.outTTY && a.inTTY && !asJSON {
				return a.runJobsTUI(cmd.Context())
			}
			return a.runJobs(asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the campaigns as JSON on stdout")
	return cmd
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
		return a.runJobs(false) // the TUI could not start: the plain list still helps
	}
	return a.uiDone(res)
}

func (a *app) runJobs(asJSON bool) error {
	path := filepath.Join(a.stateDir(), campaign.JournalFile)
	records, warnings, err := campaign.ReadJournal(path)
	for _, w := range warnings {
		fmt.Fprintln(a.errOut, "warning: "+campaign.Sanitize(w))
	}
	if err != nil {
		return exitf(ExitError, "%v", err)
	}
	if asJSON {
		if records == nil {
			records = []campaign.CampaignRecord{}
		}
		return writeJSON(a.out, records)
	}
	if len(records) == 0 {
		fmt.Fprintf(a.out, "No submissions in %s yet.\n", path)
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
