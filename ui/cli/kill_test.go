package cli_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"spotcast/campaign"
	"spotcast/campaign/store/pgtest"
	"spotcast/client/sandbox"
)

// A send killed with SIGKILL while its second batch's request is in flight
// leaves the store saying accepted / unknown / pending for the three
// batches; `resume` then sends only the pending one (unknown needs
// --include-unknown), and no recipient is ever sent twice. On both
// engines: SQLite in the state directory, and PostgreSQL
// (SPOTCAST_DATABASE_URL). The killed send leaves its claim behind; its
// holder was a process of this host that is gone, so resume takes it over
// at once instead of waiting out the 30 s lease.
func TestKilledMidBatchThenResume(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		killedMidBatchThenResume(t, nil)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		killedMidBatchThenResume(t, []string{"SPOTCAST_DATABASE_URL=" + pgtest.URL(t)})
	})
}

// promptly bounds a resume that must not wait for the killed send's
// lease (store.DefaultLease, 30 s) to run out.
const promptly = 15 * time.Second

func killedMidBatchThenResume(t *testing.T, dbEnv []string) {
	sb := sandbox.New(sandbox.WithKey(testKey), sandbox.WithRate(100000), sandbox.WithFailRate(0), sandbox.WithSeed(1))
	var posts atomic.Int32
	var stall atomic.Bool
	stall.Store(true)
	inFlight := make(chan struct{}, 1)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The second POST hangs (never reaching the API) until the client
		// is gone: the request has left spotcast, its outcome is unknown.
		if r.Method == http.MethodPost && posts.Add(1) == 2 && stall.Load() {
			_, _ = io.Copy(io.Discard, r.Body) // the whole request has arrived
			inFlight <- struct{}{}
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		sb.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)

	state := t.TempDir()
	env := append([]string{"WHATSSPOT_BASE_URL=" + srv.URL, "WHATSSPOT_API_KEY=" + testKey, "SPOTCAST_STATE_DIR=" + state}, dbEnv...)
	args := []string{"send", "--content", "Flash sale", "--batch-size", "12", "--yes"}
	for _, n := range numbers(36) {
		args = append(args, "--to", "+"+n)
	}
	cmd := exec.Command(binary, args...)
	cmd.Env = append(baseEnv(t), env...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-inFlight:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the second batch's request never arrived")
	}
	if err := cmd.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	stall.Store(false)
	close(release)

	records := readJobs(t, env)
	if len(records) != 1 {
		t.Fatalf("journal has %d campaigns, want 1", len(records))
	}
	rec := records[0]
	var states []string
	for _, b := range rec.Batches {
		states = append(states, string(b.State))
	}
	if got := strings.Join(states, "/"); got != "accepted/unknown/pending" {
		t.Fatalf("batch states after SIGKILL = %s, want accepted/unknown/pending", got)
	}

	began := time.Now()
	r := run(t, runOpts{env: env}, "resume", rec.CampaignID, "--yes", "--watch=false")
	took := time.Since(began)
	if r.code != 0 {
		t.Fatalf("resume failed\n%s", r)
	}
	if took > promptly {
		t.Fatalf("resume took %v: it waited for the killed send's claim to lapse instead of taking it over (want < %v)\n%s", took, promptly, r)
	}
	if n := len(sb.Sends()); n != 2 {
		t.Fatalf("the API received %d sends, want 2 (batch 1, then only the pending batch 3)", n)
	}
	counts := sb.RecipientCounts()
	all := numbers(36)
	for i, n := range all {
		want := 1
		if i >= 12 && i < 24 { // batch 2: unknown, not resent without --include-unknown
			want = 0
		}
		if counts[n] != want {
			t.Fatalf("recipient %s (batch %d) was sent %d times, want %d", n, i/12+1, counts[n], want)
		}
	}
	states = nil
	for _, b := range readJobs(t, env)[0].Batches {
		states = append(states, string(b.State))
	}
	if got := strings.Join(states, "/"); got != "accepted/unknown/accepted" {
		t.Fatalf("batch states after resume = %s, want accepted/unknown/accepted", got)
	}
	if len(dbEnv) == 0 {
		assertNoKeyIn(t, state)
	} else {
		assertNoKeyInPostgres(t, strings.TrimPrefix(dbEnv[0], "SPOTCAST_DATABASE_URL="))
	}
}

// assertNoKeyIn fails when any file under dir (journal, campaign files,
// drafts) holds the API key.
func assertNoKeyIn(t *testing.T, dir string) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		if strings.Contains(string(b), testKey) || strings.Contains(string(b), testKey[len(testKey)-12:]) {
			t.Errorf("%s contains the API key", path)
		}
		return nil
	})
	if err != nil || files == 0 {
		t.Fatalf("scanning %s: %d files, %v", dir, files, err)
	}
}

// assertNoKeyInPostgres fails when any row of any table of the database
// holds the API key (or its tail).
func assertNoKeyInPostgres(t *testing.T, dbURL string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, table := range tables {
		var n, leaks int
		q := "SELECT count(*), count(*) FILTER (WHERE t::text LIKE '%' || $1 || '%' OR t::text LIKE '%' || $2 || '%') FROM " + pgx.Identifier{table}.Sanitize() + " t"
		if err := conn.QueryRow(ctx, q, testKey, testKey[len(testKey)-12:]).Scan(&n, &leaks); err != nil {
			t.Fatalf("reading %s: %v", table, err)
		}
		total += n
		if leaks > 0 {
			t.Errorf("%d rows of table %s contain the API key", leaks, table)
		}
	}
	if total == 0 {
		t.Fatalf("the database has %d tables and no rows: nothing was checked", len(tables))
	}
}

func readJobs(t *testing.T, env []string) []campaign.CampaignRecord {
	t.Helper()
	r := run(t, runOpts{env: env}, "jobs", "--json")
	if r.code != 0 {
		t.Fatalf("jobs --json failed\n%s", r)
	}
	var records []campaign.CampaignRecord
	if err := json.Unmarshal([]byte(r.stdout), &records); err != nil {
		t.Fatalf("jobs --json is not JSON: %v\n%s", err, r)
	}
	return records
}
