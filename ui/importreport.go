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
	fmt.Fprintf(w, "  numbers from %s\n", ColumnName(rep.Column))
	if len(rep.Problems) > 0 {
		fmt.Fprintf(w, "Problems:\n")
		for _, p := range rep.Problems {
			v := campaign.Sanitize(p.Value)
			if strings.TrimSpace(v) == "" {
				v = "(empty)"
			}
			fmt.Fprintf(w, "  line %d: %s: %s\n", p.Line, v, campaign.Sanitize(p.Reason))
		}
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
