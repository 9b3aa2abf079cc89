package cli_test

import (
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

type optoutEntry struct {
	Number, Source, Reason string
}

func optoutList(t *testing.T, env []string) []optoutEntry {
	t.Helper()
	r := run(t, runOpts{env: env}, "optout", "list", "--json")
	var out []optoutEntry
	if err := json.Unmarshal([]byte(r.stdout), &out); r.code != 0 || err != nil {
		t.Fatalf("optout list --json: %v\n%s", err, r)
	}
	return out
}

func optoutNumbers(es []optoutEntry) string {
	var ns []string
	for _, e := range es {
		ns = append(ns, e.Number)
	}
	return strings.Join(ns, ",")
}

// add, remove, list, import and export, as an operator uses them, with
// numbers read as --to reads them.
func TestOptoutRoundTrip(t *testing.T) {
	env := []string{"SPOTCAST_STATE_DIR=" + t.TempDir(), "SPOTCAST_DEFAULT_COUNTRY=IN"}

	// One bad number: each is listed with why, and nothing changes.
	r := run(t, runOpts{env: env}, "optout", "add", "98765 00001", "12", "abc")
	if r.code != 2 || !strings.Contains(r.stderr, `"12"`) || !strings.Contains(r.stderr, `"abc"`) || !strings.Contains(r.stderr, "not changed") {
		t.Fatalf("add with bad numbers: want exit 2 naming each\n%s", r)
	}
	if got := optoutList(t, env); len(got) != 0 {
		t.Fatalf("a refused add changed the list: %v", got)
	}

	r = run(t, runOpts{env: env}, "optout", "add", "98765 00001", "+44 7911 123456", "--reason", "asked by phone\x1b[31m")
	if r.code != 0 || !strings.Contains(r.stdout, "Added 2 numbers") {
		t.Fatalf("add: %s", r)
	}
	r = run(t, runOpts{env: env}, "optout", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "+919876500001") || !strings.Contains(r.stdout, "manual") ||
		!strings.Contains(r.stdout, "asked by phone") || strings.Contains(r.stdout, "\x1b") {
		t.Fatalf("list: want a sanitised table in +E.164\n%s", r)
	}
	if got := optoutNumbers(optoutList(t, env)); got != "+447911123456,+919876500001" {
		t.Errorf("list --json numbers = %s", got)
	}

	r = run(t, runOpts{env: env}, "optout", "remove", "+447911123456", "+919876500099")
	if r.code != 0 || !strings.Contains(r.stdout, "Removed 1 number") || !strings.Contains(r.stdout, "1 not on it") {
		t.Fatalf("remove: %s", r)
	}

	// import reads a contact list as `spotcast import` does.
	file := writeCSV(t, "Name,Home,Mobile", "A,+441234567890,98765 00002", "B,,98765 00003", "C,,9.19E+11", "D,,98765 00001")
	r = run(t, runOpts{env: env}, "optout", "import", file, "--phone-column", "mobile")
	if r.code != 0 || !strings.Contains(r.stdout, "Added 2 numbers") || !strings.Contains(r.stdout, "1 already on it") || !strings.Contains(r.stderr, "line 4") {
		t.Fatalf("import: want 2 added, 1 already there, the bad row named\n%s", r)
	}
	list := optoutList(t, env)
	if got := optoutNumbers(list); got != "+919876500001,+919876500002,+919876500003" {
		t.Errorf("after import: %s", got)
	}
	if list[1].Source != "import" || list[1].Reason != "contacts.csv" {
		t.Errorf("an imported number: %+v", list[1])
	}

	// export is CSV that import reads back into another list.
	r = run(t, runOpts{env: env}, "optout", "export")
	rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if r.code != 0 || err != nil || len(rows) != 4 || strings.Join(rows[0], ",") != "number,source,at,reason" || rows[1][0] != "+919876500001" {
		t.Fatalf("export: %v\n%s", err, r)
	}
	other := []string{"SPOTCAST_STATE_DIR=" + t.TempDir()}
	r = run(t, runOpts{env: other}, "optout", "import", writeCSV(t, strings.Split(strings.TrimSpace(r.stdout), "\n")...))
	if r.code != 0 {
		t.Fatalf("import of the export: %s", r)
	}
	if got := optoutNumbers(optoutList(t, other)); got != "+919876500001,+919876500002,+919876500003" {
		t.Errorf("round trip through export: %s", got)
	}
}

// A suppressed number never reaches a request body and is counted, from
// the CSV and typed alike; taking it off the list (START) brings it back.
func TestSuppressedNumberKeptOutOfSend(t *testing.T) {
	f := startSandbox(t)
	env := f.env("SPOTCAST_STATE_DIR=" + t.TempDir())
	nums := numbers(5)
	if r := run(t, runOpts{env: env}, "optout", "add", "+"+nums[1], "+"+nums[3]); r.code != 0 {
		t.Fatal(r)
	}
	// nums[1] is in the CSV and typed: one number, counted once.
	r := run(t, runOpts{env: env}, "send", "--csv", contactsCSV(t, 5), "--to", "+"+nums[1], "--content", "hi", "--yes", "--json")
	if r.code != 0 {
		t.Fatal(r)
	}
	var out struct {
		Suppressed int `json:"suppressed"`
		Duplicates int `json:"duplicates"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out.Suppressed != 2 || out.Duplicates != 1 {
		t.Errorf("send --json: suppressed %d duplicates %d (%v), want 2 and 1\n%s", out.Suppressed, out.Duplicates, err, r)
	}
	sends := f.srv.Sends()
	if len(sends) != 1 || slices.Contains(sends[0].Recipients, nums[1]) || slices.Contains(sends[0].Recipients, nums[3]) || len(sends[0].Recipients) != 3 {
		t.Fatalf("request bodies %+v: want the 3 who did not opt out", sends)
	}

	// The confirmation says so (the plain summary too).
	r = run(t, runOpts{env: env}, "send", "--to", "+"+nums[3], "--to", "+"+nums[0], "--content", "hi", "--yes")
	if r.code != 0 || !strings.Contains(r.stdout, "1 number left out: they opted out (spotcast optout list)") {
		t.Errorf("plain send: want the left-out line\n%s", r)
	}
	// Everyone opted out: nothing to send, exit 2.
	r = run(t, runOpts{env: env}, "send", "--to", "+"+nums[3], "--content", "hi", "--yes")
	if r.code != 2 || !strings.Contains(r.stderr, "opted out") {
		t.Errorf("send to nobody but opted-out numbers: want exit 2\n%s", r)
	}

	// START (or optout remove) brings it back.
	if r := run(t, runOpts{env: env}, "optout", "remove", "+"+nums[3]); r.code != 0 {
		t.Fatal(r)
	}
	before := len(f.srv.Sends())
	if r := run(t, runOpts{env: env}, "send", "--to", "+"+nums[3], "--content", "hi", "--yes"); r.code != 0 {
		t.Fatal(r)
	}
	if s := f.srv.Sends(); len(s) != before+1 || !slices.Equal(s[before].Recipients, []string{nums[3]}) {
		t.Errorf("after remove: sends %+v", s[before:])
	}
}

// import --json counts the suppressed numbers; they are not in the list.
func TestImportCountsSuppressed(t *testing.T) {
	env := []string{"SPOTCAST_STATE_DIR=" + t.TempDir()}
	nums := numbers(4)
	if r := run(t, runOpts{env: env}, "optout", "add", "+"+nums[0], "+"+nums[2]); r.code != 0 {
		t.Fatal(r)
	}
	file := contactsCSV(t, 4)
	r := run(t, runOpts{env: env}, "import", file, "--json")
	var out struct {
		Valid      int      `json:"valid"`
		Suppressed int      `json:"suppressed"`
		Recipients []string `json:"recipients"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); r.code != 0 || err != nil {
		t.Fatalf("%v\n%s", err, r)
	}
	if out.Valid != 2 || out.Suppressed != 2 || strings.Join(out.Recipients, ",") != nums[1]+","+nums[3] {
		t.Errorf("import --json: %+v", out)
	}
	r = run(t, runOpts{env: env}, "import", file)
	if r.code != 0 || !strings.Contains(r.stdout, "suppressed  2") || !strings.Contains(r.stdout, "2 numbers left out: they opted out (spotcast optout list)") {
		t.Errorf("plain import report\n%s", r)
	}
}

// A number that opts out after the campaign was planned is dropped from
// the batches not yet sent: nobody gets it twice, no opted-out number at
// all.
func TestResumeDropsNumberSuppressedAfterPlanning(t *testing.T) {
	dead := droppingServer(t)
	state := "SPOTCAST_STATE_DIR=" + t.TempDir()
	nums := numbers(12)
	// Batch 1 meets a dropped connection (unknown), 2 and 3 stay pending.
	r := run(t, runOpts{env: []string{"WHATSSPOT_BASE_URL=" + dead, "WHATSSPOT_API_KEY=" + testKey, state}},
		"send", "--csv", contactsCSV(t, 12), "--content", "hi", "--batch-size", "4", "--yes", "--json")
	var out struct {
		CampaignID string `json:"campaignId"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); r.code != 4 || err != nil {
		t.Fatalf("want exit 4 and the summary (%v)\n%s", err, r)
	}
	// One of batch 2, one of batch 3 and one of batch 1 (not resent) opt out.
	if r := run(t, runOpts{env: []string{state}}, "optout", "add", "+"+nums[5], "+"+nums[11], "+"+nums[0]); r.code != 0 {
		t.Fatal(r)
	}
	f := startSandbox(t)
	r = run(t, runOpts{env: f.env(state)}, "resume", out.CampaignID, "--yes", "--allow-api-change", "--json")
	if r.code != 0 {
		t.Fatalf("resume: %s", r)
	}
	var res struct {
		Suppressed int `json:"suppressed"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || res.Suppressed != 2 {
		t.Errorf("resume --json suppressed = %d (%v), want 2\n%s", res.Suppressed, err, r)
	}
	counts := f.srv.RecipientCounts()
	for _, n := range []string{nums[0], nums[5], nums[11]} {
		if counts[n] != 0 {
			t.Errorf("%s opted out but was sent to", n)
		}
	}
	for n, c := range counts {
		if c > 1 {
			t.Errorf("%s sent %d times", n, c)
		}
	}
	if len(counts) != 6 || len(f.srv.Sends()) != 2 {
		t.Errorf("resume sent %d requests to %d numbers, want batches 2 and 3 less 2: %v", len(f.srv.Sends()), len(counts), counts)
	}
	r = run(t, runOpts{env: []string{state}}, "jobs", "--json")
	if r.code != 0 || strings.Contains(r.stderr, "unknown event") {
		t.Errorf("jobs after the suppressed events: %s", r)
	}
}
