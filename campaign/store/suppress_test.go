package store

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"spotcast/campaign"
)

// sendsAPI is the engine's API port recording each request; refuse says
// which calls the API refuses.
type sendsAPI struct {
	mu     sync.Mutex
	got    [][]string
	refuse func(call int) bool
}

func (a *sendsAPI) SendRequest(_ context.Context, r campaign.Request) (campaign.SendOutcome, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	call := len(a.got)
	a.got = append(a.got, slices.Clone(r.Recipients))
	if a.refuse != nil && a.refuse(call) {
		return campaign.SendOutcome{}, errors.New("HTTP 400: not now")
	}
	return campaign.SendOutcome{Async: true, JobID: "job_" + r.Recipients[0], Status: "QUEUED"}, nil
}
func (*sendsAPI) GetJob(context.Context, string) (*campaign.Job, error) {
	return nil, errors.New("none")
}
func (*sendsAPI) HeadMedia(context.Context, string) (campaign.MediaInfo, error) {
	return campaign.MediaInfo{}, errors.New("none")
}

// The database is the engine's suppression list, and takes the resume's
// suppressed event without changing the batch.
func TestSuppressionAtSendAndResume(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		db := open(t, b.fresh(t))
		api := &sendsAPI{refuse: func(call int) bool { return call == 1 }}
		e := &campaign.Engine{API: api, Store: db, Suppressions: db}
		c := campaign.Campaign{Type: campaign.TypeText, Content: "hello",
			Recipients: []string{"919876500001", "919876500002", "919876500003", "919876500004", "919876500005"}}
		if _, err := db.Suppress([]string{"919876500001"}, "manual", ""); err != nil {
			t.Fatal(err)
		}
		sub, err := e.Submit(context.Background(), c, campaign.SubmitOptions{BatchSize: 2})
		if err == nil || sub.Suppressed != 1 || len(sub.Batches) != 2 {
			t.Fatalf("submit: %v, %+v", err, sub)
		}
		if _, err := db.Suppress([]string{"919876500004"}, "reply", "STOP"); err != nil {
			t.Fatal(err)
		}
		res, err := e.Resume(context.Background(), sub.CampaignID, false, false, campaign.SubmitOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(api.got) != 3 || !slices.Equal(api.got[2], []string{"919876500005"}) || res.Suppressed != 1 {
			t.Errorf("requests %v, resume suppressed %d", api.got, res.Suppressed)
		}
		for _, req := range api.got {
			if slices.Contains(req, "919876500001") {
				t.Errorf("a request body named a suppressed number: %v", api.got)
			}
		}
		rec, err := db.Campaign(sub.CampaignID)
		if err != nil || rec.Batches[1].State != campaign.StateAccepted {
			t.Errorf("batch 2 after resume: %v %+v", err, rec)
		}
	})
}

// A STOP reply keeps that number out of the next send's request body;
// START brings it back.
func TestStopReplyKeepsNumberOutOfNextSend(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		db := open(t, b.fresh(t))
		api := &sendsAPI{}
		e := &campaign.Engine{API: api, Store: db, Suppressions: db}
		c := campaign.Campaign{Type: campaign.TypeText, Content: "hello", Recipients: []string{"919876500001", "919876500002"}}
		now := time.Now()
		record(t, db, reply("919876500002", "STOP", now), now)
		sub, err := e.Submit(context.Background(), c, campaign.SubmitOptions{})
		if err != nil || sub.Suppressed != 1 || !slices.Equal(api.got[0], []string{"919876500001"}) {
			t.Fatalf("after STOP: %v, suppressed %d, body %v", err, sub.Suppressed, api.got)
		}
		later := now.Add(time.Minute)
		record(t, db, reply("919876500002", "start", later), later)
		sub, err = e.Submit(context.Background(), c, campaign.SubmitOptions{})
		if err != nil || sub.Suppressed != 0 || !slices.Equal(api.got[1], c.Recipients) {
			t.Errorf("after START: %v, suppressed %d, body %v", err, sub.Suppressed, api.got)
		}
	})
}
