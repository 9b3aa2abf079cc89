package ui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"spotcast/campaign"
)

// resolveTyped turns a path as typed or pasted into the one meant: quotes
// around it (a drag-and-drop or a copied shell argument) and backslash
// escapes of spaces go, and ~ is the home folder. Under an import folder
// (SSH) ~ means nothing: the server's home is not the operator's.
func resolveTyped(s, importDir string) string {
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

// shownPath is a path as the operator may see it: under an import folder
// relative to it (no server paths over SSH), else as it is.
func shownPath(importDir, p string) string {
	if importDir == "" || p == "" {
		return p
	}
	root, err := filepath.Abs(importDir)
	if err != nil {
		return filepath.Base(p)
	}
	if rel, err := filepath.Rel(root, p); err == nil && within(root, p) {
		return rel
	}
	return filepath.Base(p)
}

// pathCompletedMsg is a tab completion's result, for the text it was asked
// for (a reply to older text is dropped).
type pathCompletedMsg struct {
	asked, value string
	matches      []string
}

// completePathCmd completes typed (as resolveTyped reads it) to the
// longest prefix the folder's entries share; folders get a trailing /.
// Under importDir only its own entries are offered.
func completePathCmd(importDir, typed string) tea.Cmd {
	return func() tea.Msg {
		value, matches := completePath(importDir, typed)
		return pathCompletedMsg{asked: typed, value: value, matches: matches}
	}
}

func completePath(importDir, typed string) (string, []string) {
	p := resolveTyped(typed, importDir)
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
		if err1 != nil || err2 != nil || (abs != root && !within(root, abs)) {
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

// openContactList opens a file for import without ever blocking: a named
// pipe, a device or a socket is refused by its stat before any open (an
// open of a FIFO waits for a writer), and the open itself does not wait
// (O_NONBLOCK where there is one), should the path change in between.
func openContactList(path string) (*os.File, os.FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, openErr(err)
	}
	if err := regularFile(st); err != nil {
		return nil, nil, err
	}
	f, err := openNoWait(path)
	if err != nil {
		return nil, nil, openErr(err)
	}
	st, err = f.Stat()
	if err == nil {
		err = regularFile(st)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, st, nil
}

func openErr(err error) error {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return errors.New("the file does not exist: check the path (tab completes it)")
	case errors.Is(err, os.ErrPermission):
		return errors.New("permission denied: the file is not readable")
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func regularFile(st os.FileInfo) error {
	mode := st.Mode()
	switch {
	case mode.IsRegular():
		return nil
	case mode.IsDir():
		return errors.New("this is a directory: pick a .csv or .txt file")
	case mode&os.ModeNamedPipe != 0:
		return errors.New("this is a named pipe (FIFO), not a file: save the contact list to a regular file and pick that")
	case mode&os.ModeSocket != 0:
		return errors.New("this is a socket, not a file: save the contact list to a regular file and pick that")
	case mode&os.ModeDevice != 0:
		return errors.New("this is a device, not a file: save the contact list to a regular file and pick that")
	}
	return fmt.Errorf("this is not a regular file (%s): save the contact list to a regular file and pick that", campaign.SanitizeLine(mode.String(), 20))
}
