//go:build unix

package ui

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A named pipe typed or picked is refused at once, by name, and never
// blocks the import waiting for a writer (nothing writes to it here).
func TestRecipientsFIFORefused(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	for _, how := range []string{"typed", "picked"} {
		t.Run(how, func(t *testing.T) {
			opts := rootOptions(t)
			opts.ImportDir = dir
			m := rootModel(t, opts)
			toRecipients(t, m)
			done := make(chan struct{})
			go func() {
				defer close(done)
				if how == "typed" {
					typePath(m, "pipe.csv")
				} else {
					feed(m, rootPress(m, "o"))
					feed(m, rootPress(m, "enter"))
				}
			}()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("the import of a FIFO blocked")
			}
			if v := flatten(m.View()); !strings.Contains(v, "Cannot import pipe.csv") || !strings.Contains(v, "named pipe (FIFO)") {
				t.Errorf("the FIFO is not refused by name:\n%s", rootView(m))
			}
		})
	}
	// openContactList itself: no open of a FIFO at all.
	if _, _, err := openContactList(fifo); err == nil || !strings.Contains(err.Error(), "FIFO") {
		t.Errorf("openContactList(FIFO) = %v", err)
	}
}
