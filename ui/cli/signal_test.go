package cli_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"spotcast/campaign"
	"spotcast/campaign/store"
)

// signalExit is how long a signalled program may take to save and go.
const signalExit = 3 * time.Second

// stopWith sends sig and waits for the program to end; it fails the test
// if it takes longer than signalExit. It returns the exit code.
func (p *onPTY) stopWith(sig syscall.Signal) int {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(signalExit):
		_ = p.cmd.Process.Kill()
		<-done
		p.t.Fatalf("spotcast did not end within %s of %s; the screen:\n%s", signalExit, sig, p.text())
	}
	if code := p.cmd.ProcessState.ExitCode(); code >= 0 {
		return code
	}
	p.t.Logf("spotcast did not handle %s: %s", sig, p.cmd.ProcessState)
	return -1
}

// text is the screen without escape sequences.
func (p *onPTY) text() string { return ansi.Strip(p.screen.String()) }

// typeDraft moves to the Content step and types content.
func (p *onPTY) typeDraft(content string) {
	p.t.Helper()
	p.waitFor("What kind of message?")
	_, _ = p.ptmx.Write([]byte("\r"))
	p.waitFor("Message text")
	_, _ = p.ptmx.Write([]byte(content))
	p.waitFor(content)
}

// draftHolds fails unless the state's one draft holds content.
func draftHolds(t *testing.T, state, content string) {
	t.Helper()
	drafts := storedDrafts(t, state)
	if len(drafts) != 1 || drafts[0].Content != content {
		t.Fatalf("drafts in %s: %+v, want one holding %q", state, drafts, content)
	}
}

// storedDrafts are the drafts a command left in the state directory's
// database (as the next run will read them).
func storedDrafts(t *testing.T, state string) []campaign.Draft {
	t.Helper()
	db, err := store.Open(context.Background(), store.Options{StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ds, err := db.AllDrafts()
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// The composer ends on SIGTERM every time, wherever the signal finds it:
// one owner of the signal (Bubble Tea's own handler once raced ours and
// hung the program in 23 of 54 runs). A typed draft is saved on the way
// out, and the operator is told so.
func TestComposerEndsOnSIGTERM(t *testing.T) {
	const runs = 20
	for i := range runs {
		state := filepath.Join(t.TempDir(), "state")
		p := startOnPTY(t, []string{"SPOTCAST_STATE_DIR=" + state}, "--sandbox")
		content := fmt.Sprintf("Run %d draft", i)
		switch i % 4 {
		case 0:
			// Before the first frame: the composer asks the terminal for
			// its background. (The first such query is Bubble Tea's own, at
			// package init, before spotcast can handle any signal.)
			for deadline := time.Now().Add(30 * time.Second); strings.Count(p.screen.String(), "\x1b]11;?") < 2; time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("run %d: the composer never asked for the background colour:\n%q", i, p.screen.String())
				}
			}
		case 1:
			p.waitFor("What kind of message?")
		default: // typed, not yet saved by the one-second debounce
			p.typeDraft(content)
		}
		code := p.stopWith(syscall.SIGTERM)
		if code != 130 {
			t.Fatalf("run %d: exit %d after SIGTERM, want 130; the screen:\n%s", i, code, p.text())
		}
		if i%4 >= 2 {
			draftHolds(t, state, content)
			p.waitFor("Nothing was sent. Your draft is saved")
		}
	}
}

// Closing the terminal (SIGHUP) saves the draft and ends the composer.
func TestComposerSavesTheDraftOnSIGHUP(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	p := startOnPTY(t, []string{"SPOTCAST_STATE_DIR=" + state}, "--sandbox")
	p.typeDraft("Closed the lid")
	if code := p.stopWith(syscall.SIGHUP); code != 130 {
		t.Fatalf("exit %d after SIGHUP, want 130; the screen:\n%s", code, p.text())
	}
	draftHolds(t, state, "Closed the lid")
}

// A database that cannot be opened is said at once, naming it, before
// anything is typed that could not be kept (whoever runs the test: root
// ignores permissions, so a directory stands where the file should be).
// That the TUI claims only a real save is TestDraftSaveErrorShown's.
func TestUnopenableDatabaseIsSaidAtOnce(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	if err := os.MkdirAll(filepath.Join(state, store.FileName), 0o700); err != nil {
		t.Fatal(err)
	}
	p := startOnPTY(t, []string{"SPOTCAST_STATE_DIR=" + state}, "--sandbox")
	p.waitFor("cannot open the database")
	if out := p.text(); !strings.Contains(out, store.FileName) || strings.Contains(out, "What kind of message?") {
		t.Fatalf("want the database named and no composer; the screen:\n%s", out)
	}
}

// Under nohup (SIGHUP ignored from the start) spotcast keeps ignoring it:
// handling SIGHUP must not undo the operator's nohup.
func TestNohupIsRespected(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to ignore SIGHUP with")
	}
	cmd := exec.Command(sh, "-c", `trap "" HUP; exec "$0" "$@"`, binary, "sandbox", "--addr", "127.0.0.1:0")
	cmd.Env = baseEnv(t)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() || !strings.Contains(sc.Text(), "listening on") {
		t.Fatalf("the sandbox did not start: %q", sc.Text())
	}
	go func() {
		for sc.Scan() {
		}
	}()
	ended := make(chan error, 1)
	go func() { ended <- cmd.Wait() }()
	_ = cmd.Process.Signal(syscall.SIGHUP)
	select {
	case err := <-ended:
		t.Fatalf("spotcast ended on a SIGHUP it was told to ignore: %v", err)
	case <-time.After(500 * time.Millisecond):
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-ended:
		if err != nil {
			t.Fatalf("after SIGTERM: %v", err)
		}
	case <-time.After(signalExit):
		t.Fatal("spotcast did not end on SIGTERM")
	}
}
