package webhooks

import (
	"context"
	"testing"
	"time"

	"spotcast/campaign"
	"spotcast/client"
	"spotcast/client/sandbox"
)

// The sandbox's webhooks reach a receiver over HTTP, signed, and give the
// funnel of what the sandbox made: sent, delivered, read, replied (STOP
// replies on the suppression list), failed — duplicates and out-of-order
// acks included.
func TestSandboxWebhooksGiveTheFunnel(t *testing.T) {
	db := openSQLite(t)
	h, srv := receiver(t, Config{Store: db, Now: time.Now})
	cfg := sandbox.DefaultWebhookConfig(srv.URL+Path, string(secret))
	cfg.Reply, cfg.Stop, cfg.Duplicate, cfg.MaxDelay = 0.2, 0.05, 0.2, 300*time.Millisecond
	sb := sandbox.New(sandbox.WithRate(3000), sandbox.WithFailRate(0.1), sandbox.WithSeed(7), sandbox.WithWebhooks(cfg))
	run, err := sb.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close(context.Background())
	cl := client.New(client.WithBaseURL(run.URL), client.WithAPIKey(sandbox.Key))

	c := campaign.Campaign{Type: campaign.TypeText, Content: "hello"}
	const n = 600
	for i := range n {
		c.Recipients = append(c.Recipients, number(i))
	}
	sub, err := campaign.Submit(context.Background(), db, c, campaign.SubmitOptions{BatchSize: 200, Operator: "alice",
		Target: campaign.Target{API: run.URL, Sandbox: true}}, cl.SendRequest)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	time.Sleep(300 * time.Millisecond) // the jobs' messages go out at 3,000/s
	if err := sb.FlushWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	ws := sb.WebhookStats()
	if ws.PostFailures != 0 || ws.Dropped != 0 || ws.Posted != ws.Events || ws.Sent+ws.Failed != n {
		t.Fatalf("sandbox webhooks: %+v", ws)
	}
	st := h.Stats()
	if st.Unauthorized != 0 || st.Duplicates == 0 || st.Stored+st.Duplicates != int64(ws.Posted) {
		t.Fatalf("receiver: %+v, sandbox %+v", st, ws)
	}
	rep := report(t, db, sub.CampaignID)
	want := rep.Funnel
	want.Sent, want.Delivered, want.Read, want.Replied, want.Failed = ws.Sent, ws.Delivered, ws.Read, ws.Replied, ws.Failed
	if rep.Funnel != want || rep.Funnel.Accepted != n || ws.Replied == 0 || ws.Failed == 0 || ws.Read == ws.Delivered {
		t.Fatalf("funnel %+v\nsandbox %+v", rep.Funnel, ws)
	}
	sup, err := db.Suppressions()
	if err != nil || len(sup) != ws.Stopped || ws.Stopped == 0 {
		t.Fatalf("%d suppressed (%v), %d STOP replies", len(sup), err, ws.Stopped)
	}
}
