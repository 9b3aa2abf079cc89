package campaign

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

func TestSanitize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "hello, world", "hello, world"},
		{"keeps newline and tab", "a\tb\nc", "a\tb\nc"},
		{"multibyte", "नमस्ते 👋 日本", "नमस्ते 👋 日本"},
		{"SGR colour", "\x1b[31mred\x1b[0m", "red"},
		{"CSI with private params", "a\x1b[?25lb\x1b[2Jc", "abc"},
		{"CSI with intermediate", "a\x1b[1 qb", "ab"},
		{"C1 CSI", "a\u009b31mb", "ab"},
		{"OSC title BEL", "a\x1b]0;pwned\x07b", "ab"},
		{"OSC hyperlink ST", "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\", "click"},
		{"OSC C1 ST", "a\x1b]52;c;Zm9v\u009cb", "ab"},
		{"C1 OSC", "a\u009d0;t\x07b", "ab"},
		{"unterminated OSC eats the rest", "a\x1b]0;title", "a"},
		{"DCS", "a\x1bP1$r0m\x1b\\b", "ab"},
		{"APC", "a\x1b_Gf=100;AAAA\x1b\\b", "ab"},
		{"PM and SOS", "a\x1b^x\x1b\\b\x1bXy\x1b\\c", "abc"},
		{"C1 DCS", "a\u0090q\u009cb", "ab"},
		{"two-byte ESC", "a\x1bcb\x1b7c", "abc"},
		{"charset designation", "a\x1b(Bb", "ab"},
		{"lone ESC at end", "abc\x1b", "abc"},
		{"ESC before non-ASCII", "a\x1bé", "aé"},
		{"string aborted by ESC starts a new sequence", "a\x1b]0;t\x1b[31mb", "ab"},
		{"carriage return", "safe\rEVIL", "safeEVIL"},
		{"backspace BEL DEL NUL", "a\bb\x07c\x7fd\x00e", "abcde"},
		{"other C1", "a\u0085b\u008dc", "abc"},
		{"invalid UTF-8", "a\xffb\xc3", "a\uFFFDb\uFFFD"},
		{"raw 8-bit CSI byte is invalid UTF-8", "a\x9b31mb", "a\uFFFD31mb"},
		{"empty", "", ""},
		{"bidi override", "invoice\u202egnp.exe", "invoicegnp.exe"},
		{"bidi embeddings and isolates", "a\u202ab\u202bc\u202cd\u202de\u2066f\u2067g\u2068h\u2069i", "abcdefghi"},
		{"LRM and RLM stay", "a\u200eb\u200fc", "a\u200eb\u200fc"},
		{"line and paragraph separators", "a\u2028b\u2029c", "a\nb\nc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sanitize(tt.in); got != tt.want {
				t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSanitizeCleanDoesNotAllocate(t *testing.T) {
	for _, s := range []string{"919999999999", "Phone Number", "Ünïcødé 日本 👋\tx\ny", "a — b… \u200f"} {
		if n := testing.AllocsPerRun(100, func() { _ = Sanitize(s) }); n != 0 {
			t.Errorf("Sanitize(%q) allocated %v times; clean text must be returned as is", s, n)
		}
	}
}

func TestSanitizeLine(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"a\nb\tc", 0, "a b c"},
		{"\x1b[1mbold\x1b[0m", 10, "bold"},
		{"hello world", 11, "hello world"},
		{"hello world", 8, "hello w…"},
		{"日本語のテキスト", 7, "日本語…"},
		{"short", -1, "short"},
	}
	for _, tt := range tests {
		if got := SanitizeLine(tt.in, tt.width); got != tt.want {
			t.Errorf("SanitizeLine(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
	}
}

func BenchmarkSanitizeClean(b *testing.B) {
	s := "+91 99999 99999"
	for b.Loop() {
		_ = Sanitize(s)
	}
}

func BenchmarkSanitizeDirty(b *testing.B) {
	s := "\x1b[31m+91 99999 99999\x1b[0m\r"
	for b.Loop() {
		_ = Sanitize(s)
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{
		"plain", "\x1b[31mred", "\x1b]0;t\x07", "\u009b1m", "a\rb", "\xff\xfe",
		"\x1bP\x1b\\", "\x1b", "\x1b(", "\u009d\u009c", "\x1b]\xc2",
		"a\u202eb", "\u2066x\u2069", "a\u2028b\u2029",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Sanitize(%q) = %q: invalid UTF-8", s, out)
		}
		for _, r := range out {
			if r == 0x1b || (unicode.IsControl(r) && r != '\n' && r != '\t') || (r >= 0x2028 && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
				t.Fatalf("Sanitize(%q) = %q: contains control %U", s, out, r)
			}
		}
		if again := Sanitize(out); again != out {
			t.Fatalf("not idempotent: Sanitize(%q) = %q, then %q", s, out, again)
		}
		line := SanitizeLine(s, 20)
		if strings.ContainsAny(line, "\n\t\u2028\u2029") {
			t.Fatalf("SanitizeLine(%q) = %q keeps a newline or tab", s, line)
		}
		if w := ansi.StringWidth(line); w > 20 {
			t.Fatalf("SanitizeLine(%q, 20) = %q is %d cells wide", s, line, w)
		}
	})
}
