package campaign

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"mime/quotedprintable"
	"strings"
)

// isVCard tells a vCard file (.vcf, the iPhone and Android contact export)
// by its content.
func isVCard(sample []byte) bool {
	s := bytes.TrimLeft(sample, " \t\r\n")
	return len(s) >= 11 && bytes.EqualFold(s[:11], []byte("BEGIN:VCARD"))
}

// maxVCardLine caps a logical line that is kept (TEL, FN, N, labels);
// longer ones (photos) are skipped, never held.
const maxVCardLine = 64 << 10

// vcardSource reads one contact per card: its TEL entries, mobile first
// (see contactPhones), each reported at its own line.
type vcardSource struct {
	br   *bufio.Reader
	kind string
	rep  *ImportReport
	line int // physical lines read
}

func newVCardSource(br *bufio.Reader, kind string, rep *ImportReport) *vcardSource {
	rep.Column = "TEL"
	rep.Source = "the vCard TEL entries, mobile first, never a fax"
	rep.HasNames = true
	return &vcardSource{br: br, kind: kind, rep: rep}
}

type vcardTel struct {
	raw   importRaw
	group string
	types string
}

func (s *vcardSource) next(emit func(importRaw) error) (bool, error) {
	inCard := false
	start := 0
	var name, nName string
	var tels []vcardTel
	labels := map[string]string{}
	finish := func() error {
		if name == "" {
			name = nName
		}
		var c contactPhones
		for _, t := range tels {
			t.raw.name = name
			label := t.types
			if l, ok := labels[t.group]; ok && t.group != "" {
				label += " " + l
			}
			c.add(t.raw, label)
		}
		return c.emit(s.rep, importRaw{line: start, name: name}, emit)
	}
	for {
		line, at, err := s.logicalLine()
		if err == io.EOF {
			if inCard {
				return true, finish() // a last card without END:VCARD
			}
			return false, nil
		}
		if err != nil {
			return false, err
		}
		prop, params, value, ok := splitVCardLine(line)
		if !ok {
			continue
		}
		group := ""
		if i := strings.LastIndexByte(prop, '.'); i >= 0 {
			group, prop = prop[:i], prop[i+1:]
		}
		prop = strings.ToUpper(prop)
		switch {
		case prop == "BEGIN" && strings.EqualFold(strings.TrimSpace(value), "VCARD"):
			inCard, start = true, at
			name, nName, tels = "", "", nil
			clear(labels)
		case !inCard:
		case prop == "END" && strings.EqualFold(strings.TrimSpace(value), "VCARD"):
			return true, finish()
		case prop == "TEL":
			v := strings.TrimSpace(value)
			if len(v) > 4 && strings.EqualFold(v[:4], "tel:") {
				v = v[4:] // vCard 4: a tel: URI
				if i := strings.IndexByte(v, ';'); i >= 0 {
					v = v[:i]
				}
			}
			tels = append(tels, vcardTel{raw: importRaw{line: at, phone: v}, group: group, types: params})
		case prop == "FN":
			name = strings.TrimSpace(vcardText(params, value))
		case prop == "N":
			// Family;Given;Additional;Prefix;Suffix
			parts := strings.Split(vcardText(params, value), ";")
			given := ""
			if len(parts) > 1 {
				given = parts[1]
			}
			nName = strings.TrimSpace(strings.TrimSpace(given) + " " + strings.TrimSpace(parts[0]))
		case prop == "X-ABLABEL" && group != "":
			labels[group] = value
		}
	}
}

func (s *vcardSource) explain(ctx context.Context, err error) error {
	return importReadErr(ctx, err)
}

// logicalLine reads one property, unfolded (a line starting with a space
// or tab continues the one before; quoted-printable values continue after
// a trailing '='), and the line where it starts. Lines over maxVCardLine
// come back empty: nothing we read is that long.
func (s *vcardSource) logicalLine() (string, int, error) {
	var buf []byte
	at := s.line + 1
	started, tooLong, soft := false, false, false
	for {
		part, err := s.physicalLine()
		if err != nil && len(part) == 0 {
			if started {
				break // the end of the file after a line: hand that line out first
			}
			return "", at, err
		}
		if started && !soft && len(part) > 0 {
			part = part[1:] // the fold's leading white space
		}
		started, soft = true, false
		if !tooLong && len(buf)+len(part) > maxVCardLine {
			tooLong, buf = true, nil
		}
		if !tooLong {
			buf = append(buf, part...)
			if bytes.HasSuffix(buf, []byte("=")) && isQuotedPrintable(buf) {
				if next, _ := s.br.Peek(1); len(next) == 1 {
					buf, soft = buf[:len(buf)-1], true // a soft line break
					continue
				}
			}
		}
		next, _ := s.br.Peek(1)
		if len(next) == 0 || (next[0] != ' ' && next[0] != '\t') {
			break
		}
	}
	if tooLong {
		return "", at, nil
	}
	return string(buf), at, nil
}

// physicalLine reads one line without its line end; a line longer than the
// buffer comes back cut (the rest is skipped).
func (s *vcardSource) physicalLine() ([]byte, error) {
	b, err := s.br.ReadSlice('\n')
	var out []byte
	if err == bufio.ErrBufferFull {
		out = append([]byte(nil), b...)
		for err == bufio.ErrBufferFull {
			_, err = s.br.ReadSlice('\n')
		}
		out = append(out, make([]byte, maxVCardLine)...) // over the cap: logicalLine drops it
	} else {
		out = b
	}
	if len(b) > 0 || err == nil {
		s.line++
	}
	if i := bytes.IndexByte(out, 0); i >= 0 {
		return nil, errBinary{line: s.line, kind: s.kind}
	}
	out = bytes.TrimRight(out, "\r\n")
	if err == io.EOF && len(out) > 0 {
		err = nil
	}
	return out, err
}

// splitVCardLine splits "item1.TEL;TYPE=CELL:+91..." into the property
// name (with its group), the parameters as written and the value.
func splitVCardLine(line string) (prop, params, value string, ok bool) {
	colon, semi := -1, -1
	quoted := false
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == ';' && semi < 0:
			semi = i
		case c == ':':
			colon = i
		}
		if colon >= 0 {
			break
		}
	}
	if colon < 0 {
		return "", "", "", false
	}
	prop = line[:colon]
	if semi >= 0 && semi < colon {
		prop, params = line[:semi], line[semi+1:colon]
	}
	return strings.TrimSpace(prop), params, line[colon+1:], true
}

func isQuotedPrintable(line []byte) bool {
	i := bytes.IndexByte(line, ':')
	return i > 0 && bytes.Contains(bytes.ToUpper(line[:i]), []byte("QUOTED-PRINTABLE"))
}

// vcardText decodes a text value: quoted-printable when marked so, and
// the escapes of vCard 3/4 (\, \; \n).
func vcardText(params, value string) string {
	if strings.Contains(strings.ToUpper(params), "QUOTED-PRINTABLE") {
		if b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(value))); err == nil {
			value = string(b)
		}
	}
	return strings.NewReplacer(`\,`, ",", `\;`, ";", `\n`, " ", `\N`, " ", `\\`, `\`).Replace(value)
}
