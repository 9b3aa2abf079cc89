package campaign

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// typedPhone is one "Phone N - Type" / "Phone N - Value" pair of a Google
// Contacts export (column indexes).
type typedPhone struct{ typ, value int }

// typedHeaderParts reads a compacted "phone12value" as ("12", "value").
func typedHeaderParts(c string) (n, part string, ok bool) {
	rest, found := strings.CutPrefix(c, "phone")
	if !found {
		return "", "", false
	}
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	if i == 0 || (rest[i:] != "type" && rest[i:] != "value") {
		return "", "", false
	}
	return rest[:i], rest[i:], true
}

// typedPhones finds the typed phone pairs of a header, in N order; nil
// when there are none.
func typedPhones(header []string) []typedPhone {
	types, values := map[string]int{}, map[string]int{}
	var order []string
	for i, h := range header {
		n, part, ok := typedHeaderParts(compactName(h))
		if !ok {
			continue
		}
		if part == "type" {
			types[n] = i
		} else {
			values[n] = i
			order = append(order, n)
		}
	}
	var out []typedPhone
	for _, n := range order {
		if t, ok := types[n]; ok {
			out = append(out, typedPhone{typ: t, value: values[n]})
		}
	}
	return out
}

// phoneKind reads a phone type label ("Mobile", "* Mobile", "workFax",
// vCard's CELL or iPhone's "_$!<Mobile>!$_").
func phoneKind(label string) (mobile, fax bool) {
	l := strings.ToLower(label)
	if strings.Contains(l, "fax") {
		return false, true
	}
	return strings.Contains(l, "mobile") || strings.Contains(l, "cell") || strings.Contains(l, "iphone") ||
		strings.Contains(l, "handy"), false
}

const reasonFaxOnly = "a fax number, never a WhatsApp recipient — the contact has no other number"

// pickPhones chooses a contact's recipients, mobile first: every number
// marked mobile; without one, the first other number that is not a fax
// (noMobile is then true). fax is the first fax number, for the report
// when there is nothing else.
type contactPhones struct {
	mobiles  []importRaw
	other    *importRaw
	fax      *importRaw
	anyPhone bool
}

func (c *contactPhones) add(raw importRaw, label string) {
	if strings.TrimSpace(raw.phone) == "" {
		return
	}
	c.anyPhone = true
	mobile, fax := phoneKind(label)
	switch {
	case fax:
		if c.fax == nil {
			c.fax = &raw
		}
	case mobile:
		c.mobiles = append(c.mobiles, raw)
	case c.other == nil:
		c.other = &raw
	}
}

// emit hands the chosen numbers on; empty is the record used when the
// contact has no number at all.
func (c *contactPhones) emit(rep *ImportReport, empty importRaw, emit func(importRaw) error) error {
	if len(c.mobiles) > 0 {
		for _, m := range c.mobiles {
			if err := emit(m); err != nil {
				return err
			}
		}
		return nil
	}
	rep.NoMobile++
	switch {
	case c.other != nil:
		return emit(*c.other)
	case c.fax != nil:
		f := *c.fax
		f.reason = reasonFaxOnly
		return emit(f)
	}
	return emit(empty)
}

// typedSource reads a Google Contacts export by its typed phone columns:
// a contact's mobile number from whichever "Phone N" holds it.
type typedSource struct {
	csvr      *csv.Reader
	lay       *importLayout
	rep       *ImportReport
	lineShift int
}

func newTypedSource(in io.Reader, lay *importLayout, rep *ImportReport) *typedSource {
	csvr := csv.NewReader(in)
	csvr.Comma = lay.delim
	csvr.FieldsPerRecord = -1
	csvr.ReuseRecord = true
	rep.Source = fmt.Sprintf("the %d typed phone columns (Phone N - Type/Value), mobile first, never a fax", len(lay.typed))
	return &typedSource{csvr: csvr, lay: lay, rep: rep, lineShift: lay.headerLines}
}

func (s *typedSource) next(emit func(importRaw) error) (bool, error) {
	cell := func(rec []string, i int) string {
		if i >= 0 && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	for {
		rec, err := s.csvr.Read()
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		blank := true
		for _, c := range rec {
			if strings.TrimSpace(c) != "" {
				blank = false
				break
			}
		}
		if blank {
			continue
		}
		line, _ := s.csvr.FieldPos(0)
		line += s.lineShift
		name := cell(rec, s.lay.full)
		if s.lay.full < 0 {
			name = strings.TrimSpace(strings.TrimSpace(cell(rec, s.lay.first)) + " " + strings.TrimSpace(cell(rec, s.lay.last)))
		}
		// The record is reused by the next Read: the worker gets copies.
		name = strings.Clone(name)
		var c contactPhones
		for _, tp := range s.lay.typed {
			c.add(importRaw{line: line, phone: strings.Clone(cell(rec, tp.value)), name: name}, cell(rec, tp.typ))
		}
		return true, c.emit(s.rep, importRaw{line: line, name: name}, emit)
	}
}

func (s *typedSource) explain(ctx context.Context, err error) error {
	return importParseErr(ctx, err, s.lineShift)
}
