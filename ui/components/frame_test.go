package components_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"spotcast/ui/common"
	"spotcast/ui/components"
)

// frameInputs are texts like the screens draw: every golden, coloured
// lines, tabs, CRLF, wide and combining runes, emoji, cut escapes.
func frameInputs(t *testing.T) []string {
	t.Helper()
	var in []string
	goldens, _ := filepath.Glob("../testdata/*.golden")
	for _, g := range goldens {
		b, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, string(b))
	}
	r := lipgloss.NewRenderer(nil)
	r.SetColorProfile(termenv.TrueColor)
	st := common.DefaultStyles(r)
	colored := st.Error.Render("✗ bad") + " · " + st.Success.Render("sent 12") + "\n" + st.Card.Width(30).Render("╭ card\nline")
	in = append(in, colored, "a\tb\r\nc", "日本語 wide\nok", "e\u0301 combining\nx", "flag 🇮🇳 and ⚠️ emoji\n.",
		"cut \x1b[31", "osc \x1b]0;title\x07 done", "ctrl \x07 bell", strings.Repeat("█", 90)+"\n"+strings.Repeat("─", 10), "")
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"a", " ", "\n", "\t", "•", "✗", "日", "\x1b[1m", "\x1b[0m", "é", "e\u0301", "⚠", "🙂", "█", "│", "\r\n"}
	for range 300 {
		var b strings.Builder
		for range rng.IntN(200) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		in = append(in, b.String())
	}
	return in
}

// plainBox and appBox are lipgloss's Render, byte for byte, at any size.
func TestFrameMatchesLipgloss(t *testing.T) {
	for _, profile := range []termenv.Profile{termenv.Ascii, termenv.TrueColor} {
		r := lipgloss.NewRenderer(nil)
		r.SetColorProfile(profile)
		st := common.DefaultStyles(r)
		for i, s := range frameInputs(t) {
			for _, size := range [][2]int{{78, 20}, {58, 12}, {10, 3}, {1, 1}, {200, 60}} {
				w, h := size[0], size[1]
				if got, want := components.PlainBox(s, w, h), st.Plain.MaxWidth(w).Height(h).MaxHeight(h).Render(s); got != want {
					t.Fatalf("profile %v input %d at %dx%d: plainBox\n%q\nwant\n%q", profile, i, w, h, got, want)
				}
			}
			if got, want := components.AppBox(s), st.App.Render(s); got != want {
				t.Fatalf("profile %v input %d: appBox\n%q\nwant\n%q", profile, i, got, want)
			}
		}
	}
}

// cellWidth is ansi.StringWidth on every input and on each narrow rune.
func TestCellWidthMatchesAnsi(t *testing.T) {
	for _, s := range frameInputs(t) {
		for _, l := range strings.Split(s, "\n") {
			if got, want := components.CellWidth(l), ansi.StringWidth(l); got != want {
				t.Fatalf("cellWidth(%q) = %d, ansi says %d", l, got, want)
			}
		}
	}
	for _, r := range []rune{'•', '✗', '⚠', '─', '│', '╭', '█', '·', '→', 'é', '✓'} {
		for _, s := range []string{string(r), "a" + string(r) + "b", string(r) + string(r)} {
			if got, want := components.CellWidth(s), ansi.StringWidth(s); got != want {
				t.Fatalf("cellWidth(%q) = %d, ansi says %d", s, got, want)
			}
		}
	}
}
