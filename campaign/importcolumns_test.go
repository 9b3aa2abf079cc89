package campaign

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestReadColumns(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		names    []string
		samples  []string
		header   bool
		detected int
	}{
		{"header with phone", "Name,City,Mobile\nAsha,Pune,+91 98765 43210\n", []string{"Name", "City", "Mobile"}, []string{"Asha", "Pune", "+91 98765 43210"}, true, 2},
		{"no phone header", "name,city,contact no\nAsha,Pune,+91 98765 43210\n", []string{"name", "city", "contact no"}, []string{"Asha", "Pune", "+91 98765 43210"}, true, -1},
		{"headerless", "Asha,+91 98765 43210\n", []string{"column 1", "column 2"}, []string{"Asha", "+91 98765 43210"}, false, 1},
		{"semicolons, BOM", "\xef\xbb\xbfName;Phone\nAsha;+91 98765 43210\n", []string{"Name", "Phone"}, []string{"Asha", "+91 98765 43210"}, true, 1},
		{"header only", "Name,Phone\n", []string{"Name", "Phone"}, []string{"", ""}, true, 1},
		{"hostile header", "\x1b[2JName,Phone\n", []string{"Name", "Phone"}, []string{"", ""}, true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ReadColumns(strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(c.Names, "|") != strings.Join(tc.names, "|") || strings.Join(c.Samples, "|") != strings.Join(tc.samples, "|") ||
				c.Header != tc.header || c.Detected != tc.detected {
				t.Errorf("got %+v", c)
			}
		})
	}
	if _, err := ReadColumns(strings.NewReader("")); err == nil {
		t.Error("an empty file has columns")
	}
	if _, err := ReadColumns(strings.NewReader("BEGIN:VCARD\nVERSION:3.0\nEND:VCARD\n")); err == nil || !strings.Contains(err.Error(), "vCard") {
		t.Errorf("vCard: %v", err)
	}
}

// The option a choice gives selects that column in Import, also when two
// headers read alike.
func TestColumnsOptionSelectsTheColumn(t *testing.T) {
	in := "Name,Phone,phone,Notes\nAsha,+91 98765 43210,+44 7911 123456,x\n"
	c, err := ReadColumns(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range map[int]string{1: "919876543210", 2: "447911123456"} {
		opt := c.Option(i)
		rep, err := Import(context.Background(), strings.NewReader(in), 0, ImportOptions{PhoneColumn: opt})
		if err != nil || len(rep.Recipients) != 1 || rep.Recipients[0].Phone != want {
			t.Errorf("column %d (%q): %v %+v", i, opt, err, rep)
		}
	}
	if c.Option(0) != "Name" {
		t.Errorf("a unique header is its own option: %q", c.Option(0))
	}
}

func TestPhoneColumnErrorsAreMarked(t *testing.T) {
	for _, in := range []struct{ csv, col string }{{"name,city\nAsha,Pune\n", ""}, {"name,phone\nAsha,+91 98765 43210\n", "Mobile"}} {
		_, err := Import(context.Background(), strings.NewReader(in.csv), 0, ImportOptions{PhoneColumn: in.col})
		if !errors.Is(err, ErrPhoneColumn) || !strings.Contains(err.Error(), string(SettingPhoneColumn)) {
			t.Errorf("%q: %v", in.csv, err)
		}
	}
	_, err := Import(context.Background(), strings.NewReader(""), 0, ImportOptions{})
	if errors.Is(err, ErrPhoneColumn) {
		t.Error("an empty file's error is marked as a phone column error")
	}
}
