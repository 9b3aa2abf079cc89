package common

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// A session's clock, zone and context default sensibly and can be frozen.
func TestCommonDefaults(t *testing.T) {
	var c Common
	if c.Loc() != time.Local || c.Ctx() != context.Background() || time.Since(c.Now()) > time.Minute {
		t.Fatal("zero Common: want local time, a background context and the wall clock")
	}
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	c.Clock, c.Zone = func() time.Time { return at }, time.UTC
	if !c.Now().Equal(at) || c.Loc() != time.UTC {
		t.Fatal("the frozen clock or zone is ignored")
	}
}

// Styles come from the session's renderer: with no colours (NO_COLOR, an
// SSH client without them) they draw plain text.
func TestStylesFollowTheSessionsRenderer(t *testing.T) {
	r := lipgloss.NewRenderer(nil)
	r.SetColorProfile(termenv.Ascii)
	if got := DefaultStyles(r).Error.Render("x"); got != "x" {
		t.Fatalf("an Ascii session's error style drew %q", got)
	}
}

// j/k move every list, with the arrows, and say so in help.
func TestListKeys(t *testing.T) {
	up, down := KeyUp(), KeyDown()
	if !slices.Equal(up.Keys(), []string{"up", "k"}) || !slices.Equal(down.Keys(), []string{"down", "j"}) {
		t.Fatalf("up %v, down %v", up.Keys(), down.Keys())
	}
	if up.Help().Key != "↑/k" || down.Help().Key != "↓/j" || KeyChoose().Help().Key != "enter" {
		t.Fatal("the help of the list keys changed")
	}
}
