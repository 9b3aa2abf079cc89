package ui

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"spotcast/campaign"
)

// WriteImportReport prints an import report as plain text: the same words
// for `spotcast import` and for `ssh HOST import`.
func WriteImportReport(out io.Writer, name string, rep *campaign.ImportReport) {
	w := bufio.NewWriter(out)
	defer w.Flush()
	fmt.Fprintf(w, "%s\n", name)
	fmt.Fprintf(w, "  rows        %d\n", rep.Rows)
	fmt.Fprintf(w, "  valid       %d\n", rep.Valid)
	fmt.Fprintf(w, "  invalid     %d\n", rep.Invalid)
	fmt.Fprintf(w, "  duplicates  %d\n", rep.Duplicates)
	if rep.Suppressed > 0 {
		fmt.Fprintf(w, "  suppressed  %d\n", rep.Suppressed)
	}
	if rep.Source != "" {
		fmt.Fprintf(w, "  numbers from %s\n", campaign.Sanitize(rep.Source))
	} else {
		fmt.Fprintf(w, "  numbers from %s\n", ColumnName(rep.Column))
	}
	writeNoMobile(w, rep)
	if rep.Suppressed > 0 {
		fmt.Fprintf(w, "  %s\n", LeftOutText(rep.Suppressed))
	}
	writeProblems(w, "Problems:", rep.Problems, rep.ProblemsOmitted)
	writeProblems(w, "Warnings (imported):", rep.Warnings, rep.WarningsOmitted)
}

// WriteImportNotes prints what a report says beyond its counts and
// problems (contacts without a mobile number, warnings), for a face whose
// main output is JSON.
func WriteImportNotes(out io.Writer, rep *campaign.ImportReport) {
	w := bufio.NewWriter(out)
	defer w.Flush()
	writeNoMobile(w, rep)
	writeProblems(w, "Warnings (imported):", rep.Warnings, rep.WarningsOmitted)
}

func writeNoMobile(w io.Writer, rep *campaign.ImportReport) {
	if rep.NoMobile > 0 {
		fmt.Fprintf(w, "  %s had no mobile number: their first other number (never a fax) was used\n", campaign.Plural(rep.NoMobile, "contact", "contacts"))
	}
}

func writeProblems(w io.Writer, title string, ps []campaign.ImportProblem, omitted int) {
	if len(ps) == 0 {
		return
	}
	fmt.Fprintf(w, "%s\n", title)
	for _, p := range ps {
		v := campaign.Sanitize(p.Value)
		if strings.TrimSpace(v) == "" {
			v = "(empty)"
		}
		fmt.Fprintf(w, "  line %d: %s: %s\n", p.Line, v, campaign.Sanitize(p.Reason))
	}
	if omitted > 0 {
		fmt.Fprintf(w, "  ... and %d more not listed (only the first %d are kept)\n", omitted, len(ps))
	}
}

// ColumnName names the column an import used, for people.
func ColumnName(c string) string {
	if c == "" {
		return "the first column"
	}
	if strings.HasPrefix(c, "column ") { // a headerless file: "column 1"
		return c
	}
	return fmt.Sprintf("column %q", campaign.Sanitize(c))
}

// SuppressedText is the composer's count of the numbers left out because
// they opted out (Recipients and Review).
func SuppressedText(n int) string { return commas(n) + " suppressed (opted out)" }

// LeftOutText says how many numbers were left out because they opted out,
// and where the list is seen (the import report, the send confirmation).
func LeftOutText(n int) string {
	return campaign.Plural(n, "number", "numbers") + " left out: they opted out (spotcast optout list)"
}
