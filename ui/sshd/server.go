// Package sshd serves spotcast's TUI over SSH (charmbracelet/wish v1):
// public-key auth against an authorized_keys file only, one TUI per
// session with the client's own renderer, a persistent host key, idle
// timeout, a session limit, `ssh HOST import < contacts.csv`, and a
// graceful shutdown that tells connected operators.
package sshd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/log"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	"github.com/charmbracelet/wish/activeterm"
	"github.com/charmbracelet/wish/recover"
	gossh "golang.org/x/crypto/ssh"

	"spotcast/campaign"
)

// Defaults for zero Config fields.
const (
	DefaultAddr        = ":2222"
	DefaultIdleTimeout = 30 * time.Minute
	DefaultMaxSessions = 50
	// MaxImportBytes caps what `ssh HOST import` reads from stdin.
	MaxImportBytes = 100 << 20
	// ShutdownTimeout is how long Run waits for sessions to end after the
	// operators were told, before closing the remaining connections.
	ShutdownTimeout = 10 * time.Second
)

// connIdleGrace is how long after the TUI's idle timeout a silent
// connection is dropped.
const connIdleGrace = 30 * time.Second

// GoodbyeMessage is what connected operators see when the server stops
// and their draft is on disk ("server shutting down" when it is not).
const GoodbyeMessage = "server shutting down — your draft is saved"

// Config configures the server. AuthorizedKeys is required.
type Config struct {
	Addr           string // listen address; "" = DefaultAddr
	AuthorizedKeys string // authorized_keys file: the only way in
	HostKey        string // ed25519 host key; "" = STATE/ssh_host_ed25519
	// ImportDir is where operators' CSV files live. "" = STATE/imports.
	// Each operator gets (and is confined to) their own sub-folder.
	ImportDir string
	// IdleTimeout ends a TUI session when the operator has pressed no key
	// for that long (a redrawing screen does not count as activity), and a
	// connection with no traffic at all shortly after. 0 =
	// DefaultIdleTimeout, negative = never.
	IdleTimeout time.Duration
	// MaxSessions bounds concurrent sessions; 0 = DefaultMaxSessions,
	// negative = no limit.
	MaxSessions int
	StateDir    string // "" = campaign.StateDir("")
	// Engine is every session's: one API port, one poll budget shared
	// by all operators (the API's rate limit is the key's, not theirs).
	Engine         *campaign.Engine
	Sandbox        bool
	DefaultCountry string
	Logger         *log.Logger // nil = log.Default()
}

// Server is a configured SSH server. Build it with New.
type Server struct {
	cfg     Config
	log     *log.Logger
	keys    *authorizedKeys
	srv     *ssh.Server
	journal *campaign.Journal

	// closing is cancelled when shutdown begins; sessions watch it.
	closing    context.Context
	stopAll    context.CancelFunc
	closeOnce  sync.Once
	closeErr   error
	importBase string
	maxImport  atomic.Int64 // MaxImportBytes; tests lower it
	// states maps ssh.Session → *sessionState (sessions on one connection
	// share the ssh.Context, so it cannot hold per-session values).
	states sync.Map

	mu       sync.Mutex
	active   int
	draining bool
	idle     chan struct{} // closed when draining and active reaches 0
	addr     net.Addr
	// listeners are those Serve is using; conns counts open connections.
	listeners map[net.Listener]struct{}
	conns     int
}

// New checks cfg, loads (or creates) the host key and the authorized keys,
// and opens the shared journal. It does not listen yet.
func New(cfg Config) (*Server, error) {
	if cfg.AuthorizedKeys == "" {
		return nil, errors.New("refusing to start without --authorized-keys: wish accepts everyone without an auth option")
	}
	logger := cfg.Logger
	if logger == nil {
		logger = log.Default()
	}
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	cfg.StateDir = campaign.StateDir(cfg.StateDir)
	if cfg.HostKey == "" {
		cfg.HostKey = filepath.Join(cfg.StateDir, "ssh_host_ed25519")
	}
	if cfg.ImportDir == "" {
		cfg.ImportDir = filepath.Join(cfg.StateDir, "imports")
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxSessions == 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.Engine == nil || cfg.Engine.API == nil {
		return nil, errors.New("sshd: no API configured (set the API key, or use --sandbox)")
	}

	keys, err := newAuthorizedKeys(cfg.AuthorizedKeys, logger)
	if err != nil {
		return nil, err
	}
	if keys.count() == 0 {
		logger.Warn("no usable key in authorized keys yet: nobody can log in until one is added", "file", cfg.AuthorizedKeys)
	}
	signer, err := loadHostKey(cfg.HostKey, logger)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.ImportDir, 0o700); err != nil {
		return nil, fmt.Errorf("import directory %s: %w", cfg.ImportDir, err)
	}
	journal, err := campaign.OpenJournal(cfg.StateDir)
	if err != nil {
		return nil, fmt.Errorf("opening the journal in %s: %w", cfg.StateDir, err)
	}

	s := &Server{cfg: cfg, log: logger, keys: keys, journal: journal, importBase: cfg.ImportDir,
		listeners: map[net.Listener]struct{}{}}
	s.maxImport.Store(MaxImportBytes)
	s.closing, s.stopAll = context.WithCancel(context.Background())

	opts := []ssh.Option{
		wish.WithAddress(cfg.Addr),
		wish.WithPublicKeyAuth(s.publicKeyAuth),
		// No password or keyboard-interactive handler: those methods are not
		// even offered. The ssh.Server has a PublicKeyHandler, so it never
		// falls back to "no client auth".
		func(srv *ssh.Server) error {
			srv.AddHostKey(signer)
			srv.PasswordHandler = nil
			srv.KeyboardInteractiveHandler = nil
			srv.ConnCallback = s.trackConn
			srv.ConnectionFailedCallback = func(c net.Conn, err error) {
				s.log.Debug("connection failed", "remote", c.RemoteAddr().String(), "err", err)
			}
			return nil
		},
		wish.WithMiddleware(
			// The last listed runs first: logging → limits → commands →
			// PTY check → session wrapper → (recovered) TUI.
			recover.MiddlewareWithLogger(logger,
				s.teaMiddleware,
			),
			s.sessionMiddleware,
			activeterm.Middleware(),
			s.commandMiddleware,
			s.limitMiddleware,
			s.logMiddleware,
		),
	}
	if cfg.IdleTimeout > 0 {
		// The connection-level timeout (traffic either way) is a backstop
		// for stuck non-TUI sessions; it comes after the TUI's own keyboard
		// timeout so the operator is told why the session ended.
		opts = append(opts, wish.WithIdleTimeout(cfg.IdleTimeout+connIdleGrace))
	}
	srv, err := wish.NewServer(opts...)
	if err != nil {
		journal.Close()
		return nil, fmt.Errorf("configuring the SSH server: %w", err)
	}
	s.srv = srv
	return s, nil
}

// publicKeyAuth admits exactly the keys in the authorized_keys file.
func (s *Server) publicKeyAuth(ctx ssh.Context, key ssh.PublicKey) bool {
	if _, ok := s.keys.lookup(key); ok {
		return true
	}
	s.log.Warn("auth rejected: key not in authorized keys",
		"fingerprint", gossh.FingerprintSHA256(key), "remote", ctx.RemoteAddr().String(), "user", ctx.User())
	return false
}

// Addr is the address the server listens on (nil before Serve).
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// ListenAndServe listens on cfg.Addr and serves until Shutdown or Close;
// then it returns ssh.ErrServerClosed.
func (s *Server) ListenAndServe() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w (choose another --addr)", s.cfg.Addr, err)
	}
	return s.Serve(ln)
}

// Serve serves SSH on ln until Shutdown or Close; then it returns
// ssh.ErrServerClosed.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.draining {
		s.mu.Unlock()
		ln.Close()
		return ssh.ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	s.addr = ln.Addr()
	s.mu.Unlock()
	s.log.Info("serving SSH", "addr", ln.Addr().String(), "authorized_keys", s.cfg.AuthorizedKeys,
		"sandbox", s.cfg.Sandbox, "import_dir", s.importBase)
	err := s.srv.Serve(ln)
	s.mu.Lock()
	delete(s.listeners, ln)
	draining := s.draining
	s.mu.Unlock()
	if draining && errors.Is(err, net.ErrClosed) {
		// We closed the listener ourselves (see Shutdown).
		return ssh.ErrServerClosed
	}
	return err
}

// drain stops new sessions and connections and returns the listeners to
// close. ssh.Server.Shutdown is not used: its WaitGroup wait races with a
// Serve that is just starting.
func (s *Server) drain() []net.Listener {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.draining = true
	if s.idle == nil {
		s.idle = make(chan struct{})
		if s.active == 0 {
			close(s.idle)
		}
	}
	lns := make([]net.Listener, 0, len(s.listeners))
	for ln := range s.listeners {
		lns = append(lns, ln)
	}
	return lns
}

// Shutdown stops accepting connections, tells every session the server is
// going away (the TUI quits), waits for the sessions to end, gives clients
// a second to hang up, then closes the remaining connections. If ctx ends
// first it returns ctx's error; call Close then.
func (s *Server) Shutdown(ctx context.Context) error {
	for _, ln := range s.drain() {
		ln.Close()
	}
	s.stopAll()
	s.mu.Lock()
	idle := s.idle
	s.mu.Unlock()
	select {
	case <-idle:
	case <-ctx.Done():
		return ctx.Err()
	}
	// Sessions are over; clients normally hang up right after their
	// session ends. Give them a moment, then close what is left.
	grace := time.NewTimer(time.Second)
	defer grace.Stop()
	for s.openConns() > 0 {
		select {
		case <-grace.C:
			return s.closeConns()
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return s.closeConns()
}

func (s *Server) closeConns() error {
	if err := s.srv.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}

func (s *Server) openConns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// trackedConn counts itself out of the server's open connections once.
type trackedConn struct {
	net.Conn
	once sync.Once
	s    *Server
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.s.mu.Lock()
		c.s.conns--
		c.s.mu.Unlock()
	})
	return c.Conn.Close()
}

func (s *Server) trackConn(_ ssh.Context, c net.Conn) net.Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns++
	return &trackedConn{Conn: c, s: s}
}

// Close closes the listener and every connection at once, and the shared
// journal. It is safe to call more than once and after Shutdown.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		for _, ln := range s.drain() {
			ln.Close()
		}
		s.stopAll()
		err := s.srv.Close()
		if errors.Is(err, net.ErrClosed) {
			err = nil
		}
		s.closeErr = errors.Join(err, s.journal.Close())
	})
	return s.closeErr
}

// Run serves on ln (nil: listen on cfg.Addr) until ctx is cancelled, then
// shuts down gracefully: operators are told, sessions get ShutdownTimeout
// to end, then everything is closed. A nil error means a clean stop.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", s.cfg.Addr); err != nil {
			return fmt.Errorf("cannot listen on %s: %w (choose another --addr)", s.cfg.Addr, err)
		}
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	select {
	case err := <-served:
		s.Close()
		if errors.Is(err, ssh.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("SSH server stopped: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "sessions", s.activeSessions())
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	err := s.Shutdown(sctx)
	if err != nil {
		s.log.Warn("sessions did not end in time; closing them", "err", err)
	}
	closeErr := s.Close()
	// Serve may not have registered ln yet when ctx was cancelled early;
	// closing it here makes sure Serve returns.
	_ = ln.Close()
	if err := <-served; err != nil && !errors.Is(err, ssh.ErrServerClosed) {
		return fmt.Errorf("SSH server stopped: %w", err)
	}
	s.log.Info("stopped")
	return closeErr
}

// Run builds a server from cfg and serves until ctx is cancelled (the caller
// cancels it on SIGINT/SIGTERM, e.g. with signal.NotifyContext).
func Run(ctx context.Context, cfg Config) error {
	s, err := New(cfg)
	if err != nil {
		return err
	}
	return s.Run(ctx, nil)
}

func (s *Server) activeSessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active
}

// errBusy and errDraining explain a refused session.
var (
	errDraining = errors.New(GoodbyeMessage)
	errBusy     = errors.New("the server is busy")
)

// enter counts a session in, unless the server is full or draining.
func (s *Server) enter() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining {
		return errDraining
	}
	if s.cfg.MaxSessions > 0 && s.active >= s.cfg.MaxSessions {
		return errBusy
	}
	s.active++
	return nil
}

func (s *Server) leave() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active--
	if s.draining && s.active == 0 && s.idle != nil {
		select {
		case <-s.idle:
		default:
			close(s.idle)
		}
	}
}
