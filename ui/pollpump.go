package ui

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"spotcast/campaign"
)

// pollPump runs the engine's watch policy (campaign.Poller) in Bubble Tea
// terms: pump starts the polls the policy allows now, as commands, and
// schedules one tick for when the next is due. The policy decides; this
// only turns its answers into commands.
type pollPump struct {
	poller     *campaign.Poller
	seq        int
	pendingSeq int
	pumpAt     time.Time // when the pending tick fires (zero: none)
}

// pumpTickMsg wakes the pump; gen is the screen's generation, seq drops
// every tick but the pending one.
type pumpTickMsg struct {
	gen, seq int
	owner    string // which screen's pump
}

// start watches ids on the engine's shared budget (a fresh one without an
// engine, in tests).
func (p *pollPump) start(e *campaign.Engine, ids ...string) {
	if e != nil {
		p.poller = e.NewPoller(ids...)
	} else {
		p.poller = campaign.NewPoller(nil, ids...)
	}
	p.pumpAt = time.Time{}
}

func (p *pollPump) stop() { *p = pollPump{seq: p.seq} }

// woken reports whether msg is the pending tick (and clears it).
func (p *pollPump) woken(msg pumpTickMsg, gen int) bool {
	if msg.gen != gen || msg.seq != p.pendingSeq || p.poller == nil {
		return false
	}
	p.pumpAt = time.Time{}
	return true
}

// pump starts every poll due now with fetch, and schedules the next wake.
func (p *pollPump) pump(now time.Time, gen int, owner string, tick func(time.Duration, func(time.Time) tea.Msg) tea.Cmd, fetch func(id string) tea.Cmd) tea.Cmd {
	if p.poller == nil {
		return nil
	}
	var cmds []tea.Cmd
	for {
		id, wait, ok := p.poller.Take(now)
		if id != "" {
			cmds = append(cmds, fetch(id))
			continue
		}
		if ok {
			at := now.Add(wait)
			if p.pumpAt.IsZero() || at.Before(p.pumpAt) {
				p.seq++
				p.pumpAt, p.pendingSeq = at, p.seq
				seq := p.seq
				cmds = append(cmds, tick(wait, func(time.Time) tea.Msg { return pumpTickMsg{gen: gen, seq: seq, owner: owner} }))
			}
		}
		return tea.Batch(cmds...)
	}
}
