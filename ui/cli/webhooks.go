package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"spotcast/campaign"
	"spotcast/campaign/store"
	"spotcast/client/sandbox"
	"spotcast/ui/webhooks"
)

const envWebhookSecret = "SPOTCAST_WEBHOOK_SECRET"

// hookFlags are the receiver's settings, shared by webhooks and serve.
type hookFlags struct {
	secretFile       string
	tlsCert, tlsKey  string
	insecureUnsigned bool
	window           string
	optOutKeywords   []string
}

func (f *hookFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&f.secretFile, "webhook-secret-file", "", "file holding the secret set in WhatsSpot's dashboard (env "+envWebhookSecret+")")
	fl.StringVar(&f.tlsCert, "tls-cert", "", "serve the receiver over HTTPS with this certificate (PEM; with --tls-key)")
	fl.StringVar(&f.tlsKey, "tls-key", "", "the certificate's private key (PEM)")
	fl.BoolVar(&f.insecureUnsigned, "insecure-unsigned", false, "accept events without a signature (only behind something that checks them)")
	fl.StringVar(&f.window, "attribution-window", "7d", "an event belongs to the most recent campaign sent to its number at most this long before (e.g. 7d, 36h)")
	fl.StringArrayVar(&f.optOutKeywords, "optout-keyword", nil, "another one-word reply that opts a number out (repeatable; STOP, UNSUBSCRIBE, … always do)")
}

// config reads the secret and the rules into a receiver's configuration.
func (a *app) hookConfig(f hookFlags, db *store.DB, log io.Writer) (webhooks.Config, error) {
	cfg := webhooks.Config{Store: db, InsecureUnsigned: f.insecureUnsigned, Log: log}
	switch {
	case f.secretFile != "":
		b, err := os.ReadFile(f.secretFile)
		if err != nil {
			return cfg, exitf(ExitInvalid, "--webhook-secret-file: %v", err)
		}
		cfg.Secret = []byte(strings.TrimSpace(string(b)))
		if len(cfg.Secret) == 0 {
			return cfg, exitf(ExitInvalid, "--webhook-secret-file %s is empty: put the secret set in WhatsSpot's dashboard in it", f.secretFile)
		}
	default:
		cfg.Secret = []byte(strings.TrimSpace(a.getenv(envWebhookSecret)))
	}
	if len(cfg.Secret) == 0 && !f.insecureUnsigned {
		return cfg, exitf(ExitInvalid, "no webhook secret: anyone could post events. Choose a secret, set it in WhatsSpot's dashboard (Webhooks → Add Webhook → Secret) and give it here with --webhook-secret-file FILE or %s (or, only behind a proxy that checks signatures, --insecure-unsigned)", envWebhookSecret)
	}
	w, err := days(f.window)
	if err != nil || w <= 0 {
		return cfg, exitf(ExitInvalid, "--attribution-window %q: give a duration such as 7d or 36h", campaign.SanitizeLine(f.window, 30))
	}
	cfg.Options = store.WebhookOptions{Window: w}
	for _, k := range f.optOutKeywords {
		k = strings.TrimSpace(k)
		if k == "" || strings.ContainsAny(k, " \t\n") {
			return cfg, exitf(ExitInvalid, "--optout-keyword %q: give one word", campaign.SanitizeLine(k, 30))
		}
		cfg.Options.OptOutKeywords = append(cfg.Options.OptOutKeywords, k)
	}
	return cfg, nil
}

// days reads a Go duration or a number of days ("7d").
func days(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		d, err := strconv.Atoi(n)
		if err != nil {
			return 0, err
		}
		return time.Duration(d) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

// startReceiver listens on addr and serves the receiver until ctx ends;
// wait returns Run's error.
func (a *app) startReceiver(ctx context.Context, addr string, f hookFlags, db *store.DB) (wait func() error, err error) {
	cfg, err := a.hookConfig(f, db, a.errOut)
	if err != nil {
		return nil, err
	}
	srv, err := webhooks.NewServer(cfg, f.tlsCert, f.tlsKey)
	if err != nil {
		return nil, exitf(ExitInvalid, "%v", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, exitf(ExitError, "cannot listen on %s: %v (choose another address)", addr, err)
	}
	scheme := "http"
	if srv.TLS() {
		scheme = "https"
	}
	fmt.Fprintf(a.out, "spotcast receiving WhatsSpot webhooks on %s://%s%s (database %s)\n", scheme, ln.Addr(), webhooks.Path, db.Where())
	if cfg.InsecureUnsigned {
		fmt.Fprintln(a.errOut, "warning: --insecure-unsigned: events are stored without checking any signature")
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()
	return func() error { return <-done }, nil
}

func (a *app) webhooksCmd() *cobra.Command {
	var (
		f    hookFlags
		addr string
	)
	cmd := &cobra.Command{
		Use:   "webhooks",
		Short: "Receive WhatsSpot's webhooks: the delivery funnel and STOP replies",
		Long: `Receive the events WhatsSpot posts (message.ack, message.received,
device.disconnected) at POST /webhooks/whatsspot and store them in the database
every command uses, so reports and the TUI show what became of each campaign
and STOP replies keep those numbers out of the next one.

Point WhatsSpot's dashboard at it: Webhooks → Add Webhook, URL
https://HOST/webhooks/whatsspot, Secret = the secret given here. Events whose
signature does not match are refused (401) and stored nowhere.`,
		Example: `  SPOTCAST_WEBHOOK_SECRET=… spotcast webhooks --addr :8443 --tls-cert cert.pem --tls-key key.pem
  spotcast webhooks --addr 127.0.0.1:8081 --webhook-secret-file /etc/spotcast/webhook.secret   # behind a TLS proxy`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := a.hookConfig(f, nil, io.Discard); err != nil {
				return err // before opening anything
			}
			db, err := a.store()
			if err != nil {
				return err
			}
			wait, err := a.startReceiver(cmd.Context(), addr, f, db)
			if err != nil {
				return err
			}
			if err := wait(); err != nil {
				return exitf(ExitError, "%v", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8081", "address to listen on")
	f.register(cmd.Flags())
	return cmd
}

// sandboxReceiver is --sandbox's own receiver: on a random loopback port
// with a random secret, into db, so the sandbox's events make a funnel
// with nothing configured. stop ends it.
func sandboxReceiver(db *store.DB) (cfg sandbox.WebhookConfig, stop func(), err error) {
	var b [16]byte
	rand.Read(b[:])
	secret := hex.EncodeToString(b[:])
	srv, err := webhooks.NewServer(webhooks.Config{Store: db, Secret: []byte(secret)}, "", "")
	if err != nil {
		return cfg, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return cfg, nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Run(ctx, ln); close(done) }()
	return sandbox.DefaultWebhookConfig("http://"+ln.Addr().String()+webhooks.Path, secret), func() { cancel(); <-done }, nil
}

// sandboxHookFlags: where `spotcast sandbox` posts its events, and how.
type sandboxHookFlags struct {
	url, secret                  string
	delivered, read, reply, stop float64
}

func (f *sandboxHookFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&f.url, "webhook-url", "", "post signed webhooks for the messages it sends to this URL (a spotcast webhooks receiver: http://HOST/webhooks/whatsspot)")
	fl.StringVar(&f.secret, "webhook-secret", "", "the secret to sign them with (the receiver's)")
	fl.Float64Var(&f.delivered, "webhook-delivered", sandbox.DefaultWebhookDelivered, "share of sent messages delivered, 0 to 1")
	fl.Float64Var(&f.read, "webhook-read", sandbox.DefaultWebhookRead, "share of sent messages read, 0 to 1")
	fl.Float64Var(&f.reply, "webhook-reply", sandbox.DefaultWebhookReply, "share of sent messages replied to, 0 to 1")
	fl.Float64Var(&f.stop, "webhook-stop", sandbox.DefaultWebhookStop, "share of sent messages answered STOP (part of the replies), 0 to 1")
}

// option is the sandbox option the flags ask for (nil: no webhooks).
func (f *sandboxHookFlags) option() (sandbox.Option, error) {
	for name, v := range map[string]float64{"--webhook-delivered": f.delivered, "--webhook-read": f.read, "--webhook-reply": f.reply, "--webhook-stop": f.stop} {
		if !(v >= 0 && v <= 1) {
			return nil, exitf(ExitInvalid, "%s must be between 0 and 1, not %g", name, v)
		}
	}
	if f.url == "" {
		if f.secret != "" {
			return nil, exitf(ExitInvalid, "--webhook-secret needs --webhook-url (where to post the events)")
		}
		return nil, nil
	}
	if u, err := url.Parse(f.url); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, exitf(ExitInvalid, "--webhook-url %q is not an http(s) URL", campaign.SanitizeLine(f.url, 100))
	}
	if f.secret == "" {
		return nil, exitf(ExitInvalid, "--webhook-url needs --webhook-secret: the receiver refuses unsigned events")
	}
	c := sandbox.DefaultWebhookConfig(f.url, f.secret)
	c.Delivered, c.Read, c.Reply, c.Stop = f.delivered, f.read, f.reply, f.stop
	return sandbox.WithWebhooks(c), nil
}

// sandboxWebhooks starts --sandbox's own receiver into the database and
// returns the sandbox option that posts to it.
func (a *app) sandboxWebhooks() (sandbox.Option, func(), error) {
	db, err := a.store()
	if err != nil {
		return nil, nil, err
	}
	cfg, stop, err := sandboxReceiver(db)
	if err != nil {
		return nil, nil, exitf(ExitError, "cannot start the sandbox's webhook receiver: %v", err)
	}
	return sandbox.WithWebhooks(cfg), stop, nil
}
