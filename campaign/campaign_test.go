package campaign

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParseMessageType(t *testing.T) {
	for in, want := range map[string]MessageType{"text": TypeText, " Image ": TypeImage, "VIDEO": TypeVideo, "document": TypeDocument} {
		if got, err := ParseMessageType(in); err != nil || got != want {
			t.Errorf("ParseMessageType(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseMessageType("AUDIO"); err == nil || !strings.Contains(err.Error(), "TEXT, IMAGE, VIDEO or DOCUMENT") {
		t.Errorf("AUDIO: %v", err)
	}
}

func TestValidateLimits(t *testing.T) {
	now := t0
	// "é" is two bytes and "👋" four: limits count characters, not bytes.
	text := func(n int) string { return strings.Repeat("é", n-1) + "👋" }
	tests := []struct {
		name    string
		c       Campaign
		problem string // field with a problem, "" for none
	}{
		{"text at limit", Campaign{Type: TypeText, Content: text(4096), Recipients: []string{"1"}}, ""},
		{"text over limit", Campaign{Type: TypeText, Content: text(4097), Recipients: []string{"1"}}, FieldContent},
		{"caption at limit", Campaign{Type: TypeImage, Content: text(1024), MediaURL: "https://x.test/a.jpg", Recipients: []string{"1"}}, ""},
		{"caption over limit", Campaign{Type: TypeVideo, Content: text(1025), MediaURL: "https://x.test/a.mp4", Recipients: []string{"1"}}, FieldContent},
		{"media without caption", Campaign{Type: TypeDocument, MediaURL: "http://x.test/a.pdf", GroupIDs: []string{"g"}}, ""},
		{"blank text", Campaign{Type: TypeText, Content: " \n\t", Recipients: []string{"1"}}, FieldContent},
		{"media URL missing", Campaign{Type: TypeImage, Recipients: []string{"1"}}, FieldMediaURL},
		{"media URL ftp", Campaign{Type: TypeImage, MediaURL: "ftp://x.test/a.jpg", Recipients: []string{"1"}}, FieldMediaURL},
		{"media URL without host", Campaign{Type: TypeImage, MediaURL: "https:///a.jpg", Recipients: []string{"1"}}, FieldMediaURL},
		{"media URL on text", Campaign{Type: TypeText, Content: "x", MediaURL: "https://x.test/a.jpg", Recipients: []string{"1"}}, FieldMediaURL},
		{"blank media URL on text is no URL", Campaign{Type: TypeText, Content: "x", MediaURL: " ", Recipients: []string{"1"}}, ""},
		{"groups only", Campaign{Type: TypeText, Content: "x", GroupIDs: []string{"g"}}, ""},
		{"empty group", Campaign{Type: TypeText, Content: "x", GroupIDs: []string{" "}}, FieldGroups},
		{"schedule now", Campaign{Type: TypeText, Content: "x", Recipients: []string{"1"}, ScheduledAt: now}, ""},
		{"schedule past", Campaign{Type: TypeText, Content: "x", Recipients: []string{"1"}, ScheduledAt: now.Add(-time.Second)}, FieldSchedule},
		{"bad type", Campaign{Type: "AUDIO", Content: "x", Recipients: []string{"1"}}, FieldType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := tt.c.Validate(now)
			if tt.problem == "" {
				if ps != nil {
					t.Errorf("Validate = %v, want none", ps)
				}
				return
			}
			if len(ps) != 1 || ps[0].Field != tt.problem {
				t.Errorf("Validate = %v, want one problem on %s", ps, tt.problem)
			}
		})
	}
}

func TestValidateReportsEverythingAtOnce(t *testing.T) {
	c := Campaign{
		Type:        TypeImage,
		Content:     strings.Repeat("ü", 1030),
		MediaURL:    "not a url",
		ScheduledAt: t0.Add(-time.Hour),
	}
	ps := c.Validate(t0)
	for _, f := range []string{FieldContent, FieldMediaURL, FieldRecipients, FieldSchedule} {
		if len(ps.For(f)) != 1 {
			t.Errorf("no problem for %s in %v", f, ps)
		}
	}
	if len(ps) != 4 {
		t.Errorf("%d problems, want 4: %v", len(ps), ps)
	}
	msg := ps.Error()
	for _, want := range []string{
		"content: caption is 1,030 characters; WhatsApp allows at most 1,024 — shorten it by 6",
		`media-url: "not a url" is not an http(s) URL`,
		"recipients: no recipients",
		"schedule: 2026-11-25T11:45:01Z is in the past (it is now 2026-11-25T12:45:01Z)",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("Problems.Error() = %q\nlacks %q", msg, want)
		}
	}
}

func encode(t *testing.T, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // as the client sends it
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func TestRequestsJSON(t *testing.T) {
	ist := time.FixedZone("IST", 5*3600+1800)
	tests := []struct {
		name  string
		c     Campaign
		batch int
		want  []string
	}{
		{
			"text, omits empty optional fields",
			Campaign{Type: TypeText, Content: "Hello <b> & bye", Recipients: []string{"919999999999"}},
			0,
			[]string{`{"type":"TEXT","content":"Hello <b> & bye","recipients":["919999999999"]}`},
		},
		{
			"image repeats caption, scheduledAt in UTC",
			Campaign{Type: TypeImage, Content: "Look", MediaURL: " https://x.test/a.jpg ", GroupIDs: []string{"g1"},
				ScheduledAt: time.Date(2023, 12, 25, 15, 30, 0, 500, ist)},
			0,
			[]string{`{"type":"IMAGE","content":"Look","mediaUrl":"https://x.test/a.jpg","groupIds":["g1"],"caption":"Look","scheduledAt":"2023-12-25T10:00:00Z"}`},
		},
		{
			"document without caption",
			Campaign{Type: TypeDocument, MediaURL: "https://x.test/f.pdf", Recipients: []string{"1", "2"}},
			0,
			[]string{`{"type":"DOCUMENT","content":"","mediaUrl":"https://x.test/f.pdf","recipients":["1","2"]}`},
		},
		{
			"batches split, groups in the first only",
			Campaign{Type: TypeText, Content: "x", Recipients: []string{"1", "2", "3", "4", "5"}, GroupIDs: []string{"g1", "g2"}},
			2,
			[]string{
				`{"type":"TEXT","content":"x","recipients":["1","2"],"groupIds":["g1","g2"]}`,
				`{"type":"TEXT","content":"x","recipients":["3","4"]}`,
				`{"type":"TEXT","content":"x","recipients":["5"]}`,
			},
		},
		{
			"batch size equal to recipients is one request",
			Campaign{Type: TypeText, Content: "x", Recipients: []string{"1", "2"}},
			2,
			[]string{`{"type":"TEXT","content":"x","recipients":["1","2"]}`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reqs := tt.c.Requests(tt.batch)
			if len(reqs) != len(tt.want) {
				t.Fatalf("%d requests, want %d", len(reqs), len(tt.want))
			}
			for i, r := range reqs {
				if got := encode(t, r); got != tt.want[i] {
					t.Errorf("request %d:\n got %s\nwant %s", i, got, tt.want[i])
				}
			}
		})
	}
}

func TestRequestsCoverEveryRecipientOnce(t *testing.T) {
	c := Campaign{Type: TypeText, Content: "x", Recipients: numbers(1001)}
	for _, size := range []int{1, 7, 10, 1000, 1001, 5000} {
		var got []string
		for _, r := range c.Requests(size) {
			if len(r.Recipients) > size {
				t.Errorf("batch size %d: a request has %d recipients", size, len(r.Recipients))
			}
			got = append(got, r.Recipients...)
		}
		if strings.Join(got, ",") != strings.Join(c.Recipients, ",") {
			t.Errorf("batch size %d: recipients lost, repeated or reordered", size)
		}
	}
}

func TestIsBulk(t *testing.T) {
	for _, tt := range []struct {
		r    Request
		want bool
	}{
		{Request{Recipients: numbers(10)}, false},
		{Request{Recipients: numbers(11)}, true},
		{Request{Recipients: numbers(1), GroupIDs: []string{"g"}}, true},
	} {
		if got := tt.r.IsBulk(); got != tt.want {
			t.Errorf("IsBulk(%d recipients, %d groups) = %v", len(tt.r.Recipients), len(tt.r.GroupIDs), got)
		}
	}
}

// CountRequests counts requests without building them; the count must be
// what Requests builds.
func TestCountRequestsMatchesRequests(t *testing.T) {
	for n := 0; n <= 35; n++ {
		for groups := 0; groups <= 2; groups++ {
			for size := -1; size <= 37; size++ {
				c := Campaign{Type: TypeText, Content: "Hi", Recipients: testNumbers(n)}
				for g := 0; g < groups; g++ {
					c.GroupIDs = append(c.GroupIDs, fmt.Sprintf("grp_%d", g))
				}
				reqs := c.Requests(size)
				bulk := 0
				for _, r := range reqs {
					if r.IsBulk() {
						bulk++
					}
				}
				gotReqs, gotBulk := CountRequests(n, groups, size)
				if gotReqs != len(reqs) || gotBulk != bulk {
					t.Fatalf("n=%d groups=%d size=%d: plan %d requests %d bulk, Requests %d and %d",
						n, groups, size, gotReqs, gotBulk, len(reqs), bulk)
				}
			}
		}
	}
}

func testNumbers(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("9198765%05d", i)
	}
	return out
}

// One merge for every face: each number once, duplicates counted, in the
// order the face asks for.
func TestAudience(t *testing.T) {
	list := []Recipient{{Phone: "1"}, {Phone: "2"}}
	typed := []string{"2", "3", "3"}
	if got, d, _ := Audience(list, typed, true, OptedOut{}); strings.Join(got, ",") != "2,3,1" || d != 2 {
		t.Errorf("typed first: %v, %d duplicates", got, d)
	}
	if got, d, _ := Audience(list, typed, false, OptedOut{}); strings.Join(got, ",") != "1,2,3" || d != 2 {
		t.Errorf("list first: %v, %d duplicates", got, d)
	}
	if got, d, _ := Audience(nil, nil, true, OptedOut{}); len(got) != 0 || d != 0 {
		t.Errorf("empty: %v %d", got, d)
	}
	// Who opted out is left out, from the list and the typed numbers alike.
	off := OptedOut{Set: map[string]bool{"1": true, "3": true}}
	for _, first := range []bool{true, false} {
		if got, d, left := Audience(list, typed, first, off); strings.Join(got, ",") != "2" || d != 2 || left != 2 {
			t.Errorf("suppressed (typed first %v): %v, %d duplicates, %d left out", first, got, d, left)
		}
	}
	// A number left out of the list at import and typed too is counted
	// once: the typed one is a duplicate.
	for _, first := range []bool{true, false} {
		if got, d, left := Audience([]Recipient{{Phone: "2"}}, []string{"3", "4"}, first, OptedOut{Set: map[string]bool{"3": true}, Listed: []string{"3"}}); len(got) != 2 || d != 1 || left != 0 {
			t.Errorf("listed and typed (typed first %v): %v, %d duplicates, %d left out", first, got, d, left)
		}
	}
}
