package ui

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"spotcast/campaign"
)

// headerView: app name and where we are on the left; the SANDBOX badge and
// the operator on the right.
func (m *Model) headerView() string {
	st := m.c.Styles
	where := m.active.String()
	if i := m.flowIndex(); i >= 0 {
		where = fmt.Sprintf("step %d of %d · %s", i+1, len(m.flow()), m.active)
	}
	left := st.Title.Render("spotcast") + "  " + st.Header.Render(where)
	var right []string
	if m.c.Sandbox {
		right = append(right, st.Badge.Render("SANDBOX"))
	}
	if name := cmp.Or(m.c.OperatorName, m.c.Operator); name != "" {
		right = append(right, st.Muted.Render(campaign.SanitizeLine(name, 24)))
	}
	r := strings.Join(right, " ")
	gap := m.bodyWidth() - lipgloss.Width(left) - lipgloss.Width(r)
	if gap < 1 {
		return ansi.Truncate(left+" "+r, m.bodyWidth(), "…")
	}
	return left + strings.Repeat(" ", gap) + r
}
