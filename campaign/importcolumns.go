package campaign

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrPhoneColumn is matched (errors.Is) by Import's errors about the phone
// column: none was found, or the one named is not in the file. A face then
// offers the file's columns (ReadColumns) to choose from.
var ErrPhoneColumn = errors.New("phone column")

type phoneColumnError struct{ err error }

func (e phoneColumnError) Error() string        { return e.err.Error() }
func (e phoneColumnError) Unwrap() error        { return e.err }
func (e phoneColumnError) Is(target error) bool { return target == ErrPhoneColumn }

// Columns is what a contact list's first record offers as phone columns.
type Columns struct {
	// Names are the header's cells (sanitised), or "column 1", "column 2"…
	// when the first record is already data.
	Names []string
	// Samples are the first data record's cells (sanitised, cut), so an
	// operator can tell the columns apart by what they hold.
	Samples []string
	// Header: the first record is a header.
	Header bool
	// Detected is the column Import picks by itself (-1: none).
	Detected int
}

// Option is the ImportOptions.PhoneColumn that selects column i: its header
// when that names it alone, else "column N".
func (c *Columns) Option(i int) string {
	if c.Header && compactName(c.Names[i]) != "" {
		n := 0
		for _, h := range c.Names {
			if compactName(h) == compactName(c.Names[i]) {
				n++
			}
		}
		if n == 1 {
			return c.Names[i]
		}
	}
	return fmt.Sprintf("column %d", i+1)
}

// maxColumns bounds what ReadColumns lists: a "header" may be a megabyte of
// commas.
const maxColumns = 200

// ReadColumns reads the first records of a CSV contact list (decoded as
// Import decodes it: BOM, UTF-16, Mac line ends, delimiter) and names its
// columns. It reads at most 64 KiB. A vCard file has no columns to choose.
func ReadColumns(r io.Reader) (*Columns, error) {
	raw := bufio.NewReaderSize(r, 64<<10)
	head, _ := raw.Peek(8)
	kind := binaryKind(head)
	src, err := decodeInput(raw)
	if err != nil {
		return nil, err
	}
	pre := bufio.NewReaderSize(src, 64<<10)
	sample, err := pre.Peek(64 << 10)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, err
	}
	if bytes.IndexByte(sample, '\r') >= 0 && bytes.IndexByte(sample, '\n') < 0 {
		pre = bufio.NewReaderSize(&crReader{r: pre}, 64<<10)
		if sample, err = pre.Peek(64 << 10); err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return nil, err
		}
	}
	if len(bytes.TrimSpace(sample)) == 0 {
		return nil, errEmptyFile
	}
	if isVCard(sample) {
		return nil, errors.New("this is a vCard file: its numbers are read from the contacts' phone entries, there is no column to choose")
	}
	delim := sniffDelimiter(sample)
	in := bufio.NewReaderSize(&textReader{r: bytes.NewReader(sample), kind: kind}, 64<<10)
	text, err := in.Peek(64 << 10)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, importReadErr(context.Background(), err)
	}
	cr := csv.NewReader(bytes.NewReader(text))
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	first, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return nil, errEmptyFile
		}
		return nil, fmt.Errorf("reading the first line: %w", err)
	}
	second, _ := cr.Read() // a one-line file has no sample row
	first = first[:min(len(first), maxColumns)]
	c := &Columns{Detected: -1}
	if lay, err := detectLayout(text, delim, ""); err == nil {
		c.Detected = lay.phone
		c.Header = lay.headerBytes > 0
	} else {
		c.Header = true // no number in the first record: it names the columns
	}
	data := second
	if !c.Header {
		data = first
	}
	for i, h := range first {
		name := fmt.Sprintf("column %d", i+1)
		if c.Header {
			name = SanitizeLine(strings.TrimSpace(h), 40)
		}
		c.Names = append(c.Names, name)
		s := ""
		if i < len(data) {
			s = SanitizeLine(strings.TrimSpace(data[i]), 40)
		}
		c.Samples = append(c.Samples, s)
	}
	if c.Detected >= len(c.Names) {
		c.Detected = -1
	}
	return c, nil
}
