package ui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// BenchmarkRootFrame1M is a full frame of the root (header, screen, status,
// footer) at 80×24 on each composer screen with 1,000,000 recipients
// loaded — what Bubble Tea renders after every message. Budget: 0.5 ms.
func BenchmarkRootFrame1M(b *testing.B) {
	for _, id := range []stepID{stepType, stepContent, stepRecipients, stepSchedule, stepReview} {
		b.Run(id.String(), func(b *testing.B) {
			opts := rootOptions(b)
			opts.StateDir = ""
			tm, err := New(opts)
			if err != nil {
				b.Fatal(err)
			}
			m := tm.(*Model)
			m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
			withReport(m.recipients, "/data/million.csv", bigReport(1_000_000))
			m.content.SetValue("Hello from spotcast! Our new menu is out: come and try it this weekend.")
			m.goTo(id)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}
