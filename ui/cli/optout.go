package cli

import (
	"encoding/csv"
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"spotcast/campaign"
	"spotcast/campaign/store"
)

// suppressedSet is the suppression list, for an import or a send to leave
// out who opted out.
func (a *app) suppressedSet() (map[string]bool, error) {
	db, err := a.store()
	if err != nil {
		return nil, err
	}
	set, err := db.SuppressedSet()
	if err != nil {
		return nil, exitf(ExitError, "reading the suppression list: %v", err)
	}
	return set, nil
}

type optoutFlags struct {
	json          bool
	international bool
	phoneColumn   string
	reason        string
}

func (a *app) optoutCmd() *cobra.Command {
	var f optoutFlags
	cmd := &cobra.Command{
		Use:   "optout",
		Short: "The suppression list: numbers that opted out and are never sent to",
		Long: `The suppression list holds the numbers that must not receive campaigns: those
that replied STOP (or another opt-out word; START takes them off again) and
those added here. import and send leave them out and count them as
suppressed; resume drops them from batches not yet sent.`,
		Example: `  spotcast optout list
  spotcast optout add +919876500001 "+44 7700 900123" --reason "asked by phone"
  spotcast optout remove +919876500001
  spotcast optout import unsubscribed.csv --default-country IN
  spotcast optout export > optouts.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	list := &cobra.Command{
		Use: "list", Short: "Show the suppression list (--json for scripts)", Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return a.optoutList(f.json) },
	}
	list.Flags().BoolVar(&f.json, "json", false, "print the list as a JSON array")
	add := &cobra.Command{
		Use: "add NUMBER...", Short: "Put numbers on the suppression list", Args: cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error { return a.optoutChange(args, f, true) },
	}
	add.Flags().StringVar(&f.reason, "reason", "", "why, kept with each number")
	remove := &cobra.Command{
		Use: "remove NUMBER...", Short: "Take numbers off the suppression list", Args: cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error { return a.optoutChange(args, f, false) },
	}
	imp := &cobra.Command{
		Use: "import FILE", Short: "Put every number of a contact list (CSV or vCard) on the suppression list", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.optoutImport(cmd, args[0], f) },
	}
	imp.Flags().StringVar(&f.phoneColumn, "phone-column", "", "the column holding the numbers (default: detected)")
	imp.Flags().StringVar(&f.reason, "reason", "", "why, kept with each number (default: the file's name)")
	export := &cobra.Command{
		Use: "export", Short: "Write the suppression list as CSV (number,source,at,reason) on stdout", Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return a.optoutExport() },
	}
	for _, c := range []*cobra.Command{add, remove, imp} {
		c.Flags().BoolVar(&f.international, "international", false, internationalHelp)
	}
	cmd.AddCommand(list, add, remove, imp, export)
	return cmd
}

// optoutNumbers normalises numbers as --to does; every bad one is listed
// with why (exit 2), and then nothing is changed.
func (a *app) optoutNumbers(args []string, f optoutFlags) ([]string, error) {
	var ps problemList
	var out []string
	for _, raw := range args {
		ph, err := campaign.PhoneOptions{DefaultCountry: a.g.defaultCountry, International: f.international}.Normalize(raw)
		if err != nil {
			ps.add("number", "%q: %v", raw, err)
			continue
		}
		out = append(out, ph)
	}
	if len(ps) > 0 {
		return nil, unchanged(ps)
	}
	return out, nil
}

// unchanged is problemList.err for a list that changed nothing.
func unchanged(ps problemList) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s; the suppression list was not changed:", plural(len(ps), "problem"))
	for _, p := range ps {
		fmt.Fprintf(&b, "\n  %s", campaign.Sanitize(p.Message))
	}
	return exitf(ExitInvalid, "%s", b.String())
}

// optoutChange puts the numbers on the list (add) or takes them off.
func (a *app) optoutChange(args []string, f optoutFlags, add bool) error {
	nums, err := a.optoutNumbers(args, f)
	if err != nil {
		return err
	}
	db, err := a.store()
	if err != nil {
		return err
	}
	verb, prep, rest := "Removed", "from", "not on it"
	var n int
	if add {
		verb, prep, rest = "Added", "to", "already on it"
		n, err = db.Suppress(nums, "manual", campaign.SanitizeLine(f.reason, 200))
	} else {
		n, err = db.Unsuppress(nums)
	}
	if err != nil {
		return exitf(ExitError, "changing the suppression list: %v", err)
	}
	fmt.Fprintf(a.out, "%s %s %s the suppression list%s.\n", verb, plural(n, "number"), prep, already(len(uniq(nums))-n, rest))
	return nil
}

func already(n int, what string) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf(" (%d %s)", n, what)
}

func uniq(nums []string) map[string]bool {
	m := make(map[string]bool, len(nums))
	for _, n := range nums {
		m[n] = true
	}
	return m
}

func (a *app) optoutImport(cmd *cobra.Command, path string, f optoutFlags) error {
	ctx := cmd.Context()
	var nums []string
	rep, err := a.importFile(ctx, path, importOpts{phoneColumn: f.phoneColumn, international: f.international,
		onRecipient: func(r campaign.Recipient) error { nums = append(nums, r.Phone); return nil }})
	if err != nil {
		if ctx.Err() != nil {
			return exitf(ExitInterrupted, "interrupted; the suppression list was not changed")
		}
		return exitf(ExitInvalid, "%v; the suppression list was not changed", err)
	}
	flagWordsReport(rep)
	writeProblemLines(a, rep)
	if len(nums) == 0 {
		return exitf(ExitInvalid, "%s: no valid numbers in %d row(s); the suppression list was not changed", displayPath(path), rep.Rows)
	}
	reason := f.reason
	if reason == "" {
		reason = filepath.Base(displayPath(path))
	}
	db, err := a.store()
	if err != nil {
		return err
	}
	added, err := db.Suppress(nums, "import", campaign.SanitizeLine(reason, 200))
	if err != nil {
		return exitf(ExitError, "adding to the suppression list: %v", err)
	}
	fmt.Fprintf(a.out, "Added %s from %s to the suppression list%s.\n", plural(added, "number"), campaign.Sanitize(displayPath(path)), already(len(nums)-added, "already on it"))
	return nil
}

// writeProblemLines lists the rows an optout import could not read.
func writeProblemLines(a *app, rep *campaign.ImportReport) {
	for _, p := range rep.Problems {
		fmt.Fprintf(a.errOut, "line %d: %s: %s (skipped)\n", p.Line, campaign.SanitizeLine(p.Value, 60), campaign.Sanitize(p.Reason))
	}
	if rep.ProblemsOmitted > 0 {
		fmt.Fprintf(a.errOut, "… and %d more rows skipped\n", rep.ProblemsOmitted)
	}
}

// optoutRow is one entry as every face of this command shows it: the
// number in +E.164, and the rest sanitised.
type optoutRow struct {
	Number string    `json:"number"`
	Source string    `json:"source"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

func (a *app) optoutRows() ([]optoutRow, error) {
	db, err := a.store()
	if err != nil {
		return nil, err
	}
	list, err := db.Suppressions()
	if err != nil {
		return nil, exitf(ExitError, "reading the suppression list: %v", err)
	}
	rows := make([]optoutRow, len(list))
	for i, s := range list {
		rows[i] = optoutRowOf(s)
	}
	return rows, nil
}

func optoutRowOf(s store.Suppression) optoutRow {
	return optoutRow{
		Number: "+" + campaign.SanitizeLine(s.Number, 20),
		Source: campaign.SanitizeLine(s.Source, 20),
		At:     s.At.UTC(),
		Reason: campaign.SanitizeLine(s.Reason, 200),
	}
}

func (a *app) optoutList(asJSON bool) error {
	rows, err := a.optoutRows()
	if err != nil {
		return err
	}
	if asJSON {
		if rows == nil {
			rows = []optoutRow{}
		}
		return writeJSON(a.out, rows)
	}
	if len(rows) == 0 {
		fmt.Fprintln(a.out, "The suppression list is empty.")
		return nil
	}
	tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NUMBER\tSOURCE\tWHEN\tREASON")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Number, r.Source, r.At.Format("2006-01-02 15:04Z07:00"), r.Reason)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(a.out, "%s on the suppression list.\n", plural(len(rows), "number"))
	return nil
}

func (a *app) optoutExport() error {
	rows, err := a.optoutRows()
	if err != nil {
		return err
	}
	w := csv.NewWriter(a.out)
	w.Write([]string{"number", "source", "at", "reason"})
	for _, r := range rows {
		w.Write([]string{r.Number, r.Source, r.At.Format(time.RFC3339), campaign.SpreadsheetSafe(r.Reason)})
	}
	w.Flush()
	return w.Error()
}
