package sshd

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"spotcast/campaign"
)

// runner runs one non-PTY command per session on c, as `ssh HOST CMD` does.
func runner(t *testing.T, c *gossh.Client) func(cmd, stdin string) (string, string, int) {
	return func(cmd, stdin string) (string, string, int) {
		t.Helper()
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Close()
		var out, errOut bytes.Buffer
		sess.Stdin, sess.Stdout, sess.Stderr = strings.NewReader(stdin), &out, &errOut
		err = sess.Run(cmd)
		code := 0
		var ee *gossh.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitStatus()
		} else if err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		return out.String(), errOut.String(), code
	}
}

func folderOf(h *harness, k testKey) string {
	return filepath.Join(h.cfg.StateDir, "imports", identityOf(k).dirName())
}

// identityOf is the identity the server gives k's holder.
func identityOf(k testKey) identity {
	return identity{Fingerprint: gossh.FingerprintSHA256(k.signer.PublicKey()), Comment: k.comment}
}

// TestNamedUploadsAreListedAndRemoved: `import NAME` with options after the
// name keeps the file under that name with a sidecar of the options it was
// checked with; `ls` lists it with rows and valid numbers; `rm` removes
// both; bad names are refused with the rule they break; no reply names a
// server path.
func TestNamedUploadsAreListedAndRemoved(t *testing.T) {
	alice := newKey(t, "alice")
	h := newHarness(t, alice.line())
	h.start()
	run := runner(t, h.mustDial(alice))
	dir := folderOf(h, alice)

	if out, _, code := run("ls", ""); code != 0 || !strings.Contains(out, "No uploads yet") || !strings.Contains(out, "ssh HOST import NAME < contacts.csv") {
		t.Errorf("ls of an empty folder: exit %d, %q; want how to upload", code, out)
	}
	csv := "name,Mobile,phone2\nAsha,98765 43210,x\nRavi,12,y\nMina,09876543211,z\n"
	out, errOut, code := run("import march --phone-column Mobile --default-country IN", csv)
	if code != 0 {
		t.Fatalf("import march: exit %d; stdout %q stderr %q", code, out, errOut)
	}
	if !strings.Contains(errOut, "Saved as march.csv") || !strings.Contains(out, `column "Mobile"`) || !strings.Contains(out, "valid       2") {
		t.Errorf("import march: stdout %q stderr %q", out, errOut)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "march.csv")); string(data) != csv {
		t.Errorf("march.csv holds %q, want what was sent", data)
	}
	meta, err := campaign.ReadUploadMeta(filepath.Join(dir, "march.csv"))
	if err != nil || meta == nil {
		t.Fatalf("sidecar: %+v, %v", meta, err)
	}
	if meta.PhoneColumn != "Mobile" || meta.DefaultCountry != "IN" || meta.Rows != 3 || meta.Valid != 2 || time.Since(meta.CheckedAt) > time.Minute {
		t.Errorf("sidecar = %+v; want Mobile, IN, 3 rows, 2 valid, checked just now", meta)
	}
	// Flags before the name work too; a taken name is refused, --replace
	// replaces it.
	if _, errOut, code := run("import --default-country GB march", csv); code != 2 || !strings.Contains(errOut, "march.csv is already in your import folder") || !strings.Contains(errOut, "--replace") {
		t.Errorf("import over a taken name: exit %d, stderr %q; want 2 and how to replace", code, errOut)
	}
	uk := "name,Mobile\nAmy,07400 123456\n"
	if _, errOut, code := run("import --default-country GB march --replace --phone-column Mobile", uk); code != 0 {
		t.Errorf("import --replace: exit %d, stderr %q", code, errOut)
	} else if m, _ := campaign.ReadUploadMeta(filepath.Join(dir, "march.csv")); m == nil || m.DefaultCountry != "GB" || m.Rows != 1 {
		t.Errorf("replaced sidecar = %+v; want GB, 1 row", m)
	}
	if _, errOut, code := run("import march --replace --phone-column Mobile --default-country IN", csv); code != 0 {
		t.Fatalf("import march again: exit %d, stderr %q", code, errOut)
	}
	if _, errOut, code := run("import list.txt --phone-column Mobile", csv); code != 0 || !strings.Contains(errOut, "Saved as list.txt") {
		t.Errorf("import list.txt: exit %d, stderr %q; want it kept under its own extension", code, errOut)
	}
	for _, tc := range []struct{ name, rule string }{
		{"../alice2", "cannot contain /"},
		{"a..b", "cannot contain .."},
		{".hidden", "cannot start with a dot"},
		{"'bad\x1b[31mname'", "control characters"},
		{"'tab\tname'", "control characters"},
		{strings.Repeat("x", 120), "longer than 100 bytes"},
	} {
		if _, errOut, code := run("import "+tc.name, csv); code != 2 || !strings.Contains(errOut, tc.rule) {
			t.Errorf("import %q: exit %d, stderr %q; want 2 and %q", tc.name, code, errOut, tc.rule)
		}
	}
	if ents, _ := os.ReadDir(filepath.Dir(dir)); len(ents) != 1 {
		t.Errorf("imports root holds %d entries; a bad name escaped the operator's folder", len(ents))
	}

	out, errOut, code = run("ls", "")
	if code != 0 {
		t.Fatalf("ls: exit %d, %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "NAME") || !strings.Contains(lines[0], "ROWS") || !strings.Contains(lines[0], "VALID") {
		t.Fatalf("ls output:\n%s", out)
	}
	var march string
	for _, l := range lines {
		if strings.HasPrefix(l, "march.csv") {
			march = l
		}
	}
	if f := strings.Fields(march); len(f) < 6 || f[1]+" "+f[2] != fmt.Sprintf("%d B", len(csv)) || f[3] != "3" || f[4] != "2" || !strings.HasSuffix(march, "UTC") {
		t.Errorf("ls line for march.csv = %q; want size %d B, 3 rows, 2 valid, a UTC time", march, len(csv))
	}
	if strings.Contains(out, ".json") || strings.Contains(out, h.dir) {
		t.Errorf("ls shows sidecars or server paths:\n%s", out)
	}

	if _, errOut, code := run("rm nothing", ""); code != 1 || !strings.Contains(errOut, "no upload named nothing.csv") {
		t.Errorf("rm of a missing upload: exit %d, stderr %q", code, errOut)
	}
	if _, errOut, code := run("rm ../x", ""); code != 2 || !strings.Contains(errOut, "cannot contain /") {
		t.Errorf("rm ../x: exit %d, stderr %q", code, errOut)
	}
	if out, errOut, code := run("rm march", ""); code != 0 || !strings.Contains(out, "Removed march.csv") {
		t.Errorf("rm march: exit %d, stdout %q stderr %q", code, out, errOut)
	}
	for _, p := range []string{"march.csv", "march.csv.json"} {
		if _, err := os.Stat(filepath.Join(dir, p)); !os.IsNotExist(err) {
			t.Errorf("%s still there after rm: %v", p, err)
		}
	}
	if strings.Contains(h.logs.String(), "err=") && strings.Contains(h.logs.String(), "ERRO") {
		t.Errorf("server logged an error:\n%s", h.logs.String())
	}
}

// TestExportStreamsTheNewestFailedCSV: `export CAMPAIGN` streams the newest
// export the progress view wrote for the operator's own campaign; another
// operator's campaign is "not found"; a campaign without an export says
// how to make one.
func TestExportStreamsTheNewestFailedCSV(t *testing.T) {
	alice, bob := newKey(t, "alice"), newKey(t, "bob")
	h := newHarness(t, alice.line()+bob.line())
	h.start()
	aliceID := identity{Fingerprint: gossh.FingerprintSHA256(alice.signer.PublicKey()), Comment: "alice"}
	now := time.Now()
	mine, other := campaign.NewCampaignID(now), campaign.NewCampaignID(now.Add(time.Second))
	for _, e := range []campaign.Event{
		{Kind: campaign.EventCreated, At: now, CampaignID: mine, CreatedAt: now, Operator: aliceID.Operator(), Recipients: 2},
		{Kind: campaign.EventCreated, At: now, CampaignID: other, CreatedAt: now, Operator: "SHA256:someone-else", Recipients: 2},
	} {
		if err := h.srv.store.CreateCampaign(campaign.CampaignFile{CampaignID: e.CampaignID, CreatedAt: e.CreatedAt, Operator: e.Operator}, e); err != nil {
			t.Fatal(err)
		}
	}
	exports := filepath.Join(folderOf(h, alice), "exports")
	if err := os.MkdirAll(exports, 0o700); err != nil {
		t.Fatal(err)
	}
	old, newest := "job_id,recipient,error\nj1,+911,old\n", "job_id,recipient,error\nj1,+911,blocked\nj2,+912,not on WhatsApp\n"
	for name, body := range map[string]string{
		"failed-" + mine + "-20260301T090000Z.csv":  old,
		"failed-" + mine + "-20260301T100000Z.csv":  newest,
		"failed-" + other + "-20260301T110000Z.csv": "job_id,recipient,error\nnot,yours,x\n",
	} {
		if err := os.WriteFile(filepath.Join(exports, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	run := runner(t, h.mustDial(alice))
	out, errOut, code := run("export "+mine, "")
	if code != 0 || out != newest {
		t.Errorf("export %s: exit %d, stdout %q (stderr %q); want the newest export", mine, code, out, errOut)
	}
	if strings.Contains(errOut, h.dir) {
		t.Errorf("export names a server path: %q", errOut)
	}
	if out, errOut, code := run("export "+other, ""); code != 1 || out != "" || !strings.Contains(errOut, "you have no campaign "+other) {
		t.Errorf("export of another operator's campaign: exit %d, stdout %q stderr %q", code, out, errOut)
	}
	if _, errOut, code := run("export ../../etc", ""); code != 2 || !strings.Contains(errOut, "not a campaign ID") {
		t.Errorf("export ../../etc: exit %d, stderr %q", code, errOut)
	}
	// Bob has no export of his own campaign yet.
	bobID := identity{Fingerprint: gossh.FingerprintSHA256(bob.signer.PublicKey()), Comment: "bob"}
	bobs := campaign.NewCampaignID(now.Add(2 * time.Second))
	if err := h.srv.store.CreateCampaign(campaign.CampaignFile{CampaignID: bobs, CreatedAt: now, Operator: bobID.Operator()},
		campaign.Event{Kind: campaign.EventCreated, At: now, CampaignID: bobs, CreatedAt: now, Operator: bobID.Operator()}); err != nil {
		t.Fatal(err)
	}
	runBob := runner(t, h.mustDial(bob))
	if _, errOut, code := runBob("export "+bobs, ""); code != 1 || !strings.Contains(errOut, "has no export yet") || !strings.Contains(errOut, "press e") {
		t.Errorf("export without one: exit %d, stderr %q; want how to make one", code, errOut)
	}
	if _, errOut, code := runBob("export "+mine, ""); code != 1 || !strings.Contains(errOut, "you have no campaign") {
		t.Errorf("bob exporting alice's campaign: exit %d, stderr %q", code, errOut)
	}
}

// TestPickerWorksWithRelativeFolders: with a relative state and import
// folder (serve --state-dir state --import-dir uploads), an upload is
// found by the TUI's file picker and imported, and nothing shown names
// the server's folders.
func TestPickerWorksWithRelativeFolders(t *testing.T) {
	alice := newKey(t, "alice")
	h := newHarness(t, alice.line())
	t.Chdir(h.dir)
	h.cfg.StateDir, h.cfg.ImportDir = "state", "uploads"
	h.start()
	c := h.mustDial(alice)
	csv := "name,phone\nAsha,+91 98765 43210\nRavi,+91 98765 43211\n"
	if _, errOut, code := runner(t, c)("import march", csv); code != 0 {
		t.Fatalf("import: exit %d, %q", code, errOut)
	}
	// The server keeps working from elsewhere: its folders were resolved.
	t.Chdir(t.TempDir())
	tm := openTerm(t, c, 100, 30)
	for _, s := range []struct{ keys, want string }{
		{"", "step 1 of"},
		{"\r", "step 2 of"},
		{"hello", "hello"},
		{"\t", "Recipients"},
		{"o", "march.csv"},
		{"\r", "2 valid"},
	} {
		if _, err := tm.in.Write([]byte(s.keys)); err != nil {
			t.Fatal(err)
		}
		tm.waitFor(s.want)
	}
	if out := tm.out.String(); strings.Contains(out, h.dir) || strings.Contains(out, "uploads/") {
		t.Errorf("the TUI shows a server path:\n%s", tail(out, 3000))
	}
}
