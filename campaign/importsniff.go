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
// the one found the same number of times on every line wins (quoted text
// ignored), else the most frequent; ',' when none occurs.
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

func quoteList(cells []string) string {
	q := make([]string, len(cells))
	for i, c := range cells {
		q[i] = strconv.Quote(Sanitize(strings.TrimSpace(c)))
	}
	return strings.Join(q, ", ")
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

// errBinary reports a NUL byte: the file is not text.
type errBinary struct{ line int }

func (e errBinary) Error() string {
	return fmt.Sprintf("line %d holds binary data (a NUL byte): this is not a CSV text file — export the contact list as CSV (UTF-8) or Unicode text", e.line)
}

// textReader refuses NUL bytes and counts lines so it can say where.
type textReader struct {
	r     io.Reader
	lines int
}

func (t *textReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if i := bytes.IndexByte(p[:n], 0); i >= 0 {
		return i, errBinary{line: t.lines + bytes.Count(p[:i], []byte{'\n'}) + 1}
	}
	t.lines += bytes.Count(p[:n], []byte{'\n'})
	return n, err
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
