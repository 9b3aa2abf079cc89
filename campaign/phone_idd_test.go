package campaign

import (
	"bufio"
	"encoding/json"
	"os"
	"sort"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// A number written with the default country's own international prefix is
// international, as libphonenumber reads it: "008" from Indonesia is the
// way out of the country, not the start of a Japanese +81 number.
func TestNormalizeOwnInternationalPrefix(t *testing.T) {
	for _, tt := range []struct{ raw, region, want string }{
		{"008 1 201-555-0163", "ID", "12015550163"},
		{"0011 44 20 7946 0958", "AU", "442079460958"},
		{"001 1 201 555 0163", "KR", "12015550163"},
		{"001 1 201 555 0163", "HK", "12015550163"},
		{"001 1 201 555 0163", "TH", "12015550163"},
		{"000 44 20 7946 0958", "SG", "442079460958"},
		{"000 44 20 7946 0958", "KE", "442079460958"},
		{"002 44 20 7946 0958", "TW", "442079460958"},
		{"011 44 20 7946 0958", "US", "442079460958"},
		{"0044 20 7946 0958", "IN", "442079460958"}, // 00 is India's own prefix
		{"0044 20 7946 0958", "US", "442079460958"}, // and means international everywhere
		{"0044 20 7946 0958", "", "442079460958"},
		{"08123 456 789", "ID", "628123456789"}, // national, not an IDD
	} {
		got, err := NormalizePhone(tt.raw, tt.region)
		if got != tt.want {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v; want %q", tt.raw, tt.region, got, err, tt.want)
		}
	}
}

// For every region, a number written after its preferred international
// prefix normalises as libphonenumber's own Parse decides.
func TestOwnInternationalPrefixAgreesWithParser(t *testing.T) {
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		t.Fatal(err)
	}
	tried := 0
	for _, m := range coll.GetMetadata() {
		id := m.GetId()
		if id == "001" {
			continue
		}
		idd := m.GetPreferredInternationalPrefix()
		if idd == "" {
			idd = m.GetInternationalPrefix()
		}
		if !allDigits(idd) {
			continue
		}
		for _, rest := range []string{" 1 201 555 0163", " 44 7400 123456", " 91 98765 43210", "-61-2-9876-5432"} {
			raw := idd + rest
			want, wantReason := slowNormalize(raw, id)
			got, err := NormalizePhone(raw, id)
			reason := ""
			if err != nil {
				reason = err.Error()
			}
			if got != want || reason != wantReason {
				t.Errorf("%s %q: got %q %q, libphonenumber %q %q", id, raw, got, reason, want, wantReason)
			}
			tried++
		}
	}
	if tried < 600 {
		t.Fatalf("only %d numbers tried", tried)
	}
}

// WhatsApp on Android wraps copied numbers in direction marks.
func TestNormalizeStripsDirectionMarks(t *testing.T) {
	for _, raw := range []string{"\u202a+91 98765 43210\u202c", "\u2066+91 98765 43210\u2069", "\u200e+91\u00a098765\u200f43210",
		"\u202b+91 98765 43210\u202c", "\u202d+91 98765 43210\u202e", "\u2067\u2068+91 98765 43210\u2069", "\ufeff+91 98765 43210\u200b"} {
		got, err := NormalizePhone(raw, "")
		if got != "919876543210" {
			t.Errorf("NormalizePhone(%q) = %q, %v", raw, got, err)
		}
	}
}

// The API's own form: country code and number, no '+', any country.
func TestNormalizeInternational(t *testing.T) {
	for _, tt := range []struct {
		raw, region, want, reason string
	}{
		{"919876543210", "", "919876543210", ""},
		{"447400123456", "", "447400123456", ""},
		{"1 415 555 2671", "", "14155552671", ""},
		{"+49 30 901820", "", "4930901820", ""},
		{"0049 30 901820", "", "4930901820", ""},
		{"447400123456", "IN", "447400123456", ""}, // not read as an Indian number
		{"07400 123456", "GB", "447400123456", ""}, // a leading 0 is national with a default country
		{"07400 123456", "", "", reasonIntlZero},   // and says why without one
		{"999 1234 5678", "", "", "unknown country code +999"},
	} {
		got, err := PhoneOptions{DefaultCountry: tt.region, International: true}.Normalize(tt.raw)
		reason := ""
		if err != nil {
			reason = err.Error()
		}
		if got != tt.want || reason != tt.reason {
			t.Errorf("international %q (%q) = %q %q; want %q %q", tt.raw, tt.region, got, reason, tt.want, tt.reason)
		}
	}
}

// The external libphonenumber test inputs: the fast path and the full parser
// decide the same, and nothing panics, under every reading.
func TestExternalPhoneInputs(t *testing.T) {
	f, err := os.Open("../../shared/external-suites/nyaruka_phonenumbers_test_inputs.jsonl")
	if err != nil {
		f, err = os.Open("/work/shared/external-suites/nyaruka_phonenumbers_test_inputs.jsonl")
	}
	if err != nil {
		t.Skip("external suite not present:", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	regions := map[string]bool{}
	for sc.Scan() {
		var in map[string]any
		if err := json.Unmarshal(sc.Bytes(), &in); err != nil {
			t.Fatal(err)
		}
		raw, _ := in["raw"].(string)
		region, _ := in["region"].(string)
		if !ValidRegion(region) {
			region = ""
		}
		regions[region] = true
		for _, intl := range []bool{false, true} {
			pr, _ := PhoneOptions{DefaultCountry: region, International: intl}.rules()
			s, reason := preparePhone(raw, pr)
			if reason != "" {
				continue
			}
			if fe, fr, ok := fastNormalize(s, pr.def); ok {
				if se, sr := slowNormalize(s, region); fe != se || fr != sr {
					t.Errorf("%q %q: fast %q %q, parser %q %q", raw, region, fe, fr, se, sr)
				}
			}
			n++
		}
	}
	keys := make([]string, 0, len(regions))
	for r := range regions {
		keys = append(keys, r)
	}
	sort.Strings(keys)
	if n < 500 {
		t.Fatalf("only %d inputs read (regions %v)", n, keys)
	}
}
