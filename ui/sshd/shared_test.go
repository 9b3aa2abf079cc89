package sshd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"spotcast/campaign"
	"spotcast/campaign/store"
)

// Two servers of a team, each with its own state and import folders, share
// one database: an upload made on one is listed, and offered to the
// composer, on the other; one removed on either is gone from both; an
// upload from before the database is shared at the next session.
func TestUploadsAreSharedAcrossHosts(t *testing.T) {
	alice := newKey(t, "alice")
	dbPath := filepath.Join(t.TempDir(), "team.db")
	host := func() *harness {
		h := newHarness(t, alice.line())
		db, err := store.Open(context.Background(), store.Options{URL: "sqlite:" + dbPath})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		h.cfg.Store = db
		h.start()
		return h
	}
	a, b := host(), host()
	runA, runB := runner(t, a.mustDial(alice)), runner(t, b.mustDial(alice))

	csv := "name,Mobile\nAsha,98765 43210\nMina,09876543211\n"
	if _, errOut, code := runA("import march --phone-column Mobile --default-country IN", csv); code != 0 {
		t.Fatalf("import on A: exit %d, %s", code, errOut)
	}
	out, _, code := runB("ls", "")
	if code != 0 || !strings.Contains(out, "march.csv") || !strings.Contains(out, "2  ") {
		t.Fatalf("ls on B: exit %d\n%s", code, out)
	}
	// B's folder now holds the file as uploaded, with its options: what
	// the composer's picker reads.
	onB := filepath.Join(folderOf(b, alice), "march.csv")
	if data, _ := os.ReadFile(onB); string(data) != csv {
		t.Fatalf("march.csv on B holds %q", data)
	}
	if m, _ := campaign.ReadUploadMeta(onB); m == nil || m.PhoneColumn != "Mobile" || m.DefaultCountry != "IN" || !m.Shared {
		t.Fatalf("march.csv's options on B = %+v", m)
	}
	if u, _ := b.srv.store.Upload(uploadKey(&sessionState{id: identityOf(alice)}, "march.csv")); u == nil || len(u.Recipients) != 2 {
		t.Fatalf("the database's copy = %+v", u)
	}

	// Removed on B: gone from A too.
	if _, errOut, code := runB("rm march", ""); code != 0 {
		t.Fatalf("rm on B: exit %d, %s", code, errOut)
	}
	if out, _, _ := runA("ls", ""); strings.Contains(out, "march.csv") {
		t.Fatalf("ls on A after rm on B still lists it:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(folderOf(a, alice), "march.csv")); !os.IsNotExist(err) {
		t.Fatalf("march.csv is still in A's folder: %v", err)
	}

	// An upload from before the database (its sidecar beside it) is
	// shared by the next command there; a file copied in by hand stays
	// that host's own.
	old := filepath.Join(folderOf(a, alice), "old.csv")
	if err := os.WriteFile(old, []byte("phone\n+919876500001\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := campaign.WriteUploadMeta(old, campaign.UploadMeta{Rows: 1, Valid: 1, CheckedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(folderOf(a, alice), "mine.csv"), []byte("phone\n+919876500002\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	runA("ls", "")
	if out, _, _ := runB("ls", ""); !strings.Contains(out, "old.csv") || strings.Contains(out, "mine.csv") {
		t.Fatalf("want the old upload shared and the hand-copied file not:\n%s", out)
	}
}
