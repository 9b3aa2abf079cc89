package flowtest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/creack/pty"

	"spotcast/campaign/store"
)

// ptyProc is the real spotcast binary on a pseudo-terminal.
type ptyProc struct {
	t    *testing.T
	cmd  *exec.Cmd
	tty  *os.File
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
}

func startPTY(t *testing.T, bin, state string) *ptyProc {
	t.Helper()
	cmd := exec.Command(bin, "--sandbox")
	// TERM=dumb: the renderer does not wait for the terminal to report its
	// background colour (nothing here would answer).
	cmd.Env = append(os.Environ(), "SPOTCAST_STATE_DIR="+state, "TERM=dumb", "NO_COLOR=1")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: 100, Rows: 30})
	if err != nil {
		t.Fatalf("starting spotcast on a pty: %v", err)
	}
	p := &ptyProc{t: t, cmd: cmd, tty: tty, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		tty.Close()
		<-p.done
	})
	return p
}

func (p *ptyProc) screen() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return ansi.Strip(p.out.String())
}

func (p *ptyProc) waitFor(text string) {
	p.t.Helper()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		if strings.Contains(p.screen(), text) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.t.Fatalf("the terminal never showed %q; it shows:\n%s", text, p.screen())
}

func (p *ptyProc) send(s string) {
	p.t.Helper()
	if _, err := p.tty.Write([]byte(s)); err != nil {
		p.t.Fatalf("typing %q: %v", s, err)
	}
}

// A draft typed in the TUI survives SIGKILL: it was saved within the
// debounce second, with no chance to save on the way out.
func TestDraftSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool to build spotcast with")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "spotcast")
	if out, err := exec.Command(goBin, "build", "-o", bin, "spotcast").CombinedOutput(); err != nil {
		t.Fatalf("go build spotcast: %v\n%s", err, out)
	}
	state := filepath.Join(dir, "state")
	const content = "Survives kill -9 intact"

	p := startPTY(t, bin, state)
	p.waitFor("What kind of message?")
	p.send("\r") // TEXT
	p.waitFor("Message text")
	p.send(content)
	p.waitFor(content)
	time.Sleep(1600 * time.Millisecond) // past the one-second debounce
	if err := p.cmd.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()

	db, err := store.Open(context.Background(), store.Options{StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	drafts, err := db.AllDrafts()
	db.Close()
	if err != nil || len(drafts) != 1 || drafts[0].Content != content || drafts[0].Step != "content" {
		t.Fatalf("drafts after SIGKILL: %+v (%v)", drafts, err)
	}

	p2 := startPTY(t, bin, state)
	p2.waitFor("Resume your draft from")
	p2.waitFor("(TEXT, 'Survives kill -9 intact', 0 recipients)")
	p2.send("\r")
	p2.waitFor("step 2 of 5 · Content")
	s := p2.screen()
	if after := s[strings.LastIndex(s, "step 2 of 5 · Content"):]; !strings.Contains(after, content) {
		t.Fatalf("the content was not restored on the Content step:\n%s", after)
	}
	p2.send("\x03") // ctrl+c: quits, saving the draft again
	select {
	case <-p2.done:
	case <-time.After(wait):
		t.Fatal("spotcast did not quit on ctrl+c")
	}
}
