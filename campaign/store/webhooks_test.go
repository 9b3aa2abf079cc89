package store

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"spotcast/campaign"
)

// ack is the body WhatsSpot posts when a message to number reaches status.
func ack(number, msg, status string) []byte {
	return fmt.Appendf(nil, `{"event":"message.ack","data":{"id":"true_%s@c.us_%s","status":%q}}`, number, msg, status)
}

func reply(number, text string, at time.Time) []byte {
	return fmt.Appendf(nil, `{"event":"message.received","data":{"id":"false_%s@c.us_R%d","from":%q,"body":%q,"timestamp":%d}}`,
		number, at.UnixNano(), number, text, at.Unix())
}

func record(t *testing.T, s *DB, body []byte, at time.Time) WebhookResult {
	t.Helper()
	e, err := campaign.ParseWebhook(body)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.RecordWebhook(e, body, at, WebhookOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// 2,000 acks for 400 recipients, shuffled, a fifth of them twice: the
// funnel is exact, statuses only rise, and @lid acks are unattributed.
func TestFunnelFromShuffledDuplicatedAcks(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		s := open(t, b.fresh(t))
		const n = 400 // the receiver's test over HTTP takes 10,000
		sub, err := submit(t, s, n, 100, "alice", t0, nil)
		if err != nil {
			t.Fatal(err)
		}
		rec, _ := s.Campaign(sub.CampaignID)
		if rec.Batches[0].State != campaign.StateAccepted {
			t.Fatalf("batch 1: %+v", rec.Batches[0])
		}
		// Recipient i reaches: i%5 == 0 sent, 1 delivered, 2 read, 3 read
		// then error (failed), 4 nothing.
		var bodies [][]byte
		want := Funnel{Accepted: n}
		for i := range n {
			num := fmt.Sprintf("9198765%05d", i)
			steps := []string{"SENT", "DELIVERED", "READ"}[:min(i%5+1, 3)]
			switch i % 5 {
			case 0:
				want.Sent++
			case 1:
				want.Sent++
				want.Delivered++
			case 2, 3:
				want.Sent++
				want.Delivered++
				want.Read++
			case 4:
				steps = nil
			}
			if i%5 == 3 {
				steps = append(steps, "ERROR")
				want.Failed++
			}
			for _, st := range steps {
				bodies = append(bodies, ack(num, "M"+num, st))
			}
		}
		for i := 0; len(bodies) < 2000; i++ { // chats that are not phone numbers
			bodies = append(bodies, fmt.Appendf(nil, `{"event":"message.ack","data":{"id":"true_%d@lid_X%d","status":"READ"}}`, 100000+i, i))
		}
		distinct := len(bodies)
		for i := range distinct / 5 {
			bodies = append(bodies, bodies[i*5])
		}
		rand.New(rand.NewPCG(1, 2)).Shuffle(len(bodies), func(i, j int) { bodies[i], bodies[j] = bodies[j], bodies[i] })
		at := t0.Add(time.Minute)
		dups := 0
		for _, body := range bodies {
			if record(t, s, body, at).Duplicate {
				dups++
			}
		}
		if dups != distinct/5 {
			t.Fatalf("%d duplicates seen, want %d", dups, distinct/5)
		}
		rep, err := s.Report(sub.CampaignID)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Funnel != want {
			t.Fatalf("funnel = %+v\nwant     %+v", rep.Funnel, want)
		}
		if rep.Unattributed == 0 {
			t.Fatal("@lid acks were attributed")
		}
		failed, err := s.RecipientsWith(sub.CampaignID, "failed")
		if err != nil || len(failed) != want.Failed || failed[0].Status != "failed" {
			t.Fatalf("failed recipients: %d (%v), want %d", len(failed), err, want.Failed)
		}
	})
}

// A STOP reply suppresses its number (and counts as Replied); START takes
// it off; the most recent campaign to the number gets the reply.
func TestRepliesOptOutAndIn(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		s := open(t, b.fresh(t))
		old, _ := submit(t, s, 3, 0, "", t0, nil)
		newer, _ := submit(t, s, 3, 0, "", t0.Add(time.Hour), nil)
		num := "919876500001"
		r := record(t, s, reply(num, " Stop ", t0.Add(2*time.Hour)), t0.Add(2*time.Hour))
		if !r.OptedOut || r.CampaignID != newer.CampaignID {
			t.Fatalf("STOP: %+v (want attributed to %s, not %s)", r, newer.CampaignID, old.CampaignID)
		}
		set, _ := s.SuppressedSet()
		if !set[num] {
			t.Fatal("STOP did not suppress the number")
		}
		list, _ := s.Suppressions()
		if len(list) != 1 || list[0].Source != "reply" {
			t.Fatalf("suppressions = %+v", list)
		}
		rep, _ := s.Report(newer.CampaignID)
		if rep.Funnel.Replied != 1 || rep.Funnel.Read != 1 {
			t.Fatalf("funnel after the reply: %+v", rep.Funnel)
		}
		// Long after the campaign: a reply, but not Replied for it.
		late := t0.Add(5 * 24 * time.Hour)
		if r := record(t, s, reply("919876500002", "hello", late), late); r.CampaignID != "" {
			t.Fatalf("a reply 4 days later was attributed: %+v", r)
		}
		if r := record(t, s, reply(num, "START", late), late); !r.OptedIn {
			t.Fatalf("START: %+v", r)
		}
		if set, _ := s.SuppressedSet(); set[num] {
			t.Fatal("START did not take the number off")
		}
		if n, _ := s.Suppress([]string{"447700900001", "447700900001"}, "manual", ""); n != 1 {
			t.Fatalf("manual suppress added %d", n)
		}
		if n, _ := s.Unsuppress([]string{"447700900001", "nope"}); n != 1 {
			t.Fatalf("unsuppress removed %d", n)
		}
	})
}

func TestDeviceDisconnectedUntilAnEventShowsItBack(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		s := open(t, b.fresh(t))
		if at, _ := s.DeviceDisconnected(); !at.IsZero() {
			t.Fatal("disconnected before any event")
		}
		record(t, s, []byte(`{"event":"device.disconnected","data":{}}`), t0)
		if at, _ := s.DeviceDisconnected(); !at.Equal(t0) {
			t.Fatalf("disconnected at %v, want %v", at, t0)
		}
		record(t, s, ack("919876500001", "M1", "SENT"), t0.Add(time.Minute))
		if at, _ := s.DeviceDisconnected(); !at.IsZero() {
			t.Fatal("still disconnected after an ack")
		}
	})
}
