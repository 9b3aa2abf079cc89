package campaign

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Ellipsis ends text cut by SanitizeLine.
const Ellipsis = "…"

// Sanitize makes untrusted text (CSV cells, API responses) inert for a
// terminal: escape sequences dropped (CSI, OSC, DCS/SOS/PM/APC strings,
// two-byte ESC sequences and their C1 forms), then every control rune except
// \n and \t, and the bidi embedding, override and isolate controls
// (U+202A–U+202E, U+2066–U+2069), which would reorder the rest of a terminal
// line; the line and paragraph separators U+2028/U+2029 become \n; invalid
// UTF-8 replaced by U+FFFD.
//
// Clean text is returned as it is, without allocating: Sanitize runs on every
// cell of million-row imports.
func Sanitize(s string) string {
	if isClean(s) {
		return s
	}
	return sanitizeSlow(s)
}

// SanitizeLine is Sanitize for one line of a table or status bar: \n and \t
// become spaces, and when maxWidth > 0 the text is cut to that many terminal
// cells (wide characters count two) ending in an ellipsis.
func SanitizeLine(s string, maxWidth int) string {
	s = Sanitize(s)
	if strings.ContainsAny(s, "\n\t") {
		s = strings.Map(func(r rune) rune {
			if r == '\n' || r == '\t' {
				return ' '
			}
			return r
		}, s)
	}
	// No character is wider than its UTF-8 length, so a string of at most
	// maxWidth bytes fits without measuring it.
	if maxWidth > 0 && len(s) > maxWidth && ansi.StringWidth(s) > maxWidth {
		s = ansi.Truncate(s, maxWidth, Ellipsis)
	}
	return s
}

// isClean reports whether s is valid UTF-8 without control runes other than
// \n and \t, i.e. whether Sanitize would return it unchanged.
func isClean(s string) bool {
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if (b < 0x20 && b != '\n' && b != '\t') || b == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || isC1(r) || isBidiOrSeparator(r) {
			return false
		}
		i += size
	}
	return true
}

func isC1(r rune) bool { return r >= 0x80 && r <= 0x9f }

// isBidiOrSeparator: U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR, the
// bidi embeddings and overrides U+202A–U+202E, and the isolates
// U+2066–U+2069.
func isBidiOrSeparator(r rune) bool {
	return (r >= 0x2028 && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// C1 controls (as runes) that open a sequence, and the ESC-prefixed final
// byte that means the same.
const (
	c1DCS = 0x90
	c1SOS = 0x98
	c1CSI = 0x9b
	c1ST  = 0x9c
	c1OSC = 0x9d
	c1PM  = 0x9e
	c1APC = 0x9f
)

func sanitizeSlow(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c == 0x1b { // ESC
			i = skipEscape(s, i+1)
			continue
		}
		if c < utf8.RuneSelf {
			if (c >= 0x20 && c != 0x7f) || c == '\n' || c == '\t' {
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
			i++
			continue
		}
		i += size
		switch r {
		case c1CSI:
			i = skipCSI(s, i)
		case c1OSC:
			i = skipString(s, i, true)
		case c1DCS, c1SOS, c1PM, c1APC:
			i = skipString(s, i, false)
		case 0x2028, 0x2029:
			b.WriteByte('\n')
		default:
			if !isC1(r) && !isBidiOrSeparator(r) {
				b.WriteString(s[i-size : i])
			}
		}
	}
	return b.String()
}

// skipEscape skips what follows an ESC at s[i-1] and returns the index of the
// first byte after the sequence. A lone or malformed ESC is dropped alone.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch c := s[i]; {
	case c == '[':
		return skipCSI(s, i+1)
	case c == ']':
		return skipString(s, i+1, true)
	case c == 'P' || c == 'X' || c == '^' || c == '_':
		return skipString(s, i+1, false)
	case c >= 0x20 && c <= 0x2f:
		// nF: intermediates, then a final byte (e.g. ESC ( B).
		for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
			i++
		}
		if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
			i++
		}
		return i
	case c >= 0x30 && c <= 0x7e:
		return i + 1 // two-byte sequence: ESC 7, ESC c, ESC M, ...
	}
	return i
}

// skipCSI skips a control sequence's parameter and intermediate bytes and
// its final byte. Anything else ends the sequence where it stands.
func skipCSI(s string, i int) int {
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x3f {
		i++
	}
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
		i++
	}
	if i < len(s) && s[i] >= 0x40 && s[i] <= 0x7e {
		i++
	}
	return i
}

// skipString skips a control string (OSC, DCS, SOS, PM, APC) up to and
// including its terminator: ST (ESC \ or U+009C), or BEL as well for OSC
// (xterm). An ESC that does not start ST ends the string and is processed as
// a new sequence, as terminals do; an unterminated string runs to the end.
func skipString(s string, i int, bel bool) int {
	for i < len(s) {
		switch c := s[i]; {
		case c == 0x07 && bel:
			return i + 1
		case c == 0x1b:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i
		case c == 0xc2 && i+1 < len(s) && s[i+1] == c1ST:
			return i + 2
		}
		i++
	}
	return i
}
