package sshd

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/log"
	gossh "golang.org/x/crypto/ssh"
)

// identity is who an authorized key belongs to.
type identity struct {
	// Fingerprint is the full SHA256 fingerprint ("SHA256:..."): the
	// operator's identity in logs.
	Fingerprint string
	// Comment is the key's comment in authorized_keys ("" when none).
	Comment string
}

// shortFingerprint is the first 8 base64 characters of the fingerprint:
// enough to tell keys apart at a glance.
func (id identity) shortFingerprint() string {
	fp := strings.TrimPrefix(id.Fingerprint, "SHA256:")
	if len(fp) > 8 {
		fp = fp[:8]
	}
	return "SHA256:" + fp
}

// Name is what the header shows: the comment, or the short fingerprint.
func (id identity) Name() string {
	if c := strings.TrimSpace(id.Comment); c != "" {
		return c
	}
	return id.shortFingerprint()
}

// Operator is the operator's identity for the TUI (ui.Options.Operator):
// the full fingerprint keys their drafts and is journaled with every
// submission; the header shows Name.
func (id identity) Operator() string { return id.Fingerprint }

// dirName is a file-system-safe, stable folder name for the operator's
// import folder: the comment made safe plus the short fingerprint.
func (id identity) dirName() string {
	fp := strings.TrimPrefix(id.shortFingerprint(), "SHA256:")
	fp = strings.NewReplacer("+", "-", "/", "_").Replace(fp)
	var b strings.Builder
	for _, r := range strings.TrimSpace(id.Comment) {
		if b.Len() >= 32 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	name := strings.Trim(b.String(), ".")
	if name == "" {
		return fp
	}
	return name + "-" + fp
}

// harmlessOptions are authorized_keys options that only forbid what this
// server never offers (forwarding, user rc), so a key carrying them is
// accepted. Any other option (from=, command=, expiry-time=, no-pty, ...)
// would be a restriction we do not enforce, so such keys are skipped.
// "restrict" is not here: in OpenSSH it also means no-pty, which would
// deny the composer.
var harmlessOptions = map[string]bool{
	"no-port-forwarding":  true,
	"no-agent-forwarding": true,
	"no-x11-forwarding":   true,
	"no-user-rc":          true,
}

// authorizedKeys is the allow-list, re-read when the file changes. Unlike
// wish.WithAuthorizedKeys (which denies everyone when one line fails to
// parse), a malformed line is logged and skipped.
type authorizedKeys struct {
	path string
	log  *log.Logger

	mu      sync.Mutex
	modTime time.Time
	size    int64
	loaded  bool
	keys    map[string]identity // by the key's wire encoding
}

func newAuthorizedKeys(path string, logger *log.Logger) (*authorizedKeys, error) {
	a := &authorizedKeys{path: path, log: logger}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("authorized keys %s: %w (give an existing file with --authorized-keys)", path, err)
	}
	a.refresh()
	return a, nil
}

// lookup says whether key is authorized now, and whose it is.
func (a *authorizedKeys) lookup(key gossh.PublicKey) (identity, bool) {
	if key == nil {
		return identity{}, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refreshLocked()
	id, ok := a.keys[string(key.Marshal())]
	return id, ok
}

// count is how many keys are authorized now.
func (a *authorizedKeys) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refreshLocked()
	return len(a.keys)
}

func (a *authorizedKeys) refresh() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refreshLocked()
}

func (a *authorizedKeys) refreshLocked() {
	fi, err := os.Stat(a.path)
	if err != nil {
		// A vanished file means nobody is authorized any more: fail closed.
		if a.loaded || a.keys == nil {
			a.log.Error("authorized keys unreadable: denying everyone", "file", a.path, "err", err)
		}
		a.keys, a.loaded = map[string]identity{}, false
		return
	}
	if a.loaded && fi.ModTime().Equal(a.modTime) && fi.Size() == a.size {
		return
	}
	data, err := os.ReadFile(a.path)
	if err != nil {
		a.log.Error("authorized keys unreadable: denying everyone", "file", a.path, "err", err)
		a.keys, a.loaded = map[string]identity{}, false
		return
	}
	a.keys = a.parse(data)
	a.modTime, a.size, a.loaded = fi.ModTime(), fi.Size(), true
	a.log.Info("authorized keys loaded", "file", a.path, "keys", len(a.keys))
}

// parse reads authorized_keys line by line so one bad line costs only
// itself.
func (a *authorizedKeys) parse(data []byte) map[string]identity {
	keys := map[string]identity{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		where := fmt.Sprintf("%s:%d", a.path, n)
		pub, comment, opts, _, err := gossh.ParseAuthorizedKey(line)
		if err != nil {
			a.log.Warn("authorized keys: skipping malformed line", "at", where, "err", err)
			continue
		}
		if bad := unsupportedOption(opts); bad != "" {
			a.log.Warn("authorized keys: skipping key with an option this server does not enforce; remove it or the key",
				"at", where, "option", bad)
			continue
		}
		k := string(pub.Marshal())
		if _, dup := keys[k]; dup {
			continue // the first line wins, as in OpenSSH
		}
		keys[k] = identity{Fingerprint: gossh.FingerprintSHA256(pub), Comment: comment}
	}
	if err := sc.Err(); err != nil {
		a.log.Warn("authorized keys: stopped reading", "file", a.path, "err", err)
	}
	return keys
}

func unsupportedOption(opts []string) string {
	for _, o := range opts {
		name := strings.ToLower(o)
		if i := strings.IndexByte(name, '='); i >= 0 {
			name = name[:i]
		}
		if !harmlessOptions[name] {
			return name
		}
	}
	return ""
}

// loadHostKey reads the server's ed25519 host key, creating it (0600, in a
// 0700 directory) on first start so clients see the same key every time.
func loadHostKey(path string, logger *log.Logger) (gossh.Signer, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		data, err = createHostKey(path)
		if err != nil {
			return nil, err
		}
		logger.Info("created host key", "file", path)
	} else if err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	} else if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		logger.Warn("host key is readable by others; chmod 600 it", "file", path, "mode", fi.Mode().Perm())
	}
	signer, err := gossh.ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("host key %s: %w (remove it to have a new one created, or give another with --host-key)", path, err)
	}
	return signer, nil
}

func createHostKey(path string) ([]byte, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating host key: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "spotcast host key")
	if err != nil {
		return nil, fmt.Errorf("encoding host key: %w", err)
	}
	data := pem.EncodeToMemory(block)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("host key directory: %w", err)
	}
	// O_EXCL: never overwrite a key another process created meanwhile.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("creating host key %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("writing host key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("writing host key %s: %w", path, err)
	}
	return data, nil
}
