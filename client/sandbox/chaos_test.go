package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

const sendOne = `{"type":"TEXT","content":"hi","recipients":["919999999999"]}`

// capture is a ResponseWriter that keeps the first 64 KiB of the body and
// counts the rest: a huge fault costs no memory in tests either.
type capture struct {
	Code int
	h    http.Header
	Body bytes.Buffer
	N    int
}

func (c *capture) Header() http.Header { return c.h }
func (c *capture) WriteHeader(code int) {
	if c.Code == 0 {
		c.Code = code
	}
}
func (c *capture) Write(p []byte) (int, error) {
	c.WriteHeader(http.StatusOK)
	c.N += len(p)
	if room := 64<<10 - c.Body.Len(); room > 0 {
		c.Body.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// raw serves one request in process and returns status, headers and body.
func raw(s http.Handler, method, path, body string) *capture {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("x-api-key", Key)
	rec := &capture{h: http.Header{}}
	s.ServeHTTP(rec, req)
	return rec
}

// faultless lists every fault but FaultSlow, which would sleep in an
// in-process call with no client to give up.
func faultless() []Fault {
	var out []Fault
	for _, f := range Faults() {
		if f != FaultSlow {
			out = append(out, f)
		}
	}
	return out
}

func TestChaosIsDeterministicPerSeed(t *testing.T) {
	run := func(seed int64) (codes []int, counts map[Fault]int) {
		s := New(WithSeed(seed), WithChaos(0.3), WithChaosFaults(faultless()...))
		for range 300 {
			codes = append(codes, raw(s, "POST", "/messages/send", sendOne).Code)
		}
		return codes, s.FaultCounts()
	}
	a, ca := run(1)
	b, cb := run(1)
	c, _ := run(2)
	if !reflect.DeepEqual(a, b) || !reflect.DeepEqual(ca, cb) {
		t.Fatal("the same seed must replay the same faults")
	}
	if reflect.DeepEqual(a, c) {
		t.Fatal("another seed should give another sequence")
	}
	total := 0
	for _, f := range faultless() {
		if ca[f] == 0 {
			t.Errorf("fault %s never chosen in 300 requests: %v", f, ca)
		}
		total += ca[f]
	}
	// 30% of 300 is 90; the seed makes this exact, the bound is loose so a
	// change of hash does not break it.
	if total < 60 || total > 120 {
		t.Fatalf("%d faults in 300 requests at share 0.3", total)
	}
	ok := 0
	for _, code := range a {
		if code == 200 {
			ok++
		}
	}
	// Truncated answers keep the real 200; every other fault is not a 200.
	if want := 300 - total + ca[FaultTruncated]; ok != want {
		t.Fatalf("%d answers were 200, want %d", ok, want)
	}
}

func TestChaosOffByDefaultAndSwitchable(t *testing.T) {
	s := New(WithChaosFaults(FaultServerError))
	for range 50 {
		if rec := raw(s, "POST", "/messages/send", sendOne); rec.Code != 200 {
			t.Fatalf("no WithChaos, yet %d", rec.Code)
		}
	}
	s.SetChaos(1)
	if rec := raw(s, "POST", "/messages/send", sendOne); rec.Code != 500 {
		t.Fatalf("chaos 1 with only 500s: got %d", rec.Code)
	}
	s.SetChaos(0)
	if rec := raw(s, "POST", "/messages/send", sendOne); rec.Code != 200 {
		t.Fatalf("chaos switched off: got %d", rec.Code)
	}
	if n := s.FaultCounts()[FaultServerError]; n != 1 || s.SendCount() != 51 {
		t.Fatalf("faults %d sends %d", n, s.SendCount())
	}
}

func TestChaosEndpoints(t *testing.T) {
	s := New(WithChaos(1), WithChaosFaults(FaultRateLimit), WithChaosEndpoints(EndpointJob))
	rec := raw(s, "POST", "/messages/send", `{"type":"TEXT","content":"hi","recipients":`+phones(11)+`}`)
	if rec.Code != 200 {
		t.Fatalf("send is not chaotic here: %d %s", rec.Code, rec.Body.String())
	}
	id := s.JobIDs()[0]
	rec = raw(s, "GET", "/bulk-jobs/"+id, "")
	if rec.Code != 429 || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("job poll: %d Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
}

// Faults that refuse a send must leave no trace of it; faults that garble
// the answer must have processed it.
func TestChaosOnSendRecordsOnlyWhatWasProcessed(t *testing.T) {
	for _, tc := range []struct {
		fault     Fault
		code      int
		processed bool
	}{
		{FaultServerError, 500, false},
		{FaultHugeError, 500, false},
		{FaultRateLimit, 429, false},
		{FaultRequestTimeout, 408, false},
		{FaultHTMLGateway, 502, false},
		{FaultTruncated, 200, true},
	} {
		t.Run(string(tc.fault), func(t *testing.T) {
			s := New(WithChaos(1), WithChaosFaults(tc.fault))
			for _, body := range []string{sendOne, `{"type":"TEXT","content":"hi","recipients":` + phones(11) + `}`} {
				rec := raw(s, "POST", "/messages/send", body)
				if rec.Code != tc.code {
					t.Fatalf("status %d, want %d", rec.Code, tc.code)
				}
				if tc.fault == FaultHugeError && rec.N != HugeErrorSize {
					t.Fatalf("huge body of %d bytes, want %d", rec.N, HugeErrorSize)
				}
				var v any
				if err := json.Unmarshal(rec.Body.Bytes(), &v); err == nil && tc.fault == FaultTruncated {
					t.Fatalf("a truncated answer parsed: %s", rec.Body.String())
				}
			}
			sends, jobs, rc := s.SendCount(), len(s.JobIDs()), len(s.RecipientCounts())
			if tc.processed && (sends != 2 || jobs != 1 || rc != 12) {
				t.Fatalf("processed: sends %d jobs %d recipients %d, want 2 1 12", sends, jobs, rc)
			}
			if !tc.processed && (sends != 0 || jobs != 0 || rc != 0) {
				t.Fatalf("refused before processing, yet sends %d jobs %d recipients %d", sends, jobs, rc)
			}
			if s.Hits(EndpointSend) != 2 || s.FaultCounts()[tc.fault] != 2 {
				t.Fatalf("hits %d faults %v", s.Hits(EndpointSend), s.FaultCounts())
			}
		})
	}
}

func TestChaosBodies(t *testing.T) {
	s := New(WithChaos(1), WithChaosFaults(FaultHTMLGateway))
	rec := raw(s, "POST", "/messages/send", sendOne)
	body := rec.Body.String()
	for _, hostile := range []string{"\x1b[2J", "\x1b]52;c;", "\r", "\x07"} {
		if !strings.Contains(body, hostile) {
			t.Errorf("the HTML 502 lacks %q", hostile)
		}
	}
	if !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Errorf("Content-Type %q", rec.Header().Get("Content-Type"))
	}

	s = New(WithChaos(1), WithChaosFaults(FaultServerError))
	var e errBody
	if rec := raw(s, "GET", "/bulk-jobs/job_x", ""); rec.Code != 500 || json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error == "" {
		t.Fatalf("500: %d %s", rec.Code, rec.Body.String())
	}
}

func TestChaosHugeBodyIsStreamed(t *testing.T) {
	s := New(WithChaos(1), WithChaosFaults(FaultHugeError))
	srv := httptest.NewServer(s)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/bulk-jobs/job_x")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	head := make([]byte, 64)
	if _, err := io.ReadFull(resp.Body, head); err != nil || !strings.HasPrefix(string(head), `{"success":false,"error":"internal server error`) {
		t.Fatalf("head %q %v", head, err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || n+64 != HugeErrorSize || resp.StatusCode != 500 {
		t.Fatalf("read %d+64 bytes (%v), status %d; want %d", n, err, resp.StatusCode, HugeErrorSize)
	}
}

func TestChaosSlow(t *testing.T) {
	s := New(WithChaos(1), WithChaosFaults(FaultSlow), WithChaosTimeout(20*time.Millisecond))
	srv := httptest.NewServer(s)
	defer srv.Close()
	post := func(hc *http.Client) (*http.Response, error) {
		req, _ := http.NewRequest("POST", srv.URL+"/messages/send", strings.NewReader(sendOne))
		req.Header.Set("x-api-key", Key)
		return hc.Do(req)
	}
	// A patient client gets the real answer, late.
	resp, err := post(http.DefaultClient)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	err = json.NewDecoder(resp.Body).Decode(&m)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || m["success"] != true {
		t.Fatalf("late answer: %d %v %v", resp.StatusCode, m, err)
	}
	// An impatient one gives up, but the send happened all the same.
	s2 := New(WithChaos(1), WithChaosFaults(FaultSlow), WithChaosTimeout(time.Hour))
	srv.Close()
	srv = httptest.NewServer(s2)
	if _, err := post(&http.Client{Timeout: 50 * time.Millisecond}); err == nil {
		t.Fatal("an hour-late answer arrived")
	}
	if s.SendCount() != 1 {
		t.Fatalf("sends %d", s.SendCount())
	}
	// The handler records the send before it waits; the client's timeout
	// may beat the handler to it only on a very loaded machine.
	for deadline := time.Now().Add(5 * time.Second); s2.SendCount() == 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if s2.SendCount() != 1 {
		t.Fatalf("a slow send must still be processed: %d", s2.SendCount())
	}
	// The hour-long wait ended with the client: Close does not hang.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("a slow handler outlived its client")
	}
}

// Concurrent requests take numbers from one sequence: the fault tally
// after N requests is the same as sequentially (run with -race).
func TestChaosConcurrent(t *testing.T) {
	opts := []Option{WithSeed(9), WithChaos(0.5), WithChaosFaults(FaultServerError, FaultRateLimit, FaultTruncated, FaultHTMLGateway)}
	seq := New(opts...)
	for range 200 {
		raw(seq, "POST", "/messages/send", sendOne)
	}
	par := New(opts...)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				if (g+i)%2 == 0 {
					raw(par, "POST", "/messages/send", sendOne)
				} else {
					raw(par, "GET", "/bulk-jobs/job_x", "")
				}
			}
		}()
	}
	wg.Wait()
	if a, b := seq.FaultCounts(), par.FaultCounts(); !reflect.DeepEqual(a, b) {
		t.Fatalf("tallies differ: %v vs %v", a, b)
	}
}

func TestParseFaults(t *testing.T) {
	for in, want := range map[string][]Fault{
		"":               Faults(),
		"all":            Faults(),
		"500, 429,500":   {FaultServerError, FaultRateLimit},
		"SLOW,truncated": {FaultSlow, FaultTruncated},
		"408,429":        {FaultRequestTimeout, FaultRateLimit},
	} {
		got, err := ParseFaults(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParseFaults(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"503", ",", "500,nope"} {
		if _, err := ParseFaults(bad); err == nil || !strings.Contains(err.Error(), fmt.Sprint(FaultHTMLGateway)) {
			t.Errorf("ParseFaults(%q): want an error listing the faults, got %v", bad, err)
		}
	}
}

// Chaos on polls only, over real HTTP: every send goes through, and about
// the chosen share of polls is answered 429 with a short Retry-After.
func TestChaosOnPollsOnly(t *testing.T) {
	l := startLive(t, WithSeed(5), WithChaos(0.4), WithChaosFaults(FaultRateLimit), WithChaosOn(ChaosOnPolls))
	var ids []string
	for i := range 20 {
		ids = append(ids, l.bulk(i*20, 11))
	}
	if n := l.s.FaultCounts()[FaultRateLimit]; n != 0 {
		t.Fatalf("%d sends were faulted; polls only", n)
	}
	const polls = 500
	limited := 0
	for i := range polls {
		code, h, m := l.do("GET", "/bulk-jobs/"+ids[i%len(ids)], "")
		switch code {
		case 200:
		case 429:
			limited++
			if ra := h.Get("Retry-After"); ra != "1" {
				t.Fatalf("429 with Retry-After %q, want 1", ra)
			}
		default:
			t.Fatalf("poll %d: %d %v", i, code, m)
		}
	}
	if share := float64(limited) / polls; share < 0.33 || share > 0.47 {
		t.Fatalf("%d of %d polls answered 429 (%.2f), want about 0.4", limited, polls, share)
	}
	if got := l.s.FaultCounts()[FaultRateLimit]; got != limited || l.s.SendCount() != 20 {
		t.Fatalf("faults %d (saw %d), sends %d", got, limited, l.s.SendCount())
	}
}

// Chaos on sends only leaves every poll alone; 408 is a fault of its own.
func TestChaosOnSendsOnly(t *testing.T) {
	s := New(WithChaos(1), WithChaosFaults(FaultRequestTimeout), WithChaosOn(ChaosOnSends))
	if rec := raw(s, "POST", "/messages/send", sendOne); rec.Code != http.StatusRequestTimeout || !strings.Contains(rec.Body.String(), "request timeout") {
		t.Fatalf("send: %d %s", rec.Code, rec.Body.String())
	}
	s.SetChaos(0)
	raw(s, "POST", "/messages/send", `{"type":"TEXT","content":"hi","recipients":`+phones(11)+`}`)
	s.SetChaos(1)
	for range 20 {
		if rec := raw(s, "GET", "/bulk-jobs/"+s.JobIDs()[0], ""); rec.Code != 200 {
			t.Fatalf("a poll was faulted: %d", rec.Code)
		}
	}
	// WithChaosOn(all) after a narrower choice restores both.
	s = New(WithChaos(1), WithChaosFaults(FaultRequestTimeout), WithChaosOn(ChaosOnPolls), WithChaosOn(ChaosOnAll))
	if raw(s, "POST", "/messages/send", sendOne).Code != 408 || raw(s, "GET", "/bulk-jobs/job_x", "").Code != 408 {
		t.Fatal("chaos on all must fault sends and polls")
	}
}

func TestParseChaosOn(t *testing.T) {
	for in, want := range map[string]ChaosTarget{"": ChaosOnAll, "all": ChaosOnAll, " Polls ": ChaosOnPolls, "SENDS": ChaosOnSends} {
		if got, err := ParseChaosOn(in); err != nil || got != want {
			t.Errorf("ParseChaosOn(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseChaosOn("gets"); err == nil || !strings.Contains(err.Error(), "polls, sends or all") {
		t.Errorf("ParseChaosOn(gets): %v", err)
	}
}
