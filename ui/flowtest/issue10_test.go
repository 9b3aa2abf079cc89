package flowtest

// Issue 10's operator problems, each as the operator meets it: keys into a
// real Bubble Tea program, the sandbox behind it over HTTP, and what the
// screen says asserted. Item 11 (SSH) is covered by ui/sshd's tests over
// real ssh connections.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"spotcast/campaign"
	"spotcast/campaign/store"
	"spotcast/client/sandbox"
	"spotcast/ui"
)

// contacts is a list with three valid numbers and names.
const contacts = "Name,Phone Number\n" +
	"Asha Rao,+91 98765 43210\n" +
	"Ben Okafor,+44 7911 123456\n" +
	"Chen Wei,+1 415 555 2671\n"

// noPhone has its numbers under a header the detector does not know.
const noPhone = "name,city,contact no\nAsha,Pune,+91 98765 00001\nBen,Leeds,+44 7911 000002\n"

// wantSends fails unless the sandbox accepted n send requests.
func wantSends(t *testing.T, srv *sandbox.Server, n int, when string) {
	t.Helper()
	if got := srv.SendCount(); got != n {
		t.Fatalf("%d send requests %s, want %d", got, when, n)
	}
}

// flagName is a CLI flag as the TUI must never word it.
var flagName = regexp.MustCompile(`--[a-z][a-z-]+`)

// Item 1: a mistyped path and a file with no phone column leave the list
// already imported in place and say what failed; the wizard goes on with
// the list.
func TestFlowFailedImportKeepsTheList(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "contacts.csv", contacts)
	writeFile(t, dir, "no-phone.csv", noPhone)
	s := newSession(t, ui.Options{ImportDir: dir})
	s.toRecipients("Item one")
	s.importPath("contacts.csv")
	s.wait("Asha Rao", "+919876543210", "Recipients (3)")

	s.importPath("contacts-typo.csv")
	s.wait("Cannot import contacts-typo.csv", "Still using contacts.csv (3 recipients).")

	s.press("x") // put the error away
	s.importPath("no-phone.csv")
	s.wait("No phone column found in no-phone.csv", "contact no")
	s.press("esc") // the picker: no choice
	s.wait("Cannot import no-phone.csv", "(press p)", "Still using contacts.csv (3 recipients).")

	// The kept list carries the wizard on to Review.
	s.press("tab")
	s.wait("When should it be sent?")
	s.press("enter")
	s.wait("step 5 of 5 · Review", "3 recipients")
	screen, _ := s.quit()
	s.never(flagName)
	if !strings.Contains(screen, "3 recipients") {
		t.Fatalf("Review lost the kept list:\n%s", screen)
	}
}

// Item 2: p opens the column picker with the detected column selected,
// and a file with no phone column opens it by itself; the column chosen
// is the one imported, and the one sent to.
func TestFlowColumnPicker(t *testing.T) {
	t.Parallel()
	srv, cl := startSandbox(t, 0)
	dir := t.TempDir()
	two := writeFile(t, dir, "two.csv", "Name,Mobile,Office phone\n"+
		"Asha,+91 98765 00001,+44 7911 000001\nBen,+91 98765 00002,+44 7911 000002\n")
	writeFile(t, dir, "no-phone.csv", noPhone)
	s := newSession(t, ui.Options{Engine: engineFor(cl)})
	s.toRecipients("Item two")
	s.importPath(two)
	s.wait(`two.csv — column "Mobile"`, "+919876500001")

	s.press("p")
	s.wait("> Mobile ✓", "Office phone")
	s.press("j")
	s.wait("> Office phone")
	s.press("enter")
	s.wait(`two.csv — column "Office phone" (chosen)`, "+447911000001", "+447911000002")

	// No phone column: the picker opens on its own; k/j move, enter reads.
	s.importPath(dir + "/no-phone.csv")
	s.wait("No phone column found in no-phone.csv", "> name")
	s.press("j", "j")
	s.wait("> contact no")
	s.press("enter")
	s.wait(`no-phone.csv — column "contact no" (chosen)`, "+919876500001", "+447911000002")

	s.press("tab")
	s.wait("When should it be sent?")
	s.press("enter")
	s.wait("step 5 of 5 · Review", "2 recipients")
	s.send("Send to 2 recipients? [y/N]")
	s.wait("msg_")
	sends := srv.Sends()
	if len(sends) != 1 || strings.Join(sends[0].Recipients, " ") != "919876500001 447911000002" {
		t.Fatalf("sent %+v, want the chosen column's numbers", sends)
	}
	s.quit("q")
	s.never(flagName)
}

// watchedWithFailures is `send --watch` of an IMAGE campaign to 20
// numbers, half of which the sandbox fails, watched to the end. It returns
// the failed numbers that may succeed if sent again and those that never
// will (blocked, not on WhatsApp), as the sandbox decided them.
func watchedWithFailures(t *testing.T) (s *session, srv *sandbox.Server, c campaign.Campaign, again, never []string) {
	t.Helper()
	srv, cl := startSandbox(t, 0.5)
	for i := range 20 {
		c.Recipients = append(c.Recipients, fmt.Sprintf("9198765001%02d", i))
	}
	c.Type, c.Content, c.MediaURL = campaign.TypeImage, "Sale today", "https://example.com/sale.jpg"
	state := t.TempDir()
	db, err := store.Open(context.Background(), store.Options{StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	eng := engineFor(cl)
	sub, err := eng.WithStore(db).Submit(context.Background(), c, campaign.SubmitOptions{Operator: "flow"})
	if err != nil || len(sub.Batches) != 1 || sub.Batches[0].Outcome.JobID == "" {
		t.Fatalf("send: %+v, %v", sub, err)
	}
	s = newSession(t, ui.Options{Engine: eng, StateDir: state, Store: db, Submission: sub})
	s.wait("COMPLETED")
	job, err := cl.GetJob(context.Background(), sub.Batches[0].Outcome.JobID)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range job.Failures {
		if strings.Contains(f.Error, "device offline") {
			again = append(again, f.Recipient)
		} else {
			never = append(never, f.Recipient)
		}
	}
	if len(again) == 0 || len(never) == 0 {
		t.Fatalf("the sandbox's failures %+v are not of both kinds: choose another seed", job.Failures)
	}
	return s, srv, c, again, never
}

// Item 3: r on the progress view of `send --watch` opens Review with the
// whole message (type, caption, media URL), to the failures that may
// succeed again only; the permanent ones are listed apart. Sent, the
// re-send is that message to those numbers.
func TestFlowResendFailedCarriesTheMessage(t *testing.T) {
	t.Parallel()
	s, srv, c, again, never := watchedWithFailures(t)
	// Both lists, each number as E.164 with its "+" (as on Recipients).
	lists := []string{campaign.Plural(len(again), "recipient", "recipients") + " failed — may succeed if sent again (r):",
		campaign.Plural(len(never), "recipient", "recipients") + " failed for good (not re-sent):"}
	for _, n := range append(append([]string{}, again...), never...) {
		lists = append(lists, "  +"+n+" ")
	}
	screen := s.wait(lists...)
	apart := strings.Index(screen, "failed for good")
	for i, n := range append(append([]string{}, again...), never...) {
		if (strings.Index(screen, "+"+n) > apart) != (i >= len(again)) {
			t.Fatalf("+%s is listed on the wrong side:\n%s", n, screen)
		}
	}
	s.press("r")
	s.wait("Review", "Sale today", "IMAGE", campaign.Plural(len(again), "recipient", "recipients")+" · 0 groups")
	s.send(fmt.Sprintf("Send to %s? [y/N]", campaign.Plural(len(again), "recipient", "recipients")))
	s.waitCond(func(string) bool { return srv.SendCount() == 2 })
	re := srv.Sends()[1]
	if re.Type != c.Type || re.Content != c.Content || re.MediaURL != c.MediaURL ||
		strings.Join(re.Recipients, " ") != strings.Join(again, " ") {
		t.Fatalf("the re-send was %+v; want %s %q %s to %v", re, c.Type, c.Content, c.MediaURL, again)
	}
	s.quit()
}

// Item 3: leaving the re-send's Review unsent keeps the watch's exit code
// (5: messages failed) and says the re-send was not sent.
func TestFlowResendLeftUnsentKeepsTheExitCode(t *testing.T) {
	t.Parallel()
	s, srv, _, again, _ := watchedWithFailures(t)
	s.wait("failed — may succeed if sent again (r):")
	s.press("r")
	s.wait("Sale today", campaign.Plural(len(again), "recipient", "recipients")+" · 0 groups")
	_, res := s.quit()
	if !res.Watched || res.Verdict != campaign.VerdictFailed || strings.Contains(res.Message, "Nothing was sent") ||
		!strings.Contains(res.Message, "re-send of the failed recipients was not sent") {
		t.Fatalf("result %+v, want the watch's exit 5 and that the re-send was not sent", res)
	}
	wantSends(t, srv, 1, "after leaving the re-send unsent")
}

// Item 4: Review says whether the media was checked; a check answered
// 404 (over real HTTP) blocks the send until o overrides it, and the
// question then says so. The loopback URL is warned about too.
func TestFlowMediaProblemBlocksUntilOverridden(t *testing.T) {
	t.Parallel()
	var heads atomic.Int32
	media := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		heads.Add(1)
		http.NotFound(w, r)
	}))
	t.Cleanup(media.Close)
	srv, cl := startSandbox(t, 0)
	s := newSession(t, ui.Options{Engine: engineFor(cl), Prefill: campaign.Campaign{Type: campaign.TypeImage,
		Content: "Our new menu", MediaURL: media.URL + "/gone.jpg", Recipients: []string{"919876500001", "919876500002"}}})
	s.wait("Review", "Media  not checked — ctrl+r on the Media URL step checks it", "is a loopback address")
	s.lacks("o send anyway")

	s.press("esc", "esc", "esc")
	s.wait("Media URL")
	s.press("ctrl+r")
	s.wait("HTTP 404", "✗ the media URL answered HTTP 404", "press o on Review")
	if heads.Load() == 0 {
		t.Fatal("the check made no request")
	}
	s.press("tab", "tab", "tab")
	s.wait("step 6 of 6 · Review", "✗ media: the media URL answered HTTP 404", "Press o to send anyway", "o send anyway")
	s.press("enter")
	s.wait("Not sent: fix the problems listed above first.")
	s.lacks("[y/N]")
	wantSends(t, srv, 0, "while blocked")

	s.press("o")
	s.wait("⚠ sending anyway despite the problem (o takes it back)", "o undo send anyway")
	s.lacks("✗ media")
	s.send("Send to 2 recipients despite the media problem? [y/N]")
	s.wait("msg_")
	wantSends(t, srv, 1, "after o, enter, y")
	s.quit("q")
}

// Item 5: at 60×16 Review's long message and Progress's batches, summary
// and failures scroll with j/k and pgdn, each cut saying how much more
// there is, and the footer ends in "? more", not an ellipsis.
func TestFlowSmallTerminalScrolls(t *testing.T) {
	t.Parallel()
	_, cl := startSandbox(t, 0.25)
	var lines, to []string
	for i := range 20 {
		lines = append(lines, fmt.Sprintf("Line %02d of the menu", i+1))
	}
	for i := range 132 { // 12 bulk jobs of 11
		to = append(to, fmt.Sprintf("919876502%03d", i))
	}
	s := newSession(t, ui.Options{Engine: engineFor(cl), BatchSize: 11,
		Prefill: campaign.Campaign{Type: campaign.TypeText, Content: strings.Join(lines, "\n"), Recipients: to}})
	s.wait("step 5 of 5 · Review")
	s.resize(60, 16)
	screen := s.wait("Line 01 of the menu", "more lines · j/k scroll")
	footer(t, screen, "? more") // Review's keys do not fit in 60 columns
	s.lacks("Line 20 of the menu")
	s.press("j")
	s.wait("↑ 2 more lines · j/k scroll")
	s.press("pgdown", "pgdown", "pgdown", "pgdown")
	s.wait("Line 20 of the menu")
	s.lacks("Line 01 of the menu")

	s.send("Send to 132 recipients")
	screen = s.wait("Finished: 12 COMPLETED", "recipients failed", "more lines (↑/↓ j/k pgup/pgdn)")
	footer(t, screen, "? help") // Progress's do
	s.lacks("batch 12 ")
	s.press("j")
	s.wait("↑ 1 above")
	for range 10 {
		s.press("pgdown")
	}
	s.wait("batch 12 ")
	s.lacks("more lines")
	s.lacks("Finished: 12 COMPLETED")
	s.press("home")
	s.wait("Finished: 12 COMPLETED")
	s.quit("q")
}

// footer fails unless the screen's last line names how to see every key
// (help: "? more" when they do not all fit), and quit, with no ellipsis.
func footer(t *testing.T, screen, help string) {
	t.Helper()
	rows := strings.Split(strings.TrimRight(screen, "\n "), "\n")
	last := rows[len(rows)-1]
	if strings.Contains(last, "…") || !strings.Contains(last, help+" • ctrl+c quit") {
		t.Fatalf("footer %q, want it to end in %q • ctrl+c quit", last, help)
	}
}

// twelve is a bulk job's worth of numbers (more than 10: one job).
func twelve() []string {
	var to []string
	for i := range 12 {
		to = append(to, fmt.Sprintf("9198765003%02d", i))
	}
	return to
}

// Item 6: a SCHEDULED job says when it starts, in the operator's zone by
// name, and counts down.
func TestFlowScheduledJobCountsDown(t *testing.T) {
	t.Parallel()
	_, cl := startSandbox(t, 0)
	ist := time.FixedZone("IST", 5*3600+1800)
	at := time.Now().Add(40 * time.Minute).Truncate(time.Minute)
	s := newSession(t, ui.Options{Engine: engineFor(cl), Loc: ist,
		Prefill: campaign.Campaign{Type: campaign.TypeText, Content: "Later", Recipients: twelve(), ScheduledAt: at}})
	s.wait("step 5 of 5 · Review")
	s.send("[y/N]")
	countdown := regexp.MustCompile(`scheduled: starts ` + regexp.QuoteMeta(at.In(ist).Format("Mon 2 Jan 15:04")) + ` IST, in 3\dm\d\ds`)
	first := s.waitRE(countdown)
	s.wait("SCHEDULED")
	s.waitCond(func(screen string) bool { m := countdown.FindString(screen); return m != "" && m != first })
	s.quit("q")
}

// Item 6: a slow API reads as slow, not stuck: the Sending line names the
// request and how long it has waited. Every send answers 3 s late.
func TestFlowSlowAPISaysWhatItWaitsFor(t *testing.T) {
	t.Parallel()
	srv := sandbox.New(sandbox.WithFailRate(0), sandbox.WithSeed(3), sandbox.WithRate(1000),
		sandbox.WithChaos(1), sandbox.WithChaosFaults(sandbox.FaultSlow), sandbox.WithChaosOn(sandbox.ChaosOnSends),
		sandbox.WithChaosTimeout(3*time.Second))
	cl := serve(t, srv)
	to := append(twelve(), twelve()...)
	for i := 12; i < 24; i++ {
		to[i] = fmt.Sprintf("9198765004%02d", i)
	}
	s := newSession(t, ui.Options{Engine: engineFor(cl), BatchSize: 12,
		Prefill: campaign.Campaign{Type: campaign.TypeText, Content: "Slowly", Recipients: to}})
	s.wait("step 5 of 5 · Review")
	s.send("Send to 24 recipients")
	s.wait("Sending request 1 of 2…")
	// Redrawn each second: one of the two says how long it has waited.
	s.waitRE(regexp.MustCompile(`Sending request [12] of 2, waiting [2-9]s for the API…`))
	s.wait("2 bulk jobs  2 COMPLETED")
	wantSends(t, srv, 2, "for two batches")
	s.quit("q")
}

// fullHelp is the help panel: each key on a row of its own, help last in
// its column (the footer says "? help • ctrl+c quit" on one line).
var fullHelp = regexp.MustCompile(`(?m)(?:\?|f1) +help *$`)

// help opens the full help with key, checks it lists want, and closes it
// with the same key.
func (s *session) help(key string, want ...string) {
	s.t.Helper()
	s.press(key)
	s.waitRE(fullHelp)
	s.wait(want...)
	s.press(key)
	s.waitCond(func(screen string) bool { return !fullHelp.MatchString(screen) })
}

// Item 7: help on every screen — ? where it is not text, f1 while typing
// and on a question —, shift+tab and esc go back and are named, and no
// error is shown before any input.
func TestFlowHelpOnEveryScreen(t *testing.T) {
	t.Parallel()
	_, cl := startSandbox(t, 0)
	s := newSession(t, ui.Options{Engine: engineFor(cl)})
	s.wait("What kind of message?")
	s.lacks("✗")
	s.help("?", "J      jobs", "enter choose")

	s.press("J")
	s.wait("No submissions yet")
	s.help("?", "esc")
	s.press("esc")
	s.wait("What kind of message?")

	s.press("enter")
	s.wait("step 2 of 5 · Content", "f1 help")
	s.press("Why?") // ? is text here
	s.wait("Why?")
	s.lacks("✗")
	s.help("f1", "shift+tab/esc back", "enter         new line")

	s.press("tab")
	s.wait("step 3 of 5 · Recipients", "No contact list imported yet", "? more")
	s.lacks("✗")
	s.help("?", "a add numbers", "shift+tab/esc back")
	s.press("a", "+919876500001", "enter") // all taken: the input closes
	s.wait("1 number added")

	s.press("tab")
	s.wait("step 4 of 5 · Schedule")
	s.help("?", "shift+tab/esc back", "enter choose")
	s.press("enter")
	s.wait("step 5 of 5 · Review", "1 recipient")
	s.help("?", "shift+tab/esc back", "enter send")

	// Back with shift+tab, then esc; forward again with tab.
	s.press("shift+tab")
	s.wait("step 4 of 5 · Schedule")
	s.press("esc")
	s.wait("step 3 of 5 · Recipients")
	s.press("tab", "tab")
	s.wait("step 5 of 5 · Review")

	s.press("enter")
	s.wait("Send to 1 recipient? [y/N]", "f1 help")
	s.help("f1", "y yes, send")
	s.press("y")
	s.wait("msg_")
	s.help("?", "q quit")
	s.quit("q")
	s.never(regexp.MustCompile(`\(s\)`))
}

// Item 8: words. A {name}-like placeholder is flagged as sent as written
// (and does not block); an error points at a key; the time zone is named;
// no screen of the way names a CLI flag or says "(s)"; an empty SSH
// picker says how to upload.
func TestFlowWords(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "no-phone.csv", noPhone)
	opts := ui.Options{ImportDir: dir}
	if loc, err := time.LoadLocation("Asia/Kolkata"); err == nil {
		opts.Loc = loc
	}
	s := newSession(t, opts)
	s.wait("What kind of message?")
	s.press("enter")
	s.wait("step 2 of 5 · Content")
	s.press("Hi {name}, your table for {guests} is booked.")
	s.wait("⚠ {name}, {guests}: they are sent as written", "45 / 4,096")
	s.press("tab")
	s.wait("step 3 of 5 · Recipients")
	s.importPath("no-phone.csv")
	s.wait("No phone column found in no-phone.csv")
	s.press("esc")
	s.wait("the phone column (press p)") // wrapped after "name"
	s.press("c", "ctrl+u", "IN", "enter", "a", "98765 00001", "enter")
	s.wait("default country IN", "+919876500001")
	s.press("tab")
	if opts.Loc != nil {
		s.wait("Times are in Asia/Kolkata (IST, UTC+05:30)")
	} else {
		s.wait("Times are in")
	}
	s.quit()
	s.never(flagName)
	s.never(regexp.MustCompile(`\(s\)`))

	// An empty import folder (SSH) says how to upload, not bubbles'
	// "Bummer. No Files Found.", and shows no server path.
	empty := t.TempDir()
	s = newSession(t, ui.Options{ImportDir: empty})
	s.toRecipients("Upload first")
	s.press("o")
	s.wait("No contact lists uploaded yet", "ssh <this server> import < file.csv")
	s.quit()
	s.never(regexp.MustCompile(`Bummer|` + regexp.QuoteMeta(empty)))
}

// Item 9: typed numbers are table rows with their source, d removes one,
// a rejected entry stays in the input, X asks first, tab completes a path.
func TestFlowTypedNumbersAndPaths(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "contacts-2024.csv", contacts)
	writeFile(t, dir, "contacts-2025.csv", contacts)
	s := newSession(t, ui.Options{})
	s.toRecipients("Item nine")

	s.press("i", dir+"/co", "tab")
	s.wait("2 matches: contacts-2024.csv  contacts-2025.csv", "CSV path: "+dir+"/contacts-202")
	s.press("4", "tab")
	s.wait("CSV path: " + dir + "/contacts-2024.csv")
	s.press("enter")
	s.wait(`contacts-2024.csv — column "Phone Number"`, "Recipients (3)")

	s.press("a", "+447911123457, +919876543210, 12", "enter")
	s.wait("2 numbers added; 1 entry is not a number and stays in the input", "✗ 12 — no country code", "Numbers: 12")
	s.press("esc")
	s.wait("4       +447911123457", "typed", "5       +919876543210", "typed, in CSV", "2 typed numbers")
	s.press("end", "d")
	s.wait("+919876543210 removed", "1 typed number ·")
	s.press("home", "d")
	s.wait("this number comes from contacts-2024.csv: remove it from the file")

	s.press("X")
	s.wait("Clear 1 typed number and 0 group IDs? y clears, any other key keeps them")
	s.press("n") // any key but y keeps them
	s.waitCond(func(screen string) bool { return !strings.Contains(screen, "Clear 1 typed number") })
	s.wait("1 typed number ·", "4       +447911123457")
	s.press("X", "y")
	s.wait("0 typed numbers ·", "Recipients (3)")
	s.quit()
}

// Item 10: a draft is claimed saved only once it is; restored, it says
// the CSV changed since (200 → 50 rows); "start fresh" asks before it
// deletes the draft.
func TestFlowDrafts(t *testing.T) {
	t.Parallel()
	state, dir := t.TempDir(), t.TempDir()
	rows := make([]string, 200)
	for i := range rows {
		rows[i] = fmt.Sprintf("+9198765%05d", i)
	}
	csv := writeFile(t, dir, "contacts.csv", "phone\n"+strings.Join(rows, "\n")+"\n")

	s := newSession(t, ui.Options{StateDir: state})
	s.toRecipients("Drafted text")
	s.importPath(csv)
	s.wait("Recipients (200)")
	if _, res := s.quit(); !res.DraftSaved || !strings.Contains(res.Message, "Your draft is saved") {
		t.Fatalf("quit with a campaign composed: %+v", res)
	}
	writeFile(t, dir, "contacts.csv", "phone\n"+strings.Join(rows[:50], "\n")+"\n")

	s = newSession(t, ui.Options{StateDir: state})
	s.wait("Resume your draft from", "'Drafted text'", "enter resume · n start fresh")
	s.press("n")
	s.wait("Start fresh and delete this draft?", "y delete it and start fresh")
	s.press("x") // not y: the draft stays
	s.waitCond(func(screen string) bool { return !strings.Contains(screen, "Start fresh and delete") })
	s.wait("enter resume · n start fresh")
	s.press("enter")
	s.wait("step 3 of 5 · Recipients", "contacts.csv changed since the draft: 200 → 50 rows")
	s.quit()

	s = newSession(t, ui.Options{StateDir: state})
	s.wait("Resume your draft from")
	s.press("n", "y")
	s.wait("What kind of message?")
	if _, res := s.quit(); res.DraftSaved || strings.Contains(res.Message, "saved") {
		t.Fatalf("quit after starting fresh claims a draft: %+v", res)
	}

	s = newSession(t, ui.Options{StateDir: state})
	s.wait("What kind of message?")
	if screen, _ := s.quit(); strings.Contains(screen, "Resume your draft") {
		t.Fatalf("the draft deleted on starting fresh came back:\n%s", screen)
	}
}
