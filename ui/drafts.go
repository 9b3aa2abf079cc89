package ui

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"spotcast/campaign"
	"spotcast/ui/common"
)

// draftDelay is how long the composer waits after a change before saving
// the draft: keystrokes in a burst are saved once, and never later than a
// second after the first of them.
const draftDelay = time.Second

// Draft UI keys (campaign.Draft.UI): what the campaign cannot hold.
const (
	draftUINumbers      = "numbers"      // typed numbers as typed, one a line
	draftUISchedule     = "schedule"     // now | preset | custom
	draftUIPreset       = "preset"       // the preset's label
	draftUIScheduleText = "scheduleText" // the custom time as typed
)

// draftTickMsg fires draftDelay after change gen.
type draftTickMsg struct{ gen int }

// draftSavedMsg is the outcome of a save command.
type draftSavedMsg struct {
	gen int
	err error
}

// draftStore serialises the draft's writes: the debounced saves run in
// commands on other goroutines, the quit and Close saves on the caller's.
// Each write carries the change generation it captured; an older one never
// overwrites a newer one, nor resurrects a deleted draft.
type draftStore struct {
	store    campaign.DraftStore
	operator string

	mu      sync.Mutex
	written int // the newest generation written or deleted
	// ours: the draft on disk is this session's: written by it, or the
	// earlier one it resumed (or is still offering to resume).
	ours bool
}

func (s *draftStore) save(gen int, d campaign.Draft) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if gen <= s.written {
		return nil
	}
	if err := s.store.SaveDraft(d); err != nil {
		return err
	}
	s.written, s.ours = gen, true
	return nil
}

func (s *draftStore) delete(gen int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.written = max(s.written, gen)
	s.ours = false
	return s.store.DeleteDraft(s.operator)
}

func (s *draftStore) isOurs() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ours
}

func (s *draftStore) adopt() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ours = true
}

func (s *draftStore) savedUpTo(gen int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return gen <= s.written
}

// stepKeys name the steps in a draft (stable, unlike the stepID numbers).
var stepKeys = map[stepID]string{
	stepType: "type", stepContent: "content", stepMedia: "media",
	stepRecipients: "recipients", stepSchedule: "schedule", stepReview: "review",
}

func stepFromKey(k string) (stepID, bool) {
	for id, name := range stepKeys {
		if name == k {
			return id, true
		}
	}
	return stepType, false
}

// composing: the wizard holds a campaign the operator may still want, so
// changes are saved. Not while the resume prompt waits for an answer, not
// once the campaign was handed to the progress view, never for watch/jobs.
func (m *Model) composing() bool {
	return m.drafts != nil && !m.sent && m.active != stepResume
}

// draftSnapshot captures the composer's state. Every slice and map is new:
// the snapshot is handed to a command running on another goroutine. It
// holds no API key (the campaign has none) and no imported recipients (the
// CSV path is kept and re-imported instead).
func (m *Model) draftSnapshot() campaign.Draft {
	d := campaign.Draft{
		Step:     stepKeys[m.lastStep],
		Operator: m.c.Operator,
		UI:       map[string]string{},
	}
	for _, p := range m.draftParts() {
		p.snapshotInto(&d)
	}
	return d
}

// draftPart is a screen's share of a draft: it writes what it owns into a
// snapshot and takes it back on restore. The root reaches into no screen.
type draftPart interface {
	snapshotInto(d *campaign.Draft)
	restoreFrom(d *campaign.Draft) tea.Cmd
}

// draftParts in restore order: the type first (it sets the content limit
// and whether there is a media step).
func (m *Model) draftParts() []draftPart {
	return []draftPart{m.typ, m.content, m.media, m.recipients, m.schedule, m.review}
}

func (s *typeStep) snapshotInto(d *campaign.Draft) { d.Type = s.Selected() }
func (s *typeStep) restoreFrom(d *campaign.Draft) tea.Cmd {
	s.Select(d.Type)
	return nil
}

func (s *contentStep) snapshotInto(d *campaign.Draft) { d.Content = s.Value() }
func (s *contentStep) restoreFrom(d *campaign.Draft) tea.Cmd {
	s.SetValue(d.Content)
	return nil
}

func (s *mediaStep) snapshotInto(d *campaign.Draft) { d.MediaURL = s.in.Value() }
func (s *mediaStep) restoreFrom(d *campaign.Draft) tea.Cmd {
	s.SetValue(d.MediaURL)
	return nil
}

func (s *reviewStep) snapshotInto(d *campaign.Draft) { d.BatchSize = s.BatchSize() }
func (s *reviewStep) restoreFrom(d *campaign.Draft) tea.Cmd {
	s.SetBatchSize(d.BatchSize)
	return nil
}

// The schedule keeps the choice, not the instant: a relative time ("+2h")
// moves with the clock and would look like a change every second.
func (s *scheduleStep) snapshotInto(d *campaign.Draft) {
	switch {
	case s.cursor == 0:
		d.UI[draftUISchedule] = "now"
	case s.cursor < s.customIndex():
		d.UI[draftUISchedule] = "preset"
		d.UI[draftUIPreset] = s.presets[s.cursor-1].Label
	default:
		d.UI[draftUISchedule] = "custom"
		d.UI[draftUIScheduleText] = s.in.Value()
	}
}

func (s *scheduleStep) restoreFrom(d *campaign.Draft) tea.Cmd {
	s.refreshPresets()
	s.cursor = 0
	switch d.UI[draftUISchedule] {
	case "preset":
		for i, p := range s.presets {
			if p.Label == d.UI[draftUIPreset] {
				s.cursor = i + 1
			}
		}
	case "custom":
		s.cursor = s.customIndex()
		s.in.SetValue(d.UI[draftUIScheduleText])
	}
	return nil
}

// trackDraft runs after every message: when the composer's state changed,
// it schedules a save draftDelay later.
func (m *Model) trackDraft() tea.Cmd {
	if !m.composing() {
		return nil
	}
	if note := m.recipients.takeDraftChange(); note != "" && m.active != stepRecipients {
		// Recipients says it too; elsewhere the status line does.
		m.err = note
	}
	if _, ok := stepKeys[m.active]; ok {
		m.lastStep = m.active
	}
	d := m.draftSnapshot()
	if reflect.DeepEqual(d, m.lastDraft) {
		return nil
	}
	m.lastDraft = d
	m.draftGen++
	if m.dirtyGen == 0 {
		m.dirtyGen = m.draftGen
	}
	gen := m.draftGen
	return m.draftTick(draftDelay, func(time.Time) tea.Msg { return draftTickMsg{gen: gen} })
}

// onDraftTick saves when the change that scheduled the tick is the latest
// (the operator paused) or the oldest unsaved one (a second has passed
// since it, however fast the typing).
func (m *Model) onDraftTick(msg draftTickMsg) tea.Cmd {
	if !m.composing() || m.dirtyGen == 0 || (msg.gen != m.draftGen && msg.gen != m.dirtyGen) {
		return nil
	}
	m.dirtyGen = 0
	return m.saveDraftCmd()
}

// saveDraftCmd writes the latest snapshot in a command; the snapshot is
// copied into the closure, the command never reads the model.
func (m *Model) saveDraftCmd() tea.Cmd {
	st, gen, d := m.drafts, m.draftGen, m.lastDraft
	d.SavedAt = m.c.Now()
	return func() tea.Msg { return draftSavedMsg{gen: gen, err: st.save(gen, d)} }
}

// saveDraftNow writes the draft before the program ends (quit, Close), so
// nothing typed in the last second is lost.
func (m *Model) saveDraftNow() error {
	if !m.composing() {
		return nil
	}
	m.trackDraft() // the last message's change, if any; its tick never fires
	if m.draftGen == 0 || m.drafts.savedUpTo(m.draftGen) {
		m.draftSaveErr = nil
		return nil
	}
	d := m.lastDraft
	d.SavedAt = m.c.Now()
	m.dirtyGen = 0
	m.draftSaveErr = m.drafts.save(m.draftGen, d)
	return m.draftSaveErr
}

// draftOutcome is what draftState said when the session closed.
type draftOutcome struct {
	saved bool
	err   error
}

// draftState says what became of the draft on the way out: saved (on disk
// and up to date), or the error that kept it from being saved. Neither: no
// draft (nothing composed, or it was sent).
func (m *Model) draftState() (saved bool, err error) {
	if m.drafts == nil || m.sent {
		return false, nil
	}
	// At the resume prompt the earlier draft is on disk, untouched.
	if m.active != stepResume {
		if m.draftSaveErr != nil {
			return false, m.draftSaveErr
		}
		if !m.drafts.savedUpTo(m.draftGen) {
			return false, errors.New("it was not written before the program ended")
		}
		if !m.drafts.isOurs() {
			// A file there is another session's (or nothing was
			// composed): this one saved nothing to claim.
			return false, nil
		}
	}
	if d, err := m.drafts.store.LatestDraft(m.drafts.operator); err != nil || d == nil {
		return false, nil // nothing was typed: there is no draft
	}
	return true, nil
}

// deleteDraft forgets the draft (sent, or the operator chose to start
// fresh); a save still in flight cannot bring it back.
func (m *Model) deleteDraft() {
	if m.drafts == nil {
		return
	}
	m.dirtyGen = 0
	if err := m.drafts.delete(m.draftGen); err != nil {
		m.draftErr = "draft: " + err.Error()
	}
}

func allAccepted(sub *campaign.Submission) bool {
	if sub == nil || len(sub.Batches) == 0 {
		return false
	}
	for _, b := range sub.Batches {
		if b.State != campaign.StateAccepted {
			return false
		}
	}
	return true
}

// restoreDraft puts a saved draft back into every step and opens the step
// the operator left; a saved CSV path is imported again.
func (m *Model) restoreDraft(d *campaign.Draft) tea.Cmd {
	m.drafts.adopt()
	var cmds []tea.Cmd
	for _, p := range m.draftParts() {
		cmds = append(cmds, p.restoreFrom(d))
		if p == draftPart(m.typ) {
			m.syncType()
		}
	}
	cmd := tea.Batch(cmds...)

	target, ok := stepFromKey(d.Step)
	if !ok || (target == stepMedia && !m.typ.Selected().IsMedia()) {
		target = stepContent
	}
	m.sent = false
	m.active = target // composing again: trackDraft may record it
	m.lastStep = target
	m.lastDraft = m.draftSnapshot()
	return tea.Batch(cmd, m.goTo(target))
}

// resumeScreen asks whether to carry on with the saved draft.
type resumeScreen struct {
	c      *common.Common
	d      *campaign.Draft
	err    error
	width  int
	height int
	resume key.Binding
	fresh  key.Binding
	yes    key.Binding
	// confirming: n was pressed; the draft goes only on y.
	confirming bool
}

func newResumeScreen(c *common.Common) *resumeScreen {
	return &resumeScreen{
		c:      c,
		resume: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "resume")),
		fresh:  key.NewBinding(key.WithKeys("n", "N"), key.WithHelp("n", "start fresh")),
		yes:    key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "discard the draft")),
	}
}

func (s *resumeScreen) Init() tea.Cmd                       { return nil }
func (s *resumeScreen) Update(tea.Msg) (tea.Model, tea.Cmd) { return s, nil }
func (s *resumeScreen) SetSize(width, height int)           { s.width, s.height = width, height }

// summary: "(TEXT, 'first words…', 3 recipients)".
func (s *resumeScreen) summary() string {
	d := s.d
	words := strings.Join(strings.Fields(campaign.Sanitize(d.Content)), " ")
	if r := []rune(words); len(r) > 24 {
		words = strings.TrimSpace(string(r[:24])) + "…"
	}
	parts := []string{string(d.Type)}
	if words != "" {
		parts = append(parts, "'"+words+"'")
	}
	who := campaign.Plural(len(d.Recipients), "recipient", "recipients")
	if d.CSVPath != "" {
		who += " + " + campaign.SanitizeLine(filepath.Base(d.CSVPath), 30)
	}
	if n := len(d.GroupIDs); n > 0 {
		who += ", " + campaign.Plural(n, "group", "groups")
	}
	return "(" + campaign.SanitizeLine(strings.Join(append(parts, who), ", "), 0) + ")"
}

func (s *resumeScreen) View() string {
	st := s.c.Styles
	w := max(s.width, 20)
	if s.err != nil {
		return st.Title.Render("Your saved draft cannot be read") + "\n\n" +
			st.Error.Width(w).Render(campaign.Sanitize(s.err.Error())) + "\n\n" +
			"n or enter starts fresh (the damaged draft is deleted)."
	}
	when := s.d.SavedAt.In(s.c.Loc()).Format("Mon 2 Jan 15:04")
	q := fmt.Sprintf("Resume your draft from %s?", when)
	ask := st.HelpKey.Render("enter") + " resume · " + st.HelpKey.Render("n") + " start fresh"
	if s.confirming {
		ask = st.Warning.Width(w).Render("Start fresh and delete this draft? It cannot be brought back.") + "\n" +
			st.HelpKey.Render("y") + " delete it and start fresh · any other key keeps it"
	}
	return st.Title.Render("Unfinished campaign") + "\n\n" + q + "\n" +
		st.Plain.Width(w).Render(s.summary()) + "\n\n" + ask
}

func (s *resumeScreen) ShortHelp() []key.Binding {
	if s.err != nil {
		return []key.Binding{key.NewBinding(key.WithKeys("n", "enter"), key.WithHelp("n/enter", "start fresh"))}
	}
	if s.confirming {
		return []key.Binding{s.yes}
	}
	return []key.Binding{s.resume, s.fresh}
}
func (s *resumeScreen) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }

// Offer asks about draft d, or says why the draft could not be read.
func (s *resumeScreen) Offer(d *campaign.Draft, err error) { s.d, s.err = d, err }

// resumeAnswer is what a key on the resume prompt decided.
type resumeAnswer int

const (
	resumeUndecided resumeAnswer = iota
	resumeDraft                  // restore the draft given
	resumeFresh                  // discard it and start fresh
)

// Answer handles a key: n asks first, y then discards; enter resumes.
func (s *resumeScreen) Answer(msg tea.KeyMsg) (resumeAnswer, *campaign.Draft) {
	if s.confirming {
		s.confirming = false
		if s.err != nil || !key.Matches(msg, s.yes) {
			return resumeUndecided, nil // kept: back to the question
		}
		return resumeFresh, nil
	}
	switch {
	case s.err == nil && key.Matches(msg, s.fresh):
		s.confirming = true
	case s.err == nil && key.Matches(msg, s.resume):
		d := s.d
		s.d = nil
		return resumeDraft, d
	case s.err != nil && (key.Matches(msg, s.fresh) || key.Matches(msg, s.resume)):
		// A damaged draft cannot be resumed: nothing to ask.
		return resumeFresh, nil
	}
	return resumeUndecided, nil
}

// answerResume handles a key on the resume prompt.
func (m *Model) answerResume(msg tea.KeyMsg) tea.Cmd {
	switch a, d := m.resume.Answer(msg); a {
	case resumeDraft:
		return m.restoreDraft(d)
	case resumeFresh:
		return m.startFresh()
	}
	return nil
}

// startFresh deletes the saved draft and opens the first step.
func (m *Model) startFresh() tea.Cmd {
	m.resume.Offer(nil, nil)
	m.active = stepType
	m.deleteDraft()
	m.lastStep = stepType
	m.lastDraft = m.draftSnapshot()
	return m.goTo(stepType)
}

// unusableDrafts is the draft store of a session whose database could not
// be opened: every read and save says why.
type unusableDrafts struct{ err error }

func (u unusableDrafts) SaveDraft(campaign.Draft) error              { return u.err }
func (u unusableDrafts) LatestDraft(string) (*campaign.Draft, error) { return nil, u.err }
func (u unusableDrafts) DeleteDraft(string) error                    { return u.err }
func (u unusableDrafts) TestNumber(string) string                    { return "" }
func (u unusableDrafts) SaveTestNumber(string, string) error         { return u.err }
