package sshd

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// BenchmarkConcurrentSessions opens 25 PTY sessions at once (25 operators,
// one connection each), waits for every first screen, presses a key in each
// and waits for the answer. It reports the time to the slowest first
// screen and answer, and the heap in use per idle session (server and
// test clients share the process, so this over-states the server's share).
//
//	go test ./ui/sshd -run '^$' -bench ConcurrentSessions -benchtime 3x
func BenchmarkConcurrentSessions(b *testing.B) {
	const n = 25
	keys := make([]testKey, n)
	authorized := ""
	for i := range keys {
		keys[i] = newKey(b, fmt.Sprintf("op%02d", i))
		authorized += keys[i].line()
	}
	h := newHarness(b, authorized)
	h.start()

	var firstScreen, answer time.Duration
	var perSession float64
	for it := 0; it < b.N; it++ {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)

		start := time.Now()
		terms := make([]*term, n)
		clients := make([]*gossh.Client, n)
		var wg sync.WaitGroup
		for i := range keys {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				c, err := h.dial(keys[i])
				if err != nil {
					b.Error(err)
					return
				}
				clients[i] = c
				terms[i] = openTerm(b, c, 100, 30)
				if err := terms[i].waitForErr("step 1 of"); err != nil {
					b.Error(err)
				}
			}(i)
		}
		wg.Wait()
		if b.Failed() {
			b.FailNow()
		}
		firstScreen = max(firstScreen, time.Since(start))

		// Idle sessions: what they hold once the first screen is drawn.
		runtime.GC()
		var idle runtime.MemStats
		runtime.ReadMemStats(&idle)
		perSession = max(perSession, float64(int64(idle.HeapInuse)-int64(before.HeapInuse))/n/(1<<20))

		start = time.Now()
		for _, tm := range terms {
			wg.Add(1)
			go func(tm *term) {
				defer wg.Done()
				if _, err := tm.in.Write([]byte("\t")); err != nil {
					b.Error(err)
					return
				}
				if err := tm.waitForErr("step 2 of"); err != nil {
					b.Error(err)
				}
			}(tm)
		}
		wg.Wait()
		answer = max(answer, time.Since(start))
		b.Logf("iteration %d: 25 keypresses answered in %v", it, time.Since(start))

		for i, tm := range terms {
			_, _ = tm.in.Write([]byte{3})
			tm.wait()
			clients[i].Close()
		}
		// Quitting saved drafts; the next round must start on step 1 again.
		if err := os.RemoveAll(filepath.Join(h.cfg.StateDir, "drafts")); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(firstScreen.Milliseconds()), "ms-first-screen-25")
	b.ReportMetric(float64(answer.Milliseconds()), "ms-keypress-25")
	b.ReportMetric(perSession, "MB-heap/session")
}
