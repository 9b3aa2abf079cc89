package cli_test

// The team tests (issue 11): two `spotcast serve` hosts, and two resumes,
// sharing one PostgreSQL through SPOTCAST_DATABASE_URL, each with its own
// state directory — what a team running spotcast on two machines sees.
// The database comes from pgtest (skipped, saying how to run them, where
// there is no PostgreSQL; never skipped in CI).

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"spotcast/campaign"
	"spotcast/campaign/store"
	"spotcast/campaign/store/pgtest"
	"spotcast/client/sandbox"
)

// host is one machine of the team: its own state directory, the shared
// database.
type host struct {
	name  string
	state string
	env   []string // WHATSSPOT_*, SPOTCAST_STATE_DIR, SPOTCAST_DATABASE_URL
}

func newHost(t *testing.T, name, dbURL string, api []string) host {
	state := filepath.Join(t.TempDir(), name)
	return host{name: name, state: state, env: append(append([]string{}, api...),
		"SPOTCAST_STATE_DIR="+state, "SPOTCAST_DATABASE_URL="+dbURL)}
}

// serve starts `spotcast serve` on a free port for the one key and
// returns its address.
func (h host) serve(t *testing.T, pub gossh.PublicKey) string {
	t.Helper()
	keys := filepath.Join(t.TempDir(), "authorized_keys")
	if err := os.WriteFile(keys, gossh.MarshalAuthorizedKey(pub), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "serve", "--addr", "127.0.0.1:0", "--authorized-keys", keys)
	cmd.Env = append(baseEnv(t), h.env...)
	var stderr safeBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		buf := make([]byte, 0, 256)
		b := make([]byte, 256)
		for {
			n, err := stdout.Read(b)
			buf = append(buf, b[:n]...)
			for {
				line, rest, ok := strings.Cut(string(buf), "\n")
				if !ok {
					break
				}
				buf = []byte(rest)
				if a, ok := strings.CutPrefix(line, "spotcast serving SSH on "); ok {
					addr <- a
				}
			}
			if err != nil {
				close(addr)
				return
			}
		}
	}()
	select {
	case a, ok := <-addr:
		if ok {
			return a
		}
	case <-time.After(30 * time.Second):
	}
	t.Fatalf("serve on host %s did not print its address\n%s", h.name, stderr.String())
	return ""
}

// sshScreen is an operator's SSH session with a PTY, as `ssh -t` gives.
type sshScreen struct {
	t      *testing.T
	where  string
	client *gossh.Client
	in     io.Writer
	out    safeBuffer
}

func dialScreen(t *testing.T, where, addr string, signer gossh.Signer) *sshScreen {
	t.Helper()
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User: "operator", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatalf("ssh to host %s: %v", where, err)
	}
	t.Cleanup(func() { c.Close() })
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", 30, 100, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	in, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &sshScreen{t: t, where: where, client: c, in: in}
	sess.Stdout, sess.Stderr = &s.out, &s.out
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	return s
}

// wait waits until everything in want has been drawn.
func (s *sshScreen) wait(want ...string) {
	s.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		screen := ansi.Strip(s.out.String())
		all := true
		for _, w := range want {
			all = all && strings.Contains(screen, w)
		}
		if all {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the SSH session on host %s never showed %q:\n%s", s.where, want, screen)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *sshScreen) press(keys string) {
	s.t.Helper()
	if _, err := s.in.Write([]byte(keys)); err != nil {
		s.t.Fatalf("typing on host %s: %v", s.where, err)
	}
}

// hangUp drops the connection, as a closed laptop lid does.
func (s *sshScreen) hangUp() { s.client.Close() }

func operatorKey(t *testing.T) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return signer
}

// openShared opens the shared database from the test, as a third host.
func openShared(t *testing.T, dbURL string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), store.Options{StateDir: t.TempDir(), URL: dbURL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Two `spotcast serve` hosts on different ports, each with its own state
// directory, sharing one PostgreSQL: a campaign sent from host A is listed
// on host B (`jobs --json` there, and B's Jobs screen over SSH), and an
// operator's draft typed on A over SSH is offered on B when the same
// operator logs in there.
func TestTeamServeSharesCampaignsAndDrafts(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.URL(t)
	f := startSandbox(t)
	a, b := newHost(t, "a", dbURL, f.env()), newHost(t, "b", dbURL, f.env())
	signer := operatorKey(t)
	addrA, addrB := a.serve(t, signer.PublicKey()), b.serve(t, signer.PublicKey())
	if addrA == addrB {
		t.Fatalf("both hosts serve on %s", addrA)
	}

	// A campaign sent from host A…
	r := run(t, runOpts{env: a.env}, "send", "--to", "+919876500001", "--content", "Sent from host A", "--yes", "--json")
	if r.code != 0 {
		t.Fatalf("send on host A failed\n%s", r)
	}
	var sent struct{ CampaignID string }
	if err := json.Unmarshal([]byte(r.stdout), &sent); err != nil || sent.CampaignID == "" {
		t.Fatalf("send --json: %v\n%s", err, r)
	}
	// …is listed on host B,
	var found *campaign.CampaignRecord
	recs := readJobs(t, b.env)
	for i := range recs {
		if recs[i].CampaignID == sent.CampaignID {
			found = &recs[i]
		}
	}
	if found == nil || len(found.Batches) != 1 || found.Batches[0].State != campaign.StateAccepted || found.API != f.url {
		t.Fatalf("host B's jobs --json does not list host A's campaign %s, accepted, to %s: %+v", sent.CampaignID, f.url, recs)
	}
	// A campaign the operator sends through the composer on host A, over
	// SSH…
	onA := dialScreen(t, "a", addrA, signer)
	onA.wait("What kind of message?")
	onA.press("\r") // TEXT
	onA.wait("step 2 of 5 · Content")
	onA.press("Composed on host A")
	onA.wait("Composed on host A")
	onA.press("\t")
	onA.wait("step 3 of 5 · Recipients")
	onA.press("a")
	onA.wait("Numbers: ") // typed at once, "a+91…" would be one key
	onA.press("+919876500002\r")
	onA.wait("+919876500002", "1 typed number")
	onA.press("\t")
	onA.wait("When should it be sent?")
	onA.press("\r")
	onA.wait("step 5 of 5 · Review")
	onA.press("\r")
	onA.wait("Send to 1 recipient? [y/N]")
	before := f.srv.SendCount()
	onA.press("y")
	onA.wait("Batch 1 · 1 recipient sent", "+919876500002", "SENT")
	onA.hangUp()
	if n := f.srv.SendCount() - before; n != 1 {
		t.Fatalf("the send from host A's composer made %d requests, want 1", n)
	}
	tuiID := ""
	fp := gossh.FingerprintSHA256(signer.PublicKey())
	for _, rec := range readJobs(t, b.env) {
		if rec.CampaignID != sent.CampaignID && rec.Operator == fp && rec.Recipients == 1 {
			tuiID = rec.CampaignID
		}
	}
	if tuiID == "" {
		t.Fatalf("host B's jobs --json does not list the campaign operator %s sent from host A's composer", fp)
	}
	// …is on host B's Jobs screen (J from the first step) for that
	// operator, with its message.
	jobsB := dialScreen(t, "b", addrB, signer)
	jobsB.wait("What kind of message?")
	jobsB.press("J")
	jobsB.wait(tuiID)
	jobsB.hangUp()

	// An operator types a draft on host A and hangs up…
	onA = dialScreen(t, "a", addrA, signer)
	onA.wait("What kind of message?")
	onA.press("\r")
	onA.wait("Message text")
	onA.press("Typed on host A")
	onA.wait("Typed on host A")
	onA.hangUp()
	db := openShared(t, dbURL)
	for deadline := time.Now().Add(15 * time.Second); ; {
		ds, err := db.AllDrafts()
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) == 1 && strings.Contains(ds[0].Content, "Typed on host A") {
			break
		}
		if len(ds) > 1 || time.Now().After(deadline) {
			t.Fatalf("drafts in the shared database after the operator hung up on host A: %+v, want the one typed", ds)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// …and logs in to host B: the draft is offered there.
	onB := dialScreen(t, "b", addrB, signer)
	onB.wait("Resume your draft from", "'Typed on host A'")
	onB.press("\r") // resume it: the message step, with the text typed on A
	onB.wait("Message text", "┃ Typed on host A")
	onB.hangUp()
	if ds, err := db.AllDrafts(); err != nil || len(ds) != 1 || !strings.Contains(ds[0].Content, "Typed on host A") {
		t.Fatalf("drafts after resuming on host B: %+v, %v; want the one typed on A", ds, err)
	}
}

// Two resumes of one campaign at the same moment, one from each host
// (their own state directories, one PostgreSQL), send each batch once: one
// holds the campaign's claim and sends; the other is told the campaign is
// being sent (exit 1) or finds nothing left. Five campaigns, to catch
// races; the fake API counts every recipient of every request.
func TestTeamConcurrentResumeSendsEachBatchOnce(t *testing.T) {
	t.Parallel()
	const (
		runs      = 5
		perRun    = 12
		batchSize = 4
		batches   = perRun / batchSize
	)
	dbURL := pgtest.URL(t)
	sb := sandbox.New(sandbox.WithKey(testKey), sandbox.WithRate(100000), sandbox.WithFailRate(0), sandbox.WithSeed(1))
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			// Slow enough that the two resumes overlap: whoever claims
			// first holds the campaign for batches × this.
			time.Sleep(150 * time.Millisecond)
		}
		sb.ServeHTTP(w, r)
	}))
	t.Cleanup(api.Close)
	apiEnv := []string{"WHATSSPOT_BASE_URL=" + api.URL, "WHATSSPOT_API_KEY=" + testKey}

	// A port that refuses connections: a send to it is "not sent", so
	// every batch stays pending.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String()
	ln.Close()

	all := numbers(runs * perRun)
	busy := 0
	for run := range runs {
		a := newHost(t, "a", dbURL, apiEnv)
		b := newHost(t, "b", dbURL, apiEnv)
		mine := all[run*perRun : (run+1)*perRun]
		args := []string{"send", "--content", fmt.Sprintf("Run %d", run), "--batch-size", fmt.Sprint(batchSize), "--yes", "--json"}
		for _, n := range mine {
			args = append(args, "--to", "+"+n)
		}
		r := runEnv(t, append(a.env, "WHATSSPOT_BASE_URL="+refused), args...)
		var sent struct {
			CampaignID string
			NotSent    int
		}
		if err := json.Unmarshal([]byte(r.stdout), &sent); r.code != 4 || err != nil || sent.NotSent != perRun {
			t.Fatalf("run %d: send to a refused port: want exit 4 and %d recipients not sent (%v)\n%s", run, perRun, err, r)
		}
		if got := batchStates(t, b.env, sent.CampaignID); got != strings.Repeat("pending/", batches-1)+"pending" {
			t.Fatalf("run %d: batches of the refused send as host B sees them: %s, want all pending", run, got)
		}

		before := sb.SendCount()
		// Both processes are started before either is waited for.
		resumeA := start(t, a.env, "resume", sent.CampaignID, "--yes", "--watch=false", "--allow-api-change")
		resumeB := start(t, b.env, "resume", sent.CampaignID, "--yes", "--watch=false", "--allow-api-change")
		results := []result{resumeA(), resumeB()}
		if n := sb.SendCount() - before; n != batches {
			t.Errorf("run %d: the API received %d requests for the campaign's %d batches\nhost a: %s\nhost b: %s", run, n, batches, results[0], results[1])
		}
		for i, res := range results {
			switch {
			case res.code == 1 && strings.Contains(res.stderr, "is being sent by another spotcast process"):
				busy++
			case res.code == 0:
			default:
				t.Errorf("run %d: resume on host %s: want exit 0, or exit 1 saying the campaign is being sent\n%s", run, []string{"a", "b"}[i], res)
			}
		}
		if got := batchStates(t, a.env, sent.CampaignID); got != strings.Repeat("accepted/", batches-1)+"accepted" {
			t.Errorf("run %d: batches after both resumes: %s, want all accepted", run, got)
		}
		if t.Failed() {
			t.FailNow()
		}
	}
	counts := sb.RecipientCounts()
	for i, n := range all {
		if counts[n] != 1 {
			t.Errorf("recipient %s (run %d) was sent %d times, want 1", n, i/perRun, counts[n])
		}
	}
	// Both started together, and whoever claims first holds the campaign
	// for at least 3 × 150 ms: over five runs the other must have been
	// turned away at least once, or the claim was never contended.
	if busy == 0 {
		t.Errorf("in %d runs no resume was told the campaign was being sent: the two never overlapped, so the claim went untested", runs)
	}
	t.Logf("%d of %d runs turned the second resume away with the busy error", busy, runs)
}

// start starts the binary with extra environment and returns what waits
// for it, as run does: for processes that must run at the same time.
func start(t *testing.T, env []string, args ...string) (wait func() result) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(baseEnv(t), env...)
	var stdout, stderr safeBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	return func() result {
		t.Helper()
		defer cancel()
		err := cmd.Wait()
		r := result{stdout: stdout.String(), stderr: stderr.String()}
		if ee, ok := err.(*exec.ExitError); ok {
			r.code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("running spotcast %v: %v", args, err)
		}
		if ctx.Err() != nil {
			t.Fatalf("spotcast %v timed out\n%s", args, r)
		}
		if strings.Contains(r.stdout+r.stderr, testKey) || strings.Contains(r.stdout+r.stderr, testKey[:20]) {
			t.Fatalf("the API key leaked into the output of spotcast %v\n%s", args, r)
		}
		return r
	}
}

// runEnv is run with extra environment.
func runEnv(t *testing.T, env []string, args ...string) result {
	t.Helper()
	return run(t, runOpts{env: env}, args...)
}

// batchStates is "accepted/unknown/pending" for the campaign as `jobs
// --json` with env shows it.
func batchStates(t *testing.T, env []string, id string) string {
	t.Helper()
	for _, rec := range readJobs(t, env) {
		if rec.CampaignID == id {
			var states []string
			for _, b := range rec.Batches {
				states = append(states, string(b.State))
			}
			return strings.Join(states, "/")
		}
	}
	t.Fatalf("campaign %s is not listed by jobs --json", id)
	return ""
}
