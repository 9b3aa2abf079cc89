package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"spotcast/campaign"
	"spotcast/ui/components"
)

// recipientColumns are the columns of the recipients table: where each
// number comes from (the CSV's name, or typed) beside it.
func recipientColumns(width int, names bool) []components.Column {
	cols := []components.Column{{Title: "#", Width: 7}, {Title: "Phone", Width: 16}}
	if names {
		cols = append(cols, components.Column{Title: "Name", Width: 0}, components.Column{Title: "From", Width: 14})
	} else {
		cols = append(cols, components.Column{Title: "From", Width: 0})
	}
	cols = append(cols, components.Column{Title: "Line", Width: 7})
	return components.LayoutColumns(cols, width, 8)
}

// recipientCells: the number in E.164 with its +, as everywhere else.
func recipientCells(i int, r campaign.Recipient, names bool, from string) []string {
	cells := []string{commas(i + 1), "+" + r.Phone}
	if names {
		cells = append(cells, r.Name)
	}
	return append(cells, from, commas(r.Line))
}

// problemColumns are the columns of the problems table.
func problemColumns(width int) []components.Column {
	value := 22
	if width < 60 {
		value = 14
	}
	return components.LayoutColumns([]components.Column{{Title: "Line", Width: 7}, {Title: "Value", Width: value}, {Title: "Reason", Width: 0}}, width, 10)
}

func problemCells(p campaign.ImportProblem) []string {
	return []string{commas(p.Line), p.Value, keyWords(p.Reason)}
}

// commas formats n with thousands separators (1,000,000).
func commas(n int) string { return campaign.Grouped(n) }

// clampView cuts a screen to w×h: a line too wide would wrap and a frame too
// tall would scroll the alt screen, both garbling the frame.
func clampView(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if h > 0 && len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "…")
		}
	}
	return strings.Join(lines, "\n")
}
