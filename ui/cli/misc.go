package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"spotcast/client/sandbox"
)

func jsonLineEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}

// version is the module version stamped by `go install`, else "dev".
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Main.Version == "" || bi.Main.Version == "(devel)" {
		return "dev"
	}
	return bi.Main.Version
}

func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print spotcast's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(a.out, "spotcast "+version())
			return nil
		},
	}
}

type sandboxFlags struct {
	addr     string
	rate     float64
	failRate float64
}

func (a *app) sandboxCmd() *cobra.Command {
	var f sandboxFlags
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run the fake WhatsSpot API on its own (for demos and scripts)",
		Long: `Run an in-process fake of the WhatsSpot API until Ctrl-C. It accepts the
sandbox key printed at start (not a secret) and simulates bulk jobs.`,
		Example: `  spotcast sandbox --addr 127.0.0.1:8080
  WHATSSPOT_BASE_URL=http://127.0.0.1:8080 WHATSSPOT_API_KEY=sandbox-key spotcast send --to +919999999999 --content hi --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runSandbox(cmd.Context(), f) },
	}
	cmd.Flags().StringVar(&f.addr, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().Float64Var(&f.rate, "rate", 0, "messages a bulk job sends per second (0: the sandbox default)")
	cmd.Flags().Float64Var(&f.failRate, "fail-rate", 0, "fraction of messages that fail, 0 to 1")
	return cmd
}

func (a *app) runSandbox(ctx context.Context, f sandboxFlags) error {
	if f.failRate < 0 || f.failRate > 1 {
		return exitf(ExitInvalid, "--fail-rate must be between 0 and 1, not %g", f.failRate)
	}
	if f.rate < 0 {
		return exitf(ExitInvalid, "--rate must be positive, not %g", f.rate)
	}
	var opts []sandbox.Option
	if f.rate > 0 {
		opts = append(opts, sandbox.WithRate(f.rate))
	}
	if f.failRate > 0 {
		opts = append(opts, sandbox.WithFailRate(f.failRate))
	}
	run, err := sandbox.New(opts...).Start(f.addr)
	if err != nil {
		return exitf(ExitError, "cannot start the sandbox on %s: %v (is the port in use? try --addr 127.0.0.1:0)", f.addr, err)
	}
	fmt.Fprintf(a.out, "WhatsSpot sandbox listening on %s\nAPI key: %s (the sandbox key; not a secret)\n", run.URL, sandbox.Key)
	fmt.Fprintf(a.out, "Use it:  export WHATSSPOT_BASE_URL=%s WHATSSPOT_API_KEY=%s\nCtrl-C stops it.\n", run.URL, sandbox.Key)
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := run.Close(sctx); err != nil {
		return exitf(ExitError, "stopping the sandbox: %v", err)
	}
	fmt.Fprintln(a.errOut, "sandbox stopped")
	return nil
}
