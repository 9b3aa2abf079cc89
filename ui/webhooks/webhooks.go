// Package webhooks is spotcast's HTTP face: the receiver WhatsSpot posts
// its events to (SPEC 9), beside ui/cli and ui/sshd.
//
// POST /webhooks/whatsspot: the body (at most campaign.MaxWebhookBody) is
// checked against the shared secret (HMAC-SHA256 hex in X-Hub-Signature or
// X-Webhook-Signature), parsed, and stored in one transaction before the
// answer: 200 for a stored or duplicate event, 401 for a missing or bad
// signature (nothing stored), 413 for a body over 1 MiB, 400 for a body
// that is not an event, 503 when the store fails (WhatsSpot retries).
// Other paths are 404 and other methods 405. Nothing it is sent crashes it.
package webhooks

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"spotcast/campaign"
	"spotcast/campaign/store"
)

// Path is where WhatsSpot's dashboard is pointed (Webhooks → Add Webhook).
const Path = "/webhooks/whatsspot"

// Signature headers, in the order they are read.
var signatureHeaders = []string{"X-Hub-Signature", "X-Webhook-Signature"}

// Recorder stores an event (store.DB does, in one transaction).
type Recorder interface {
	RecordWebhook(e campaign.WebhookEvent, body []byte, received time.Time, o store.WebhookOptions) (store.WebhookResult, error)
}

// Config is what a Handler needs.
type Config struct {
	Store Recorder
	// Secret is the secret shared with WhatsSpot's dashboard. Without
	// one the handler refuses to be made unless InsecureUnsigned.
	Secret []byte
	// InsecureUnsigned accepts events without checking any signature (a
	// receiver behind something else that checks them; tests).
	InsecureUnsigned bool
	// Options are the attribution rules.
	Options store.WebhookOptions
	// Log hears one line per refused request (nil: discarded).
	Log io.Writer
	// Now is the clock events are received by (nil: time.Now).
	Now func() time.Time
	// OnEvent, when set, hears of every stored event after it is stored
	// (a face refreshes its funnel); it must not block.
	OnEvent func(campaign.WebhookEvent, store.WebhookResult)
}

// ErrNoSecret: a receiver without a secret would store anyone's events.
var ErrNoSecret = errors.New("no webhook secret: every event would be accepted unsigned")

// Stats count what a handler did since it was made.
type Stats struct {
	Stored, Duplicates, Unauthorized, TooLarge, BadRequest, StoreFailures, Other int64
}

// Handler is the receiver as an http.Handler; safe for concurrent use.
type Handler struct {
	cfg   Config
	batch *batcher // nil: one transaction per event
	log   *log.Logger
	now   func() time.Time
	stats struct {
		stored, dups, unauth, large, bad, storeFail, other atomic.Int64
	}
}

// NewHandler makes the receiver; ErrNoSecret without a secret unless
// cfg.InsecureUnsigned.
func NewHandler(cfg Config) (*Handler, error) {
	if len(cfg.Secret) == 0 && !cfg.InsecureUnsigned {
		return nil, ErrNoSecret
	}
	if cfg.Store == nil {
		return nil, errors.New("webhooks: no store")
	}
	h := &Handler{cfg: cfg, now: cfg.Now}
	if br, ok := cfg.Store.(BatchRecorder); ok {
		h.batch = &batcher{single: cfg.Store, batch: br, opts: cfg.Options}
	}
	if h.now == nil {
		h.now = time.Now
	}
	w := cfg.Log
	if w == nil {
		w = io.Discard
	}
	h.log = log.New(w, "webhooks: ", log.LstdFlags)
	return h, nil
}

// Stats says what the handler did so far.
func (h *Handler) Stats() Stats {
	return Stats{
		Stored: h.stats.stored.Load(), Duplicates: h.stats.dups.Load(), Unauthorized: h.stats.unauth.Load(),
		TooLarge: h.stats.large.Load(), BadRequest: h.stats.bad.Load(), StoreFailures: h.stats.storeFail.Load(),
		Other: h.stats.other.Load(),
	}
}

// refuse answers code with a short plain-text reason and logs one line:
// who, what, why, sanitised; never the secret or the body.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, code int, counter *atomic.Int64, format string, a ...any) {
	counter.Add(1)
	why := campaign.SanitizeLine(fmt.Sprintf(format, a...), 200)
	h.log.Printf("%d %s %s from %s: %s", code, campaign.SanitizeLine(r.Method, 16),
		campaign.SanitizeLine(r.URL.Path, 80), campaign.SanitizeLine(r.RemoteAddr, 60), why)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	fmt.Fprintln(w, why)
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.refuse(w, r, http.StatusInternalServerError, &h.stats.other, "internal error: %v", v)
		}
	}()
	if r.URL.Path != Path {
		h.refuse(w, r, http.StatusNotFound, &h.stats.other, "no such endpoint: WhatsSpot posts to %s", Path)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.refuse(w, r, http.StatusMethodNotAllowed, &h.stats.other, "use POST")
		return
	}
	if r.ContentLength > campaign.MaxWebhookBody {
		h.refuse(w, r, http.StatusRequestEntityTooLarge, &h.stats.large, "body of %d bytes is over %d", r.ContentLength, campaign.MaxWebhookBody)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, campaign.MaxWebhookBody+1))
	if err != nil {
		h.refuse(w, r, http.StatusBadRequest, &h.stats.bad, "reading the body: %v", err)
		return
	}
	if len(body) > campaign.MaxWebhookBody {
		h.refuse(w, r, http.StatusRequestEntityTooLarge, &h.stats.large, "body is over %d bytes", campaign.MaxWebhookBody)
		return
	}
	if !h.cfg.InsecureUnsigned {
		sig, which := "", ""
		for _, name := range signatureHeaders {
			if v := r.Header.Get(name); v != "" {
				sig, which = v, name
				break
			}
		}
		switch {
		case sig == "":
			h.refuse(w, r, http.StatusUnauthorized, &h.stats.unauth, "no signature (%s or %s)", signatureHeaders[0], signatureHeaders[1])
			return
		case !campaign.VerifyWebhookSignature(h.cfg.Secret, body, sig):
			h.refuse(w, r, http.StatusUnauthorized, &h.stats.unauth, "%s does not match the body: is the secret the one set in WhatsSpot's dashboard?", which)
			return
		}
	}
	e, err := campaign.ParseWebhook(body)
	if err != nil {
		h.refuse(w, r, http.StatusBadRequest, &h.stats.bad, "%v", err)
		return
	}
	var res store.WebhookResult
	if h.batch != nil {
		res, err = h.batch.record(e, body, h.now())
	} else {
		res, err = safeSingle(h.cfg.Store, store.WebhookDelivery{Event: e, Body: body, Received: h.now()}, h.cfg.Options)
	}
	if err != nil {
		w.Header().Set("Retry-After", "5")
		h.refuse(w, r, http.StatusServiceUnavailable, &h.stats.storeFail, "could not store the event (try again): %v", err)
		return
	}
	if res.Duplicate {
		h.stats.dups.Add(1)
	} else {
		h.stats.stored.Add(1)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(okBody)))
	w.WriteHeader(http.StatusOK)
	w.Write(okBody)
	if h.cfg.OnEvent != nil && !res.Duplicate {
		h.cfg.OnEvent(e, res)
	}
}

var okBody = []byte(`{"success":true}` + "\n")

// Timeouts and limits of a Server: a slow or hostile client holds a
// connection this long at most.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 30 * time.Second
	WriteTimeout      = 30 * time.Second
	IdleTimeout       = 2 * time.Minute
	MaxHeaderBytes    = 64 << 10
)

// Server serves a Handler over HTTP, or HTTPS with a certificate.
type Server struct {
	Handler *Handler
	srv     *http.Server
	tls     bool
}

// NewServer makes a server for cfg; with certFile and keyFile (both or
// neither) it speaks TLS only, the pair loaded now so a bad one fails at
// start.
func NewServer(cfg Config, certFile, keyFile string) (*Server, error) {
	h, err := NewHandler(cfg)
	if err != nil {
		return nil, err
	}
	s := &Server{Handler: h, srv: &http.Server{
		Handler: h, ReadHeaderTimeout: ReadHeaderTimeout, ReadTimeout: ReadTimeout,
		WriteTimeout: WriteTimeout, IdleTimeout: IdleTimeout, MaxHeaderBytes: MaxHeaderBytes,
		ErrorLog: log.New(io.Discard, "", 0),
	}}
	if cfg.Log != nil {
		s.srv.ErrorLog = log.New(cfg.Log, "webhooks: http: ", log.LstdFlags)
	}
	switch {
	case certFile == "" && keyFile == "":
	case certFile == "" || keyFile == "":
		return nil, errors.New("TLS needs both a certificate (--tls-cert) and its key (--tls-key)")
	default:
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("loading the TLS certificate: %w", err)
		}
		s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
		s.tls = true
	}
	return s, nil
}

// TLS reports whether the server speaks HTTPS.
func (s *Server) TLS() bool { return s.tls }

// Run serves ln until ctx ends, then shuts down gracefully (requests in
// flight finish, at most 5 s).
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() {
		if s.tls {
			errc <- s.srv.ServeTLS(ln, "", "")
		} else {
			errc <- s.srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = s.srv.Close()
	}
	<-errc
	return err
}
