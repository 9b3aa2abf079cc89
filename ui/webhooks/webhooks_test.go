package webhooks

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"spotcast/campaign"
	"spotcast/campaign/store"
)

// Signed events are stored and counted whichever header carries the
// signature, bare or sha256=, over the raw body or over its compacted
// form (WhatsSpot's example signs JSON.stringify of the parsed body).
func TestSignedEventsBothHeadersBothBodyForms(t *testing.T) {
	db := openSQLite(t)
	id := campaignOf(t, db, 10)
	rec := &counting{Recorder: db}
	h, srv := receiver(t, Config{Store: rec})
	c := srv.Client()

	raw := func(i int, st string) []byte { return ackBody(number(i), "M"+number(i), st) }
	spaced := func(i int, st string) []byte { // signature over the compacted body
		b := fmt.Appendf(nil, "{\n  \"event\": \"message.ack\",\n  \"data\": { \"id\": \"true_%s@c.us_M%s\", \"status\": %q }\n}", number(i), number(i), st)
		return b
	}
	cases := []struct {
		name   string
		body   []byte
		header string
		sig    func(b []byte) string
	}{
		{"hub raw bare", raw(0, "READ"), "X-Hub-Signature", func(b []byte) string { return sign(secret, b) }},
		{"hub raw sha256=", raw(1, "READ"), "X-Hub-Signature", func(b []byte) string { return "sha256=" + sign(secret, b) }},
		{"webhook raw", raw(2, "DELIVERED"), "X-Webhook-Signature", func(b []byte) string { return sign(secret, b) }},
		{"hub compacted", spaced(3, "READ"), "X-Hub-Signature", func(b []byte) string { return sign(secret, compacted(t, b)) }},
		{"webhook compacted sha256=", spaced(4, "SENT"), "X-Webhook-Signature", func(b []byte) string { return "sha256=" + sign(secret, compacted(t, b)) }},
	}
	for _, tc := range cases {
		if code := post(t, c, srv.URL, tc.body, tc.header, tc.sig(tc.body)); code != http.StatusOK {
			t.Fatalf("%s: %d, want 200", tc.name, code)
		}
	}
	// The same event again: 200, a duplicate.
	if code := post(t, c, srv.URL, cases[0].body, "X-Hub-Signature", sign(secret, cases[0].body)); code != http.StatusOK {
		t.Fatalf("duplicate: %d", code)
	}
	st := h.Stats()
	if st.Stored != 5 || st.Duplicates != 1 || rec.calls.Load() != 6 {
		t.Fatalf("stats %+v, %d store calls", st, rec.calls.Load())
	}
	f := report(t, db, id).Funnel
	if f.Sent != 5 || f.Delivered != 4 || f.Read != 3 || f.Accepted != 10 {
		t.Fatalf("funnel %+v", f)
	}
}

func compacted(t *testing.T, b []byte) []byte {
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(out.Bytes(), b) {
		t.Fatal("the body was compact already")
	}
	return out.Bytes()
}

// A wrong signature, a missing one, a replay of a stored body under the
// signature of another, a 2 MiB body (with and without Content-Length)
// and garbage are refused, and nothing reaches the store.
func TestRefusedRequestsStoreNothing(t *testing.T) {
	db := openSQLite(t)
	id := campaignOf(t, db, 5)
	rec := &counting{Recorder: db}
	var logs syncBuffer
	h, srv := receiver(t, Config{Store: rec, Log: &logs})
	c := srv.Client()

	old := ackBody(number(0), "M0", "DELIVERED")
	if code := post(t, c, srv.URL, old, "X-Hub-Signature", sign(secret, old)); code != 200 {
		t.Fatalf("first delivery: %d", code)
	}
	before := report(t, db, id)
	calls := rec.calls.Load()

	forged := ackBody(number(1), "M1", "READ")
	big := bytes.Repeat([]byte(" "), 2<<20)
	copy(big, `{"event":"message.ack","data":{"id":"true_919876500002@c.us_X","status":"READ"}}`)
	garbage := []byte("\x00\xff<html>not json")
	refusals := []struct {
		name string
		body []byte
		hdr  []string
		want int
	}{
		{"no signature", forged, nil, 401},
		{"wrong secret", forged, []string{"X-Hub-Signature", sign([]byte("guess"), forged)}, 401},
		{"wrong secret, other header", forged, []string{"X-Webhook-Signature", "sha256=" + sign([]byte("guess"), forged)}, 401},
		{"not hex", forged, []string{"X-Hub-Signature", "sha256=zz" + strings.Repeat("0", 62)}, 401},
		{"replay under another body's signature", old, []string{"X-Hub-Signature", sign(secret, forged)}, 401},
		{"tampered replay", bytes.Replace(old, []byte("DELIVERED"), []byte("READ"), 1), []string{"X-Hub-Signature", sign(secret, old)}, 401},
		{"2 MiB signed", big, []string{"X-Hub-Signature", sign(secret, big)}, 413},
		{"garbage unsigned", garbage, nil, 401},
		{"garbage signed", garbage, []string{"X-Hub-Signature", sign(secret, garbage)}, 400},
		{"JSON, not an event", []byte(`{"hello":1}`), []string{"X-Hub-Signature", sign(secret, []byte(`{"hello":1}`))}, 400},
	}
	for _, r := range refusals {
		if code := post(t, c, srv.URL, r.body, r.hdr...); code != r.want {
			t.Errorf("%s: %d, want %d", r.name, code, r.want)
		}
	}
	// 2 MiB streamed without a Content-Length: read to 1 MiB + 1, refused.
	req, _ := http.NewRequest(http.MethodPost, srv.URL+Path, struct{ *bytes.Reader }{bytes.NewReader(big)})
	req.ContentLength = -1
	req.Header.Set("X-Hub-Signature", sign(secret, big))
	if resp, err := c.Do(req); err != nil || resp.StatusCode != 413 {
		t.Errorf("chunked 2 MiB: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if n := rec.calls.Load(); n != calls {
		t.Fatalf("%d refused requests reached the store", n-calls)
	}
	if after := report(t, db, id); after.Funnel != before.Funnel || after.Unattributed != before.Unattributed {
		t.Fatalf("funnel moved: %+v → %+v", before, after)
	}
	st := h.Stats()
	if st.Unauthorized != 7 || st.TooLarge != 2 || st.BadRequest != 2 {
		t.Fatalf("stats %+v", st)
	}
	l := logs.String()
	if strings.Contains(l, string(secret)) || strings.Count(l, "\n") != len(refusals)+1 || strings.ContainsRune(l, 0) {
		t.Fatalf("log:\n%s", l)
	}
}

func TestMethodsAndPaths(t *testing.T) {
	db := openSQLite(t)
	rec := &counting{Recorder: db}
	_, srv := receiver(t, Config{Store: rec})
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"GET", Path, 405}, {"PUT", Path, 405}, {"DELETE", Path, 405},
		{"POST", "/", 404}, {"POST", Path + "/x", 404}, {"GET", "/webhooks", 404},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader("{}"))
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.want)
		}
		if tc.want == 405 && resp.Header.Get("Allow") != "POST" {
			t.Errorf("%s: Allow %q", tc.method, resp.Header.Get("Allow"))
		}
	}
	if rec.calls.Load() != 0 {
		t.Fatal("stored")
	}
}

func TestNoSecretRefusedUnlessInsecureUnsigned(t *testing.T) {
	db := openSQLite(t)
	if _, err := NewHandler(Config{Store: db}); !errors.Is(err, ErrNoSecret) {
		t.Fatalf("no secret: %v", err)
	}
	id := campaignOf(t, db, 2)
	_, srv := receiver(t, Config{Store: db, InsecureUnsigned: true})
	if code := post(t, srv.Client(), srv.URL, ackBody(number(1), "M1", "READ")); code != 200 {
		t.Fatalf("unsigned, insecure: %d", code)
	}
	if f := report(t, db, id).Funnel; f.Read != 1 {
		t.Fatalf("funnel %+v", f)
	}
}

type failing struct{}

func (failing) RecordWebhook(campaign.WebhookEvent, []byte, time.Time, store.WebhookOptions) (store.WebhookResult, error) {
	return store.WebhookResult{}, errors.New("database is locked")
}

// A store failure is 503 with Retry-After: WhatsSpot tries again.
func TestStoreFailureIs503(t *testing.T) {
	h, srv := receiver(t, Config{Store: failing{}})
	b := ackBody(number(1), "M1", "READ")
	req, _ := http.NewRequest(http.MethodPost, srv.URL+Path, bytes.NewReader(b))
	req.Header.Set("X-Hub-Signature", sign(secret, b))
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || h.Stats().StoreFailures != 1 {
		t.Fatalf("%d %q %+v", resp.StatusCode, resp.Header.Get("Retry-After"), h.Stats())
	}
}

// 10,000 acks for 2,000 recipients, shuffled, a fifth of them twice,
// posted by 16 clients at once over HTTP: the funnel is exact; the acks
// of chats that are not phone numbers (@lid) are unattributed.
func TestTenThousandShuffledDuplicatedAcksOverHTTP(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		const n = 2000
		id := campaignOf(t, db, n)
		h, srv := receiver(t, Config{Store: db})
		var bodies [][]byte
		want := store.Funnel{Accepted: n}
		for i := range n {
			num := number(i)
			steps := []string{"SENT", "DELIVERED", "READ"}[:min(i%5+1, 3)]
			switch i % 5 {
			case 0:
				want.Sent++
			case 1:
				want.Sent++
				want.Delivered++
			case 2, 3:
				want.Sent++
				want.Delivered++
				want.Read++
			case 4:
				steps = nil
			}
			for _, st := range steps {
				bodies = append(bodies, ackBody(num, "M"+num, st))
			}
			if i%5 == 3 { // read, then an error ack (whatsapp-web.js ack -1)
				bodies = append(bodies, fmt.Appendf(nil, `{"event":"message.ack","data":{"id":"true_%s@c.us_M%s","ack":-1}}`, num, num))
				want.Failed++
			}
		}
		lid := 0
		for ; len(bodies) < 8000; lid++ {
			bodies = append(bodies, fmt.Appendf(nil, `{"event":"message.ack","data":{"id":"true_%d@lid_X%d","status":"READ"}}`, 100000+lid, lid))
		}
		distinct := len(bodies)
		for i := range 2000 { // 20% of 10,000 are second deliveries
			bodies = append(bodies, bodies[i*distinct/2000])
		}
		mrand.New(mrand.NewPCG(3, 4)).Shuffle(len(bodies), func(i, j int) { bodies[i], bodies[j] = bodies[j], bodies[i] })
		if len(bodies) != 10000 {
			t.Fatalf("%d bodies", len(bodies))
		}
		work := make(chan []byte)
		var wg sync.WaitGroup
		var bad sync.Map
		for range 16 {
			wg.Go(func() {
				for b := range work {
					if code := post(t, srv.Client(), srv.URL, b, "X-Hub-Signature", sign(secret, b)); code != 200 {
						bad.Store(string(b), code)
					}
				}
			})
		}
		for _, b := range bodies {
			work <- b
		}
		close(work)
		wg.Wait()
		bad.Range(func(k, v any) bool { t.Errorf("%v for %s", v, k); return true })
		st := h.Stats()
		if st.Stored != int64(distinct) || st.Duplicates != 2000 {
			t.Fatalf("stored %d (want %d), duplicates %d (want 2000)", st.Stored, distinct, st.Duplicates)
		}
		rep := report(t, db, id)
		if rep.Funnel != want {
			t.Fatalf("funnel = %+v\nwant     %+v", rep.Funnel, want)
		}
		if rep.Unattributed != lid {
			t.Fatalf("unattributed = %d, want %d (@lid acks)", rep.Unattributed, lid)
		}
	})
}

// eachEngine runs fn on SQLite and on PostgreSQL (skipped without one).
func eachEngine(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, openSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, openDB(t, postgresURL(t))) })
}

// The Server speaks TLS with the certificate given, and stops with ctx.
func TestServerTLSAndStop(t *testing.T) {
	db := openSQLite(t)
	id := campaignOf(t, db, 3)
	certFile, keyFile, pool := selfSigned(t)
	if _, err := NewServer(Config{Store: db, Secret: secret}, certFile, ""); err == nil {
		t.Fatal("a certificate without its key was taken")
	}
	s, err := NewServer(Config{Store: db, Secret: secret, Now: func() time.Time { return t0.Add(time.Minute) }}, certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, ln) }()
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 5 * time.Second}
	url := "https://" + ln.Addr().String()
	b := ackBody(number(2), "M2", "READ")
	if code := post(t, c, url, b, "X-Hub-Signature", sign(secret, b)); code != 200 {
		t.Fatalf("over TLS: %d", code)
	}
	if f := report(t, db, id).Funnel; f.Read != 1 {
		t.Fatalf("funnel %+v", f)
	}
	// Plain HTTP to a TLS port is refused by the TLS layer.
	if resp, err := http.Post("http://"+ln.Addr().String()+Path, "application/json", bytes.NewReader(b)); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Fatal("plain HTTP accepted")
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after ctx ended")
	}
}

func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
