package campaign

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

func phonesAndLines(rep *ImportReport) []string {
	var out []string
	for _, r := range rep.Recipients {
		out = append(out, fmt.Sprintf("%d:%s:%s", r.Line, r.Phone, r.Name))
	}
	return out
}

// importEveryWay imports s whole, one byte at a time and in halves: the
// result must not depend on how reads are split.
func importEveryWay(t *testing.T, s string, opts ImportOptions) *ImportReport {
	t.Helper()
	var first *ImportReport
	for name, r := range map[string]io.Reader{
		"whole":    strings.NewReader(s),
		"one byte": iotest.OneByteReader(strings.NewReader(s)),
		"half":     iotest.HalfReader(strings.NewReader(s)),
	} {
		rep, err := Import(context.Background(), r, int64(len(s)), opts)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if first == nil {
			first = rep
		} else if !reflect.DeepEqual(first, rep) {
			t.Fatalf("%s read gives another report:\n%+v\n%+v", name, rep, first)
		}
	}
	return first
}

func TestImportCROnlyLineEnds(t *testing.T) {
	rep := importFile(t, fixtures+"excel_mac_cr.csv", ImportOptions{DefaultCountry: "IN"})
	want := []string{"2:919876500011:Asha Rao", "3:919876500012:Ben"}
	if got := phonesAndLines(rep); !reflect.DeepEqual(got, want) || rep.Rows != 3 || rep.Invalid != 1 || rep.Problems[0].Line != 5 {
		t.Fatalf("got %v, report %+v", got, rep)
	}
	// A quoted cell with a CR-only line break inside it stays one record.
	rep = importEveryWay(t, "phone,name\r+91 98765 00011,\"Asha\rRao\"\r+91 98765 00012,Ben\r", ImportOptions{})
	if got := phonesAndLines(rep); !reflect.DeepEqual(got, []string{"2:919876500011:Asha\nRao", "4:919876500012:Ben"}) {
		t.Fatalf("got %v", got)
	}
	// In a file with LF line ends a lone CR stays text in its cell.
	rep = importEveryWay(t, "phone,name\n+91 98765 00011,Asha\rRao\n", ImportOptions{})
	if rep.Rows != 1 || rep.Valid != 1 {
		t.Fatalf("report %+v", rep)
	}
}

func TestImportBareQuoteIsReadWithAWarning(t *testing.T) {
	in := "phone,name,note\n+91 98765 43210,ok,\"quoted \"\"fine\"\"\"\n+44 7400 123456,Asha \"the boss\",x\r\n+44 7400 123457,\"multi\nline\",Bo\"b\n"
	rep := importEveryWay(t, in, ImportOptions{})
	want := []string{"2:919876543210:ok", "3:447400123456:Asha \"the boss\"", "4:447400123457:multi\nline"}
	if got := phonesAndLines(rep); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q", got)
	}
	if len(rep.Warnings) != 2 || rep.Warnings[0].Line != 3 || rep.Warnings[0].Value != `Asha "the boss"` ||
		rep.Warnings[1].Line != 5 || !strings.Contains(rep.Warnings[0].Reason, `a " inside a cell that is not quoted`) {
		t.Fatalf("warnings %+v", rep.Warnings)
	}
	// A headerless file whose first row has one, and a header with one.
	rep = importEveryWay(t, "+91 98765 43210,Asha \"A\"\n", ImportOptions{})
	if rep.Valid != 1 || len(rep.Warnings) != 1 || rep.Warnings[0].Line != 1 {
		t.Fatalf("report %+v", rep)
	}
	// An unclosed quoted field is still refused.
	if _, err := importString("phone,name\n+91 98765 43210,\"Asha\n+44 7400 123456,Bob\n", ImportOptions{}); err == nil ||
		!strings.Contains(err.Error(), "not closed properly") {
		t.Fatalf("err %v", err)
	}
}

func TestImportGoogleTypedPhoneColumns(t *testing.T) {
	in := "Name,Phone 1 - Type,Phone 1 - Value,Phone 2 - Type,Phone 2 - Value,Phone 3 - Type,Phone 3 - Value\n" +
		"Asha,Home,+91 20 2612 3456,Mobile,+91 98765 00041,workFax,+91 20 2612 9999\n" +
		"Ben,* Mobile,+91 98765 00042 ::: +91 98765 00043,,,,\n" +
		"Chen,workFax,+91 20 2612 8888,,,,\n" +
		"Dev,Work,+91 20 2612 7777,Home,+91 98765 00044,,\n" +
		"Esha,,,,,,\n" +
		",,,,,,\n"
	rep := importEveryWay(t, in, ImportOptions{})
	want := []string{"2:919876500041:Asha", "3:919876500042:Ben", "3:919876500043:Ben", "5:912026127777:Dev"}
	if got := phonesAndLines(rep); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q", got)
	}
	if rep.Rows != 5 || rep.NoMobile != 3 || rep.Invalid != 2 || rep.Problems[0].Line != 4 || rep.Problems[0].Reason != reasonFaxOnly ||
		rep.Problems[1].Line != 6 || rep.Problems[1].Reason != reasonEmpty || !strings.Contains(rep.Source, "mobile first") {
		t.Fatalf("report %+v", rep)
	}
	// A column of its own named for WhatsApp still wins over the typed pairs.
	rep = importEveryWay(t, "Name,WhatsApp,Phone 1 - Type,Phone 1 - Value\nAsha,+91 98765 00045,Mobile,+91 98765 00046\n", ImportOptions{})
	if got := phonesAndLines(rep); !reflect.DeepEqual(got, []string{"2:919876500045:Asha"}) || rep.Source != "" {
		t.Fatalf("got %q", got)
	}
}

// The real Google export: no fax number becomes a recipient, and every
// contact with a mobile number gives it.
func TestImportRealGoogleExport(t *testing.T) {
	path := "/work/shared/external-suites/realworld/google_contacts_2017_export.csv"
	rep := importFile(t, path, ImportOptions{DefaultCountry: "IN"})
	if rep.Rows != 257 || rep.Source == "" || rep.NoMobile == 0 || rep.Valid == 0 {
		t.Fatalf("report rows %d valid %d noMobile %d source %q", rep.Rows, rep.Valid, rep.NoMobile, rep.Source)
	}
	t.Logf("rows %d valid %d invalid %d duplicates %d, %d contacts without a mobile", rep.Rows, rep.Valid, rep.Invalid, rep.Duplicates, rep.NoMobile)
	// Independently: the numbers typed as a fax in the file.
	faxes := map[string]bool{}
	rows := strings.Split(readFileString(t, path), "\n")
	for _, l := range rows {
		if i := strings.Index(l, "workFax,"); i >= 0 {
			v := strings.SplitN(l[i+len("workFax,"):], ",", 2)[0]
			if p, err := NormalizePhone(v, "IN"); err == nil {
				faxes[p] = true
			}
		}
	}
	for _, r := range rep.Recipients {
		if faxes[r.Phone] {
			t.Errorf("line %d: the fax number %s became a recipient", r.Line, r.Phone)
		}
	}
}

func TestImportVCard(t *testing.T) {
	rep := importFile(t, fixtures+"iphone_export.vcf", ImportOptions{DefaultCountry: "IN"})
	want := []string{"7:919876500021:Asha Rao", "8:919876500022:Asha Rao", "17:919876500023:Bilal Khan", "30:919876500024:Long Photo"}
	if got := phonesAndLines(rep); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q", got)
	}
	if rep.Rows != 4 || rep.NoMobile != 2 || rep.Invalid != 1 || rep.Problems[0].Line != 22 || rep.Problems[0].Reason != reasonFaxOnly {
		t.Fatalf("report %+v", rep)
	}
	rep = importFile(t, fixtures+"android_export.vcf", ImportOptions{})
	want = []string{"5:919876500031:Asha Rao", "11:919876500032:Dev Patel"}
	if got := phonesAndLines(rep); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q", got)
	}
	if rep.Rows != 3 || rep.Invalid != 1 || rep.Problems[0].Line != 14 || rep.Problems[0].Reason != reasonEmpty {
		t.Fatalf("report %+v", rep)
	}
	// CRLF, folded TEL lines and reads split anywhere.
	crlf := strings.ReplaceAll(readFileString(t, fixtures+"iphone_export.vcf"), "\n", "\r\n")
	rep2 := importEveryWay(t, crlf, ImportOptions{DefaultCountry: "IN"})
	if got := phonesAndLines(rep2); !reflect.DeepEqual(got, []string{"7:919876500021:Asha Rao", "8:919876500022:Asha Rao", "17:919876500023:Bilal Khan", "30:919876500024:Long Photo"}) {
		t.Fatalf("CRLF: got %q", got)
	}
	// A NUL byte is refused as in a CSV file.
	if _, err := importString("BEGIN:VCARD\nFN:x\x00\nEND:VCARD\n", ImportOptions{}); err == nil || !strings.Contains(err.Error(), "line 2 holds binary data") {
		t.Fatalf("err %v", err)
	}
}

// A file of bad rows keeps only the first MaxProblems in full and counts
// the rest; the heap does not grow with the count.
func TestImportProblemsAreCapped(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("phone\n+91 98765 43210\n")
	for i := range 300_000 {
		fmt.Fprintf(&b, "bad number %d\n", i)
	}
	var rep *ImportReport
	grow := heapGrowth(t, func() {
		var err error
		rep, err = Import(context.Background(), bytes.NewReader(b.Bytes()), int64(b.Len()), ImportOptions{
			OnRecipient: func(Recipient) error { return nil }})
		if err != nil {
			t.Fatal(err)
		}
	})
	if rep.Rows != 300_001 || rep.Valid != 1 || rep.Invalid != 300_000 || len(rep.Problems) != MaxProblems || rep.ProblemsOmitted != 300_000-MaxProblems ||
		rep.Problems[MaxProblems-1].Line != MaxProblems+2 {
		t.Fatalf("rows %d invalid %d problems %d omitted %d", rep.Rows, rep.Invalid, len(rep.Problems), rep.ProblemsOmitted)
	}
	t.Logf("heap growth for 300,000 bad rows: %.1f MB", float64(grow)/(1<<20))
	if grow > 32<<20 { // the input is 4 MB; garbage awaiting the GC is most of it
		t.Errorf("heap grew by %d MB for bad rows", grow>>20)
	}
}

// With OnRecipient the recipients stream out in file order and the report
// keeps none; an error from the sink ends the import with that error.
func TestImportOnRecipientStreams(t *testing.T) {
	in := genContacts(20000, 3)
	want, err := importString(in, ImportOptions{DefaultCountry: "IN", Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	var got []Recipient
	rep, err := importString(in, ImportOptions{DefaultCountry: "IN", Workers: 3, OnRecipient: func(r Recipient) error {
		got = append(got, r)
		return nil
	}})
	if err != nil || rep.Recipients != nil || !reflect.DeepEqual(got, want.Recipients) || rep.Valid != want.Valid {
		t.Fatalf("streamed %d of %d, err %v", len(got), len(want.Recipients), err)
	}
	stop := fmt.Errorf("disk full")
	n := 0
	_, err = importString(in, ImportOptions{DefaultCountry: "IN", OnRecipient: func(Recipient) error {
		n++
		return stop
	}})
	if err != stop || n != 1 {
		t.Fatalf("err %v after %d calls", err, n)
	}
}

func TestImportInternational(t *testing.T) {
	rep := importEveryWay(t, "phone\n919876543210\n447400123456\n14155552671\n07400 123456\n", ImportOptions{International: true})
	if got := phonesAndLines(rep); !reflect.DeepEqual(got, []string{"2:919876543210:", "3:447400123456:", "4:14155552671:"}) ||
		rep.Problems[0].Reason != reasonIntlZero {
		t.Fatalf("got %q %+v", got, rep.Problems)
	}
}

func readFileString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
