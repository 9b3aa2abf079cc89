package campaign

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// sniffDelimiter picks ',', ';' or '\t' from the first records of sample:
// among those in the first record (header or first data line), the one
// found the same number of times on every line wins (quoted text ignored),
// else the most frequent; ',' when none occurs. A candidate missing from
// the first record is text inside a cell ("+91…; +91…" in a one-column
// file), not a delimiter.
func sniffDelimiter(sample []byte) rune {
	cands := []byte{',', ';', '\t'}
	var lines [][3]int
	var cur [3]int
	inQuote, any := false, false
	for _, c := range sample {
		switch {
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '\n':
			if any {
				lines = append(lines, cur)
			}
			cur, any = [3]int{}, false
			if len(lines) == 20 {
				goto done
			}
		case c == '\r':
		default:
			any = true
			for k, d := range cands {
				if c == d {
					cur[k]++
				}
			}
		}
	}
	if any && len(lines) == 0 {
		lines = append(lines, cur) // a one-line file; otherwise the last line may be cut off
	}
done:
	best, bestScore := 0, -1
	for k := range cands {
		if len(lines) == 0 || lines[0][k] == 0 {
			continue
		}
		consistent, total := true, 0
		for _, l := range lines {
			if l[k] == 0 || l[k] != lines[0][k] {
				consistent = false
			}
			total += l[k]
		}
		if total == 0 {
			continue
		}
		score := total
		if consistent {
			score += 1 << 30
		}
		if score > bestScore {
			best, bestScore = k, score
		}
	}
	return rune(cands[best])
}

// compactName folds a header for matching: lower case, letters and digits
// only ("Phone 1 - Value" -> "phone1value").
func compactName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// phoneHeaderScore ranks a header as a phone column (SPEC section 4):
// 3 whatsapp, 2 mobile/cell, 1 phone/tel/number, 0 not a phone column.
func phoneHeaderScore(h string) int {
	c := compactName(h)
	if c == "" {
		return 0
	}
	for _, x := range []string{"type", "label", "fax", "phonetic", "extension", "telex"} {
		if strings.Contains(c, x) {
			return 0 // Google's "Phone 1 - Type", Outlook's "Business Fax", ...
		}
	}
	if strings.HasSuffix(c, "ext") {
		return 0
	}
	has := func(xs ...string) bool {
		for _, x := range xs {
			if strings.Contains(c, x) {
				return true
			}
		}
		return false
	}
	switch {
	case has("whatsapp"):
		return 3
	case has("mobile", "cell", "msisdn", "handy") || c == "mob" || strings.HasPrefix(c, "mobno"):
		return 2
	case has("phone", "number", "telefon", "teléfono") || strings.HasPrefix(c, "tel"):
		return 1
	}
	return 0
}

var (
	fullNameHeaders  = []string{"name", "fullname", "displayname", "contactname", "contact", "customername"}
	firstNameHeaders = []string{"firstname", "givenname", "first", "forename"}
	lastNameHeaders  = []string{"lastname", "familyname", "surname", "last"}
)

// nameColumns finds a full-name column, else first/last name columns
// (-1 when absent), never the phone column.
func nameColumns(header []string, phoneCol int) (full, first, last int) {
	find := func(names []string) int {
		for _, n := range names {
			for i, h := range header {
				if i != phoneCol && compactName(h) == n {
					return i
				}
			}
		}
		return -1
	}
	if full = find(fullNameHeaders); full >= 0 {
		return full, -1, -1
	}
	return -1, find(firstNameHeaders), find(lastNameHeaders)
}

// phoneLike says whether a headerless file's first cell is a number
// rather than a column title.
func phoneLike(cell string) bool {
	s := strings.TrimSpace(cell)
	if sciNotation.MatchString(s) {
		return true
	}
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case unicode.IsLetter(r):
			return false
		}
	}
	return digits >= 5
}

// columnNumber reads "3" or "column 3" as a 0-based index.
func columnNumber(s string) (int, bool) {
	c := strings.TrimPrefix(compactName(s), "column")
	n, err := strconv.Atoi(c)
	if err != nil || n < 1 {
		return 0, false
	}
	return n - 1, true
}

// quoteList names a header's cells for an error message: each cut to 40
// cells and at most 12 of them, since a "header" may be a binary blob or a
// megabyte of text.
func quoteList(cells []string) string {
	const maxCells = 12
	q := make([]string, 0, min(len(cells), maxCells+1))
	for i, c := range cells {
		if i == maxCells {
			q = append(q, fmt.Sprintf("and %d more", len(cells)-maxCells))
			break
		}
		c = strings.TrimSpace(c)
		if len(c) > 200 {
			c = c[:200] // SanitizeLine would cut it anyway; do not scan a megabyte
		}
		q = append(q, strconv.Quote(SanitizeLine(c, 40)))
	}
	return strings.Join(q, ", ")
}

// maxProblemValue caps the raw value shown for a rejected number: past it
// the value is not a phone number, and a report should not carry megabytes.
const maxProblemValue = 100

func problemValue(v string) string {
	v = strings.TrimSpace(v)
	if len(v) <= maxProblemValue {
		return Sanitize(v)
	}
	cut := maxProblemValue
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return Sanitize(v[:cut]) + Ellipsis
}

// ---- input decoding ----

// utf16Reader turns UTF-16 (Excel's "Unicode text") into UTF-8 as it streams.
type utf16Reader struct {
	r      io.Reader
	big    bool
	in     [32 << 10]byte
	nin    int
	outBuf []byte
	out    []byte
	err    error
}

func (u *utf16Reader) unit(i int) uint16 {
	if u.big {
		return uint16(u.in[i])<<8 | uint16(u.in[i+1])
	}
	return uint16(u.in[i+1])<<8 | uint16(u.in[i])
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for len(u.out) == 0 {
		if u.err != nil {
			return 0, u.err
		}
		n, err := u.r.Read(u.in[u.nin:])
		u.nin += n
		u.err = err
		out := u.outBuf[:0]
		i := 0
		for i+1 < u.nin {
			c := rune(u.unit(i))
			switch {
			case c >= 0xD800 && c < 0xDC00: // high surrogate: needs its pair
				if i+3 >= u.nin {
					if u.err == nil {
						goto partial
					}
					out = utf8.AppendRune(out, utf8.RuneError)
					i += 2
					continue
				}
				r := utf16.DecodeRune(c, rune(u.unit(i+2)))
				if r == utf8.RuneError {
					out = utf8.AppendRune(out, utf8.RuneError)
					i += 2
					continue
				}
				out = utf8.AppendRune(out, r)
				i += 4
			default:
				out = utf8.AppendRune(out, c) // a lone low surrogate becomes U+FFFD
				i += 2
			}
		}
	partial:
		if u.err != nil && i < u.nin && i+1 >= u.nin {
			out = utf8.AppendRune(out, utf8.RuneError) // odd trailing byte
			i = u.nin
		}
		copy(u.in[:], u.in[i:u.nin])
		u.nin -= i
		u.outBuf = out
		u.out = out
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	return n, nil
}

// errBinary reports a NUL byte: the file is not text. kind names the
// format when its first bytes tell (see binaryKind).
type errBinary struct {
	line int
	kind string
}

func (e errBinary) Error() string {
	switch e.kind {
	case "":
		return fmt.Sprintf("line %d holds binary data (a NUL byte): this is not a CSV text file — export the contact list as CSV (UTF-8) or Unicode text", e.line)
	case "gzip":
		return "this is a gzip-compressed file (binary data), not a CSV text file — decompress it first (gunzip) and import the CSV inside"
	case "zip":
		return "this is an Excel workbook (.xlsx) or a ZIP archive (binary data), not a CSV text file — in Excel, save it with Save As › CSV UTF-8; unzip an archive first"
	case "xls":
		return "this is an old Excel workbook (.xls, binary data), not a CSV text file — in Excel, save it with Save As › CSV UTF-8"
	}
	return fmt.Sprintf("this is a %s (binary data), not a CSV text file — pick the contact list's CSV export", e.kind)
}

// binaryKind names a file format from its first bytes ("" when unknown).
func binaryKind(head []byte) string {
	for _, k := range []struct{ magic, kind string }{
		{"\x1f\x8b", "gzip"},
		{"PK\x03\x04", "zip"},
		{"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "xls"},
		{"\x89PNG\r\n\x1a\n", "PNG image"},
		{"\xff\xd8\xff", "JPEG image"},
		{"GIF8", "GIF image"},
		{"%PDF-", "PDF document"},
	} {
		if bytes.HasPrefix(head, []byte(k.magic)) {
			return k.kind
		}
	}
	return ""
}

// MaxRecordBytes caps one CSV record: a line, or several when a quoted
// field holds line breaks. A contact row is well under 1 KiB; a longer one
// means the file is not a contact list or a quote is never closed, and
// without a cap encoding/csv would hold the whole rest of the file in memory
// as one field (then report it, or keep it as a name).
const MaxRecordBytes = 1 << 20

// errTooLong reports a record over MaxRecordBytes.
type errTooLong struct{ start, line int }

func (e errTooLong) Error() string {
	if e.start == e.line {
		return fmt.Sprintf("line %d is longer than 1 MiB: this is not a contact list — is it a CSV file? Export the contact list as CSV (UTF-8)", e.line)
	}
	return fmt.Sprintf("line %d: a quoted field that starts here is still open at line %d, over 1 MiB later — check its \" characters or re-export the file", e.start, e.line)
}

// textReader refuses NUL bytes and records over MaxRecordBytes, and counts
// lines so it can say where. Record ends are found by tracking quotes as
// RFC 4180 does (an escaped "" toggles twice); where that differs from
// encoding/csv (a stray quote), csv reports the line first, since this
// reader is never more than a buffer (well under the cap) ahead of it.
// Errors are sticky: nothing is read past them.
type textReader struct {
	r       io.Reader
	kind    string // binaryKind of the file, for errBinary
	lines   int    // complete lines read
	inQuote bool   // inside a quoted field at the end of what was read
	recLine int    // 0-based line where the current record starts
	recLen  int    // bytes of the current record read so far
	err     error
}

func (t *textReader) Read(p []byte) (int, error) {
	if t.err != nil {
		return 0, t.err
	}
	n, err := t.r.Read(p)
	b := p[:n]
	if i := bytes.IndexByte(b, 0); i >= 0 {
		t.err = errBinary{line: t.lines + bytes.Count(b[:i], []byte{'\n'}) + 1, kind: t.kind}
		return 0, t.err
	}
	if !t.inQuote && bytes.IndexByte(b, '"') < 0 && len(b) <= MaxRecordBytes {
		// The common case, without a call per line: no quote, so every
		// newline ends a record, and lines inside b are shorter than b.
		first := bytes.IndexByte(b, '\n')
		if first < 0 {
			t.recLen += len(b)
		} else {
			if t.recLen+first > MaxRecordBytes {
				return 0, t.tooLong()
			}
			t.lines += bytes.Count(b, []byte{'\n'})
			t.recLine, t.recLen = t.lines, len(b)-bytes.LastIndexByte(b, '\n')-1
		}
	} else {
		for len(b) > 0 {
			i := bytes.IndexByte(b, '\n')
			seg := b
			if i >= 0 {
				seg = b[:i]
			}
			if bytes.Count(seg, []byte{'"'})%2 == 1 {
				t.inQuote = !t.inQuote
			}
			t.recLen += len(seg)
			if t.recLen > MaxRecordBytes || i < 0 {
				break
			}
			t.lines++
			t.recLen++ // the newline, inside a quoted field
			if !t.inQuote {
				t.recLine, t.recLen = t.lines, 0
			}
			b = b[i+1:]
		}
	}
	if t.recLen > MaxRecordBytes {
		return 0, t.tooLong()
	}
	return n, err
}

func (t *textReader) tooLong() error {
	t.err = errTooLong{start: t.recLine + 1, line: t.lines + 1}
	return t.err
}

// countingReader counts bytes for progress and stops when ctx is done.
type countingReader struct {
	r    io.Reader
	n    int64
	done func() error
}

func (c *countingReader) Read(p []byte) (int, error) {
	if err := c.done(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

var errEmptyFile = errors.New("the file is empty: there is no header and no rows — export the contact list again")

// crReader turns a lone CR into LF, so classic Mac line ends (Excel for
// Mac "CSV (Macintosh)") read as lines; CRLF is left alone. Import uses it
// only for a file whose start has CRs and no LF.
type crReader struct {
	r    io.Reader
	held bool // the last read ended with a CR: its meaning waits for the next byte
}

func (c *crReader) Read(p []byte) (int, error) {
	if len(p) < 2 {
		return c.r.Read(p) // bufio never asks for less; nothing to hold a CR in
	}
	off := 0
	if c.held {
		p[0], off, c.held = '\r', 1, false
	}
	n, err := c.r.Read(p[off:])
	n += off
	b := p[:n]
	for i := bytes.IndexByte(b, '\r'); i >= 0; {
		switch {
		case i+1 < n:
			if b[i+1] != '\n' {
				b[i] = '\n'
			}
		case err == nil:
			c.held = true
			return n - 1, nil
		default:
			b[i] = '\n' // the last byte of the file
		}
		j := bytes.IndexByte(b[i+1:], '\r')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return n, err
}

// quoteFixer quotes a cell that holds a '"' without being quoted
// (`Asha "the boss"`), so that the strict CSV reader reads it as it is
// written instead of refusing the file; warn is told each such cell. Cells
// that are quoted, and lines without a quote, pass unchanged.
type quoteFixer struct {
	r       io.Reader
	delim   byte
	warn    func(line int, cell string)
	line    int    // line number of the start of pending
	pending []byte // read, not yet processed: an unfinished line
	out     []byte
	outOff  int
	inQuote bool // inside a quoted field at the start of pending
	rbuf    []byte
	err     error
}

func (q *quoteFixer) Read(p []byte) (int, error) {
	for q.outOff == len(q.out) {
		if q.err != nil {
			return 0, q.err
		}
		if q.rbuf == nil {
			q.rbuf = make([]byte, 64<<10)
		}
		n, err := q.r.Read(q.rbuf)
		q.err = err
		q.out, q.outOff = q.out[:0], 0
		chunk := q.rbuf[:n]
		if len(q.pending) > 0 {
			q.pending = append(q.pending, chunk...)
			chunk = q.pending
		}
		end := bytes.LastIndexByte(chunk, '\n') + 1
		if err != nil || (end == 0 && len(chunk) > MaxRecordBytes) {
			end = len(chunk) // the last line; or one too long to hold, left for textReader to refuse
		}
		q.process(chunk[:end])
		q.pending = append(q.pending[:0], chunk[end:]...)
	}
	n := copy(p, q.out[q.outOff:])
	q.outOff += n
	return n, nil
}

func (q *quoteFixer) process(b []byte) {
	if !q.inQuote && bytes.IndexByte(b, '"') < 0 {
		q.out = append(q.out, b...)
		q.line += bytes.Count(b, []byte{'\n'})
		return
	}
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		line := b
		if i >= 0 {
			line = b[:i+1]
		}
		if !q.inQuote && bytes.IndexByte(line, '"') < 0 {
			q.out = append(q.out, line...)
		} else {
			q.fixLine(line)
		}
		if i >= 0 {
			q.line++
		}
		b = b[len(line):]
	}
}

func (q *quoteFixer) fixLine(line []byte) {
	j := 0
	if q.inQuote {
		k := closeQuote(line, 0)
		if k < 0 {
			q.out = append(q.out, line...)
			return
		}
		q.inQuote = false
		e := q.fieldEnd(line, k)
		q.out = append(q.out, line[:e]...)
		j = e
		if j >= len(line) || line[j] != q.delim {
			q.out = append(q.out, line[j:]...)
			return
		}
		q.out = append(q.out, q.delim)
		j++
	}
	for {
		if j < len(line) && line[j] == '"' {
			k := closeQuote(line, j+1)
			if k < 0 {
				q.out = append(q.out, line[j:]...)
				q.inQuote = true
				return
			}
			e := q.fieldEnd(line, k)
			q.out = append(q.out, line[j:e]...)
			j = e
		} else {
			e := q.fieldEnd(line, j)
			cell := line[j:e]
			if bytes.IndexByte(cell, '"') >= 0 {
				q.warn(q.line, string(cell))
				q.out = append(q.out, '"')
				q.out = append(q.out, bytes.ReplaceAll(cell, []byte{'"'}, []byte{'"', '"'})...)
				q.out = append(q.out, '"')
			} else {
				q.out = append(q.out, cell...)
			}
			j = e
		}
		if j < len(line) && line[j] == q.delim {
			q.out = append(q.out, q.delim)
			j++
			continue
		}
		q.out = append(q.out, line[j:]...)
		return
	}
}

// fieldEnd is where the field from j ends: at the delimiter or the line end.
func (q *quoteFixer) fieldEnd(line []byte, j int) int {
	for e := j; e < len(line); e++ {
		switch line[e] {
		case q.delim:
			return e
		case '\n':
			if e > j && line[e-1] == '\r' {
				return e - 1
			}
			return e
		}
	}
	return len(line)
}

// closeQuote finds the end of a quoted field whose text starts at from:
// the index just past its closing quote ("" is an escaped quote), or -1
// when the field goes on past this line.
func closeQuote(line []byte, from int) int {
	for k := from; k < len(line); k++ {
		if line[k] != '"' {
			continue
		}
		if k+1 < len(line) && line[k+1] == '"' {
			k++
			continue
		}
		return k + 1
	}
	return -1
}
