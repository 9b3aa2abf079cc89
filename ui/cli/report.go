package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"spotcast/campaign"
)

func (a *app) reportCmd() *cobra.Command {
	var (
		asJSON     bool
		recipients string
	)
	cmd := &cobra.Command{
		Use:   "report CAMPAIGN_ID",
		Short: "Show what became of a campaign's messages: sent, delivered, read, replied, failed",
		Long: `Show a campaign's funnel from WhatsSpot's webhooks: how many recipients'
messages were accepted, sent, delivered, read and replied to, how many
failed, were suppressed (opted out), never sent or have an unknown outcome,
each with its share of the recipients, as of the newest event. Counts are
cumulative: a read message was also delivered and sent. Unattributed events
(chats that are not phone numbers, numbers no campaign sent to) are counted,
never guessed.

With --recipients STATUS, the recipients of one status as CSV on stdout
(recipient,status,updatedAt,error).`,
		Example: `  spotcast report cmp_20261125T124501Z_ab12cd
  spotcast report cmp_20261125T124501Z_ab12cd --json
  spotcast report cmp_20261125T124501Z_ab12cd --recipients failed > failed.csv`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runReport(args[0], asJSON, recipients, cmd.Flags().Changed("recipients"))
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON on stdout")
	cmd.Flags().StringVar(&recipients, "recipients", "", "write the recipients of one status as CSV: "+strings.Join(campaign.FunnelStatuses, ", "))
	return cmd
}

func (a *app) runReport(id string, asJSON bool, recipients string, drill bool) error {
	status := ""
	if drill {
		st, ok := campaign.FunnelStatus(recipients)
		if !ok {
			return exitf(ExitInvalid, "--recipients %q is not a funnel status: use one of %s",
				campaign.SanitizeLine(recipients, 30), strings.Join(campaign.FunnelStatuses, ", "))
		}
		status = st
	}
	if err := campaign.CheckCampaignID(id); err != nil {
		return exitf(ExitInvalid, "%v", err)
	}
	db, err := a.store()
	if err != nil {
		return err
	}
	rep, err := db.Report(id)
	if err != nil {
		return exitf(ExitError, "%v", err)
	}
	if rep == nil {
		return exitf(ExitInvalid, "campaign %s is not in %s (spotcast jobs lists the campaigns)", id, db.Where())
	}
	if drill {
		rows, err := db.RecipientsWith(id, status)
		if err != nil {
			return exitf(ExitError, "%v", err)
		}
		return campaign.WriteRecipientsCSV(a.out, rows)
	}
	rep.AsOf = rep.AsOf.UTC()
	if asJSON {
		return writeJSON(a.out, rep)
	}
	if w := a.deviceWarning(); w != "" {
		fmt.Fprintln(a.out, "⚠ "+w)
	}
	fmt.Fprintf(a.out, "Campaign %s: %s, as of %s\n", campaign.Sanitize(rep.CampaignID),
		campaign.Plural(rep.Recipients, "recipient", "recipients"), rep.AsOf.Local().Format("2006-01-02 15:04:05 MST"))
	tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', tabwriter.AlignRight)
	for _, r := range rep.Rows() {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t\n", r.Label, campaign.Grouped(r.Count), r.ShareText())
	}
	tw.Flush()
	fmt.Fprintf(a.out, "unattributed events since the campaign: %s\n", campaign.Grouped(rep.Unattributed))
	return nil
}

// deviceWarning is the device.disconnected warning ("" when the device is
// not known to be disconnected, or the database cannot say).
func (a *app) deviceWarning() string {
	db, err := a.store()
	if err != nil {
		return ""
	}
	since, err := db.DeviceDisconnected()
	if err != nil {
		return ""
	}
	return campaign.DeviceWarning(since, time.Local)
}
