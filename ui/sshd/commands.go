package sshd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/ssh"
	"github.com/dustin/go-humanize"

	"spotcast/campaign"
	"spotcast/ui"
)

const usage = `spotcast over SSH:
  ssh -t HOST
      the campaign composer (needs a terminal)
  ssh HOST import [NAME] [--default-country CC] [--phone-column NAME] [--replace] < contacts.csv
      check a contact list and keep it in your import folder as NAME
      (default upload-TIME.csv; .csv is added when NAME has no .csv or .txt)
  ssh HOST ls
      your uploads: name, size, rows and valid numbers, when checked
  ssh HOST rm NAME
      remove an upload
  ssh HOST export CAMPAIGN > failed.csv
      the newest export of a campaign's failed recipients (press e on its
      progress view to make one)
`

// maxNameBytes bounds an upload's name (file systems allow 255).
const maxNameBytes = 100

// uploadName checks a name an operator gave and returns the file name it
// stands for: .csv is added when it has no .csv or .txt extension. Each
// refusal names the rule.
func uploadName(name string) (string, error) {
	switch {
	case name == "":
		return "", errors.New("the name is empty")
	case !utf8.ValidString(name):
		return "", errors.New("the name is not valid UTF-8 text")
	case strings.ContainsAny(name, `/\`):
		return "", errors.New("a name cannot contain / or \\: uploads live in one folder")
	case strings.Contains(name, ".."):
		return "", errors.New("a name cannot contain ..")
	case strings.HasPrefix(name, "."):
		return "", errors.New("a name cannot start with a dot (the file would be hidden)")
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return "", errors.New("a name cannot contain control characters (tabs, newlines, escapes)")
	case strings.TrimSpace(name) != name:
		return "", errors.New("a name cannot start or end with a space")
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".txt":
	default:
		name += ".csv"
	}
	if len(name) > maxNameBytes {
		return "", fmt.Errorf("the name is longer than %d bytes", maxNameBytes)
	}
	return name, nil
}

// say writes an operator-facing line (with \r\n on a terminal).
func say(w io.Writer, pty bool, format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	if pty {
		s = strings.ReplaceAll(s, "\n", "\r\n")
	}
	_, _ = io.WriteString(w, s)
}

// operatorDir is the operator's import folder, created if need be. On
// failure it tells the operator (never the path) and returns "".
func (s *Server) operatorDir(sess ssh.Session, st *sessionState) string {
	dir := filepath.Join(s.importBase, st.id.dirName())
	if err := os.MkdirAll(dir, 0o700); err != nil {
		s.log.Error("cannot create the import folder", "dir", dir, "err", err)
		fmt.Fprint(sess.Stderr(), "spotcast: the server cannot create your import folder; tell its administrator\r\n")
		return ""
	}
	return dir
}

// importFlags parses `import [NAME] [flags]` with flags before or after
// the name.
func (s *Server) importFlags(stderr io.Writer, args []string) (name, country, column string, replace bool, err error) {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := fs.String("default-country", s.cfg.DefaultCountry, "ISO region for national numbers (IN, GB, ...)")
	col := fs.String("phone-column", "", "header of the column holding the numbers")
	rep := fs.Bool("replace", false, "replace an upload of the same name")
	if err := fs.Parse(args); err != nil {
		return "", "", "", false, err
	}
	if fs.NArg() > 0 {
		name = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return "", "", "", false, err
		}
		if fs.NArg() > 0 {
			return "", "", "", false, fmt.Errorf("import takes one name, then the file on standard input; %q is one too many", campaign.SanitizeLine(fs.Arg(0), 60))
		}
	}
	return name, *c, *col, *rep, nil
}

// runImport is `ssh HOST import [NAME] < contacts.csv`: the upload is
// checked, kept in the operator's import folder (so the TUI can pick it)
// with a sidecar of the options it was checked with, and its report
// printed. It returns the exit status: 0, or 2 when the file is unusable.
func (s *Server) runImport(sess ssh.Session, st *sessionState, args []string) int {
	stderr := sess.Stderr()
	name, country, column, replace, err := s.importFlags(stderr, args)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "spotcast: %v\n%s", err, usage)
		}
		return 2
	}
	if name != "" {
		if name, err = uploadName(name); err != nil {
			fmt.Fprintf(stderr, "spotcast: %v; choose another name\n", err)
			return 2
		}
	}
	ctx, cancel := context.WithCancel(sess.Context())
	defer cancel()
	defer context.AfterFunc(s.closing, cancel)()

	dir := s.operatorDir(sess, st)
	if dir == "" {
		return 1
	}
	s.syncUploads(st, dir)
	if name != "" && !replace {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			fmt.Fprintf(stderr, "spotcast: %s is already in your import folder; add --replace, or remove it first: ssh HOST rm %s\n", name, name)
			return 2
		}
	}
	// The upload streams into a hidden file and only takes its name once
	// checked: the picker never offers half a file.
	f, err := os.CreateTemp(dir, ".upload-*.part")
	if err != nil {
		s.log.Error("cannot store an upload", "dir", dir, "err", err)
		fmt.Fprintln(stderr, "spotcast: the server cannot store the file; tell its administrator")
		return 1
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed
	limit := s.maxImport.Load()
	n, err := io.Copy(f, io.LimitReader(sess, limit+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		s.log.Warn("upload failed", "operator", st.id.Name(), "bytes", n, "err", err)
		fmt.Fprintf(stderr, "spotcast: reading the file failed after %d bytes; try again\n", n)
		return 2
	case n > limit:
		fmt.Fprintf(stderr, "spotcast: the file is larger than %s; split it and import the parts\n", sizeText(limit))
		return 2
	case n == 0:
		fmt.Fprint(stderr, "spotcast: nothing arrived on standard input; run: ssh HOST import NAME < contacts.csv\n")
		return 2
	}

	in, err := os.Open(tmp)
	if err != nil {
		s.log.Error("reopening an upload", "operator", st.id.Name(), "err", err)
		fmt.Fprintln(stderr, "spotcast: the server cannot read the file back; tell its administrator")
		return 1
	}
	opts := campaign.ImportOptions{PhoneColumn: column, DefaultCountry: country}
	rep, err := campaign.Import(ctx, in, n, opts)
	in.Close()
	if err != nil && (rep == nil || !errors.Is(err, campaign.ErrNoRecipients)) {
		fmt.Fprintf(stderr, "spotcast: %v\n", err)
		s.log.Info("import failed", "operator", st.id.Name(), "bytes", n)
		return 2
	}
	shown := name
	if shown == "" {
		shown = "your upload"
	}
	ui.WriteImportReport(sess, shown, rep)
	if rep.Valid == 0 {
		fmt.Fprintf(stderr, "spotcast: no valid numbers in %s; the file was not kept\n", campaign.Plural(rep.Rows, "row", "rows"))
		return 2
	}
	// A dropped connection ends stdin like a finished upload; the session's
	// context tells them apart (a moment later), and so does a failed write.
	if ctx.Err() != nil {
		s.log.Info("import dropped: the connection ended", "operator", st.id.Name(), "bytes", n)
		return 2
	}
	if name == "" {
		if name, err = freeUploadName(dir, time.Now()); err != nil {
			s.log.Error("cannot name an upload", "operator", st.id.Name(), "err", err)
			fmt.Fprintln(stderr, "spotcast: the server cannot store the file; tell its administrator")
			return 1
		}
	}
	final := filepath.Join(dir, name)
	meta := campaign.UploadMeta{PhoneColumn: column, DefaultCountry: country, Rows: rep.Rows, Valid: rep.Valid, CheckedAt: time.Now().UTC()}
	if err := keepUpload(tmp, final, replace, meta); err != nil {
		if errors.Is(err, os.ErrExist) {
			fmt.Fprintf(stderr, "spotcast: %s arrived in your import folder meanwhile; add --replace, or choose another name\n", name)
			return 2
		}
		s.log.Error("cannot keep an upload", "operator", st.id.Name(), "file", name, "err", err)
		fmt.Fprintln(stderr, "spotcast: the server cannot store the file; tell its administrator")
		return 1
	}
	if err := s.shareUpload(st, final, meta, rep.Phones()); err != nil {
		// Still usable here; the other hosts do not have it yet (the next
		// session here shares it again).
		s.log.Error("cannot share an upload", "operator", st.id.Name(), "file", name, "err", err)
	}
	s.log.Info("import", "operator", st.id.Name(), "file", name, "bytes", n, "rows", rep.Rows, "valid", rep.Valid)
	if _, err := fmt.Fprintf(stderr, "Saved as %s in your import folder: pick it in the Recipients step.\n", name); err != nil || ctx.Err() != nil {
		os.Remove(final)
		os.Remove(campaign.UploadMetaPath(final))
		s.unshareUpload(st, name)
		s.log.Info("import dropped: the connection ended", "operator", st.id.Name(), "bytes", n)
		return 2
	}
	return 0
}

// keepUpload gives the checked upload its name (never over another file
// unless replace), then writes its sidecar.
func keepUpload(tmp, final string, replace bool, meta campaign.UploadMeta) error {
	var err error
	if replace {
		err = os.Rename(tmp, final)
	} else if err = os.Link(tmp, final); err == nil {
		err = os.Remove(tmp)
	}
	if err != nil {
		return err
	}
	if err := campaign.WriteUploadMeta(final, meta); err != nil {
		os.Remove(final)
		return err
	}
	return nil
}

func sizeText(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// freeUploadName is a new name after the time the upload arrived, never
// one already taken.
func freeUploadName(dir string, now time.Time) (string, error) {
	base := "upload-" + now.UTC().Format("20060102T150405Z")
	for i := 1; i < 100; i++ {
		name := base + ".csv"
		if i > 1 {
			name = fmt.Sprintf("%s-%d.csv", base, i)
		}
		if _, err := os.Lstat(filepath.Join(dir, name)); errors.Is(err, os.ErrNotExist) {
			return name, nil
		}
	}
	return "", fmt.Errorf("too many uploads named %s*", base)
}

// upload is one file of an operator's folder as `ls` shows it.
type upload struct {
	name string
	size int64
	meta *campaign.UploadMeta
	mod  time.Time
}

// listUploads reads the operator's CSV and text files (not folders, hidden
// files, sidecars or symlinks: the picker does not follow those out).
func listUploads(dir string) ([]upload, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []upload
	for _, e := range ents {
		n := e.Name()
		ext := strings.ToLower(filepath.Ext(n))
		if !e.Type().IsRegular() || strings.HasPrefix(n, ".") || (ext != ".csv" && ext != ".txt") {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		u := upload{name: n, size: fi.Size(), mod: fi.ModTime()}
		u.meta, _ = campaign.ReadUploadMeta(filepath.Join(dir, n)) // unreadable notes: list the file without
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

// runList is `ssh HOST ls`.
func (s *Server) runList(sess ssh.Session, st *sessionState, args []string, pty bool) int {
	if len(args) > 0 {
		say(sess.Stderr(), pty, "spotcast: ls takes no arguments\n%s", usage)
		return 2
	}
	dir := s.operatorDir(sess, st)
	if dir == "" {
		return 1
	}
	s.syncUploads(st, dir)
	ups, err := listUploads(dir)
	if err != nil {
		s.log.Error("cannot list an import folder", "operator", st.id.Name(), "err", err)
		say(sess.Stderr(), pty, "spotcast: the server cannot read your import folder; tell its administrator\n")
		return 1
	}
	if len(ups) == 0 {
		say(sess, pty, "No uploads yet. Upload a contact list with: ssh HOST import NAME < contacts.csv\n")
		return 0
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSIZE\tROWS\tVALID\tCHECKED")
	for _, u := range ups {
		rows, valid, when := "-", "-", "not checked (modified "+u.mod.UTC().Format("2006-01-02 15:04")+" UTC)"
		if u.meta != nil {
			rows, valid = humanize.Comma(int64(u.meta.Rows)), humanize.Comma(int64(u.meta.Valid))
			when = u.meta.CheckedAt.UTC().Format("2006-01-02 15:04") + " UTC"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", campaign.SanitizeLine(u.name, maxNameBytes), humanize.Bytes(uint64(u.size)), rows, valid, when)
	}
	tw.Flush()
	say(sess, pty, "%s", b.String())
	return 0
}

// runRemove is `ssh HOST rm NAME`: the upload and its sidecar.
func (s *Server) runRemove(sess ssh.Session, st *sessionState, args []string, pty bool) int {
	stderr := sess.Stderr()
	if len(args) != 1 {
		say(stderr, pty, "spotcast: rm takes one name (see ssh HOST ls)\n")
		return 2
	}
	name, err := uploadName(args[0])
	if err != nil {
		say(stderr, pty, "spotcast: %v\n", err)
		return 2
	}
	dir := s.operatorDir(sess, st)
	if dir == "" {
		return 1
	}
	s.syncUploads(st, dir)
	p := filepath.Join(dir, name)
	fi, err := os.Lstat(p)
	if err != nil && name != args[0] {
		// "rm march" finds march.csv; the name as given also counts.
		if fi2, err2 := os.Lstat(filepath.Join(dir, args[0])); err2 == nil {
			name, p, fi, err = args[0], filepath.Join(dir, args[0]), fi2, nil
		}
	}
	switch {
	case errors.Is(err, os.ErrNotExist):
		say(stderr, pty, "spotcast: no upload named %s in your import folder (see ssh HOST ls)\n", name)
		return 1
	case err != nil:
		s.log.Error("cannot remove an upload", "operator", st.id.Name(), "file", name, "err", err)
		say(stderr, pty, "spotcast: the server cannot remove %s; tell its administrator\n", name)
		return 1
	case fi.IsDir():
		say(stderr, pty, "spotcast: %s is a folder, not an upload\n", name)
		return 2
	}
	if err := os.Remove(p); err != nil {
		s.log.Error("cannot remove an upload", "operator", st.id.Name(), "file", name, "err", err)
		say(stderr, pty, "spotcast: the server cannot remove %s; tell its administrator\n", name)
		return 1
	}
	os.Remove(campaign.UploadMetaPath(p))
	s.unshareUpload(st, name)
	s.log.Info("upload removed", "operator", st.id.Name(), "file", name)
	say(sess, pty, "Removed %s.\n", name)
	return 0
}

// runExport is `ssh HOST export CAMPAIGN > failed.csv`: it streams the
// newest failed-recipients CSV the progress view's e wrote for that
// campaign into the operator's exports folder. Only the operator's own
// campaigns: anyone else's is "not found", as if it did not exist.
func (s *Server) runExport(sess ssh.Session, st *sessionState, args []string) int {
	stderr := sess.Stderr()
	if len(args) != 1 {
		fmt.Fprintf(stderr, "spotcast: export takes one campaign ID (the Jobs screen lists yours)\n")
		return 2
	}
	id := args[0]
	if err := campaign.CheckCampaignID(id); err != nil {
		fmt.Fprintf(stderr, "spotcast: %q is not a campaign ID (they look like cmp_20260301T090000Z_ab12cd)\n", campaign.SanitizeLine(id, 60))
		return 2
	}
	rec, err := s.store.Campaign(id)
	if err != nil {
		s.log.Error("cannot read the database for an export", "operator", st.id.Name(), "err", err)
		fmt.Fprintln(stderr, "spotcast: the server cannot read its database; tell its administrator")
		return 1
	}
	if rec == nil || rec.Operator != st.id.Operator() {
		fmt.Fprintf(stderr, "spotcast: you have no campaign %s (the Jobs screen lists yours)\n", id)
		return 1
	}
	dir := filepath.Join(s.importBase, st.id.dirName(), "exports")
	newest, err := newestExport(dir, id)
	if err != nil {
		s.log.Error("cannot read an exports folder", "operator", st.id.Name(), "err", err)
		fmt.Fprintln(stderr, "spotcast: the server cannot read your exports; tell its administrator")
		return 1
	}
	if newest == "" {
		fmt.Fprintf(stderr, "spotcast: campaign %s has no export yet: open it in the composer (ssh -t HOST, then J), and press e on its progress view\n", id)
		return 1
	}
	f, err := os.Open(filepath.Join(dir, newest))
	if err != nil {
		s.log.Error("cannot open an export", "operator", st.id.Name(), "file", newest, "err", err)
		fmt.Fprintln(stderr, "spotcast: the server cannot read the export; tell its administrator")
		return 1
	}
	defer f.Close()
	if _, err := io.Copy(sess, f); err != nil {
		s.log.Info("export interrupted", "operator", st.id.Name(), "campaign", id, "err", err)
		return 1
	}
	s.log.Info("export", "operator", st.id.Name(), "campaign", id, "file", newest)
	fmt.Fprintf(stderr, "spotcast: sent exports/%s\n", newest)
	return 0
}

// newestExport is the name of the newest regular file in dir written for
// campaign id ("failed-ID-TIME.csv": the times sort as text), or "".
func newestExport(dir, id string) (string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	// The progress view names exports after the campaign ID (IDs are
	// already file-name safe, and shorter than its 40-character cut).
	prefix := "failed-" + id + "-"
	newest := ""
	for _, e := range ents {
		if n := e.Name(); e.Type().IsRegular() && strings.HasPrefix(n, prefix) && strings.HasSuffix(n, ".csv") && n > newest {
			newest = n
		}
	}
	return newest, nil
}
