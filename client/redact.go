package client

import (
	"bytes"
	"slices"
	"unicode/utf16"
	"unicode/utf8"
)

const redacted = "[REDACTED]"

// redactKey replaces every echo of key in b with [REDACTED], however the
// server escaped it, character by character and in any mix: JSON (`\/`,
// `\"`, `\uXXXX`, a UTF-16 surrogate pair, backslashes doubled by nesting),
// URL (`%XX` per byte, `%25XX` when escaped twice, `+` for a space) and HTML
// (`&#NN;`, `&#xHH;`, `&lt;` and friends). A key echoed as `ab\/cd\u003c`
// decodes to the key, so it is the key. b itself is returned (not copied,
// found false) when it holds no echo.
func redactKey(b []byte, key string) (out []byte, found bool) {
	if key == "" || len(b) == 0 {
		return b, false
	}
	first, _ := utf8.DecodeRuneInString(key)
	// Where an echo can start: the key's first character, or an escape.
	starts := string(first) + `\%&`
	if first == ' ' {
		starts += "+"
	}
	last := 0 // b[last:] is not yet copied to out
	for i := 0; i < len(b); {
		off := bytes.IndexAny(b[i:], starts)
		if off < 0 {
			break
		}
		i += off
		end, ok := echoAt(b, i, key)
		if !ok {
			i++
			continue
		}
		out = append(append(out, b[last:i]...), redacted...)
		i, last, found = end, end, true
	}
	if !found {
		return b, false
	}
	return append(out, b[last:]...), true
}

// redactKeyString is redactKey for text.
func redactKeyString(s, key string) string {
	if out, found := redactKey([]byte(s), key); found {
		return string(out)
	}
	return s
}

// echoAt reports whether an echo of key starts at b[i], and where the
// longest one ends. A character can be spelled several ways at one place
// (`%25` is "%" escaped, or "%" then "25"), so every way is followed: the
// set of places reachable after each character stays small.
func echoAt(b []byte, i int, key string) (int, bool) {
	var bufA, bufB [32]int
	cur, next := append(bufA[:0], i), bufB[:0]
	for _, r := range key {
		next = next[:0]
		for _, p := range cur {
			ns, k := spellings(b, p, r)
			for _, n := range ns[:k] {
				if !slices.Contains(next, p+n) && len(next) < cap(bufB) {
					next = append(next, p+n)
				}
			}
		}
		if len(next) == 0 {
			return 0, false
		}
		cur, next = next, cur
	}
	return slices.Max(cur), true
}

// spellings are the lengths of the ways b[i:] starts with r, literally or
// escaped (k of them).
func spellings(b []byte, i int, r rune) (ns [6]int, k int) {
	add := func(n int) {
		if n > 0 && k < len(ns) {
			ns[k] = n
			k++
		}
	}
	var lit [utf8.UTFMax]byte
	enc := lit[:utf8.EncodeRune(lit[:], r)]
	if bytes.HasPrefix(b[i:], enc) {
		add(len(enc))
	}
	if r == '\\' {
		// `\\`, `\\\\`, …: a backslash escaped once, twice, …
		for n := 2; n <= 16 && i+n <= len(b) && allBackslashes(b[i:i+n]); n *= 2 {
			add(n)
		}
	}
	add(jsonEscapeAt(b, i, r))
	add(percentAt(b, i, enc, "%"))
	add(percentAt(b, i, enc, "%25"))
	if r == ' ' && i < len(b) && b[i] == '+' {
		add(1)
	}
	add(htmlEntityAt(b, i, r))
	return ns, k
}

func allBackslashes(b []byte) bool {
	for _, c := range b {
		if c != '\\' {
			return false
		}
	}
	return true
}

// jsonEscapeAt reads `\uXXXX` (a surrogate pair for runes past U+FFFF),
// `\/` or `\"`, after one or more backslashes (JSON inside JSON).
func jsonEscapeAt(b []byte, i int, r rune) int {
	p := i
	for p < len(b) && b[p] == '\\' {
		p++
	}
	if p == i || p >= len(b) {
		return 0
	}
	switch c := b[p]; {
	case (c == '/' || c == '"') && rune(c) == r:
		return p + 1 - i
	case c == 'u' || c == 'U':
		v, ok := hexAt(b, p+1, 4)
		if !ok {
			return 0
		}
		if rune(v) == r {
			return p + 5 - i
		}
		hi, lo := utf16.EncodeRune(r)
		if hi == utf8.RuneError || rune(v) != hi {
			return 0
		}
		// The low half: the same escape again.
		q := p + 5
		for q < len(b) && b[q] == '\\' {
			q++
		}
		if q == p+5 || q >= len(b) || (b[q] != 'u' && b[q] != 'U') {
			return 0
		}
		if v2, ok := hexAt(b, q+1, 4); ok && rune(v2) == lo {
			return q + 5 - i
		}
	}
	return 0
}

// percentAt reads the rune's UTF-8 bytes each as prefix and two hex
// digits: %XX, or %25XX when escaped twice.
func percentAt(b []byte, i int, enc []byte, prefix string) int {
	p := i
	for _, want := range enc {
		if !bytes.HasPrefix(b[p:], []byte(prefix)) {
			return 0
		}
		v, ok := hexAt(b, p+len(prefix), 2)
		if !ok || byte(v) != want {
			return 0
		}
		p += len(prefix) + 2
	}
	return p - i
}

// htmlNamed are the entities an HTML error page uses for ASCII.
var htmlNamed = map[string]rune{"lt": '<', "gt": '>', "amp": '&', "quot": '"', "apos": '\'', "sol": '/', "plus": '+', "equals": '=', "percnt": '%', "num": '#'}

// htmlEntityAt reads `&#NN;`, `&#xHH;` or a named entity.
func htmlEntityAt(b []byte, i int, r rune) int {
	if i >= len(b) || b[i] != '&' {
		return 0
	}
	semi := bytes.IndexByte(b[i:min(len(b), i+12)], ';')
	if semi < 2 {
		return 0
	}
	name := b[i+1 : i+semi]
	var v rune = -1
	switch {
	case name[0] == '#' && len(name) > 1 && (name[1] == 'x' || name[1] == 'X'):
		if n, ok := hexAt(name, 2, len(name)-2); ok && len(name) > 2 {
			v = rune(n)
		}
	case name[0] == '#':
		n := 0
		for _, c := range name[1:] {
			if c < '0' || c > '9' {
				return 0
			}
			n = n*10 + int(c-'0')
		}
		v = rune(n)
	default:
		if nr, ok := htmlNamed[string(name)]; ok {
			v = nr
		}
	}
	if v != r {
		return 0
	}
	return semi + 1
}

// hexAt reads n hex digits at b[i].
func hexAt(b []byte, i, n int) (int, bool) {
	if i < 0 || n <= 0 || n > 6 || i+n > len(b) {
		return 0, false
	}
	v := 0
	for _, c := range b[i : i+n] {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | int(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | int(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | int(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}
