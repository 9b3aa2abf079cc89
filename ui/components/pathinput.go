package components

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"spotcast/campaign"
)

// PathInput is a text input for a file path whose complete key (tab)
// completes it from the folder's entries, off the UI goroutine. Under a
// Root (SSH's import folder) only that folder's entries are offered.
type PathInput struct {
	textinput.Model
	// Root confines completion ("" = anywhere; ~ is the home folder then).
	Root     string
	Complete key.Binding
	id       int64
}

var lastPathInputID atomic.Int64

// NewPathInput makes in a path input under root.
func NewPathInput(in textinput.Model, root string) PathInput {
	return PathInput{Model: in, Root: root, id: lastPathInputID.Add(1),
		Complete: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "complete"))}
}

// Path is the text typed, as the path meant (ResolvePath).
func (p *PathInput) Path() string { return ResolvePath(p.Value(), p.Root) }

// Update asks for a completion on the complete key, puts in a completion
// of the text still typed, and gives everything else to the text input.
func (p *PathInput) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case PathCompletedMsg:
		p.Apply(msg)
		return nil
	case tea.KeyMsg:
		if key.Matches(msg, p.Complete) {
			id, root, typed := p.id, p.Root, p.Value()
			return func() tea.Msg {
				value, matches := CompletePath(root, typed)
				return PathCompletedMsg{id: id, asked: typed, value: value, Matches: matches}
			}
		}
	}
	var cmd tea.Cmd
	p.Model, cmd = p.Model.Update(msg)
	return cmd
}

// Apply puts a completion in and reports whether it was this input's, for
// the text it still holds (a reply to older text is dropped).
func (p *PathInput) Apply(msg PathCompletedMsg) bool {
	if msg.id != p.id || p.Value() != msg.asked {
		return false
	}
	p.SetValue(msg.value)
	p.CursorEnd()
	return true
}

// PathCompletedMsg is a tab completion's result.
type PathCompletedMsg struct {
	id           int64
	asked, value string
	// Matches are the entries that start as typed (folders end in /).
	Matches []string
}

// Notice says what the completion found, in w cells ("" when one entry
// matched: the input shows it).
func (msg PathCompletedMsg) Notice(w int) string {
	switch len(msg.Matches) {
	case 0:
		return "nothing to complete: no file starts so"
	case 1:
		return ""
	}
	return campaign.SanitizeLine(fmt.Sprintf("%d matches: %s", len(msg.Matches), strings.Join(msg.Matches, "  ")), max(20, w))
}

// ResolvePath turns a path as typed or pasted into the one meant: quotes
// around it (a drag-and-drop or a copied shell argument) and backslash
// escapes of spaces go, and ~ is the home folder. Under an import folder
// (SSH) ~ means nothing: the server's home is not the operator's.
func ResolvePath(s, importDir string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		s = s[1 : len(s)-1]
	} else if runtime.GOOS != "windows" {
		s = strings.ReplaceAll(s, `\ `, " ")
	}
	if importDir == "" && (s == "~" || strings.HasPrefix(s, "~/")) {
		if home, err := os.UserHomeDir(); err == nil {
			s = filepath.Join(home, s[1:])
		}
	}
	return s
}

// ShownPath is a path as the operator may see it: under an import folder
// relative to it (no server paths over SSH), else as it is.
func ShownPath(importDir, p string) string {
	if importDir == "" || p == "" {
		return p
	}
	root, err := filepath.Abs(importDir)
	if err != nil {
		return filepath.Base(p)
	}
	if rel, err := filepath.Rel(root, p); err == nil && Within(root, p) {
		return rel
	}
	return filepath.Base(p)
}

// CompletePath completes typed (as ResolvePath reads it) to the longest
// prefix the folder's entries share; folders get a trailing /. Under
// importDir only its own entries are offered. It reads the folder: call it in a
// command.
func CompletePath(importDir, typed string) (string, []string) {
	p := ResolvePath(typed, importDir)
	dirPart, prefix := filepath.Split(p)
	dir := dirPart
	if dir == "" {
		dir = "."
	}
	if importDir != "" {
		if filepath.IsAbs(dir) {
			return typed, nil
		}
		full := filepath.Join(importDir, dir)
		root, err1 := filepath.Abs(importDir)
		abs, err2 := filepath.Abs(full)
		if err1 != nil || err2 != nil || (abs != root && !Within(root, abs)) {
			return typed, nil
		}
		dir = full
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return typed, nil
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if !strings.HasPrefix(n, prefix) || (strings.HasPrefix(n, ".") && !strings.HasPrefix(prefix, ".")) {
			continue
		}
		if e.IsDir() || (e.Type()&os.ModeSymlink != 0 && isDir(filepath.Join(dir, n))) {
			n += string(filepath.Separator)
		}
		names = append(names, n)
	}
	if len(names) == 0 {
		return typed, nil
	}
	sort.Strings(names)
	common := names[0]
	for _, n := range names[1:] {
		for !strings.HasPrefix(n, common) {
			common = common[:len(common)-1]
		}
	}
	if len(names) == 1 || len(common) > len(prefix) {
		return dirPart + common, names
	}
	return typed, names
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// Within reports whether p is root or under it (lexically: symlinks are
// the caller's to resolve).
func Within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
