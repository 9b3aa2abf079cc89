package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Jobs can be kept on disk (WithJobDir), one file per job, so a job created
// by one `spotcast --sandbox` run is still known to the next: detach and
// re-attach work as against the real API. One file per job, created once
// and never rewritten, needs no lock: two processes sharing the directory
// only ever add files, and a job missing from memory is looked up on disk
// (another process may have created it since this one started).

// JobRetention is how long a finished job stays on disk; older job files
// are removed when a sandbox starts, so the directory stays bounded.
const JobRetention = 7 * 24 * time.Hour

// jobFileVersion is the format of a job file; another version is refused.
const jobFileVersion = 1

// staleTemp is the age at which a temporary file left by a crashed write
// is removed (a live writer renames its file within milliseconds).
const staleTemp = time.Hour

// jobIDPattern is the form of the IDs this sandbox hands out; only such IDs
// are looked up on disk, so a job ID can never name another path.
var jobIDPattern = regexp.MustCompile(`^job_[0-9a-f]{16}$`)

// WithJobDir keeps every bulk job as a file in dir (created 0700 if
// missing; files 0600), and loads the jobs already there: a job outlives
// the process that created it. Files that cannot be read are skipped and
// reported by StateProblems; jobs older than JobRetention are removed.
func WithJobDir(dir string) Option { return func(s *Server) { s.jobDir = dir } }

// StateProblems lists what went wrong loading the job directory (a damaged
// job file, an unreadable directory). The sandbox runs regardless.
func (s *Server) StateProblems() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.problems...)
}

// jobFile is a job on disk: everything progress needs, nothing more. The
// recipients are kept only where they fail (the failures list), so a job of
// a million recipients costs a few hundred kilobytes, not tens of megabytes.
type jobFile struct {
	Version     int          `json:"version"`
	ID          string       `json:"id"`
	CreatedAt   time.Time    `json:"createdAt"`
	ScheduledAt time.Time    `json:"scheduledAt,omitzero"`
	Total       int          `json:"total"`
	Rate        float64      `json:"rate"`
	Failures    []failedFile `json:"failures"`
}

type failedFile struct {
	Index     int    `json:"index"`
	Recipient string `json:"recipient"`
	Error     string `json:"error"`
}

func (j *job) file() jobFile {
	f := jobFile{Version: jobFileVersion, ID: j.id, CreatedAt: j.created, ScheduledAt: j.scheduledAt,
		Total: j.total, Rate: j.rate, Failures: make([]failedFile, len(j.failIdx))}
	for k, i := range j.failIdx {
		f.Failures[k] = failedFile{Index: i, Recipient: j.failures[k].Recipient, Error: j.failures[k].Error}
	}
	return f
}

// job checks a decoded file and turns it into a job; the error says what
// is wrong with it.
func (f *jobFile) job(name string) (*job, error) {
	switch {
	case f.Version != jobFileVersion:
		return nil, fmt.Errorf("format version %d, want %d", f.Version, jobFileVersion)
	case f.ID+".json" != name:
		return nil, fmt.Errorf("field id is %q, but the file is named %s", f.ID, name)
	case f.CreatedAt.IsZero():
		return nil, errors.New("field createdAt is missing")
	case f.Total < 0:
		return nil, fmt.Errorf("field total is %d", f.Total)
	case !(f.Rate > 0) || math.IsInf(f.Rate, 0):
		return nil, fmt.Errorf("field rate is %v, want a positive number", f.Rate)
	}
	j := &job{id: f.ID, created: f.CreatedAt, scheduledAt: f.ScheduledAt, total: f.Total, rate: f.Rate,
		failIdx: make([]int, len(f.Failures)), failures: make([]failureOut, len(f.Failures))}
	for k, x := range f.Failures {
		if x.Index < 0 || x.Index >= f.Total || (k > 0 && x.Index <= f.Failures[k-1].Index) {
			return nil, fmt.Errorf("failures[%d].index %d is out of order or outside 0..%d", k, x.Index, f.Total-1)
		}
		j.failIdx[k] = x.Index
		j.failures[k] = failureOut{Recipient: x.Recipient, Error: x.Error}
	}
	return j, nil
}

// end is when the job has sent its last message.
func (j *job) end() time.Time {
	start := j.created
	if !j.scheduledAt.IsZero() {
		start = j.scheduledAt.Add(queueDelay)
	}
	return start.Add(time.Duration(float64(j.total) / j.rate * float64(time.Second)))
}

// damaged describes a job file that could not be used, with the line of a
// JSON syntax error, and what to do about it.
func damaged(path string, data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
		err = fmt.Errorf("line %d: %w", line, err)
	}
	return fmt.Errorf("sandbox job file %s is damaged (%v); that job was skipped — delete the file if the job no longer matters", path, err)
}

// readJob reads one job file; fs.ErrNotExist when there is none.
func readJob(path string) (*job, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("sandbox job file %s cannot be read: %w", path, err)
	}
	var f jobFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, damaged(path, data, err)
	}
	j, err := f.job(filepath.Base(path))
	if err != nil {
		return nil, damaged(path, data, err)
	}
	return j, nil
}

// loadJobs reads the job directory at start. Called from New, before the
// server is shared.
func (s *Server) loadJobs() {
	entries, err := os.ReadDir(s.jobDir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.problems = append(s.problems, fmt.Errorf("sandbox job directory %s cannot be read (%w); earlier jobs are unknown to this run", s.jobDir, err))
		}
		return
	}
	now := s.now()
	var loaded []*job
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join(s.jobDir, name)
		if strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".tmp") {
			// File times are the machine's, not the sandbox clock's.
			if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleTemp {
				_ = os.Remove(path) // left by a write that never finished
			}
			continue
		}
		if e.IsDir() || !strings.HasSuffix(name, ".json") {
			continue
		}
		j, err := readJob(path)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) { // removed meanwhile by another run's clean-up
				s.problems = append(s.problems, err)
			}
			continue
		}
		if now.Sub(j.end()) > JobRetention {
			_ = os.Remove(path)
			continue
		}
		loaded = append(loaded, j)
	}
	sort.SliceStable(loaded, func(a, b int) bool { return loaded[a].created.Before(loaded[b].created) })
	for _, j := range loaded {
		s.seq++
		j.seq = s.seq
		s.jobs[j.id] = j
	}
}

// lookupJob finds a job created by another process after this one started.
// Called with s.mu held. A damaged file reads as no job, with the reason.
func (s *Server) lookupJob(id string) (*job, error) {
	if s.jobDir == "" || !jobIDPattern.MatchString(id) {
		return nil, nil
	}
	j, err := readJob(filepath.Join(s.jobDir, id+".json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s.seq++
	j.seq = s.seq
	s.jobs[j.id] = j
	return j, nil
}

// saveJob writes a new job's file atomically and exclusively: to a
// temporary file first, then linked to its final name, which fails if a job
// of that ID already exists (another process took it). It reports false,
// nil in that case, so the caller picks another ID.
func (s *Server) saveJob(j *job) (bool, error) {
	if err := os.MkdirAll(s.jobDir, 0o700); err != nil {
		return false, s.saveErr(err)
	}
	data, err := json.Marshal(j.file())
	if err != nil {
		return false, s.saveErr(err)
	}
	tmp, err := os.CreateTemp(s.jobDir, "."+j.id+".*.tmp") // 0600
	if err != nil {
		return false, s.saveErr(err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return false, s.saveErr(err)
	}
	final := filepath.Join(s.jobDir, j.id+".json")
	err = os.Link(tmp.Name(), final)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		// A file system without hard links: rename is still atomic, only
		// not exclusive; the IDs' random seed makes a clash unlikely.
		if _, serr := os.Lstat(final); serr == nil {
			return false, nil
		}
		if err := os.Rename(tmp.Name(), final); err != nil {
			return false, s.saveErr(err)
		}
	}
	return true, nil
}

func (s *Server) saveErr(err error) error {
	return fmt.Errorf("the sandbox cannot record the job in %s (%v): fix the directory's permissions or free some space, or use another state directory", s.jobDir, err)
}
