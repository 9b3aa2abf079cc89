package campaign

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

type unknownErr struct{}

func (unknownErr) Error() string {
	return "POST /messages/send: connection reset after request was written"
}
func (unknownErr) OutcomeUnknown() bool { return true }

// fakeAPI is a SendFunc that records what arrived and answers by batch.
type fakeAPI struct {
	mu       sync.Mutex
	received [][]string           // recipients per call, in order
	answer   func(call int) error // nil answer: accept
	after    func(call int)       // runs after the call (e.g. to cancel)
	outcome  func(r Request) SendOutcome
}

func (f *fakeAPI) send(ctx context.Context, r Request) (SendOutcome, error) {
	f.mu.Lock()
	call := len(f.received)
	f.received = append(f.received, append([]string(nil), r.Recipients...))
	f.mu.Unlock()
	if f.after != nil {
		defer f.after(call)
	}
	if f.answer != nil {
		if err := f.answer(call); err != nil {
			return SendOutcome{}, err
		}
	}
	if f.outcome != nil {
		return f.outcome(r), nil
	}
	return SendOutcome{Async: true, JobID: fmt.Sprintf("job_%d", call), Status: "PROCESSING"}, nil
}

func numbers(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("9199999%05d", i)
	}
	return out
}

func testCampaign(n int) Campaign {
	return Campaign{Type: TypeText, Content: "Sale ends today", Recipients: numbers(n), GroupIDs: []string{"grp_1"}}
}

func journalKinds(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("journal line %q: %v", sc.Text(), err)
		}
		if e.Batch != nil {
			out = append(out, fmt.Sprintf("%s %d", e.Kind, *e.Batch))
		} else {
			out = append(out, string(e.Kind))
		}
	}
	return out
}

func TestSubmitJournalsBatchesInOrder(t *testing.T) {
	j, dir := openTestJournal(t)
	api := &fakeAPI{}
	c := testCampaign(25)
	sub, err := Submit(context.Background(), j, c, SubmitOptions{BatchSize: 10, Operator: "alice", Now: func() time.Time { return t0 }}, api.send)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"created", "pending 0", "accepted 0", "pending 1", "accepted 1", "pending 2", "accepted 2"}
	if got := journalKinds(t, j.Path()); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("journal = %q\nwant %q", got, want)
	}
	if len(sub.Batches) != 3 {
		t.Fatalf("%d batches", len(sub.Batches))
	}
	for i, b := range sub.Batches {
		if b.Index != i || b.State != StateAccepted || b.Outcome.JobID != fmt.Sprintf("job_%d", i) || b.Err != nil {
			t.Errorf("batch %d = %+v", i, b)
		}
	}
	if sub.Batches[0].Groups != 1 || sub.Batches[1].Groups != 0 || sub.Batches[2].Recipients != 5 {
		t.Errorf("batch shapes = %+v", sub.Batches)
	}
	cf, err := LoadCampaignFile(dir, sub.CampaignID)
	if err != nil {
		t.Fatal(err)
	}
	if cf.BatchSize != 10 || len(cf.Campaign.Recipients) != 25 || cf.Operator != "alice" {
		t.Errorf("campaign file = %+v", cf)
	}
	recs, _, err := ReadJournal(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	r := FindCampaign(recs, sub.CampaignID)
	if r == nil || r.Recipients != 25 || r.Groups != 1 || r.Operator != "alice" || !r.CreatedAt.Equal(t0) ||
		r.Counts()[StateAccepted] != 3 || r.Batches[2].JobID != "job_2" {
		t.Errorf("journal record = %+v", r)
	}
}

func TestSubmitStopsAtUnknown(t *testing.T) {
	j, _ := openTestJournal(t)
	api := &fakeAPI{answer: func(call int) error {
		if call == 1 {
			return fmt.Errorf("sending batch: %w", unknownErr{})
		}
		return nil
	}}
	sub, err := Submit(context.Background(), j, testCampaign(30), SubmitOptions{BatchSize: 10}, api.send)
	if !IsOutcomeUnknown(err) {
		t.Fatalf("err = %v, want the unknown outcome", err)
	}
	states := []BatchState{sub.Batches[0].State, sub.Batches[1].State, sub.Batches[2].State}
	if states[0] != StateAccepted || states[1] != StateUnknown || states[2] != StatePending {
		t.Errorf("states = %v", states)
	}
	if len(api.received) != 2 {
		t.Errorf("%d requests sent, want 2 (stop after the unknown one)", len(api.received))
	}
	want := "created,pending 0,accepted 0,pending 1,unknown 1"
	if got := strings.Join(journalKinds(t, j.Path()), ","); got != want {
		t.Errorf("journal = %s, want %s", got, want)
	}
	recs, _, _ := ReadJournal(j.Path())
	if b := recs[0].Batches[1]; b.State != StateUnknown || !strings.Contains(b.Error, "connection reset") {
		t.Errorf("journaled batch 1 = %+v", b)
	}
}

func TestSubmitRejected(t *testing.T) {
	api := &fakeAPI{answer: func(int) error { return errors.New("HTTP 401: invalid API key") }}
	sub, err := Submit(context.Background(), nil, testCampaign(5), SubmitOptions{}, api.send)
	if err == nil || sub.Batches[0].State != StateRejected || sub.Batches[0].Err == nil {
		t.Errorf("Submit = %+v, %v; want rejected", sub, err)
	}
}

func TestSubmitCancelledBeforeSending(t *testing.T) {
	j, _ := openTestJournal(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	api := &fakeAPI{}
	sub, err := Submit(ctx, j, testCampaign(20), SubmitOptions{BatchSize: 10}, api.send)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
	if len(api.received) != 0 {
		t.Errorf("%d requests sent after cancel", len(api.received))
	}
	for _, b := range sub.Batches {
		if b.State != StatePending {
			t.Errorf("batch %d is %s, want pending", b.Index, b.State)
		}
	}
	if got := strings.Join(journalKinds(t, j.Path()), ","); got != "created" {
		t.Errorf("journal = %s", got)
	}
}

func TestSubmitCancelledMidSendIsUnknown(t *testing.T) {
	api := &fakeAPI{answer: func(int) error { return fmt.Errorf("post: %w", context.Canceled) }}
	sub, _ := Submit(context.Background(), nil, testCampaign(3), SubmitOptions{}, api.send)
	if sub.Batches[0].State != StateUnknown {
		t.Errorf("a send cut short by cancellation is %s, want unknown", sub.Batches[0].State)
	}
}

// notSentErr is how the client says ctx ended before the request left.
type notSentErr struct{ err error }

func (e notSentErr) Error() string      { return "POST /messages/send: not sent: " + e.err.Error() }
func (e notSentErr) Unwrap() error      { return e.err }
func (notSentErr) OutcomeUnknown() bool { return false }
func (notSentErr) NotSent() bool        { return true }

// A batch the client never sent stays pending — in the journal too, so a
// plain resume sends it — and Submit stops there.
func TestSubmitNotSentStaysPending(t *testing.T) {
	j, _ := openTestJournal(t)
	api := &fakeAPI{answer: func(call int) error {
		if call == 1 {
			return notSentErr{context.Canceled}
		}
		return nil
	}}
	sub, err := Submit(context.Background(), j, testCampaign(30), SubmitOptions{BatchSize: 10}, api.send)
	if !errors.Is(err, context.Canceled) || IsOutcomeUnknown(err) {
		t.Fatalf("err = %v", err)
	}
	states := []BatchState{sub.Batches[0].State, sub.Batches[1].State, sub.Batches[2].State}
	if states[0] != StateAccepted || states[1] != StatePending || states[2] != StatePending || len(api.received) != 2 {
		t.Errorf("states = %v after %d calls; want accepted, pending, pending after 2", states, len(api.received))
	}
	want := "created,pending 0,accepted 0,pending 1,notsent 1"
	if got := strings.Join(journalKinds(t, j.Path()), ","); got != want {
		t.Errorf("journal = %s, want %s", got, want)
	}
	recs, warns, err := ReadJournal(j.Path())
	if err != nil || len(warns) > 0 {
		t.Fatalf("ReadJournal: %v %q", err, warns)
	}
	r := FindCampaign(recs, sub.CampaignID)
	if got := batchStates(r.Batches); got != "accepted pending pending" {
		t.Fatalf("journaled states = %s, want accepted pending pending", got)
	}
	if !strings.Contains(r.Batches[1].Error, "not sent") {
		t.Errorf("batch 1's reason = %q", r.Batches[1].Error)
	}

	again := &fakeAPI{}
	res, err := Resume(context.Background(), j, sub.CampaignID, false, SubmitOptions{}, again.send)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.received) != 2 || again.received[0][0] != numbers(30)[10] {
		t.Errorf("resume sent %d requests (first to %v), want batches 2 and 3", len(again.received), again.received)
	}
	if got := resultStates(res.Batches); got != "accepted accepted accepted" {
		t.Errorf("after resume: %s", got)
	}
}

// Cancelled while the pending event was written: send is never called.
func TestSubmitCancelledWhileJournalingSendsNothing(t *testing.T) {
	j, _ := openTestJournal(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := 0
	now := func() time.Time {
		calls++
		if calls == 2 { // 1: Submit's own clock; 2: the "pending 0" event
			cancel()
		}
		return t0
	}
	api := &fakeAPI{}
	sub, err := Submit(ctx, j, testCampaign(5), SubmitOptions{Now: now}, api.send)
	if !errors.Is(err, context.Canceled) || len(api.received) != 0 || sub.Batches[0].State != StatePending {
		t.Fatalf("err %v, %d sent, batch 0 %s; want cancelled, nothing sent, pending", err, len(api.received), sub.Batches[0].State)
	}
	if got := strings.Join(journalKinds(t, j.Path()), ","); got != "created,pending 0,notsent 0" {
		t.Errorf("journal = %s", got)
	}
	recs, _, err := ReadJournal(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	if b := FindCampaign(recs, sub.CampaignID).Batches[0]; b.State != StatePending {
		t.Errorf("journaled batch 0 = %s, want pending (it was never sent)", b.State)
	}
}

func TestSubmitRefusesInvalidCampaign(t *testing.T) {
	api := &fakeAPI{}
	_, err := Submit(context.Background(), nil, Campaign{Type: TypeImage}, SubmitOptions{}, api.send)
	var ps Problems
	if !errors.As(err, &ps) || len(ps.For(FieldMediaURL)) == 0 || len(api.received) != 0 {
		t.Errorf("err = %v, sent %d", err, len(api.received))
	}
}

func TestSubmitNilJournal(t *testing.T) {
	api := &fakeAPI{outcome: func(r Request) SendOutcome {
		return SendOutcome{Messages: []SentMessage{{ID: "msg_1", Status: "SENT"}}}
	}}
	c := Campaign{Type: TypeText, Content: "hi", Recipients: numbers(2)}
	sub, err := Submit(context.Background(), nil, c, SubmitOptions{}, api.send)
	if err != nil || !strings.HasPrefix(sub.CampaignID, "cmp_") || sub.Batches[0].Outcome.Messages[0].ID != "msg_1" {
		t.Errorf("Submit = %+v, %v", sub, err)
	}
}

// A crash while journaling batch 1's outcome: the journal ends mid-line.
// Resume must send only the batches never begun, and no recipient twice.
func TestCrashThenResume(t *testing.T) {
	j, dir := openTestJournal(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := &fakeAPI{after: func(call int) {
		if call == 1 {
			cancel() // the process "dies" once batch 1 is sent
		}
	}}
	c := testCampaign(40)
	sub, err := Submit(ctx, j, c, SubmitOptions{BatchSize: 10}, first.send)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	j.Close()

	// Cut the journal in the middle of its last line (batch 1 accepted).
	data, err := os.ReadFile(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	lastStart := strings.LastIndex(strings.TrimSuffix(string(data), "\n"), "\n") + 1
	if !strings.Contains(string(data[lastStart:]), `"accepted"`) {
		t.Fatalf("last line is not batch 1's outcome: %s", data[lastStart:])
	}
	if err := os.WriteFile(j.Path(), data[:lastStart+20], 0o600); err != nil {
		t.Fatal(err)
	}

	recs, warns, err := ReadJournal(j.Path())
	if err != nil || len(warns) != 1 {
		t.Fatalf("ReadJournal: %v, warnings %q", err, warns)
	}
	r := FindCampaign(recs, sub.CampaignID)
	if got := batchStates(r.Batches); got != "accepted unknown pending pending" {
		t.Fatalf("after crash: %s", got)
	}

	j2, err := OpenJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	second := &fakeAPI{}
	res, err := Resume(context.Background(), j2, sub.CampaignID, false, SubmitOptions{}, second.send)
	if err != nil {
		t.Fatal(err)
	}
	if len(second.received) != 2 {
		t.Errorf("resume sent %d requests, want 2 (batches 2 and 3)", len(second.received))
	}
	seen := map[string]int{}
	for _, rs := range append(first.received, second.received...) {
		for _, n := range rs {
			seen[n]++
		}
	}
	for _, n := range c.Recipients {
		if seen[n] != 1 {
			t.Errorf("recipient %s was sent %d times", n, seen[n])
		}
	}
	if got := resultStates(res.Batches); got != "accepted unknown accepted accepted" {
		t.Errorf("resume result: %s", got)
	}
	if res.Batches[0].Outcome.JobID != "job_0" {
		t.Errorf("batch 0 outcome from the journal = %+v", res.Batches[0].Outcome)
	}

	// Resuming again sends nothing; with includeUnknown, only batch 1.
	again := &fakeAPI{}
	if _, err := Resume(context.Background(), j2, sub.CampaignID, false, SubmitOptions{}, again.send); err != nil || len(again.received) != 0 {
		t.Errorf("second resume sent %d, err %v", len(again.received), err)
	}
	if _, err := Resume(context.Background(), j2, sub.CampaignID, true, SubmitOptions{}, again.send); err != nil {
		t.Fatal(err)
	}
	if len(again.received) != 1 || again.received[0][0] != c.Recipients[10] {
		t.Errorf("includeUnknown resent %v, want batch 1 only", again.received)
	}
	recs, _, _ = ReadJournal(j2.Path())
	if n := FindCampaign(recs, sub.CampaignID).Counts()[StateAccepted]; n != 4 {
		t.Errorf("%d batches accepted in the journal, want 4", n)
	}
}

func TestResumeRetriesRejected(t *testing.T) {
	j, _ := openTestJournal(t)
	api := &fakeAPI{answer: func(call int) error {
		if call == 0 {
			return errors.New("HTTP 429: rate limited")
		}
		return nil
	}}
	sub, err := Submit(context.Background(), j, testCampaign(20), SubmitOptions{BatchSize: 10}, api.send)
	if err == nil || sub.Batches[0].State != StateRejected || sub.Batches[1].State != StatePending {
		t.Fatalf("Submit = %+v, %v", sub.Batches, err)
	}
	res, err := Resume(context.Background(), j, sub.CampaignID, false, SubmitOptions{}, api.send)
	if err != nil || res.Batches[0].State != StateAccepted || res.Batches[1].State != StateAccepted {
		t.Errorf("Resume = %+v, %v", res, err)
	}
	if len(api.received) != 3 {
		t.Errorf("%d requests in all, want 3", len(api.received))
	}
}

func TestResumeErrors(t *testing.T) {
	j, dir := openTestJournal(t)
	api := &fakeAPI{}
	if _, err := Resume(context.Background(), j, "cmp_20260101T000000Z_abcdef", false, SubmitOptions{}, api.send); err == nil {
		t.Error("resuming an unknown campaign succeeded")
	}
	if _, err := Resume(context.Background(), j, "../../x", false, SubmitOptions{}, api.send); err == nil {
		t.Error("resuming a path succeeded")
	}
	// A campaign file that disagrees with the journal is not resumed.
	sub, err := Submit(context.Background(), j, testCampaign(20), SubmitOptions{BatchSize: 10}, (&fakeAPI{answer: func(int) error { return errors.New("HTTP 500") }}).send)
	if err == nil {
		t.Fatal("want an error")
	}
	cf, _ := LoadCampaignFile(dir, sub.CampaignID)
	cf.BatchSize = 5
	if err := SaveCampaignFile(dir, *cf); err != nil {
		t.Fatal(err)
	}
	if _, err := Resume(context.Background(), j, sub.CampaignID, false, SubmitOptions{}, api.send); err == nil || len(api.received) != 0 {
		t.Errorf("resume of a mismatched campaign: %v, sent %d", err, len(api.received))
	}
}

func batchStates(bs []BatchRecord) string {
	var out []string
	for _, b := range bs {
		out = append(out, string(b.State))
	}
	return strings.Join(out, " ")
}

func resultStates(bs []BatchResult) string {
	var out []string
	for _, b := range bs {
		out = append(out, string(b.State))
	}
	return strings.Join(out, " ")
}

func TestResumeRefusesCampaignBeingSent(t *testing.T) {
	j, _ := openTestJournal(t)
	var resumeErr error
	api := &fakeAPI{}
	api.after = func(call int) {
		if call == 0 {
			// While batch 0 is in flight, another session tries to resume.
			recs, _, err := ReadJournal(j.Path())
			if err != nil || len(recs) != 1 {
				t.Errorf("journal during send: %v, %d campaigns", err, len(recs))
				return
			}
			_, resumeErr = Resume(context.Background(), j, recs[0].CampaignID, false, SubmitOptions{}, api.send)
		}
	}
	if _, err := Submit(context.Background(), j, testCampaign(20), SubmitOptions{BatchSize: 10}, api.send); err != nil {
		t.Fatal(err)
	}
	if resumeErr == nil || !strings.Contains(resumeErr.Error(), "being sent") {
		t.Errorf("concurrent resume: %v", resumeErr)
	}
	if len(api.received) != 2 {
		t.Errorf("%d requests, want 2", len(api.received))
	}
}

// Two resumes of one campaign in one process: the second, started while
// the first is mid-send, sends nothing and says the campaign is busy.
func TestConcurrentResumesSendOnce(t *testing.T) {
	j, _ := openTestJournal(t)
	first := &fakeAPI{answer: func(int) error { return errors.New("HTTP 500") }}
	sub, err := Submit(context.Background(), j, testCampaign(20), SubmitOptions{BatchSize: 10}, first.send)
	if err == nil {
		t.Fatal("want the first batch rejected")
	}
	started, release := make(chan struct{}), make(chan struct{})
	a := &fakeAPI{answer: func(call int) error {
		if call == 0 {
			close(started)
			<-release
		}
		return nil
	}}
	done := make(chan error, 1)
	go func() {
		_, err := Resume(context.Background(), j, sub.CampaignID, false, SubmitOptions{}, a.send)
		done <- err
	}()
	<-started
	b := &fakeAPI{}
	res, errB := Resume(context.Background(), j, sub.CampaignID, false, SubmitOptions{}, b.send)
	close(release)
	if errA := <-done; errA != nil {
		t.Fatalf("first resume: %v", errA)
	}
	if !errors.Is(errB, ErrCampaignBusy) || res != nil ||
		!strings.Contains(errB.Error(), "is being sent by another spotcast process; wait for it or check `spotcast jobs`") {
		t.Errorf("second resume: %v, %+v; want the busy error", errB, res)
	}
	if len(a.received) != 2 || len(b.received) != 0 {
		t.Errorf("first resume sent %d, second %d; want 2 and 0", len(a.received), len(b.received))
	}
	recs, _, _ := ReadJournal(j.Path())
	if got := batchStates(FindCampaign(recs, sub.CampaignID).Batches); got != "accepted accepted" {
		t.Errorf("journal after resumes: %s", got)
	}
}

// Reordering recipients keeps every count, but the batches would reach
// other people than planned: resume refuses and names the file.
func TestResumeRefusesEditedCampaignFile(t *testing.T) {
	j, dir := openTestJournal(t)
	first := &fakeAPI{answer: func(int) error { return errors.New("HTTP 500") }}
	sub, err := Submit(context.Background(), j, testCampaign(20), SubmitOptions{BatchSize: 10}, first.send)
	if err == nil {
		t.Fatal("want the first batch rejected")
	}
	cf, err := LoadCampaignFile(dir, sub.CampaignID)
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(cf.Campaign.Recipients)
	if err := SaveCampaignFile(dir, *cf); err != nil {
		t.Fatal(err)
	}
	api := &fakeAPI{}
	_, err = Resume(context.Background(), j, sub.CampaignID, false, SubmitOptions{}, api.send)
	if err == nil || !strings.Contains(err.Error(), CampaignPath(dir, sub.CampaignID)) || !strings.Contains(err.Error(), "not resuming") {
		t.Errorf("resume of an edited campaign file: %v; want a refusal naming the file", err)
	}
	if len(api.received) != 0 {
		t.Errorf("%d requests sent from an edited campaign file", len(api.received))
	}
}

// A journal written before request hashes were recorded still resumes,
// checked by counts alone.
func TestResumeJournalWithoutHashes(t *testing.T) {
	j, dir := openTestJournal(t)
	const id = "cmp_20261125T124501Z_0a0b0c"
	c := testCampaign(20)
	if err := SaveCampaignFile(dir, CampaignFile{CampaignID: id, CreatedAt: t0, BatchSize: 10, Campaign: c}); err != nil {
		t.Fatal(err)
	}
	mustAppend(t, j, Event{Kind: EventCreated, At: t0, CampaignID: id, CreatedAt: t0, Type: c.Type, Recipients: 20, Groups: 1,
		BatchSize: 10, Plan: []BatchPlan{{Index: 0, Recipients: 10, Groups: 1}, {Index: 1, Recipients: 10}}})
	api := &fakeAPI{}
	if _, err := Resume(context.Background(), j, id, false, SubmitOptions{}, api.send); err != nil || len(api.received) != 2 {
		t.Errorf("resume of an old journal: %v, sent %d, want 2", err, len(api.received))
	}
}
