package sshd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"
	"github.com/muesli/termenv"
	gossh "golang.org/x/crypto/ssh"

	"spotcast/campaign"
	"spotcast/ui"
)

// sessionState is what the middlewares of one session share. Sessions on
// one connection share the ssh.Context, so it is kept per ssh.Session.
type sessionState struct {
	id        identity
	ctx       context.Context // the session's; cancelled when it ends
	importDir string
	model     tea.Model
	exit      int
	input     *activityReader
	idled     atomic.Bool // the TUI ended for want of keys
}

// activityReader notes when the operator last typed.
type activityReader struct {
	r    io.Reader
	last atomic.Int64 // unix nanoseconds
}

func (a *activityReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.last.Store(time.Now().UnixNano())
	}
	return n, err
}

// quitWhenIdle quits p once no key arrived for d. The returned stop must be
// called when the program ends.
func quitWhenIdle(p *tea.Program, in *activityReader, d time.Duration, idled *atomic.Bool) (stop func()) {
	in.last.Store(time.Now().UnixNano())
	var t *time.Timer
	var mu sync.Mutex
	mu.Lock()
	defer mu.Unlock()
	t = time.AfterFunc(d, func() {
		mu.Lock()
		defer mu.Unlock()
		if since := time.Since(time.Unix(0, in.last.Load())); since < d {
			t.Reset(d - since)
			return
		}
		idled.Store(true)
		go p.Quit() // Quit waits for the program; do not hold mu meanwhile
	})
	return func() {
		mu.Lock()
		defer mu.Unlock()
		t.Stop()
	}
}

func (s *Server) stateOf(sess ssh.Session) *sessionState {
	v, ok := s.states.Load(sess)
	if !ok {
		return nil
	}
	return v.(*sessionState)
}

// logMiddleware runs first: it re-checks the key that actually
// authenticated (the key offered to the auth callback is not necessarily the
// one that logged in, and the file may have changed since), names the
// operator, and logs the session's start and end. Never message content.
func (s *Server) logMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		start := time.Now()
		remote := sess.RemoteAddr().String()
		pk := sess.PublicKey()
		id, ok := s.keys.lookup(pk)
		if !ok {
			fp := "none"
			if pk != nil {
				fp = gossh.FingerprintSHA256(pk)
			}
			s.log.Warn("session refused: key is not (or no longer) authorized", "fingerprint", fp, "remote", remote)
			fmt.Fprint(sess.Stderr(), "spotcast: your key is not authorized on this server\r\n")
			_ = sess.Exit(1)
			return
		}
		st := &sessionState{id: id}
		s.states.Store(sess, st)
		defer s.states.Delete(sess)

		pty, _, isPty := sess.Pty()
		kind := "tui"
		if cmd := sess.Command(); len(cmd) > 0 {
			kind = campaign.SanitizeLine(cmd[0], 32)
		} else if !isPty {
			kind = "none"
		}
		s.log.Info("session start", "operator", id.Name(), "fingerprint", id.Fingerprint, "remote", remote,
			"kind", kind, "term", campaign.SanitizeLine(pty.Term, 32), "width", pty.Window.Width, "height", pty.Window.Height)
		next(sess)
		s.log.Info("session end", "operator", id.Name(), "fingerprint", id.Fingerprint, "remote", remote,
			"duration", time.Since(start).Round(time.Millisecond), "exit", st.exit)
	}
}

// limitMiddleware enforces MaxSessions and refuses sessions while draining.
func (s *Server) limitMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		st := s.stateOf(sess)
		if err := s.enter(); err != nil {
			msg := GoodbyeMessage
			if errors.Is(err, errBusy) {
				msg = fmt.Sprintf("the server is busy (%d sessions open); try again in a minute", s.cfg.MaxSessions)
				s.log.Warn("session refused: too many sessions", "operator", st.id.Name(), "max", s.cfg.MaxSessions)
			}
			fmt.Fprintf(sess.Stderr(), "spotcast: %s\r\n", msg)
			st.exit = 1
			_ = sess.Exit(1)
			return
		}
		defer s.leave()
		next(sess)
	}
}

// commandMiddleware routes a session: a terminal without a command gets the
// TUI; import, ls, rm and export manage the operator's files (commands.go);
// anything else gets the usage.
func (s *Server) commandMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		st := s.stateOf(sess)
		cmd := sess.Command()
		_, _, isPty := sess.Pty()
		var args []string
		if len(cmd) > 0 {
			args = cmd[1:]
		}
		switch {
		case len(cmd) == 0 && isPty:
			next(sess)
			return
		case len(cmd) > 0 && (cmd[0] == "import" || cmd[0] == "export") && isPty:
			// With a terminal, stdin is the keyboard (an import would wait
			// for an end of file that never comes) and stdout rewrites line
			// ends (an export would not be the file).
			fmt.Fprintf(sess.Stderr(), "spotcast: %s streams a file; run it without a terminal (ssh -T HOST %s ...)\r\n", cmd[0], cmd[0])
			st.exit = 2
		case len(cmd) > 0 && cmd[0] == "import":
			st.exit = s.runImport(sess, st, args)
		case len(cmd) > 0 && cmd[0] == "export":
			st.exit = s.runExport(sess, st, args)
		case len(cmd) > 0 && cmd[0] == "ls":
			st.exit = s.runList(sess, st, args, isPty)
		case len(cmd) > 0 && cmd[0] == "rm":
			st.exit = s.runRemove(sess, st, args, isPty)
		default:
			if len(cmd) > 0 {
				say(sess.Stderr(), isPty, "spotcast: unknown command %q\n", campaign.SanitizeLine(cmd[0], 40))
			}
			say(sess.Stderr(), isPty, "%s", usage)
			st.exit = 2
		}
		_ = sess.Exit(st.exit)
	}
}

// sessionMiddleware wraps the TUI: it gives the session its context and
// import folder, and afterwards prints the goodbye / how the TUI ended and
// sets the exit status.
func (s *Server) sessionMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		st := s.stateOf(sess)
		ctx, cancel := context.WithCancel(sess.Context())
		defer cancel()
		st.ctx = ctx
		st.importDir = filepath.Join(s.importBase, st.id.dirName())
		if err := os.MkdirAll(st.importDir, 0o700); err != nil {
			s.log.Error("cannot create the import folder", "dir", st.importDir, "err", err)
			fmt.Fprint(sess.Stderr(), "spotcast: the server cannot create your import folder; tell its administrator\r\n")
			st.exit = 1
			_ = sess.Exit(1)
			return
		}
		if len(sess.Command()) == 0 {
			// The composer's picker reads the folder: uploads made on the
			// team's other hosts are put there — beside the session, not
			// before it (sharing a large list takes seconds).
			s.syncing.Add(1)
			go func() {
				defer s.syncing.Done()
				s.syncUploads(st, st.importDir)
			}()
		}

		next(sess)

		var res ui.Result
		if st.model != nil {
			// Close first: it saves the draft, and the result says whether.
			if c, ok := st.model.(interface{ Close() error }); ok {
				if err := c.Close(); err != nil {
					s.log.Warn("closing the session's model", "operator", st.id.Name(), "err", err)
				}
			}
			res = ui.FinalResult(st.model)
		} else if st.exit == 0 {
			res.Failed = true
		}
		// The TUI has left the alternate screen: these lines stay visible.
		if st.idled.Load() {
			fmt.Fprintf(sess, "\r\nno key pressed for %s: disconnected\r\n", s.cfg.IdleTimeout)
		}
		if s.closing.Err() != nil {
			// Only promise a saved draft when it was saved.
			msg := "server shutting down"
			switch {
			case res.DraftSaved:
				msg = GoodbyeMessage
			case res.DraftErr != nil:
				msg += " — your draft could NOT be saved (the server's log says why)"
			}
			fmt.Fprintf(sess, "\r\n%s\r\n", msg)
			res.Failed = true
		}
		if res.Message != "" {
			fmt.Fprintf(sess, "%s\r\n", strings.ReplaceAll(res.Message, "\n", "\r\n"))
		}
		if st.exit == 0 {
			st.exit = sessionExit(res)
		}
		_ = sess.Exit(st.exit)
	}
}

// sessionExit is the SSH exit status: the session's own health, not the
// campaign's (operators see that on screen and in the journal).
func sessionExit(res ui.Result) int {
	switch {
	case res.Failed:
		return 1
	case res.Interrupted:
		return 130
	}
	return 0
}

// programHandler builds the session's own TUI: its model, renderer (the
// client's terminal, not the server's), import folder and operator.
func (s *Server) programHandler(sess ssh.Session) *tea.Program {
	st := s.stateOf(sess)
	if st == nil || st.ctx == nil {
		return nil
	}
	st.input = &activityReader{r: sess}
	r := makeRenderer(sess)
	m, err := ui.New(ui.Options{
		Engine:         s.cfg.Engine,
		Sandbox:        s.cfg.Sandbox,
		StateDir:       s.cfg.StateDir,
		DefaultCountry: s.cfg.DefaultCountry,
		Operator:       st.id.Operator(),
		OperatorName:   st.id.Name(),
		OnSubmit:       func(sub *campaign.Submission, err error) { s.logSubmission(st.id, sub, err) },
		// Operators share the journal; each sees and exports only their own.
		OwnCampaignsOnly: true,
		ImportDir:        st.importDir,
		Renderer:         r,
		Input:            st.input,
		Output:           sess,
		Ctx:              st.ctx,
		Store:            s.store,
	})
	if err != nil {
		s.log.Error("cannot start the interface", "operator", st.id.Name(), "err", err)
		fmt.Fprintf(sess.Stderr(), "spotcast: cannot start the interface: %v\r\n", err)
		st.exit = 1
		return nil
	}
	st.model = m
	p := tea.NewProgram(newFrameLimiter(m),
		// The emulated PTY: the session is the terminal, so what the TUI
		// writes reaches the client in order with what follows it.
		tea.WithInput(st.input),
		tea.WithOutput(sess),
		tea.WithAltScreen(),
		tea.WithContext(st.ctx),
		// The server owns SIGINT/SIGTERM (Run's ctx); a program must not
		// turn the server's signal into an operator's ctrl+c.
		tea.WithoutSignalHandler(),
		tea.WithFilter(dropNoOps),
	)
	// On shutdown the TUI quits normally, so the goodbye can follow it.
	stop := context.AfterFunc(s.closing, p.Quit)
	context.AfterFunc(st.ctx, func() { stop() })
	return p
}

// teaMiddleware runs the session's program: what
// wish/bubbletea.MiddlewareWithProgramHandler does (window changes, the
// first being the initial size, become tea.WindowSizeMsg; Kill restores the
// terminal), plus the idle timeout, and it waits for its own goroutine so
// nothing outlives the session. We keep it instead of wish's because wish's
// MakeRenderer reads up to a second of the session's input to ask for the
// background colour, racing the operator's first keys and delaying every
// session's first screen; our renderer (makeRenderer) also honours NO_COLOR.
func (s *Server) teaMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		p := s.programHandler(sess)
		if p == nil {
			next(sess)
			return
		}
		st := s.stateOf(sess)
		_, windows, _ := sess.Pty()
		ctx, cancel := context.WithCancel(st.ctx)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					s.log.Error("panic forwarding window size", "panic", r)
				}
			}()
			for {
				select {
				case <-ctx.Done():
					return
				case w, ok := <-windows:
					if !ok {
						return
					}
					p.Send(tea.WindowSizeMsg{Width: w.Width, Height: w.Height})
				}
			}
		}()
		if d := s.cfg.IdleTimeout; d > 0 {
			defer quitWhenIdle(p, st.input, d, &st.idled)()
		}
		if _, err := p.Run(); err != nil {
			if errors.Is(err, tea.ErrProgramKilled) && st.ctx.Err() != nil {
				s.log.Debug("interface stopped: the connection ended", "operator", st.id.Name())
			} else {
				s.log.Error("interface ended with an error", "operator", st.id.Name(), "err", err)
			}
		}
		// Kill restores the terminal if the program crashed mid-frame.
		p.Kill()
		cancel()
		wg.Wait()
		next(sess)
	}
}

// makeRenderer describes the client's terminal (TERM and COLORTERM from the
// session, NO_COLOR honoured), never the server's.
func makeRenderer(sess ssh.Session) *lipgloss.Renderer {
	pty, _, ok := sess.Pty()
	env := sessionEnv(append(sess.Environ(), "TERM="+pty.Term))
	if !ok || pty.Term == "" || pty.Term == "dumb" || hasEnv(env, "NO_COLOR") {
		return lipgloss.NewRenderer(sess, termenv.WithProfile(termenv.Ascii))
	}
	return lipgloss.NewRenderer(sess,
		termenv.WithEnvironment(env),
		// The session is not a file, but it is the client's terminal.
		termenv.WithUnsafe(),
		termenv.WithColorCache(true),
	)
}

// sessionEnv is the client's environment as termenv wants it.
type sessionEnv []string

func (e sessionEnv) Environ() []string { return e }

func (e sessionEnv) Getenv(k string) string {
	for i := len(e) - 1; i >= 0; i-- { // the last one wins (TERM from the PTY)
		if key, v, ok := strings.Cut(e[i], "="); ok && key == k {
			return v
		}
	}
	return ""
}

func hasEnv(env []string, key string) bool {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key && v != "" {
			return true
		}
	}
	return false
}

// logSubmission records a send in the server log: who, which campaign, and
// each batch's state and job — never the message or the key.
func (s *Server) logSubmission(id identity, sub *campaign.Submission, err error) {
	var jobs, states []string
	for _, b := range sub.Batches {
		states = append(states, string(b.State))
		if b.Outcome.JobID != "" {
			jobs = append(jobs, b.Outcome.JobID)
		}
	}
	kv := []any{"operator", id.Name(), "fingerprint", id.Fingerprint, "campaign", sub.CampaignID,
		"batches", strings.Join(states, ","), "jobs", strings.Join(jobs, ",")}
	if err != nil {
		s.log.Warn("send", append(kv, "err", campaign.SanitizeLine(err.Error(), 200))...)
		return
	}
	s.log.Info("send", kv...)
}
