package campaign

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestUploadMetaRoundTrip(t *testing.T) {
	csv := filepath.Join(t.TempDir(), "march.csv")
	if m, err := ReadUploadMeta(csv); m != nil || err != nil {
		t.Fatalf("no sidecar: got %+v, %v; want nil, nil", m, err)
	}
	want := UploadMeta{PhoneColumn: "Mobile", DefaultCountry: "IN", Rows: 3, Valid: 2, CheckedAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	if err := WriteUploadMeta(csv, want); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(UploadMetaPath(csv))
	for _, k := range []string{`"phoneColumn": "Mobile"`, `"defaultCountry": "IN"`, `"rows": 3`, `"valid": 2`, `"checkedAt": "2026-03-01T09:00:00Z"`} {
		if !strings.Contains(string(data), k) {
			t.Errorf("sidecar lacks %s:\n%s", k, data)
		}
	}
	got, err := ReadUploadMeta(csv)
	if err != nil || got == nil || *got != want {
		t.Fatalf("read back %+v, %v; want %+v", got, err, want)
	}
	if o := got.Options(); o.PhoneColumn != "Mobile" || o.DefaultCountry != "IN" || o.International {
		t.Errorf("Options() = %+v", o)
	}
	if err := os.WriteFile(UploadMetaPath(csv), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadUploadMeta(csv); err == nil || !strings.Contains(err.Error(), ".march.csv.json") || strings.Contains(err.Error(), filepath.Dir(csv)) {
		t.Errorf("broken sidecar: err %v; want one naming march.csv.json without the folder", err)
	}
}
