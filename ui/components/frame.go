package components

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// The root composes every frame (header, the screen, status, footer) the
// way lipgloss's Render would — the same bytes, checked by
// TestFrameMatchesLipgloss — but measures lines with CellWidth, which
// does not run the grapheme segmenter over plain text. That segmenter
// was most of a frame's cost (BenchmarkRootFrame1M).

// narrow holds the non-ASCII runes the screens draw that are one cell wide
// on their own (ansi.StringWidth says so, rune by rune): box drawing,
// blocks, bullets, arrows, Latin letters. Built on first use, not at start.
var (
	narrowOnce sync.Once
	narrow     map[rune]bool
)

func narrowRunes() map[rune]bool {
	narrowOnce.Do(func() {
		narrow = map[rune]bool{}
		for _, r := range [][2]rune{{0xA0, 0x2FF}, {0x2010, 0x2027}, {0x2030, 0x205E}, {0x2190, 0x21FF},
			{0x2500, 0x25FF}, {0x2713, 0x2718}, {0x26A0, 0x26A0}} {
			for c := r[0]; c <= r[1]; c++ {
				if ansi.StringWidth(string(c)) == 1 {
					narrow[c] = true
				}
			}
		}
	})
	return narrow
}

// CellWidth is ansi.StringWidth(s): printable ASCII and the narrow runes
// count one cell each and CSI sequences (colours) none; anything else —
// another escape, a control, a rune that may be wide or combine — is left
// to ansi.StringWidth.
func CellWidth(s string) int {
	n := 0
	var nr map[rune]bool
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= 0x20 && c < 0x7f:
			n++
			i++
		case c == 0x1b && i+1 < len(s) && s[i+1] == '[':
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			if j == len(s) {
				return ansi.StringWidth(s)
			}
			i = j + 1
		case c >= 0x80:
			r, size := utf8.DecodeRuneInString(s[i:])
			if nr == nil {
				nr = narrowRunes()
			}
			if !nr[r] {
				return ansi.StringWidth(s)
			}
			n++
			i += size
		default:
			return ansi.StringWidth(s)
		}
	}
	return n
}

// alignLeft pads every line with spaces to the widest line (lipgloss's
// left alignment, which every multi-line Render applies).
func alignLeft(lines []string) {
	widths := make([]int, len(lines))
	widest := 0
	for i, l := range lines {
		widths[i] = CellWidth(l)
		widest = max(widest, widths[i])
	}
	for i := range lines {
		if short := widest - widths[i]; short > 0 {
			lines[i] += strings.Repeat(" ", short)
		}
	}
}

// PlainBox is Plain.MaxWidth(w).Height(h).MaxHeight(h).Render(s) for a
// style with no colours: tabs to 4 spaces, CRLF to LF, at least h lines,
// every line padded to the widest, cut to w cells, then to h lines.
func PlainBox(s string, w, h int) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\t", "    "), "\r\n", "\n")
	lines := strings.Split(s, "\n")
	for len(lines) < h {
		lines = append(lines, "")
	}
	if len(lines) > 1 {
		alignLeft(lines)
	}
	for i, l := range lines {
		if CellWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "")
		}
	}
	return strings.Join(lines[:min(h, len(lines))], "\n")
}

// AppBox is App.Render(s): one space of padding left and right, lines
// aligned (DefaultStyles: App is Padding(0, 1) and nothing else).
func AppBox(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\t", "    "), "\r\n", "\n")
	lines := strings.Split(s, "\n")
	for i := range lines {
		lines[i] = " " + lines[i] + " "
	}
	if len(lines) > 1 {
		alignLeft(lines)
	}
	return strings.Join(lines, "\n")
}
