package cli_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"spotcast/campaign"
	"spotcast/campaign/store"
)

// funnelState is a state directory with one campaign of 10 recipients
// (two requests of 5, the second refused) and webhook events for it: the
// first 5 are accepted, 4 sent, 3 delivered, 2 read, 1 replied, 1 failed;
// an @lid ack is unattributed; the device disconnected last.
func funnelState(t *testing.T) (stateDir, campaignID string) {
	t.Helper()
	stateDir = filepath.Join(t.TempDir(), "state")
	db, err := store.Open(context.Background(), store.Options{StateDir: stateDir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sent := time.Now().Add(-time.Hour).UTC()
	c := campaign.Campaign{Type: campaign.TypeText, Content: "hello"}
	for i := range 10 {
		c.Recipients = append(c.Recipients, fmt.Sprintf("4477009000%02d", i))
	}
	n := 0
	sub, err := campaign.Submit(context.Background(), db, c, campaign.SubmitOptions{
		BatchSize: 5, Now: func() time.Time { return sent }, Target: campaign.Target{API: "https://api.example.test"},
	}, func(_ context.Context, r campaign.Request) (campaign.SendOutcome, error) {
		n++
		if n == 2 {
			return campaign.SendOutcome{}, errors.New("=bad request")
		}
		return campaign.SendOutcome{Async: true, JobID: "job_1", Status: "QUEUED"}, nil
	})
	if sub == nil {
		t.Fatalf("submit: %v", err)
	}
	events := []string{
		`{"event":"message.ack","data":{"id":"true_447700900000@c.us_A","status":"READ"}}`,
		`{"event":"message.ack","data":{"id":"true_447700900001@c.us_B","status":"READ"}}`,
		`{"event":"message.ack","data":{"id":"true_447700900002@c.us_C","status":"DELIVERED"}}`,
		`{"event":"message.ack","data":{"id":"true_447700900003@c.us_D","status":"SENT"}}`,
		`{"event":"message.ack","data":{"id":"true_447700900003@c.us_D","ack":-1}}`,
		`{"event":"message.ack","data":{"id":"true_447700900001@c.us_B","status":"SENT"}}`,
		`{"event":"message.ack","data":{"id":"true_12345@lid_X","status":"READ"}}`,
		fmt.Sprintf(`{"event":"message.received","data":{"id":"false_447700900000@c.us_R","from":"447700900000","body":"thanks","timestamp":%d}}`, sent.Add(time.Minute).Unix()),
		`{"event":"device.disconnected","data":{}}`,
	}
	for i, body := range events {
		e, err := campaign.ParseWebhook([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.RecordWebhook(e, []byte(body), sent.Add(time.Duration(i+1)*time.Minute), store.WebhookOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return stateDir, sub.CampaignID
}

func TestReportFunnel(t *testing.T) {
	state, id := funnelState(t)
	env := runOpts{env: []string{"SPOTCAST_STATE_DIR=" + state}}

	r := run(t, env, "report", id, "--json")
	if r.code != 0 {
		t.Fatal(r)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, r)
	}
	want := map[string]float64{"accepted": 5, "sent": 4, "delivered": 3, "read": 2, "replied": 1, "failed": 1, "suppressed": 0, "notSent": 5, "unknown": 0}
	funnel, _ := got["funnel"].(map[string]any)
	if len(funnel) != len(want) {
		t.Fatalf("funnel keys: %v\n%s", funnel, r)
	}
	for k, v := range want {
		if funnel[k] != v {
			t.Errorf("funnel.%s = %v, want %v", k, funnel[k], v)
		}
	}
	if got["campaignId"] != id || got["recipients"] != 10.0 || got["unattributed"] != 1.0 || len(got) != 5 {
		t.Fatalf("report: %v", got)
	}
	if asOf, _ := got["asOf"].(string); !strings.HasSuffix(asOf, "Z") {
		t.Fatalf("asOf %q is not UTC", asOf)
	}

	r = run(t, env, "report", id)
	if r.code != 0 {
		t.Fatal(r)
	}
	for _, line := range []string{"WhatsApp device disconnected since", "10 recipients, as of", "delivered  3   30.0%", "not sent  5   50.0%", "unattributed events since the campaign: 1"} {
		if !strings.Contains(strings.Join(strings.Fields(r.stdout), " "), strings.Join(strings.Fields(line), " ")) {
			t.Errorf("report lacks %q\n%s", line, r)
		}
	}

	r = run(t, env, "report", id, "--recipients", "Not sent")
	if r.code != 0 {
		t.Fatal(r)
	}
	rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil || len(rows) != 6 || strings.Join(rows[0], ",") != "recipient,status,updatedAt,error" {
		t.Fatalf("CSV: %v\n%s", err, r)
	}
	if rows[1][0] != "+447700900005" || rows[1][1] != "rejected" || !strings.HasPrefix(rows[1][3], "'") {
		t.Fatalf("first not-sent row %q (want +E.164, rejected, an inert error)", rows[1])
	}
	r = run(t, env, "report", id, "--recipients", "failed")
	if r.code != 0 || !strings.Contains(r.stdout, "+447700900003,failed,") {
		t.Fatalf("failed recipients\n%s", r)
	}

	r = run(t, env, "report", id, "--recipients", "bounced")
	if r.code != 2 || !strings.Contains(r.stderr, "delivered") || !strings.Contains(r.stderr, "notsent") {
		t.Fatalf("unknown status: want exit 2 naming the valid ones\n%s", r)
	}
	r = run(t, env, "report", "cmp_20990101T000000Z_000000")
	if r.code != 2 || !strings.Contains(r.stderr, "spotcast jobs") {
		t.Fatalf("unknown campaign: want exit 2 naming spotcast jobs\n%s", r)
	}
	r = run(t, env, "jobs")
	if r.code != 0 || !strings.Contains(r.stdout, "WhatsApp device disconnected since") {
		t.Fatalf("jobs: want the device warning\n%s", r)
	}
}
