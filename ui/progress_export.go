package ui

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"spotcast/campaign"
)

// exportCmd writes the failed recipients as CSV under StateDir/exports, or
// over SSH in the operator's own import folder (where their picker can
// reach it and no other operator can).
func (m *progressModel) exportCmd() tea.Cmd {
	rows := m.failures()
	dir := exportDir(m.c)
	name := m.campaignID
	if name == "" && len(m.jobs) > 0 {
		name = m.jobs[0].id
	}
	path := filepath.Join(dir, fmt.Sprintf("failed-%s-%s.csv", safeName(name), m.now().UTC().Format("20060102T150405Z")))
	gen := m.gen
	return func() tea.Msg {
		return exportDoneMsg{gen: gen, path: path, err: writeFailuresCSV(dir, path, rows)}
	}
}

func writeFailuresCSV(dir, path string, rows []failedRow) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot create %s: %w", dir, err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("cannot create %s: %w", path, err)
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"job_id", "recipient", "error"})
	for _, r := range rows {
		_ = w.Write([]string{campaign.Sanitize(r.job), campaign.Sanitize(r.recipient), campaign.SpreadsheetSafe(campaign.Sanitize(r.err))})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// safeName keeps a file-name-friendly part of an ID.
func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
	if len(s) > 40 {
		s = s[:40]
	}
	if s == "" {
		s = "jobs"
	}
	return s
}
