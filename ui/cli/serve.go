package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/spf13/cobra"

	"spotcast/ui/sshd"
)

type serveFlags struct {
	addr, authorizedKeys, hostKey, importDir string
	idleTimeout                              time.Duration
	maxSessions                              int
	webhookAddr                              string
	hooks                                    hookFlags
}

func (a *app) serveCmd() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the composer over SSH to the keys in an authorized_keys file",
		Long: `Serve the same composer over SSH (public-key auth only). The API key stays on
this server; each operator (key) has their own drafts, and every submission
is journaled with the operator's key fingerprint. Operators pick CSV files
from their own folder under the import directory, or stream one in with
` + "`ssh HOST import NAME < contacts.csv`" + ` (and list, remove and download with
` + "`ssh HOST ls`, `ssh HOST rm NAME`, `ssh HOST export CAMPAIGN`" + `). Stops gracefully on
SIGINT/SIGTERM.`,
		Example: `  spotcast serve --addr :2222 --authorized-keys ~/.ssh/authorized_keys
  spotcast serve --sandbox --addr 127.0.0.1:2222 --authorized-keys ./operators.keys`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runServe(cmd.Context(), f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", sshd.DefaultAddr, "address to listen on")
	fl.StringVar(&f.authorizedKeys, "authorized-keys", "", "authorized_keys file: the public keys allowed in (required)")
	fl.StringVar(&f.hostKey, "host-key", "", "ed25519 host key, created on first start (default STATE/ssh_host_ed25519)")
	fl.StringVar(&f.importDir, "import-dir", "", "where operators' CSV files live (default STATE/imports)")
	fl.DurationVar(&f.idleTimeout, "idle-timeout", sshd.DefaultIdleTimeout, "close connections idle this long")
	fl.IntVar(&f.maxSessions, "max-sessions", sshd.DefaultMaxSessions, "at most this many sessions at once")
	fl.StringVar(&f.webhookAddr, "webhook-addr", "", "also receive WhatsSpot's webhooks on this address (see spotcast webhooks)")
	f.hooks.register(fl)
	return cmd
}

func (a *app) runServe(ctx context.Context, f serveFlags) error {
	if f.authorizedKeys == "" {
		return exitf(ExitInvalid, "--authorized-keys is required: without it anyone could log in")
	}
	if f.idleTimeout <= 0 {
		return exitf(ExitInvalid, "--idle-timeout must be positive, not %s", f.idleTimeout)
	}
	if f.maxSessions <= 0 {
		return exitf(ExitInvalid, "--max-sessions must be positive, not %d", f.maxSessions)
	}
	if f.webhookAddr != "" {
		if _, err := a.hookConfig(f.hooks, nil, io.Discard); err != nil {
			return err
		}
	}
	c, err := a.connect(true)
	if err != nil {
		return err
	}
	defer c.close()
	a.sandboxNotice(c)
	srv, err := sshd.New(sshd.Config{
		Addr: f.addr, AuthorizedKeys: f.authorizedKeys, HostKey: f.hostKey, ImportDir: f.importDir,
		IdleTimeout: f.idleTimeout, MaxSessions: f.maxSessions, StateDir: a.stateDir(),
		Engine: c.engine, Sandbox: c.sandbox, DefaultCountry: a.g.defaultCountry, Store: c.store,
	})
	if err != nil {
		return exitf(ExitError, "cannot start the SSH server: %v", err)
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		srv.Close()
		return exitf(ExitError, "cannot listen on %s: %v (choose another --addr)", f.addr, err)
	}
	fmt.Fprintf(a.out, "spotcast serving SSH on %s\n", ln.Addr())
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	hooksDone := func() error { return nil }
	if f.webhookAddr != "" {
		if hooksDone, err = a.startReceiver(ctx, f.webhookAddr, f.hooks, c.store); err != nil {
			ln.Close()
			srv.Close()
			return err
		}
	}
	err = srv.Run(ctx, ln)
	stop() // the receiver stops with the SSH server
	if herr := hooksDone(); err == nil && herr != nil {
		err = fmt.Errorf("webhook receiver: %w", herr)
	}
	if err != nil {
		return exitf(ExitError, "%v", err)
	}
	return nil
}
