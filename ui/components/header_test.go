package components_test

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"spotcast/ui/components"
)

// The header fills the width: name and place left, badge and operator
// right; too narrow, it is cut with an ellipsis, and the operator's name
// is inert.
func TestHeader(t *testing.T) {
	st := plainStyles()
	h := components.Header{Title: "spotcast", Where: "step 1 of 5 · Type", Badge: "SANDBOX", Operator: "ops\x1b[31m-team"}
	got := h.View(st, 60)
	if ansi.StringWidth(got) != 60 || !strings.HasPrefix(got, "spotcast  step 1 of 5 · Type") || !strings.HasSuffix(got, " SANDBOX  ops-team") {
		t.Fatalf("%q", got)
	}
	if got := h.View(st, 30); ansi.StringWidth(got) != 30 || !strings.HasSuffix(got, "…") {
		t.Fatalf("narrow: %q", got)
	}
	if got := (components.Header{Title: "spotcast", Where: "Jobs"}).View(st, 20); strings.TrimRight(got, " ") != "spotcast  Jobs" {
		t.Fatalf("no badge, no operator: %q", got)
	}
}
