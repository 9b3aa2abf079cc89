package components

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"spotcast/campaign"
	"spotcast/ui/common"
)

// Header is the frame's top line: the app's name and where the operator is
// on the left, a badge and who is signed in on the right.
type Header struct {
	Title string // the app's name
	Where string // the screen, or the step of the flow
	Badge string // "" for none (SANDBOX)
	// Operator is who is signed in ("" for none), cut to 24 cells: it is
	// untrusted text.
	Operator string
	// Warning is a standing warning shown on the line below ("" for none:
	// that line stays blank), such as a disconnected WhatsApp device.
	Warning string
}

// WarningView is the line below the header: the warning cut to width, or
// "".
func (h Header) WarningView(st *common.Styles, width int) string {
	if h.Warning == "" {
		return ""
	}
	return st.Warning.Render(campaign.SanitizeLine("⚠ "+h.Warning, width))
}

// View draws the header in width cells; when both sides do not fit it is
// cut with an ellipsis.
func (h Header) View(st *common.Styles, width int) string {
	left := st.Title.Render(h.Title) + "  " + st.Header.Render(h.Where)
	var right []string
	if h.Badge != "" {
		right = append(right, st.Badge.Render(h.Badge))
	}
	if h.Operator != "" {
		right = append(right, st.Muted.Render(campaign.SanitizeLine(h.Operator, 24)))
	}
	r := strings.Join(right, " ")
	gap := width - lipgloss.Width(left) - lipgloss.Width(r)
	if gap < 1 {
		return ansi.Truncate(left+" "+r, width, "…")
	}
	return left + strings.Repeat(" ", gap) + r
}
