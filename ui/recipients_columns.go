package ui

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"spotcast/campaign"
	"spotcast/ui/components"
)

// columnsReadMsg is the outcome of reading a file's columns for the picker.
type columnsReadMsg struct {
	id    int
	path  string
	cols  *campaign.Columns
	err   error
	title string
	using string // the column the list was read with, to pre-select
}

// readColumnsCmd reads path's columns off the UI goroutine.
func readColumnsCmd(id int, path, title, using string) tea.Cmd {
	return func() tea.Msg {
		msg := columnsReadMsg{id: id, path: path, title: title, using: using}
		f, _, err := openContactList(path)
		if err != nil {
			msg.err = err
			return msg
		}
		defer f.Close()
		msg.cols, msg.err = campaign.ReadColumns(f)
		return msg
	}
}

// columnPickerOptions shows the columns read: the one the list was read
// with (by its option or its name), else the detected one, is current.
func columnPickerOptions(msg columnsReadMsg) components.ColumnPickerOptions {
	current := -1
	for i := range msg.cols.Names {
		if msg.using != "" && (strings.EqualFold(msg.cols.Option(i), msg.using) || strings.EqualFold(msg.cols.Names[i], msg.using)) {
			current = i
			break
		}
	}
	if current < 0 {
		current = msg.cols.Detected
	}
	return components.ColumnPickerOptions{
		Title:   msg.title,
		Hint:    "Which column holds the numbers? enter: use it · esc: keep as is",
		Names:   msg.cols.Names,
		Samples: msg.cols.Samples,
		Current: current,
	}
}
