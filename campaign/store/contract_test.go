package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"spotcast/campaign"
)

// The contract: every test here runs on SQLite and on PostgreSQL, so the
// two engines keep the same semantics.

// backend opens databases of one engine: fresh gives the options of a new
// empty database; opening the same options again is another process's
// view of the same database.
type backend struct {
	name  string
	fresh func(t *testing.T) Options
}

func backends(t *testing.T) []backend {
	return []backend{
		{"sqlite", func(t *testing.T) Options {
			return Options{URL: "sqlite:" + filepath.Join(t.TempDir(), "spotcast.db")}
		}},
		{"postgres", func(t *testing.T) Options { return Options{URL: postgresURL(t)} }},
	}
}

// eachBackend runs fn as a subtest per engine.
func eachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) { fn(t, b) })
	}
}

func open(t *testing.T, o Options) *DB {
	t.Helper()
	s, err := Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// submit creates a campaign of n recipients in batches of size through
// st, sending with send (nil: every batch accepted as a job).
func submit(t *testing.T, st campaign.Store, n, size int, operator string, at time.Time, send campaign.SendFunc) (*campaign.Submission, error) {
	t.Helper()
	c := campaign.Campaign{Type: campaign.TypeText, Content: "hello"}
	for i := range n {
		c.Recipients = append(c.Recipients, fmt.Sprintf("9198765%05d", i))
	}
	if send == nil {
		send = acceptAll(new(atomic.Int64))
	}
	return campaign.Submit(context.Background(), st, c, campaign.SubmitOptions{
		BatchSize: size, Operator: operator, Now: func() time.Time { return at },
		Target: campaign.Target{API: "https://api.example.test"},
	}, send)
}

// acceptAll accepts every request as a bulk job, counting them.
func acceptAll(n *atomic.Int64) campaign.SendFunc {
	return func(_ context.Context, r campaign.Request) (campaign.SendOutcome, error) {
		k := n.Add(1)
		return campaign.SendOutcome{Async: true, JobID: fmt.Sprintf("job_%d_%s", k, r.Recipients[0]), Status: "QUEUED"}, nil
	}
}

func TestCampaignRoundTrip(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		s := open(t, b.fresh(t))
		sub, err := submit(t, s, 25, 10, "alice", t0, nil)
		if err != nil {
			t.Fatal(err)
		}
		cf, rec, err := s.LoadCampaign(sub.CampaignID)
		if err != nil {
			t.Fatal(err)
		}
		if len(cf.Campaign.Recipients) != 25 || cf.Campaign.Content != "hello" || cf.BatchSize != 10 {
			t.Fatalf("campaign file = %+v", cf)
		}
		if rec.Operator != "alice" || rec.Recipients != 25 || rec.Type != campaign.TypeText || !rec.CreatedAt.Equal(t0) ||
			rec.API != "https://api.example.test" || rec.Sandbox || len(rec.Batches) != 3 {
			t.Fatalf("record = %+v", rec)
		}
		for i, bt := range rec.Batches {
			if bt.Index != i || bt.State != campaign.StateAccepted || bt.JobID == "" || bt.JobStatus != "QUEUED" || bt.RequestHash == "" {
				t.Fatalf("batch %d = %+v", i, bt)
			}
		}
		if got := rec.Batches[2].Recipients; got != 5 {
			t.Fatalf("last batch has %d recipients, want 5", got)
		}
		if r, err := s.Campaign("cmp_nope"); r != nil || err != nil {
			t.Fatalf("unknown campaign = %v, %v", r, err)
		}
		if _, _, err := s.LoadCampaign("cmp_nope"); err == nil || !strings.Contains(err.Error(), "not in") {
			t.Fatalf("LoadCampaign of an unknown campaign: %v", err)
		}
	})
}

func TestEventsFoldIntoBatches(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		s := open(t, b.fresh(t))
		var calls atomic.Int64
		// Batch 1 accepted with messages, batch 2 rejected: the rest pending.
		send := func(_ context.Context, r campaign.Request) (campaign.SendOutcome, error) {
			if calls.Add(1) == 2 {
				return campaign.SendOutcome{}, errors.New("400 bad request")
			}
			return campaign.SendOutcome{Messages: []campaign.SentMessage{{ID: "msg_1", Status: "sent"}}}, nil
		}
		sub, err := submit(t, s, 4, 1, "", t0, send)
		if err == nil {
			t.Fatal("the rejected batch's error was not returned")
		}
		id := sub.CampaignID
		rec, _ := s.Campaign(id)
		states := func(rec *campaign.CampaignRecord) string {
			var out []string
			for _, b := range rec.Batches {
				out = append(out, string(b.State))
			}
			return strings.Join(out, ",")
		}
		if got := states(rec); got != "accepted,rejected,pending,pending" {
			t.Fatalf("states = %s", got)
		}
		if m := rec.Batches[0].Messages; len(m) != 1 || m[0].ID != "msg_1" {
			t.Fatalf("messages = %+v", m)
		}
		if rec.Batches[1].Error != "400 bad request" {
			t.Fatalf("rejected error = %q", rec.Batches[1].Error)
		}
		// A pending event with no outcome reads as unknown; a job status
		// and a not-sent event fold too.
		release, err := s.Claim(id)
		if err != nil {
			t.Fatal(err)
		}
		two, three := 2, 3
		for _, e := range []campaign.Event{
			{Kind: campaign.EventPending, CampaignID: id, Batch: &two},
			{Kind: campaign.EventPending, CampaignID: id, Batch: &three},
			{Kind: campaign.EventNotSent, CampaignID: id, Batch: &three, Error: "interrupted"},
		} {
			if err := s.Append(e); err != nil {
				t.Fatal(err)
			}
		}
		release()
		total, sent := 1, 1
		zero := 0
		if err := campaign.RecordJobStatus(s, id, 0, "", "COMPLETED", &total, &sent, &zero, nil); err != nil {
			t.Fatal(err)
		}
		rec, _ = s.Campaign(id)
		if got := states(rec); got != "accepted,rejected,unknown,pending" {
			t.Fatalf("states = %s", got)
		}
		if !strings.Contains(rec.Batches[2].Error, "may have reached the API") || rec.Batches[3].Error != "interrupted" {
			t.Fatalf("errors = %q, %q", rec.Batches[2].Error, rec.Batches[3].Error)
		}
		b0 := rec.Batches[0]
		if b0.JobStatus != "COMPLETED" || b0.Total == nil || *b0.Total != 1 || b0.Pending != nil {
			t.Fatalf("job snapshot = %+v", b0)
		}
		// Unknown batch and event kind are errors, not silent.
		nine := 9
		if err := s.Append(campaign.Event{Kind: campaign.EventUnknown, CampaignID: id, Batch: &nine}); err == nil {
			t.Fatal("an event for a batch that does not exist was stored")
		}
	})
}

func TestPendingNeedsTheClaimAndAnUnsentBatch(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		o := b.fresh(t)
		s := open(t, o)
		// Batch 1 accepted, batch 2 never sent.
		var n atomic.Int64
		sub, _ := submit(t, s, 2, 1, "", t0, func(ctx context.Context, r campaign.Request) (campaign.SendOutcome, error) {
			if n.Add(1) > 1 {
				return campaign.SendOutcome{}, &notSentErr{}
			}
			return acceptAll(&n)(ctx, r)
		})
		id := sub.CampaignID
		zero, one := 0, 1
		// Without the claim: refused.
		if err := s.Append(campaign.Event{Kind: campaign.EventPending, CampaignID: id, Batch: &one}); !errors.Is(err, ErrClaimLost) {
			t.Fatalf("pending without the claim: %v", err)
		}
		release, err := s.Claim(id)
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		// An accepted batch is never pending again.
		err = s.Append(campaign.Event{Kind: campaign.EventPending, CampaignID: id, Batch: &zero})
		if err == nil || !strings.Contains(err.Error(), "already accepted") {
			t.Fatalf("pending of an accepted batch: %v", err)
		}
	})
}

func TestClaimsAcrossProcesses(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		o := b.fresh(t)
		o.Lease = 600 * time.Millisecond
		a, other := open(t, o), open(t, o)
		const id = "cmp_20261201T090000Z_aaaaaa"
		release, err := a.Claim(id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Claim(id); !errors.Is(err, campaign.ErrCampaignBusy) {
			t.Fatalf("a second claim in one process: %v", err)
		}
		_, err = other.Claim(id)
		if !errors.Is(err, campaign.ErrCampaignBusy) || !strings.Contains(err.Error(), "lapses in") {
			t.Fatalf("a claim held by another process: %v", err)
		}
		// Renewed while held: still busy after several leases.
		time.Sleep(3 * o.Lease)
		if _, err := other.Claim(id); !errors.Is(err, campaign.ErrCampaignBusy) {
			t.Fatalf("a renewed claim was taken: %v", err)
		}
		release()
		rel2, err := other.Claim(id)
		if err != nil {
			t.Fatalf("a released claim: %v", err)
		}
		rel2()
	})
}

func TestDeadHolderBlocksOnlyForTheLease(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		o := b.fresh(t)
		o.Lease = 500 * time.Millisecond
		dead, alive := open(t, o), open(t, o)
		sub, err := submit(t, alive, 3, 1, "", t0, func(context.Context, campaign.Request) (campaign.SendOutcome, error) {
			return campaign.SendOutcome{}, &notSentErr{}
		})
		if err == nil {
			t.Fatal("want the not-sent error")
		}
		id := sub.CampaignID
		dead.renew = false // a host that stops renewing: it died, or stalls
		if _, err := dead.Claim(id); err != nil {
			t.Fatal(err)
		}
		if _, err := alive.Claim(id); !errors.Is(err, campaign.ErrCampaignBusy) {
			t.Fatalf("claim of a live lease: %v", err)
		}
		deadline := time.Now().Add(10 * time.Second)
		var release func()
		for release == nil {
			if time.Now().After(deadline) {
				t.Fatal("the dead holder's claim never lapsed")
			}
			time.Sleep(50 * time.Millisecond)
			release, _ = alive.Claim(id)
		}
		defer release()
		// The stalled holder wakes up: its next pending event is refused,
		// so it sends nothing the new holder may send.
		zero := 0
		if err := dead.Append(campaign.Event{Kind: campaign.EventPending, CampaignID: id, Batch: &zero}); !errors.Is(err, ErrClaimLost) {
			t.Fatalf("pending after the lease was taken over: %v", err)
		}
	})
}

type notSentErr struct{}

func (*notSentErr) Error() string   { return "connection refused" }
func (*notSentErr) NotSent() bool   { return true }
func (*notSentErr) Throttled() bool { return false }

func TestConcurrentResumesSendEachBatchOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		o := b.fresh(t)
		first := open(t, o)
		// Nothing leaves at first: every batch stays pending.
		sub, _ := submit(t, first, 12, 1, "", t0, func(context.Context, campaign.Request) (campaign.SendOutcome, error) {
			return campaign.SendOutcome{}, &notSentErr{}
		})
		id := sub.CampaignID
		var (
			mu   sync.Mutex
			seen = map[string]int{}
			wg   sync.WaitGroup
		)
		send := func(_ context.Context, r campaign.Request) (campaign.SendOutcome, error) {
			mu.Lock()
			seen[r.Recipients[0]]++
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
			return campaign.SendOutcome{Async: true, JobID: "job_" + r.Recipients[0]}, nil
		}
		// Four processes resume at once, each again until nothing is left.
		for range 4 {
			s := open(t, o)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 50 {
					_, err := campaign.Resume(context.Background(), s, id, false, campaign.SubmitOptions{}, send)
					if err == nil {
						return
					}
					if !errors.Is(err, campaign.ErrCampaignBusy) {
						t.Errorf("resume: %v", err)
						return
					}
					time.Sleep(time.Millisecond)
				}
			}()
		}
		wg.Wait()
		if len(seen) != 12 {
			t.Fatalf("%d of 12 batches sent", len(seen))
		}
		for r, n := range seen {
			if n != 1 {
				t.Fatalf("%s was sent %d times", r, n)
			}
		}
	})
}

func TestCampaignQueries(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		s := open(t, b.fresh(t))
		var all []campaign.CampaignRecord
		for i := range 30 {
			op := []string{"alice", "bob", "carol"}[i%3]
			var send campaign.SendFunc
			if i%4 == 0 {
				send = func(context.Context, campaign.Request) (campaign.SendOutcome, error) {
					return campaign.SendOutcome{}, errors.New("401 unauthorised")
				}
			}
			sub, _ := submit(t, s, 3, 2, op, t0.Add(time.Duration(i)*time.Minute), send)
			if i%5 == 0 {
				if err := campaign.RecordJobStatus(s, sub.CampaignID, 0, "", "completed", nil, nil, nil, nil); err != nil && i%4 != 0 {
					t.Fatal(err)
				}
			}
		}
		page, err := s.Campaigns(campaign.CampaignQuery{})
		if err != nil {
			t.Fatal(err)
		}
		all = page.Campaigns
		if page.Total != 30 || len(all) != 30 || !all[0].CreatedAt.Equal(t0.Add(29*time.Minute)) {
			t.Fatalf("all: total %d, %d listed, newest %v", page.Total, len(all), all[0].CreatedAt)
		}
		for _, q := range []campaign.CampaignQuery{
			{Limit: 10}, {Limit: 10, Offset: 25}, {Offset: 28},
			{Operator: "bob"}, {Operator: "bob", Limit: 3, Offset: 3},
			{Since: t0.Add(20 * time.Minute)},
			{Status: "rejected"}, {Status: "PENDING"}, {Status: "accepted", Operator: "carol"},
			{Status: "COMPLETED"}, {Status: "Completed", Since: t0.Add(10 * time.Minute)},
			{Status: "unknown"}, {Operator: "nobody"},
		} {
			got, err := s.Campaigns(q)
			if err != nil {
				t.Fatalf("%+v: %v", q, err)
			}
			want := q.Page(all)
			if got.Total != want.Total || !reflect.DeepEqual(ids(got.Campaigns), ids(want.Campaigns)) {
				t.Errorf("%+v: got %d %v, want %d %v", q, got.Total, ids(got.Campaigns), want.Total, ids(want.Campaigns))
			}
		}
		// One lookup agrees with the list.
		one, err := s.Campaign(all[7].CampaignID)
		if err != nil || !reflect.DeepEqual(*one, all[7]) {
			t.Fatalf("Campaign = %+v, %v; want %+v", one, err, all[7])
		}
	})
}

func ids(recs []campaign.CampaignRecord) []string {
	out := []string{}
	for _, r := range recs {
		out = append(out, r.CampaignID)
	}
	return out
}

func TestJobRefs(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		s := open(t, b.fresh(t))
		same := func(context.Context, campaign.Request) (campaign.SendOutcome, error) {
			return campaign.SendOutcome{Async: true, JobID: "job_same"}, nil
		}
		submit(t, s, 1, 0, "", t0, same)
		newer, _ := submit(t, s, 1, 0, "", t0.Add(time.Hour), same)
		refs, err := s.JobRefs([]string{"job_same", "job_other"})
		if err != nil {
			t.Fatal(err)
		}
		if len(refs) != 1 || refs["job_same"] != (campaign.JobRef{CampaignID: newer.CampaignID, Batch: 0}) {
			t.Fatalf("refs = %+v", refs)
		}
	})
}

func TestDraftsPerOperator(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		o := b.fresh(t)
		s, other := open(t, o), open(t, o)
		if d, err := s.LatestDraft("alice"); d != nil || err != nil {
			t.Fatalf("no draft yet: %v, %v", d, err)
		}
		d := campaign.Draft{Campaign: campaign.Campaign{Type: campaign.TypeImage, Content: "cap", MediaURL: "https://x.test/a.jpg"},
			Step: "review", CSVPath: "/tmp/c.csv", Operator: "alice", SavedAt: t0, UI: map[string]string{"k": "v"}}
		if err := s.SaveDraft(d); err != nil {
			t.Fatal(err)
		}
		d.Content = "cap 2"
		if err := s.SaveDraft(d); err != nil {
			t.Fatal(err)
		}
		got, err := other.LatestDraft("alice") // another host sees it
		if err != nil || got == nil || !reflect.DeepEqual(*got, d) {
			t.Fatalf("draft = %+v, %v", got, err)
		}
		if d, _ := other.LatestDraft("bob"); d != nil {
			t.Fatal("bob sees alice's draft")
		}
		if err := s.SaveTestNumber("alice", "+919876500001"); err != nil {
			t.Fatal(err)
		}
		if n := other.TestNumber("alice"); n != "+919876500001" {
			t.Fatalf("test number = %q", n)
		}
		if n := other.TestNumber("bob"); n != "" {
			t.Fatalf("bob's test number = %q", n)
		}
		if err := other.DeleteDraft("alice"); err != nil {
			t.Fatal(err)
		}
		if d, _ := s.LatestDraft("alice"); d != nil {
			t.Fatal("deleted draft still offered")
		}
		if err := s.DeleteDraft("nobody"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestUploads(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		s := open(t, b.fresh(t))
		u := Upload{Name: "march.csv", Operator: "alice", CSV: []byte("phone\n+919876500001\n"),
			Meta:       campaign.UploadMeta{DefaultCountry: "IN", Rows: 1, Valid: 1, CheckedAt: t0},
			Recipients: []string{"919876500001"}}
		if err := s.PutUpload(u, false); err != nil {
			t.Fatal(err)
		}
		if err := s.PutUpload(u, false); !errors.Is(err, ErrUploadExists) {
			t.Fatalf("a second upload of one name: %v", err)
		}
		u.CSV = []byte("phone\n+919876500002\n")
		if err := s.PutUpload(u, true); err != nil {
			t.Fatal(err)
		}
		got, err := s.Upload("march.csv")
		if err != nil || got == nil || !reflect.DeepEqual(*got, u) {
			t.Fatalf("upload = %+v, %v", got, err)
		}
		list, _ := s.Uploads("")
		if len(list) != 1 || list[0].Name != "march.csv" || list[0].Meta.DefaultCountry != "IN" || list[0].CSV != nil {
			t.Fatalf("list = %+v", list)
		}
		if ok, _ := s.DeleteUpload("march.csv"); !ok {
			t.Fatal("delete said there was none")
		}
		if got, _ := s.Upload("march.csv"); got != nil {
			t.Fatal("deleted upload still there")
		}
	})
}

func TestSchemaAndInfo(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		o := b.fresh(t)
		s := open(t, o)
		submit(t, s, 3, 0, "", t0, nil)
		// Opening again applies nothing twice.
		s2 := open(t, o)
		in, err := s2.Info(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if in.SchemaVersion != SchemaVersion || in.Campaigns != 1 || in.Events != 3 || in.SizeBytes <= 0 || in.Engine != b.name {
			t.Fatalf("info = %+v", in)
		}
		if strings.Contains(in.Where, "secret") {
			t.Fatalf("where shows the password: %s", in.Where)
		}
	})
}

func TestImportsTheFilesOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		dir := t.TempDir()
		j, err := campaign.OpenJournal(dir)
		if err != nil {
			t.Fatal(err)
		}
		sent, err := submit(t, j, 3, 1, "alice", t0, nil)
		if err != nil {
			t.Fatal(err)
		}
		half, _ := submit(t, j, 3, 1, "bob", t0.Add(time.Minute), func(_ context.Context, r campaign.Request) (campaign.SendOutcome, error) {
			if r.Recipients[0] == "919876500000" {
				return campaign.SendOutcome{Async: true, JobID: "job_h"}, nil
			}
			return campaign.SendOutcome{}, &notSentErr{}
		})
		j.Close()
		// A damaged line: a huge batch index must not be allocated from.
		f, _ := os.OpenFile(filepath.Join(dir, campaign.JournalFile), os.O_APPEND|os.O_WRONLY, 0)
		fmt.Fprintf(f, `{"event":"job","at":"2026-12-01T09:00:00Z","campaignId":%q,"batch":999999,"status":"X"}`+"\n", sent.CampaignID)
		f.WriteString("{torn\n")
		f.Close()
		if err := campaign.SaveDraft(dir, campaign.Draft{Campaign: campaign.Campaign{Content: "draft text"}, Operator: "alice"}); err != nil {
			t.Fatal(err)
		}
		campaign.SaveTestNumber(dir, "alice", "+919876500009")
		os.MkdirAll(filepath.Join(dir, "imports"), 0o700)
		os.WriteFile(filepath.Join(dir, "imports", "march.csv"), []byte("phone\n+919876500001\n+919876500002\n"), 0o600)

		o := b.fresh(t)
		o.StateDir = dir
		s := open(t, o)
		imp := s.Imported
		if imp == nil || imp.Campaigns != 2 || imp.Drafts != 1 || imp.Lists != 1 || imp.Events < 10 {
			t.Fatalf("imported = %+v", imp)
		}
		if len(imp.Warnings) != 2 || !strings.Contains(strings.Join(imp.Warnings, "\n"), "999999") {
			t.Fatalf("warnings = %q", imp.Warnings)
		}
		if exists(filepath.Join(dir, campaign.JournalFile)) || !exists(filepath.Join(imp.KeptIn, campaign.JournalFile)) ||
			!exists(filepath.Join(imp.KeptIn, "drafts")) || !exists(filepath.Join(dir, "imports", "march.csv")) {
			t.Fatalf("files not kept aside in %s", imp.KeptIn)
		}
		if !strings.Contains(imp.String(), "2 campaigns") {
			t.Fatalf("report = %s", imp)
		}
		rec, _ := s.Campaign(half.CampaignID)
		if rec == nil || rec.Operator != "bob" || rec.Batches[0].State != campaign.StateAccepted || rec.Batches[1].State != campaign.StatePending {
			t.Fatalf("imported campaign = %+v", rec)
		}
		if d, _ := s.LatestDraft("alice"); d == nil || d.Content != "draft text" {
			t.Fatalf("imported draft = %+v", d)
		}
		if n := s.TestNumber("alice"); n != "+919876500009" {
			t.Fatalf("imported test number = %q", n)
		}
		if u, _ := s.Upload("march.csv"); u == nil || len(u.Recipients) != 2 || u.Meta.Valid != 2 {
			t.Fatalf("imported list = %+v", u)
		}
		// The imported campaign resumes from the database: only what was
		// never sent.
		var n atomic.Int64
		if _, err := campaign.Resume(context.Background(), s, half.CampaignID, false, campaign.SubmitOptions{}, acceptAll(&n)); err != nil {
			t.Fatal(err)
		}
		if n.Load() != 2 {
			t.Fatalf("resume sent %d requests, want 2", n.Load())
		}
		// Opening again imports nothing more (the list is still in the
		// import folder, which stays the SSH picker's).
		s.Close()
		again := open(t, o)
		if again.Imported != nil {
			t.Fatalf("imported twice: %+v", again.Imported)
		}
		page, _ := again.Campaigns(campaign.CampaignQuery{})
		if page.Total != 2 {
			t.Fatalf("%d campaigns after a second open", page.Total)
		}
	})
}
