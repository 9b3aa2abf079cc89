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
	"spotcast/campaign/store"
)

// Defaults for zero Config fields.
const (
	DefaultAddr        = ":2222"
	DefaultIdleTimeout = 30 * time.Minute
	DefaultMaxSessions = 50
	// DefaultAuthTimeout is how long a connection has to log in.
	DefaultAuthTimeout = 10 * time.Second
	// DefaultMaxUnauthenticated bounds connections waiting to log in.
	DefaultMaxUnauthenticated = 64
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
	// Store is the database every session shares (nil: the server opens
	// the SQLite one of StateDir, and closes it with itself). A team's
	// hosts share one PostgreSQL database here.
	Store          *store.DB
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
	// AuthTimeout is how long a connection may take from connecting to
	// logging in; 0 = DefaultAuthTimeout.
	AuthTimeout time.Duration
	// MaxUnauthenticated bounds the connections still to log in; 0 =
	// DefaultMaxUnauthenticated.
	MaxUnauthenticated int
	StateDir           string // "" = campaign.StateDir("")
	// Engine is every session's: one API port, one poll budget shared
	// by all operators (the API's rate limit is the key's, not theirs).
	Engine         *campaign.Engine
	Sandbox        bool
	DefaultCountry string
	Logger         *log.Logger // nil = log.Default()
}

// Server is a configured SSH server. Build it with New.
type Server struct {
	cfg   Config
	log   *log.Logger
	keys  *authorizedKeys
	srv   *ssh.Server
	store *store.DB // shared by every session
	// syncMu serialises each operator's folder syncs (by folder name);
	// syncing counts those running beside sessions, awaited on Close.
	syncMu     sync.Map
	syncing    sync.WaitGroup
	closeStore func() error

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
	// unauth are the connections still to log in.
	unauth      map[*trackedConn]struct{}
	lastRefusal atomic.Int64 // unix nanoseconds of the last loud refusal
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
	// Sessions and the TUI's file picker join names onto these folders;
	// a relative one would depend on the working directory of whoever
	// reads it, so they are made absolute once, here.
	for _, p := range []*string{&cfg.StateDir, &cfg.HostKey, &cfg.ImportDir, &cfg.AuthorizedKeys} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return nil, fmt.Errorf("cannot resolve %s: %w", *p, err)
		}
		*p = abs
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxSessions == 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.AuthTimeout <= 0 {
		cfg.AuthTimeout = DefaultAuthTimeout
	}
	if cfg.MaxUnauthenticated <= 0 {
		cfg.MaxUnauthenticated = DefaultMaxUnauthenticated
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
	db, ownDB := cfg.Store, false
	if db == nil {
		if db, err = store.Open(context.Background(), store.Options{StateDir: cfg.StateDir}); err != nil {
			return nil, err
		}
		ownDB = true
		if db.Imported != nil {
			logger.Info(db.Imported.String(), "warnings", len(db.Imported.Warnings))
		}
	}
	closeDB := func() error {
		if ownDB {
			return db.Close()
		}
		return nil
	}

	s := &Server{cfg: cfg, log: logger, keys: keys, store: db, closeStore: closeDB, importBase: cfg.ImportDir,
		listeners: map[net.Listener]struct{}{}, unauth: map[*trackedConn]struct{}{}}
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
			srv.ServerConfigCallback = s.serverConfig
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
		closeDB()
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

// trackedConn counts itself out of the server's open connections once,
// and out of the unauthenticated ones when it logs in, expires or closes.
type trackedConn struct {
	net.Conn
	s       *Server
	since   time.Time
	timer   *time.Timer
	once    sync.Once // closing
	pending sync.Once // leaving the unauthenticated set
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.leavePending()
		c.s.mu.Lock()
		c.s.conns--
		c.s.mu.Unlock()
	})
	return c.Conn.Close()
}

// leavePending takes c out of the unauthenticated set (once; later calls
// do nothing) and reports whether this call did.
func (c *trackedConn) leavePending() (did bool) {
	c.pending.Do(func() {
		did = true
		c.s.mu.Lock() // timer is set under mu
		c.timer.Stop()
		delete(c.s.unauth, c)
		c.s.mu.Unlock()
	})
	return did
}

// expire closes c unless it logged in first.
func (c *trackedConn) expire(why string) {
	if c.leavePending() {
		c.s.log.Debug("closing a connection that did not log in", "remote", c.RemoteAddr().String(), "why", why)
		c.Close()
	}
}

type connKey struct{}

// staleAfter is how long an unauthenticated connection may wait before a
// newcomer takes its place when the cap is reached: a real client logs in
// in well under that, a connection that sends nothing never does.
const staleAfter = time.Second

// trackConn counts a new connection and holds it to the login deadline.
// At most MaxUnauthenticated connections wait to log in: when all slots
// are taken the oldest is dropped if it is stale, else the newcomer is
// refused at once — so a flood of silent connections can neither exhaust
// descriptors nor keep real operators out for longer than a second.
func (s *Server) trackConn(ctx ssh.Context, c net.Conn) net.Conn {
	now := time.Now()
	s.mu.Lock()
	var evict *trackedConn
	if len(s.unauth) >= s.cfg.MaxUnauthenticated {
		for p := range s.unauth {
			if evict == nil || p.since.Before(evict.since) {
				evict = p
			}
		}
		if now.Sub(evict.since) < staleAfter {
			s.mu.Unlock()
			s.refusedConn(c)
			return nil
		}
	}
	tc := &trackedConn{Conn: c, s: s, since: now}
	s.conns++
	s.unauth[tc] = struct{}{}
	tc.timer = time.AfterFunc(s.cfg.AuthTimeout, func() { tc.expire("login deadline passed") })
	s.mu.Unlock()
	if evict != nil {
		evict.expire("replaced by a newer connection")
	}
	ctx.SetValue(connKey{}, tc)
	return tc
}

// refusedConn logs a refused connection, loudly at most once a minute.
func (s *Server) refusedConn(c net.Conn) {
	now := time.Now().UnixNano()
	last := s.lastRefusal.Load()
	if now-last > int64(time.Minute) && s.lastRefusal.CompareAndSwap(last, now) {
		s.log.Warn("refusing connections: too many waiting to log in", "max", s.cfg.MaxUnauthenticated,
			"within", s.cfg.AuthTimeout, "remote", c.RemoteAddr().String())
		return
	}
	s.log.Debug("connection refused: too many waiting to log in", "remote", c.RemoteAddr().String())
}

// serverConfig marks a connection logged in once its authentication
// succeeds, which stops its login deadline.
func (s *Server) serverConfig(ctx ssh.Context) *gossh.ServerConfig {
	tc, _ := ctx.Value(connKey{}).(*trackedConn)
	return &gossh.ServerConfig{
		AuthLogCallback: func(_ gossh.ConnMetadata, _ string, err error) {
			if err == nil && tc != nil {
				tc.leavePending()
			}
		},
	}
}

func (s *Server) unauthenticated() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.unauth)
}

// Close closes the listener and every connection at once, and the shared
// store (when it opened it). It is safe to call more than once and after Shutdown.
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
		s.syncing.Wait() // the store they write to closes next
		s.closeErr = errors.Join(err, s.closeStore())
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
