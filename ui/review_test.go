package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"spotcast/campaign"
	"spotcast/client"
	"spotcast/client/sandbox"
)

// startSandbox serves the fake API over real HTTP on loopback.
func startSandbox(t *testing.T) (*sandbox.Server, *client.Client) {
	t.Helper()
	srv := sandbox.New(sandbox.WithFailRate(0), sandbox.WithSeed(1))
	run, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("sandbox: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = run.Close(ctx)
	})
	return srv, client.New(client.WithBaseURL(run.URL), client.WithAPIKey(sandbox.Key))
}

// numbers returns n distinct valid Indian mobile numbers.
func numbers(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("9198765%05d", i)
	}
	return out
}

func reviewModel(t *testing.T, opts Options, c campaign.Campaign) *Model {
	t.Helper()
	opts.Prefill = c
	m := rootModel(t, opts)
	if m.active != stepReview {
		t.Fatalf("prefill opened on %s, want Review:\n%s", m.active, rootView(m))
	}
	return m
}

func TestReviewSingleSend(t *testing.T) {
	m := reviewModel(t, rootOptions(t), campaign.Campaign{
		Type: campaign.TypeText, Content: "Hello from spotcast!\nSee you at 10.", Recipients: numbers(2),
	})
	rootHas(t, m, "step 5 of 5 · Review", "2 recipients · 0 groups", "one synchronous send",
		"Hello from spotcast!", "now, as soon as you confirm")
	rootGolden(t, m)
}

func TestReviewBulkAndBatches(t *testing.T) {
	c := campaign.Campaign{
		Type: campaign.TypeImage, Content: "Our new menu", MediaURL: "https://example.com/menu.jpg",
		Recipients: numbers(12), GroupIDs: []string{"grp_1"},
		ScheduledAt: rootNow.Add(26 * time.Hour),
	}
	m := reviewModel(t, rootOptions(t), c)
	rootHas(t, m, "step 6 of 6 · Review", "12 recipients · 1 group", "a bulk job", "[IMAGE] https://example.com/menu.jpg",
		"Thu 26 Nov 2026 19:30 IST", "2026-11-26T14:00:00Z (sent to the API)")
	rootGolden(t, m)

	opts := rootOptions(t)
	opts.BatchSize = 5
	c.GroupIDs = nil
	m = reviewModel(t, opts, c)
	rootHas(t, m, "3 requests of up to 5 recipients → 0 bulk jobs, 3 synchronous sends")
}

func TestReviewLongTextFitsTheScreen(t *testing.T) {
	m := reviewModel(t, rootOptions(t), campaign.Campaign{
		Type: campaign.TypeText, Content: strings.Repeat("a long line of words ", 150), Recipients: numbers(1),
	})
	// The message comes first; the rest of the card scrolls into view.
	rootHas(t, m, "a long line of words", "more lines · j/k scroll", "j/k scroll •")
	rootLacks(t, m, "API")
	assertScreenFits(t, m, 80, 24)
	rootPress(m, "end")
	rootHas(t, m, "↑ ", "more lines · j/k scroll", "API    1 request")
	rootLacks(t, m, "↓ ")
	assertScreenFits(t, m, 80, 24)
	rootPress(m, "home")
	rootLacks(t, m, "↑ ")
}

func TestReviewConfirmNoSendsNothing(t *testing.T) {
	srv, cl := startSandbox(t)
	opts := rootOptions(t)
	opts.Engine = engineFor(cl)
	m := reviewModel(t, opts, campaign.Campaign{Type: campaign.TypeText, Content: "Hi", Recipients: numbers(3)})
	rootPress(m, "enter")
	rootHas(t, m, "Send to 3 recipients? [y/N]")
	rootGolden(t, m)
	// esc closes the prompt; it does not go back a step.
	rootPress(m, "esc")
	if m.active != stepReview {
		t.Fatalf("esc at the prompt went to %s", m.active)
	}
	rootPress(m, "enter")
	if cmd := rootPress(m, "n"); cmd != nil {
		rootRun(m, cmd, 3)
	}
	rootHas(t, m, "Not sent.")
	if n := srv.SendCount(); n != 0 {
		t.Fatalf("n sent %d requests", n)
	}
}

func TestReviewConfirmYesSends(t *testing.T) {
	srv, cl := startSandbox(t)
	opts := rootOptions(t)
	opts.Engine = engineFor(cl)
	m := reviewModel(t, opts, campaign.Campaign{Type: campaign.TypeText, Content: "Hi", Recipients: numbers(3)})
	rootPress(m, "enter")
	cmd := rootPress(m, "y")
	rootHas(t, m, "Sending…")
	rootRun(m, cmd, 2) // submit → sentMsg → Progress
	if n := srv.SendCount(); n != 1 {
		t.Fatalf("y sent %d requests, want 1", n)
	}
	if m.active != stepProgress {
		t.Fatalf("after an accepted send: active %s, want Progress", m.active)
	}
	// No way back to Review (and so no second send).
	rootPress(m, "esc", "shift+tab")
	if m.active != stepProgress {
		t.Fatalf("went back from Progress to %s", m.active)
	}
}

func TestReviewRejectedStays(t *testing.T) {
	srv, _ := startSandbox(t)
	opts := rootOptions(t)
	opts.Engine = engineFor(client.New(client.WithBaseURL(sandboxURL(t, srv)), client.WithAPIKey("wrong-key")))
	m := reviewModel(t, opts, campaign.Campaign{Type: campaign.TypeText, Content: "Hi", Recipients: numbers(1)})
	rootPress(m, "enter")
	rootRun(m, rootPress(m, "y"), 2)
	if m.active != stepReview {
		t.Fatalf("a rejected send left Review for %s", m.active)
	}
	rootHas(t, m, "Not sent:")
	rootLacks(t, m, "wrong-key")
}

// sandboxURL starts another listener for an existing sandbox server.
func sandboxURL(t *testing.T, srv *sandbox.Server) string {
	t.Helper()
	run, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = run.Close(context.Background()) })
	return run.URL
}

func TestReviewProblemsRefuseSending(t *testing.T) {
	srv, cl := startSandbox(t)
	opts := rootOptions(t)
	opts.Engine = engineFor(cl)
	// A complete campaign whose schedule has since passed.
	m := reviewModel(t, opts, campaign.Campaign{Type: campaign.TypeText, Content: "Hi", Recipients: numbers(1),
		ScheduledAt: rootNow.Add(time.Minute)})
	later := rootNow.Add(time.Hour)
	m.c.Clock = func() time.Time { return later }
	rootHas(t, m, "✗ schedule:")
	rootPress(m, "enter")
	rootHas(t, m, "Not sent: fix the problems listed above first.")
	rootLacks(t, m, "[y/N]")
	if srv.SendCount() != 0 {
		t.Fatal("a campaign with problems was sent")
	}
}

func TestReviewJournalUnavailable(t *testing.T) {
	opts := rootOptions(t)
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	opts.StateDir = file
	m := reviewModel(t, opts, campaign.Campaign{Type: campaign.TypeText, Content: "Hi", Recipients: numbers(1)})
	rootHas(t, m, "✗ database:", "sending is refused")
	rootPress(m, "enter")
	rootLacks(t, m, "[y/N]")
}

func TestReviewTestSend(t *testing.T) {
	srv, cl := startSandbox(t)
	opts := rootOptions(t)
	opts.Engine = engineFor(cl)
	st := testStore(t, opts)
	if err := st.SaveTestNumber(opts.Operator, "+91 98765 00042"); err != nil {
		t.Fatal(err)
	}
	// Another operator's number is theirs alone.
	if err := st.SaveTestNumber("someone-else", "+447700900001"); err != nil {
		t.Fatal(err)
	}
	m := reviewModel(t, opts, campaign.Campaign{Type: campaign.TypeText, Content: "Hi", Recipients: numbers(40)})
	rootPress(m, "t")
	rootHas(t, m, "Test number › +91 98765 00042")
	// t and ? are text while the number is typed; esc cancels.
	rootPress(m, "esc")
	if m.active != stepReview || m.review.mode != reviewIdle {
		t.Fatalf("esc in the test prompt: active %s mode %d", m.active, m.review.mode)
	}
	rootPress(m, "t")
	rootPress(m, "ctrl+u")
	rootType(m, "12")
	rootPress(m, "enter")
	rootHas(t, m, "Test number › 12")
	if srv.SendCount() != 0 {
		t.Fatal("an invalid test number was sent to")
	}
	rootPress(m, "ctrl+u")
	rootType(m, "+919876500043")
	rootRun(m, rootPress(m, "enter"), 1)
	if m.active != stepReview {
		t.Fatalf("a test send left Review for %s", m.active)
	}
	rootHas(t, m, "✓ Test sent to 919876500043")
	sends := srv.Sends()
	if len(sends) != 1 || len(sends[0].Recipients) != 1 || sends[0].Recipients[0] != "919876500043" {
		t.Fatalf("test send requests: %+v", sends)
	}
	if got := st.TestNumber(opts.Operator); got != "919876500043" {
		t.Fatalf("remembered test number %q", got)
	}
	if got := st.TestNumber("someone-else"); got != "+447700900001" {
		t.Fatalf("another operator's test number became %q", got)
	}
}

// drain runs cmd like the runtime (batches concurrently) and feeds the
// messages back until done reports true or time runs out.
func drain(t *testing.T, m *Model, cmd tea.Cmd, done func() bool) {
	t.Helper()
	msgs := make(chan tea.Msg, 64)
	var launch func(tea.Cmd)
	launch = func(c tea.Cmd) {
		if c == nil {
			return
		}
		go func() { msgs <- c() }()
	}
	launch(cmd)
	deadline := time.After(5 * time.Second)
	for !done() {
		select {
		case msg := <-msgs:
			if b, ok := msg.(tea.BatchMsg); ok {
				for _, c := range b {
					launch(c)
				}
				continue
			}
			if msg != nil {
				_, next := m.Update(msg)
				launch(next)
			}
		case <-deadline:
			t.Fatalf("gave up waiting:\n%s", rootView(m))
		}
	}
}

func TestPrefillWithCSVOpensReviewAndRefreshes(t *testing.T) {
	opts := rootOptions(t)
	csv := filepath.Join(t.TempDir(), "contacts.csv")
	if err := os.WriteFile(csv, []byte("phone\n+919876500001\n+919876500002\nnope\n+919876500001\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	opts.CSVPath = csv
	opts.Prefill = campaign.Campaign{Type: campaign.TypeText, Content: "Hi"}
	m := rootModel(t, opts)
	if m.active != stepReview {
		t.Fatalf("prefill with a CSV opened on %s", m.active)
	}
	drain(t, m, m.Init(), func() bool { return m.review.d.Report != nil })
	rootHas(t, m, "2 recipients", "from contacts.csv: 4 rows, 1 invalid, 1 duplicate dropped")
}

func TestBulkSendThenDetach(t *testing.T) {
	srv, cl := startSandbox(t)
	opts := rootOptions(t)
	opts.Engine = engineFor(cl)
	m := reviewModel(t, opts, campaign.Campaign{Type: campaign.TypeText, Content: "Hi", Recipients: numbers(12)})
	rootPress(m, "enter")
	rootHas(t, m, "Send to 12 recipients? [y/N]")
	rootRun(m, rootPress(m, "y"), 2)
	if m.active != stepProgress {
		t.Fatalf("active %s, want Progress", m.active)
	}
	jobs := srv.JobIDs()
	if len(jobs) != 1 {
		t.Fatalf("sandbox jobs %v, want one", jobs)
	}
	_, cmd := m.Update(progressQuitMsg{})
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("leaving Progress did not quit")
	}
	r := FinalResult(m)
	want := "Job " + jobs[0] + " is still running. Re-attach with: spotcast watch " + jobs[0]
	if r.Watched || r.Interrupted || len(r.Detached) != 1 || r.Detached[0] != jobs[0] || r.Message != want {
		t.Fatalf("result %+v, want exit 0, detached %s, message %q", r, jobs[0], want)
	}
}

// Item 5: at 60×16 Review keeps a few lines of the message on screen and
// scrolls the rest of the card; short and long messages at both sizes.
func TestReviewScrollsOnSmallScreens(t *testing.T) {
	short := campaign.Campaign{Type: campaign.TypeText, Content: "Hello from spotcast!\nSee you at 10.", Recipients: numbers(1200)}
	long := short
	long.Content = strings.Repeat("Line of a long message, wrapped by the card.\n", 30)
	for _, tc := range []struct {
		name string
		c    campaign.Campaign
	}{{"short", short}, {"long", long}} {
		t.Run(tc.name, func(t *testing.T) {
			m := reviewModel(t, rootOptions(t), tc.c)
			rootHas(t, m, strings.SplitN(tc.c.Content, "\n", 2)[0])
			rootGoldenAs(t, m, "80x24")
			m.Update(tea.WindowSizeMsg{Width: 60, Height: 16})
			assertScreenFits(t, m, 60, 16)
			rootGoldenAs(t, m, "60x16")
			v := rootView(m)
			want := min(3, strings.Count(tc.c.Content, "\n")+1)
			if n := strings.Count(v, "│ │ "); n < want {
				t.Fatalf("at 60×16 the preview shows %d lines of the message, want at least %d:\n%s", n, want, v)
			}
			if tc.name == "short" {
				// It all fits: nothing to scroll, no scroll key offered.
				rootHas(t, m, "To     1,200 recipients")
				rootLacks(t, m, "↓ ", "j/k scroll")
			} else {
				rootHas(t, m, "more lines · j/k scroll", "j/k scroll •")
				rootLacks(t, m, "↑ ", "To     1,200 recipients")

				// j scrolls a line, pgdn a page, end to the last line, k back.
				rootPress(m, "j")
				rootHas(t, m, "↑ 2 more lines · j/k scroll")
				rootPress(m, "end")
				rootHas(t, m, "To     1,200 recipients")
				rootLacks(t, m, "↓ ")
				assertScreenFits(t, m, 60, 16)
				rootPress(m, "k", "pgup", "pgup", "pgup", "pgup", "pgup", "pgup")
				rootLacks(t, m, "↑ ")
				rootPress(m, "pgdown")
				rootHas(t, m, "↑ ")
			}

			// In a prompt j is an answer, not a scroll: anything but y declines.
			rootPress(m, "enter")
			rootHas(t, m, "Send to 1,200 recipients? [y/N]")
			assertScreenFits(t, m, 60, 16)
			rootPress(m, "j")
			rootHas(t, m, "Not sent.")
		})
	}
}

// Review's frame with the longest message: the preview is wrapped once
// and kept, so the frame stays cheap (budget 0.5 ms at 80×24).
func BenchmarkReviewViewLongMessage(b *testing.B) {
	c := testCommon(b)
	s := newReviewStep(c)
	s.SetSize(78, 19)
	s.SetDraft(reviewDraft{Campaign: campaign.Campaign{Type: campaign.TypeText,
		Content: strings.Repeat("a long line of words ", 195), Recipients: numbers(1000)}})
	if v := s.View(); !strings.Contains(v, "more lines") {
		b.Fatalf("the long message fits?\n%s", v)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = s.View()
	}
}
