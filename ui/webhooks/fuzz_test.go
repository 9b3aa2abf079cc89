package webhooks

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"spotcast/campaign"
	"spotcast/campaign/store"
)

// okStore stores nothing and says so: the fuzzer exercises the handler.
type okStore struct{}

func (okStore) RecordWebhook(campaign.WebhookEvent, []byte, time.Time, store.WebhookOptions) (store.WebhookResult, error) {
	return store.WebhookResult{}, nil
}

// Arbitrary bodies, signatures, methods and paths: never a panic, never
// a 5xx (only a store failure is 503, and this store never fails), and
// never 200 for a body the signature does not match.
func FuzzHandler(f *testing.F) {
	f.Add([]byte(`{"event":"message.ack","data":{"id":"true_919876500001@c.us_X","status":"READ"}}`), "", true, "POST", Path)
	f.Add([]byte(`{"event":"message.received","data":{"id":"false_1@c.us_Y","from":"1@c.us","body":"STOP","timestamp":"1"}}`), "sha256=00", true, "POST", Path)
	f.Add([]byte(`{"event":"message.ack","data":{"id":"true_x@lid_Y","ack":"-1e999"}}`), "", false, "POST", Path)
	f.Add([]byte("{\"event\": \"device.disconnected\", \"data\": null}"), "", true, "GET", "/")
	f.Add([]byte("\xff\x00[[[[[[[[[[[["), "zz", false, "POST", Path+"/../x")
	db := openSQLite(f)
	h, err := NewHandler(Config{Store: okStore{}, Secret: secret})
	if err != nil {
		f.Fatal(err)
	}
	real, err := NewHandler(Config{Store: db, Secret: secret})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, sig string, signIt bool, method, path string) {
		if signIt {
			sig = sign(secret, body)
		}
		for _, hh := range []*Handler{h, real} {
			req := httptest.NewRequest(http.MethodPost, "http://x"+Path, bytes.NewReader(body))
			if m := method; validMethod(m) {
				req.Method = m
			}
			if len(path) > 0 && path[0] == '/' {
				req.URL.Path = path
			}
			req.Header.Set("X-Hub-Signature", sig)
			w := httptest.NewRecorder()
			hh.ServeHTTP(w, req)
			if w.Code >= 500 {
				t.Fatalf("%d for %q", w.Code, body)
			}
			if w.Code == 200 && !campaign.VerifyWebhookSignature(secret, body, sig) {
				t.Fatalf("200 for an unsigned body %q", body)
			}
		}
	})
}

func validMethod(m string) bool {
	if m == "" || len(m) > 10 {
		return false
	}
	for _, r := range m {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}
