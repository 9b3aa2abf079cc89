package campaign

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 25, 12, 45, 1, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

func openTestJournal(t *testing.T) (*Journal, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "state")
	j, err := OpenJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j, dir
}

func mustAppend(t *testing.T, j *Journal, es ...Event) {
	t.Helper()
	for _, e := range es {
		if err := j.Append(e); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpenJournalPermissions(t *testing.T) {
	j, dir := openTestJournal(t)
	if j.Path() != filepath.Join(dir, "journal.jsonl") {
		t.Errorf("Path = %s", j.Path())
	}
	for p, want := range map[string]os.FileMode{dir: 0o700, j.Path(): 0o600} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%s mode %v, want %v", p, got, want)
		}
	}
}

func TestReadJournalMissingFile(t *testing.T) {
	recs, warns, err := ReadJournal(filepath.Join(t.TempDir(), "nope.jsonl"))
	if err != nil || len(recs) != 0 || len(warns) != 0 {
		t.Errorf("missing journal = %v, %v, %v; want empty", recs, warns, err)
	}
}

func TestJournalFold(t *testing.T) {
	j, _ := openTestJournal(t)
	mustAppend(t, j,
		Event{Kind: EventCreated, At: t0, CampaignID: "cmp_a", CreatedAt: t0, Operator: "SHA256:op",
			Type: TypeText, Recipients: 25, Groups: 1, BatchSize: 10, ScheduledAt: t0.Add(time.Hour),
			Plan: []BatchPlan{{Index: 0, Recipients: 10, Groups: 1}, {Index: 1, Recipients: 10}, {Index: 2, Recipients: 5}}},
		Event{Kind: EventPending, CampaignID: "cmp_a", Batch: ptr(0)},
		Event{Kind: EventAccepted, CampaignID: "cmp_a", Batch: ptr(0), JobID: "job_1", Status: "PROCESSING"},
		Event{Kind: EventPending, CampaignID: "cmp_a", Batch: ptr(1)},
		Event{Kind: EventRejected, CampaignID: "cmp_a", Batch: ptr(1), Error: "HTTP 400: bad number"},
		// A later campaign, with a synchronous batch and a crash mid-send.
		Event{Kind: EventCreated, At: t0.Add(time.Minute), CampaignID: "cmp_b", CreatedAt: t0.Add(time.Minute),
			Type: TypeImage, Recipients: 4, Plan: []BatchPlan{{Index: 0, Recipients: 2}, {Index: 1, Recipients: 2}}},
		Event{Kind: EventPending, CampaignID: "cmp_b", Batch: ptr(0)},
		Event{Kind: EventAccepted, CampaignID: "cmp_b", Batch: ptr(0), Messages: []SentMessage{{"msg_1", "SENT"}, {"msg_2", "SENT"}}},
		Event{Kind: EventPending, CampaignID: "cmp_b", Batch: ptr(1)},
	)
	if err := RecordJobStatus(j, "cmp_a", 0, "job_1", "COMPLETED", ptr(11), ptr(10), ptr(1), ptr(0)); err != nil {
		t.Fatal(err)
	}
	recs, warns, err := ReadJournal(j.Path())
	if err != nil || len(warns) > 0 {
		t.Fatalf("ReadJournal: %v, warnings %q", err, warns)
	}
	if len(recs) != 2 || recs[0].CampaignID != "cmp_b" || recs[1].CampaignID != "cmp_a" {
		t.Fatalf("campaigns not newest first: %+v", recs)
	}
	a := recs[1]
	if a.Operator != "SHA256:op" || a.Type != TypeText || a.Recipients != 25 || a.Groups != 1 ||
		a.BatchSize != 10 || !a.CreatedAt.Equal(t0) || !a.ScheduledAt.Equal(t0.Add(time.Hour)) || a.Incomplete {
		t.Errorf("campaign a header = %+v", a)
	}
	want := []BatchRecord{
		{Index: 0, Recipients: 10, Groups: 1, State: StateAccepted, JobID: "job_1", JobStatus: "COMPLETED",
			Total: ptr(11), Sent: ptr(10), Failed: ptr(1), Pending: ptr(0)},
		{Index: 1, Recipients: 10, State: StateRejected, Error: "HTTP 400: bad number"},
		{Index: 2, Recipients: 5, State: StatePending},
	}
	compareBatches(t, a.Batches, want)
	b := recs[0]
	compareBatches(t, b.Batches, []BatchRecord{
		{Index: 0, Recipients: 2, State: StateAccepted, Messages: []SentMessage{{"msg_1", "SENT"}, {"msg_2", "SENT"}}},
		{Index: 1, Recipients: 2, State: StateUnknown, Error: interruptedError},
	})
}

func compareBatches(t *testing.T, got, want []BatchRecord) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d batches, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g := got[i]
		g.UpdatedAt = time.Time{}
		if !reflect.DeepEqual(g, want[i]) {
			t.Errorf("batch %d = %+v\nwant %+v", i, g, want[i])
		}
	}
}

func TestJournalTornAndDamagedLines(t *testing.T) {
	j, dir := openTestJournal(t)
	mustAppend(t, j,
		Event{Kind: EventCreated, At: t0, CampaignID: "cmp_a", Plan: []BatchPlan{{Index: 0, Recipients: 3}, {Index: 1, Recipients: 3}}},
		Event{Kind: EventPending, CampaignID: "cmp_a", Batch: ptr(0)},
	)
	j.Close()
	f, err := os.OpenFile(j.Path(), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	// A damaged line in the middle and a torn last line (crash mid-write).
	fmt.Fprint(f, "not json at all\n")
	fmt.Fprint(f, `{"event":"accepted","campaignId":"cmp_a","batch":0,"jobId":"jo`)
	f.Close()

	recs, warns, err := ReadJournal(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 2 || !strings.Contains(warns[0], "line 3") || !strings.Contains(warns[1], "line 4") ||
		!strings.Contains(warns[1], "incomplete") {
		t.Errorf("warnings = %q, want line 3 unreadable and line 4 incomplete", warns)
	}
	if len(recs) != 1 || recs[0].Batches[0].State != StateUnknown || recs[0].Batches[1].State != StatePending {
		t.Errorf("records = %+v; want batch 0 unknown (begun, no outcome), batch 1 pending", recs)
	}

	// Reopening ends the torn line, so the next event is not glued to it.
	j2, err := OpenJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	mustAppend(t, j2, Event{Kind: EventAccepted, CampaignID: "cmp_a", Batch: ptr(1), JobID: "job_2"})
	recs, warns, err = ReadJournal(j2.Path())
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 2 || !strings.Contains(warns[1], "line 4") {
		t.Errorf("after reopen, warnings = %q", warns)
	}
	if recs[0].Batches[1].State != StateAccepted || recs[0].Batches[1].JobID != "job_2" {
		t.Errorf("event after a torn line lost: %+v", recs[0].Batches[1])
	}
}

func TestJournalRejectsBatchOutsidePlan(t *testing.T) {
	j, _ := openTestJournal(t)
	mustAppend(t, j,
		Event{Kind: EventCreated, At: t0, CampaignID: "cmp_a", Plan: []BatchPlan{{Index: 0, Recipients: 3}}},
		Event{Kind: EventPending, CampaignID: "cmp_a", Batch: ptr(5)},
		Event{Kind: EventPending, CampaignID: "cmp_a"},
		// Events whose created line was lost still show up, marked.
		Event{Kind: EventRejected, CampaignID: "cmp_lost", Batch: ptr(1), Error: "nope"},
	)
	recs, warns, err := ReadJournal(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 2 {
		t.Errorf("warnings = %q, want 2 (index out of range, no index)", warns)
	}
	a := FindCampaign(recs, "cmp_a")
	if a == nil || len(a.Batches) != 1 {
		t.Fatalf("cmp_a = %+v", a)
	}
	lost := FindCampaign(recs, "cmp_lost")
	if lost == nil || !lost.Incomplete || len(lost.Batches) != 2 || lost.Batches[1].State != StateRejected {
		t.Errorf("cmp_lost = %+v", lost)
	}
}

func TestJournalConcurrentAppends(t *testing.T) {
	j, _ := openTestJournal(t)
	const writers, each = 8, 40
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("cmp_%d", w)
			plan := make([]BatchPlan, each)
			for i := range plan {
				plan[i] = BatchPlan{Index: i, Recipients: 1}
			}
			if err := j.Append(Event{Kind: EventCreated, CampaignID: id, Plan: plan}); err != nil {
				t.Error(err)
				return
			}
			for i := range each {
				if err := j.Append(Event{Kind: EventAccepted, CampaignID: id, Batch: &i, JobID: strings.Repeat("x", 500)}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	recs, warns, err := ReadJournal(j.Path())
	if err != nil || len(warns) > 0 {
		t.Fatalf("ReadJournal: %v %q", err, warns)
	}
	if len(recs) != writers {
		t.Fatalf("%d campaigns, want %d", len(recs), writers)
	}
	for _, r := range recs {
		if n := r.Counts()[StateAccepted]; n != each {
			t.Errorf("%s: %d accepted batches, want %d", r.CampaignID, n, each)
		}
	}
}

// The journal and campaign files must never be able to hold the API key:
// no field of what is written may be named like one.
func TestNoSecretFields(t *testing.T) {
	var check func(path string, typ reflect.Type, seen map[reflect.Type]bool)
	check = func(path string, typ reflect.Type, seen map[reflect.Type]bool) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || seen[typ] || typ.PkgPath() != "spotcast/campaign" {
			return
		}
		seen[typ] = true
		for f := range typ.Fields() {
			name := strings.ToLower(f.Name + " " + f.Tag.Get("json"))
			for _, bad := range []string{"key", "token", "secret", "auth", "password"} {
				if strings.Contains(name, bad) {
					t.Errorf("%s.%s looks like it could hold a secret", path, f.Name)
				}
			}
			check(path+"."+f.Name, f.Type, seen)
		}
	}
	for _, v := range []any{Event{}, CampaignFile{}, Draft{}, CampaignRecord{}} {
		check(reflect.TypeOf(v).Name(), reflect.TypeOf(v), map[reflect.Type]bool{})
	}
}

func TestCampaignFile(t *testing.T) {
	dir := t.TempDir()
	id := NewCampaignID(t0)
	cf := CampaignFile{CampaignID: id, CreatedAt: t0, Operator: "alice", BatchSize: 2,
		Campaign: Campaign{Type: TypeText, Content: "hi ✓", Recipients: []string{"919999999991", "919999999992", "919999999993"},
			GroupIDs: []string{"g1"}, ScheduledAt: t0.Add(time.Hour)}}
	if err := SaveCampaignFile(dir, cf); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(CampaignPath(dir, id))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("campaign file mode %v, want 0600", st.Mode().Perm())
	}
	got, err := LoadCampaignFile(dir, id)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Campaign.Recipients, cf.Campaign.Recipients) || got.BatchSize != 2 ||
		got.Campaign.Content != "hi ✓" || !got.Campaign.ScheduledAt.Equal(cf.Campaign.ScheduledAt) || got.Operator != "alice" {
		t.Errorf("loaded %+v, saved %+v", got, cf)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "campaigns"))
	if len(entries) != 1 {
		t.Errorf("campaigns dir holds %d entries, want 1 (no temp files left)", len(entries))
	}

	for _, bad := range []string{"", "../etc/passwd", "a/b", ".hidden", "cmp_x.json"} {
		if _, err := LoadCampaignFile(dir, bad); err == nil {
			t.Errorf("LoadCampaignFile(%q) succeeded", bad)
		}
	}
	if _, err := LoadCampaignFile(dir, "cmp_20260101T000000Z_000000"); err == nil || !strings.Contains(err.Error(), "no campaign file") {
		t.Errorf("missing campaign: %v", err)
	}
}

func TestNewCampaignID(t *testing.T) {
	a, b := NewCampaignID(t0), NewCampaignID(t0)
	if a == b {
		t.Errorf("two IDs in the same second are equal: %s", a)
	}
	if !strings.HasPrefix(a, "cmp_20261125T124501Z_") || len(a) != len("cmp_20261125T124501Z_ab12cd") {
		t.Errorf("ID %q has the wrong shape", a)
	}
	if later := NewCampaignID(t0.Add(time.Second)); later <= a || later <= b {
		t.Errorf("%s does not sort after %s and %s", later, a, b)
	}
	if err := CheckCampaignID(a); err != nil {
		t.Error(err)
	}
}

func TestNilJournalRecordsNothing(t *testing.T) {
	var j *Journal
	if err := j.Append(Event{Kind: EventCreated, CampaignID: "cmp_a"}); err != nil {
		t.Error(err)
	}
	if err := RecordJobStatus(j, "cmp_a", 0, "job", "DONE", nil, nil, nil, nil); err != nil {
		t.Error(err)
	}
	if j.Path() != "" || j.Close() != nil {
		t.Error("nil journal has a path or fails to close")
	}
}

func TestAppendAfterClose(t *testing.T) {
	j, _ := openTestJournal(t)
	j.Close()
	if err := j.Append(Event{Kind: EventCreated, CampaignID: "cmp_a"}); err == nil {
		t.Error("append after Close succeeded")
	}
}

// Another writer's torn line (a process killed mid-write while this one
// kept the journal open) must not swallow the next event.
func TestAppendEndsAnotherWritersTornLine(t *testing.T) {
	j, _ := openTestJournal(t)
	mustAppend(t, j, Event{Kind: EventCreated, At: t0, CampaignID: "cmp_a", Plan: []BatchPlan{{Index: 0, Recipients: 3}}})
	other, err := os.OpenFile(j.Path(), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.WriteString(`{"event":"pending","campaignId":"cmp_a","bat`); err != nil {
		t.Fatal(err)
	}
	other.Close()
	mustAppend(t, j, Event{Kind: EventRejected, CampaignID: "cmp_a", Batch: ptr(0), Error: "HTTP 400"})

	recs, warns, err := ReadJournal(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "line 2") {
		t.Errorf("warnings = %q, want one for the torn line 2", warns)
	}
	if b := recs[0].Batches[0]; b.State != StateRejected || b.Error != "HTTP 400" {
		t.Errorf("event after the torn line = %+v, want rejected", b)
	}
}

// A write that fails part-way is taken back, so the journal never ends in
// a torn line of its own making.
func TestAppendFailedWriteIsTakenBack(t *testing.T) {
	j, _ := openTestJournal(t)
	mustAppend(t, j, Event{Kind: EventCreated, At: t0, CampaignID: "cmp_a", Plan: []BatchPlan{{Index: 0, Recipients: 3}}})
	before, err := os.ReadFile(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	j.write = func(f *os.File, b []byte) (int, error) {
		n, _ := f.Write(b[:len(b)/2])
		return n, errors.New("no space left on device")
	}
	if err := j.Append(Event{Kind: EventPending, CampaignID: "cmp_a", Batch: ptr(0)}); err == nil ||
		!strings.Contains(err.Error(), "no space left") {
		t.Errorf("failed write: %v", err)
	}
	if after, _ := os.ReadFile(j.Path()); string(after) != string(before) {
		t.Errorf("journal after a failed write:\n%s\nwant it unchanged:\n%s", after, before)
	}
	j.write = nil
	mustAppend(t, j, Event{Kind: EventAccepted, CampaignID: "cmp_a", Batch: ptr(0), JobID: "job_1"})
	recs, warns, err := ReadJournal(j.Path())
	if err != nil || len(warns) > 0 || recs[0].Batches[0].State != StateAccepted {
		t.Errorf("after a failed write: %+v, %q, %v", recs, warns, err)
	}
}

func TestJournalNotSentIsPendingAgain(t *testing.T) {
	j, _ := openTestJournal(t)
	mustAppend(t, j,
		Event{Kind: EventCreated, At: t0, CampaignID: "cmp_a", Plan: []BatchPlan{{Index: 0, Recipients: 3}, {Index: 1, Recipients: 3}}},
		Event{Kind: EventPending, CampaignID: "cmp_a", Batch: ptr(0)},
		Event{Kind: EventNotSent, CampaignID: "cmp_a", Batch: ptr(0), Error: "not sent: context canceled"},
		Event{Kind: EventPending, CampaignID: "cmp_a", Batch: ptr(1)},
	)
	recs, warns, err := ReadJournal(j.Path())
	if err != nil || len(warns) > 0 {
		t.Fatalf("ReadJournal: %v %q", err, warns)
	}
	compareBatches(t, recs[0].Batches, []BatchRecord{
		{Index: 0, Recipients: 3, State: StatePending, Error: "not sent: context canceled"},
		{Index: 1, Recipients: 3, State: StateUnknown, Error: interruptedError},
	})
}

// absurdJournal is a hand-made journal whose damaged lines name absurd
// batch indexes: in a campaign with a plan, in a campaign whose created
// line was lost, and in a created line's own plan.
func absurdJournal(t testing.TB) string {
	t.Helper()
	accepted := func(campaignID string, batch int64) string {
		line := fmt.Sprintf(`{"event":"accepted","at":"2025-01-02T03:04:05Z","campaignId":%q,"batch":%d,"jobId":"job_9","status":"PROCESSING","messages":[{"id":"true_919999999999@c.us_3EB0C431C2","to":"919999999999","status":"PENDING"}],"note":"`, campaignID, batch)
		// The damaged line was 465 bytes long.
		return line + strings.Repeat("x", 465-len(line)-2) + `"}`
	}
	lines := []string{
		`{"event":"created","at":"2025-01-02T03:04:05Z","campaignId":"cmp_a","type":"TEXT","recipients":3,"batches":[{"index":0,"recipients":1},{"index":1,"recipients":1},{"index":2,"recipients":1}]}`,
		accepted("cmp_a", 999999),    // 2: past cmp_a's plan of 3
		accepted("cmp_lost", 999999), // 3: no plan: far past the events seen
		accepted("cmp_lost2", 1<<40), // 4
		`{"event":"created","at":"2025-01-02T03:04:05Z","campaignId":"cmp_b","type":"TEXT","recipients":2,"batches":[{"index":0,"recipients":1},{"index":1099511627776,"recipients":1}]}`, // 5
		accepted("cmp_lost3", 1), // 6: a plausible batch of a lost campaign
		accepted("cmp_a", 2),     // 7: fine
	}
	if n := len(lines[1]); n != 465 {
		t.Fatalf("the damaged line is %d bytes, want 465", n)
	}
	path := filepath.Join(t.TempDir(), JournalFile)
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A damaged line naming batch 999999 (or 2^40) is reported with its line
// number and skipped; the reader never allocates for the batches it names.
func TestJournalAbsurdBatchIndexIsReportedNotAllocated(t *testing.T) {
	path := absurdJournal(t)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	recs, warns, err := ReadJournal(path)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	// Reading 7 short lines costs kilobytes; one allocation for 999999
	// batches would cost hundreds of megabytes.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("reading the journal allocated %d bytes, want under 1 MiB", alloc)
	}
	want := map[int]string{
		2: "campaign cmp_a: batch index 999999 not in its plan of 3 batches",
		3: "campaign cmp_lost: batch index 999999 is far past the 0 events seen for it, and its created line is missing",
		4: "campaign cmp_lost2: batch index 1099511627776 is far past",
		5: "campaign cmp_b: batch index 1099511627776 not in its plan of 2 batches",
	}
	if len(warns) != len(want) {
		t.Fatalf("warnings = %q, want %d", warns, len(want))
	}
	for i, line := range []int{2, 3, 4, 5} {
		if w := warns[i]; !strings.Contains(w, fmt.Sprintf("%s line %d: %s", path, line, want[line])) {
			t.Errorf("warning %d = %q, want line %d: %q", i, w, line, want[line])
		}
	}
	for id, batches := range map[string]int{"cmp_a": 3, "cmp_b": 2, "cmp_lost3": 2} {
		r := FindCampaign(recs, id)
		if r == nil || len(r.Batches) != batches {
			t.Errorf("%s = %+v, want %d batches", id, r, batches)
		}
	}
	// A campaign known only from skipped lines is not listed empty.
	if len(recs) != 3 {
		t.Errorf("%d campaigns listed, want 3: %+v", len(recs), recs)
	}
	if a := FindCampaign(recs, "cmp_a"); a != nil && a.Batches[2].State != StateAccepted {
		t.Errorf("cmp_a's good line after the damaged ones was lost: %+v", a.Batches[2])
	}
}

// The cost of reading a damaged journal: bytes per read stay at the size
// of the file, whatever index its lines name.
//
//	go test ./campaign -run '^$' -bench JournalAbsurd -benchmem
func BenchmarkReadJournalAbsurdBatchIndex(b *testing.B) {
	path := absurdJournal(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ReadJournal(path); err != nil {
			b.Fatal(err)
		}
	}
}
