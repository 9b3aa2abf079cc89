package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"spotcast/campaign"
	"spotcast/ui"
)

// maxContentFile bounds --content-file reads: far above any WhatsApp limit,
// small enough that a wrong path (a video, a log) is refused quickly.
const maxContentFile = 1 << 20

type sendFlags struct {
	typ, content, contentFile, caption, mediaURL string
	to, groups                                   []string
	csv, phoneColumn                             string
	schedule, tz                                 string
	batchSize                                    int
	dryRun, yes, watch, json, checkMedia         bool
	testTo                                       string
	international                                bool
}

func (a *app) sendCmd() *cobra.Command {
	var f sendFlags
	cmd := &cobra.Command{
		Use:   "send",
		Short: "Send a campaign without the UI (for scripts and cron)",
		Long: `Send one message to many recipients. Every problem with the input is listed
at once and nothing is sent until all are fixed (exit 2).

On a terminal, send asks for confirmation; otherwise pass --yes.
Each request is recorded in the journal before it is sent and after.`,
		Example: `  spotcast send --to +919999999999 --content "Hello"
  spotcast send --csv contacts.csv --default-country IN --content-file msg.txt --yes --watch
  spotcast send --type image --media-url https://example.com/p.jpg --caption "New menu" \
      --csv contacts.csv --schedule "2026-12-25 10:00" --tz Asia/Kolkata
  spotcast send --csv contacts.csv --content "Hi" --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runSend(cmd.Context(), f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.typ, "type", "TEXT", "message type: TEXT, IMAGE, VIDEO or DOCUMENT (any case)")
	fl.StringVar(&f.content, "content", "", "the text (TEXT) or the caption (media types)")
	fl.StringVar(&f.contentFile, "content-file", "", "read the content from a file ('-' = stdin)")
	fl.StringVar(&f.caption, "caption", "", "the caption of a media message (same as --content for media types)")
	fl.StringVar(&f.mediaURL, "media-url", "", "http(s) URL of the image, video or document")
	fl.StringArrayVar(&f.to, "to", nil, "a recipient's number, e.g. +919999999999 (repeatable)")
	fl.StringVar(&f.csv, "csv", "", "a CSV contact list ('-' = stdin)")
	fl.StringVar(&f.phoneColumn, "phone-column", "", "the CSV column holding the numbers (default: detected)")
	fl.BoolVar(&f.international, "international", false, internationalHelp)
	fl.StringArrayVar(&f.groups, "group", nil, "a WhatsApp group ID (repeatable)")
	fl.StringVar(&f.schedule, "schedule", "", `when to send: now, +2h, 2026-12-25T10:00:00Z, or "2026-12-25 10:00" in --tz`)
	fl.StringVar(&f.tz, "tz", "", "time zone for --schedule's local form, e.g. Asia/Kolkata (default: this machine's)")
	fl.IntVar(&f.batchSize, "batch-size", 0, "split into requests of at most N recipients (0: one request)")
	fl.BoolVar(&f.dryRun, "dry-run", false, "validate and print the request bodies as JSON; send nothing")
	fl.BoolVarP(&f.yes, "yes", "y", false, "send without asking (required when stdin is not a terminal)")
	fl.BoolVar(&f.watch, "watch", false, "follow the bulk job(s) until they end")
	fl.BoolVar(&f.json, "json", false, "print the result as JSON on stdout")
	fl.StringVar(&f.testTo, "test-to", "", "send this message to this one number only (a test send)")
	fl.BoolVar(&f.checkMedia, "check-media", false, "HEAD the media URL first; refuse an HTTP error, a wrong content type or a file over the limit")
	return cmd
}

// plan is a validated campaign ready to send.
type plan struct {
	c          campaign.Campaign
	requests   []campaign.Request
	invalid    int
	duplicates int
	// suppressed counts the numbers left out because they opted out.
	suppressed int
	test       bool
	loc        *time.Location
}

// problemList collects every input problem, each naming its flag.
type problemList []campaign.Problem

func (ps *problemList) add(field, format string, a ...any) {
	*ps = append(*ps, campaign.Problem{Field: field, Message: fmt.Sprintf(format, a...)})
}

// flagFields are the problem fields that are flag names.
var flagFields = map[string]bool{
	"type": true, "content": true, "content-file": true, "caption": true, "media-url": true,
	"to": true, "csv": true, "group": true, "schedule": true, "tz": true, "batch-size": true,
	"test-to": true, "phone-column": true, "default-country": true,
}

func (ps problemList) err() error {
	if len(ps) == 0 {
		return nil
	}
	var b strings.Builder
	if len(ps) == 1 {
		b.WriteString("1 problem; nothing was sent:")
	} else {
		fmt.Fprintf(&b, "%d problems; nothing was sent:", len(ps))
	}
	for _, p := range ps {
		name := p.Field
		if flagFields[name] {
			name = "--" + name
		}
		fmt.Fprintf(&b, "\n  %s: %s", name, campaign.Sanitize(p.Message))
	}
	return &ExitCodeError{Code: ExitInvalid, Err: errors.New(b.String())}
}

// buildPlan turns the flags into a validated campaign, or lists every
// problem. It reads files but makes no network call.
func (a *app) buildPlan(ctx context.Context, f sendFlags) (*plan, error) {
	var ps problemList
	now := a.now()
	p := &plan{loc: time.Local}
	suppressed, err := a.suppressedSet()
	if err != nil {
		return nil, err
	}

	typ, err := campaign.ParseMessageType(f.typ)
	if err != nil {
		// Validate reports the unknown type; keep the raw value for it.
		typ = campaign.MessageType(strings.TrimSpace(f.typ))
	}
	p.c.Type = typ

	stdinUsers := 0
	contentFailed := false // the --content-file problem explains empty content
	content := f.content
	switch {
	case f.content != "" && f.contentFile != "":
		ps.add("content-file", "give the content once: --content or --content-file, not both")
	case f.contentFile != "":
		if f.contentFile == "-" {
			stdinUsers++
		}
		text, err := readContentFile(f.contentFile, a.in)
		if err != nil {
			ps.add("content-file", "%v", err)
			contentFailed = true
		}
		content = text
	}
	if f.caption != "" {
		switch {
		case !typ.IsMedia():
			ps.add("caption", "a %s message has no caption: use --content for the text", typ)
		case content != "":
			ps.add("caption", "give the caption once: for media types --caption and --content (or --content-file) mean the same")
		default:
			content = f.caption
		}
	}
	p.c.Content = content
	p.c.MediaURL = strings.TrimSpace(f.mediaURL)

	// Recipients: the engine's one merge (campaign.Audience): the --to
	// numbers, then the CSV's, each once.
	var typed []string
	var list []campaign.Recipient
	var listed []string // the list's numbers left out at import
	for _, raw := range f.to {
		ph, err := campaign.PhoneOptions{DefaultCountry: a.g.defaultCountry, International: f.international}.Normalize(raw)
		if err != nil {
			p.invalid++
			ps.add("to", "%q: %v", raw, err)
			continue
		}
		typed = append(typed, ph)
	}
	csvFailed := false // the --csv problem already explains missing recipients
	if f.csv != "" {
		if f.csv == "-" {
			stdinUsers++
		}
		rep, err := a.importFile(ctx, f.csv, importOpts{phoneColumn: f.phoneColumn, international: f.international, suppressed: suppressed})
		switch {
		case err != nil && ctx.Err() != nil:
			return nil, ctx.Err()
		case err != nil && (rep == nil || !errors.Is(err, campaign.ErrNoRecipients)):
			ps.add("csv", "%v", err)
			csvFailed = true
		default:
			fmt.Fprintf(a.errOut, "%s: %d rows, %d valid, %d invalid, %d duplicates%s (numbers from %s)\n",
				displayPath(f.csv), rep.Rows, rep.Valid, rep.Invalid, rep.Duplicates, suppressedPart(rep.Suppressed), ui.ColumnName(rep.Column))
			p.invalid += rep.Invalid
			p.duplicates += rep.Duplicates
			p.suppressed += rep.Suppressed
			if rep.Valid == 0 && rep.Suppressed > 0 {
				csvFailed = true
				ps.add("csv", "%s: every valid number in it opted out (%s); see `spotcast optout list`", displayPath(f.csv), plural(rep.Suppressed, "number"))
			} else if rep.Valid == 0 {
				csvFailed = true
				ps.add("csv", "%s has no valid numbers (%d invalid); see `spotcast import %s`", displayPath(f.csv), rep.Invalid, f.csv)
			}
			list, listed = rep.Recipients, rep.SuppressedNumbers
		}
	} else if f.phoneColumn != "" {
		ps.add("phone-column", "--phone-column needs --csv")
	}
	if stdinUsers > 1 {
		ps.add("csv", "--csv - and --content-file - cannot both read stdin")
	}
	recipients, dups, left := campaign.Audience(list, typed, true, campaign.OptedOut{Set: suppressed, Listed: listed})
	p.suppressed += left
	p.duplicates += dups
	p.c.Recipients = recipients
	for _, g := range f.groups {
		p.c.GroupIDs = append(p.c.GroupIDs, strings.TrimSpace(g))
	}

	if f.tz != "" {
		loc, err := time.LoadLocation(f.tz)
		if err != nil {
			ps.add("tz", "unknown time zone %q: use an IANA name such as Asia/Kolkata or Europe/London", f.tz)
		} else {
			p.loc = loc
		}
	}
	if f.schedule != "" {
		at, err := campaign.ParseSchedule(f.schedule, now, p.loc)
		if err != nil {
			ps.add("schedule", "%v", err)
		}
		p.c.ScheduledAt = at
	}
	if f.batchSize < 0 {
		ps.add("batch-size", "must be 0 (one request) or a positive number of recipients, not %d", f.batchSize)
	}

	sent := p.c
	if f.testTo != "" {
		ph, err := campaign.PhoneOptions{DefaultCountry: a.g.defaultCountry, International: f.international}.Normalize(f.testTo)
		if err != nil {
			ps.add("test-to", "%q: %v", f.testTo, err)
		} else {
			// A test send reaches one number only, never the list or groups,
			// and goes out now (the engine's rule, as on Review's t).
			sent = sent.TestTo(ph)
			p.test = true
		}
	}
	for _, pr := range sent.Validate(now) {
		// A bad --to already explains why there are no recipients.
		if pr.Field == campaign.FieldRecipients && (p.invalid > 0 || f.testTo != "" || csvFailed) && len(ps) > 0 {
			continue
		}
		if pr.Field == campaign.FieldRecipients && p.suppressed > 0 {
			pr.Message = ui.LeftOutText(p.suppressed) + ", and no one else is left to send to"
		}
		if pr.Field == campaign.FieldContent && contentFailed {
			continue
		}
		ps = append(ps, pr)
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	p.c = sent
	if p.test {
		p.suppressed = 0 // the list is not sent to
	}
	p.requests = sent.Requests(f.batchSize)
	return p, nil
}

func readContentFile(path string, stdin io.Reader) (string, error) {
	var r io.Reader
	if path == "-" {
		r = stdin
	} else {
		fh, err := os.Open(path)
		if err != nil {
			return "", fmt.Errorf("cannot read %s: %v", path, unwrapPathErr(err))
		}
		defer fh.Close()
		r = fh
	}
	b, err := io.ReadAll(io.LimitReader(r, maxContentFile+1))
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %v", displayPath(path), err)
	}
	if len(b) > maxContentFile {
		return "", fmt.Errorf("%s is over 1 MiB; a WhatsApp message holds at most %d characters", displayPath(path), campaign.MaxTextChars)
	}
	if !utf8.Valid(b) {
		return "", fmt.Errorf("%s is not UTF-8 text", displayPath(path))
	}
	// Editors end files with a newline that is not part of the message.
	return strings.TrimRight(string(b), "\r\n"), nil
}

func unwrapPathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func displayPath(p string) string {
	if p == "-" {
		return "stdin"
	}
	return p
}

// whenText says when a campaign goes out, in local time and UTC.
func whenText(at time.Time, loc *time.Location) string {
	if at.IsZero() {
		return "now"
	}
	return fmt.Sprintf("at %s (%s)", at.In(loc).Format("2006-01-02 15:04 MST"), at.UTC().Format(time.RFC3339))
}

func (a *app) runSend(ctx context.Context, f sendFlags) error {
	p, err := a.buildPlan(ctx, f)
	if err != nil {
		return err
	}
	for _, f := range campaign.URLFindings(p.c.Type, p.c.MediaURL) {
		fmt.Fprintln(a.errOut, "warning: "+campaign.Sanitize(f.Text))
	}
	// Refuse early, before any network call, when nobody can confirm.
	if !f.dryRun && !f.yes && !a.inTTY {
		return exitf(ExitInvalid, "stdin is not a terminal, so spotcast cannot ask for confirmation: pass --yes to send (or --dry-run to check)")
	}
	c, err := a.connect(!f.dryRun)
	if err != nil {
		return err
	}
	defer c.close()
	a.sandboxNotice(c)

	if f.checkMedia && p.c.Type.IsMedia() {
		if err := a.checkMedia(ctx, c.engine, p.c); err != nil {
			return err
		}
	}
	if f.dryRun {
		return a.printDryRun(p)
	}
	if !f.yes {
		ok, err := a.confirm(ctx, p, c)
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(a.errOut, "Not sent.")
			return nil
		}
	}

	sub, sendErr := c.engine.Submit(ctx, p.c, campaign.SubmitOptions{BatchSize: f.batchSize, Operator: operator(a.getenv), LeftOut: p.suppressed})
	if sub == nil && sendErr != nil {
		if ctx.Err() != nil {
			return exitf(ExitInterrupted, "interrupted before anything was sent")
		}
		return a.sendFailure(sendErr, nil, c)
	}
	return a.finishSubmission(ctx, c, sub, sendErr, p, f.watch, f.json)
}

// finishSubmission is the end of send and resume: follow the jobs when
// asked, print what happened (lines or --json), and exit by the outcome.
func (a *app) finishSubmission(ctx context.Context, c *conn, sub *campaign.Submission, sendErr error, p *plan, watch, asJSON bool) error {
	var results []campaign.JobResult
	var watchErr error
	watched := sendErr == nil && watch && len(jobIDs(sub)) > 0
	if watched {
		a.printSent(sub, p, asJSON, false, c.sandbox)
		var done bool
		if results, done, watchErr = a.watchSubmission(ctx, c, sub, asJSON); done {
			return watchErr
		}
	}
	var o campaign.Outcome
	if watched {
		o = campaign.Summarize(sub, results)
	} else {
		o = campaign.Summarize(sub, nil)
	}
	if asJSON {
		if err := writeJSON(a.out, newSendJSON(sub, p, c, o, results)); err != nil {
			return err
		}
	} else if !watched {
		a.printSent(sub, p, false, true, c.sandbox)
	}
	if watched || o.Incomplete() {
		// The one line that sums it up, where scrollback keeps it.
		fmt.Fprintln(a.errOut, campaign.Sanitize(o.Headline()))
	}
	if sendErr != nil {
		if ctx.Err() != nil {
			return exitf(ExitInterrupted, "interrupted; campaign %s is journaled: check with `spotcast jobs`, send the rest with `spotcast resume %s`", sub.CampaignID, sub.CampaignID)
		}
		return a.sendFailure(sendErr, sub, c)
	}
	return watchErr
}

// checkMedia refuses (exit 2, nothing sent) what WhatsApp will certainly not
// deliver — the report's Blocking findings: an HTTP error, a wrong content
// type, a file over the limit — and warns about doubts (no answer from
// here, no size). Without --check-media nothing is checked: that is the
// operator's override.
func (a *app) checkMedia(ctx context.Context, eng *campaign.Engine, c campaign.Campaign) error {
	hctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	r, err := eng.CheckMedia(hctx, c.Type, c.MediaURL)
	if err != nil {
		fmt.Fprintf(a.errOut, "warning: the media URL could not be checked from here (WhatsApp may still reach it): %s\n", campaign.Sanitize(err.Error()))
		return nil
	}
	for _, f := range r.Doubts() {
		fmt.Fprintln(a.errOut, "warning: "+campaign.Sanitize(f.Text))
	}
	var ps problemList
	for _, f := range r.Blocking() {
		ps.add("media-url", "%s (checked by --check-media; drop the flag to send anyway)", campaign.Sanitize(f.Text))
	}
	if len(ps) == 0 {
		fmt.Fprintln(a.errOut, "media checked: "+r.Summary())
	}
	return ps.err()
}

func (a *app) printDryRun(p *plan) error {
	if p.suppressed > 0 {
		fmt.Fprintln(a.errOut, ui.LeftOutText(p.suppressed)+".")
	}
	fmt.Fprintf(a.errOut, "Dry run: %s to %s in %d request(s), %s. Nothing sent.\n",
		p.c.Type, audience(len(p.c.Recipients), len(p.c.GroupIDs)), len(p.requests), whenText(p.c.ScheduledAt, p.loc))
	return writeJSON(a.out, p.requests)
}

// confirm asks on the terminal; only "y" or "yes" sends.
func (a *app) confirm(ctx context.Context, p *plan, c *conn) (bool, error) {
	what := audience(len(p.c.Recipients), len(p.c.GroupIDs))
	if p.test {
		what = "1 recipient (test send to " + p.c.Recipients[0] + ")"
	}
	if p.suppressed > 0 && !p.test {
		fmt.Fprintln(a.errOut, ui.LeftOutText(p.suppressed)+".")
	}
	fmt.Fprintf(a.errOut, "Send %s to %s in %s, %s, through %s? [y/N] ",
		p.c.Type, what, campaign.Plural(len(p.requests), "request", "requests"), whenText(p.c.ScheduledAt, p.loc), targetText(c))
	return a.readYes(ctx)
}

// readYes reads one answer line; only "y" or "yes" is a yes. Ctrl-C while
// waiting exits 130.
func (a *app) readYes(ctx context.Context) (bool, error) {
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(a.in).ReadString('\n')
		answer <- line
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(a.errOut)
		return false, exitf(ExitInterrupted, "interrupted; nothing was sent")
	case line := <-answer:
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "y", "yes":
			return true, nil
		}
		return false, nil
	}
}

// sendJSON is the exact --json shape of SPEC section 3.
type sendJSON struct {
	CampaignID string        `json:"campaignId"`
	API        string        `json:"api"`
	Sandbox    bool          `json:"sandbox"`
	Requests   []requestJSON `json:"requests"`
	Invalid    int           `json:"invalid"`
	Duplicates int           `json:"duplicates"`
	Suppressed int           `json:"suppressed"`
	// Incomplete: some recipients were not (known to be) handed to the
	// API; NotSent counts those that certainly were not.
	Incomplete bool `json:"incomplete"`
	NotSent    int  `json:"notSent"`
	Unknown    int  `json:"unknown"`
}

type requestJSON struct {
	Recipients int                    `json:"recipients"`
	Groups     int                    `json:"groups"`
	Async      bool                   `json:"async"`
	JobID      *string                `json:"jobId"`
	Messages   []campaign.SentMessage `json:"messages"`
	Status     string                 `json:"status"`
	// Once watched: the job's counts and failed recipients.
	Sent     *int          `json:"sent,omitempty"`
	Failed   *int          `json:"failed,omitempty"`
	Failures []failureJSON `json:"failures,omitempty"`
	Error    string        `json:"error,omitempty"`
}

func newSendJSON(sub *campaign.Submission, p *plan, c *conn, o campaign.Outcome, results []campaign.JobResult) *sendJSON {
	out := &sendJSON{CampaignID: sub.CampaignID, Requests: []requestJSON{}, Invalid: p.invalid, Duplicates: p.duplicates, Suppressed: sub.Suppressed,
		API: c.engine.Target.API, Sandbox: c.engine.Target.Sandbox,
		Incomplete: o.Incomplete(), NotSent: o.NotSent + o.Rejected, Unknown: o.Unknown}
	byJob := map[string]campaign.JobResult{}
	for _, r := range results {
		byJob[r.JobID] = r
	}
	for _, b := range sub.Batches {
		r := requestJSON{Recipients: b.Recipients, Groups: b.Groups, Async: b.Outcome.Async,
			Messages: b.Outcome.Messages, Status: batchStatus(b)}
		if r.Messages == nil {
			r.Messages = []campaign.SentMessage{}
		}
		if b.Err != nil && b.State != campaign.StateAccepted {
			r.Error = campaign.Sanitize(b.Err.Error())
		}
		if b.Outcome.JobID != "" {
			id := b.Outcome.JobID
			r.JobID = &id
			if jr, ok := byJob[id]; ok && jr.Job != nil {
				r.Status = campaign.Sanitize(jr.Job.Status)
				if jr.End != campaign.EndFinished {
					r.Status += " (" + string(jr.End) + ")"
				}
				sent, failed := 0, jr.Job.FailedCount()
				if jr.Job.Sent != nil {
					sent = *jr.Job.Sent
				}
				r.Sent, r.Failed = &sent, &failed
				r.Failures = appendFailures([]failureJSON{}, jr.Job.Failures)
			}
		}
		out.Requests = append(out.Requests, r)
	}
	return out
}

// batchStatus is the API's status for an accepted batch, else the journal
// state (rejected, unknown, pending).
func batchStatus(b campaign.BatchResult) string {
	if b.State != campaign.StateAccepted {
		return string(b.State)
	}
	if b.Outcome.Status != "" {
		return campaign.Sanitize(b.Outcome.Status)
	}
	if len(b.Outcome.Messages) > 0 {
		return campaign.Sanitize(b.Outcome.Messages[0].Status)
	}
	return string(b.State)
}

func jobIDs(sub *campaign.Submission) []string {
	var ids []string
	for _, b := range sub.Batches {
		if b.State == campaign.StateAccepted && b.Outcome.JobID != "" {
			ids = append(ids, b.Outcome.JobID)
		}
	}
	return ids
}

// printSent describes what the API said about each request, on stdout (or
// stderr when stdout carries JSON).
func (a *app) printSent(sub *campaign.Submission, p *plan, toErr, hint, sandboxed bool) {
	w := a.out
	if toErr {
		w = a.errOut
	}
	label := "Campaign"
	if p.test {
		label = "Test send"
	}
	fmt.Fprintf(w, "%s %s: %s to %s, %s.\n", label, sub.CampaignID,
		p.c.Type, audience(len(p.c.Recipients), len(p.c.GroupIDs)), whenText(p.c.ScheduledAt, p.loc))
	if sub.Suppressed > 0 {
		fmt.Fprintf(w, "  %s.\n", ui.LeftOutText(sub.Suppressed))
	}
	for _, b := range sub.Batches {
		fmt.Fprintf(w, "  request %d: %s", b.Index+1, audience(b.Recipients, b.Groups))
		switch {
		case b.State != campaign.StateAccepted:
			fmt.Fprintf(w, " — %s\n", b.State)
		case b.Outcome.JobID != "":
			fmt.Fprintf(w, " — job %s %s\n", campaign.Sanitize(b.Outcome.JobID), campaign.Sanitize(b.Outcome.Status))
		default:
			var ms []string
			for _, m := range b.Outcome.Messages {
				ms = append(ms, campaign.Sanitize(m.ID)+" "+campaign.Sanitize(m.Status))
			}
			fmt.Fprintf(w, " — %s\n", strings.Join(ms, ", "))
		}
	}
	if ids := jobIDs(sub); hint && len(ids) > 0 {
		if sandboxed {
			fmt.Fprintln(w, "The sandbox stops with this command: add --watch to follow the job to the end.")
		} else {
			fmt.Fprintf(w, "Follow progress with: spotcast watch %s\n", strings.Join(ids, " "))
		}
	}
}

// audience is "12 recipients" or "12 recipients and 2 groups".
func audience(recipients, groups int) string {
	s := plural(recipients, "recipient")
	if groups > 0 {
		s += " and " + plural(groups, "group")
	}
	return s
}

func plural(n int, what string) string { return campaign.Plural(n, what, what+"s") }

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// suppressedPart is ", 2 suppressed" for a summary line, or "".
func suppressedPart(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(", %d suppressed", n)
}
