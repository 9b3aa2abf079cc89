package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"spotcast/campaign"
	"spotcast/campaign/store"
	"spotcast/client"
	"spotcast/client/sandbox"
)

// validRegion reports whether cc is an ISO region libphonenumber knows.
func validRegion(cc string) bool { return campaign.ValidRegion(cc) }

// conn is a ready API client and what must be closed after it.
type conn struct {
	client *client.Client
	// engine decides everything about campaigns; the faces present it.
	engine *campaign.Engine
	// store is the database the engine records to.
	store   *store.DB
	sandbox bool
	url     string // the sandbox's URL, when sandboxed
	key     string
	close   func()
}

// connect builds the API client. With --sandbox it first starts the fake
// API on a random loopback port. needKey is false for commands that make no
// authenticated call (dry runs, media checks), so they work without a key.
func (a *app) connect(needKey bool) (*conn, error) {
	c := &conn{close: func() {}}
	base, key := a.g.baseURL, a.g.apiKey
	if a.g.sandbox {
		// Jobs are kept in the state directory, so a job detached in one
		// run can be watched from the next (README: detach and re-attach).
		hooks, stopHooks, err := a.sandboxWebhooks()
		if err != nil {
			return nil, err
		}
		run, err := a.newSandbox(sandbox.WithJobDir(sandboxJobDir(a.stateDir())), hooks).Start("127.0.0.1:0")
		if err != nil {
			stopHooks()
			return nil, exitf(ExitError, "cannot start the sandbox API: %v", err)
		}
		c.sandbox, c.url = true, run.URL
		base, key = run.URL, sandbox.Key
		c.close = func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = run.Close(ctx)
			stopHooks()
		}
	} else if key == "" && needKey {
		return nil, exitf(ExitInvalid, "no API key: set %s (or pass --api-key). Create a key in the WhatsSpot dashboard under API Tokens; or try spotcast with --sandbox, which needs none", envAPIKey)
	}
	c.key = key
	opts := []client.Option{client.WithUserAgent("spotcast/" + version())}
	if base != "" {
		opts = append(opts, client.WithBaseURL(base))
	}
	if key != "" {
		opts = append(opts, client.WithAPIKey(key))
	}
	if a.g.jobPath != "" {
		opts = append(opts, client.WithJobPath(a.g.jobPath))
	}
	c.client = client.New(opts...)
	db, err := a.store()
	if err != nil {
		c.close()
		return nil, err
	}
	c.store = db
	c.engine = &campaign.Engine{
		Store:        db,
		Suppressions: db,
		API:          c.client,
		Target:       campaign.NewTarget(c.client.BaseURL(), c.sandbox),
		KeyHint:      maskKey(key),
		Budget:       campaign.NewPollBudget(a.g.pollRate),
		Now:          a.now,
	}
	return c, nil
}

// sandboxNotice tells a headless user that nothing real happens.
func (a *app) sandboxNotice(c *conn) {
	if c.sandbox {
		fmt.Fprintf(a.errOut, "SANDBOX: using the built-in fake WhatsSpot API at %s — nothing leaves this machine.\n", c.url)
	}
}

// newSandbox makes a sandbox, warning about job files it could not load
// (the sandbox runs without them).
func (a *app) newSandbox(opts ...sandbox.Option) *sandbox.Server {
	srv := sandbox.New(opts...)
	for _, p := range srv.StateProblems() {
		fmt.Fprintln(a.errOut, "warning: "+campaign.Sanitize(p.Error()))
	}
	return srv
}

// sandboxJobDir is where the built-in sandbox keeps its jobs.
func sandboxJobDir(state string) string { return filepath.Join(state, "sandbox", "jobs") }

// stateDir resolves --state-dir / SPOTCAST_STATE_DIR / the XDG default.
func (a *app) stateDir() string { return campaign.StateDir(a.g.stateDir) }
