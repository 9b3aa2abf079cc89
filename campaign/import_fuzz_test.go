package campaign

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

var fuzzRegions = func() []string {
	rs := []string{""}
	for r := range phonenumbers.GetSupportedRegions() {
		rs = append(rs, r)
	}
	sort.Strings(rs[1:])
	return rs
}()

// FuzzNormalizePhone: whatever the fast path decides, the full parser
// decides the same; NormalizePhone never panics and only returns digits.
func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"+91 98765 43210", "0091 98765-43210", "07400 123456", "(202) 555-0143",
		"+1 800 FLOWERS", "9.19E+11", "+999 1234 5678", "919876543210", "011 44 20 7946 0958", "+", "00",
		"+0 12345", "12", "+44 (0) 20 7946 0958", "8 (812) 123-45-67", "+54 9 11 1234-5678", "0 800 123 456",
		"+39 06 1234 5678", "++91 98765 43210", "+91 98765 43210 ext 12", "१२३४५६७८९०", "+12 34 56 78 9012 3456 7890",
		"008 1 201-555-0163", "0011 44 20 7946 0958", "001 82 2 312 3456", "000 0 123", "\u202a+91 98765 43210\u202c",
		"\u2066919876543210\u2069", "\u200e0011 61 2 9876 5432"} {
		for _, r := range []uint8{0, 1, 50, 100, 200} {
			f.Add(s, r)
		}
	}
	f.Fuzz(func(t *testing.T, raw string, ri uint8) {
		region := fuzzRegions[int(ri)%len(fuzzRegions)]
		got, err := NormalizePhone(raw, region)
		if err == nil && (got == "" || strings.Trim(got, "0123456789") != "" || got[0] == '0') {
			t.Fatalf("NormalizePhone(%q, %q) = %q", raw, region, got)
		}
		if err != nil && got != "" {
			t.Fatalf("NormalizePhone(%q, %q) = %q with error %v", raw, region, got, err)
		}
		pr, _ := PhoneOptions{DefaultCountry: region}.rules()
		s, reason := preparePhone(raw, pr)
		if reason != "" {
			return
		}
		fe, fr, ok := fastNormalize(s, pr.def)
		if !ok {
			return
		}
		se, sr := slowNormalize(s, region)
		if fe != se || fr != sr {
			t.Fatalf("%q region %q: fast = %q %q, parser = %q %q", raw, region, fe, fr, se, sr)
		}
	})
}

// FuzzImport: any input either fails with an error or yields a report
// whose counts and contents are consistent.
func FuzzImport(f *testing.F) {
	for _, s := range []string{
		"phone,name\n+91 98765 43210,Asha\n",
		"Name;Mobile\r\n\"A;B\";+44 7400 123456\r\n",
		"07400 123456,Alice\n\n07400 123456,Again\n",
		"phone\n\"+91 98765\n43210\"\n,,\n9.19E+11\n",
		"\xef\xbb\xbfWhatsApp\t x\n+1 (415) 555-2671\t\x1b[31m\n",
		"\xff\xfeN\x00a\x00m\x00e\x00\t\x00P\x00h\x00o\x00n\x00e\x00\r\x00\n\x00",
		"phone,name\n\"unterminated,x\n",
		"phone\n+44 7400 123456 ::: +44 7400 123456 ; 0044 7400 123457\n",
		"",
		"\x00\x01",
		"Name,Mobile\r\"A\rB\",+91 98765 43210\r\rC,0011 44 20 7946 0958\r",
		"phone,name\n+91 98765 43210,Asha \"the boss\"\n\"+44 7400 123456\",\"x\"\"y\"\n",
		"Name,Phone 1 - Type,Phone 1 - Value,Phone 2 - Type,Phone 2 - Value\nA,workFax,+91 20 2612 9999,Mobile,+91 98765 43210\nB,,,,\n",
		"BEGIN:VCARD\nFN:A\nTEL;TYPE=CELL:+91 98765\n 43210\nitem1.TEL:+44 7400 123456\nitem1.X-ABLabel:Mobile\nEND:VCARD\nBEGIN:VCARD\nTEL;FAX:1\n",
	} {
		f.Add(s, "", uint8(0))
		f.Add(s, "phone", uint8(90))
	}
	f.Fuzz(func(t *testing.T, in, column string, ri uint8) {
		region := fuzzRegions[int(ri)%len(fuzzRegions)]
		rep, err := Import(context.Background(), strings.NewReader(in), int64(len(in)), ImportOptions{PhoneColumn: column, DefaultCountry: region, Workers: 2, International: ri%7 == 3})
		if err != nil {
			if rep != nil {
				t.Fatal("report and error both returned")
			}
			return
		}
		if rep.Valid != len(rep.Recipients) || rep.Invalid != len(rep.Problems)+rep.ProblemsOmitted || len(rep.Problems) > MaxProblems || rep.Rows < 0 || rep.Duplicates < 0 {
			t.Fatalf("inconsistent counts: %+v", rep)
		}
		if rep.Valid+rep.Invalid+rep.Duplicates < rep.Rows {
			t.Fatalf("rows lost: %+v", rep)
		}
		lines := strings.Count(in, "\n") + strings.Count(in, "\r") + 1
		seen := map[string]bool{}
		last := 0
		for _, r := range rep.Recipients {
			if seen[r.Phone] || r.Phone == "" || strings.Trim(r.Phone, "0123456789") != "" {
				t.Fatalf("bad or repeated recipient %q", r.Phone)
			}
			seen[r.Phone] = true
			if r.Line < 1 || r.Line < last || r.Line > lines {
				t.Fatalf("recipient line %d (previous %d, file has %d)", r.Line, last, lines)
			}
			last = r.Line
		}
		for _, p := range rep.Problems {
			if p.Line < 1 || p.Line > lines || p.Reason == "" {
				t.Fatalf("bad problem %+v", p)
			}
		}
	})
}
