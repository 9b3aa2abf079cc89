package campaign

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrCampaignBusy is what a busy campaign's error matches (errors.Is): some
// other send or resume of the same campaign holds its lock.
var ErrCampaignBusy = errors.New("campaign is being sent by another spotcast process")

type busyError struct{ id, detail string }

func (e busyError) Error() string {
	who := "another spotcast process"
	if e.detail != "" {
		who += " (" + e.detail + ")"
	}
	return fmt.Sprintf("campaign %s is being sent by %s; wait for it or check `spotcast jobs`", e.id, who)
}

func (e busyError) Is(target error) bool { return target == ErrCampaignBusy }

// LockPath is the lock file that keeps two processes from sending the same
// campaign at once (STATE/campaigns/ID.lock). It is never removed: deleting
// a lock file another process has just opened would let a third one lock a
// new file of the same name.
func LockPath(stateDir, campaignID string) string {
	return filepath.Join(stateDir, "campaigns", campaignID+".lock")
}

// lockCampaign takes the campaign's exclusive lock without waiting: the
// in-process claim first (goroutines of one process, e.g. SSH sessions),
// then the lock file, which excludes other processes — and other open
// descriptors in this one. stateDir "" takes only the in-process claim.
// The lock is held until release is called.
func lockCampaign(stateDir, campaignID string) (release func(), err error) {
	if err := CheckCampaignID(campaignID); err != nil {
		return nil, err
	}
	unclaim, ok := claim(campaignID)
	if !ok {
		return nil, busyError{campaignID, ""}
	}
	if stateDir == "" {
		return unclaim, nil
	}
	p := LockPath(stateDir, campaignID)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		unclaim()
		return nil, fmt.Errorf("creating state directory: %w", err)
	}
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		unclaim()
		return nil, fmt.Errorf("opening lock file %s: %w", p, err)
	}
	busy, err := tryLockFile(f)
	if err != nil || busy {
		f.Close()
		unclaim()
		if busy {
			return nil, busyError{campaignID, ""}
		}
		return nil, fmt.Errorf("locking %s: %w", p, err)
	}
	return func() {
		f.Close() // closing the descriptor releases the lock
		unclaim()
	}, nil
}
