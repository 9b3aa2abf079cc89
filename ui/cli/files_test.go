package cli_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// badFile is a file that is not a usable contact list, and what the error
// must say about it.
type badFile struct {
	name string
	path string
	want string
}

// badFiles writes the hostile inputs into dir: binary (a PNG header and
// random bytes, a gzip), empty, a directory, a missing file, a 50 MB line
// without a newline, an unterminated quote.
func badFiles(t *testing.T, dir string) []badFile {
	t.Helper()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rng := rand.New(rand.NewPCG(3, 4))
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	for len(png) < 8192 {
		png = append(png, byte(rng.Uint32()))
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("Name,Phone\nAsha,+91 98765 00001\n"))
	zw.Close()
	sub := filepath.Join(dir, "folder.csv")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	long := filepath.Join(dir, "one-line.csv")
	f, err := os.Create(long)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("+91")
	nines := bytes.Repeat([]byte("9"), 1<<20)
	for range 50 {
		if _, err := f.Write(nines); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return []badFile{
		{"png", write("photo.csv", png), "PNG image (binary data), not a CSV text file"},
		{"gzip", write("contacts.csv.gz", gz.Bytes()), "gzip-compressed file"},
		{"empty", write("empty.csv", nil), "the file is empty"},
		{"directory", sub, "is a directory"},
		{"missing", filepath.Join(dir, "missing.csv"), "no such file"},
		{"50 MB line", long, "line 1 is longer than 1 MiB"},
		{"unterminated quote", write("quote.csv", []byte("Name,Phone\n\"Asha,+91 98765 00001\nBen,+91 98765 00002\n")),
			"line 2: the quoted field that starts here is not closed properly"},
	}
}

// runMeasured runs the binary like run does, and also returns its peak
// resident memory.
func runMeasured(t *testing.T, env []string, args ...string) (result, int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(baseEnv(t), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running spotcast %v: %v", args, err)
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss << 10 // kilobytes on Linux
	}
	return r, rss
}

// TestBadFilesExit2NamingTheFile: `import` and `send --csv --dry-run` both
// refuse each bad file with exit 2, a message naming the file and the
// problem, no panic, and bounded memory (the 50 MB line included).
func TestBadFilesExit2NamingTheFile(t *testing.T) {
	for _, bf := range badFiles(t, t.TempDir()) {
		t.Run(bf.name, func(t *testing.T) {
			for _, args := range [][]string{
				{"import", bf.path},
				{"send", "--csv", bf.path, "--content", "x", "--dry-run"},
			} {
				r, rss := runMeasured(t, nil, args...)
				if r.code != 2 || !strings.Contains(r.stderr, bf.path) || !strings.Contains(r.stderr, bf.want) {
					t.Errorf("spotcast %s: want exit 2 naming %s and %q\n%s", args[0], bf.path, bf.want, r)
				}
				if strings.Contains(r.stderr+r.stdout, "panic") || strings.Contains(r.stderr, "goroutine ") {
					t.Errorf("spotcast %s panicked\n%s", args[0], r)
				}
				if args[0] == "send" && strings.Contains(r.stderr, "no recipients: give") {
					t.Errorf("spotcast send added a misleading recipients problem to the --csv one\n%s", r)
				}
				if args[0] == "send" && r.stdout != "" {
					t.Errorf("spotcast send --dry-run printed bodies for a bad file\n%s", r)
				}
				if rss > 150<<20 {
					t.Errorf("spotcast %s %s: peak memory %d MB; want under 150", args[0], bf.name, rss>>20)
				}
				if bf.name == "50 MB line" {
					t.Logf("spotcast %s on a 50 MB line: peak RSS %.1f MB", args[0], float64(rss)/(1<<20))
				}
			}
		})
	}
}

// TestLatin1FileImports: a Latin-1 (Windows-1252) export is not refused;
// its numbers import, names show U+FFFD where a byte is not UTF-8.
func TestLatin1FileImports(t *testing.T) {
	path := filepath.Join(t.TempDir(), "latin1.csv")
	if err := os.WriteFile(path, []byte("Name,Phone\nJos\xe9 \xc1lvarez,+91 98765 00001\nM\xfcller,+91 98765 00002\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "clean.csv")
	r := run(t, runOpts{}, "import", path, "--out", out)
	if r.code != 0 || !strings.Contains(r.stdout, "valid       2") {
		t.Fatalf("want exit 0 and 2 valid\n%s", r)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if want := "phone,name\n919876500001,Jos\uFFFD \uFFFDlvarez\n919876500002,M\uFFFDller\n"; string(b) != want {
		t.Errorf("--out wrote %q, want %q", b, want)
	}
	r = run(t, runOpts{}, "send", "--csv", path, "--content", "x", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, "919876500002") {
		t.Errorf("send --dry-run: want exit 0 with both numbers\n%s", r)
	}
}
