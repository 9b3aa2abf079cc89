package ui

import (
	tea "github.com/charmbracelet/bubbletea"

	"spotcast/campaign"
)

// watchEnd is how a watch ended, kept when r leaves it for a re-send.
type watchEnd struct {
	verdict campaign.WatchVerdict
	line    string // the progress view's outcome line
}

func (w *watchEnd) message() string {
	msg := "The re-send of the failed recipients was not sent."
	if w.line != "" {
		msg = campaign.Sanitize(w.line) + ". " + msg
	}
	return msg
}

// resendFailed opens Review on a new campaign: the watched campaign's whole
// message (type, text, media URL) to its failed recipients that may succeed
// again. The message comes with msg when the view knows it (sent from
// Review), else from the campaign file in the state directory (re-attached
// from the jobs list, or send --watch, whose composer is empty). The
// schedule is cleared: failures are known only once the campaign ran, so
// its time has passed; the re-send goes now unless Schedule is changed.
func (m *Model) resendFailed(msg resendFailedMsg) tea.Cmd {
	fromElsewhere := m.progressFrom == stepJobs || m.mode == modeWatch
	switch {
	case msg.Message != nil:
		m.setMessage(*msg.Message)
	case fromElsewhere && m.progress.CampaignID() != "":
		// The composer may hold another message, or none: take the campaign's.
		if err := m.loadMessageOf(m.progress.CampaignID()); err != nil {
			m.progress.SetNotice(err.Error())
			return nil
		}
	case fromElsewhere:
		m.progress.SetNotice("cannot re-send: these jobs were watched by job ID, so their message is not known here; " +
			"open their campaign from the jobs list (spotcast jobs) and press r there")
		return nil
	}
	if m.mode == modeWatch && m.watchEnd == nil {
		m.watchEnd = &watchEnd{verdict: m.progress.Verdict(), line: m.progress.OutcomeLine()}
	}
	// A new campaign: same message, the failed recipients, sent now.
	m.sent, m.progressFrom = false, stepProgress
	m.recipients = newRecipients(m.c)
	m.progress = m.progress.successor()
	m.schedule.SendNow()
	cmd := m.recipients.Prefill("", internationalInput(msg.Recipients), nil)
	return tea.Batch(cmd, m.goTo(stepReview))
}
