package ui

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"spotcast/campaign"
	"spotcast/campaign/store"
	"spotcast/ui/common"
	"spotcast/ui/components"
)

// Minimum terminal size; below it the layout would be garbage, so the root
// says so instead.
const (
	minWidth  = 60
	minHeight = 16
)

// step is a wizard screen that can refuse to be left forward.
type step interface {
	common.Component
	// Validate returns why the step may not be left forward, or "".
	Validate() string
}

// Optional screen behaviours the root looks for.
type (
	// capturer: a text field has the keyboard, so printable keys such as ?
	// are text, not commands.
	capturer interface{ Capturing() bool }
	// modal: a prompt is open; every key but ctrl+c goes to the screen
	// (esc closes the prompt instead of going back).
	modal   interface{ Modal() bool }
	focuser interface{ Focus() tea.Cmd }
	blurrer interface{ Blur() }
)

// progressQuitMsg is sent by the progress view when the operator leaves it;
// the root quits and builds the Result.
type progressQuitMsg struct{}

// advanceMsg asks the root to move to the next step (after Validate); steps
// send it for enter on single-line input.
type advanceMsg struct{}

func advance() tea.Msg { return advanceMsg{} }

// mode is what the session was opened for; the root routes by it.
type mode int

const (
	// modeCompose: the wizard (spotcast, SSH), then Progress after a send.
	modeCompose mode = iota
	// modeWatch: Progress only (spotcast watch, send --watch, resume); the
	// exit code reports how the jobs ended.
	modeWatch
	// modeJobs: the Jobs screen (spotcast jobs); no composer to go back to.
	modeJobs
)

type stepID int

const (
	stepType stepID = iota
	stepContent
	stepMedia
	stepRecipients
	stepSchedule
	stepReview
	stepProgress
	stepJobs   // the journal's campaigns
	stepResume // "resume your draft?"
)

func (s stepID) String() string {
	return [...]string{"Type", "Content", "Media URL", "Recipients", "Schedule", "Review", "Progress", "Jobs", "Resume draft"}[s]
}

// Layout rows outside the active screen.
const (
	headerRows = 2 // header line and a blank line
	statusRows = 1 // the refusal reason / blank
)

// Model is the root: it owns the screens, routes keys to the active one and
// sizes all of them.
type Model struct {
	c        *common.Common
	keys     globalKeys
	help     components.Help
	fullHelp bool
	active   stepID

	typ        *typeStep
	content    *contentStep
	media      *mediaStep
	recipients *recipientsModel
	schedule   *scheduleStep
	review     *reviewStep
	progress   *progressModel
	jobs       *jobsModel
	resume     *resumeScreen

	// reviewImport is the import state the review snapshot was taken with;
	// a change (an import finishing or failing) refreshes the snapshot.
	reviewImport importState
	// err is why the last tab was refused; shown until the next key.
	err         string
	interrupted bool
	// mode is what the session is for (compose, watch, jobs).
	mode     mode
	initCmds []tea.Cmd
	ownStore *store.DB // opened by New, closed by Close
	// progressFrom is the screen esc on Progress returns to: stepJobs when
	// it was re-attached from the jobs list, else stepProgress (none).
	progressFrom stepID

	// Drafts (nil drafts: off). draftGen counts changes; dirtyGen is the
	// first change not yet saved (0: none); lastDraft is the state after
	// the latest change, lastStep the last wizard step shown.
	drafts    *draftStore
	draftGen  int
	dirtyGen  int
	lastDraft campaign.Draft
	lastStep  stepID
	draftErr  string
	// draftSaveErr is why the last save on the way out failed (nil: it
	// worked, or there was nothing to save).
	draftSaveErr error
	draftTick    func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd
	// device: since when WhatsSpot's device is disconnected (zero: it is
	// not known to be), polled with deviceTick (nil: once).
	device     time.Time
	deviceTick func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd
	// sent: the composed campaign went to the progress view; there is no
	// draft to keep until a new one is composed.
	sent bool
	// watchEnd: how the watch ended when r left it for a re-send; leaving
	// without sending that ends the session as the watch did.
	watchEnd *watchEnd

	closeOnce sync.Once
	closeErr  error
	// finalDraft: the draft's state as Close left it (nil: not closed yet).
	finalDraft *draftOutcome
}

func newModel(c *common.Common) *Model {
	m := &Model{
		c:          c,
		keys:       newGlobalKeys(),
		help:       components.NewHelp(c.NewHelp()),
		typ:        newTypeStep(c),
		content:    newContentStep(c),
		media:      newMediaStep(c),
		recipients: newRecipients(c),
		schedule:   newScheduleStep(c),
		review:     newReviewStep(c),
		progress:   newProgress(c),
		jobs:       newJobs(c),
		resume:     newResumeScreen(c),
		draftTick:  tea.Tick,
		deviceTick: tea.Tick,
	}
	m.syncType()
	return m
}

func (m *Model) screen(id stepID) common.Component {
	switch id {
	case stepType:
		return m.typ
	case stepContent:
		return m.content
	case stepMedia:
		return m.media
	case stepRecipients:
		return m.recipients
	case stepSchedule:
		return m.schedule
	case stepReview:
		return m.review
	case stepJobs:
		return m.jobs
	case stepResume:
		return m.resume
	}
	return m.progress
}

func (m *Model) screens() []common.Component {
	return []common.Component{m.typ, m.content, m.media, m.recipients, m.schedule, m.review, m.progress, m.jobs, m.resume}
}

// flow is the wizard's steps for the chosen type (Media URL only for media).
func (m *Model) flow() []stepID {
	ids := []stepID{stepType, stepContent}
	if m.typ.Selected().IsMedia() {
		ids = append(ids, stepMedia)
	}
	return append(ids, stepRecipients, stepSchedule, stepReview)
}

func (m *Model) flowIndex() int {
	for i, id := range m.flow() {
		if id == m.active {
			return i
		}
	}
	return -1
}

func (m *Model) syncType() {
	t := m.typ.Selected()
	m.content.SetType(t)
	m.media.SetType(t)
}

// draft assembles the campaign from the steps (O(recipients): call it on
// transitions, not per frame).
func (m *Model) draft() reviewDraft {
	t := m.typ.Selected()
	c := campaign.Campaign{Type: t, Content: m.content.Value()}
	if t.IsMedia() {
		c.MediaURL = m.media.Value()
	}
	c.Recipients = m.recipients.Recipients()
	c.GroupIDs = m.recipients.Groups()
	d := reviewDraft{Report: m.recipients.Report(), CSVPath: m.recipients.CSVPath(),
		Importing: m.recipients.Importing(), ImportErr: m.recipients.ImportErr(), Media: m.media.Check(),
		DefaultCountry: m.recipients.DefaultCountry(), Suppressed: m.recipients.Suppressed()}
	at, err := m.schedule.At()
	if err != nil {
		d.ScheduleErr = err.Error()
	}
	c.ScheduledAt = at
	d.Campaign = c
	return d
}

func (m *Model) Init() tea.Cmd {
	cmds := append([]tea.Cmd{}, m.initCmds...)
	if m.deviceTick != nil {
		// The device is first read just after the screens' own first reads.
		cmds = append(cmds, m.deviceTick(deviceFirst, func(time.Time) tea.Msg { return deviceTickMsg{} }))
	}
	if f, ok := m.screen(m.active).(focuser); ok {
		cmds = append(cmds, f.Focus())
	}
	return tea.Batch(cmds...)
}

// goTo makes id the active screen: the others lose focus, Review takes a
// fresh snapshot.
func (m *Model) goTo(id stepID) tea.Cmd {
	for _, s := range m.screens() {
		if b, ok := s.(blurrer); ok {
			b.Blur()
		}
	}
	m.active = id
	if id == stepReview {
		m.review.Reset()
		m.refreshReview()
	}
	m.layout()
	if f, ok := m.screen(id).(focuser); ok {
		return f.Focus()
	}
	return nil
}

func (m *Model) refreshReview() {
	d := m.draft()
	m.reviewImport = m.recipients.importState()
	m.review.SetDraft(d)
}

// next leaves the active step forward when it allows it.
func (m *Model) next() tea.Cmd {
	flow := m.flow()
	i := m.flowIndex()
	if i < 0 || i == len(flow)-1 {
		return nil
	}
	if s, ok := m.screen(m.active).(step); ok {
		if why := s.Validate(); why != "" {
			m.err = why
			return nil
		}
	}
	return m.goTo(flow[i+1])
}

func (m *Model) back() tea.Cmd {
	i := m.flowIndex()
	if i <= 0 {
		return nil
	}
	return m.goTo(m.flow()[i-1])
}

func (m *Model) capturing() bool {
	c, ok := m.screen(m.active).(capturer)
	return ok && c.Capturing()
}

// ownsNavKeys: the active screen takes tab/esc itself — a prompt is open,
// or a Recipients input or the file picker has the keyboard (esc closes it,
// enter applies it; leaving the step would lose what was typed).
func (m *Model) ownsNavKeys() bool {
	return m.isModal() || (m.active == stepRecipients && m.capturing())
}

func (m *Model) isModal() bool {
	md, ok := m.screen(m.active).(modal)
	return ok && md.Modal()
}

// Update routes the message, then notes whether the composed campaign
// changed (a draft save is then scheduled).
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.update(msg)
	if t := m.trackDraft(); t != nil {
		cmd = tea.Batch(cmd, t)
	}
	return m, cmd
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.Width, m.c.Height = msg.Width, msg.Height
		m.layout()
		return nil
	case tea.KeyMsg:
		m.err = ""
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 {
			// Bubble Tea v1 reports a burst of typed letters (fast typing,
			// an SSH round trip, a paste without bracketed paste) as one
			// message, and its String() is the letters: the word "up",
			// "enter" or "tab" then matched those keys' bindings and was
			// swallowed. Several letters are always text.
			msg.Paste = true
		}
		if key.Matches(msg, m.keys.Quit) {
			m.interrupted = true
			return m.quit()
		}
		if m.tooSmall() {
			return nil
		}
		if key.Matches(msg, m.keys.HelpTyping) || (key.Matches(msg, m.keys.Help) && !m.capturing() && !m.isModal()) {
			// Help on every screen: ? unless it is text, f1 always.
			m.fullHelp = !m.fullHelp
			m.layout()
			return nil
		}
		if m.active == stepResume {
			return m.answerResume(msg)
		}
		if !m.ownsNavKeys() {
			switch {
			case m.active == stepType && key.Matches(msg, m.keys.Jobs):
				return m.openJobs()
			case m.active == stepJobs && m.mode != modeJobs && key.Matches(msg, m.keys.Back):
				m.jobs.Close()
				return m.goTo(stepType)
			case m.active == stepProgress && m.progressFrom == stepJobs && key.Matches(msg, m.keys.ToJobs):
				m.progress.stop()
				m.progressFrom = stepProgress
				return m.openJobs()
			}
			if m.active != stepProgress && m.active != stepJobs {
				switch {
				case key.Matches(msg, m.keys.Next):
					return m.next()
				case key.Matches(msg, m.keys.Back):
					return m.back()
				case m.active == stepRecipients && msg.Type == tea.KeyEnter:
					// Recipients has no single-line field with the keyboard
					// now (ownsNavKeys is false), so enter means "next".
					return m.next()
				}
			}
		}
		return m.updateActive(msg)
	case advanceMsg:
		return m.next()
	case sentMsg:
		m.sent, m.progressFrom = true, stepProgress
		if allAccepted(msg.sub) {
			// Every batch reached the API: the draft has done its job.
			m.deleteDraft()
		}
		cmd := m.goTo(stepProgress)
		return tea.Batch(cmd, m.progress.StartSubmissionOf(msg.sub, m.review.Campaign(), m.review.BatchSize()))
	case watchCampaignMsg:
		m.jobs.Close()
		m.progressFrom = stepJobs
		cmd := m.goTo(stepProgress)
		return tea.Batch(cmd, m.progress.StartWatchCampaign(msg.rec))
	case progressQuitMsg:
		return m.quit()
	case draftTickMsg:
		return m.onDraftTick(msg)
	case draftSavedMsg:
		m.draftErr = ""
		if msg.err != nil {
			m.draftErr = "draft not saved: " + msg.err.Error()
		}
		return nil
	case resendFailedMsg:
		return m.resendFailed(msg)
	case deviceTickMsg:
		return m.pollDevice()
	case deviceMsg:
		return m.onDevice(msg)
	}
	// Everything else (async results, ticks, cursor blinks) goes to every
	// screen: an import or a poll must land even when its screen is hidden.
	// Each screen drops what is not its own.
	var cmds []tea.Cmd
	for _, s := range m.screens() {
		_, cmd := s.Update(msg)
		cmds = append(cmds, cmd)
	}
	if m.active == stepReview && m.recipients.importState() != m.reviewImport {
		m.refreshReview()
	}
	return tea.Batch(cmds...)
}

// quit saves the draft first: whatever was typed in the last second is
// kept.
func (m *Model) quit() tea.Cmd {
	if err := m.saveDraftNow(); err != nil {
		m.closeErr = err
	}
	return tea.Quit
}

// openJobs shows the journal's campaigns (reading it afresh).
func (m *Model) openJobs() tea.Cmd {
	cmd := m.goTo(stepJobs)
	return tea.Batch(cmd, m.jobs.Open())
}

// loadMessageOf puts a stored campaign's message into the composer.
func (m *Model) loadMessageOf(campaignID string) error {
	if m.c.Store == nil {
		return fmt.Errorf("cannot re-send: %w", m.c.StoreErr)
	}
	cf, _, err := m.c.Store.LoadCampaign(campaignID)
	if err != nil {
		return fmt.Errorf("cannot re-send: %w", err)
	}
	m.setMessage(cf.Campaign)
	return nil
}

// setMessage puts a campaign's message (type, text, media URL) into the
// composer.
func (m *Model) setMessage(c campaign.Campaign) {
	m.typ.Select(c.Type)
	m.syncType()
	m.content.SetValue(c.Content)
	m.media.SetValue(c.MediaURL)
}

func (m *Model) updateActive(msg tea.Msg) tea.Cmd {
	_, cmd := m.screen(m.active).Update(msg)
	if m.active == stepType {
		m.syncType()
	}
	return cmd
}

func (m *Model) tooSmall() bool { return m.c.Width < minWidth || m.c.Height < minHeight }

// helpKeys is what the footer explains: the active screen's keys and the
// global keys that work on it now.
func (m *Model) helpKeys() helpKeys {
	s := m.screen(m.active)
	h := helpKeys{screen: s.ShortHelp(), full: s.FullHelp()}
	if !m.ownsNavKeys() {
		i := m.flowIndex()
		if i >= 0 && i < len(m.flow())-1 {
			h.globals = append(h.globals, m.keys.Next)
		}
		if i > 0 {
			h.globals = append(h.globals, m.keys.Back)
		}
		switch {
		case m.active == stepType:
			h.globals = append(h.globals, m.keys.Jobs)
		case m.active == stepJobs && m.mode != modeJobs:
			h.globals = append(h.globals, m.keys.Back)
		case m.active == stepProgress && m.progressFrom == stepJobs:
			h.globals = append(h.globals, m.keys.ToJobs)
		}
	}
	if m.capturing() || m.isModal() {
		h.globals = append(h.globals, m.keys.HelpTyping)
	} else {
		h.globals = append(h.globals, m.keys.Help)
	}
	h.globals = append(h.globals, m.keys.Quit)
	return h
}

func (m *Model) helpView() string {
	if m.fullHelp {
		return clampView(m.help.FullView(m.helpKeys().FullHelp(), m.bodyWidth()), m.bodyWidth(), 0)
	}
	more := m.keys.Help
	if m.capturing() || m.isModal() {
		more = m.keys.HelpTyping
	}
	return clampView(m.help.ShortView(m.helpKeys().ShortHelp(), more, m.keys.Quit, m.bodyWidth()), m.bodyWidth(), 0)
}

func (m *Model) bodyWidth() int { return max(m.c.Width-2, 1) } // App padding

func (m *Model) bodyHeight() int {
	return max(m.c.Height-headerRows-statusRows-lipgloss.Height(m.helpView()), 1)
}

// layout sizes every screen, visible or not, so a screen is right when it
// appears.
func (m *Model) layout() {
	w, h := m.bodyWidth(), m.bodyHeight()
	for _, s := range m.screens() {
		s.SetSize(w, h)
	}
}

func (m *Model) View() string {
	w, h := m.c.Width, m.c.Height
	if w == 0 || h == 0 {
		return "" // no size yet: nothing sensible to draw
	}
	if m.tooSmall() {
		return ansi.Wrap(fmt.Sprintf("terminal too small: %d×%d, need at least %d×%d.\nEnlarge the window, or press ctrl+c to quit.",
			w, h, minWidth, minHeight), w, "")
	}
	st := m.c.Styles
	bw := m.bodyWidth()
	status := ""
	switch {
	case m.err != "":
		status = st.Error.Width(bw).Render("✗ " + campaign.Sanitize(m.err))
	case m.draftErr != "":
		status = st.Warning.Render(campaign.SanitizeLine("⚠ "+m.draftErr, bw))
	}
	helpView := m.helpView()
	// A long refusal borrows rows from the body until the next key.
	bh := max(h-headerRows-max(lipgloss.Height(status), statusRows)-lipgloss.Height(helpView), 1)
	body := components.PlainBox(m.screen(m.active).View(), bw, bh)
	return components.AppBox(strings.Join([]string{m.headerView(), body, status, helpView}, "\n"))
}
