package ui

import (
	"fmt"
	"sync"
	"time"

	"spotcast/campaign"
)

// sendStatus is what the sending goroutine last reported (the engine's
// OnRequest), read by Review's View: "sending request 3 of 10, waiting
// 12 s" says a slow API is slow, not stuck.
type sendStatus struct {
	mu sync.Mutex
	p  campaign.SendProgress
}

func (s *sendStatus) set(p campaign.SendProgress) {
	s.mu.Lock()
	s.p = p
	s.mu.Unlock()
}

// text is the Sending line at now.
func (s *sendStatus) text(now time.Time) string {
	if s == nil {
		return "Sending…"
	}
	s.mu.Lock()
	p := s.p
	s.mu.Unlock()
	if p.Requests == 0 {
		return "Sending…"
	}
	line := fmt.Sprintf("Sending request %d of %d", p.Request, p.Requests)
	if p.Requests == 1 {
		line = "Sending the request"
	}
	if p.Try > 1 {
		line += fmt.Sprintf(" (try %d: the API asked us to slow down)", p.Try)
	}
	// A second or two is normal; past that, say how long it has waited.
	if waited := now.Sub(p.Started).Truncate(time.Second); waited >= 2*time.Second {
		line += ", waiting " + fmtDuration(waited) + " for the API"
	}
	return line + "…"
}

// sendTickMsg redraws the Sending line once a second while a send is out.
type sendTickMsg struct{ id int }
