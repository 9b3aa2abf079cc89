package store

// Benchmarks for issue 11's "What must be shown" (numbers in the note):
//
//	go test -run '^$' -bench . -benchtime 2000x ./campaign/store/    # appends
//	go test -run '^$' -bench CreateCampaign1M -benchtime 3x ./campaign/store/
//	go test -run '^$' -bench Campaigns10k ./campaign/store/
//
// SQLite runs as in production (WAL, synchronous=FULL) in a directory under
// the temporary directory: check it is a real disk (df "$TMPDIR"), not
// tmpfs, or set TMPDIR. PostgreSQL is pgtest's server, whose self-started
// cluster runs with fsync=off unless SPOTCAST_PGTEST_DURABLE=1; the
// benchmarks report fsync (1: on) beside their numbers, and a durable
// append is only measured with it on.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"spotcast/campaign"
	"spotcast/campaign/store/benchdata"
	"spotcast/campaign/store/pgtest"
)

type benchEngine struct {
	name string
	// fresh is a new, empty database (stateDir "" for none).
	fresh func(b *testing.B, stateDir string) Options
}

var benchEngines = []benchEngine{
	{"sqlite", func(b *testing.B, stateDir string) Options {
		if stateDir != "" {
			return Options{StateDir: stateDir}
		}
		return Options{URL: "sqlite:" + filepath.Join(b.TempDir(), FileName)}
	}},
	{"postgres", func(b *testing.B, stateDir string) Options {
		return Options{StateDir: stateDir, URL: pgtest.URL(b)}
	}},
}

func openB(b *testing.B, o Options) *DB {
	b.Helper()
	s, err := Open(context.Background(), o)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// durability reports whether commits reach the disk: SQLite's
// synchronous=FULL (2), PostgreSQL's fsync and synchronous_commit.
func durability(b *testing.B, s *DB) (durable bool, what string) {
	b.Helper()
	if s.d.name == "sqlite" {
		var sync int
		var mode string
		s.db.QueryRow(`PRAGMA synchronous`).Scan(&sync)
		s.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode)
		return sync == 2 && mode == "wal", fmt.Sprintf("journal_mode=%s synchronous=%d (2 = FULL)", mode, sync)
	}
	var fsync, syncCommit, version string
	s.db.QueryRow(`SHOW fsync`).Scan(&fsync)
	s.db.QueryRow(`SHOW synchronous_commit`).Scan(&syncCommit)
	s.db.QueryRow(`SHOW server_version`).Scan(&version)
	return fsync == "on" && syncCommit == "on", fmt.Sprintf("PostgreSQL %s fsync=%s synchronous_commit=%s", version, fsync, syncCommit)
}

// reportLatency reports the p50 and p99 of ds in µs.
func reportLatency(b *testing.B, ds []time.Duration, unit string, scale time.Duration) {
	if len(ds) == 0 {
		return
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	p := func(q float64) float64 {
		i := int(q*float64(len(ds)) + 0.999999)
		return float64(ds[min(max(i-1, 0), len(ds)-1)]) / float64(scale)
	}
	b.ReportMetric(p(0.50), "p50-"+unit)
	b.ReportMetric(p(0.99), "p99-"+unit)
}

// BenchmarkAppend is one durable batch event: a job status from a poll,
// and the pending event before a POST (checked against the claim held).
func BenchmarkAppend(b *testing.B) {
	const batches = 1000
	for _, eng := range benchEngines {
		for _, kind := range []campaign.EventKind{campaign.EventJob, campaign.EventPending} {
			b.Run(eng.name+"/"+string(kind), func(b *testing.B) {
				s := openB(b, eng.fresh(b, ""))
				durable, what := durability(b, s)
				b.Logf("%s: %s", eng.name, what)
				if !durable {
					b.Logf("NOT DURABLE: these are not durable appends (PostgreSQL: set %s=1, or SPOTCAST_TEST_DATABASE_URL to a server with fsync on)", "SPOTCAST_PGTEST_DURABLE")
				}
				id := campaign.NewCampaignID(t0)
				plan := make([]campaign.BatchPlan, batches)
				for i := range plan {
					plan[i] = campaign.BatchPlan{Index: i, Recipients: 1000, RequestHash: fmt.Sprintf("%032x", i)}
				}
				if err := s.CreateCampaign(campaign.CampaignFile{CampaignID: id, CreatedAt: t0, BatchSize: 1000,
					Campaign: campaign.Campaign{Type: campaign.TypeText, Content: "hello"}},
					campaign.Event{Kind: campaign.EventCreated, CampaignID: id, At: t0, Operator: "alice", Type: campaign.TypeText,
						Recipients: batches * 1000, BatchSize: 1000, Plan: plan, API: "https://api.example.test"}); err != nil {
					b.Fatal(err)
				}
				release, err := s.Claim(id)
				if err != nil {
					b.Fatal(err)
				}
				defer release()
				ds := make([]time.Duration, 0, b.N)
				total, sent, failed, pending := 1000, 400, 3, 597
				b.ResetTimer()
				for n := 0; n < b.N; n++ {
					i := n % batches
					e := campaign.Event{Kind: kind, CampaignID: id, Batch: &i}
					if kind == campaign.EventJob {
						e.JobID, e.Status = "job_"+strconv.Itoa(i), "PROCESSING"
						e.Total, e.Sent, e.Failed, e.Pending = &total, &sent, &failed, &pending
					}
					start := time.Now()
					if err := s.Append(e); err != nil {
						b.Fatal(err)
					}
					ds = append(ds, time.Since(start))
				}
				b.StopTimer()
				reportLatency(b, ds, "µs", time.Microsecond)
				b.ReportMetric(float64(boolInt(durable)), "durable")
			})
		}
	}
}

var million = sync.OnceValue(func() campaign.Campaign {
	c := campaign.Campaign{Type: campaign.TypeText, Content: "Our biggest sale of the year starts now: 30% off everything until Sunday. Reply STOP to opt out."}
	c.Recipients = make([]string, 1_000_000)
	for i := range c.Recipients {
		c.Recipients[i] = fmt.Sprintf("9198%08d", i)
	}
	return c
})

// procWriteBytes is what this process has caused to be written to storage
// (Linux /proc/self/io write_bytes; -1 elsewhere).
func procWriteBytes() int64 {
	data, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "write_bytes: "); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return -1
}

// written is the bytes a database has written so far: SQLite, this
// process's writes to storage (the WAL, and the checkpoints into the
// file); PostgreSQL, the WAL it has generated (what a commit makes
// durable; the table pages follow at checkpoints).
func written(b *testing.B, s *DB) int64 {
	if s.d.name == "sqlite" {
		return procWriteBytes()
	}
	var lsn int64
	if err := s.db.QueryRow(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint`).Scan(&lsn); err != nil {
		b.Fatal(err)
	}
	return lsn
}

func dbSize(b *testing.B, s *DB) int64 {
	in, err := s.Info(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return in.SizeBytes
}

// BenchmarkCreateCampaign1M stores a 1,000,000-recipient campaign: its
// file (the recipients, to resume without the CSV), batch plan and created
// event, in one durable transaction. The plan and its request hashes are
// computed outside the timing, as Submit does before CreateCampaign.
func BenchmarkCreateCampaign1M(b *testing.B) {
	c := million()
	for _, eng := range benchEngines {
		for _, size := range []int{0, 1000} {
			b.Run(fmt.Sprintf("%s/batch=%d", eng.name, size), func(b *testing.B) {
				s := openB(b, eng.fresh(b, ""))
				durable, what := durability(b, s)
				b.Logf("%s: %s", eng.name, what)
				reqs := c.Requests(size)
				plan := make([]campaign.BatchPlan, len(reqs))
				for i, r := range reqs {
					plan[i] = campaign.BatchPlan{Index: i, Recipients: len(r.Recipients), RequestHash: campaign.RequestHash(r)}
				}
				var wrote, grew int64
				var ds []time.Duration
				b.ResetTimer()
				for n := 0; n < b.N; n++ {
					b.StopTimer()
					at := t0.Add(time.Duration(n) * time.Second)
					id := campaign.NewCampaignID(at)
					cf := campaign.CampaignFile{CampaignID: id, CreatedAt: at, Operator: "alice", BatchSize: size, Campaign: c}
					e := campaign.Event{Kind: campaign.EventCreated, CampaignID: id, At: at, CreatedAt: at, Operator: "alice",
						Type: c.Type, Recipients: len(c.Recipients), BatchSize: size, Plan: plan, API: "https://api.example.test"}
					w0, z0 := written(b, s), dbSize(b, s)
					b.StartTimer()
					start := time.Now()
					if err := s.CreateCampaign(cf, e); err != nil {
						b.Fatal(err)
					}
					ds = append(ds, time.Since(start))
					b.StopTimer()
					wrote += written(b, s) - w0
					grew += dbSize(b, s) - z0
					b.StartTimer()
				}
				b.StopTimer()
				reportLatency(b, ds, "ms", time.Millisecond)
				b.ReportMetric(float64(wrote)/float64(b.N)/1e6, "MB-written/op")
				b.ReportMetric(float64(grew)/float64(b.N)/1e6, "MB-db-growth/op")
				b.ReportMetric(float64(boolInt(durable)), "durable")
			})
		}
	}
}

// BenchmarkCampaigns10k is the query behind `spotcast jobs`: a page of 50
// of 10,000 campaigns (benchdata's history: 1–20 batches each, mixed
// outcomes, six operators), newest first, alone and filtered.
func BenchmarkCampaigns10k(b *testing.B) {
	const n = 10_000
	for _, eng := range benchEngines {
		b.Run(eng.name, func(b *testing.B) {
			dir := b.TempDir()
			begin := time.Now()
			st, err := benchdata.Write(dir, n, time.Date(2026, 11, 30, 18, 0, 0, 0, time.UTC), 11)
			if err != nil {
				b.Fatal(err)
			}
			s := openB(b, eng.fresh(b, dir))
			if s.Imported == nil || s.Imported.Campaigns != n {
				b.Fatalf("imported %+v, want %d campaigns", s.Imported, n)
			}
			b.Logf("%s: %d campaigns, %d batches, %d events (%v) written and imported in %v; database %d MB",
				eng.name, st.Campaigns, st.Batches, st.Events, st.ByState, time.Since(begin).Round(time.Millisecond), dbSize(b, s)>>20)
			for _, q := range []struct {
				name string
				q    campaign.CampaignQuery
			}{
				{"page", campaign.CampaignQuery{Limit: 50}},
				{"page2", campaign.CampaignQuery{Limit: 50, Offset: 50}},
				{"status=unknown", campaign.CampaignQuery{Limit: 50, Status: "unknown"}},
				{"status=COMPLETED", campaign.CampaignQuery{Limit: 50, Status: "COMPLETED"}},
				{"operator=alice", campaign.CampaignQuery{Limit: 50, Operator: "alice"}},
				{"operator+status", campaign.CampaignQuery{Limit: 50, Operator: "alice", Status: "pending"}},
			} {
				b.Run(q.name, func(b *testing.B) {
					ds := make([]time.Duration, 0, b.N)
					for range b.N {
						start := time.Now()
						p, err := s.Campaigns(q.q)
						if err != nil {
							b.Fatal(err)
						}
						ds = append(ds, time.Since(start))
						if len(p.Campaigns) == 0 || p.Total == 0 {
							b.Fatalf("%+v: no campaigns", q.q)
						}
					}
					reportLatency(b, ds, "µs", time.Microsecond)
				})
			}
		})
	}
}
