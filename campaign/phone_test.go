package campaign

import (
	"flag"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		raw, region string
		want        string
		reason      string
	}{
		{"+91 98765 43210", "", "919876543210", ""},
		{"+91-98765-43210", "GB", "919876543210", ""},
		{"0091 98765 43210", "", "919876543210", ""},
		{"(+44) 7400 123456", "", "447400123456", ""},
		{"07400 123456", "GB", "447400123456", ""},
		{"07400.123.456", "gb", "447400123456", ""},
		{"098765 43210", "IN", "919876543210", ""},
		{"98765 43210", "IN", "919876543210", ""},
		{"919876543210", "IN", "919876543210", ""},
		{"(202) 555-0143", "US", "12025550143", ""},
		{"'+91 98765 43210", "", "919876543210", ""},
		{"+1 800 FLOWERS", "US", "", "not a phone number (letters)"},
		{"98765 43210", "", "", "no country code: set the default country"},
		{"98765", "IN", "", "too short for IN"},
		{"+91 98765", "", "", "too short for IN"},
		{"+44 7400 123456 456", "", "", "too long for GB"},
		{"+1 123 456 7890", "", "", "not a valid number for US"},
		{"+999 1234 5678", "", "", "unknown country code +999"},
		{"9.19E+11", "IN", "", "spreadsheet turned this number into 9.19E+11 — re-export the column as text"},
		{"9,19E+11", "IN", "", "spreadsheet turned this number into 9,19E+11 — re-export the column as text"},
		{"   ", "IN", "", "no phone number"},
		{"+", "IN", "", "not a phone number"},
		{"#*#", "IN", "", "not a phone number"},
	}
	for _, tt := range tests {
		got, err := NormalizePhone(tt.raw, tt.region)
		reason := ""
		if err != nil {
			reason = err.Error()
		}
		if got != tt.want || reason != tt.reason {
			t.Errorf("NormalizePhone(%q, %q) = %q, %q; want %q, %q", tt.raw, tt.region, got, reason, tt.want, tt.reason)
		}
	}
}

func TestNormalizePhoneBadRegion(t *testing.T) {
	_, err := NormalizePhone("07400 123456", "XX")
	if err == nil || !strings.Contains(err.Error(), `unknown country "XX"`) {
		t.Fatalf("err = %v, want unknown country", err)
	}
}

func TestValidRegion(t *testing.T) {
	for code, want := range map[string]bool{"IN": true, "gb": true, " US ": true, "XX": false, "": false, "001": false} {
		if got := ValidRegion(code); got != want {
			t.Errorf("ValidRegion(%q) = %v, want %v", code, got, want)
		}
	}
}

// The race detector slows the full parser tenfold; a smaller sample keeps
// `go test -race` quick (run with -agreement.n=1000000 for a deep check).
var agreementN = flag.Int("agreement.n", map[bool]int{false: 40000, true: 4000}[raceEnabled], "numbers the fast-path agreement test tries")

// TestFastPathAgreesWithParser checks that every number the fast path
// decides gets the same E.164 result and reason as libphonenumber's
// Parse + IsValidNumber + Format(E164).
func TestFastPathAgreesWithParser(t *testing.T) {
	samples := phoneSamples(rand.New(rand.NewPCG(1, 2)), *agreementN)
	handled := 0
	for _, smp := range samples {
		pr, err := PhoneOptions{DefaultCountry: smp.region}.rules()
		if err != nil {
			t.Fatal(err)
		}
		s, reason := preparePhone(smp.raw, pr)
		if reason != "" {
			continue
		}
		fe, fr, ok := fastNormalize(s, pr.def)
		if !ok {
			continue
		}
		handled++
		se, sr := slowNormalize(s, smp.region)
		if fe != se || fr != sr {
			t.Errorf("%q region %q: fast = %q %q, parser = %q %q", smp.raw, smp.region, fe, fr, se, sr)
		}
	}
	t.Logf("%d samples, %d decided by the fast path", len(samples), handled)
	// The fast path must carry the common shapes, or the budget is lost.
	if handled < len(samples)*7/10 {
		t.Errorf("fast path decided only %d of %d samples", handled, len(samples))
	}
}

type phoneSample struct{ raw, region string }

// phoneSamples builds written numbers from every region's example numbers:
// international, 00, national with prefix, bare digits, and mutated
// (digit changed, dropped, added, truncated) so that invalid ones abound.
func phoneSamples(rng *rand.Rand, n int) []phoneSample {
	var regions []string
	for r := range phonenumbers.GetSupportedRegions() {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	types := []phonenumbers.PhoneNumberType{phonenumbers.MOBILE, phonenumbers.FIXED_LINE,
		phonenumbers.TOLL_FREE, phonenumbers.PREMIUM_RATE, phonenumbers.VOIP,
		phonenumbers.SHARED_COST, phonenumbers.PERSONAL_NUMBER, phonenumbers.UAN, phonenumbers.PAGER}
	type ex struct {
		cc     int
		nsn    string
		region string
		num    *phonenumbers.PhoneNumber
	}
	var exs []ex
	for _, r := range regions {
		for _, ty := range types {
			if num := phonenumbers.GetExampleNumberForType(r, ty); num != nil {
				exs = append(exs, ex{int(num.GetCountryCode()), phonenumbers.GetNationalSignificantNumber(num), r, num})
			}
		}
	}
	for cc := range phonenumbers.GetSupportedGlobalNetworkCallingCodes() {
		if num := phonenumbers.GetExampleNumberForNonGeoEntity(cc); num != nil {
			exs = append(exs, ex{cc, phonenumbers.GetNationalSignificantNumber(num), "001", num})
		}
	}
	sort.Slice(exs, func(i, j int) bool {
		if exs[i].region != exs[j].region {
			return exs[i].region < exs[j].region
		}
		return exs[i].nsn < exs[j].nsn
	})
	mutate := func(d string) string {
		b := []byte(d)
		switch rng.IntN(6) {
		case 0:
			if len(b) > 0 {
				b[rng.IntN(len(b))] = byte('0' + rng.IntN(10))
			}
		case 1:
			if len(b) > 1 {
				i := rng.IntN(len(b))
				b = append(b[:i], b[i+1:]...)
			}
		case 2:
			i := rng.IntN(len(b) + 1)
			b = append(b[:i], append([]byte{byte('0' + rng.IntN(10))}, b[i:]...)...)
		case 3:
			b = b[:rng.IntN(len(b)+1)]
		case 4:
			b = b[:0]
			for k := 3 + rng.IntN(14); k > 0; k-- {
				b = append(b, byte('0'+rng.IntN(10)))
			}
		}
		return string(b)
	}
	seps := []string{"", " ", "-", ".", " (", ") ", "/"}
	sprinkle := func(d string) string {
		if rng.IntN(2) == 0 {
			return d
		}
		var sb strings.Builder
		for i := 0; i < len(d); i++ {
			if i > 0 && rng.IntN(4) == 0 {
				sb.WriteString(seps[rng.IntN(len(seps))])
			}
			sb.WriteByte(d[i])
		}
		return sb.String()
	}
	out := make([]phoneSample, 0, n)
	for len(out) < n {
		e := exs[rng.IntN(len(exs))]
		nsn := e.nsn
		if rng.IntN(3) > 0 {
			nsn = mutate(nsn)
		}
		cc := strconv.Itoa(e.cc)
		var raw string
		switch rng.IntN(7) {
		case 0:
			raw = "+" + cc + " " + sprinkle(nsn)
		case 1:
			raw = "00" + cc + sprinkle(nsn)
		case 2:
			raw = sprinkle(cc + nsn)
		case 3:
			raw = sprinkle(nsn)
		case 4:
			raw = phonenumbers.Format(e.num, phonenumbers.NATIONAL)
			if rng.IntN(2) == 0 {
				raw = mutate(phonenumbers.NormalizeDigitsOnly(raw))
			}
		case 5:
			raw = phonenumbers.Format(e.num, phonenumbers.INTERNATIONAL)
		case 6:
			raw = "+" + sprinkle(mutate(cc+nsn))
		}
		region := ""
		switch rng.IntN(3) {
		case 0:
			if e.region != "001" {
				region = e.region
			}
		case 1:
			region = regions[rng.IntN(len(regions))]
		}
		out = append(out, phoneSample{raw, region})
	}
	return out
}
