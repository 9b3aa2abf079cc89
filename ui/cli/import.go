package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"spotcast/campaign"
	"spotcast/ui"
)

type importFlags struct {
	json        bool
	out         string
	phoneColumn string
}

func (a *app) importCmd() *cobra.Command {
	var f importFlags
	cmd := &cobra.Command{
		Use:   "import PATH.csv",
		Short: "Check and normalise a CSV contact list",
		Long: `Read a contact list (CSV from Google Contacts, Outlook, Excel...), find the
phone column, normalise every number to international digits, drop
duplicates and report every rejected row with its line and the reason.

Exits 0 when the file yields at least one valid number, 2 when it cannot
be read or yields none.`,
		Example: `  spotcast import contacts.csv --default-country IN
  spotcast import export.csv --phone-column "Mobile Phone" --out clean.csv
  cat contacts.csv | spotcast import - --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.runImport(cmd.Context(), args[0], f) },
	}
	cmd.Flags().BoolVar(&f.json, "json", false, "print the report as JSON on stdout")
	cmd.Flags().StringVar(&f.out, "out", "", "write the valid numbers to this CSV (columns phone,name)")
	cmd.Flags().StringVar(&f.phoneColumn, "phone-column", "", "the column holding the numbers (default: detected)")
	return cmd
}

// importFile opens path ('-' = stdin) and imports it. Errors name the file.
func (a *app) importFile(ctx context.Context, path, phoneColumn string) (*campaign.ImportReport, error) {
	var r io.Reader
	var size int64
	if path == "-" {
		r = a.in
	} else {
		fh, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %v", path, unwrapPathErr(err))
		}
		defer fh.Close()
		if st, err := fh.Stat(); err == nil {
			if st.IsDir() {
				return nil, fmt.Errorf("%s is a directory, not a CSV file", path)
			}
			size = st.Size()
		}
		r = fh
	}
	rep, err := campaign.Import(ctx, r, size, campaign.ImportOptions{
		PhoneColumn:    phoneColumn,
		DefaultCountry: a.g.defaultCountry,
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return rep, fmt.Errorf("%s: %w", displayPath(path), err)
	}
	return rep, nil
}

// importJSON is the exact --json shape of SPEC section 3.
type importJSON struct {
	Rows       int                      `json:"rows"`
	Valid      int                      `json:"valid"`
	Invalid    int                      `json:"invalid"`
	Duplicates int                      `json:"duplicates"`
	Recipients []string                 `json:"recipients"`
	Problems   []campaign.ImportProblem `json:"problems"`
}

func (a *app) runImport(ctx context.Context, path string, f importFlags) error {
	rep, err := a.importFile(ctx, path, f.phoneColumn)
	if err != nil {
		if ctx.Err() != nil {
			return exitf(ExitInterrupted, "interrupted")
		}
		// A file that was read but yields nobody still gets its report.
		if rep == nil || !errors.Is(err, campaign.ErrNoRecipients) {
			return exitf(ExitInvalid, "%v", err)
		}
	}
	if f.json {
		out := importJSON{Rows: rep.Rows, Valid: rep.Valid, Invalid: rep.Invalid, Duplicates: rep.Duplicates,
			Recipients: rep.Phones(), Problems: rep.Problems}
		if out.Problems == nil {
			out.Problems = []campaign.ImportProblem{}
		}
		if err := writeJSON(a.out, out); err != nil {
			return err
		}
	} else {
		ui.WriteImportReport(a.out, displayPath(path), rep)
	}
	if rep.Valid == 0 {
		return exitf(ExitInvalid, "%s: no valid numbers in %d row(s); nothing to send to", displayPath(path), rep.Rows)
	}
	if f.out != "" {
		if err := writeNormalised(f.out, rep); err != nil {
			return exitf(ExitError, "cannot write %s: %v", f.out, err)
		}
		fmt.Fprintf(a.errOut, "Wrote %d number(s) to %s\n", rep.Valid, f.out)
	}
	return nil
}

// writeNormalised writes phone,name to a new file, atomically enough that a
// failed write never leaves half a list under the final name.
func writeNormalised(path string, rep *campaign.ImportReport) error {
	tmp := path + ".tmp"
	fh, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(fh, 1<<16)
	cw := csv.NewWriter(bw)
	_ = cw.Write([]string{"phone", "name"})
	for _, rc := range rep.Recipients {
		_ = cw.Write([]string{rc.Phone, rc.Name})
	}
	cw.Flush()
	err = errors.Join(cw.Error(), bw.Flush(), fh.Close())
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}
