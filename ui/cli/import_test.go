package cli_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

type importOut struct {
	Rows       int      `json:"rows"`
	Valid      int      `json:"valid"`
	Invalid    int      `json:"invalid"`
	Duplicates int      `json:"duplicates"`
	Suppressed int      `json:"suppressed"`
	Recipients []string `json:"recipients"`
	Problems   []struct {
		Line   int    `json:"line"`
		Value  string `json:"value"`
		Reason string `json:"reason"`
	} `json:"problems"`
	ProblemsOmitted int `json:"problemsOmitted"`
}

func importJSON(t *testing.T, r result) importOut {
	t.Helper()
	var out importOut
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("import --json: %v\n%s", err, r)
	}
	return out
}

// A million-odd bad rows stream through: counts for all, the first 1,000
// problems listed, the rest counted and said so in both outputs.
func TestImportJSONStreamsAndCapsProblems(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mixed.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("phone,name\n")
	for i := range 20000 {
		switch i % 4 {
		case 0:
			fmt.Fprintf(w, "+91 98765 %05d,P%d\n", i, i)
		case 1:
			fmt.Fprintf(w, "098765 %05d,P%d\n", i, i) // national, with the default country
		case 2:
			fmt.Fprintf(w, "bad %d,P%d\n", i, i)
		case 3:
			fmt.Fprintf(w, "+91 98765 %05d,again\n", i-3) // a duplicate of row i-3
		}
	}
	w.Flush()
	f.Close()
	r := run(t, runOpts{env: []string{"SPOTCAST_DEFAULT_COUNTRY=IN"}}, "import", path, "--json")
	if r.code != 0 {
		t.Fatalf("want exit 0\n%s", r)
	}
	out := importJSON(t, r)
	if out.Rows != 20000 || out.Valid != 10000 || out.Invalid != 5000 || out.Duplicates != 5000 || len(out.Recipients) != 10000 ||
		len(out.Problems) != 1000 || out.ProblemsOmitted != 4000 || out.Problems[0].Line != 4 || out.Recipients[1] != "919876500001" {
		t.Fatalf("rows %d valid %d invalid %d dup %d recipients %d problems %d omitted %d", out.Rows, out.Valid, out.Invalid,
			out.Duplicates, len(out.Recipients), len(out.Problems), out.ProblemsOmitted)
	}
	r = run(t, runOpts{env: []string{"SPOTCAST_DEFAULT_COUNTRY=IN"}}, "import", path)
	if r.code != 0 || !strings.Contains(r.stdout, "... and 4000 more not listed (only the first 1000 are kept)") {
		t.Fatalf("text report\n%s", r.stdout[max(0, len(r.stdout)-400):])
	}
}

// A file that turns out unreadable half-way still leaves valid JSON on
// stdout, and exits 2 naming the line.
func TestImportJSONErrorHalfWay(t *testing.T) {
	rows := []string{"phone"}
	for i := range 20000 {
		rows = append(rows, fmt.Sprintf("+91 98765 %05d", i))
	}
	rows = append(rows, "\x00\x01")
	r := run(t, runOpts{}, "import", writeCSV(t, rows...), "--json")
	if r.code != 2 || !strings.Contains(r.stderr, "line 20002 holds binary data") {
		t.Fatalf("want exit 2 naming the line\n%s", r.stderr)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || !strings.Contains(fmt.Sprint(doc["error"]), "binary") {
		t.Fatalf("stdout is not a finished JSON document: %v\n%.300s", err, r.stdout)
	}
}

func TestImportFormats(t *testing.T) {
	dir := t.TempDir()
	cr := filepath.Join(dir, "mac.csv")
	os.WriteFile(cr, []byte("Name,Mobile\rAsha,+91 98765 00011\rBen,098765 00012\r"), 0o600)
	r := run(t, runOpts{env: []string{"SPOTCAST_DEFAULT_COUNTRY=IN"}}, "import", cr, "--json")
	if out := importJSON(t, r); r.code != 0 || strings.Join(out.Recipients, " ") != "919876500011 919876500012" {
		t.Fatalf("CR-only file\n%s", r)
	}

	r = run(t, runOpts{env: []string{"SPOTCAST_DEFAULT_COUNTRY=IN"}}, "import", filepath.Join("..", "..", "testdata", "contacts", "iphone_export.vcf"))
	for _, w := range []string{"rows        4", "valid       4", "numbers from the vCard TEL entries", "2 contacts had no mobile number", "line 22: +91 20 2612 8888: a fax number"} {
		if r.code != 0 || !strings.Contains(r.stdout, w) {
			t.Errorf("vCard report lacks %q\n%s", w, r)
		}
	}

	google := writeCSV(t, "Name,Phone 1 - Type,Phone 1 - Value,Phone 2 - Type,Phone 2 - Value",
		"Asha,workFax,+91 20 2612 9999,Mobile,+91 98765 00041", "Ben,Home,+91 98765 00042,,")
	r = run(t, runOpts{}, "import", google, "--json")
	if out := importJSON(t, r); r.code != 0 || strings.Join(out.Recipients, " ") != "919876500041 919876500042" ||
		!strings.Contains(r.stderr, "1 contact had no mobile number") {
		t.Fatalf("typed Google columns\n%s", r)
	}

	quote := writeCSV(t, "phone,name", `+91 98765 00051,Asha "the boss"`)
	r = run(t, runOpts{}, "import", quote)
	if r.code != 0 || !strings.Contains(r.stdout, `line 2: Asha "the boss": a " inside a cell that is not quoted`) {
		t.Fatalf("bare quote\n%s", r)
	}
}

func TestImportAndSendInternational(t *testing.T) {
	list := writeCSV(t, "phone", "919876500061", "447400123456", "14155552671", "\u202a+49 30 901820\u202c")
	r := run(t, runOpts{}, "import", list, "--json")
	if out := importJSON(t, r); r.code != 0 || out.Valid != 1 || out.Invalid != 3 {
		t.Fatalf("without --international only the +49 number is valid\n%s", r)
	}
	r = run(t, runOpts{}, "import", list, "--json", "--international")
	if out := importJSON(t, r); r.code != 0 || strings.Join(out.Recipients, " ") != "919876500061 447400123456 14155552671 4930901820" {
		t.Fatalf("--international\n%s", r)
	}
	f := startSandbox(t)
	r = run(t, runOpts{env: f.env()}, "send", "--csv", list, "--to", "447400123457", "--international", "--content", "hi", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, `"447400123457"`) || !strings.Contains(r.stdout, `"14155552671"`) {
		t.Fatalf("send --international\n%s", r)
	}
	r = run(t, runOpts{env: f.env()}, "send", "--to", "008 1 201-555-0163", "--content", "hi", "--dry-run", "--default-country", "ID")
	if r.code != 0 || !strings.Contains(r.stdout, `"12015550163"`) {
		t.Fatalf("ID's own international prefix\n%s", r)
	}
}

// A FIFO nobody writes to is refused by name at once; one with a writer
// imports; a directory and a device are refused by name.
func TestImportFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "contacts.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	r := run(t, runOpts{}, "import", fifo)
	if r.code != 2 || !strings.Contains(r.stderr, fifo) || !strings.Contains(r.stderr, "nothing is writing to it") {
		t.Fatalf("FIFO without a writer: want exit 2 naming it\n%s", r)
	}
	// With a writer: the command reads what it writes. The writer opens
	// the FIFO first (blocking until the reader comes, in a goroutine).
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "import", fifo, "--json")
	cmd.Env = baseEnv(t)
	wrote := make(chan error, 1)
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			wrote <- err
			return
		}
		time.Sleep(100 * time.Millisecond) // a slow writer: the reader waits
		_, err = w.WriteString("phone\n+91 98765 00071\n")
		w.Close()
		wrote <- err
	}()
	// The writer's open blocks until a reader opens: a plain reader on our
	// side lets it through, then the command opens beside it.
	rd, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	out, err := cmd.Output()
	rd.Close()
	if err != nil || !strings.Contains(string(out), "919876500071") {
		t.Fatalf("FIFO with a writer: %v\n%s", err, out)
	}
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	r = run(t, runOpts{}, "import", dir)
	if r.code != 2 || !strings.Contains(r.stderr, dir+" is a directory") {
		t.Fatalf("directory\n%s", r)
	}
	r = run(t, runOpts{}, "import", "/dev/null")
	if r.code != 2 || !strings.Contains(r.stderr, "/dev/null is not a regular file") {
		t.Fatalf("device\n%s", r)
	}
}
