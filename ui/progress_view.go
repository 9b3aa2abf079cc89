package ui

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"spotcast/campaign"
	"spotcast/ui/components"
)

// lineScroll is the progress view's one scrolling region: an offset into
// lines that are rendered only when on screen.
type lineScroll struct {
	offset, rows, height int
}

func (s *lineScroll) clamp() {
	s.offset = max(0, min(s.offset, s.rows-s.height))
}

func (s *lineScroll) scroll(msg tea.KeyMsg, k components.ScrollKeys) bool {
	page := max(1, s.height-1)
	switch {
	case key.Matches(msg, k.Up):
		s.offset--
	case key.Matches(msg, k.Down):
		s.offset++
	case key.Matches(msg, k.PgUp):
		s.offset -= page
	case key.Matches(msg, k.PgDown):
		s.offset += page
	case key.Matches(msg, k.Home):
		s.offset = 0
	case key.Matches(msg, k.End):
		s.offset = s.rows
	default:
		return false
	}
	s.clamp()
	return true
}

func (s *lineScroll) overflows() bool { return s.rows > s.height }

// section is a run of body lines; line(i) renders the i-th on demand.
type section struct {
	n    int
	line func(i int) string
}

func fixed(lines ...string) section {
	return section{n: len(lines), line: func(i int) string { return lines[i] }}
}

// --- view ---

// View is the jobs' header (title, bar, counts, rate: always shown), then
// one scrolling body: poll problems, the summary and failures once done,
// the synchronous batches, one line per job. Only the body lines on screen
// are rendered: a frame costs the same with 1,000 jobs as with two.
func (m *progressModel) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	if m.funnel.Drilling() {
		return m.funnel.DrillView(m.width, m.height)
	}
	head, body := m.compose()
	lines := append(head, m.bodyLines(body, m.height-len(head))...)
	return clampView(strings.Join(lines, "\n"), m.width, m.height)
}

// measure sizes the scrolling body without drawing it, so the help (drawn
// before the screen) knows whether it scrolls.
func (m *progressModel) measure() {
	if m.width <= 0 || m.height <= 0 {
		return
	}
	head, body := m.compose()
	m.body.size(body, m.height-len(head))
}

// compose is the fixed head and the body's sections (drawn on demand).
func (m *progressModel) compose() (head []string, body []section) {
	st := m.c.Styles
	w := max(20, m.width)
	if len(m.jobs) > 0 {
		head = m.jobsHeader(w)
		if m.tally.problems > 0 {
			body = append(body, fixed(m.problemLines(w)...))
		}
		if m.Done() {
			body = append(body, fixed(""))
			body = append(body, m.summarySections(w)...)
		}
	}
	if len(m.jobs) > 0 && (len(m.batches) > 0 || len(m.jobs) > 1) {
		body = append(body, fixed("", st.Header.Render("Batches")))
	}
	if len(m.batches) > 0 {
		body = append(body, fixed(m.syncBatchLines(w)...))
	}
	if len(m.jobs) > 1 {
		jobs := m.jobs
		body = append(body, section{n: len(jobs), line: func(i int) string { return m.jobLine(jobs[i], w) }})
	}
	if len(m.jobs) == 0 && len(m.batches) == 0 {
		head = append(head, st.Muted.Render("Nothing sent yet."))
	}
	if fl := m.funnel.Lines(w); len(fl) > 0 {
		head = append(head, fl...)
	}
	if m.notice != "" {
		head = append(head, st.Warning.Render(campaign.SanitizeLine(m.notice, w)))
	}
	return head, body
}

// size fits the scroll to the sections in h rows (one kept for the
// "more" line when they do not fit).
func (s *lineScroll) size(body []section, h int) {
	rows := 0
	for _, b := range body {
		rows += b.n
	}
	s.rows, s.height = rows, max(1, h)
	if s.overflows() {
		s.height = max(1, h-1)
	}
	s.clamp()
}

// bodyLines is the visible window of the sections in h rows; when they do
// not fit, the last row says how much is hidden and how to reach it.
func (m *progressModel) bodyLines(body []section, h int) []string {
	st := m.c.Styles
	sc := &m.body
	sc.size(body, h)
	rows := sc.rows
	var out []string
	from, to := sc.offset, min(rows, sc.offset+sc.height)
	at := 0
	for _, s := range body {
		for i := max(0, from-at); i < s.n && at+i < to; i++ {
			out = append(out, s.line(i))
		}
		at += s.n
		if at >= to {
			break
		}
	}
	if sc.overflows() {
		var parts []string
		if sc.offset > 0 {
			parts = append(parts, fmt.Sprintf("↑ %s above", commas(sc.offset)))
		}
		if below := rows - to; below > 0 {
			word := "lines"
			if below == 1 {
				word = "line"
			}
			parts = append(parts, fmt.Sprintf("↓ %s more %s", commas(below), word))
		}
		out = append(out, st.Muted.Render(strings.Join(parts, " · ")+" (↑/↓ j/k pgup/pgdn)"))
	}
	return out
}

// syncBatchLines: the synchronous batches, in full when alone, else one
// line each; cached until the width or the batches change.
func (m *progressModel) syncBatchLines(w int) []string {
	if m.syncLines != nil && m.syncW == w {
		return m.syncLines
	}
	if len(m.jobs) > 0 {
		m.syncLines = m.syncSummaryView(w)
	} else {
		m.syncLines = m.syncView(w)
	}
	m.syncW = w
	return m.syncLines
}

func (m *progressModel) syncView(w int) []string {
	st := m.c.Styles
	var out []string
	for _, b := range m.batches {
		head := fmt.Sprintf("Batch %d · %s", b.Index+1, campaign.Plural(b.Recipients, "recipient", "recipients"))
		switch b.State {
		case campaign.StateAccepted:
			out = append(out, st.Header.Render(head)+" "+st.Success.Render("sent"))
			to := m.syncTo[b.Index]
			if len(to) != len(b.Outcome.Messages) {
				to = nil // not one id per recipient: the ids alone
			}
			for i, msg := range b.Outcome.Messages {
				line := fmt.Sprintf("  %-28s %s", campaign.SanitizeLine(msg.ID, 28), campaign.SanitizeLine(msg.Status, 20))
				if to != nil {
					line = fmt.Sprintf("  %-16s %-28s %s", "+"+campaign.SanitizeLine(to[i], 15),
						campaign.SanitizeLine(msg.ID, 28), campaign.SanitizeLine(msg.Status, 20))
				}
				out = append(out, campaign.SanitizeLine(line, w))
			}
			if len(b.Outcome.Messages) == 0 {
				out = append(out, st.Muted.Render("  the API returned no message ids"))
			}
		case campaign.StateRejected:
			out = append(out, st.Header.Render(head)+" "+st.Error.Render("rejected by the API"))
			if b.Err != nil {
				out = append(out, st.Error.Render(campaign.SanitizeLine("  "+b.Err.Error(), w)))
			}
		case campaign.StateUnknown:
			out = append(out, st.Header.Render(head)+" "+st.Warning.Render("outcome unknown (journaled; not retried)"))
			if b.Err != nil {
				out = append(out, st.Warning.Render(campaign.SanitizeLine("  "+b.Err.Error(), w)))
			}
		default:
			out = append(out, st.Header.Render(head)+" "+st.Muted.Render("not sent (R resumes it)"))
		}
	}
	return out
}

// syncSummaryView is syncView with one line per batch: its messages are
// counted by status rather than listed.
func (m *progressModel) syncSummaryView(w int) []string {
	st := m.c.Styles
	var out []string
	for _, b := range m.batches {
		head := st.Header.Render(fmt.Sprintf("Batch %d · %s", b.Index+1, campaign.Plural(b.Recipients, "recipient", "recipients"))) + " "
		var rest string
		switch b.State {
		case campaign.StateAccepted:
			counts := map[string]int{}
			var order []string
			for _, msg := range b.Outcome.Messages {
				s := campaign.SanitizeLine(msg.Status, 20)
				if counts[s] == 0 {
					order = append(order, s)
				}
				counts[s]++
			}
			parts := make([]string, len(order))
			for i, s := range order {
				parts[i] = fmt.Sprintf("%d %s", counts[s], s)
			}
			if len(parts) == 0 {
				parts = []string{"no message ids"}
			}
			rest = st.Success.Render("sent") + " · " + strings.Join(parts, ", ")
		case campaign.StateRejected:
			rest = st.Error.Render("rejected by the API")
			if b.Err != nil {
				rest += ": " + campaign.SanitizeLine(b.Err.Error(), 0)
			}
		case campaign.StateUnknown:
			rest = st.Warning.Render("outcome unknown (journaled; not retried)")
			if b.Err != nil {
				rest += ": " + campaign.SanitizeLine(b.Err.Error(), 0)
			}
		default:
			rest = st.Muted.Render("not sent (R resumes it)")
		}
		out = append(out, clampView(head+rest, w, 1))
	}
	return out
}

// jobsHeader is what stays on screen: title and status, bar, counts, rate,
// and when the jobs wait for their schedule, when they start.
func (m *progressModel) jobsHeader(w int) []string {
	st := m.c.Styles
	now := m.now()
	c := m.counts()
	var out []string

	title := "Bulk job " + campaign.SanitizeLine(m.jobs[0].id, 40)
	if len(m.jobs) > 1 {
		title = commas(len(m.jobs)) + " bulk jobs"
	}
	out = append(out, st.Title.Render(title)+"  "+m.statusBadge())

	// The bar: aggregated counts, or an honest "unknown".
	if c.ok && c.total > 0 {
		pct := float64(c.sent+c.failed) / float64(c.total)
		out = append(out, m.bar.ViewAs(min(1, pct))+fmt.Sprintf(" %3.0f%%", min(100, pct*100)))
		out = append(out, fmt.Sprintf("total %s · sent %s · failed %s · pending %s",
			commas(c.total), st.Success.Render(commas(c.sent)), errOrPlain(st, c.failed, commas(c.failed)), commas(c.pending)))
	} else {
		out = append(out, st.Muted.Render(strings.Repeat("·", m.bar.Width)+" progress unknown"))
		out = append(out, st.Muted.Render("the API has not reported message counts"))
	}

	// Rate, ETA, elapsed, last poll.
	rate, eta := "—", "—"
	if r := m.rate(); r > 0 {
		rate = fmt.Sprintf("%.1f msg/s", r)
		if c.pending > 0 {
			eta = fmtDuration(time.Duration(float64(c.pending) / r * float64(time.Second)))
		}
	}
	if m.Done() {
		eta = "done"
	}
	last := "—"
	if lp := m.lastPoll(); !lp.IsZero() {
		last = lp.Format("15:04:05")
	}
	end := now
	if m.Done() {
		end = m.lastPoll() // the clock stops with the job
	}
	out = append(out, fmt.Sprintf("rate %s · ETA %s · elapsed %s · last poll %s",
		rate, eta, fmtDuration(end.Sub(m.started)), last))
	if line := m.scheduledLine(now); line != "" {
		out = append(out, campaign.SanitizeLine(line, w))
	}
	return out
}

// scheduledLine: jobs that wait for their time say when they start and in
// how long ("" when none waits).
func (m *progressModel) scheduledLine(now time.Time) string {
	n := m.tally.status[campaign.JobScheduled]
	if n <= 0 {
		return ""
	}
	at := m.tally.schedAt
	if at.IsZero() && m.message != nil {
		at = m.message.ScheduledAt
	}
	who := "scheduled"
	if len(m.jobs) > 1 {
		who = campaign.Plural(n, "job", "jobs") + " scheduled"
	}
	if at.IsZero() {
		return who + ": the API has not said when it starts"
	}
	return who + ": starts " + m.startsIn(at, now)
}

// startsIn is "Mon 2 Jan 15:04 CET, in 12m05s" (or "any moment" once due).
func (m *progressModel) startsIn(at, now time.Time) string {
	s := at.In(m.c.Loc()).Format("Mon 2 Jan 15:04 MST")
	if d := at.Sub(now).Truncate(time.Second); d > 0 {
		return s + ", in " + fmtDuration(d)
	}
	return s + ", any moment now"
}

// problemLines: poll errors, a warning each (never fatal), and the jobs
// that can no longer be watched. Built only while some job has one.
func (m *progressModel) problemLines(w int) []string {
	st := m.c.Styles
	now := m.now()
	var out []string
	for _, j := range m.jobs {
		if j.fatal != nil {
			head := fmt.Sprintf("✗ stopped watching %s: the API refused the status request", j.id)
			out = append(out, st.Error.Render(campaign.SanitizeLine(head, w)))
			// Wrapped, not cut: the API's reason and our hint are the point.
			msg := ansi.Wrap(campaign.SanitizeLine(j.fatal.Error(), 0), max(10, w-2), "")
			for _, l := range strings.Split(msg, "\n") {
				out = append(out, st.Error.Render("  "+l))
			}
			continue
		}
		if j.lastErr == nil {
			continue
		}
		// Truncated, not rounded: the policy's jitter must not make the
		// same wait read 1 s on one screen and 2 s on the next.
		wait := max(0, j.nextRetry.Sub(now)).Truncate(time.Second)
		head := fmt.Sprintf("⚠ poll of %s failed (%d in a row) — retrying in %s", j.id, j.failures, fmtDuration(wait))
		if j.throttled {
			when := "in " + fmtDuration(wait)
			if wait <= 0 {
				when = "as the poll budget allows" // due, waiting its turn
			}
			head = fmt.Sprintf("⚠ the API asked to slow down (%s) — polling again %s", j.id, when)
		}
		out = append(out, st.Warning.Render(campaign.SanitizeLine(head, w)))
		out = append(out, st.Warning.Render(campaign.SanitizeLine("  "+j.lastErr.Error(), w)))
	}
	return out
}

func (m *progressModel) lastPoll() time.Time { return m.tally.lastPoll }

func (m *progressModel) jobLine(j *watchedJob, w int) string {
	label := "job"
	if j.batch >= 0 {
		label = fmt.Sprintf("batch %d", j.batch+1)
	}
	status, detail := "waiting for first poll", ""
	if j.fatal != nil {
		status = "not watched"
	}
	if j.job != nil {
		status = j.job.Status
		switch {
		case j.lastPoll.IsZero():
			detail = "waiting for its first poll"
		case campaign.IsScheduled(j.job.Status) && !j.job.ScheduledTime().IsZero():
			detail = "starts " + m.startsIn(j.job.ScheduledTime(), m.now())
		case j.job.Total != nil:
			detail = fmt.Sprintf("%d/%d sent, %d failed", deref(j.job.Sent), *j.job.Total, deref(j.job.Failed))
		default:
			detail = "no counts"
		}
	}
	return campaign.SanitizeLine(fmt.Sprintf("  %-8s %-22s %-11s %s", label, j.id, status, detail), w)
}

// statusBadge is the aggregate status: the one status, or a mix.
func (m *progressModel) statusBadge() string { return m.tally.badge(m.c.Styles) }

// summarySections: the final word, then the failures when the API lists
// them — those worth sending again apart from those that will fail again.
func (m *progressModel) summarySections(w int) []section {
	st := m.c.Styles
	c := m.counts()
	var out []string
	final := m.statusBadge()
	label := "Finished: "
	if m.FatalErr() != nil {
		label = "Ended: " // a lost or unreachable job has not finished
	}
	if o := m.outcome(); o.Incomplete() {
		// The totals count the recipients never sent: a partial send
		// never reads as done.
		warn := func(text string) {
			// Wrapped, not cut: every word of the outcome matters.
			for _, l := range strings.Split(ansi.Wrap(campaign.SanitizeLine(text, 0), max(10, w), ""), "\n") {
				out = append(out, st.Warning.Render(l))
			}
		}
		warn(o.Headline())
		if o.Resumable() {
			warn(fmt.Sprintf("press R to send the rest (spotcast resume %s)", o.CampaignID))
		}
		if o.Unknown > 0 {
			warn(fmt.Sprintf("%s may or may not have been sent: check the dashboard before sending them again", campaign.Plural(o.Unknown, "recipient", "recipients")))
		}
		label = "Jobs: "
	}
	if c.ok {
		out = append(out, st.Header.Render(label)+final+fmt.Sprintf(" — %s sent, %s failed of %s",
			commas(c.sent), commas(c.failed), commas(c.total)))
	} else {
		out = append(out, st.Header.Render(label)+final)
	}
	retry, perm := m.tally.retryable(), m.tally.permanentFails()
	if len(retry)+len(perm) == 0 {
		if c.failed > 0 || m.failed() {
			out = append(out, st.Muted.Render("per-recipient failures are not available from the API"))
		}
		return []section{fixed(out...)}
	}
	secs := []section{fixed(out...)}
	row := func(rows []failedRow) section {
		return section{n: len(rows), line: func(i int) string {
			f := rows[i]
			return fmt.Sprintf("  %-18s %s", campaign.SanitizeLine(shownRecipient(f.recipient), 18), campaign.SanitizeLine(f.err, max(10, w-22)))
		}}
	}
	if len(retry) > 0 {
		secs = append(secs, fixed(st.Error.Render(fmt.Sprintf("%s failed — may succeed if sent again (r):",
			campaign.Plural(len(retry), "recipient", "recipients")))), row(retry))
	}
	if len(perm) > 0 {
		secs = append(secs, fixed(st.Error.Render(fmt.Sprintf("%s failed for good (not re-sent):",
			campaign.Plural(len(perm), "recipient", "recipients")))), row(perm))
	}
	switch {
	case m.exportErr != nil:
		secs = append(secs, fixed(st.Error.Render(campaign.SanitizeLine("export failed: "+m.exportErr.Error(), w))))
	case m.exported != "":
		secs = append(secs, fixed(st.Success.Render("exported to ")+campaign.SanitizeLine(m.exportedShown(), w-12)))
	}
	return secs
}

// shownRecipient is a failed recipient as every other screen shows a
// number: E.164 with its "+" (the API reports digits); anything else (a
// group member) as reported.
func shownRecipient(r string) string {
	if r != "" && strings.Trim(r, "0123456789") == "" {
		return "+" + r
	}
	return r
}

// fmtDuration is a compact h/m/s duration ("1h02m", "3m05s", "12s").
func fmtDuration(d time.Duration) string {
	d = d.Round(time.Second)
	h, mnt, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh%02dm", h, mnt)
	case mnt > 0:
		return fmt.Sprintf("%dm%02ds", mnt, s)
	}
	return fmt.Sprintf("%ds", s)
}

// --- help ---

// ShortHelp stays short enough for 60 columns: the rest is in FullHelp.
func (m *progressModel) ShortHelp() []key.Binding {
	k := m.keys
	if m.funnel.Drilling() {
		return m.funnel.help()
	}
	out := []key.Binding{k.Detach}
	if m.Done() {
		out = []key.Binding{k.Quit}
		if len(m.tally.retryable()) > 0 {
			out = append(out, k.Resend)
		} else if m.outcome().Resumable() {
			out = append(out, k.Resume)
		}
	}
	out = append(out, m.funnel.help()...)
	if m.body.overflows() {
		out = append(out, k.Scroll.Up)
	}
	return out
}

func (m *progressModel) FullHelp() [][]key.Binding {
	k := m.keys
	if m.funnel.Drilling() {
		return [][]key.Binding{m.funnel.help()}
	}
	col := []key.Binding{k.Detach}
	if m.Done() {
		col = []key.Binding{k.Quit}
		if m.outcome().Resumable() {
			col = append(col, k.Resume)
		}
		if m.tally.failCount() > 0 {
			col = append(col, k.Export)
		}
		if len(m.tally.retryable()) > 0 {
			col = append(col, k.Resend)
		}
	}
	col = append(col, m.funnel.help()...)
	s := k.Scroll
	return [][]key.Binding{col, {s.Up, s.Down, s.PgUp, s.Home}}
}

// exportedShown is where the export went as the operator knows it: over
// SSH a name in their import folder and the command that downloads it,
// never a server path.
func (m *progressModel) exportedShown() string {
	if m.c.ImportDir == "" || !m.c.OwnCampaignsOnly {
		return m.exported
	}
	shown := "exports/" + filepath.Base(m.exported)
	if m.campaignID != "" {
		shown += " — download it with: ssh <this server> export " + m.campaignID + " > failed.csv"
	}
	return shown
}
