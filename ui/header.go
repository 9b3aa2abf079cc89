package ui

import (
	"cmp"
	"fmt"

	"spotcast/ui/components"
)

// headerView: app name and where we are on the left; the SANDBOX badge and
// the operator on the right.
func (m *Model) headerView() string {
	h := components.Header{Title: "spotcast", Where: m.active.String(), Operator: cmp.Or(m.c.OperatorName, m.c.Operator)}
	if i := m.flowIndex(); i >= 0 {
		h.Where = fmt.Sprintf("step %d of %d · %s", i+1, len(m.flow()), m.active)
	}
	if m.c.Sandbox {
		h.Badge = "SANDBOX"
	}
	return h.View(m.c.Styles, m.bodyWidth())
}
