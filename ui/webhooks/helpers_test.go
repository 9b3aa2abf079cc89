package webhooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"spotcast/campaign"
	"spotcast/campaign/store"
	"spotcast/campaign/store/pgtest"
)

// TestMain stops the throwaway PostgreSQL cluster pgtest may start.
func TestMain(m *testing.M) { pgtest.Main(m) }

var (
	secret = []byte("s3cret-shared-with-whatsspot")
	t0     = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
)

func sign(key, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func ackBody(number, msg, status string) []byte {
	return fmt.Appendf(nil, `{"event":"message.ack","data":{"id":"true_%s@c.us_%s","status":%q}}`, number, msg, status)
}

func number(i int) string { return fmt.Sprintf("9198765%05d", i) }

// counting counts RecordWebhook calls: "nothing stored" is none made.
type counting struct {
	Recorder
	calls atomic.Int64
}

func (c *counting) RecordWebhook(e campaign.WebhookEvent, body []byte, at time.Time, o store.WebhookOptions) (store.WebhookResult, error) {
	c.calls.Add(1)
	return c.Recorder.RecordWebhook(e, body, at, o)
}

func openSQLite(t testing.TB) *store.DB {
	t.Helper()
	return openDB(t, "sqlite:"+filepath.Join(t.TempDir(), "spotcast.db"))
}

func openDB(t testing.TB, url string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), store.Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// campaignOf submits a campaign of n recipients (number(0…n-1)), every
// batch accepted at t0.
func campaignOf(t testing.TB, db *store.DB, n int) string {
	t.Helper()
	c := campaign.Campaign{Type: campaign.TypeText, Content: "hello"}
	for i := range n {
		c.Recipients = append(c.Recipients, number(i))
	}
	k := 0
	sub, err := campaign.Submit(context.Background(), db, c, campaign.SubmitOptions{
		BatchSize: 1000, Operator: "alice", Now: func() time.Time { return t0 },
		Target: campaign.Target{API: "https://api.example.test"},
	}, func(_ context.Context, r campaign.Request) (campaign.SendOutcome, error) {
		k++
		return campaign.SendOutcome{Async: true, JobID: fmt.Sprintf("job_%d", k), Status: "QUEUED"}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sub.CampaignID
}

// receiver is a handler on db over a real HTTP listener, receiving at
// t0 + 1 minute.
func receiver(t testing.TB, cfg Config) (*Handler, *httptest.Server) {
	t.Helper()
	if cfg.Secret == nil && !cfg.InsecureUnsigned {
		cfg.Secret = secret
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return t0.Add(time.Minute) }
	}
	h, err := NewHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return h, srv
}

// post sends body with the given headers; it returns the status code.
func post(t testing.TB, c *http.Client, url string, body []byte, hdr ...string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+Path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func report(t testing.TB, db *store.DB, id string) *store.Report {
	t.Helper()
	r, err := db.Report(id)
	if err != nil || r == nil {
		t.Fatalf("report %s: %v, %v", id, r, err)
	}
	return r
}

// postgresURL is a fresh PostgreSQL database (skipped without one).
func postgresURL(t testing.TB) string { return pgtest.URL(t) }
