package ui

import (
	"cmp"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"spotcast/campaign"

	"spotcast/ui/components"
)

// headerView: app name and where we are on the left; the SANDBOX badge and
// the operator on the right.
func (m *Model) headerView() string {
	h := m.header()
	return h.View(m.c.Styles, m.bodyWidth()) + "\n" + h.WarningView(m.c.Styles, m.bodyWidth())
}

func (m *Model) header() components.Header {
	h := components.Header{Title: "spotcast", Where: m.active.String(), Operator: cmp.Or(m.c.OperatorName, m.c.Operator)}
	if i := m.flowIndex(); i >= 0 {
		h.Where = fmt.Sprintf("step %d of %d · %s", i+1, len(m.flow()), m.active)
	}
	if m.c.Sandbox {
		h.Badge = "SANDBOX"
	}
	h.Warning = campaign.DeviceWarning(m.device, m.c.Loc())
	return h
}

// The device's connection is read on the funnel's slow tick, for the
// header of every screen.
type (
	deviceTickMsg struct{}
	deviceMsg     struct {
		since time.Time
		err   error
	}
)

// deviceFirst is when the device is first read.
const deviceFirst = 500 * time.Millisecond

// pollDevice reads whether WhatsSpot's device is disconnected (nil when
// the store cannot say: the journal).
func (m *Model) pollDevice() tea.Cmd {
	r, ok := m.c.Store.(campaign.FunnelReader)
	if !ok {
		return nil
	}
	return func() tea.Msg {
		since, err := r.DeviceDisconnected()
		return deviceMsg{since: since, err: err}
	}
}

// onDevice keeps what the store said (an error keeps the last word) and
// asks again after a while.
func (m *Model) onDevice(msg deviceMsg) tea.Cmd {
	if msg.err == nil {
		m.device = msg.since
	}
	if m.deviceTick == nil {
		return nil
	}
	return m.deviceTick(funnelEvery, func(time.Time) tea.Msg { return deviceTickMsg{} })
}
