package ui

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"spotcast/campaign"
	"spotcast/campaign/store"
)

// funnelSent is when the test campaign went out: an hour before the
// frozen clock.
var funnelSent = rootNow.Add(-time.Hour)

// funnelStore makes, in opts' state directory, a campaign of 10
// recipients (two requests of 5, the second refused) and webhook events:
// 5 accepted, 4 sent, 3 delivered, 2 read, 1 replied, 1 failed, one @lid
// ack unattributed. It returns the store (open, as the webhook receiver
// would hold it) and the campaign.
func funnelStore(t *testing.T, opts Options) (*store.DB, string) {
	t.Helper()
	db, err := store.Open(context.Background(), store.Options{StateDir: opts.StateDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := campaign.Campaign{Type: campaign.TypeText, Content: "hello"}
	for i := range 10 {
		c.Recipients = append(c.Recipients, fmt.Sprintf("4477009000%02d", i))
	}
	n := 0
	sub, _ := campaign.Submit(context.Background(), db, c, campaign.SubmitOptions{
		BatchSize: 5, Operator: opts.Operator, Now: func() time.Time { return funnelSent },
		Target: campaign.Target{API: "https://api.example.test"},
	}, func(_ context.Context, r campaign.Request) (campaign.SendOutcome, error) {
		n++
		if n == 2 {
			return campaign.SendOutcome{}, fmt.Errorf("invalid number")
		}
		return campaign.SendOutcome{Async: true, JobID: "job_f", Status: "QUEUED"}, nil
	})
	if sub == nil {
		t.Fatal("no submission")
	}
	for i, body := range []string{
		`{"event":"message.ack","data":{"id":"true_447700900000@c.us_A","status":"READ"}}`,
		`{"event":"message.ack","data":{"id":"true_447700900001@c.us_B","status":"READ"}}`,
		`{"event":"message.ack","data":{"id":"true_447700900002@c.us_C","status":"DELIVERED"}}`,
		`{"event":"message.ack","data":{"id":"true_447700900003@c.us_D","status":"SENT"}}`,
		`{"event":"message.ack","data":{"id":"true_447700900003@c.us_D","ack":-1}}`,
		`{"event":"message.ack","data":{"id":"true_12345@lid_X","status":"READ"}}`,
		fmt.Sprintf(`{"event":"message.received","data":{"id":"false_447700900000@c.us_R","from":"447700900000","body":"thanks","timestamp":%d}}`, funnelSent.Add(time.Minute).Unix()),
	} {
		recordAt(t, db, body, funnelSent.Add(time.Duration(i+1)*time.Minute))
	}
	return db, sub.CampaignID
}

func recordAt(t *testing.T, db *store.DB, body string, at time.Time) {
	t.Helper()
	e, err := campaign.ParseWebhook([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordWebhook(e, []byte(body), at, store.WebhookOptions{}); err != nil {
		t.Fatal(err)
	}
}

// funnelJobs is the Jobs screen on the funnel store, its list and the
// funnel read.
func funnelJobs(t *testing.T, opts Options) (*Model, *store.DB, string) {
	t.Helper()
	db, id := funnelStore(t, opts)
	opts.JobsOnly = true
	m, ff, _ := jobsTestModel(t, opts)
	ff.jobs["job_f"] = campaign.Job{ID: "job_f", Status: "COMPLETED", Total: idx(5), Sent: idx(5), Failed: idx(0), Pending: idx(0)}
	feed(m, m.Init())
	return m, db, id
}

// funnelGolden compares the view with the campaign's random ID named
// cmp_FUNNEL.
func funnelGolden(t *testing.T, m tea.Model, id string) {
	t.Helper()
	golden(t, strings.ReplaceAll(t.Name(), "/", "_"), strings.ReplaceAll(rootView(m), id, "cmp_FUNNEL"))
}

func TestFunnelOnJobsScreen(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {60, 16}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			m, _, id := funnelJobs(t, rootOptions(t))
			m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			rootHas(t, m, "Funnel", "as of 16:37:00", "delivered 3 30", "not sent 5 50", "f funnel")
			funnelGolden(t, m, id)
		})
	}
}

func TestFunnelOnProgressView(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {60, 16}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			m, _, id := funnelJobs(t, rootOptions(t))
			feed(m, rootPress(m, "enter"))
			if m.active != stepProgress {
				t.Fatalf("enter opened %s", m.active)
			}
			m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			rootHas(t, m, "Funnel", "replied 1 10")
			funnelGolden(t, m, id)
		})
	}
}

// The funnel follows the webhooks on its tick; a report for a campaign no
// longer shown is dropped.
func TestFunnelRefreshesOnItsTick(t *testing.T) {
	m, db, _ := funnelJobs(t, rootOptions(t))
	recordAt(t, db, `{"event":"message.ack","data":{"id":"true_447700900004@c.us_E","status":"DELIVERED"}}`, rootNow)
	rootHas(t, m, "delivered 3 30.0%")
	gen := m.jobs.funnel.gen
	feed(m, func() tea.Msg { return funnelTickMsg{owner: "jobs", gen: gen} })
	rootHas(t, m, "delivered 4 40.0%", "sent 5 50.0%", "as of 17:30:00")
	stale := &campaign.Report{CampaignID: "cmp_other", Recipients: 99, AsOf: rootNow}
	m.Update(funnelReportMsg{owner: "jobs", gen: gen - 1, rep: stale})
	m.Update(funnelReportMsg{owner: "progress", gen: gen, rep: stale})
	rootLacks(t, m, "99 recipients")
}

// f drills into a status: its recipients, virtualised, exported as CSV
// beside the progress view's exports; esc goes back a level at a time.
func TestFunnelDrillDownAndExport(t *testing.T) {
	for _, ssh := range []bool{false, true} {
		t.Run(map[bool]string{false: "local", true: "ssh"}[ssh], func(t *testing.T) {
			opts := rootOptions(t)
			want := filepath.Join(opts.StateDir, "exports")
			if ssh {
				opts.ImportDir = t.TempDir()
				opts.OwnCampaignsOnly = true
				want = filepath.Join(opts.ImportDir, "exports")
			}
			m, _, id := funnelJobs(t, opts)
			rootPress(m, "f")
			if !m.isModal() {
				t.Fatal("f did not open the drill-down")
			}
			rootHas(t, m, "› accepted", "suppressed", "enter lists")
			feed(m, rootPress(m, "down", "down", "enter"))
			rootHas(t, m, "delivered · 3 recipients", "+447700900000", "+447700900002", "e export CSV")
			if !ssh {
				funnelGolden(t, m, id)
			}
			feed(m, rootPress(m, "e"))
			files, _ := filepath.Glob(filepath.Join(want, "delivered-"+id+"-*.csv"))
			if len(files) != 1 {
				t.Fatalf("exports in %s: %v\n%s", want, files, rootView(m))
			}
			f, err := os.Open(files[0])
			if err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(f).ReadAll()
			f.Close()
			if err != nil || len(rows) != 4 || strings.Join(rows[0], ",") != "recipient,status,updatedAt,error" ||
				rows[1][0] != "+447700900000" || rows[1][1] != "replied" || rows[3][1] != "delivered" {
				t.Fatalf("export: %v %q", err, rows)
			}
			if ssh {
				rootHas(t, m, "exported to exports/delivered-")
				rootLacks(t, m, opts.ImportDir)
			} else {
				rootHas(t, m, "exported to "+want)
			}
			// Not sent: the refused request's error, made inert.
			rootPress(m, "esc")
			rootHas(t, m, "› delivered")
			feed(m, rootPress(m, "down", "down", "down", "down", "down", "enter"))
			rootHas(t, m, "not sent · 5 recipients", "+447700900005", "rejected")
			rootPress(m, "esc", "esc")
			if m.isModal() || m.active != stepJobs {
				t.Fatalf("esc esc left the drill-down open (%s)", m.active)
			}
			rootHas(t, m, "Campaigns")
		})
	}
}

// A reply for an earlier pick is dropped; a drill-down of the progress
// view does not take the Jobs screen's replies.
func TestFunnelDropsStaleRecipients(t *testing.T) {
	m, _, _ := funnelJobs(t, rootOptions(t))
	rootPress(m, "f", "enter") // accepted: its command is not run
	gen := m.jobs.funnel.gen
	m.Update(funnelRecipientsMsg{owner: "jobs", gen: gen, status: "failed", rows: []campaign.RecipientState{{Recipient: "1999"}}})
	m.Update(funnelRecipientsMsg{owner: "progress", gen: gen, status: "accepted", rows: []campaign.RecipientState{{Recipient: "1888"}}})
	rootLacks(t, m, "+1999", "+1888")
	rootHas(t, m, "Reading the recipients…")
}

// device.disconnected: a warning in the header of every screen until a
// later event shows the device back.
func TestDeviceDisconnectedWarning(t *testing.T) {
	opts := rootOptions(t)
	db, id := funnelStore(t, opts)
	recordAt(t, db, `{"event":"device.disconnected","data":{}}`, funnelSent.Add(32*time.Minute))
	m := rootModel(t, opts)
	feed(m, m.Init())
	feed(m, func() tea.Msg { return deviceTickMsg{} })
	const warn = "⚠ WhatsApp device disconnected since 17:02 — messages wait until it is back"
	rootHas(t, m, warn)
	funnelGolden(t, m, id)
	feed(m, rootPress(m, "J"))
	rootHas(t, m, warn, "Campaigns")
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 16})
	rootHas(t, m, "⚠ WhatsApp device disconnected since 17:02 — messages wai…")
	recordAt(t, db, `{"event":"message.ack","data":{"id":"true_447700900004@c.us_E","status":"SENT"}}`, rootNow)
	feed(m, func() tea.Msg { return deviceTickMsg{} })
	rootLacks(t, m, "disconnected")
}
