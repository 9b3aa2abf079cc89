package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"spotcast/campaign"
	"spotcast/client"
	"spotcast/client/sandbox"
)

// 20 piped `send --watch` runs against a sandbox that answers 40% of polls
// with 429: every run follows its job to the end and exits by how the job
// ended (0 clean, 5 with failed messages) — never 3 ("rejected"), which
// would invite a script to send the campaign again.
func TestPipedWatchSurvivesRateLimitedPolls(t *testing.T) {
	f := startSandbox(t, sandbox.WithRate(40), sandbox.WithFailRate(0.05),
		sandbox.WithChaos(0.4), sandbox.WithChaosOn(sandbox.ChaosOnPolls), sandbox.WithChaosFaults(sandbox.FaultRateLimit))
	const runs = 20
	type end struct {
		code          int
		failed        int
		throttledSeen bool
		out           string
	}
	ends := make([]end, runs)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 5)
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			state := "SPOTCAST_STATE_DIR=" + t.TempDir()
			r := run(t, runOpts{env: f.env(state)}, "send", "--csv", contactsCSV(t, 30), "--content", fmt.Sprintf("run %d", i), "--yes", "--watch", "--json")
			var out struct {
				Requests []struct {
					Status string `json:"status"`
					Failed *int   `json:"failed"`
				} `json:"requests"`
			}
			e := end{code: r.code, out: r.String(), throttledSeen: strings.Contains(r.stderr, "asked to slow down")}
			if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.Requests) != 1 || out.Requests[0].Failed == nil {
				e.code = -1
			} else {
				e.failed = *out.Requests[0].Failed
				if out.Requests[0].Status != "COMPLETED" {
					e.code = -2
				}
			}
			ends[i] = e
		}()
	}
	wg.Wait()
	throttled := 0
	for i, e := range ends {
		want := 0
		if e.failed > 0 {
			want = 5
		}
		if e.code != want {
			t.Errorf("run %d: exit %d, want %d (failed %d)\n%s", i, e.code, want, e.failed, e.out)
		}
		if e.throttledSeen {
			throttled++
		}
	}
	if f.srv.SendCount() != runs {
		t.Errorf("%d sends for %d runs", f.srv.SendCount(), runs)
	}
	if throttled == 0 {
		t.Error("no run saw a 429: the test proves nothing")
	}
	t.Logf("%d of %d runs were told to slow down at least once", throttled, runs)
}

// A 429 on the send means nothing was accepted: it is tried again after
// Retry-After, at most 3 times, each try journaled; when the API keeps
// refusing, exit 3 names `spotcast resume`, which then sends it.
func TestThrottledSendIsRetriedThenResumable(t *testing.T) {
	f := startSandbox(t, sandbox.WithChaos(1), sandbox.WithChaosOn(sandbox.ChaosOnSends), sandbox.WithChaosFaults(sandbox.FaultRateLimit))
	state := "SPOTCAST_STATE_DIR=" + t.TempDir()
	r := run(t, runOpts{env: f.env(state)}, "send", "--to", "+919876500001", "--content", "hi", "--yes")
	if r.code != 3 || !strings.Contains(r.stderr, "refused 3 tries") || !strings.Contains(r.stderr, "spotcast resume cmp_") {
		t.Fatalf("want exit 3 after 3 tries with the resume command\n%s", r)
	}
	if got := f.srv.FaultCounts()[sandbox.FaultRateLimit]; got != 3 {
		t.Fatalf("%d tries reached the API, want 3", got)
	}
	recs := readJobs(t, []string{state})
	if len(recs) != 1 || recs[0].Batches[0].State != "rejected" {
		t.Fatalf("journal: %+v", recs)
	}
	f.srv.SetChaos(0)
	r = run(t, runOpts{env: f.env(state)}, "resume", recs[0].CampaignID, "--yes")
	if r.code != 0 || f.srv.SendCount() != 1 {
		t.Fatalf("resume after the rate limit: want one send, got %d\n%s", f.srv.SendCount(), r)
	}
}

// BenchmarkWatchCommandPollRate runs `spotcast watch` on 10, 100 and 1,000
// running jobs of an in-process sandbox for 5 s and reports the status
// requests per second that reached the API (budget: 5 in all, default
// --poll-rate) and how many distinct jobs were asked in that time.
func BenchmarkWatchCommandPollRate(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("jobs=%d", n), func(b *testing.B) {
			f := startSandbox(b, sandbox.WithRate(0.01)) // jobs that outlast the run
			cl := client.New(client.WithBaseURL(f.url), client.WithAPIKey(testKey))
			ids := make([]string, n)
			for i := range ids {
				res, err := cl.Send(context.Background(), campaign.Request{Type: campaign.TypeText, Content: "hi", Recipients: numbers(11)})
				if err != nil {
					b.Fatal(err)
				}
				ids[i] = res.JobID
			}
			const window = 5 * time.Second
			var rate float64
			for range b.N {
				before := f.srv.Hits(sandbox.EndpointJob)
				ctx, cancel := context.WithTimeout(context.Background(), window)
				cmd := exec.CommandContext(ctx, binary, append([]string{"watch"}, ids...)...)
				cmd.Env = append(os.Environ(), f.env("SPOTCAST_STATE_DIR="+b.TempDir())...)
				_ = cmd.Run()
				cancel()
				rate = float64(f.srv.Hits(sandbox.EndpointJob)-before) / window.Seconds()
			}
			b.ReportMetric(rate, "polls/s")
		})
	}
}
