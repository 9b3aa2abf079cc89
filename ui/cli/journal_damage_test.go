package cli_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"spotcast/campaign"
)

// `spotcast jobs` on a journal with a damaged line naming batch 999999
// reports the line and lists the rest, in a few megabytes: the index is
// never allocated for.
func TestJobsReportsAnAbsurdBatchIndex(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	if err := os.MkdirAll(state, 0o700); err != nil {
		t.Fatal(err)
	}
	damaged := `{"event":"accepted","at":"2025-01-02T03:04:05Z","campaignId":"cmp_lost","batch":999999,"jobId":"job_9","status":"PROCESSING","note":"`
	damaged += strings.Repeat("x", 465-len(damaged)-2) + `"}`
	journal := strings.Join([]string{
		`{"event":"created","at":"2025-01-02T03:04:05Z","campaignId":"cmp_ok","type":"TEXT","recipients":1,"batches":[{"index":0,"recipients":1}]}`,
		damaged,
		`{"event":"accepted","at":"2025-01-02T03:04:06Z","campaignId":"cmp_ok","batch":0,"jobId":"job_1","status":"PROCESSING"}`,
	}, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(state, "journal.jsonl"), []byte(journal), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "jobs", "--json")
	cmd.Env = append(baseEnv(t), "SPOTCAST_STATE_DIR="+state)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("jobs --json: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "journal.jsonl line 2: campaign cmp_lost: batch index 999999 is far past") {
		t.Errorf("the damaged line was not reported with its number:\n%s", stderr.String())
	}
	var recs []campaign.CampaignRecord
	if err := json.Unmarshal([]byte(stdout.String()), &recs); err != nil {
		t.Fatalf("jobs --json is not JSON: %v\n%s", err, stdout.String())
	}
	if len(recs) != 1 || recs[0].CampaignID != "cmp_ok" || recs[0].Batches[0].JobID != "job_1" {
		t.Errorf("want only the good campaign, with its job:\n%s", stdout.String())
	}
	// Peak memory of the whole process (Linux reports KiB): a list of
	// 999999 batches would take hundreds of megabytes.
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > 100<<10 {
		t.Errorf("jobs peaked at %d KiB, want under 100 MiB", ru.Maxrss)
	}
}
