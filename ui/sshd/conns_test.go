package sshd

import (
	"net"
	"testing"
	"time"
)

// TestSilentConnectionsAreCappedAndLoginsStillWork opens 500 raw TCP
// connections that never start the SSH handshake (the flood that used to
// hold 2,011 descriptors for 30 minutes): the server keeps at most
// MaxUnauthenticated of them, its descriptors stay bounded, and a real
// operator still logs in while the flood is held open.
func TestSilentConnectionsAreCappedAndLoginsStillWork(t *testing.T) {
	alice := newKey(t, "alice")
	h := newHarness(t, alice.line())
	h.start()
	baseFD := openFDs(t)

	const flood = 500
	conns := make([]net.Conn, 0, flood)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range flood {
		c, err := net.Dial("tcp", h.addr)
		if err != nil {
			t.Fatalf("raw dial %d: %v", len(conns), err)
		}
		conns = append(conns, c)
	}
	// Let the server accept them all.
	time.Sleep(300 * time.Millisecond)
	if n := h.srv.unauthenticated(); n > DefaultMaxUnauthenticated {
		t.Errorf("%d connections wait to log in; the cap is %d", n, DefaultMaxUnauthenticated)
	}
	// The test's own client ends hold `flood` descriptors; the server's
	// share must stay near the cap, not grow with the flood.
	if server := openFDs(t) - baseFD - flood; server > DefaultMaxUnauthenticated+16 {
		t.Errorf("the server holds %d descriptors for %d silent connections; want at most %d", server, flood, DefaultMaxUnauthenticated+16)
	}

	// A real login succeeds while the flood is still connected: stale
	// silent connections give way to it.
	time.Sleep(staleAfter)
	c, err := h.dial(alice)
	if err != nil {
		t.Fatalf("a real login during the flood: %v", err)
	}
	tm := openTerm(t, c, 100, 30)
	tm.waitFor("step 1 of")
	c.Close()
}

// TestConnectionThatNeverLogsInIsClosed: the login deadline closes a
// connection that sends nothing, long before the idle timeout.
func TestConnectionThatNeverLogsInIsClosed(t *testing.T) {
	alice := newKey(t, "alice")
	h := newHarness(t, alice.line())
	h.cfg.AuthTimeout = 300 * time.Millisecond
	h.start()
	c, err := net.Dial("tcp", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	_ = c.SetReadDeadline(time.Now().Add(waitTimeout))
	buf := make([]byte, 256)
	for {
		if _, err := c.Read(buf); err != nil { // the server's version line, then EOF
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("a silent connection was still open after %v", waitTimeout)
			}
			break
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("closed after %v; the login deadline is %v", d, h.cfg.AuthTimeout)
	}
	if n := h.srv.unauthenticated(); n != 0 {
		t.Errorf("%d connections still counted as waiting to log in", n)
	}
	// Logged-in sessions are not held to the login deadline.
	tm := openTerm(t, h.mustDial(alice), 100, 30)
	tm.waitFor("step 1 of")
	time.Sleep(3 * h.cfg.AuthTimeout)
	if _, err := tm.in.Write([]byte("\t")); err != nil {
		t.Fatal(err)
	}
	tm.waitFor("step 2 of")
}
