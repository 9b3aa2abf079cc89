// Package flowtest drives the whole composer through a real Bubble Tea
// program (teatest) against the sandbox API over real HTTP. It is its own
// test binary: teatest registers a global -update flag that package ui's
// tests define themselves.
package flowtest

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

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
	srv := sandbox.New(sandbox.WithFailRate(0), sandbox.WithSeed(7))
	run, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = run.Close(ctx)
	})

	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	m, err := ui.New(ui.Options{
		Client:   client.New(client.WithBaseURL(run.URL), client.WithAPIKey(sandbox.Key)),
		Sandbox:  true,
		StateDir: t.TempDir(),
		Operator: "flow",
		Renderer: r,
		Ctx:      context.Background(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.(*ui.Model).Close() })

	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	t.Cleanup(func() { _ = tm.Quit() })

	waitFor(t, tm, "What kind of message?")
	tm.Send(key(tea.KeyEnter)) // TEXT
	waitFor(t, tm, "step 2 of 5 · Content")
	tm.Type("Hello from the flow test")
	tm.Send(key(tea.KeyTab))
	waitFor(t, tm, "step 3 of 5 · Recipients")
	tm.Type("a")
	tm.Type("+919876500001 +919876500002")
	tm.Send(key(tea.KeyEnter))
	waitFor(t, tm, "2 number(s) added")
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
	if res.ExitCode != 0 || len(res.Detached) != 0 {
		t.Fatalf("result %+v, want exit 0 with nothing detached", res)
	}
	if got := ansi.Strip(final.View()); !bytes.Contains([]byte(got), []byte("SENT")) {
		t.Fatalf("final screen lacks the messages' status:\n%s", got)
	}
}
