package campaign

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"
)

func sign(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return hex.EncodeToString(m.Sum(nil))
}

func TestVerifyWebhookSignature(t *testing.T) {
	body := `{ "event": "message.ack",
  "data": {"id": "true_919876543210@c.us_3EB0", "status": "READ", "ack": 3} }`
	// What JSON.stringify of the parsed body gives: the same keys in the
	// same order, no spaces.
	var compact bytes.Buffer
	json.Compact(&compact, []byte(body))
	for _, tc := range []struct {
		name, header string
		ok           bool
	}{
		{"raw, bare hex", sign("s3cret", body), true},
		{"raw, sha256= prefix", "sha256=" + sign("s3cret", body), true},
		{"raw, upper-case prefix and hex", "SHA256=" + hexUpper(sign("s3cret", body)), true},
		{"compacted body", sign("s3cret", compact.String()), true},
		{"wrong secret", sign("other", body), false},
		{"missing", "", false},
		{"not hex", "sha256=zz", false},
		{"short", sign("s3cret", body)[:40], false},
	} {
		if got := VerifyWebhookSignature([]byte("s3cret"), []byte(body), tc.header); got != tc.ok {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.ok)
		}
	}
	if VerifyWebhookSignature(nil, []byte(body), sign("", body)) {
		t.Error("an empty secret verified a body")
	}
}

func hexUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 32
		}
	}
	return string(b)
}

func TestParseWebhook(t *testing.T) {
	e, err := ParseWebhook([]byte(`{"event":"message.ack","data":{"id":"true_919876543210@c.us_3EB0AB","status":"DELIVERED","ack":3}}`))
	if err != nil || e.Kind != WebhookAck || !e.FromMe || e.Number != "919876543210" || e.Status != DeliveryDelivered || !e.Known {
		t.Fatalf("ack: %+v, %v", e, err)
	}
	// No status: the ack number, as whatsapp-web.js numbers it.
	for ack, want := range map[string]DeliveryStatus{"1": DeliverySent, "2": DeliveryDelivered, "3": DeliveryRead, "4": DeliveryPlayed} {
		e, _ := ParseWebhook([]byte(`{"event":"message.ack","data":{"id":"true_919876543210@c.us_X","ack":` + ack + `}}`))
		if e.Status != want || !e.Known || e.Failed {
			t.Errorf("ack %s: %+v", ack, e)
		}
	}
	if e, _ := ParseWebhook([]byte(`{"event":"message.ack","data":{"id":"true_919876543210@c.us_X","ack":-1}}`)); !e.Failed {
		t.Errorf("ack -1 is not a failure: %+v", e)
	}
	if e, _ := ParseWebhook([]byte(`{"event":"message.ack","data":{"id":"true_919876543210@c.us_X","ack":"x"}}`)); e.Known {
		t.Errorf("a garbage ack was read: %+v", e)
	}
	// Chats that are not phone numbers are never attributed.
	for _, id := range []string{"true_12345678901234@lid_3EB0", "true_120363@g.us_3EB0", "msg_123", "", "true_@c.us_X", "true_12ab@c.us_X"} {
		e, err := ParseWebhook([]byte(`{"event":"message.ack","data":{"id":"` + id + `","status":"READ"}}`))
		if err != nil || e.Number != "" {
			t.Errorf("%q: number %q, %v", id, e.Number, err)
		}
	}
	r, err := ParseWebhook([]byte(`{"event":"message.received","data":{"id":"false_919876543210@c.us_3EB0","from":"919876543210","body":" Stop\u001b[2J ","timestamp":1678900000}}`))
	if err != nil || r.Kind != WebhookReceived || r.FromMe || r.From != "919876543210" || r.At.Unix() != 1678900000 {
		t.Fatalf("received: %+v, %v", r, err)
	}
	if r.Text == "" || containsEsc(r.Text) {
		t.Fatalf("reply text not sanitised: %q", r.Text)
	}
	for _, bad := range []string{`{`, `[]`, `{"data":{}}`, `"x"`} {
		if _, err := ParseWebhook([]byte(bad)); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
}

func containsEsc(s string) bool {
	for _, r := range s {
		if r == 0x1b {
			return true
		}
	}
	return false
}

func TestOptReply(t *testing.T) {
	for text, want := range map[string][2]bool{
		"STOP": {true, false}, " stop. ": {true, false}, "Unsubscribe!": {true, false}, "optout": {true, false},
		"don't stop": {false, false}, "stopped": {false, false}, "": {false, false},
		"START": {false, true}, "yes": {false, true}, "Unstop": {false, true},
		"halt": {true, false}, // an extra keyword
	} {
		out, in := OptReply(text, []string{"HALT"})
		if out != want[0] || in != want[1] {
			t.Errorf("%q: opt-out %v opt-in %v, want %v", text, out, in, want)
		}
	}
}

func FuzzParseWebhook(f *testing.F) {
	f.Add([]byte(`{"event":"message.ack","data":{"id":"true_919876543210@c.us_3EB0","status":"READ","ack":3}}`))
	f.Add([]byte(`{"event":"message.received","data":{"id":"false_1@lid_X","from":"1","body":"STOP","timestamp":"99"}}`))
	f.Add([]byte(`{"event":"device.disconnected"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := ParseWebhook(body)
		if err != nil {
			return
		}
		if e.Number != "" && digitsOnly(e.Number) != e.Number {
			t.Fatalf("number %q is not digits", e.Number)
		}
		if containsEsc(e.Text) || containsEsc(e.MessageID) || containsEsc(string(e.Kind)) {
			t.Fatalf("unsanitised text in %+v", e)
		}
		if e.Status < DeliveryAccepted || e.Status > DeliveryPlayed {
			t.Fatalf("status out of range: %d", e.Status)
		}
	})
}
