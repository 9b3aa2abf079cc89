// Package cli wires spotcast's commands (cobra) to the engine and the TUI.
//
// Main is the whole program: it parses flags, runs one command and returns
// the exit code. It never calls os.Exit, so it stays testable and deferred
// clean-ups (the sandbox, the journal) always run.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"os/signal"
	"os/user"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"spotcast/campaign"
	"spotcast/campaign/store"
)

// Exit codes (SPEC section 3). They are part of the contract with scripts.
const (
	ExitOK          = 0
	ExitError       = 1 // an internal failure that fits no other code
	ExitInvalid     = 2 // invalid input: every problem listed, nothing sent
	ExitRejected    = 3 // the API refused the request (4xx)
	ExitTransport   = 4 // transport or server failure: the outcome may be unknown
	ExitJobFailed   = 5 // a watched job ended with failed messages
	ExitInterrupted = 130
)

// ExitCodeError is an error that carries the process exit code. Commands
// return it instead of exiting so deferred clean-ups run.
type ExitCodeError struct {
	Code int
	Err  error // nil: exit quietly (the command already said everything)
}

func (e *ExitCodeError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitCodeError) Unwrap() error { return e.Err }

// exitf builds an ExitCodeError with a formatted message.
func exitf(code int, format string, a ...any) error {
	return &ExitCodeError{Code: code, Err: fmt.Errorf(format, a...)}
}

// quietExit ends with a code and no further message.
func quietExit(code int) error { return &ExitCodeError{Code: code} }

// streams is the process's outside world, injectable for tests.
type streams struct {
	in          io.Reader
	out, errOut io.Writer
	getenv      func(string) string
	// inTTY/outTTY report whether stdin/stdout are terminals.
	inTTY, outTTY bool
	now           func() time.Time
}

func osStreams() streams {
	return streams{
		in: os.Stdin, out: os.Stdout, errOut: os.Stderr,
		getenv: os.Getenv,
		inTTY:  term.IsTerminal(os.Stdin.Fd()),
		outTTY: term.IsTerminal(os.Stdout.Fd()),
		now:    time.Now,
	}
}

// Main runs the command line and returns the process exit code.
func Main(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), stopSignals()...)
	defer stop()
	return run(ctx, args, osStreams())
}

// stopSignals end a command cleanly (drafts saved, the journal consistent,
// SSH sessions told): ctrl+c, kill, and the terminal closing (SIGHUP).
// This context is their only owner; the TUI installs no handler of its own.
// SIGHUP is left alone when it was ignored at start (nohup): handling it
// would undo the nohup.
func stopSignals() []os.Signal {
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	return sigs
}

func run(ctx context.Context, args []string, s streams) int {
	a := &app{streams: s, runCtx: ctx}
	defer a.closeStore()
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetIn(s.in)
	root.SetOut(s.out)
	root.SetErr(s.errOut)
	err := root.ExecuteContext(ctx)
	return a.exitCode(ctx, err)
}

// exitCode prints err (if any) as "spotcast: ..." and maps it to a code.
func (a *app) exitCode(ctx context.Context, err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitCodeError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			fmt.Fprintln(a.errOut, "spotcast: "+flagWords(campaign.Sanitize(ee.Err.Error())))
		}
		return ee.Code
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		fmt.Fprintln(a.errOut, "spotcast: interrupted")
		return ExitInterrupted
	}
	fmt.Fprintln(a.errOut, "spotcast: "+flagWords(campaign.Sanitize(err.Error())))
	// Cobra's own errors (unknown command, bad flag value) are invalid input.
	if isUsageError(err) {
		return ExitInvalid
	}
	return ExitError
}

// usageError marks flag and argument mistakes found by cobra.
type usageError struct{ error }

func (u usageError) Unwrap() error { return u.error }

func isUsageError(err error) bool {
	var u usageError
	if errors.As(err, &u) {
		return true
	}
	// Cobra reports unknown commands and wrong arg counts as plain errors.
	msg := err.Error()
	for _, s := range []string{"unknown command", "unknown flag", "unknown shorthand", "accepts ", "requires at least", "invalid argument"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// app holds the global configuration shared by every command.
type app struct {
	streams
	g globals
	// db is the store, opened by the first command that needs it.
	db *store.DB
	// runCtx is the command's context (signals end it).
	runCtx context.Context
}

func (a *app) ctx() context.Context {
	if a.runCtx != nil {
		return a.runCtx
	}
	return context.Background()
}

// globals are the settings of SPEC section 2. Environment variables are
// read after parsing rather than used as flag defaults, so --help never
// prints the API key.
type globals struct {
	apiKey         string
	baseURL        string
	stateDir       string
	defaultCountry string
	jobPath        string
	sandbox        bool
	pollRate       float64
	pollRateText   string
	database       string
}

const (
	envAPIKey         = "WHATSSPOT_API_KEY"
	envBaseURL        = "WHATSSPOT_BASE_URL"
	envJobPath        = "WHATSSPOT_JOB_PATH"
	envStateDir       = "SPOTCAST_STATE_DIR"
	envDefaultCountry = "SPOTCAST_DEFAULT_COUNTRY"
	envPollRate       = "SPOTCAST_POLL_RATE"
)

func (a *app) rootCmd() *cobra.Command {
	var tf tuiFlags
	root := &cobra.Command{
		Use:   "spotcast",
		Short: "Compose and send WhatsSpot WhatsApp campaigns from a terminal",
		Long: `spotcast composes a WhatsApp campaign (type, text, media, recipients from a
CSV, schedule), reviews it, sends it through the WhatsSpot API and watches
the bulk job to the end. Without a subcommand it opens the interactive
composer; every step can also be done with flags ("spotcast send").

Try it without an account:  spotcast --sandbox`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return a.resolveGlobals()
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runTUI(cmd.Context(), tf) },
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w (see %s --help)", err, cmd.CommandPath())}
	})
	pf := root.PersistentFlags()
	pf.StringVar(&a.g.apiKey, "api-key", "", "WhatsSpot API key (env "+envAPIKey+"; prefer the env var: flags show up in ps)")
	pf.StringVar(&a.g.baseURL, "base-url", "", "API base URL, may include a path prefix (env "+envBaseURL+"; default https://api.whatsspot.in)")
	pf.StringVar(&a.g.stateDir, "state-dir", "", "where the SQLite database and SSH uploads live (env "+envStateDir+"; default $XDG_STATE_HOME/spotcast)")
	pf.StringVar(&a.g.defaultCountry, "default-country", "", "ISO region for numbers without a country code, e.g. IN, GB, US (env "+envDefaultCountry+")")
	pf.StringVar(&a.g.jobPath, "job-path", "", "bulk job status path template (env "+envJobPath+"; default /bulk-jobs/{id})")
	pf.StringVar(&a.g.pollRateText, "poll-rate", "", "status requests per second for all watched jobs together (env "+envPollRate+"; default 5)")
	pf.StringVar(&a.g.database, "database", "", "postgres://… to share campaigns, drafts and uploads with a team (env "+envDatabase+"; default SQLite at STATE/spotcast.db)")
	pf.BoolVar(&a.g.sandbox, "sandbox", false, "use a built-in fake WhatsSpot API on 127.0.0.1: nothing leaves the machine")
	tf.register(root)

	root.AddCommand(a.sendCmd(), a.importCmd(), a.watchCmd(), a.jobsCmd(), a.resumeCmd(), a.reportCmd(), a.sandboxCmd(), a.serveCmd(), a.webhooksCmd(), a.dbCmd(), a.optoutCmd(), a.versionCmd())
	return root
}

// resolveGlobals fills unset flags from the environment and checks them.
func (a *app) resolveGlobals() error {
	from := map[*string]string{} // where a value came from, for errors
	fill := func(v *string, env string) {
		if *v == "" {
			*v = strings.TrimSpace(a.getenv(env))
			from[v] = env
		}
	}
	// name says where a bad value was set: the flag, or the variable.
	name := func(v *string, flag string) string {
		if env, ok := from[v]; ok {
			return env + " (from the environment)"
		}
		return flag
	}
	fill(&a.g.apiKey, envAPIKey)
	fill(&a.g.database, envDatabase)
	fill(&a.g.baseURL, envBaseURL)
	fill(&a.g.stateDir, envStateDir)
	fill(&a.g.defaultCountry, envDefaultCountry)
	fill(&a.g.jobPath, envJobPath)
	fill(&a.g.pollRateText, envPollRate)
	if t := a.g.pollRateText; t != "" {
		r, err := strconv.ParseFloat(t, 64)
		if err != nil || r <= 0 || r > 1000 || math.IsNaN(r) {
			return exitf(ExitInvalid, "%s %q is not a poll rate: give status requests per second, more than 0 and at most 1000, e.g. 5 or 0.5", name(&a.g.pollRateText, "--poll-rate"), t)
		}
		a.g.pollRate = r
	}
	a.g.apiKey = strings.TrimSpace(a.g.apiKey)
	if a.g.baseURL != "" {
		u, err := url.Parse(a.g.baseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return exitf(ExitInvalid, "%s %q is not an http(s) URL like https://api.whatsspot.in", name(&a.g.baseURL, "--base-url"), a.g.baseURL)
		}
	}
	if a.g.jobPath != "" && !strings.Contains(a.g.jobPath, "{id}") {
		return exitf(ExitInvalid, "%s %q has no {id} placeholder: use a template like /bulk-jobs/{id}", name(&a.g.jobPath, "--job-path"), a.g.jobPath)
	}
	if a.g.defaultCountry != "" {
		cc := strings.ToUpper(a.g.defaultCountry)
		if !validRegion(cc) {
			return exitf(ExitInvalid, "%s %q is not a known ISO region: use a two-letter code such as IN, GB or US", name(&a.g.defaultCountry, "--default-country"), a.g.defaultCountry)
		}
		a.g.defaultCountry = cc
	}
	return nil
}

// maskKey shows only the last 4 characters of a secret, and nothing of a
// short one (4 characters of a 6-character key would give most of it away).
func maskKey(k string) string {
	if len(k) < 12 {
		return "…"
	}
	return "…" + k[len(k)-4:]
}

// operator names who is at the keyboard, for the journal.
func operator(getenv func(string) string) string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := getenv("USER"); u != "" {
		return u
	}
	return "local"
}
