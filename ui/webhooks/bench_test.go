package webhooks

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"spotcast/campaign/store"
)

// BenchmarkReceiver posts signed acks over HTTP from 32 clients at once
// into a real database and reports sustained events per second and the
// p50/p99 latency of one request (stored before the answer).
//
//	go test ./ui/webhooks -run '^$' -bench Receiver -benchtime 20000x
func BenchmarkReceiver(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchReceiver(b, openSQLite(b)) })
	b.Run("postgres", func(b *testing.B) { benchReceiver(b, openDB(b, postgresURL(b))) })
}

func benchReceiver(b *testing.B, db *store.DB) {
	const recipients = 5000
	campaignOf(b, db, recipients)
	_, srv := receiver(b, Config{Store: db})
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	c := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	statuses := []string{"SENT", "DELIVERED", "READ"}
	bodies := make([][]byte, b.N)
	sigs := make([]string, b.N)
	for i := range b.N {
		num := number(i % recipients)
		bodies[i] = ackBody(num, fmt.Sprintf("M%d", i/(recipients*3)), statuses[(i/recipients)%3])
		sigs[i] = sign(secret, bodies[i])
	}
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range 32 {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= b.N {
					return
				}
				t := time.Now()
				if code := post(b, c, srv.URL, bodies[i], "X-Hub-Signature", sigs[i]); code != 200 {
					b.Errorf("event %d: %d", i, code)
					return
				}
				lat[i] = time.Since(t)
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/took.Seconds(), "events/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds())/1000, "p99-ms")
}
