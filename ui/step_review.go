package ui

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"spotcast/campaign"
	"spotcast/ui/common"
)

// reviewDraft is a snapshot of the composed campaign. The root takes it when
// Review opens (building the recipient list is O(rows), too slow per frame).
type reviewDraft struct {
	Campaign campaign.Campaign
	Report   *campaign.ImportReport
	CSVPath  string
	// ScheduleErr: the schedule could not be read (sending is refused
	// rather than silently sending now).
	ScheduleErr string
	// Importing / ImportErr: the CSV's contacts are not in Campaign yet,
	// or will never be; sending now would silently leave them out.
	Importing bool
	ImportErr error
	// Media is the media check of the URL in Campaign (media types).
	Media mediaCheck
	// DefaultCountry is Recipients' (a typed test number is read in it).
	DefaultCountry string
	// Suppressed counts the numbers Recipients left out as opted out.
	Suppressed int
}

type reviewMode int

const (
	reviewIdle reviewMode = iota
	reviewConfirm
	reviewSending
	reviewTestInput
	reviewTestSending
	reviewBatchInput
	// reviewConfirmAgain: a campaign of this draft may already have
	// reached its recipients; a new send needs this yes and the usual one.
	reviewConfirmAgain
	// reviewConfirmResume asks before resuming the unsure campaign.
	reviewConfirmResume
)

// submitDoneMsg is the outcome of a send started on Review, tagged with the
// send's ID so a stale reply is dropped.
type submitDoneMsg struct {
	id     int
	test   bool
	number string
	sub    *campaign.Submission
	err    error
}

// sentMsg tells the root that a campaign was accepted: switch to Progress.
type sentMsg struct{ sub *campaign.Submission }

// reviewStep shows the whole campaign on one card and sends it.
type reviewStep struct {
	// batchSize splits the campaign into requests (0: one); it starts as
	// the session's and is this screen's to change (b).
	batchSize int
	// status is the send in flight's progress (nil: none yet); tick
	// redraws it (tea.Tick; tests hold it).
	status *sendStatus
	tick   func(time.Duration, func(time.Time) tea.Msg) tea.Cmd
	c      *common.Common
	d      reviewDraft
	mode   reviewMode
	width  int
	height int

	sendID   int
	sendErr  string
	testIn   textinput.Model
	testMsg  string
	testErr  string
	batchIn  textinput.Model
	batchErr string
	// unsure is this draft's last submission when none of it was accepted
	// but some may have arrived (unknown) or can be sent later: Review
	// offers to resume it rather than compose a second campaign.
	unsure *campaign.Submission
	// overridden is the media report whose definite problems the operator
	// chose to send anyway (o); another report (a new check, an edited
	// URL, another type) needs its own o.
	overridden *campaign.MediaReport
	// offset is the first line of the card shown when it does not fit.
	offset int
	// gen counts drafts, so the card is drawn again only when it changed.
	gen   int
	cache cardCache

	send, test, batch, resume, yes, no, cancel, override key.Binding
	up, down, pgUp, pgDown, top, bottom                  key.Binding
}

// cardCache keeps the drawn card: wrapping a 4,096-character message and
// bordering it on every frame cost 1.1 ms.
type cardCache struct {
	key   cardKey
	lines []string
}

// cardKey is everything the card shows that is not in the draft.
type cardKey struct {
	gen, width, batch int
	overridden        *campaign.MediaReport
	engine            *campaign.Engine
}

func newReviewStep(c *common.Common) *reviewStep {
	s := &reviewStep{
		batchSize: c.BatchSize,
		c:         c,
		tick:      tea.Tick,
		testIn:    c.NewTextInput(),
		send:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "send")),
		test:      key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "test send")),
		batch:     key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "batch size")),
		resume:    key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "resume the last campaign")),
		yes:       key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes, send")),
		no:        key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n", "no")),
		cancel:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		override:  key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "send anyway")),
		up:        key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "scroll")),
		down:      key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "scroll")),
		pgUp:      key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		pgDown:    key.NewBinding(key.WithKeys("pgdown", "ctrl+f", " "), key.WithHelp("pgdn", "page down")),
		top:       key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("home", "top")),
		bottom:    key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("end", "end of the card")),
	}
	s.testIn.Prompt = "Test number › "
	s.testIn.Placeholder = "+919999999999"
	s.batchIn = c.NewTextInput()
	s.batchIn.Prompt = "Recipients per request › "
	s.batchIn.Placeholder = "0 or empty: one request"
	s.batchIn.CharLimit = 9
	if c.Drafts != nil {
		// Read once here rather than on every key.
		s.testIn.SetValue(c.Drafts.TestNumber(c.Operator))
	}
	return s
}

// SetDraft replaces the snapshot shown on the card. An open "Send to N?"
// prompt is closed: y must never send something other than what it asked.
func (s *reviewStep) SetDraft(d reviewDraft) {
	s.d = d
	s.gen++
	if s.mode == reviewConfirm || s.mode == reviewConfirmAgain {
		s.mode = reviewIdle
		s.sendErr = "Not sent: the recipients changed while you were asked — check the card and press enter again."
	}
}

// Reset forgets the outcome of earlier attempts (the draft may have changed).
// Review is only left idle, or sending after an accepted send (a re-send of
// the failed recipients opens it again): either way it starts idle.
func (s *reviewStep) Reset() {
	s.mode = reviewIdle
	s.sendErr, s.testMsg, s.testErr = "", "", ""
	s.offset = 0
}

// mediaBlocking is what the media check found that stops the send, unless
// the operator overrode this very report.
func (s *reviewStep) mediaBlocking() []campaign.MediaFinding {
	r := s.d.Media.Report
	if !s.d.Campaign.Type.IsMedia() || r == nil || r == s.overridden || r.URL != s.d.Campaign.MediaURL {
		return nil
	}
	return r.Blocking()
}

// canOverride: there are definite media problems o would send anyway, or
// an override o would take back.
func (s *reviewStep) canOverride() bool {
	r := s.d.Media.Report
	return s.d.Campaign.Type.IsMedia() && r != nil && len(r.Blocking()) > 0 && r.URL == s.d.Campaign.MediaURL
}

func (s *reviewStep) isOverridden() bool {
	return s.canOverride() && s.overridden == s.d.Media.Report
}

func (s *reviewStep) Init() tea.Cmd             { return nil }
func (s *reviewStep) SetSize(width, height int) { s.width, s.height = width, height }

// Modal: while a prompt is open the root passes every key here (esc cancels
// the prompt instead of going back).
func (s *reviewStep) Modal() bool     { return s.mode != reviewIdle }
func (s *reviewStep) Capturing() bool { return s.mode == reviewTestInput || s.mode == reviewBatchInput }

// problems lists what stops the campaign from being sent.
func (s *reviewStep) problems() []string {
	var out []string
	for _, p := range s.d.Campaign.Validate(s.c.Now()) {
		out = append(out, keyWords(p.String()))
	}
	if s.d.Importing {
		out = append(out, campaign.FieldRecipients+": the contact list is still importing")
	}
	if s.d.ImportErr != nil {
		out = append(out, fmt.Sprintf("%s: cannot import %s: %s — fix the file, or press x on Recipients to drop it",
			campaign.FieldRecipients, filepath.Base(campaign.SanitizeLine(s.d.CSVPath, 0)), campaign.SanitizeLine(s.d.ImportErr.Error(), 0)))
	}
	if s.d.ScheduleErr != "" {
		out = append(out, campaign.FieldSchedule+": "+campaign.Sanitize(s.d.ScheduleErr))
	}
	if s.c.StoreErr != nil {
		out = append(out, "database: "+campaign.Sanitize(s.c.StoreErr.Error())+" — sending is refused until the database can be opened")
	}
	for _, f := range s.mediaBlocking() {
		out = append(out, "media: "+campaign.Sanitize(f.Text)+". Press o to send anyway, or fix it on the Media URL step")
	}
	return out
}

// Validate: Review is the last step; what it refuses is sending.
func (s *reviewStep) Validate() string {
	if ps := s.problems(); len(ps) > 0 {
		return ps[0]
	}
	return ""
}

func (s *reviewStep) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case submitDoneMsg:
		return s, s.finishSend(msg)
	case sendTickMsg:
		if msg.id == s.sendID && (s.mode == reviewSending || s.mode == reviewTestSending) {
			return s, s.sendTick(msg.id)
		}
		return s, nil
	case tea.KeyMsg:
		return s, s.handleKey(msg)
	}
	var cmd tea.Cmd
	switch s.mode {
	case reviewTestInput:
		s.testIn, cmd = s.testIn.Update(msg)
	case reviewBatchInput:
		s.batchIn, cmd = s.batchIn.Update(msg)
	}
	return s, cmd
}

func (s *reviewStep) handleKey(msg tea.KeyMsg) tea.Cmd {
	switch s.mode {
	case reviewIdle:
		switch {
		case key.Matches(msg, s.send):
			s.sendErr, s.testMsg, s.testErr = "", "", ""
			if ps := s.problems(); len(ps) > 0 {
				s.sendErr = "Not sent: fix the problems listed above first."
				s.scroll(len(s.layout().doc)) // the problems end the card: show them
				return nil
			}
			s.mode = reviewConfirm
			if s.unsure != nil && campaign.Summarize(s.unsure, nil).Unknown > 0 {
				s.mode = reviewConfirmAgain
			}
		case key.Matches(msg, s.resume) && s.unsure != nil:
			s.sendErr, s.testMsg, s.testErr = "", "", ""
			s.mode = reviewConfirmResume
		case key.Matches(msg, s.test):
			s.sendErr, s.testMsg, s.testErr = "", "", ""
			s.mode = reviewTestInput
			s.testIn.CursorEnd()
			return s.testIn.Focus()
		case key.Matches(msg, s.override) && s.canOverride():
			s.sendErr, s.testMsg, s.testErr = "", "", ""
			if s.isOverridden() {
				s.overridden = nil
			} else {
				s.overridden = s.d.Media.Report
			}
		case key.Matches(msg, s.up):
			s.scroll(-1)
		case key.Matches(msg, s.down):
			s.scroll(1)
		case key.Matches(msg, s.pgUp):
			s.scroll(-max(s.layout().room-1, 1))
		case key.Matches(msg, s.pgDown):
			s.scroll(max(s.layout().room-1, 1))
		case key.Matches(msg, s.top):
			s.offset = 0
		case key.Matches(msg, s.bottom):
			s.scroll(len(s.layout().doc))
		case key.Matches(msg, s.batch):
			s.sendErr, s.testMsg, s.testErr, s.batchErr = "", "", "", ""
			s.mode = reviewBatchInput
			s.batchIn.SetValue("")
			if s.batchSize > 0 {
				s.batchIn.SetValue(strconv.Itoa(s.batchSize))
			}
			s.batchIn.CursorEnd()
			return s.batchIn.Focus()
		}
	case reviewConfirm:
		if key.Matches(msg, s.yes) {
			s.mode = reviewSending
			return s.submit(s.d.Campaign, false, "")
		}
		// Anything but y declines: a stray key must never send.
		s.mode = reviewIdle
		s.sendErr = "Not sent."
	case reviewConfirmAgain:
		if key.Matches(msg, s.yes) {
			s.mode = reviewConfirm // the usual question is the second yes
			return nil
		}
		s.mode = reviewIdle
		s.sendErr = "Not sent."
	case reviewConfirmResume:
		if key.Matches(msg, s.yes) {
			s.mode = reviewSending
			return s.resumeUnsure()
		}
		s.mode = reviewIdle
		s.sendErr = "Not resumed."
	case reviewTestInput:
		switch msg.Type {
		case tea.KeyEsc:
			s.mode = reviewIdle
			s.testIn.Blur()
		case tea.KeyEnter:
			return s.startTest()
		default:
			var cmd tea.Cmd
			s.testIn, cmd = s.testIn.Update(msg)
			return cmd
		}
	case reviewBatchInput:
		switch msg.Type {
		case tea.KeyEsc:
			s.mode = reviewIdle
			s.batchIn.Blur()
		case tea.KeyEnter:
			s.applyBatchSize()
		default:
			var cmd tea.Cmd
			s.batchIn, cmd = s.batchIn.Update(msg)
			return cmd
		}
	}
	// While sending, keys wait: the outcome decides what happens next.
	return nil
}

// applyBatchSize takes the typed size: empty or 0 is one request.
func (s *reviewStep) applyBatchSize() {
	v := strings.TrimSpace(s.batchIn.Value())
	n := 0
	if v != "" {
		var err error
		n, err = strconv.Atoi(v)
		if err != nil || n < 0 {
			s.batchErr = fmt.Sprintf("%q is not a batch size: type a whole number of recipients per request (0 or empty: one request)", campaign.SanitizeLine(v, 12))
			return
		}
	}
	s.batchErr = ""
	s.batchSize = n
	s.mode = reviewIdle
	s.batchIn.Blur()
}

// startTest sends the campaign's message to one number, now.
func (s *reviewStep) startTest() tea.Cmd {
	number, err := campaign.NormalizePhone(s.testIn.Value(), s.d.DefaultCountry)
	if err != nil {
		s.testErr = campaign.Sanitize(err.Error())
		return nil
	}
	for _, p := range s.d.Campaign.Validate(s.c.Now()) {
		// Recipients and schedule do not matter for a test; the message does.
		if p.Field != campaign.FieldRecipients && p.Field != campaign.FieldGroups && p.Field != campaign.FieldSchedule {
			s.testErr = "Cannot test: " + keyWords(p.String())
			return nil
		}
	}
	if s.c.StoreErr != nil {
		s.testErr = "Cannot test: the database is unavailable"
		return nil
	}
	s.testIn.Blur()
	s.mode = reviewTestSending
	return s.submit(s.d.Campaign.TestTo(number), true, number)
}

// submit runs campaign.Submit in a command. Everything it needs is copied
// into the closure now; the command never touches the model.
func (s *reviewStep) submit(c campaign.Campaign, test bool, number string) tea.Cmd {
	s.sendID++
	id := s.sendID
	ctx, drafts, operator := s.c.Ctx(), s.c.Drafts, s.c.Operator
	eng := s.c.Engine.WithStore(s.c.Store)
	onSubmit := s.c.OnSubmit
	opts := campaign.SubmitOptions{Operator: s.c.Operator, BatchSize: s.batchSize, Now: s.c.Clock}
	if test {
		opts.BatchSize = 0
	} else {
		opts.LeftOut = s.d.Suppressed
	}
	st := &sendStatus{}
	s.status = st
	opts.OnRequest = st.set
	c.Recipients = append([]string(nil), c.Recipients...)
	c.GroupIDs = append([]string(nil), c.GroupIDs...)
	return tea.Batch(func() tea.Msg {
		if eng == nil {
			return submitDoneMsg{id: id, test: test, number: number, err: errors.New("no API configured")}
		}
		if test && drafts != nil {
			// Best effort: failing to remember the number must not stop the test.
			_ = drafts.SaveTestNumber(operator, number)
		}
		sub, err := eng.Submit(ctx, c, opts)
		if onSubmit != nil && sub != nil {
			onSubmit(sub, err)
		}
		return submitDoneMsg{id: id, test: test, number: number, sub: sub, err: err}
	}, s.sendTick(id))
}

// sendTick redraws the Sending line each second until the send ends.
func (s *reviewStep) sendTick(id int) tea.Cmd {
	if s.tick == nil {
		return nil
	}
	return s.tick(time.Second, func(time.Time) tea.Msg { return sendTickMsg{id: id} })
}

func (s *reviewStep) finishSend(msg submitDoneMsg) tea.Cmd {
	if msg.id != s.sendID {
		return nil
	}
	if msg.test {
		s.mode = reviewIdle
		if msg.err != nil {
			s.testErr = "Test to " + msg.number + " failed: " + describeSendError(msg.err)
			return nil
		}
		s.testMsg = "Test sent to " + msg.number + ": " + describeOutcome(msg.sub)
		return nil
	}
	if msg.err == nil || anyAccepted(msg.sub) {
		s.unsure = nil
		// Once any batch is accepted, going back to Review would invite a
		// duplicate send; Progress shows what happened to every batch.
		// The mode stays "sending" until the root has switched: keys that
		// arrive before sentMsg must not start a second send.
		sub := msg.sub
		return func() tea.Msg { return sentMsg{sub: sub} }
	}
	s.mode = reviewIdle
	s.sendErr = "Not sent: " + describeSendError(msg.err)
	if campaign.IsOutcomeUnknown(msg.err) {
		// Never "not sent": it may have arrived.
		s.sendErr = "Outcome unknown: " + campaign.Sanitize(msg.err.Error()) + " — the API may have received it."
	}
	if msg.sub != nil && len(msg.sub.Batches) > 0 {
		s.unsure = msg.sub
		s.sendErr += "\n" + s.unsureHint()
	}
	return nil
}

// unsureHint says what the unsure campaign is and what R does with it.
func (s *reviewStep) unsureHint() string {
	o := campaign.Summarize(s.unsure, nil)
	hint := "Press R to resume campaign " + s.unsure.CampaignID
	switch {
	case o.Resumable() && o.Unknown > 0:
		hint += fmt.Sprintf(": it sends the %d recipients surely not sent, not the %d that may have been", o.Rejected+o.NotSent, o.Unknown)
	case o.Resumable():
		hint += fmt.Sprintf(": it sends its %d recipients, nothing twice", o.Rejected+o.NotSent)
	default:
		hint += fmt.Sprintf(" once you know its %s did not arrive (check the dashboard): it sends them again", campaign.Plural(o.Unknown, "recipient", "recipients"))
	}
	if o.Unknown > 0 {
		hint += ". A new send (enter) asks twice: it may reach the same people again."
	}
	return hint
}

// resumeUnsure resumes the unsure campaign through the engine: what was
// never sent, and — when nothing else is left and the operator said yes to
// that — what may have arrived.
func (s *reviewStep) resumeUnsure() tea.Cmd {
	s.sendID++
	id, ctx, sub := s.sendID, s.c.Ctx(), s.unsure
	eng := s.c.Engine.WithStore(s.c.Store)
	o := campaign.Summarize(sub, nil)
	includeUnknown := !o.Resumable() && o.Unknown > 0
	opts := campaign.SubmitOptions{Operator: s.c.Operator}
	onSubmit := s.c.OnSubmit
	return func() tea.Msg {
		if eng == nil {
			return submitDoneMsg{id: id, err: errors.New("no API configured")}
		}
		res, err := eng.Resume(ctx, sub.CampaignID, includeUnknown, false, opts)
		if onSubmit != nil && res != nil {
			onSubmit(res, err)
		}
		return submitDoneMsg{id: id, sub: res, err: err}
	}
}

func anyAccepted(sub *campaign.Submission) bool {
	if sub == nil {
		return false
	}
	for _, b := range sub.Batches {
		if b.State == campaign.StateAccepted {
			return true
		}
	}
	return false
}

// describeSendError explains a failed send; API text is untrusted.
func describeSendError(err error) string {
	msg := campaign.Sanitize(err.Error())
	if campaign.IsOutcomeUnknown(err) {
		msg += " — the outcome is unknown: the API may have received it. Check `spotcast jobs` before sending again."
	}
	return msg
}

func describeOutcome(sub *campaign.Submission) string {
	if sub == nil || len(sub.Batches) == 0 {
		return "accepted"
	}
	o := sub.Batches[0].Outcome
	if o.Async {
		return "job " + campaign.Sanitize(o.JobID) + " " + campaign.Sanitize(o.Status)
	}
	var parts []string
	for _, m := range o.Messages {
		parts = append(parts, campaign.Sanitize(m.ID)+" "+campaign.Sanitize(m.Status))
	}
	if len(parts) == 0 {
		return "accepted"
	}
	return strings.Join(parts, ", ")
}

// apiPlan says in words what the API will be asked to do. It is drawn every
// frame, so it counts the requests c.Requests would make arithmetically
// (O(1)) instead of building them (O(recipients / batch size)).
func apiPlan(c campaign.Campaign, batchSize int) string {
	reqs, bulk := campaign.CountRequests(len(c.Recipients), len(c.GroupIDs), batchSize)
	if reqs == 1 {
		if bulk == 1 {
			return fmt.Sprintf("1 request → a bulk job (more than %d recipients or a group); progress is polled", campaign.BulkThreshold)
		}
		return fmt.Sprintf("1 request → one synchronous send (%d or fewer recipients, no groups)", campaign.BulkThreshold)
	}
	return fmt.Sprintf("%s of up to %s → %s, %s", campaign.Plural(reqs, "request", "requests"),
		campaign.Plural(batchSize, "recipient", "recipients"), campaign.Plural(bulk, "bulk job", "bulk jobs"),
		campaign.Plural(reqs-bulk, "synchronous send", "synchronous sends"))
}

// target names where a send goes and with which key (its last 4
// characters at most), so a wrong API or key is seen before y.
func (s *reviewStep) target() string {
	e := s.c.Engine
	switch {
	case e == nil:
		return ""
	case e.Target.Sandbox:
		return "to the SANDBOX: nothing leaves this machine"
	case e.KeyHint != "":
		return "to " + campaign.Sanitize(e.Target.API) + " with key " + e.KeyHint
	}
	return "to " + campaign.Sanitize(e.Target.API)
}

func (s *reviewStep) confirmQuestion() string {
	c := s.d.Campaign
	who := campaign.Plural(len(c.Recipients), "recipient", "recipients")
	if n := len(c.GroupIDs); n > 0 {
		who += " and " + campaign.Plural(n, "group", "groups")
	}
	verb := "Send to "
	if !c.ScheduledAt.IsZero() {
		verb = "Schedule for " + formatLocal(c.ScheduledAt, s.c.Loc()) + " to "
	}
	if s.isOverridden() {
		// Said again at the last step: o was pressed on purpose, not by chance.
		who += " despite the media problem"
	}
	return verb + who + "? [y/N]"
}

// mediaRows says on the card what the media check found, or that none was
// made, and what the URL alone gives doubts about.
func (s *reviewStep) mediaRows(row func(label, value string) string) []string {
	st := s.c.Styles
	c := s.d.Campaign
	if !c.Type.IsMedia() {
		return nil
	}
	var rows []string
	r := s.d.Media.Report
	switch {
	case r != nil && r.URL == c.MediaURL:
		rows = append(rows, row("Media", fmt.Sprintf("checked %s: %s", r.At.In(s.c.Loc()).Format("15:04"), r.Summary())))
		if s.isOverridden() {
			rows = append(rows, row("", st.Warning.Render("⚠ sending anyway despite the problem (o takes it back)")))
		}
		for _, f := range r.Doubts() {
			rows = append(rows, row("", st.Warning.Render("⚠ "+campaign.Sanitize(f.Text))))
		}
	case s.d.Media.Err != "":
		rows = append(rows, row("Media", "not checked: "+campaign.Sanitize(s.d.Media.Err)+" (WhatsApp may still reach it)"))
	default:
		rows = append(rows, row("Media", "not checked — ctrl+r on the Media URL step checks it"))
	}
	for _, f := range campaign.URLFindings(c.Type, c.MediaURL) {
		rows = append(rows, row("", st.Warning.Render("⚠ "+campaign.Sanitize(f.Text))))
	}
	return rows
}

// layout is the card, the problems under it and the prompt or outcome.
func (s *reviewStep) layout() reviewLayout {
	st := s.c.Styles
	inner := max(s.width-4, 20)
	l := reviewLayout{doc: s.card()}
	l.problems = s.problems()
	for _, p := range l.problems {
		l.doc = append(l.doc, strings.Split(st.Error.Width(inner+2).Render("✗ "+p), "\n")...)
	}
	l.room = s.height
	if status := s.statusView(); len(status) > 0 {
		// The tail keeps at least 4 rows for the card: a few lines of the
		// message are the point of Review.
		l.tail = clampView(strings.Join(status, "\n"), s.width, max(s.height-4, 1))
		l.room -= lipgloss.Height(l.tail)
	}
	return l
}

// card draws the card's lines (O(1) in recipients), or takes them from
// the cache when nothing it shows changed.
func (s *reviewStep) card() []string {
	k := cardKey{gen: s.gen, width: s.width, batch: s.batchSize, overridden: s.overridden, engine: s.c.Engine}
	if s.cache.lines != nil && s.cache.key == k {
		return append([]string(nil), s.cache.lines...)
	}
	st := s.c.Styles
	c := s.d.Campaign
	inner := max(s.width-4, 20) // card border and padding
	labelW := 6
	valW := max(inner-labelW-1, 10)
	row := func(label, value string) string {
		wrapped := ansi.Wrap(value, valW, "")
		return lipgloss.JoinHorizontal(lipgloss.Top, st.Label.Width(labelW+1).Render(label), wrapped)
	}

	var rows []string
	rows = append(rows, row("Type", fmt.Sprintf("%s · %s / %s characters", c.Type, commas(campaign.Chars(c.Content)), commas(c.Type.ContentLimit()))))
	who := campaign.Plural(len(c.Recipients), "recipient", "recipients") + " · " + campaign.Plural(len(c.GroupIDs), "group", "groups")
	rows = append(rows, row("To", who))
	if n := s.d.Suppressed; n > 0 {
		rows = append(rows, row("", st.Warning.Render(SuppressedText(n))))
	}
	if r := s.d.Report; r != nil {
		rows = append(rows, row("", fmt.Sprintf("from %s: %s, %s invalid, %s dropped",
			filepath.Base(campaign.Sanitize(s.d.CSVPath)), campaign.Plural(r.Rows, "row", "rows"), commas(r.Invalid),
			campaign.Plural(r.Duplicates, "duplicate", "duplicates"))))
	}
	if c.ScheduledAt.IsZero() {
		rows = append(rows, row("When", "now, as soon as you confirm"))
	} else {
		rows = append(rows, row("When", formatLocal(c.ScheduledAt, s.c.Loc())))
		rows = append(rows, row("", c.ScheduledAt.UTC().Format("2006-01-02T15:04:05Z07:00")+" (sent to the API)"))
	}
	rows = append(rows, s.mediaRows(row)...)
	rows = append(rows, row("API", apiPlan(c, s.batchSize)))
	if t := s.target(); t != "" {
		rows = append(rows, row("", t))
	}

	// The card shows the whole message; what does not fit scrolls (j/k),
	// so a short screen still previews the message first. The problems
	// end the card; the prompt or outcome stays under it, never scrolled.
	parts := []string{st.Title.Render("Review"), s.bubble(inner), strings.Join(rows, "\n")}
	s.cache = cardCache{key: k, lines: strings.Split(st.Card.Width(s.width-2).Render(strings.Join(parts, "\n")), "\n")}
	return append([]string(nil), s.cache.lines...)
}

// scroll moves the card by n lines, within it.
func (s *reviewStep) scroll(n int) {
	l := s.layout()
	s.offset = min(max(s.offset+n, 0), max(len(l.doc)-l.room, 0))
}

// reviewLayout is the card cut into lines, the room it has, and the
// prompt or outcome under it.
type reviewLayout struct {
	doc      []string
	problems []string
	room     int
	tail     string
}

func (l reviewLayout) scrolls() bool { return len(l.doc) > l.room && l.room >= 3 }

func (s *reviewStep) View() string {
	l := s.layout()
	view := clampView(strings.Join(s.window(l), "\n"), s.width, l.room)
	if l.tail == "" {
		return view
	}
	return view + "\n" + l.tail
}

// window is the rows of doc shown in room rows from the scroll offset; a
// cut is marked with how much more there is and how to see it.
func (s *reviewStep) window(l reviewLayout) []string {
	doc, room, problems := l.doc, l.room, len(l.problems)
	if !l.scrolls() {
		return doc
	}
	// The card may have shrunk since the last key (a resize, a closed prompt).
	off := min(max(s.offset, 0), len(doc)-room)
	out := append([]string(nil), doc[off:off+room]...)
	st := s.c.Styles
	if off > 0 {
		out[0] = st.Muted.Render("↑ " + campaign.Plural(off+1, "more line", "more lines") + " · j/k scroll")
	}
	if below := len(doc) - off - room; below > 0 {
		more := campaign.Plural(below+1, "more line", "more lines")
		if problems > 0 {
			more += ", " + campaign.Plural(problems, "problem", "problems")
		}
		out[room-1] = st.Muted.Render("↓ " + more + " · j/k scroll")
	}
	return out
}

// bubble renders the whole message like a chat bubble.
func (s *reviewStep) bubble(inner int) string {
	c := s.d.Campaign
	bw := max(inner*3/4, 16) - 4 // text width inside the bubble's border and padding
	st := s.c.Styles
	var lines []string
	if c.Type.IsMedia() {
		// Wrapped, not cut: the end of a URL is often what differs.
		lines = append(lines, strings.Split(ansi.Wrap("["+string(c.Type)+"] "+campaign.SanitizeLine(c.MediaURL, 0), bw, "/?&="), "\n")...)
	}
	text := campaign.Sanitize(c.Content)
	if strings.TrimSpace(text) == "" {
		if !c.Type.IsMedia() {
			lines = append(lines, st.Muted.Render("(no text)"))
		}
	} else {
		lines = append(lines, strings.Split(ansi.Wrap(text, bw, ""), "\n")...)
	}
	return st.Bubble.Render(strings.Join(lines, "\n"))
}

// statusView is the prompt or outcome line under the card.
func (s *reviewStep) statusView() []string {
	st := s.c.Styles
	switch s.mode {
	case reviewConfirm:
		// Wrapped, never cut: the count and the time are the point.
		return []string{st.Warning.Bold(true).Width(max(s.width, 10)).Render(s.confirmQuestion())}
	case reviewConfirmAgain:
		return []string{st.Error.Bold(true).Width(max(s.width, 10)).Render(fmt.Sprintf(
			"Campaign %s may already have reached these recipients (its outcome is unknown). Send a NEW campaign to them anyway? [y/N]", s.unsure.CampaignID))}
	case reviewConfirmResume:
		o := campaign.Summarize(s.unsure, nil)
		q := fmt.Sprintf("Resume campaign %s: send the %s never sent? [y/N]", s.unsure.CampaignID, campaign.Plural(o.Rejected+o.NotSent, "recipient", "recipients"))
		if !o.Resumable() {
			q = fmt.Sprintf("Resend campaign %s to its %s whose outcome is unknown? They get it twice if it did arrive. [y/N]", s.unsure.CampaignID, campaign.Plural(o.Unknown, "recipient", "recipients"))
		}
		return []string{st.Warning.Bold(true).Width(max(s.width, 10)).Render(q)}
	case reviewSending:
		return []string{st.Muted.Render(s.status.text(s.c.Now()))}
	case reviewTestInput:
		out := []string{s.testIn.View()}
		if s.testErr != "" {
			out = append(out, st.Error.Render(s.testErr))
		}
		return out
	case reviewTestSending:
		return []string{st.Muted.Render("Sending a test…")}
	case reviewBatchInput:
		out := []string{s.batchIn.View()}
		if s.batchErr != "" {
			out = append(out, st.Error.Width(max(s.width, 10)).Render(s.batchErr))
		}
		return out
	}
	var out []string
	w := st.Error.Width(max(s.width, 10))
	if s.sendErr != "" {
		out = append(out, w.Render(s.sendErr))
	}
	if s.testErr != "" {
		out = append(out, w.Render(s.testErr))
	}
	if s.testMsg != "" {
		out = append(out, st.Success.Render("✓ "+s.testMsg))
	}
	return out
}

func (s *reviewStep) ShortHelp() []key.Binding {
	switch s.mode {
	case reviewConfirm, reviewConfirmAgain, reviewConfirmResume:
		return []key.Binding{s.yes, s.no}
	case reviewTestInput:
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "send test")), s.cancel}
	case reviewBatchInput:
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "set batch size")), s.cancel}
	case reviewSending, reviewTestSending:
		return nil
	}
	keys := []key.Binding{s.send}
	if s.layout().scrolls() {
		// One entry for both directions: the footer is short at 60 columns.
		keys = append(keys, key.NewBinding(key.WithKeys("j", "k"), key.WithHelp("j/k", "scroll")))
	}
	if s.canOverride() {
		o := s.override
		if s.isOverridden() {
			o.SetHelp("o", "undo send anyway")
		}
		keys = append(keys, o)
	}
	if s.unsure != nil {
		keys = append(keys, s.resume)
	}
	return append(keys, s.test, s.batch)
}

func (s *reviewStep) FullHelp() [][]key.Binding {
	h := [][]key.Binding{s.ShortHelp()}
	if s.mode == reviewIdle && s.layout().scrolls() {
		h = append(h, []key.Binding{s.down, s.up, s.pgDown, s.pgUp, s.top, s.bottom})
	}
	return h
}

// BatchSize is how many recipients a request carries at most (0: all).
func (s *reviewStep) BatchSize() int { return s.batchSize }

// Campaign is the campaign under review.
func (s *reviewStep) Campaign() campaign.Campaign { return s.d.Campaign }

// Sending: a send has been asked for and its answer is not in.
func (s *reviewStep) Sending() bool { return s.mode == reviewSending }

// SetBatchSize restores a draft's batch size.
func (s *reviewStep) SetBatchSize(n int) { s.batchSize = max(n, 0) }
