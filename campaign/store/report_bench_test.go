package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"spotcast/campaign"
	"spotcast/campaign/store/pgtest"
)

// BenchmarkReport1M is a 1,000,000-recipient campaign's funnel (Report)
// on each engine, after its statuses were spread by webhooks: sent,
// delivered, read, replied and failed all present.
//
//	go test ./campaign/store -run '^$' -bench Report1M -benchtime 20x
func BenchmarkReport1M(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			url := "sqlite:" + filepath.Join(b.TempDir(), "spotcast.db")
			if engine == "postgres" {
				url = pgtest.URL(b)
			}
			s, err := Open(context.Background(), Options{URL: url})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			const n = 1_000_000
			c := campaign.Campaign{Type: campaign.TypeText, Content: "hello"}
			c.Recipients = make([]string, n)
			for i := range n {
				c.Recipients[i] = fmt.Sprintf("91%010d", i)
			}
			start := time.Now()
			sub, err := campaign.Submit(context.Background(), s, c, campaign.SubmitOptions{
				BatchSize: 10_000, Now: func() time.Time { return t0 }, Target: campaign.Target{API: "https://api.example.test"},
			}, acceptAll(new(atomic.Int64)))
			if err != nil {
				b.Fatal(err)
			}
			// What a day of webhooks leaves: by the last digit, 0-1 read,
			// 2-4 delivered, 5-7 sent, 8 failed, 9 nothing; 0 replied.
			for _, u := range []string{
				`UPDATE recipients SET status = 3, updated_at = 1 WHERE substr(recipient, length(recipient), 1) IN ('0', '1')`,
				`UPDATE recipients SET status = 2, updated_at = 1 WHERE substr(recipient, length(recipient), 1) IN ('2', '3', '4')`,
				`UPDATE recipients SET status = 1, updated_at = 1 WHERE substr(recipient, length(recipient), 1) IN ('5', '6', '7')`,
				`UPDATE recipients SET failed = 1, updated_at = 1 WHERE substr(recipient, length(recipient), 1) = '8'`,
				`UPDATE recipients SET replied_at = 1 WHERE substr(recipient, length(recipient), 1) = '0'`,
			} {
				if _, err := s.db.ExecContext(ctx, u); err != nil {
					b.Fatal(err)
				}
			}
			if s.Engine() == "sqlite" {
				_, _ = s.db.ExecContext(ctx, `ANALYZE`)
			} else {
				_, _ = s.db.ExecContext(ctx, `ANALYZE recipients`)
			}
			b.Logf("%s: %d recipients stored and spread in %v", engine, n, time.Since(start).Round(time.Millisecond))
			var rep *Report
			b.ResetTimer()
			for b.Loop() {
				if rep, err = s.Report(sub.CampaignID); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			want := Funnel{Accepted: n, Sent: n * 8 / 10, Delivered: n / 2, Read: n / 5, Replied: n / 10, Failed: n / 10}
			if rep.Funnel != want {
				b.Fatalf("funnel = %+v, want %+v", rep.Funnel, want)
			}
		})
	}
}
