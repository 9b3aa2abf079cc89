package ui

import (
	"slices"
	"strings"
	"sync"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"spotcast/campaign"
)

// optedOut is a suppression list for the engine.
type optedOut map[string]bool

func (o optedOut) SuppressedSet() (map[string]bool, error) { return o, nil }

// Recipients and Review show how many were left out because they opted
// out; the engine decides who, the screens only show it, and the send
// leaves them out.
func TestSuppressedCountOnRecipientsAndReview(t *testing.T) {
	srv, cl := startSandbox(t)
	nums := numbers(6)
	dir := t.TempDir()
	csvPath := writeFile(t, dir, "list.csv", "phone\n+"+strings.Join(nums[:4], "\n+")+"\n")
	opts := rootOptions(t)
	opts.Engine = engineFor(cl)
	off := optedOut{nums[1]: true, nums[4]: true}
	opts.Engine.Suppressions = off
	var mu sync.Mutex
	var sub *campaign.Submission
	opts.OnSubmit = func(s *campaign.Submission, _ error) { mu.Lock(); sub = s; mu.Unlock() }
	opts.CSVPath = csvPath
	// nums[1] is in the list and typed; nums[4] typed only; nums[5] is fine.
	m := reviewModel(t, opts, campaign.Campaign{Type: campaign.TypeText, Content: "Hi", Recipients: []string{nums[1], nums[4], nums[5]}})
	pump(t, m, tea.Batch(m.initCmds...)) // the list read, the import done

	rootHas(t, m, "4 recipients · 0 groups", "2 suppressed (opted out)")
	m.goTo(stepRecipients)
	rootHas(t, m, "2 suppressed (opted out)")

	// Someone on the list opts out since: read as Recipients opens.
	off[nums[2]] = true
	pump(t, m, m.recipients.Focus())
	rootHas(t, m, "3 suppressed (opted out)")
	pump(t, m, m.goTo(stepReview))
	rootHas(t, m, "3 recipients · 0 groups", "3 suppressed (opted out)")
	// One more just before the send: the engine leaves them out too.
	off[nums[3]] = true
	rootPress(m, "enter")
	rootRun(m, rootPress(m, "y"), 2)
	sends := srv.Sends()
	if len(sends) != 1 {
		t.Fatalf("%d requests, want 1", len(sends))
	}
	for _, n := range []string{nums[1], nums[2], nums[3], nums[4]} {
		if slices.Contains(sends[0].Recipients, n) {
			t.Errorf("%s opted out but is in the request body %v", n, sends[0].Recipients)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if sub == nil || sub.Suppressed != 4 || len(sends[0].Recipients) != 2 {
		t.Errorf("submission %+v, body %v: want 4 suppressed (3 shown, 1 more at send) and 2 sent", sub, sends[0].Recipients)
	}
}

// Nobody opted out: no count anywhere.
func TestNoSuppressedCountWhenNoneOptedOut(t *testing.T) {
	_, cl := startSandbox(t)
	opts := rootOptions(t)
	opts.Engine = engineFor(cl)
	opts.Engine.Suppressions = optedOut{}
	m := reviewModel(t, opts, campaign.Campaign{Type: campaign.TypeText, Content: "Hi", Recipients: numbers(2)})
	pump(t, m, tea.Batch(m.initCmds...))
	rootLacks(t, m, "suppressed")
	m.goTo(stepRecipients)
	rootLacks(t, m, "suppressed")
}
