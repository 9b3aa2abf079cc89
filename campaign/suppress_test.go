package campaign

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// engineAPI is the engine's API port over a fakeAPI: sends only.
type engineAPI struct{ *fakeAPI }

func (a engineAPI) SendRequest(ctx context.Context, r Request) (SendOutcome, error) {
	return a.send(ctx, r)
}
func (engineAPI) GetJob(context.Context, string) (*Job, error) {
	return nil, errors.New("no jobs here")
}
func (engineAPI) HeadMedia(context.Context, string) (MediaInfo, error) {
	return MediaInfo{}, errors.New("no media here")
}

// optedOut is a suppression list that can change between calls.
type optedOut map[string]bool

func (o optedOut) SuppressedSet() (map[string]bool, error) { return o, nil }

func received(api *fakeAPI) []string {
	var all []string
	for _, r := range api.received {
		all = append(all, r...)
	}
	return all
}

// Submit leaves out who opted out before planning, and says how many in
// the created event with those the face left out already.
func TestSubmitLeavesOutSuppressed(t *testing.T) {
	j, _ := openTestJournal(t)
	api := &fakeAPI{}
	nums := numbers(12)
	off := optedOut{nums[0]: true, nums[7]: true}
	e := &Engine{API: engineAPI{api}, Store: j, Suppressions: off}
	sub, err := e.Submit(context.Background(), testCampaign(12), SubmitOptions{BatchSize: 5, LeftOut: 3})
	if err != nil {
		t.Fatal(err)
	}
	got := received(api)
	if len(got) != 10 || slices.Contains(got, nums[0]) || slices.Contains(got, nums[7]) {
		t.Errorf("sent to %v: want the 10 who did not opt out", got)
	}
	if sub.Suppressed != 5 || len(sub.Batches) != 2 {
		t.Errorf("Suppressed = %d, batches %d: want 5 (3 at import, 2 at send) and 2 batches of 5", sub.Suppressed, len(sub.Batches))
	}
	cf, rec, err := j.LoadCampaign(sub.CampaignID)
	if err != nil || rec.Recipients != 10 || len(cf.Campaign.Recipients) != 10 {
		t.Errorf("stored campaign: %v recipients %d, file %d", err, rec.Recipients, len(cf.Campaign.Recipients))
	}

	// Everyone opted out and no group: nothing to plan, nothing sent.
	c := testCampaign(2)
	c.GroupIDs = nil
	api2 := &fakeAPI{}
	e = &Engine{API: engineAPI{api2}, Store: j, Suppressions: optedOut{nums[0]: true, nums[1]: true}}
	_, err = e.Submit(context.Background(), c, SubmitOptions{})
	var all *AllSuppressedError
	if !errors.As(err, &all) || all.Suppressed != 2 || len(api2.received) != 0 {
		t.Errorf("all suppressed: err %v, %d sends", err, len(api2.received))
	}
}

// A number that opts out after planning is dropped from the batches not
// yet sent, checked against the plan first and journaled; nobody gets the
// message twice.
func TestResumeDropsNumbersSuppressedSincePlanning(t *testing.T) {
	j, _ := openTestJournal(t)
	nums := numbers(15)
	api := &fakeAPI{answer: func(call int) error {
		if call == 1 {
			return errors.New("HTTP 400: try later")
		}
		return nil
	}}
	c := testCampaign(15)
	c.GroupIDs = nil
	off := optedOut{}
	e := &Engine{API: engineAPI{api}, Store: j, Suppressions: off}
	sub, err := e.Submit(context.Background(), c, SubmitOptions{BatchSize: 5})
	if err == nil || sub.Batches[1].State != StateRejected {
		t.Fatalf("Submit: %v %+v", err, sub.Batches)
	}
	// nums[0] was sent in batch 1 (nothing to drop there); nums[6] (batch
	// 2) and nums[14] (batch 3) opt out now.
	off[nums[0]], off[nums[6]], off[nums[14]] = true, true, true
	res, err := e.Resume(context.Background(), sub.CampaignID, false, false, SubmitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The first request was batch 1, the second batch 2's refused one.
	after := slices.Concat(api.received[2:]...)
	if len(after) != 8 || slices.Contains(after, nums[6]) || slices.Contains(after, nums[14]) {
		t.Errorf("resumed sends %v: want batches 2 and 3 without the two who opted out", after)
	}
	if res.Suppressed != 2 || res.Batches[1].Recipients != 4 || res.Batches[2].Recipients != 4 {
		t.Errorf("resume: Suppressed %d, batches %+v", res.Suppressed, res.Batches)
	}
	kinds := strings.Join(journalKinds(t, j.Path()), ",")
	if !strings.HasSuffix(kinds, "rejected 1,suppressed 1,suppressed 2,pending 1,accepted 1,pending 2,accepted 2") {
		t.Errorf("journal %s: want a suppressed event before each trimmed batch", kinds)
	}
	rec, _ := j.Campaign(sub.CampaignID)
	if got := resultStates(res.Batches); got != "accepted accepted accepted" {
		t.Errorf("resumed states %s", got)
	}
	if rec.Batches[2].State != StateAccepted {
		t.Errorf("journal folds batch 3 as %s", rec.Batches[2].State)
	}
}

// A batch whose every recipient opted out is not sent at all.
func TestResumeSkipsBatchLeftEmpty(t *testing.T) {
	j, _ := openTestJournal(t)
	nums := numbers(4)
	api := &fakeAPI{answer: func(call int) error {
		if call == 0 {
			return errors.New("HTTP 400: no")
		}
		return nil
	}}
	c := testCampaign(4)
	c.GroupIDs = nil
	off := optedOut{}
	e := &Engine{API: engineAPI{api}, Store: j, Suppressions: off}
	sub, _ := e.Submit(context.Background(), c, SubmitOptions{BatchSize: 2})
	off[nums[0]], off[nums[1]] = true, true
	res, err := e.Resume(context.Background(), sub.CampaignID, false, false, SubmitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(api.received); n != 2 || fmt.Sprint(api.received[1]) != fmt.Sprint(nums[2:]) {
		t.Errorf("requests %v: want the refused one, then batch 2 only", api.received)
	}
	var all *AllSuppressedError
	if !errors.As(res.Batches[0].Err, &all) || res.Batches[0].State != StatePending {
		t.Errorf("batch 1: %+v", res.Batches[0])
	}
}

// Import counts the suppressed numbers and never hands them on.
func TestImportLeavesOutSuppressed(t *testing.T) {
	in := "phone\n+919999900001\n+919999900002\n+919999900002\n+919999900003\n"
	rep, err := Import(context.Background(), strings.NewReader(in), 0, ImportOptions{Suppressed: map[string]bool{"919999900002": true}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Valid != 2 || rep.Suppressed != 1 || rep.Duplicates != 1 || strings.Join(rep.Phones(), ",") != "919999900001,919999900003" {
		t.Errorf("report: valid %d suppressed %d duplicates %d phones %v", rep.Valid, rep.Suppressed, rep.Duplicates, rep.Phones())
	}
}
