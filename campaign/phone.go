package campaign

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// Human reasons for a rejected number (SPEC section 4). Reasons naming a
// region are built by tooShort/tooLong/notValid below.
const (
	reasonEmpty    = "no phone number"
	reasonNoCC     = "no country code: " + string(SettingDefaultCountry)
	reasonLetters  = "not a phone number (letters)"
	reasonNotPhone = "not a phone number"
	reasonShort    = "too short to be a phone number"
	reasonLong     = "too long to be a phone number"
	reasonUnknown  = "unknown country code"
)

// ValidRegion reports whether code is an ISO region libphonenumber knows
// ("IN", "gb"), for checking --default-country before an import.
func ValidRegion(code string) bool {
	return phonenumbers.GetSupportedRegions()[strings.ToUpper(strings.TrimSpace(code))]
}

// NormalizePhone turns one written number into E.164 digits without '+'
// ("+91 98765-43210" -> "919876543210"). defaultRegion ("IN", "GB", or ""
// for none) applies to numbers written without '+' or an international
// prefix. The error text is a reason a person understands, e.g. "too short
// for IN".
func NormalizePhone(raw, defaultRegion string) (string, error) {
	return PhoneOptions{DefaultCountry: defaultRegion}.Normalize(raw)
}

// PhoneOptions says how to read numbers written without '+'.
type PhoneOptions struct {
	// DefaultCountry is an ISO region ("IN", "GB") for national numbers.
	DefaultCountry string
	// International reads digits without '+' as country code and number,
	// the API's own form ("919876543210"), whatever their country. A number
	// starting with 0 is still national (of DefaultCountry) when one is set.
	International bool
}

// Normalize is NormalizePhone under these options.
func (o PhoneOptions) Normalize(raw string) (string, error) {
	pr, err := o.rules()
	if err != nil {
		return "", err
	}
	e164, reason := normalizePhone(raw, pr)
	if reason != "" {
		return "", errors.New(reason)
	}
	return e164, nil
}

// phoneRules are resolved PhoneOptions: region upper-case and valid (or
// ""), def its metadata (nil without a region).
type phoneRules struct {
	region string
	def    *phoneRegion
	intl   bool
}

func (o PhoneOptions) rules() (*phoneRules, error) {
	region := strings.ToUpper(strings.TrimSpace(o.DefaultCountry))
	def, err := defaultRegionInfo(region)
	if err != nil {
		return nil, err
	}
	return &phoneRules{region: region, def: def, intl: o.International}, nil
}

// defaultRegionInfo resolves a default country value; "" means none.
func defaultRegionInfo(region string) (*phoneRegion, error) {
	if region == "" {
		return nil, nil
	}
	if !ValidRegion(region) {
		return nil, fmt.Errorf("unknown country %q: use a two-letter ISO region code such as IN, GB or US", Sanitize(region))
	}
	return regionByID(region), nil
}

// normalizePhone is NormalizePhone without allocating an error: it returns
// the E.164 digits or a reason.
func normalizePhone(raw string, pr *phoneRules) (string, string) {
	s, reason := preparePhone(raw, pr)
	if reason != "" {
		return "", reason
	}
	if e, reason, ok := fastNormalize(s, pr.def); ok {
		return e, reason
	}
	return slowNormalize(s, pr.region)
}

// sciNotation matches what a spreadsheet makes of a long number stored as
// a number: 9.19E+11 (or 9,19E+11 in comma-decimal locales).
var sciNotation = regexp.MustCompile(`^[+-]?[0-9]+(?:[.,][0-9]+)?[eE][+]?[0-9]+$`)

// reasonIntlZero: in international form the country code comes first, and
// none starts with 0.
const reasonIntlZero = "starts with 0, so it is not country code and number — write it with its country code, or set a default country for national numbers"

// preparePhone applies the rules shared by the fast and the full path:
// invisible marks, trimming, spreadsheet damage, letters, and the
// international prefixes, which both paths then see as a '+'.
func preparePhone(raw string, pr *phoneRules) (string, string) {
	s := stripInvisible(raw)
	s = strings.TrimSpace(s)
	// A leading apostrophe is how spreadsheets mark a cell as text.
	s = strings.TrimSpace(strings.TrimPrefix(s, "'"))
	if s == "" {
		return "", reasonEmpty
	}
	if strings.ContainsAny(s, "\t\r\n\u00a0") {
		// A line break typed inside a cell, or a non-breaking space copied
		// from a web page, is just a space.
		s = strings.Map(func(r rune) rune {
			if r == '\t' || r == '\r' || r == '\n' || r == '\u00a0' {
				return ' '
			}
			return r
		}, s)
	}
	if (strings.IndexByte(s, 'E') >= 0 || strings.IndexByte(s, 'e') >= 0) && sciNotation.MatchString(s) {
		return "", "spreadsheet turned this number into " + s + " — re-export the column as text"
	}
	if hasLetter(s) {
		return "", reasonLetters
	}
	i := 0
	for i < len(s) && isPhoneSep(s[i]) {
		i++
	}
	if i < len(s) && s[i] == '+' {
		return s, ""
	}
	if pr.def != nil && pr.def.idd != nil {
		// The default country's own international prefix (AU 0011, ID 008,
		// KR 001...), read as libphonenumber's parsePrefixAsIdd reads it.
		switch n := pr.def.iddDigits(s[i:]); {
		case n > 0:
			return "+" + skipDigits(s[i:], n), ""
		case n < 0:
			return s, "" // the prefix followed by 0: a national number
		}
	}
	if strings.HasPrefix(s[i:], "00") {
		return "+" + s[i+2:], "" // "00" means international whatever the country
	}
	if pr.intl && i < len(s) && s[i] >= '1' && s[i] <= '9' {
		return "+" + s[i:], ""
	}
	if pr.intl && pr.def == nil && i < len(s) && s[i] == '0' {
		return "", reasonIntlZero
	}
	return s, ""
}

// iddDigits says how many leading digits of s are the region's
// international prefix: 0 when there is none, -1 when the prefix is
// followed by a 0 (no country code starts with 0, so libphonenumber reads
// the number as national). Only the leading run of ASCII digits and
// separators is read; anything else is left to the full parser.
func (r *phoneRegion) iddDigits(s string) int {
	var buf [24]byte
	n := 0
	for i := 0; i < len(s) && n < len(buf); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			buf[n] = c
			n++
		} else if !isPhoneSep(c) {
			break
		}
	}
	d := string(buf[:n])
	loc := r.idd.FindStringIndex(d)
	if loc == nil || loc[0] != 0 || loc[1] == 0 {
		return 0
	}
	if loc[1] < len(d) && d[loc[1]] == '0' {
		return -1
	}
	if loc[1] == len(d) && n == len(buf) {
		return 0 // the prefix may go on past what was read: let the parser decide
	}
	return loc[1]
}

// skipDigits drops the first n ASCII digits of s (and the separators
// among them).
func skipDigits(s string, n int) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			if n == 0 {
				return s[i:]
			}
			n--
		}
	}
	return ""
}

// stripInvisible removes the direction marks and zero-width characters
// that copying a number from WhatsApp or a web page wraps around it
// (U+200B–U+200F, U+202A–U+202E, U+2060, U+2066–U+2069, U+FEFF).
func stripInvisible(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isInvisible(r) {
			return -1
		}
		return r
	}, s)
}

func isInvisible(r rune) bool {
	return (r >= 0x200B && r <= 0x200F) || (r >= 0x202A && r <= 0x202E) || r == 0x2060 ||
		(r >= 0x2066 && r <= 0x2069) || r == 0xFEFF
}

func hasLetter(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') {
				return true
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.IsLetter(r) {
			return true
		}
		i += n
	}
	return false
}

// isPhoneSep reports the separators the fast path understands; any other
// character sends the number to the full parser.
func isPhoneSep(c byte) bool {
	switch c {
	case ' ', '-', '.', '(', ')', '/':
		return true
	}
	return false
}

// slowNormalize is the reference: libphonenumber's Parse, IsValidNumber
// and Format(E164). The fast path must agree with it (see the agreement
// test and FuzzNormalizePhone).
func slowNormalize(s, region string) (e164, reason string) {
	defer func() {
		// The parser has panicked on hostile input before; a cell must
		// never take the import down.
		if recover() != nil {
			e164, reason = "", reasonNotPhone
		}
	}()
	num, err := phonenumbers.Parse(s, region)
	if err != nil {
		switch err {
		case phonenumbers.ErrInvalidCountryCode:
			if i := strings.IndexAny(s, "+＋"); i >= 0 {
				return "", unknownCC(s[i:])
			}
			if region == "" {
				return "", reasonNoCC
			}
			return "", reasonUnknown
		case phonenumbers.ErrTooShortNSN, phonenumbers.ErrTooShortAfterIDD:
			return "", reasonShort
		case phonenumbers.ErrNumTooLong:
			return "", reasonLong
		}
		return "", reasonNotPhone
	}
	if !phonenumbers.IsValidNumber(num) {
		cc := int(num.GetCountryCode())
		v := phonenumbers.IsPossibleNumberWithReason(num)
		if v == phonenumbers.INVALID_COUNTRY_CODE {
			return "", reasonUnknown + " +" + strconv.Itoa(cc)
		}
		return "", lengthReason(v, cc)
	}
	return strings.TrimPrefix(phonenumbers.Format(num, phonenumbers.E164), "+"), ""
}

// unknownCC names the first digits after the plus: "unknown country code +999".
func unknownCC(s string) string {
	d := make([]byte, 0, 3)
	for _, r := range s {
		if r >= '0' && r <= '9' {
			d = append(d, byte(r))
			if len(d) == 3 {
				break
			}
		}
	}
	if len(d) == 0 {
		return reasonUnknown
	}
	return reasonUnknown + " +" + string(d)
}

// lengthReason explains an invalid number of a known country code.
func lengthReason(v phonenumbers.ValidationResult, cc int) string {
	where := regionLabel(cc)
	switch v {
	case phonenumbers.TOO_SHORT, phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		return "too short for " + where
	case phonenumbers.TOO_LONG:
		return "too long for " + where
	}
	return "not a valid number for " + where
}

// regionLabel is the main region of a calling code ("US" for +1), or the
// code itself for non-geographic ones ("+800").
func regionLabel(cc int) string {
	r := phonenumbers.GetRegionCodeForCountryCode(cc)
	if r == "" || r == "ZZ" || r == "001" {
		return "+" + strconv.Itoa(cc)
	}
	return r
}

// ---- fast path ----

// phoneDesc is one precompiled PhoneNumberDesc: possible lengths as a bit
// set and the anchored national-number pattern.
type phoneDesc struct {
	hasLengths bool
	lengths    uint64
	re         *regexp.Regexp // nil: the type does not exist
}

func newPhoneDesc(d *phonenumbers.PhoneNumberDesc) phoneDesc {
	var pd phoneDesc
	if d == nil {
		return pd
	}
	if len(d.PossibleLength) > 0 {
		pd.hasLengths = true
		for _, l := range d.PossibleLength {
			if l > 0 && l < 64 {
				pd.lengths |= 1 << uint(l)
			}
		}
	}
	if p := d.GetNationalNumberPattern(); p != "" {
		pd.re = regexp.MustCompile("^(?:" + p + ")$")
	}
	return pd
}

// match mirrors isNumberMatchingDesc (nsn is never empty here).
func (d *phoneDesc) match(nsn string) bool {
	if d.re == nil {
		return false
	}
	if d.hasLengths {
		n := len(nsn)
		if n >= 64 || d.lengths&(1<<uint(n)) == 0 {
			return false
		}
	}
	return d.re.MatchString(nsn)
}

// phoneRegion is one region's metadata, compiled on first use.
type phoneRegion struct {
	id    string // "IN", or "001" for non-geographic codes
	cc    int
	ccStr string
	meta  *phonenumbers.PhoneMetadata

	once      sync.Once
	general   phoneDesc
	generalRe *regexp.Regexp // pattern only, as the parser uses it
	types     []phoneDesc    // mobile first: valid when any matches
	leading   *regexp.Regexp
	nppRe     *regexp.Regexp
	nppLit    string // national prefix when it is plain digits (fast HasPrefix)
	transform string
	idd       *regexp.Regexp
	possible  []int32
	local     []int32
}

func (r *phoneRegion) compile() *phoneRegion {
	r.once.Do(func() {
		m := r.meta
		r.general = newPhoneDesc(m.GetGeneralDesc())
		r.generalRe = regexp.MustCompile("^(?:" + m.GetGeneralDesc().GetNationalNumberPattern() + ")$")
		if !m.GetSameMobileAndFixedLinePattern() {
			r.types = append(r.types, newPhoneDesc(m.GetMobile()))
		}
		for _, d := range []*phonenumbers.PhoneNumberDesc{m.GetFixedLine(), m.GetTollFree(),
			m.GetPremiumRate(), m.GetSharedCost(), m.GetVoip(), m.GetPersonalNumber(),
			m.GetPager(), m.GetUan(), m.GetVoicemail()} {
			if pd := newPhoneDesc(d); pd.re != nil {
				r.types = append(r.types, pd)
			}
		}
		if ld := m.GetLeadingDigits(); ld != "" {
			r.leading = regexp.MustCompile("^(?:" + ld + ")")
		}
		if npp := m.GetNationalPrefixForParsing(); npp != "" {
			r.nppRe = regexp.MustCompile("^(?:" + npp + ")")
			r.transform = m.GetNationalPrefixTransformRule()
			if r.transform == "" && allDigits(npp) {
				r.nppLit = npp
			}
		}
		if idd := m.GetInternationalPrefix(); idd != "" {
			r.idd = regexp.MustCompile(idd)
		}
		r.possible = m.GetGeneralDesc().GetPossibleLength()
		r.local = m.GetGeneralDesc().GetPossibleLengthLocalOnly()
	})
	return r
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

// valid mirrors getNumberTypeHelper(...) != UNKNOWN.
func (r *phoneRegion) valid(nsn string) bool {
	if !r.general.match(nsn) {
		return false
	}
	for i := range r.types {
		if r.types[i].match(nsn) {
			return true
		}
	}
	return false
}

// testLength mirrors testNumberLength(number, metadata, UNKNOWN); ok is
// false when the metadata has no lengths (left to the full parser).
func (r *phoneRegion) testLength(number string) (phonenumbers.ValidationResult, bool) {
	if len(r.possible) == 0 {
		return 0, false
	}
	if r.possible[0] == -1 {
		return phonenumbers.INVALID_LENGTH, true
	}
	n := int32(len(number))
	for _, l := range r.local {
		if l == n {
			return phonenumbers.IS_POSSIBLE_LOCAL_ONLY, true
		}
	}
	switch {
	case r.possible[0] == n:
		return phonenumbers.IS_POSSIBLE, true
	case r.possible[0] > n:
		return phonenumbers.TOO_SHORT, true
	case r.possible[len(r.possible)-1] < n:
		return phonenumbers.TOO_LONG, true
	}
	for _, l := range r.possible[1:] {
		if l == n {
			return phonenumbers.IS_POSSIBLE, true
		}
	}
	return phonenumbers.INVALID_LENGTH, true
}

// stripNationalPrefix mirrors maybeStripNationalPrefixAndCarrierCode.
func (r *phoneRegion) stripNationalPrefix(number string) string {
	if number == "" || r.nppRe == nil {
		return number
	}
	if r.nppLit != "" {
		if !strings.HasPrefix(number, r.nppLit) {
			return number
		}
		if r.generalRe.MatchString(number) && !r.generalRe.MatchString(number[len(r.nppLit):]) {
			return number
		}
		return number[len(r.nppLit):]
	}
	loc := r.nppRe.FindStringSubmatchIndex(number)
	if loc == nil {
		return number
	}
	viable := r.generalRe.MatchString(number)
	groups := len(loc)/2 - 1
	if r.transform == "" || loc[groups*2] < 0 {
		if viable && !r.generalRe.MatchString(number[loc[1]:]) {
			return number
		}
		return number[loc[1]:]
	}
	t := r.nppRe.ReplaceAllString(number, r.transform)
	if viable && !r.generalRe.MatchString(t) {
		return number
	}
	return t
}

var phoneTables struct {
	once      sync.Once
	byID      map[string]*phoneRegion
	nonGeo    map[int]*phoneRegion
	ccRegions map[int][]string
}

func loadPhoneTables() {
	phoneTables.once.Do(func() {
		phoneTables.byID = map[string]*phoneRegion{}
		phoneTables.nonGeo = map[int]*phoneRegion{}
		phoneTables.ccRegions = map[int][]string{}
		coll, err := phonenumbers.MetadataCollection()
		if err != nil {
			return // the fast path then declines everything
		}
		for _, m := range coll.GetMetadata() {
			cc := int(m.GetCountryCode())
			r := &phoneRegion{id: m.GetId(), cc: cc, ccStr: strconv.Itoa(cc), meta: m}
			if r.id == "001" {
				phoneTables.nonGeo[cc] = r
			} else {
				phoneTables.byID[r.id] = r
			}
		}
		for cc := range phonenumbers.GetSupportedCallingCodes() {
			phoneTables.ccRegions[cc] = phonenumbers.GetRegionCodesForCountryCode(cc)
		}
	})
}

func regionByID(id string) *phoneRegion {
	loadPhoneTables()
	if r := phoneTables.byID[id]; r != nil {
		return r.compile()
	}
	return nil
}

// metaFor mirrors getMetadataForRegionOrCallingCode.
func metaFor(cc int, id string) *phoneRegion {
	var r *phoneRegion
	if id == "001" {
		r = phoneTables.nonGeo[cc]
	} else {
		r = phoneTables.byID[id]
	}
	if r == nil {
		return nil
	}
	return r.compile()
}

// fastNormalize decides the common shapes of number (ASCII digits, the
// usual separators, an optional leading '+') by following the parser's
// own steps with precompiled metadata. ok is false when it does not
// recognise the input; the caller then asks the full parser.
func fastNormalize(s string, def *phoneRegion) (e164, reason string, ok bool) {
	if len(s) > 250 {
		return "", "", false
	}
	var buf [24]byte
	nd := 0
	i := 0
	for i < len(s) && isPhoneSep(s[i]) {
		i++
	}
	plus := i < len(s) && s[i] == '+'
	if plus {
		i++
	}
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if nd == len(buf) {
				return "", "", false
			}
			buf[nd] = c
			nd++
		case isPhoneSep(c):
		default:
			return "", "", false
		}
	}
	if nd < 3 {
		return "", "", false
	}
	d := string(buf[:nd])
	loadPhoneTables()

	var cc int
	var nsn string
	var meta *phoneRegion // metadata used for national-prefix stripping
	if plus {
		if d[0] == '0' {
			return "", "", false
		}
		for l := 1; l <= 3 && l < len(d); l++ {
			c, _ := strconv.Atoi(d[:l])
			if regions := phoneTables.ccRegions[c]; len(regions) > 0 {
				cc, nsn = c, d[l:]
				meta = metaFor(c, regions[0])
				break
			}
		}
		if meta == nil {
			return "", "", false
		}
	} else {
		if def == nil {
			return "", reasonNoCC, true
		}
		if def.idd != nil {
			if loc := def.idd.FindStringIndex(d); loc != nil && loc[0] == 0 {
				return "", "", false // written with the region's own IDD
			}
		}
		cc, nsn, meta = def.cc, d, def
		if strings.HasPrefix(d, def.ccStr) {
			pot := def.stripNationalPrefix(d[len(def.ccStr):])
			lv, ok := def.testLength(d)
			if !ok {
				return "", "", false
			}
			if (!def.generalRe.MatchString(d) && def.generalRe.MatchString(pot)) || lv == phonenumbers.TOO_LONG {
				nsn = pot
				meta = metaFor(cc, phoneTables.ccRegions[cc][0])
			}
		}
	}
	if meta == nil || len(nsn) < 2 {
		return "", "", false
	}
	if pot := meta.stripNationalPrefix(nsn); pot != nsn {
		v, ok := meta.testLength(pot)
		if !ok {
			return "", "", false
		}
		if v != phonenumbers.TOO_SHORT && v != phonenumbers.IS_POSSIBLE_LOCAL_ONLY && v != phonenumbers.INVALID_LENGTH {
			nsn = pot
		}
	}
	if len(nsn) < 2 || len(nsn) > 17 {
		return "", "", false
	}

	regions := phoneTables.ccRegions[cc]
	var r *phoneRegion
	if len(regions) == 1 {
		r = metaFor(cc, regions[0])
	} else {
		// getRegionCodeForNumberFromRegionList
		for _, id := range regions {
			m := metaFor(cc, id)
			if m == nil {
				continue
			}
			if m.leading != nil {
				if m.leading.MatchString(nsn) {
					r = m
					break
				}
			} else if m.valid(nsn) {
				r = m
				break
			}
		}
	}
	if r != nil && r.valid(nsn) {
		if plus && len(d) == len(meta.ccStr)+len(nsn) && strings.HasSuffix(d, nsn) {
			return d, "", true // already cc+nsn: no second allocation
		}
		return strconv.Itoa(cc) + nsn, "", true
	}
	main := metaFor(cc, regions[0])
	if main == nil || main.meta.GetGeneralDesc().GetNationalNumberPattern() == "" {
		return "", "", false
	}
	v, ok := main.testLength(nsn)
	if !ok {
		return "", "", false
	}
	return "", lengthReason(v, cc), true
}
