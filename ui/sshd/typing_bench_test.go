package sshd

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// echoTerm is a PTY session that notes when typed text shows up: each
// Write of the session's output checks the oldest unanswered keypress.
type echoTerm struct {
	mu      sync.Mutex
	out     []byte
	pending []pendingKey // keypresses not yet on screen, oldest first
	lat     []time.Duration
	notify  chan struct{}
}

type pendingKey struct {
	want []byte // the typed text so far: on screen once this key is drawn
	at   time.Time
	from int // output before the key was written
}

func (e *echoTerm) Write(p []byte) (int, error) {
	now := time.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.out = append(e.out, p...)
	for len(e.pending) > 0 {
		k := e.pending[0]
		// The key's line is redrawn whole, so its text follows the write.
		i := bytes.Index(e.out[k.from:], k.want)
		if i < 0 {
			break
		}
		e.lat = append(e.lat, now.Sub(k.at))
		e.pending = e.pending[1:]
	}
	select {
	case e.notify <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (e *echoTerm) contains(s string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return bytes.Contains(e.out, []byte(s))
}

// BenchmarkTypingSessions: 100 operators, one PTY session each over a real
// SSH connection, all typing a message at once — a key every 100 ms each
// (a fast typist), 20 keys per round — and the time from each keypress
// to its echo on that operator's screen. Client and server share the
// process (and its cores), so this is a pessimistic measure.
//
//	go test ./ui/sshd -run '^$' -bench TypingSessions -benchtime 3x
func BenchmarkTypingSessions(b *testing.B) {
	const n, keys, every = 100, 20, 100 * time.Millisecond
	ks := make([]testKey, n)
	authorized := ""
	for i := range ks {
		ks[i] = newKey(b, fmt.Sprintf("typist%03d", i))
		authorized += ks[i].line()
	}
	h := newHarness(b, authorized)
	h.cfg.MaxSessions = n
	// All 100 log in within the same instant; the login cap (64) is for
	// floods, not for this.
	h.cfg.MaxUnauthenticated = n
	h.start()

	terms := make([]*echoTerm, n)
	ins := make([]interface{ Write([]byte) (int, error) }, n)
	var wg sync.WaitGroup
	for i := range ks {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c, err := h.dial(ks[i])
			if err != nil {
				b.Error(err)
				return
			}
			b.Cleanup(func() { c.Close() })
			sess, err := c.NewSession()
			if err != nil {
				b.Error(err)
				return
			}
			_ = sess.Setenv("NO_COLOR", "1")
			if err := sess.RequestPty("xterm-256color", 30, 100, gossh.TerminalModes{}); err != nil {
				b.Error(err)
				return
			}
			in, err := sess.StdinPipe()
			if err != nil {
				b.Error(err)
				return
			}
			et := &echoTerm{notify: make(chan struct{}, 1)}
			sess.Stdout, sess.Stderr = et, et
			if err := sess.Shell(); err != nil {
				b.Error(err)
				return
			}
			terms[i], ins[i] = et, in
			for _, step := range []struct{ keys, want string }{{"", "step 1 of"}, {"\r", "step 2 of"}} {
				if _, err := in.Write([]byte(step.keys)); err != nil {
					b.Error(err)
					return
				}
				deadline := time.After(waitTimeout)
				for !et.contains(step.want) {
					select {
					case <-et.notify:
					case <-deadline:
						b.Errorf("session %d: %q did not appear", i, step.want)
						return
					}
				}
			}
		}(i)
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}

	const alphabet = "zqxjwvk"
	cpu0 := cpuTime()
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		for i := range terms {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				et, in := terms[i], ins[i]
				// Spread the typists' first keys over one interval.
				time.Sleep(time.Duration(rand.Int64N(int64(every))))
				tick := time.NewTicker(every)
				defer tick.Stop()
				typed := []byte(fmt.Sprintf("r%d", it))
				if _, err := in.Write(typed); err != nil {
					b.Error(err)
					return
				}
				for k := range keys {
					<-tick.C
					typed = append(typed, alphabet[k%len(alphabet)])
					et.mu.Lock()
					et.pending = append(et.pending, pendingKey{want: slices.Clone(typed), at: time.Now(), from: len(et.out)})
					et.mu.Unlock()
					if _, err := in.Write(typed[len(typed)-1:]); err != nil {
						b.Error(err)
						return
					}
				}
				// Wait for the last echo, then start a fresh line.
				deadline := time.After(waitTimeout)
				for {
					et.mu.Lock()
					left := len(et.pending)
					et.mu.Unlock()
					if left == 0 {
						break
					}
					select {
					case <-et.notify:
					case <-deadline:
						b.Errorf("session %d: %d keys never echoed", i, left)
						return
					}
				}
				if _, err := in.Write([]byte("\r")); err != nil {
					b.Error(err)
				}
			}(i)
		}
		wg.Wait()
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	var all []time.Duration
	for _, et := range terms {
		et.mu.Lock()
		all = append(all, et.lat...)
		et.mu.Unlock()
	}
	if len(all) == 0 {
		b.Fatal("no keypress measured")
	}
	slices.Sort(all)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(all[len(all)/2]), "ms-echo-median")
	b.ReportMetric(ms(all[len(all)*95/100]), "ms-echo-p95")
	b.ReportMetric(ms(all[len(all)-1]), "ms-echo-max")
	// CPU per keypress (server and clients): steadier than latency on a
	// shared machine.
	b.ReportMetric(float64(cpu.Microseconds())/float64(len(all)), "cpu-µs/key")
	b.ReportMetric(0, "ns/op")
	b.Logf("%d keypresses by %d sessions: median %v, p95 %v, max %v", len(all), n,
		all[len(all)/2], all[len(all)*95/100], all[len(all)-1])
}

// cpuTime is the CPU this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
