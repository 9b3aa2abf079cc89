//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package campaign

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// holdLock opens the campaign's lock file on a descriptor of its own and
// locks it, as another spotcast process would.
func holdLock(t *testing.T, dir, id string) *os.File {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(LockPath(dir, id)), 0o700); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(LockPath(dir, id), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	busy, err := tryLockFile(f)
	if err != nil || busy {
		f.Close()
		t.Fatalf("could not take the lock: busy %v, %v", busy, err)
	}
	return f
}

// Another process (here: another descriptor, which flock treats the same
// way) holds the campaign's lock: resume sends nothing and says why; once
// the lock is gone it sends.
func TestResumeRefusesCampaignLockedElsewhere(t *testing.T) {
	j, dir := openTestJournal(t)
	first := &fakeAPI{answer: func(int) error { return errors.New("HTTP 500") }}
	sub, err := Submit(context.Background(), j, testCampaign(20), SubmitOptions{BatchSize: 10}, first.send)
	if err == nil {
		t.Fatal("want the first batch rejected")
	}
	other := holdLock(t, dir, sub.CampaignID)

	api := &fakeAPI{}
	res, err := Resume(context.Background(), j, sub.CampaignID, false, SubmitOptions{}, api.send)
	if !errors.Is(err, ErrCampaignBusy) || res != nil || len(api.received) != 0 {
		t.Fatalf("resume while locked elsewhere: %v, %+v, sent %d; want busy, nothing sent", err, res, len(api.received))
	}
	want := "campaign " + sub.CampaignID + " is being sent by another spotcast process; wait for it or check `spotcast jobs`"
	if err.Error() != want {
		t.Errorf("error = %q\nwant %q", err, want)
	}
	other.Close()

	if _, err := Resume(context.Background(), j, sub.CampaignID, false, SubmitOptions{}, api.send); err != nil || len(api.received) != 2 {
		t.Errorf("resume after the lock was released: %v, sent %d, want 2", err, len(api.received))
	}
}

// Submit holds the lock file while it sends, so another process cannot
// resume the campaign mid-send, and lets it go when done.
func TestSubmitHoldsLockWhileSending(t *testing.T) {
	j, dir := openTestJournal(t)
	var id string
	checked := false
	api := &fakeAPI{}
	api.after = func(call int) {
		if call != 0 {
			return
		}
		recs, _, err := ReadJournal(j.Path())
		if err != nil || len(recs) != 1 {
			t.Errorf("journal during send: %v, %d campaigns", err, len(recs))
			return
		}
		id = recs[0].CampaignID
		f, err := os.OpenFile(LockPath(dir, id), os.O_RDWR, 0)
		if err != nil {
			t.Errorf("no lock file while sending: %v", err)
			return
		}
		defer f.Close()
		busy, err := tryLockFile(f)
		if err != nil || !busy {
			t.Errorf("lock file not held while sending: busy %v, %v", busy, err)
		}
		checked = true
	}
	if _, err := Submit(context.Background(), j, testCampaign(20), SubmitOptions{BatchSize: 10}, api.send); err != nil {
		t.Fatal(err)
	}
	if !checked {
		t.Fatal("the lock was not checked during the send")
	}
	st, err := os.Stat(LockPath(dir, id))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("lock file mode %v, want 0600", st.Mode().Perm())
	}
	holdLock(t, dir, id).Close() // free again after Submit
}

// Both guards on their own: the in-process claim (no lock file involved)
// and the lock file (no claim involved); a busy lock file leaves no claim
// behind.
func TestLockCampaignGuards(t *testing.T) {
	dir := t.TempDir()
	const id = "cmp_20261125T124501Z_abcdef"

	rel, err := lockCampaign("", id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockCampaign("", id); !errors.Is(err, ErrCampaignBusy) {
		t.Errorf("second in-process claim: %v, want busy", err)
	}
	rel()

	other := holdLock(t, dir, id)
	if _, err := lockCampaign(dir, id); !errors.Is(err, ErrCampaignBusy) || !strings.Contains(err.Error(), "spotcast jobs") {
		t.Errorf("lock held by another descriptor: %v, want busy", err)
	}
	other.Close()
	rel, err = lockCampaign(dir, id)
	if err != nil {
		t.Fatalf("after the other descriptor closed: %v", err)
	}
	rel()
}
