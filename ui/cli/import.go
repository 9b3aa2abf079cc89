package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"spotcast/campaign"
	"spotcast/ui"
)

type importFlags struct {
	json          bool
	out           string
	phoneColumn   string
	international bool
}

// internationalHelp is the --international flag's text, on import and send.
const internationalHelp = "read digits without + as country code and number (the API's own form, e.g. 919876543210), any country"

func (a *app) importCmd() *cobra.Command {
	var f importFlags
	cmd := &cobra.Command{
		Use:   "import PATH.csv",
		Short: "Check and normalise a contact list (CSV or vCard)",
		Long: `Read a contact list (CSV from Google Contacts, Outlook, Excel..., or a .vcf
vCard export from a phone), find the phone numbers, normalise every number
to international digits, drop duplicates and report every rejected row with
its line and the reason.

Exits 0 when the file yields at least one valid number, 2 when it cannot
be read or yields none.`,
		Example: `  spotcast import contacts.csv --default-country IN
  spotcast import export.csv --phone-column "Mobile Phone" --out clean.csv
  spotcast import contacts.vcf --default-country GB
  spotcast import api-list.csv --international
  cat contacts.csv | spotcast import - --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.runImport(cmd.Context(), args[0], f) },
	}
	cmd.Flags().BoolVar(&f.json, "json", false, "print the report as JSON on stdout")
	cmd.Flags().StringVar(&f.out, "out", "", "write the valid numbers to this CSV (columns phone,name)")
	cmd.Flags().StringVar(&f.phoneColumn, "phone-column", "", "the column holding the numbers (default: detected)")
	cmd.Flags().BoolVar(&f.international, "international", false, internationalHelp)
	return cmd
}

// importOpts are the CLI's choices for one import.
type importOpts struct {
	phoneColumn   string
	international bool
	// onRecipient streams the recipients out (see campaign.ImportOptions).
	onRecipient func(campaign.Recipient) error
	// suppressed is the suppression list: those numbers are left out.
	suppressed map[string]bool
}

// importFile opens path ('-' = stdin) and imports it. Errors name the file.
func (a *app) importFile(ctx context.Context, path string, o importOpts) (*campaign.ImportReport, error) {
	var r io.Reader
	var size int64
	if path == "-" {
		r = a.in
	} else {
		fh, sz, err := openContactList(ctx, path)
		if err != nil {
			return nil, err
		}
		defer fh.Close()
		r, size = fh, sz
	}
	rep, err := campaign.Import(ctx, r, size, campaign.ImportOptions{
		PhoneColumn:    o.phoneColumn,
		DefaultCountry: a.g.defaultCountry,
		International:  o.international,
		OnRecipient:    o.onRecipient,
		Suppressed:     o.suppressed,
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return rep, fmt.Errorf("%s: %w", displayPath(path), err)
	}
	return rep, nil
}

// openContactList opens a contact list by path. A regular file opens as
// usual; a pipe (a FIFO, or a shell's <(...)) opens without blocking, so a
// FIFO nobody writes to is refused instead of hanging forever, and a read
// waiting on a slow writer ends when ctx does. Other kinds are refused.
func openContactList(ctx context.Context, path string) (io.ReadCloser, int64, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, 0, fmt.Errorf("cannot read %s: %v", path, unwrapPathErr(err))
	}
	switch m := st.Mode(); {
	case m.IsDir():
		return nil, 0, fmt.Errorf("%s is a directory, not a contact list: name a .csv or .vcf file in it", path)
	case m&os.ModeNamedPipe != 0:
		return openPipe(ctx, path)
	case !m.IsRegular():
		return nil, 0, fmt.Errorf("%s is not a regular file (%v): name a .csv or .vcf file, or use - to read standard input", path, m.Type())
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("cannot read %s: %v", path, unwrapPathErr(err))
	}
	return fh, st.Size(), nil
}

func (a *app) runImport(ctx context.Context, path string, f importFlags) error {
	out := &importOutput{w: bufio.NewWriterSize(a.out, 64<<10), json: f.json}
	if f.out != "" {
		if err := out.createCSV(f.out); err != nil {
			return exitf(ExitError, "cannot write %s: %v", f.out, err)
		}
		defer out.discardCSV()
	}
	suppressed, err := a.suppressedSet()
	if err != nil {
		return err
	}
	rep, err := a.importFile(ctx, path, importOpts{phoneColumn: f.phoneColumn, international: f.international, onRecipient: out.recipient, suppressed: suppressed})
	if err != nil {
		if ctx.Err() != nil {
			out.abort("interrupted")
			return exitf(ExitInterrupted, "interrupted")
		}
		// A file that was read but yields nobody still gets its report.
		if rep == nil || !errors.Is(err, campaign.ErrNoRecipients) {
			if out.werr != nil {
				return exitf(ExitError, "writing the report: %v", out.werr)
			}
			out.abort(flagWords(err.Error()))
			return exitf(ExitInvalid, "%v", err)
		}
	}
	flagWordsReport(rep)
	if f.json {
		out.finishJSON(rep)
		// The JSON keys are SPEC's; what else a person should know goes to
		// stderr.
		ui.WriteImportNotes(a.errOut, rep)
	} else {
		ui.WriteImportReport(out.w, displayPath(path), rep)
	}
	if err := out.w.Flush(); err != nil {
		return exitf(ExitError, "writing the report: %v", err)
	}
	if rep.Valid == 0 && rep.Suppressed > 0 {
		return exitf(ExitInvalid, "%s: every valid number in it opted out (%d); nothing to send to", displayPath(path), rep.Suppressed)
	}
	if rep.Valid == 0 {
		return exitf(ExitInvalid, "%s: no valid numbers in %d row(s); nothing to send to", displayPath(path), rep.Rows)
	}
	if f.out != "" {
		if err := out.commitCSV(); err != nil {
			return exitf(ExitError, "cannot write %s: %v", f.out, err)
		}
		fmt.Fprintf(a.errOut, "Wrote %d number(s) to %s\n", rep.Valid, f.out)
	}
	return nil
}

// importOutput writes an import's results as they come: the --json
// document's recipients array and the --out file, so that no list of
// recipients is ever held in memory. The JSON keys are those of SPEC
// section 3; "recipients" comes first because the counts are known only at
// the end.
type importOutput struct {
	w       *bufio.Writer
	json    bool
	started bool // `{"recipients":[` written
	n       int
	werr    error

	csvPath, csvTmp string
	csvFile         *os.File
	csvBuf          *bufio.Writer
	csv             *csv.Writer
}

func (o *importOutput) recipient(rc campaign.Recipient) error {
	if o.json {
		o.begin()
		if o.n > 0 {
			o.w.WriteByte(',')
		}
		if o.n%8 == 0 {
			o.w.WriteString("\n    ")
		}
		// E.164 digits: nothing to escape.
		o.w.WriteByte('"')
		o.w.WriteString(rc.Phone)
		o.w.WriteByte('"')
	}
	o.n++
	if o.csv != nil {
		if err := o.csv.Write([]string{rc.Phone, rc.Name}); err != nil {
			return err
		}
	}
	if _, err := o.w.Write(nil); err != nil { // bufio's error is sticky: a closed stdout ends the import
		o.werr = err
		return err
	}
	return nil
}

func (o *importOutput) begin() {
	if !o.started {
		o.started = true
		o.w.WriteString(`{"recipients": [`)
	}
}

// abort ends a JSON document that has begun, so that stdout stays valid
// JSON even when the file turned out unreadable half-way.
func (o *importOutput) abort(reason string) {
	if !o.json || !o.started {
		return
	}
	o.w.WriteString("\n  ],\n  \"error\": ")
	b, _ := json.Marshal(reason)
	o.w.Write(b)
	o.w.WriteString("\n}\n")
	o.w.Flush()
}

func (o *importOutput) finishJSON(rep *campaign.ImportReport) {
	o.begin()
	if o.n > 0 {
		o.w.WriteString("\n  ")
	}
	o.w.WriteString("],\n")
	tail := struct {
		Rows            int                      `json:"rows"`
		Valid           int                      `json:"valid"`
		Invalid         int                      `json:"invalid"`
		Duplicates      int                      `json:"duplicates"`
		Suppressed      int                      `json:"suppressed"`
		Problems        []campaign.ImportProblem `json:"problems"`
		ProblemsOmitted int                      `json:"problemsOmitted"`
	}{rep.Rows, rep.Valid, rep.Invalid, rep.Duplicates, rep.Suppressed, rep.Problems, rep.ProblemsOmitted}
	if tail.Problems == nil {
		tail.Problems = []campaign.ImportProblem{}
	}
	var buf []byte
	buf, _ = json.MarshalIndent(tail, "", "  ")
	// Splice the rest of the object after the recipients array.
	o.w.Write(buf[2:]) // past "{\n"
	o.w.WriteByte('\n')
}

// createCSV starts --out in a temporary file beside it, renamed into place
// only when the import succeeds: a failed import never leaves half a list
// under the final name.
func (o *importOutput) createCSV(path string) error {
	o.csvPath, o.csvTmp = path, path+".tmp"
	fh, err := os.OpenFile(o.csvTmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	o.csvFile = fh
	o.csvBuf = bufio.NewWriterSize(fh, 1<<16)
	o.csv = csv.NewWriter(o.csvBuf)
	return o.csv.Write([]string{"phone", "name"})
}

func (o *importOutput) commitCSV() error {
	o.csv.Flush()
	err := errors.Join(o.csv.Error(), o.csvBuf.Flush(), o.csvFile.Close())
	o.csvFile = nil
	if err != nil {
		os.Remove(o.csvTmp)
		return err
	}
	return os.Rename(o.csvTmp, o.csvPath)
}

// discardCSV removes the temporary --out file unless it was committed.
func (o *importOutput) discardCSV() {
	if o.csvFile != nil {
		o.csvFile.Close()
		os.Remove(o.csvTmp)
	}
}
