// Package flowtest drives the whole composer through a real Bubble Tea
// program (teatest) against the sandbox API over real HTTP. It is its own
// test binary: teatest registers a global -update flag that package ui's
// tests define themselves.
package flowtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"spotcast/campaign"
	"spotcast/client"
	"spotcast/client/sandbox"
	"spotcast/ui"
)

const wait = 10 * time.Second

func waitFor(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains([]byte(ansi.Strip(string(b))), []byte(text))
	}, teatest.WithDuration(wait), teatest.WithCheckInterval(20*time.Millisecond))
}

func key(t tea.KeyType) tea.KeyMsg { return tea.KeyMsg{Type: t} }

func TestComposeSendWatch(t *testing.T) {
	srv, cl := startSandbox(t, 0)
	tm := newTestModel(t, ui.Options{Engine: engineFor(cl)})

	waitFor(t, tm, "What kind of message?")
	tm.Send(key(tea.KeyEnter)) // TEXT
	waitFor(t, tm, "step 2 of 5 · Content")
	tm.Type("Hello from the flow test")
	tm.Send(key(tea.KeyTab))
	waitFor(t, tm, "step 3 of 5 · Recipients")
	tm.Type("a")
	tm.Type("+919876500001 +919876500002")
	tm.Send(key(tea.KeyEnter))
	waitFor(t, tm, "2 numbers added")
	tm.Send(key(tea.KeyTab))
	waitFor(t, tm, "When should it be sent?")
	tm.Send(key(tea.KeyEnter)) // Now
	waitFor(t, tm, "step 5 of 5 · Review")
	tm.Send(key(tea.KeyEnter))
	waitFor(t, tm, "Send to 2 recipients? [y/N]")
	tm.Type("y")
	waitFor(t, tm, "msg_")
	if n := srv.SendCount(); n != 1 {
		t.Fatalf("sandbox got %d send requests, want 1", n)
	}
	tm.Type("q")
	final := tm.FinalModel(t, teatest.WithFinalTimeout(wait))
	res := ui.FinalResult(final)
	if res.Interrupted || (res.Watched && res.Verdict != campaign.VerdictCompleted) || len(res.Detached) != 0 {
		t.Fatalf("result %+v, want exit 0 with nothing detached", res)
	}
	if got := ansi.Strip(final.View()); !bytes.Contains([]byte(got), []byte("SENT")) {
		t.Fatalf("final screen lacks the messages' status:\n%s", got)
	}
}

// startSandbox runs a fast sandbox (a 12-recipient job ends within a poll
// or two) with the given failed share.
func startSandbox(t *testing.T, failRate float64) (*sandbox.Server, *client.Client) {
	t.Helper()
	srv := sandbox.New(sandbox.WithFailRate(failRate), sandbox.WithSeed(3), sandbox.WithRate(1000))
	return srv, serve(t, srv)
}

// serve runs srv on loopback until the test ends; the client speaks to it.
func serve(t *testing.T, srv *sandbox.Server) *client.Client {
	t.Helper()
	run, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = run.Close(ctx)
	})
	return client.New(client.WithBaseURL(run.URL), client.WithAPIKey(sandbox.Key))
}

func newTestModel(t *testing.T, opts ui.Options) *teatest.TestModel {
	t.Helper()
	return runModel(t, newModel(t, opts))
}

// newModel is the composer for opts, drawn in plain text, closed when the
// test ends.
func newModel(t *testing.T, opts ui.Options) tea.Model {
	t.Helper()
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	opts.Renderer, opts.Ctx, opts.Sandbox, opts.Operator = r, context.Background(), true, "flow"
	if opts.StateDir == "" {
		opts.StateDir = t.TempDir()
	}
	m, err := ui.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.(*ui.Model).Close() })
	return m
}

// runModel runs m in an 80×24 teatest program, quit when the test ends.
func runModel(t *testing.T, m tea.Model) *teatest.TestModel {
	t.Helper()
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	t.Cleanup(func() { _ = tm.Quit() })
	return tm
}

// A bulk campaign pre-filled by flags opens on Review, is sent, watched to
// COMPLETED with its failed recipients listed, and q then exits 0 (the
// composer's contract); the same job opened by `spotcast watch` exits 5.
func TestBulkSendWatchedToCompleted(t *testing.T) {
	srv, cl := startSandbox(t, 0.25)
	var to []string
	for i := range 12 {
		to = append(to, fmt.Sprintf("9198765000%02d", i))
	}
	state := t.TempDir()
	tm := newTestModel(t, ui.Options{Engine: engineFor(cl), StateDir: state,
		Prefill: campaign.Campaign{Type: campaign.TypeText, Content: "Bulk flow", Recipients: to}})
	waitFor(t, tm, "a bulk job")
	tm.Send(key(tea.KeyEnter))
	waitFor(t, tm, "Send to 12 recipients? [y/N]")
	tm.Type("y")
	waitFor(t, tm, "COMPLETED")
	if n := srv.SendCount(); n != 1 {
		t.Fatalf("sandbox got %d send requests, want 1", n)
	}
	tm.Type("q")
	final := tm.FinalModel(t, teatest.WithFinalTimeout(wait))
	res := ui.FinalResult(final)
	if res.Interrupted || (res.Watched && res.Verdict != campaign.VerdictCompleted) || len(res.Detached) != 0 {
		t.Fatalf("composer result %+v, want exit 0 with nothing detached", res)
	}
	screen := ansi.Strip(final.View())
	if !strings.Contains(screen, "failed — may succeed if sent again") || !strings.Contains(screen, "failed for good (not re-sent)") {
		t.Fatalf("final screen lacks the failed recipients:\n%s", screen)
	}

	jobs := srv.JobIDs()
	if len(jobs) != 1 {
		t.Fatalf("sandbox jobs = %v", jobs)
	}
	wm := newTestModel(t, ui.Options{Engine: engineFor(cl), StateDir: state, WatchJobIDs: jobs})
	waitFor(t, wm, "COMPLETED")
	wm.Type("q")
	if res := ui.FinalResult(wm.FinalModel(t, teatest.WithFinalTimeout(wait))); !res.Watched || res.Verdict != campaign.VerdictFailed {
		t.Fatalf("watch result %+v, want exit 5 (messages failed)", res)
	}
}

// engineFor is what the entry builds around an API client.
func engineFor(cl *client.Client) *campaign.Engine {
	return &campaign.Engine{API: cl, Target: campaign.NewTarget(cl.BaseURL(), true)}
}
