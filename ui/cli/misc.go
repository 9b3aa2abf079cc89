package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"spotcast/campaign"
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
	addr        string
	rate        float64
	failRate    float64
	chaos       float64
	chaosFaults string
	chaosOn     string
	keepJobs    bool
	hooks       sandboxHookFlags
}

func (a *app) sandboxCmd() *cobra.Command {
	var f sandboxFlags
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run the fake WhatsSpot API on its own (for demos and scripts)",
		Long: `Run an in-process fake of the WhatsSpot API until Ctrl-C. It accepts the
sandbox key printed at start (not a secret) and simulates bulk jobs. Jobs live
in memory until it stops, unless --keep-jobs keeps them in the state directory
(where spotcast --sandbox keeps its own), so a restarted sandbox still knows them.`,
		Example: `  spotcast sandbox --addr 127.0.0.1:8080
  WHATSSPOT_BASE_URL=http://127.0.0.1:8080 WHATSSPOT_API_KEY=sandbox-key spotcast send --to +919999999999 --content hi --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runSandbox(cmd.Context(), f) },
	}
	cmd.Flags().StringVar(&f.addr, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().Float64Var(&f.rate, "rate", sandbox.DefaultRate, "messages a bulk job sends per second")
	cmd.Flags().Float64Var(&f.failRate, "fail-rate", sandbox.DefaultFailRate, "fraction of messages that fail, 0 to 1")
	cmd.Flags().Float64Var(&f.chaos, "chaos", 0, "fraction of requests answered with a fault (500, 429, 408, truncated JSON, HTML 502, slow answer), 0 to 1")
	cmd.Flags().StringVar(&f.chaosFaults, "chaos-faults", "all", "which faults --chaos injects, comma-separated: "+faultNames())
	cmd.Flags().StringVar(&f.chaosOn, "chaos-on", "all", "which requests --chaos may fault: polls (job status), sends, or all")
	cmd.Flags().BoolVar(&f.keepJobs, "keep-jobs", false, "keep bulk jobs in the state directory (STATE/sandbox/jobs), shared with spotcast --sandbox")
	f.hooks.register(cmd.Flags())
	return cmd
}

func (a *app) runSandbox(ctx context.Context, f sandboxFlags) error {
	if f.failRate < 0 || f.failRate > 1 {
		return exitf(ExitInvalid, "--fail-rate must be between 0 and 1, not %g", f.failRate)
	}
	if f.rate <= 0 {
		return exitf(ExitInvalid, "--rate must be positive, not %g", f.rate)
	}
	if f.chaos < 0 || f.chaos > 1 {
		return exitf(ExitInvalid, "--chaos must be between 0 and 1, not %g", f.chaos)
	}
	faults, err := sandbox.ParseFaults(f.chaosFaults)
	if err != nil {
		return exitf(ExitInvalid, "--chaos-faults: %v", err)
	}
	on, err := sandbox.ParseChaosOn(f.chaosOn)
	if err != nil {
		return exitf(ExitInvalid, "--chaos-on: %v", err)
	}
	opts := []sandbox.Option{sandbox.WithRate(f.rate), sandbox.WithFailRate(f.failRate)}
	if f.chaos > 0 {
		opts = append(opts, sandbox.WithChaos(f.chaos), sandbox.WithChaosFaults(faults...), sandbox.WithChaosOn(on))
	}
	if f.keepJobs {
		opts = append(opts, sandbox.WithJobDir(sandboxJobDir(a.stateDir())))
	}
	hooks, err := f.hooks.option()
	if err != nil {
		return err
	}
	if hooks != nil {
		opts = append(opts, hooks)
	}
	run, err := a.newSandbox(opts...).Start(f.addr)
	if err != nil {
		return exitf(ExitError, "cannot start the sandbox on %s: %v (is the port in use? try --addr 127.0.0.1:0)", f.addr, err)
	}
	fmt.Fprintf(a.out, "WhatsSpot sandbox listening on %s\nAPI key: %s (the sandbox key; not a secret)\n", run.URL, sandbox.Key)
	if f.chaos > 0 {
		fmt.Fprintf(a.out, "Chaos: %.0f%% of requests (%s) get one of: %s\n", f.chaos*100, on, f.chaosFaults)
	}
	if f.hooks.url != "" {
		fmt.Fprintf(a.out, "Webhooks: signed events for what it sends go to %s\n", campaign.SanitizeLine(f.hooks.url, 200))
	}
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

func faultNames() string {
	var names []string
	for _, f := range sandbox.Faults() {
		names = append(names, string(f))
	}
	return strings.Join(names, ",")
}
