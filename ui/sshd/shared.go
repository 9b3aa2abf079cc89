package sshd

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"spotcast/campaign"
	"spotcast/campaign/store"
)

// Uploads live in the database as well as in the operator's import folder:
// the folder is what the composer's picker reads on this host; the
// database is what every host of a team shares. An upload's key there is
// the operator's folder name and the file name.

func uploadKey(st *sessionState, name string) string { return store.UploadKey(st.id.dirName(), name) }

// shareUpload stores a checked upload in the database and marks its
// sidecar shared. It reports a failure for the log: the upload is still
// usable on this host.
func (s *Server) shareUpload(st *sessionState, path string, meta campaign.UploadMeta, recipients []string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	u := store.Upload{Name: uploadKey(st, filepath.Base(path)), Operator: st.id.Operator(), CSV: data, Meta: meta, Recipients: recipients}
	if err := s.store.PutUpload(u, true); err != nil {
		return err
	}
	meta.Shared = true
	return campaign.WriteUploadMeta(path, meta)
}

// syncUploads brings the operator's folder in line with the database:
// uploads made on another host are written here, shared files removed on
// another host are removed here, and uploads that never were shared (made
// before the database) are shared now.
func (s *Server) syncUploads(st *sessionState, dir string) {
	mu, _ := s.syncMu.LoadOrStore(st.id.dirName(), new(sync.Mutex))
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	if s.closing.Err() != nil {
		return
	}
	mine, err := s.store.Uploads(st.id.dirName())
	if err != nil {
		s.log.Error("cannot list the shared uploads", "operator", st.id.Name(), "err", err)
		return
	}
	prefix := uploadKey(st, "")
	inDB := map[string]store.Upload{}
	for _, u := range mine {
		if name := strings.TrimPrefix(u.Name, prefix); !strings.Contains(name, "/") {
			inDB[name] = u
		}
	}
	local, err := listUploads(dir)
	if err != nil {
		s.log.Error("cannot list an import folder", "operator", st.id.Name(), "err", err)
		return
	}
	here := map[string]bool{}
	for _, l := range local {
		here[l.name] = true
		u, shared := inDB[l.name]
		switch {
		case shared && l.meta != nil && l.meta.Shared && u.Meta.CheckedAt.After(l.meta.CheckedAt):
			s.fetchUpload(st, dir, l.name) // replaced on another host
		case !shared && l.meta != nil && l.meta.Shared:
			// Removed on another host.
			p := filepath.Join(dir, l.name)
			os.Remove(p)
			os.Remove(campaign.UploadMetaPath(p))
		case !shared && l.meta != nil:
			// An upload from before the database (it has its sidecar). A
			// file copied in by hand is this host's own: not shared.
			s.adoptUpload(st, dir, l)
		}
	}
	for name := range inDB {
		if !here[name] {
			s.fetchUpload(st, dir, name)
		}
	}
}

// fetchUpload writes an upload from the database into the folder (the
// file, then its sidecar, each replaced whole).
func (s *Server) fetchUpload(st *sessionState, dir, name string) {
	u, err := s.store.Upload(uploadKey(st, name))
	if err != nil || u == nil {
		if err != nil {
			s.log.Error("cannot read a shared upload", "operator", st.id.Name(), "file", name, "err", err)
		}
		return
	}
	p := filepath.Join(dir, name)
	f, err := os.CreateTemp(dir, ".fetch-*.part")
	if err == nil {
		_, err = f.Write(u.CSV)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(f.Name(), p)
		}
		os.Remove(f.Name())
	}
	if err == nil {
		u.Meta.Shared = true
		err = campaign.WriteUploadMeta(p, u.Meta)
	}
	if err != nil {
		s.log.Error("cannot write a shared upload", "operator", st.id.Name(), "file", name, "err", err)
	}
}

// adoptUpload shares a file that was never shared, checked with the
// options its sidecar names (none: detected).
func (s *Server) adoptUpload(st *sessionState, dir string, l upload) {
	p := filepath.Join(dir, l.name)
	meta := campaign.UploadMeta{}
	if l.meta != nil {
		meta = *l.meta
	}
	f, err := os.Open(p)
	if err != nil {
		return
	}
	rep, err := campaign.Import(s.closing, f, l.size, meta.Options())
	f.Close()
	if err != nil && !errors.Is(err, campaign.ErrNoRecipients) || rep == nil {
		return // not a list this composer reads either; left as it is
	}
	if l.meta == nil {
		meta.Rows, meta.Valid, meta.CheckedAt = rep.Rows, rep.Valid, l.mod.UTC()
	}
	if err := s.shareUpload(st, p, meta, rep.Phones()); err != nil {
		s.log.Error("cannot share an upload", "operator", st.id.Name(), "file", l.name, "err", err)
	}
}

// unshareUpload removes an upload from the database.
func (s *Server) unshareUpload(st *sessionState, name string) {
	if _, err := s.store.DeleteUpload(uploadKey(st, name)); err != nil {
		s.log.Error("cannot remove a shared upload", "operator", st.id.Name(), "file", name, "err", err)
	}
}
