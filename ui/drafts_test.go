package ui

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"spotcast/campaign"
	"spotcast/campaign/store"
	"spotcast/client"
)

// draftTicks replaces the model's draft timer: the ticks are kept for the
// test to fire by hand, in any order.
type draftTicks struct{ msgs []tea.Msg }

func captureDraftTicks(m *Model) *draftTicks {
	dt := &draftTicks{}
	m.draftTick = func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
		if d != draftDelay {
			panic("draft tick with an unexpected delay")
		}
		dt.msgs = append(dt.msgs, fn(time.Time{}))
		return nil
	}
	return dt
}

// feed runs cmd like the runtime and feeds every message back until
// nothing is left. A command still running after quickCmd is dropped: it
// waits on a timer (a cursor blink), and timers are not what these tests
// are about.
func feed(m tea.Model, cmd tea.Cmd) {
	queue := runQuick(cmd)
	for i := 0; i < len(queue) && i < 200; i++ {
		_, c := m.Update(queue[i])
		queue = append(queue, runQuick(c)...)
	}
}

const quickCmd = 300 * time.Millisecond

func runQuick(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-ch:
	case <-time.After(quickCmd):
		return nil
	}
	b, ok := msg.(tea.BatchMsg)
	if !ok {
		if msg == nil {
			return nil
		}
		return []tea.Msg{msg}
	}
	return fanOut(b, runQuick)
}

// testStore is another view of the database the model uses (as another
// process, or a later session, would see it).
func testStore(t *testing.T, opts Options) *store.DB {
	t.Helper()
	s, err := store.Open(context.Background(), store.Options{StateDir: opts.StateDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func loadDraft(t *testing.T, opts Options) *campaign.Draft {
	t.Helper()
	d, err := testStore(t, opts).LatestDraft(opts.Operator)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDraftSavedAfterChange(t *testing.T) {
	opts := rootOptions(t)
	m := rootModel(t, opts)
	ticks := captureDraftTicks(m)
	rootPress(m, "tab")
	for _, s := range []string{"Hel", "lo ", "draft"} {
		rootType(m, s)
	}
	if len(ticks.msgs) != 4 { // the step change and three edits
		t.Fatalf("%d draft ticks scheduled, want 4", len(ticks.msgs))
	}
	if d := loadDraft(t, opts); d != nil {
		t.Fatalf("draft written before its tick")
	}
	// A tick of a change that is neither the first unsaved nor the latest
	// saves nothing: the burst is saved once.
	if _, cmd := m.Update(ticks.msgs[2]); cmd != nil {
		t.Fatal("a stale tick scheduled a save")
	}
	_, cmd := m.Update(ticks.msgs[3])
	if cmd == nil {
		t.Fatal("the latest change's tick did not save")
	}
	rootRun(m, cmd, 1)
	d := loadDraft(t, opts)
	if d == nil || d.Content != "Hello draft" || d.Step != "content" || d.Type != campaign.TypeText || d.Operator != "tester" {
		t.Fatalf("saved draft %+v", d)
	}
	if !d.SavedAt.Equal(rootNow) {
		t.Errorf("SavedAt %v, want the frozen clock %v", d.SavedAt, rootNow)
	}
	// Saved already: the first change's late tick does not save again.
	if _, cmd := m.Update(ticks.msgs[0]); cmd != nil {
		t.Fatal("a tick after the save scheduled another")
	}

	// Continuous typing: the tick of the first unsaved change saves even
	// though newer changes keep coming (never later than draftDelay).
	rootType(m, "!")
	rootType(m, "?")
	n := len(ticks.msgs)
	_, cmd = m.Update(ticks.msgs[n-2])
	if cmd == nil {
		t.Fatal("the first unsaved change's tick did not save")
	}
	rootRun(m, cmd, 1)
	if d := loadDraft(t, opts); d.Content != "Hello draft!?" {
		t.Fatalf("draft content %q after continuous typing", d.Content)
	}
}

// composeEverything fills every step of an IMAGE campaign with keys.
func composeEverything(t *testing.T, m *Model, csv string) {
	t.Helper()
	rootPress(m, "down", "tab")
	rootType(m, "Caption here")
	rootPress(m, "tab")
	rootType(m, "https://example.com/a.jpg")
	rootPress(m, "tab")
	if m.active != stepRecipients {
		t.Fatalf("active %s, want Recipients", m.active)
	}
	rootPress(m, "c", "ctrl+u")
	rootType(m, "IN")
	rootPress(m, "enter", "a")
	rootType(m, "98765 00001, +919876500002, 12")
	rootPress(m, "enter")
	if v := m.recipients.numbers.Value(); v != "12" {
		t.Fatalf("the refused entry is not left in the input: %q", v)
	}
	rootPress(m, "esc", "g")
	rootType(m, "grp_1")
	rootPress(m, "enter", "i")
	rootType(m, csv)
	feed(m, rootPress(m, "enter"))
	if m.recipients.Report() == nil {
		t.Fatalf("the CSV was not imported:\n%s", rootView(m))
	}
	rootPress(m, "tab", "down", "down") // Schedule: Tomorrow 09:00
	rootPress(m, "tab")
	if m.active != stepReview {
		t.Fatalf("active %s, want Review:\n%s", m.active, rootView(m))
	}
	rootPress(m, "b", "ctrl+u")
	rootType(m, "4")
	rootPress(m, "enter")
}

func writeCSV(t *testing.T, rows ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "contacts.csv")
	if err := os.WriteFile(p, []byte("phone\n"+strings.Join(rows, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDraftRestoredOnANewModel(t *testing.T) {
	opts := rootOptions(t)
	csv := writeCSV(t, "+919876511111", "+919876522222", "+919876533333")
	m := rootModel(t, opts)
	captureDraftTicks(m)
	composeEverything(t, m, csv)
	// Quitting saves at once: no tick ran.
	if _, ok := rootPress(m, "ctrl+c")().(tea.QuitMsg); !ok {
		t.Fatal("ctrl+c did not quit")
	}
	d := loadDraft(t, opts)
	if d == nil || d.CSVPath != csv || len(d.Recipients) != 2 || d.Step != "review" {
		t.Fatalf("draft after quit: %+v", d)
	}

	m2 := rootModel(t, opts)
	if m2.active != stepResume {
		t.Fatalf("a new model opened on %s, want the resume prompt", m2.active)
	}
	rootHas(t, m2, "Resume your draft from Wed 25 Nov 17:30?",
		"(IMAGE, 'Caption here', 2 recipients + contacts.csv, 1 group)", "enter resume · n start fresh")
	rootGolden(t, m2)
	feed(m2, rootPress(m2, "enter"))

	if m2.active != stepReview {
		t.Fatalf("restored on %s, want Review (where the operator left)", m2.active)
	}
	c := m2.draft().Campaign
	if c.Type != campaign.TypeImage || c.Content != "Caption here" || c.MediaURL != "https://example.com/a.jpg" {
		t.Errorf("restored message %+v", c)
	}
	if m2.recipients.DefaultCountry() != "IN" || m2.review.BatchSize() != 4 {
		t.Errorf("restored country %q batch size %d", m2.recipients.DefaultCountry(), m2.review.BatchSize())
	}
	if len(c.Recipients) != 5 || len(c.GroupIDs) != 1 || c.GroupIDs[0] != "grp_1" {
		t.Errorf("restored recipients %v groups %v (3 re-imported from the CSV + 2 typed)", c.Recipients, c.GroupIDs)
	}
	if got := m2.schedule.cursor; got != 2 {
		t.Errorf("schedule choice %d, want 2 (Tomorrow 09:00)", got)
	}
	rootHas(t, m2, "5 recipients · 1 group", "2 requests of up to 4 recipients", "Caption here")
	// Restoring is not a change: nothing to save until the operator edits.
	if m2.draftGen != 0 {
		t.Errorf("restore counted as %d change(s)", m2.draftGen)
	}
}

func TestDraftRestoredOnContentStep(t *testing.T) {
	opts := rootOptions(t)
	d := campaign.Draft{Campaign: campaign.Campaign{Type: campaign.TypeText, Content: "half written"},
		Step: "content", Operator: opts.Operator, SavedAt: rootNow.Add(-time.Hour),
		UI: map[string]string{draftUISchedule: "custom", draftUIScheduleText: "+2h"}}
	if err := campaign.SaveDraft(opts.StateDir, d); err != nil {
		t.Fatal(err)
	}
	m := rootModel(t, opts)
	rootHas(t, m, "(TEXT, 'half written', 0 recipients)")
	feed(m, rootPress(m, "enter"))
	if m.active != stepContent || !m.content.Capturing() {
		t.Fatalf("restored on %s (focused %v), want a focused Content", m.active, m.content.Capturing())
	}
	rootHas(t, m, "step 2 of 5 · Content", "half written")
	if m.schedule.cursor != m.schedule.customIndex() || m.schedule.in.Value() != "+2h" {
		t.Errorf("custom schedule not restored: cursor %d value %q", m.schedule.cursor, m.schedule.in.Value())
	}
}

func TestDraftStartFreshDeletesIt(t *testing.T) {
	opts := rootOptions(t)
	if err := campaign.SaveDraft(opts.StateDir, campaign.Draft{Campaign: campaign.Campaign{Type: campaign.TypeVideo, Content: "old"},
		Step: "review", Operator: opts.Operator}); err != nil {
		t.Fatal(err)
	}
	m := rootModel(t, opts)
	ticks := captureDraftTicks(m)
	// Keys other than enter and n do nothing on the prompt.
	rootPress(m, "tab", "esc", "x")
	if m.active != stepResume {
		t.Fatalf("a stray key left the prompt for %s", m.active)
	}
	// n asks first; any key but y keeps the draft.
	rootPress(m, "n")
	rootHas(t, m, "Start fresh and delete this draft?", "y delete it and start fresh")
	rootPress(m, "x")
	if m.active != stepResume || loadDraft(t, opts) == nil {
		t.Fatalf("a key other than y after n: active %s", m.active)
	}
	rootHas(t, m, "enter resume · n start fresh")
	rootPress(m, "n", "y")
	if m.active != stepType || m.typ.Selected() != campaign.TypeText || m.content.Value() != "" {
		t.Fatalf("n: active %s type %s content %q, want a fresh start", m.active, m.typ.Selected(), m.content.Value())
	}
	if d := loadDraft(t, opts); d != nil {
		t.Fatalf("n kept the draft")
	}
	if len(ticks.msgs) != 0 {
		t.Fatal("starting fresh counted as a change")
	}
	// A new draft starts with the next change.
	rootPress(m, "down")
	rootRun(m, func() tea.Msg { return ticks.msgs[0] }, 2)
	if d := loadDraft(t, opts); d == nil || d.Type != campaign.TypeImage {
		t.Fatalf("new draft %+v", d)
	}
}

func TestDraftDamagedStartsFresh(t *testing.T) {
	opts := rootOptions(t)
	// A draft the database holds but that cannot be decoded.
	testStore(t, opts).Close()
	raw, err := sql.Open("sqlite", filepath.Join(opts.StateDir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO drafts (operator, saved_at, body) VALUES (?, 1, '{not json')`, opts.Operator); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	m := rootModel(t, opts)
	rootHas(t, m, "Your saved draft cannot be read", "is damaged")
	rootPress(m, "enter")
	if m.active != stepType {
		t.Fatalf("active %s after enter on a damaged draft", m.active)
	}
	if d, err := testStore(t, opts).LatestDraft(opts.Operator); d != nil || err != nil {
		t.Fatalf("the damaged draft is still there: %v", err)
	}
}

func TestDraftNoPromptWhenPrefilledOrWatching(t *testing.T) {
	opts := rootOptions(t)
	if err := campaign.SaveDraft(opts.StateDir, campaign.Draft{Campaign: campaign.Campaign{Type: campaign.TypeText, Content: "old"},
		Operator: opts.Operator}); err != nil {
		t.Fatal(err)
	}
	pre := opts
	pre.Prefill = campaign.Campaign{Content: "from a flag"}
	if m := rootModel(t, pre); m.active != stepType {
		t.Errorf("prefilled: opened on %s, want Type", m.active)
	}
	w := opts
	w.WatchJobIDs = []string{"job_1"}
	if m := rootModel(t, w); m.active != stepProgress || m.drafts != nil {
		t.Errorf("watch: opened on %s, drafts %v", m.active, m.drafts != nil)
	}
	other := opts
	other.Operator = "someone else"
	if m := rootModel(t, other); m.active != stepType {
		t.Errorf("another operator sees the draft (opened on %s)", m.active)
	}
}

func TestDraftDeletedOnceSent(t *testing.T) {
	srv, cl := startSandbox(t)
	opts := rootOptions(t)
	opts.Engine = engineFor(cl)
	m := rootModel(t, opts)
	ticks := captureDraftTicks(m)
	rootPress(m, "tab")
	rootType(m, "Hi there")
	rootPress(m, "tab", "a")
	rootType(m, "+919876500001 +919876500002")
	rootPress(m, "enter", "tab", "tab")
	if m.active != stepReview {
		t.Fatalf("active %s, want Review", m.active)
	}
	// A save scheduled before the send, run after it, must not bring the
	// draft back.
	_, late := m.Update(ticks.msgs[len(ticks.msgs)-1])
	if late == nil {
		t.Fatal("no save scheduled")
	}
	rootPress(m, "enter")
	rootRun(m, rootPress(m, "y"), 2)
	if m.active != stepProgress || srv.SendCount() != 1 {
		t.Fatalf("active %s, %d sends", m.active, srv.SendCount())
	}
	rootRun(m, late, 1)
	if d := loadDraft(t, opts); d != nil {
		t.Fatalf("the sent campaign's draft remains")
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if d := loadDraft(t, opts); d != nil {
		t.Fatal("Close after a send wrote a draft")
	}
}

func TestDraftKeptWhenABatchFails(t *testing.T) {
	_, cl := startSandbox(t)
	opts := rootOptions(t)
	opts.Engine = engineFor(cl)
	m := rootModel(t, opts)
	captureDraftTicks(m)
	rootPress(m, "tab")
	rootType(m, "Hi")
	if err := m.saveDraftNow(); err != nil {
		t.Fatal(err)
	}
	sub := &campaign.Submission{CampaignID: "cmp_x", Batches: []campaign.BatchResult{
		{Index: 0, State: campaign.StateAccepted}, {Index: 1, State: campaign.StateRejected}}}
	m.Update(sentMsg{sub: sub})
	if loadDraft(t, opts) == nil {
		t.Fatal("a partly rejected campaign's draft was deleted")
	}
}

func TestDraftCloseSavesAndHoldsNoKey(t *testing.T) {
	const key = "sk_live_SECRET_7f3a9c"
	opts := rootOptions(t)
	opts.Engine = engineFor(client.New(client.WithBaseURL("http://127.0.0.1:1"), client.WithAPIKey(key)))
	m := rootModel(t, opts)
	captureDraftTicks(m)
	rootPress(m, "tab")
	rootType(m, "typed just before the connection dropped")
	// The SSH server calls Close when the session ends; more than once,
	// from another goroutine, must be harmless.
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = m.Close() }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	d := loadDraft(t, opts)
	if d == nil || d.Content != "typed just before the connection dropped" {
		t.Fatalf("draft after Close: %+v", d)
	}
	filepath.WalkDir(opts.StateDir, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, rerr := os.ReadFile(p)
		if rerr != nil {
			t.Fatal(rerr)
		}
		if strings.Contains(string(b), key) || strings.Contains(string(b), "SECRET") {
			t.Errorf("%s holds the API key", p)
		}
		return nil
	})
	if st, err := os.Stat(filepath.Join(opts.StateDir, store.FileName)); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("database file mode %v, %v; want 0600", st.Mode().Perm(), err)
	}
}

func TestDraftSaveErrorShown(t *testing.T) {
	opts := rootOptions(t)
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	opts.StateDir = file
	m := rootModel(t, opts)
	ticks := captureDraftTicks(m)
	// The drafts directory cannot be read either: the prompt says so.
	rootHas(t, m, "Your saved draft cannot be read")
	rootPress(m, "n", "down")
	rootRun(m, func() tea.Msg { return ticks.msgs[0] }, 2)
	rootHas(t, m, "⚠ draft not saved:")
}

// The draft keeps the CSV as an absolute path: resumed from another folder,
// a relative one would name another file, or none.
func TestDraftCSVPathIsAbsolute(t *testing.T) {
	abs := writeCSV(t, "+919876511111")
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(wd, abs)
	if err != nil || filepath.IsAbs(rel) {
		t.Skipf("no relative path to %s from %s", abs, wd)
	}
	m := rootModel(t, rootOptions(t))
	m.draftTick = func(time.Duration, func(time.Time) tea.Msg) tea.Cmd { return nil }
	pump(t, m, m.recipients.importPath(rel))
	if m.recipients.Report() == nil {
		t.Fatalf("the import of %s failed: %v", rel, m.recipients.ImportErr())
	}
	if got := m.draftSnapshot().CSVPath; got != abs {
		t.Fatalf("draft CSV path %q, want %q", got, abs)
	}
}

// A CSV that changed since the draft says so on restore, on the step the
// operator left (Review here) and on Recipients.
func TestDraftSaysTheCSVChanged(t *testing.T) {
	opts := rootOptions(t)
	rows := make([]string, 200)
	for i := range rows {
		rows[i] = fmt.Sprintf("+9198765%05d", i)
	}
	csv := writeCSV(t, rows...)
	m := rootModel(t, opts)
	captureDraftTicks(m)
	composeEverything(t, m, csv)
	m.recipients.setInternational(true)
	rootPress(m, "ctrl+c")
	if d := loadDraft(t, opts); d.CSVRows != 200 || !d.International {
		t.Fatalf("draft CSV rows %d, international %v", d.CSVRows, d.International)
	}
	if err := os.WriteFile(csv, []byte("phone\n"+strings.Join(rows[:50], "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	m2 := rootModel(t, opts)
	captureDraftTicks(m2)
	feed(m2, rootPress(m2, "enter"))
	if m2.active != stepReview {
		t.Fatalf("restored on %s", m2.active)
	}
	rootHas(t, m2, "contacts.csv changed since the draft: 200 → 50 rows")
	if !m2.recipients.international {
		t.Error("the international toggle was not restored")
	}
	rootPress(m2, "esc", "esc")
	rootHas(t, m2, "contacts.csv changed since the draft: 200 → 50 rows")

	// Unchanged: nothing is said.
	rootPress(m2, "ctrl+c")
	m3 := rootModel(t, opts)
	captureDraftTicks(m3)
	feed(m3, rootPress(m3, "enter"))
	rootLacks(t, m3, "changed since the draft")
}

// With flags (a pre-filled campaign) the composer saves that campaign and
// says so only once it is on disk: an older draft there is not "yours".
func TestDraftPrefilledClaimsOnlyItsOwnSave(t *testing.T) {
	opts := rootOptions(t)
	if err := campaign.SaveDraft(opts.StateDir, campaign.Draft{Campaign: campaign.Campaign{Type: campaign.TypeText, Content: "older"},
		Operator: opts.Operator}); err != nil {
		t.Fatal(err)
	}
	pre := opts
	pre.Prefill = campaign.Campaign{Content: "from a flag"}
	m := rootModel(t, pre)
	captureDraftTicks(m)
	rootPress(m, "ctrl+c")
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	r := FinalResult(m)
	if d := loadDraft(t, opts); d == nil || d.Content != "from a flag" || !r.DraftSaved ||
		!strings.Contains(r.Message, "Your draft is saved") {
		t.Fatalf("prefilled quit: draft %+v, result %+v", d, r)
	}

	// A save that fails is not claimed.
	bad := pre
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	bad.StateDir = file
	m = rootModel(t, bad)
	captureDraftTicks(m)
	rootPress(m, "ctrl+c")
	m.Close()
	if r := FinalResult(m); r.DraftSaved || !strings.Contains(r.Message, "NOT saved") {
		t.Fatalf("failed save: %+v", r)
	}

	// Nothing composed, a draft of someone's earlier session on disk (no
	// prompt: it was written after this one started): not claimed.
	m = rootModel(t, opts)
	if m.active == stepResume {
		m.active = stepType // as if the draft appeared later
	}
	captureDraftTicks(m)
	rootPress(m, "ctrl+c")
	m.Close()
	if r := FinalResult(m); r.DraftSaved || strings.Contains(r.Message, "saved") {
		t.Fatalf("claimed another session's draft: %+v", r)
	}
}
