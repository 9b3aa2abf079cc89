package campaign

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDrafts(t *testing.T) {
	dir := t.TempDir()
	const alice, bob = "SHA256:abc+/DEF=", "SHA256:abc//DEF="
	if d, err := LatestDraft(dir, alice); d != nil || err != nil {
		t.Fatalf("no draft yet: %v, %v", d, err)
	}
	d := Draft{
		Campaign: Campaign{Type: TypeImage, Content: "Caption ✓", MediaURL: "https://x.test/a.jpg",
			Recipients: []string{"919999999999"}, ScheduledAt: t0.Add(time.Hour)},
		Step: "schedule", CSVPath: "/data/contacts.csv", DefaultCountry: "IN", BatchSize: 100,
		SavedAt: t0, Operator: alice, UI: map[string]string{"cursor": "3"},
	}
	if err := SaveDraft(dir, d); err != nil {
		t.Fatal(err)
	}
	if err := SaveDraft(dir, Draft{Campaign: Campaign{Type: TypeText, Content: "bob's"}, Operator: bob}); err != nil {
		t.Fatal(err)
	}
	got, err := LatestDraft(dir, alice)
	if err != nil || got == nil {
		t.Fatalf("LatestDraft: %v, %v", got, err)
	}
	got.ScheduledAt = got.ScheduledAt.In(time.UTC)
	d.ScheduledAt = d.ScheduledAt.In(time.UTC)
	if !reflect.DeepEqual(*got, d) {
		t.Errorf("draft round trip:\n got %+v\nwant %+v", *got, d)
	}
	// Operators whose safe names collide still get their own draft.
	if DraftPath(dir, alice) == DraftPath(dir, bob) {
		t.Fatal("two operators share a draft file")
	}
	if b, _ := LatestDraft(dir, bob); b == nil || b.Content != "bob's" || b.SavedAt.IsZero() {
		t.Errorf("bob's draft = %+v", b)
	}
	// Saving again replaces the draft.
	d.Content = "second"
	if err := SaveDraft(dir, d); err != nil {
		t.Fatal(err)
	}
	if got, _ := LatestDraft(dir, alice); got == nil || got.Content != "second" {
		t.Errorf("after re-save: %+v", got)
	}
	st, err := os.Stat(DraftPath(dir, alice))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("draft file: %v, %v", st, err)
	}
	if err := DeleteDraft(dir, alice); err != nil {
		t.Fatal(err)
	}
	if d, err := LatestDraft(dir, alice); d != nil || err != nil {
		t.Errorf("after delete: %v, %v", d, err)
	}
	if err := DeleteDraft(dir, alice); err != nil {
		t.Errorf("deleting a missing draft: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "drafts"))
	if len(entries) != 1 {
		t.Errorf("drafts dir holds %d files, want 1 (bob's; no temp files)", len(entries))
	}
}

func TestDraftPathIsSafe(t *testing.T) {
	dir := "/state"
	for _, op := range []string{"", "../../etc/passwd", "a/b\\c", "\x1b[31m", strings.Repeat("x", 500), "ünï"} {
		p := DraftPath(dir, op)
		if filepath.Dir(p) != filepath.Join(dir, "drafts") {
			t.Errorf("DraftPath(%q) = %s escapes the drafts dir", op, p)
		}
		base := filepath.Base(p)
		if len(base) > 80 || strings.ContainsAny(base, "/\\\x1b") || strings.HasPrefix(base, ".") {
			t.Errorf("DraftPath(%q) base %q is not a safe name", op, base)
		}
	}
}

func TestLatestDraftDamaged(t *testing.T) {
	dir := t.TempDir()
	p := DraftPath(dir, "op")
	os.MkdirAll(filepath.Dir(p), 0o700)
	os.WriteFile(p, []byte(`{"type":`), 0o600)
	if _, err := LatestDraft(dir, "op"); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("damaged draft: %v", err)
	}
}

func TestStateDir(t *testing.T) {
	t.Setenv("HOME", "/home/op")
	t.Setenv("SPOTCAST_STATE_DIR", "")
	t.Setenv("XDG_STATE_HOME", "")
	if got := StateDir(""); got != "/home/op/.local/state/spotcast" {
		t.Errorf("default = %s", got)
	}
	t.Setenv("XDG_STATE_HOME", "relative/ignored")
	if got := StateDir(""); got != "/home/op/.local/state/spotcast" {
		t.Errorf("relative XDG_STATE_HOME used: %s", got)
	}
	t.Setenv("XDG_STATE_HOME", "/xdg")
	if got := StateDir(""); got != "/xdg/spotcast" {
		t.Errorf("XDG = %s", got)
	}
	t.Setenv("SPOTCAST_STATE_DIR", "/env")
	if got := StateDir(""); got != "/env" {
		t.Errorf("env = %s", got)
	}
	if got := StateDir("/flag"); got != "/flag" {
		t.Errorf("flag = %s", got)
	}
}
