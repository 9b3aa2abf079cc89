// Package benchdata writes a realistic history of many campaigns into a
// state directory, for the benchmarks of the store and of `spotcast jobs`:
// a journal.jsonl and the campaign files beside it, as spotcast wrote them
// before the database. store.Open imports them in one transaction — the
// store's own code — which is much faster than one durable transaction per
// event. Nothing in the binary imports this package.
package benchdata

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"spotcast/campaign"
)

// Operators are the history's operators: local users and SSH keys.
var Operators = []string{
	"alice", "bob", "carol",
	"SHA256:q3L8hY0tQm2nVf1WcZk7s9XbRjD4uEpAo6iG5yHxNwM",
	"SHA256:Zb7Kp2xRm4Tq9Wv1Nc8Ls3Jd6Hf0Ge5Ya2Ui7Oo4Ep1",
	"SHA256:Mh5Rt8Yw2Qe6Iu0Op3As7Df1Gh4Jk9Lz6Xc2Vb8Nm5Q",
}

// Stats say what Write wrote.
type Stats struct {
	Campaigns, Batches, Events int
	// ByState counts the campaigns by how their send ended.
	ByState map[string]int
}

// Write writes n campaigns, created one every few minutes up to end,
// into stateDir: 1–20 batches each of 10, 50 or 100 recipients, from the
// operators in turn (not strictly), sent as spotcast sends them: about
// 60% every batch accepted (bulk jobs polled to COMPLETED, PROCESSING,
// QUEUED or FAILED with counts, or synchronous messages), 10% stopped by
// an unknown outcome, 10% by a rejection, 10% killed mid-send (a pending
// event and nothing after) and 10% created and never sent (scheduled for
// later or cancelled). The same seed writes the same history.
func Write(stateDir string, n int, end time.Time, seed uint64) (Stats, error) {
	st := Stats{ByState: map[string]int{}}
	r := rand.New(rand.NewPCG(seed, seed^0x5eed))
	if err := os.MkdirAll(filepath.Join(stateDir, "campaigns"), 0o700); err != nil {
		return st, err
	}
	f, err := os.OpenFile(filepath.Join(stateDir, campaign.JournalFile), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return st, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	enc := json.NewEncoder(w) // one line per event, as the journal
	emit := func(e campaign.Event) error {
		st.Events++
		return enc.Encode(e)
	}
	at := end.Add(-time.Duration(n) * 4 * time.Minute)
	for k := range n {
		at = at.Add(time.Duration(1+r.IntN(7)) * time.Minute)
		nb := 1 + r.IntN(20)
		size := []int{10, 50, 100}[r.IntN(3)]
		recips := (nb-1)*size + 1 + r.IntN(size)
		c := campaign.Campaign{Type: campaign.TypeText, Content: fmt.Sprintf("Offer %d: 20%% off this week. Reply STOP to opt out.", k)}
		for i := range recips {
			c.Recipients = append(c.Recipients, fmt.Sprintf("91%010d", (k*7919+i*104729)%10000000000))
		}
		op := Operators[(k+r.IntN(2))%len(Operators)]
		id := "cmp_" + at.UTC().Format("20060102T150405Z") + fmt.Sprintf("_%06x", k)
		reqs := c.Requests(size)
		plan := make([]campaign.BatchPlan, len(reqs))
		for i, q := range reqs {
			plan[i] = campaign.BatchPlan{Index: i, Recipients: len(q.Recipients), RequestHash: campaign.RequestHash(q)}
		}
		cf := campaign.CampaignFile{CampaignID: id, CreatedAt: at.UTC(), Operator: op, BatchSize: size, Campaign: c}
		data, err := json.Marshal(cf)
		if err != nil {
			return st, err
		}
		if err := os.WriteFile(campaign.CampaignPath(stateDir, id), data, 0o600); err != nil {
			return st, err
		}
		api := "https://api.whatsspot.example/v1"
		if k%9 == 0 {
			api = "https://eu.api.whatsspot.example/v1"
		}
		if err := emit(campaign.Event{Kind: campaign.EventCreated, At: at, CampaignID: id, CreatedAt: at.UTC(), Operator: op,
			Type: c.Type, Recipients: recips, BatchSize: size, Plan: plan, API: api}); err != nil {
			return st, err
		}
		st.Campaigns++
		st.Batches += len(reqs)
		t := at
		ev := func(kind campaign.EventKind, i int, e campaign.Event) error {
			t = t.Add(time.Duration(200+r.IntN(800)) * time.Millisecond)
			e.Kind, e.At, e.CampaignID, e.Batch = kind, t, id, &i
			return emit(e)
		}
		outcome := r.IntN(10)
		stopAt := r.IntN(len(reqs)) // the batch an unknown/rejected/killed send stopped at
		switch {
		case outcome == 9:
			st.ByState["never sent"]++
			continue
		case outcome == 8:
			st.ByState["killed mid-send"]++
		case outcome == 7:
			st.ByState["rejected"]++
		case outcome == 6:
			st.ByState["unknown"]++
		default:
			st.ByState["accepted"]++
			stopAt = len(reqs)
		}
		jobStatus := []string{"COMPLETED", "COMPLETED", "COMPLETED", "PROCESSING", "QUEUED", "FAILED"}[r.IntN(6)]
		for i, q := range reqs {
			if i > stopAt {
				break
			}
			if err := ev(campaign.EventPending, i, campaign.Event{}); err != nil {
				return st, err
			}
			if i == stopAt {
				var err error
				switch outcome {
				case 7:
					err = ev(campaign.EventRejected, i, campaign.Event{Error: "400 Bad Request: template not approved"})
				case 6:
					err = ev(campaign.EventUnknown, i, campaign.Event{Error: "Post \"" + api + "/messages/bulk\": read tcp: connection reset by peer"})
				}
				if err != nil {
					return st, err
				}
				break
			}
			if len(q.Recipients) <= campaign.BulkThreshold {
				var msgs []campaign.SentMessage
				for m := range q.Recipients {
					msgs = append(msgs, campaign.SentMessage{ID: fmt.Sprintf("msg_%x_%d_%d", k, i, m), Status: "sent"})
				}
				if err := ev(campaign.EventAccepted, i, campaign.Event{Messages: msgs}); err != nil {
					return st, err
				}
				continue
			}
			job := fmt.Sprintf("job_%x_%d", k, i)
			if err := ev(campaign.EventAccepted, i, campaign.Event{JobID: job, Status: "QUEUED"}); err != nil {
				return st, err
			}
			total, sent := len(q.Recipients), len(q.Recipients)
			failed, pending := 0, 0
			switch jobStatus {
			case "PROCESSING":
				sent, pending = total/2, total-total/2
			case "QUEUED":
				sent, pending = 0, total
			case "FAILED":
				sent, failed = 0, total
			}
			if err := ev(campaign.EventJob, i, campaign.Event{JobID: job, Status: jobStatus, Total: &total, Sent: &sent, Failed: &failed, Pending: &pending}); err != nil {
				return st, err
			}
		}
	}
	if err := w.Flush(); err != nil {
		return st, err
	}
	return st, f.Close()
}
