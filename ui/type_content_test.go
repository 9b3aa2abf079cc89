package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"spotcast/campaign"
)

func TestTypeStep(t *testing.T) {
	m := rootModel(t, rootOptions(t))
	rootGolden(t, m)

	rootPress(m, "down", "j")
	if got := m.typ.Selected(); got != campaign.TypeVideo {
		t.Fatalf("after down, j: selected %s, want VIDEO", got)
	}
	rootPress(m, "k")
	if got := m.typ.Selected(); got != campaign.TypeImage {
		t.Fatalf("after k: selected %s, want IMAGE", got)
	}
	// enter chooses: the step asks the root to advance.
	rootRun(m, rootPress(m, "enter"), 1)
	if m.active != stepContent {
		t.Fatalf("enter on Type: active %s, want Content", m.active)
	}
	rootHas(t, m, "step 2 of 6 · Content", "Caption for the image", "0 / 1,024")
}

func TestContentCounterAndLimit(t *testing.T) {
	m := rootModel(t, rootOptions(t))
	rootPress(m, "tab")
	if m.active != stepContent {
		t.Fatalf("tab on Type: active %s", m.active)
	}
	// Multi-byte runes count once each, as WhatsApp counts.
	rootType(m, "Héllo wörld ✓")
	rootHas(t, m, "13 / 4,096", "step 2 of 5 · Content")
	rootGolden(t, m)

	// In the textarea enter is a newline, not "next".
	rootPress(m, "enter")
	if m.active != stepContent {
		t.Fatalf("enter in the textarea left the step")
	}
	rootHas(t, m, "14 / 4,096")
}

func TestContentOverLimitRefusesTab(t *testing.T) {
	m := rootModel(t, rootOptions(t))
	rootPress(m, "tab")
	m.content.SetValue(strings.Repeat("a", campaign.MaxTextChars+6))
	rootHas(t, m, "4,102 / 4,096", "6 characters over the limit")
	rootPress(m, "tab")
	if m.active != stepContent {
		t.Fatalf("tab over the limit advanced to %s", m.active)
	}
	rootHas(t, m, "shorten it by 6")
	rootGolden(t, m)
	// The reason stays only until the next key.
	rootPress(m, "backspace")
	rootLacks(t, m, "shorten it by")
}

func TestContentNearLimitWarns(t *testing.T) {
	m := rootModel(t, rootOptions(t))
	rootPress(m, "tab")
	m.content.SetValue(strings.Repeat("a", 4000))
	rootHas(t, m, "4,000 / 4,096", "96 characters left")
}

func TestEmptyTextRefusedWithReason(t *testing.T) {
	m := rootModel(t, rootOptions(t))
	rootPress(m, "tab", "tab")
	if m.active != stepContent {
		t.Fatalf("empty TEXT advanced to %s", m.active)
	}
	rootHas(t, m, "✗ a TEXT message needs content")
}

func TestBackKeepsWhatWasTyped(t *testing.T) {
	m := rootModel(t, rootOptions(t))
	rootPress(m, "down") // IMAGE
	rootPress(m, "tab")
	rootType(m, "Look at this")
	rootPress(m, "tab")
	if m.active != stepMedia {
		t.Fatalf("IMAGE: after Content comes %s, want Media URL", m.active)
	}
	rootType(m, "https://example.com/a.jpg")
	rootPress(m, "esc")
	if m.active != stepContent {
		t.Fatalf("esc from Media: active %s", m.active)
	}
	rootHas(t, m, "Look at this")
	rootPress(m, "shift+tab")
	if m.active != stepType {
		t.Fatalf("shift+tab from Content: active %s", m.active)
	}
	rootPress(m, "esc") // nothing before Type
	if m.active != stepType {
		t.Fatalf("esc on Type moved to %s", m.active)
	}
	rootPress(m, "tab", "tab")
	if m.active != stepMedia {
		t.Fatalf("forward again: active %s", m.active)
	}
	rootHas(t, m, "https://example.com/a.jpg")
}

func TestTextSkipsMediaStep(t *testing.T) {
	m := rootModel(t, rootOptions(t))
	rootPress(m, "tab")
	rootType(m, "hi")
	rootPress(m, "tab")
	if m.active != stepRecipients {
		t.Fatalf("TEXT: after Content comes %s, want Recipients", m.active)
	}
	rootHas(t, m, "step 3 of 5 · Recipients")
}

func TestHelpToggleAndCapturing(t *testing.T) {
	m := rootModel(t, rootOptions(t))
	short := rootView(m)
	rootPress(m, "?")
	if !m.fullHelp {
		t.Fatal("? on Type did not open the full help")
	}
	if rootView(m) == short {
		t.Fatal("full help looks like short help")
	}
	rootPress(m, "?")
	rootPress(m, "tab")
	// In the textarea ? is text.
	rootType(m, "?")
	if m.fullHelp || m.content.Value() != "?" {
		t.Fatalf("? in the textarea: fullHelp=%v value=%q", m.fullHelp, m.content.Value())
	}
}

// Letters typed in a burst arrive as one message; words that are also key
// names ("up", "enter", "tab", "esc") are text, not keys.
func TestWordsThatNameKeysAreTyped(t *testing.T) {
	m := rootModel(t, rootOptions(t))
	rootPress(m, "tab")
	for _, w := range []string{"Pick", " ", "you", " ", "up", " ", "at", " ", "enter", " ", "tab", " ", "esc", " ", "down", " ", "q"} {
		if w == " " {
			rootPress(m, " ")
			continue
		}
		rootType(m, w)
	}
	if m.active != stepContent {
		t.Fatalf("typing moved the wizard to %s", m.active)
	}
	if got, want := m.content.Value(), "Pick you up at enter tab esc down q"; got != want {
		t.Fatalf("content = %q, want %q", got, want)
	}
}

// Item 8: a {name}-like placeholder is flagged as sent as written (there
// is no mail merge yet); plain braces, percents and brackets are not.
func TestContentPlaceholderHint(t *testing.T) {
	for _, tc := range []struct {
		text, want string // want "" = no hint
	}{
		{"Hi {name}, your order is ready", "{name}: it is sent as written"},
		{"Dear {{ first_name }} — {{city}}", "{{ first_name }}, {{city}}: they are sent as written"},
		{"Hello %NAME%!", "%NAME%: it is sent as written"},
		{"Hi [name], see [1]", "[name]: it is sent as written"},
		{"50% off, 20% more {} and [1] and { } and a {b c}", ""},
	} {
		if got := strings.Join(findPlaceholders(tc.text), ", "); (got == "") != (tc.want == "") {
			t.Errorf("findPlaceholders(%q) = %q", tc.text, got)
		}
		m := rootModel(t, rootOptions(t))
		rootPress(m, "tab")
		rootType(m, tc.text)
		if tc.want == "" {
			rootLacks(t, m, "sent as written")
			continue
		}
		rootHas(t, m, "⚠ "+tc.want, "personalised messages come")
	}

	m := rootModel(t, rootOptions(t))
	rootPress(m, "tab")
	rootType(m, "Hi {name}, your table for {guests} is booked.")
	rootGoldenAs(t, m, "80x24")
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 16})
	assertScreenFits(t, m, 60, 16)
	rootHas(t, m, "{name}, {guests}: they are sent as written")
	rootGoldenAs(t, m, "60x16")
	// The hint goes with the last placeholder, and the text area gets its
	// rows back.
	m.content.SetValue("Hi there, your table is booked.")
	rootLacks(t, m, "sent as written")
	if h := m.content.ta.Height(); h != 16-2-1-1-5 {
		t.Errorf("text area %d rows at 60×16 without a hint", h)
	}
	// It is a hint: tab still goes on.
	rootPress(m, "tab")
	if m.active != stepMedia && m.active != stepRecipients {
		t.Fatalf("a placeholder blocked Content: active %s", m.active)
	}
}
