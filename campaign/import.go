package campaign

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/gocarina/gocsv"
)

// ImportOptions tunes Import.
type ImportOptions struct {
	// PhoneColumn forces the column by header name (case/space-insensitive).
	PhoneColumn string
	// DefaultCountry is an ISO region ("IN", "GB") for national numbers.
	DefaultCountry string
	// International reads digits without '+' as country code and number
	// (see PhoneOptions).
	International bool
	// Progress, when set, is called now and then (not per row) from the
	// import goroutine.
	Progress func(ImportProgress)
	// Workers is the number of validation goroutines; 0 means GOMAXPROCS.
	Workers int
	// OnRecipient, when set, receives every valid, de-duplicated recipient
	// in file order as it is found, and the report keeps none of them
	// (Recipients stays nil): memory stays flat however long the list. It
	// is called from one goroutine at a time; an error stops the import and
	// is returned by Import.
	OnRecipient func(Recipient) error
	// Suppressed is the suppression list (see Engine.SuppressedSet): those
	// numbers are counted in the report's Suppressed and never handed on
	// as recipients. nil: none.
	Suppressed map[string]bool
}

// MaxProblems is how many rejected values (and, apart, warnings) a report
// keeps in full; past it they are only counted, so a file of millions of bad
// rows costs no more memory than one of a thousand.
const MaxProblems = 1000

// ImportProgress is a progress snapshot.
type ImportProgress struct {
	Bytes, TotalBytes int64 // TotalBytes is 0 when unknown
	Rows              int
}

// Recipient is one valid, de-duplicated number from the file.
type Recipient struct {
	Phone string `json:"phone"`          // E.164 digits without '+'
	Name  string `json:"name,omitempty"` // sanitised; from a name column when there is one
	Line  int    `json:"line"`           // 1-based line of the record in the file
}

// ImportProblem is one rejected value, or (in Warnings) one read with a
// doubt.
type ImportProblem struct {
	Line   int    `json:"line"`
	Value  string `json:"value"` // sanitised raw value, cut to 100 bytes
	Reason string `json:"reason"`
}

// ImportReport is the outcome of reading a contact list.
type ImportReport struct {
	Rows       int `json:"rows"` // records (contacts in a vCard file)
	Valid      int `json:"valid"`
	Invalid    int `json:"invalid"`
	Duplicates int `json:"duplicates"`
	// Suppressed counts the distinct valid numbers left out because they
	// opted out (ImportOptions.Suppressed); they are not in Valid.
	Suppressed int `json:"suppressed"`
	// SuppressedNumbers are those numbers, in file order (as many as the
	// suppression list holds at most).
	SuppressedNumbers []string `json:"-"`
	Column            string   `json:"column"` // header of the column used ("column 1" when headerless)
	// Source, when set, says where the numbers came from in words when it
	// is not one column: typed phone columns, a vCard file.
	Source   string `json:"source,omitempty"`
	HasNames bool   `json:"hasNames"`
	// NoMobile counts contacts (typed phone columns, vCards) without a
	// number marked mobile; their first other number, never a fax, is used.
	NoMobile   int             `json:"noMobile"`
	Recipients []Recipient     `json:"-"`
	Problems   []ImportProblem `json:"problems"` // the first MaxProblems
	// ProblemsOmitted counts the problems past MaxProblems (in Invalid, not
	// in Problems).
	ProblemsOmitted int             `json:"problemsOmitted"`
	Warnings        []ImportProblem `json:"warnings"` // values read, but with a doubt
	WarningsOmitted int             `json:"warningsOmitted"`
}

// Phones returns the recipients' numbers in file order.
func (r *ImportReport) Phones() []string {
	out := make([]string, len(r.Recipients))
	for i, rc := range r.Recipients {
		out[i] = rc.Phone
	}
	return out
}

func (r *ImportReport) problem(p ImportProblem) {
	r.Invalid++
	if len(r.Problems) < MaxProblems {
		r.Problems = append(r.Problems, p)
	} else {
		r.ProblemsOmitted++
	}
}

func (r *ImportReport) warn(line int, value, reason string) {
	if len(r.Warnings) < MaxProblems {
		r.Warnings = append(r.Warnings, ImportProblem{Line: line, Value: problemValue(value), Reason: reason})
	} else {
		r.WarningsOmitted++
	}
}

// ErrNoRecipients is wrapped when a file was read but yields no valid number.
var ErrNoRecipients = errors.New("no valid recipients")

// Import reads a contact list: CSV (SPEC section 4) or vCard. size is the
// input size for progress (0 if unknown). It returns an error only when the
// file cannot be read or parsed at all; per-row problems go in the report.
// A file that yields no valid number is not an error here: callers check
// Valid == 0 (and may wrap ErrNoRecipients).
func Import(ctx context.Context, r io.Reader, size int64, opts ImportOptions) (*ImportReport, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	pr, err := PhoneOptions{DefaultCountry: opts.DefaultCountry, International: opts.International}.rules()
	if err != nil {
		return nil, fmt.Errorf("the default country: %w", err)
	}

	cr := &countingReader{r: r, done: ctx.Err}
	raw := bufio.NewReaderSize(cr, 64<<10)
	head, _ := raw.Peek(8) // errors come again from decodeInput
	kind := binaryKind(head)
	src, err := decodeInput(raw)
	if err != nil {
		return nil, importReadErr(ctx, err)
	}
	pre := bufio.NewReaderSize(src, 64<<10)
	sample, err := pre.Peek(64 << 10)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, importReadErr(ctx, err)
	}
	if bytes.IndexByte(sample, '\r') >= 0 && bytes.IndexByte(sample, '\n') < 0 {
		// Classic Mac line ends (Excel for Mac "CSV (Macintosh)"). Only
		// then: elsewhere a lone CR is text inside a cell.
		pre = bufio.NewReaderSize(&crReader{r: pre}, 64<<10)
		if sample, err = pre.Peek(64 << 10); err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return nil, importReadErr(ctx, err)
		}
	}
	if len(bytes.TrimSpace(sample)) == 0 {
		return nil, errEmptyFile
	}
	rep := &ImportReport{Problems: []ImportProblem{}, Warnings: []ImportProblem{}}
	var rows rowSource
	est := estimateRows(sample, size)
	if isVCard(sample) {
		rows = newVCardSource(pre, kind, rep)
	} else {
		delim := sniffDelimiter(sample)
		fix := &quoteFixer{r: pre, delim: byte(delim), line: 1, warn: func(line int, cell string) {
			rep.warn(line, cell, `a " inside a cell that is not quoted: read as it is — to be sure, quote the cell ("...") and double each " inside it`)
		}}
		in := bufio.NewReaderSize(&textReader{r: fix, kind: kind}, 64<<10)
		sample, err := in.Peek(64 << 10)
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return nil, importReadErr(ctx, err)
		}
		lay, err := detectLayout(sample, delim, opts.PhoneColumn)
		if err != nil {
			return nil, err
		}
		if lay.headerBytes > 0 {
			if _, err := in.Discard(lay.headerBytes); err != nil {
				return nil, importReadErr(ctx, err)
			}
		}
		rep.Column, rep.HasNames = lay.column, lay.hasNames
		if rows, err = newCSVSource(in, lay, rep); err != nil {
			return nil, err
		}
	}

	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan *importChunk, workers*2)
	results := make(chan *importChunk, workers*2)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				c.normalize(pr)
				results <- c
			}
		}()
	}
	m := &merger{rep: rep, sink: opts.OnRecipient, stop: cancel, suppressed: opts.Suppressed}
	merged := make(chan struct{})
	go func() {
		m.run(results, est)
		close(merged)
	}()
	finish := func() {
		close(work)
		wg.Wait()
		close(results)
		<-merged
	}

	const chunkRows = 4096
	const progressEvery = 1 << 16
	seq := 0
	cur := &importChunk{rows: make([]importRaw, 0, chunkRows)}
	emit := func(raw importRaw) error {
		cur.rows = append(cur.rows, raw)
		if len(cur.rows) < chunkRows {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		cur.seq = seq
		seq++
		work <- cur
		cur = &importChunk{rows: make([]importRaw, 0, chunkRows)}
		return nil
	}
	var readErr error
	for {
		ok, err := rows.next(emit)
		if err != nil {
			readErr = err
			break
		}
		if !ok {
			break
		}
		rep.Rows++
		if opts.Progress != nil && rep.Rows%progressEvery == 0 {
			opts.Progress(ImportProgress{Bytes: cr.n, TotalBytes: size, Rows: rep.Rows})
		}
	}
	if readErr == nil && len(cur.rows) > 0 {
		cur.seq = seq
		work <- cur
	}
	finish()
	if m.sinkErr != nil {
		return nil, m.sinkErr
	}
	if readErr != nil {
		return nil, rows.explain(ctx, readErr)
	}
	if cap(rep.Recipients) > 2*len(rep.Recipients)+1024 {
		// The estimate was for valid rows; do not keep a mostly empty array.
		rep.Recipients = append([]Recipient(nil), rep.Recipients...)
	}
	if opts.Progress != nil {
		opts.Progress(ImportProgress{Bytes: cr.n, TotalBytes: size, Rows: rep.Rows})
	}
	return rep, nil
}

// rowSource reads records one at a time: next hands the record's values
// to emit and reports false at the end of the file; a record handing
// nothing is skipped (blank). explain turns a read error into words.
type rowSource interface {
	next(emit func(importRaw) error) (bool, error)
	explain(ctx context.Context, err error) error
}

// csvSource reads CSV records through gocsv, which maps the chosen columns
// by name (see syntheticHeader).
type csvSource struct {
	csvr      *csv.Reader
	um        *gocsv.Unmarshaller
	lay       *importLayout
	lineShift int
}

func newCSVSource(in io.Reader, lay *importLayout, rep *ImportReport) (rowSource, error) {
	if lay.typed != nil {
		return newTypedSource(in, lay, rep), nil
	}
	// gocsv maps columns by header name, so the real header (or none) is
	// replaced by one naming the chosen columns after importRow's tags;
	// line numbers are shifted back by lineShift.
	csvr := csv.NewReader(io.MultiReader(strings.NewReader(lay.syntheticHeader()), in))
	csvr.Comma = lay.delim
	csvr.FieldsPerRecord = -1
	csvr.ReuseRecord = true
	um, err := gocsv.NewUnmarshaller(csvr, &importRow{}) // a pointer: no copy per row
	if err != nil {
		return nil, fmt.Errorf("reading the header: %w", err)
	}
	return &csvSource{csvr: csvr, um: um, lay: lay, lineShift: lay.headerLines - 1}, nil
}

func (s *csvSource) next(emit func(importRaw) error) (bool, error) {
	for {
		v, err := s.um.Read()
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		row := v.(*importRow)
		name := row.Name
		if s.lay.first >= 0 || s.lay.last >= 0 {
			name = strings.TrimSpace(strings.TrimSpace(row.First) + " " + strings.TrimSpace(row.Last))
		}
		if row.Other == nil && strings.TrimSpace(row.Phone) == "" && strings.TrimSpace(name) == "" {
			continue // a blank record such as ",,,"; any other is reported
		}
		line, _ := s.csvr.FieldPos(0)
		return true, emit(importRaw{line: line + s.lineShift, phone: row.Phone, name: name})
	}
}

func (s *csvSource) explain(ctx context.Context, err error) error {
	return importParseErr(ctx, err, s.lineShift)
}

// importRow is what gocsv fills from each record (see syntheticHeader).
type importRow struct {
	Phone string     `csv:"phone"`
	Name  string     `csv:"name"`
	First string     `csv:"first"`
	Last  string     `csv:"last"`
	Other otherCells `csv:"other"`
}

// otherCells is non-nil when a cell of the record's other columns holds
// text: a row without a phone number is skipped silently only when the
// whole record is blank. It is a map type because gocsv boxes each field
// value through reflection, and a pointer-shaped value costs no allocation
// per row where a bool would.
type otherCells map[struct{}]struct{}

var someText = otherCells{}

func (o *otherCells) UnmarshalCSV(cell string) error {
	if *o == nil && strings.TrimSpace(cell) != "" {
		*o = someText
	}
	return nil
}

// importRaw is one record's cells; importResult one number from it.
type importRaw struct {
	line        int
	phone, name string
	reason      string // set: a problem found while reading (phone is its value)
}

type importResult struct {
	line   int
	phone  string // E.164 digits, "" when rejected
	name   string
	value  string // sanitised raw value, for problems
	reason string
}

type importChunk struct {
	seq  int
	rows []importRaw
	out  []importResult
}

// normalize runs on a worker: split multi-number cells, normalise each.
func (c *importChunk) normalize(pr *phoneRules) {
	c.out = make([]importResult, 0, len(c.rows))
	for _, row := range c.rows {
		if row.reason != "" {
			c.out = append(c.out, importResult{line: row.line, value: problemValue(row.phone), reason: row.reason})
			continue
		}
		name := cleanName(row.name)
		if !strings.Contains(row.phone, ":::") && strings.IndexByte(row.phone, ';') < 0 {
			c.add(row.line, row.phone, name, pr) // the common case, without a split
			continue
		}
		for _, v := range splitNumbers(row.phone) {
			c.add(row.line, v, name, pr)
		}
	}
	c.rows = nil
}

func (c *importChunk) add(line int, v, name string, pr *phoneRules) {
	e164, reason := normalizePhone(v, pr)
	if reason != "" {
		c.out = append(c.out, importResult{line: line, value: problemValue(v), reason: reason})
		return
	}
	c.out = append(c.out, importResult{line: line, phone: e164, name: name})
}

// splitNumbers splits a cell holding several numbers (Google's " ::: ", or
// ';'); an empty cell yields one empty value so that it is reported.
func splitNumbers(cell string) []string {
	var parts []string
	switch {
	case strings.Contains(cell, ":::"):
		parts = strings.Split(cell, ":::")
	case strings.Contains(cell, ";"):
		parts = strings.Split(cell, ";")
	default:
		return []string{cell}
	}
	out := parts[:0]
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return []string{""}
	}
	return out
}

// cleanName sanitises a name and copies it off the CSV record's memory.
func cleanName(s string) string {
	s = strings.TrimSpace(s)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return Sanitize(s)
		}
	}
	// Printable ASCII holds no escape sequence: Sanitize would return it as is.
	return strings.Clone(s)
}

// merger puts chunks back in file order and de-duplicates: the first
// occurrence wins. Recipients go to sink when there is one, else into the
// report.
type merger struct {
	rep     *ImportReport
	sink    func(Recipient) error
	sinkErr error
	stop    func() // ends the read when the sink fails
	// suppressed numbers are counted, never kept.
	suppressed map[string]bool
}

func (m *merger) run(results <-chan *importChunk, est int) {
	rep := m.rep
	pending := map[int]*importChunk{}
	next := 0
	if m.sink == nil {
		rep.Recipients = make([]Recipient, 0, est)
	} else {
		// Nothing but the set grows with the valid rows: growing it as
		// they come keeps a file of bad rows small.
		est = min(est, 1<<16)
	}
	seen := newPhoneSet(est)
	var seenLong map[string]struct{}
	for c := range results {
		pending[c.seq] = c
		for {
			c, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			for _, res := range c.out {
				if res.phone == "" {
					rep.problem(ImportProblem{Line: res.line, Value: res.value, Reason: res.reason})
					continue
				}
				dup := false
				if k, ok := phoneKey(res.phone); ok {
					dup = !seen.add(k)
				} else {
					if seenLong == nil {
						seenLong = map[string]struct{}{}
					}
					if _, dup = seenLong[res.phone]; !dup {
						seenLong[res.phone] = struct{}{}
					}
				}
				if dup {
					rep.Duplicates++
					continue
				}
				if m.suppressed[res.phone] {
					rep.Suppressed++
					rep.SuppressedNumbers = append(rep.SuppressedNumbers, res.phone)
					continue
				}
				rep.Valid++
				rc := Recipient{Phone: res.phone, Name: res.name, Line: res.line}
				switch {
				case m.sink == nil:
					rep.Recipients = append(rep.Recipients, rc)
				case m.sinkErr == nil:
					if m.sinkErr = m.sink(rc); m.sinkErr != nil {
						m.stop()
					}
				}
			}
		}
	}
}

// estimateRows guesses the row count from the sample's line length so the
// result slice and the de-duplication set are allocated once (growing them
// would double the peak memory of a big import).
func estimateRows(sample []byte, size int64) int {
	lines := bytes.Count(sample, []byte{'\n'})
	if size <= 0 || lines < 2 {
		return 0
	}
	est := size / int64(len(sample)/lines)
	return int(min(est+est/16, 1<<21)) // beyond 2M rows, grow as needed
}

// phoneSet is an open-addressing set of phone keys (never 0): several
// times faster than a map for a million numbers, and half its size.
type phoneSet struct {
	slots []uint64
	n     int
	shift uint
}

func newPhoneSet(hint int) *phoneSet {
	size, shift := 1024, uint(64-10)
	for size*3/4 < hint {
		size, shift = size*2, shift-1
	}
	return &phoneSet{slots: make([]uint64, size), shift: shift}
}

// add inserts k and reports whether it was new.
func (s *phoneSet) add(k uint64) bool {
	if (s.n+1)*4 > len(s.slots)*3 {
		old := s.slots
		s.slots, s.shift, s.n = make([]uint64, len(old)*2), s.shift-1, 0
		for _, v := range old {
			if v != 0 {
				s.add(v)
			}
		}
	}
	mask := uint64(len(s.slots) - 1)
	for i := (k * 0x9E3779B97F4A7C15) >> s.shift; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case 0:
			s.slots[i] = k
			s.n++
			return true
		case k:
			return false
		}
	}
}

// phoneKey packs E.164 digits into an integer (they never start with 0),
// which keeps the de-duplication set small.
func phoneKey(p string) (uint64, bool) {
	if len(p) > 19 {
		return 0, false
	}
	var k uint64
	for i := 0; i < len(p); i++ {
		k = k*10 + uint64(p[i]-'0')
	}
	return k, true
}

// decodeInput strips a UTF-8 BOM and turns UTF-16 with a BOM into UTF-8.
func decodeInput(br *bufio.Reader) (io.Reader, error) {
	head, err := br.Peek(3)
	if err != nil && err != io.EOF {
		return nil, err
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		_, err = br.Discard(3)
		return br, err
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		_, err = br.Discard(2)
		return &utf16Reader{r: br}, err
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		_, err = br.Discard(2)
		return &utf16Reader{r: br, big: true}, err
	}
	return br, nil
}

// importLayout is what the first record tells: delimiter, header or not,
// which columns hold the phone and the name.
type importLayout struct {
	delim             rune
	ncols             int
	phone             int
	full, first, last int
	headerBytes       int
	headerLines       int
	column            string
	hasNames          bool
	typed             []typedPhone // Google's "Phone N - Type/Value" pairs, when the numbers come from them
}

func detectLayout(sample []byte, delim rune, phoneColumn string) (*importLayout, error) {
	lay := &importLayout{delim: delim, full: -1, first: -1, last: -1}
	hr := csv.NewReader(bytes.NewReader(sample))
	hr.Comma = lay.delim
	hr.FieldsPerRecord = -1
	first, err := hr.Read()
	if err != nil {
		if err == io.EOF {
			return nil, errEmptyFile
		}
		return nil, importParseErr(context.Background(), err, 0)
	}
	lay.ncols = len(first)
	header := true
	lay.phone = -1
	if want := compactName(phoneColumn); want != "" {
		for i, h := range first {
			if compactName(h) == want {
				lay.phone = i
				break
			}
		}
		if lay.phone < 0 {
			if n, ok := columnNumber(phoneColumn); ok && n < len(first) {
				lay.phone = n
				header = !phoneLike(first[n])
			}
		}
		if lay.phone < 0 {
			cols := first
			if phoneLike(first[0]) {
				cols = make([]string, len(first))
				for i := range cols {
					cols[i] = fmt.Sprintf("column %d", i+1)
				}
			}
			return nil, phoneColumnError{fmt.Errorf("phone column %q: no such column; the file's columns are %s — %s as one of them", Sanitize(phoneColumn), quoteList(cols), SettingPhoneColumn)}
		}
	} else if phoneLike(first[0]) {
		header, lay.phone = false, 0
	} else {
		best := 0
		for i, h := range first {
			if s := phoneHeaderScore(h); s > best {
				best, lay.phone = s, i
			}
		}
		if lay.phone < 0 {
			// No header but numbers further right ("Asha,+91 98765 43210").
			for i, c := range first {
				if phoneLike(c) {
					header, lay.phone = false, i
					break
				}
			}
		}
		if lay.phone < 0 {
			return nil, phoneColumnError{fmt.Errorf("no phone column found: the header has %s — %s", quoteList(first), SettingPhoneColumn)}
		}
	}
	if !header {
		lay.column = fmt.Sprintf("column %d", lay.phone+1)
		return lay, nil
	}
	off := int(hr.InputOffset())
	lay.headerBytes = off
	lay.headerLines = bytes.Count(sample[:off], []byte{'\n'})
	lay.column = Sanitize(strings.TrimSpace(first[lay.phone]))
	lay.full, lay.first, lay.last = nameColumns(first, lay.phone)
	lay.hasNames = lay.full >= 0 || lay.first >= 0 || lay.last >= 0
	if phoneColumn == "" {
		// Only when the column picked is one of the typed pairs: a
		// "WhatsApp" or "Mobile" column of its own still wins.
		if typed := typedPhones(first); typed != nil && slices.ContainsFunc(typed, func(tp typedPhone) bool { return tp.value == lay.phone }) {
			lay.typed = typed
		}
	}
	return lay, nil
}

// syntheticHeader names the columns after importRow's csv tags.
func (l *importLayout) syntheticHeader() string {
	n := l.ncols
	if l.phone >= n {
		n = l.phone + 1
	}
	cols := make([]string, n)
	for i := range cols {
		cols[i] = "other"
	}
	cols[l.phone] = "phone"
	if l.full >= 0 {
		cols[l.full] = "name"
	}
	if l.first >= 0 {
		cols[l.first] = "first"
	}
	if l.last >= 0 {
		cols[l.last] = "last"
	}
	return strings.Join(cols, string(l.delim)) + "\n"
}

func importReadErr(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
		return ctxErr
	}
	var bin errBinary
	if errors.As(err, &bin) {
		return bin
	}
	var long errTooLong
	if errors.As(err, &long) {
		return long
	}
	return fmt.Errorf("reading the file: %w", err)
}

// importParseErr explains a CSV syntax error with the file's line numbers.
func importParseErr(ctx context.Context, err error, lineShift int) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return importReadErr(ctx, err)
	}
	start, line := pe.StartLine+lineShift, pe.Line+lineShift
	switch {
	case errors.Is(pe.Err, csv.ErrQuote) && line > start:
		return fmt.Errorf("line %d: the quoted field that starts here is not closed properly (still open at line %d) — check its \" characters or re-export the file", start, line)
	case errors.Is(pe.Err, csv.ErrQuote):
		return fmt.Errorf("line %d, column %d: a quoted field is not closed properly — a \" inside a quoted field must be doubled (\"\")", line, pe.Column)
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return fmt.Errorf("line %d, column %d: a \" inside an unquoted field — quote the whole field (\"...\") and double the inner quote, or remove it", line, pe.Column)
	}
	return fmt.Errorf("line %d: %v — check the file is a CSV export", line, pe.Err)
}
