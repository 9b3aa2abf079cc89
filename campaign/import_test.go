package campaign

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

type wantRecipient struct {
	phone string
	line  int
	name  string
}

type wantProblem struct {
	line   int
	value  string
	reason string
}

type fixtureCase struct {
	file       string
	opts       ImportOptions
	rows       int
	column     string
	hasNames   bool
	duplicates int
	recipients []wantRecipient
	problems   []wantProblem
}

func importFile(t *testing.T, path string, opts ImportOptions) *ImportReport {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Import(context.Background(), f, st.Size(), opts)
	if err != nil {
		t.Fatalf("Import(%s): %v", path, err)
	}
	return rep
}

func checkReport(t *testing.T, rep *ImportReport, fc fixtureCase) {
	t.Helper()
	if rep.Rows != fc.rows || rep.Column != fc.column || rep.HasNames != fc.hasNames || rep.Duplicates != fc.duplicates {
		t.Errorf("rows=%d column=%q hasNames=%v duplicates=%d; want %d %q %v %d",
			rep.Rows, rep.Column, rep.HasNames, rep.Duplicates, fc.rows, fc.column, fc.hasNames, fc.duplicates)
	}
	var got []wantRecipient
	for _, r := range rep.Recipients {
		got = append(got, wantRecipient{r.Phone, r.Line, r.Name})
	}
	if !reflect.DeepEqual(got, fc.recipients) {
		t.Errorf("recipients:\n got %+v\nwant %+v", got, fc.recipients)
	}
	var probs []wantProblem
	for _, p := range rep.Problems {
		probs = append(probs, wantProblem{p.Line, p.Value, p.Reason})
	}
	if !reflect.DeepEqual(probs, fc.problems) {
		t.Errorf("problems:\n got %+v\nwant %+v", probs, fc.problems)
	}
	if rep.Valid != len(rep.Recipients) || rep.Invalid != len(rep.Problems) {
		t.Errorf("valid=%d invalid=%d, but %d recipients and %d problems", rep.Valid, rep.Invalid, len(rep.Recipients), len(rep.Problems))
	}
}

const fixtures = "../testdata/contacts/"

func TestImportFixtures(t *testing.T) {
	const sci = "spreadsheet turned this number into 9.19E+11 — re-export the column as text"
	cases := []fixtureCase{{
		file: "google_contacts.csv", rows: 6, column: "Phone 1 - Value", hasNames: true, duplicates: 1,
		recipients: []wantRecipient{
			{"919876543210", 2, "Asha Rao"},
			{"447400123456", 3, "Ben Carter"},
			{"447400123457", 3, "Ben Carter"},
			{"14155552671", 4, "Chen Wei"},
		},
		problems: []wantProblem{
			{6, "+91 98765", "too short for IN"},
			{7, "", "no phone number"},
		},
	}, {
		file: "outlook.csv", opts: ImportOptions{DefaultCountry: "GB"}, rows: 5, column: "Mobile Phone", hasNames: true, duplicates: 1,
		recipients: []wantRecipient{
			{"447400123456", 2, "Alice Smith"},
			{"447911123456", 3, "Bob Jones"},
		},
		problems: []wantProblem{
			{4, "+44 7400 12", "too short for GB"},
			{5, "", "no phone number"},
		},
	}, {
		file: "outlook.csv", opts: ImportOptions{DefaultCountry: "gb", PhoneColumn: "business phone"}, rows: 5, column: "Business Phone", hasNames: true,
		recipients: []wantRecipient{
			{"442079460958", 2, "Alice Smith"},
			{"442079460959", 5, "Dan Brown"},
		},
		problems: []wantProblem{
			{3, "", "no phone number"},
			{4, "", "no phone number"},
			{6, "", "no phone number"},
		},
	}, {
		file: "excel_semicolon_bom.csv", rows: 5, column: "Mobile", hasNames: true,
		recipients: []wantRecipient{
			{"919876543210", 2, "Ravi Kumar"},
			{"34612345678", 4, "José Álvarez"},
			{"447400123456", 5, "Smith; John"},
		},
		problems: []wantProblem{
			{3, "9.19E+11", sci},
			{6, "919876543210", "no country code: set the default country"},
		},
	}, {
		file: "excel_semicolon_bom.csv", opts: ImportOptions{DefaultCountry: "IN"}, rows: 5, column: "Mobile", hasNames: true, duplicates: 1,
		recipients: []wantRecipient{
			{"919876543210", 2, "Ravi Kumar"},
			{"34612345678", 4, "José Álvarez"},
			{"447400123456", 5, "Smith; John"},
		},
		problems: []wantProblem{{3, "9.19E+11", sci}},
	}, {
		file: "excel_unicode.txt", rows: 5, column: "Phone Number", hasNames: true,
		recipients: []wantRecipient{
			{"4930901820", 2, "Zoë Müller"},
			{"306912345678", 3, "Ελένη Παπαδοπούλου"},
			{"8613123456789", 4, "李雷"},
			{"919876543210", 5, "Sam 🚀"},
		},
		problems: []wantProblem{{6, "+999 1234 5678", "unknown country code +999"}},
	}, {
		file: "headerless_national.csv", opts: ImportOptions{DefaultCountry: "GB"}, rows: 6, column: "column 1", duplicates: 1,
		recipients: []wantRecipient{
			{"447400123456", 1, ""},
			{"447911123456", 2, ""},
			{"442079460958", 3, ""},
			{"919876543210", 4, ""},
		},
		problems: []wantProblem{{6, "0740", "too short for GB"}},
	}, {
		file: "headerless_national.csv", rows: 6, column: "column 1",
		recipients: []wantRecipient{{"919876543210", 4, ""}},
		problems: []wantProblem{
			{1, "07400 123456", "no country code: set the default country"},
			{2, "07911 123456", "no country code: set the default country"},
			{3, "020 7946 0958", "no country code: set the default country"},
			{5, "07400 123456", "no country code: set the default country"},
			{6, "0740", "no country code: set the default country"},
		},
	}, {
		file: "messy.csv", rows: 12, column: "phone", hasNames: true, duplicates: 2,
		recipients: []wantRecipient{
			{"919876543210", 2, "Asha"},
			{"447911123456", 5, "Bob\nBuilder"},
			{"919999999999", 11, Sanitize("\x1b[31mRed\x1b[0m Evil\x07")},
			{"447400123456", 15, "Semi"},
			{"14155552671", 17, "Spaced Out"},
		},
		problems: []wantProblem{
			{9, "call me maybe", "not a phone number (letters)"},
			{10, "+1 800 FLOWERS", "not a phone number (letters)"},
			{13, "9.19E+11", sci},
			{14, "+999 1234 5678", "unknown country code +999"},
			{16, Sanitize("\x1b[2J+44 7400\x1b[31m"), "not a phone number (letters)"},
			{18, "", "no phone number"},
		},
	}}
	for _, fc := range cases {
		t.Run(fc.file+"/"+fc.opts.DefaultCountry+fc.opts.PhoneColumn, func(t *testing.T) {
			checkReport(t, importFile(t, fixtures+fc.file, fc.opts), fc)
		})
	}
}

func importString(s string, opts ImportOptions) (*ImportReport, error) {
	return Import(context.Background(), strings.NewReader(s), int64(len(s)), opts)
}

// TestImportUTF16 reads the Unicode-text fixture as little- and big-endian
// UTF-16, whole and one byte at a time (surrogate pairs split across reads).
func TestImportUTF16(t *testing.T) {
	le, err := os.ReadFile(fixtures + "excel_unicode.txt")
	if err != nil {
		t.Fatal(err)
	}
	be := make([]byte, len(le))
	for i := 0; i+1 < len(le); i += 2 {
		be[i], be[i+1] = le[i+1], le[i]
	}
	want := importFile(t, fixtures+"excel_unicode.txt", ImportOptions{})
	for name, r := range map[string]io.Reader{
		"be":          bytes.NewReader(be),
		"le one byte": iotest.OneByteReader(bytes.NewReader(le)),
		"be half":     iotest.HalfReader(bytes.NewReader(be)),
	} {
		got, err := Import(context.Background(), r, 0, ImportOptions{})
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %+v %v\nwant %+v", name, got, err, want)
		}
	}
}

func TestImportColumnPriority(t *testing.T) {
	tests := []struct{ header, want string }{
		{"name,phone,mobile,WhatsApp Number", "WhatsApp Number"},
		{"Tel,Cell,Name", "Cell"},
		{"Home Phone,Work Phone", "Home Phone"},
		{"Phone 1 - Type,Phone 1 - Value", "Phone 1 - Value"},
		{"Phonetic First Name,Primary Phone", "Primary Phone"},
		{"Business Fax,msisdn", "msisdn"},
		{"  PHONE_number ,city", "PHONE_number"},
		{"Telex,Number", "Number"},
	}
	for _, tt := range tests {
		cols := strings.Count(tt.header, ",") + 1
		row := strings.TrimSuffix(strings.Repeat("+91 98765 43210,", cols), ",")
		rep, err := importString(tt.header+"\n"+row+"\n", ImportOptions{})
		if err != nil {
			t.Errorf("%q: %v", tt.header, err)
			continue
		}
		if rep.Column != tt.want || rep.Valid != 1 {
			t.Errorf("%q: column %q valid %d, want %q 1", tt.header, rep.Column, rep.Valid, tt.want)
		}
	}
}

func TestImportNames(t *testing.T) {
	rep, err := importString("Given Name,Family Name,Mobile\nAsha,Rao,+91 98765 43210\n,Solo,+44 7400 123456\n", ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.HasNames || rep.Recipients[0].Name != "Asha Rao" || rep.Recipients[1].Name != "Solo" {
		t.Errorf("names = %+v", rep.Recipients)
	}
	rep, err = importString("Display Name,phone\nAsha R,+91 98765 43210\n", ImportOptions{})
	if err != nil || rep.Recipients[0].Name != "Asha R" {
		t.Errorf("display name: %+v %v", rep, err)
	}
	rep, err = importString("phone,city\n+91 98765 43210,Pune\n", ImportOptions{})
	if err != nil || rep.HasNames || rep.Recipients[0].Name != "" {
		t.Errorf("no name column: %+v %v", rep, err)
	}
}

func TestImportDelimiters(t *testing.T) {
	for _, d := range []string{",", ";", "\t"} {
		in := strings.Join([]string{"name", "phone", "city"}, d) + "\r\n" +
			strings.Join([]string{"A", "+91 98765 43210", "X"}, d) + "\r\n" +
			strings.Join([]string{"B", "+44 7400 123456", "Y"}, d) + "\r\n"
		rep, err := importString(in, ImportOptions{})
		if err != nil || rep.Valid != 2 || rep.Column != "phone" || rep.Recipients[1].Name != "B" {
			t.Errorf("delimiter %q: %+v %v", d, rep, err)
		}
	}
}

func TestImportErrors(t *testing.T) {
	tests := []struct {
		name, in string
		opts     ImportOptions
		want     string
	}{
		{"empty", "", ImportOptions{}, "the file is empty"},
		{"blank", "\n \r\n\t\n", ImportOptions{}, "the file is empty"},
		{"binary", "phone\n+91 98765 43210\n\x00\x01\x02", ImportOptions{}, "line 3 holds binary data"},
		{"binary late", "phone\n" + strings.Repeat("+91 98765 43210\n", 10000) + "PK\x03\x04\x00", ImportOptions{}, "line 10002 holds binary data"},
		{"unterminated quote", "phone,name\n+91 98765 43210,\"Asha\n+44 7400 123456,Bob\n", ImportOptions{}, "line 2: the quoted field that starts here is not closed properly (still open at line 3)"},
		{"no phone column", "name,city\nAsha,Pune\n", ImportOptions{}, `no phone column found: the header has "name", "city" — name the phone column`},
		{"missing override", "name,phone\nAsha,+91 98765 43210\n", ImportOptions{PhoneColumn: "Mobile"}, `phone column "Mobile": no such column; the file's columns are "name", "phone"`},
		{"bad country", "phone\n+91 98765 43210\n", ImportOptions{DefaultCountry: "XX"}, `the default country: unknown country "XX"`},
	}
	for _, tt := range tests {
		rep, err := importString(tt.in, tt.opts)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: rep %+v err %v; want error containing %q", tt.name, rep, err, tt.want)
		}
	}
}

func TestImportNoValidIsNotAnError(t *testing.T) {
	rep, err := importString("phone\n", ImportOptions{})
	if err != nil || rep.Rows != 0 || rep.Valid != 0 {
		t.Errorf("header only: %+v %v", rep, err)
	}
	rep, err = importString("phone\nnope\n", ImportOptions{})
	if err != nil || rep.Rows != 1 || rep.Valid != 0 || rep.Invalid != 1 {
		t.Errorf("all invalid: %+v %v", rep, err)
	}
}

func TestImportHeaderlessNumbersRight(t *testing.T) {
	rep, err := importString("Asha,+91 98765 43210\nBob,+44 7400 123456\n", ImportOptions{})
	if err != nil || rep.Valid != 2 || rep.Column != "column 2" || rep.HasNames || rep.Recipients[1].Line != 2 {
		t.Errorf("%+v %v", rep, err)
	}
}

func TestImportPhoneColumnByNumber(t *testing.T) {
	rep, err := importString("Asha,+91 98765 43210\nBob,+44 7400 123456\n", ImportOptions{PhoneColumn: "column 2"})
	if err != nil || rep.Valid != 2 || rep.Column != "column 2" || rep.Recipients[0].Line != 1 {
		t.Errorf("%+v %v", rep, err)
	}
}

// genContacts writes n rows of phone,name,city with some duplicates and
// invalid numbers, as a contact list exported from a CRM would look.
func genContacts(n int, seed uint64) string {
	rng := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	b.WriteString("phone,name,city\n")
	for i := range n {
		switch rng.IntN(20) {
		case 0:
			fmt.Fprintf(&b, "+91 98%03d %05d,Dup %d,Pune\n", rng.IntN(5), rng.IntN(3), i)
		case 1:
			fmt.Fprintf(&b, "+91 98%03d,Short %d,Pune\n", rng.IntN(1000), i)
		default:
			fmt.Fprintf(&b, "+91 98%03d %05d,Person %d,Mumbai\n", rng.IntN(1000), rng.IntN(100000), i)
		}
	}
	return b.String()
}

func TestImportWorkersKeepFileOrder(t *testing.T) {
	in := genContacts(30000, 3)
	one, err := importString(in, ImportOptions{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	four, err := importString(in, ImportOptions{Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(one, four) {
		t.Fatal("reports differ between 1 and 4 workers")
	}
	if one.Duplicates == 0 || one.Invalid == 0 || one.Valid+one.Invalid+one.Duplicates != one.Rows {
		t.Errorf("rows %d valid %d invalid %d dup %d", one.Rows, one.Valid, one.Invalid, one.Duplicates)
	}
	seen := map[string]bool{}
	for i, r := range one.Recipients {
		if seen[r.Phone] {
			t.Fatalf("duplicate %s kept", r.Phone)
		}
		seen[r.Phone] = true
		if i > 0 && r.Line <= one.Recipients[i-1].Line {
			t.Fatalf("recipients out of file order at %d", i)
		}
	}
}

func TestImportProgress(t *testing.T) {
	in := genContacts(140000, 5)
	var calls []ImportProgress
	rep, err := importString(in, ImportOptions{Progress: func(p ImportProgress) { calls = append(calls, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) < 3 || len(calls) > 10 {
		t.Fatalf("%d progress calls for %d rows; want one per 64k rows and a last one", len(calls), rep.Rows)
	}
	for i := 1; i < len(calls); i++ {
		if calls[i].Rows < calls[i-1].Rows || calls[i].Bytes < calls[i-1].Bytes {
			t.Fatalf("progress went backwards: %+v", calls)
		}
	}
	last := calls[len(calls)-1]
	if last.Rows != rep.Rows || last.Bytes != int64(len(in)) || last.TotalBytes != int64(len(in)) {
		t.Errorf("last progress %+v; want rows %d bytes %d", last, rep.Rows, len(in))
	}
}

// cancelAfter cancels its context once n bytes have been read.
type cancelAfter struct {
	r      io.Reader
	n      int
	cancel func()
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n -= n
	if c.n <= 0 {
		c.cancel()
	}
	return n, err
}

func TestImportCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := importString("phone\n+91 98765 43210\n", ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Import(ctx, strings.NewReader("phone\n"), 0, ImportOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before: %v", err)
	}

	in := genContacts(100000, 9)
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	rep, err := Import(ctx, &cancelAfter{r: strings.NewReader(in), n: 200 << 10, cancel: cancel}, 0, ImportOptions{})
	if !errors.Is(err, context.Canceled) || rep != nil {
		t.Errorf("cancelled during: %v, %v", rep, err)
	}
}

// A ';' inside one cell of a one-column file is a multi-number cell, not
// the delimiter: it does not occur in the first record.
func TestImportSemicolonInOneCellIsNotTheDelimiter(t *testing.T) {
	rep, err := importString("Phone\n+919876543210\n+919876543211; +919876543212\n", ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"919876543210", "919876543211", "919876543212"}
	if rep.Column != "Phone" || !reflect.DeepEqual(rep.Phones(), want) || rep.Invalid != 0 {
		t.Fatalf("column %q phones %v invalid %d problems %+v; want %v", rep.Column, rep.Phones(), rep.Invalid, rep.Problems, want)
	}
}

// Only a record blank in every cell is skipped silently; a row with other
// cells but no phone number is reported, name column or not.
func TestImportRowWithoutPhoneIsReported(t *testing.T) {
	tests := []struct {
		in   string
		line int
	}{
		{"Phone,WhatsApp\n+919876543210,\n", 2},
		{"Phone,Email\n,a@x\n+919876543210,b@x\n", 2},
		{"Email,Phone,City\na@x,,Pune\n , ,\n", 2},
		{"Name,Phone\nAsha,\n", 2},
	}
	for _, tt := range tests {
		rep, err := importString(tt.in, ImportOptions{})
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		if len(rep.Problems) != 1 || rep.Problems[0].Line != tt.line || rep.Problems[0].Reason != "no phone number" || rep.Invalid != 1 {
			t.Errorf("%q: problems %+v invalid %d; want one \"no phone number\" at line %d", tt.in, rep.Problems, rep.Invalid, tt.line)
		}
	}
	// The WhatsApp column wins: line 2 has no number in it.
	rep, _ := importString("Phone,WhatsApp\n+919876543210,\n", ImportOptions{})
	if rep.Column != "WhatsApp" {
		t.Fatalf("column %q", rep.Column)
	}
	rep, err := importString("Phone,Email\n,\n , \n\"\",\"\"\n+919876543210,b@x\n", ImportOptions{})
	if err != nil || rep.Rows != 1 || len(rep.Problems) != 0 || rep.Valid != 1 {
		t.Fatalf("blank records must be skipped silently: %+v %v", rep, err)
	}
}
