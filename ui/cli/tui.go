package cli

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"spotcast/campaign"
	"spotcast/ui"
)

// tuiFlags pre-fill the composer; they have the same names as send's.
type tuiFlags struct {
	typ, content, mediaURL, csv, schedule, tz string
	to, groups                                []string
	batchSize                                 int
}

func (t *tuiFlags) register(root *cobra.Command) {
	fl := root.Flags()
	fl.StringVar(&t.typ, "type", "", "pre-select the message type (TEXT, IMAGE, VIDEO, DOCUMENT)")
	fl.StringVar(&t.content, "content", "", "pre-fill the text or caption")
	fl.StringVar(&t.mediaURL, "media-url", "", "pre-fill the media URL")
	fl.StringVar(&t.csv, "csv", "", "import this CSV contact list on start")
	fl.StringArrayVar(&t.to, "to", nil, "pre-fill a recipient (repeatable)")
	fl.StringArrayVar(&t.groups, "group", nil, "pre-fill a group ID (repeatable)")
	fl.StringVar(&t.schedule, "schedule", "", "pre-fill the schedule (now, +2h, RFC 3339, \"YYYY-MM-DD HH:MM\")")
	fl.StringVar(&t.tz, "tz", "", "time zone for schedules, e.g. Asia/Kolkata (default: this machine's)")
	fl.IntVar(&t.batchSize, "batch-size", 0, "split into requests of at most N recipients")
}

// prefill checks the flags the way send does: a typo in a flag is reported
// now rather than discovered halfway through the wizard.
func (a *app) prefill(t tuiFlags) (campaign.Campaign, *time.Location, error) {
	var ps problemList
	var c campaign.Campaign
	if t.typ != "" {
		typ, err := campaign.ParseMessageType(t.typ)
		if err != nil {
			ps.add("type", "%v", err)
		}
		c.Type = typ
	}
	c.Content = t.content
	c.MediaURL = strings.TrimSpace(t.mediaURL)
	for _, raw := range t.to {
		ph, err := campaign.NormalizePhone(raw, a.g.defaultCountry)
		if err != nil {
			ps.add("to", "%q: %v", raw, err)
			continue
		}
		c.Recipients = append(c.Recipients, ph)
	}
	for _, g := range t.groups {
		c.GroupIDs = append(c.GroupIDs, strings.TrimSpace(g))
	}
	loc := time.Local
	if t.tz != "" {
		l, err := time.LoadLocation(t.tz)
		if err != nil {
			ps.add("tz", "unknown time zone %q: use an IANA name such as Asia/Kolkata or Europe/London", t.tz)
		} else {
			loc = l
		}
	}
	if t.schedule != "" {
		at, err := campaign.ParseSchedule(t.schedule, a.now(), loc)
		if err != nil {
			ps.add("schedule", "%v", err)
		}
		c.ScheduledAt = at
	}
	if t.batchSize < 0 {
		ps.add("batch-size", "must be 0 or a positive number, not %d", t.batchSize)
	}
	if len(ps) > 0 {
		return c, loc, ps.err()
	}
	return c, loc, nil
}

func (a *app) runTUI(ctx context.Context, t tuiFlags) error {
	pre, loc, err := a.prefill(t)
	if err != nil {
		return err
	}
	if !a.outTTY {
		return exitf(ExitInvalid, "the composer needs a terminal, and stdout is not one. For scripts use `spotcast send`, e.g. %s (see spotcast send --help)", a.sendExample())
	}
	c, err := a.connect(true)
	if err != nil {
		return err
	}
	defer c.close()
	res, err := a.runUI(ctx, c, ui.Options{Prefill: pre, CSVPath: t.csv, BatchSize: t.batchSize, Loc: loc})
	if err != nil {
		return exitf(ExitError, "the composer could not start: %v; use `spotcast send` meanwhile, e.g. %s", err, a.sendExample())
	}
	return a.uiDone(res)
}

// sendExample is a whole headless send to copy, with --sandbox when the
// composer was asked for the sandbox.
func (a *app) sendExample() string {
	sb := ""
	if a.g.sandbox {
		sb = "--sandbox "
	}
	return "`spotcast send " + sb + `--to +919999999999 --content "Hello" --yes` + "`"
}
