// Package campaign is spotcast's domain: what a campaign is, how it is
// validated, how it becomes API requests, and how recipients are imported.
// It knows nothing of HTTP or of the terminal UI.
package campaign

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MessageType is the WhatsSpot message type.
type MessageType string

const (
	TypeText     MessageType = "TEXT"
	TypeImage    MessageType = "IMAGE"
	TypeVideo    MessageType = "VIDEO"
	TypeDocument MessageType = "DOCUMENT"
)

// MessageTypes lists the types in the order the UI offers them.
var MessageTypes = []MessageType{TypeText, TypeImage, TypeVideo, TypeDocument}

// WhatsApp's own limits, applied client-side (API.md assumption 3).
const (
	MaxTextChars    = 4096
	MaxCaptionChars = 1024
	// BulkThreshold: more recipients than this (or any group) makes a bulk job.
	BulkThreshold = 10
)

// ParseMessageType accepts a type name in any case.
func ParseMessageType(s string) (MessageType, error) {
	t := MessageType(strings.ToUpper(strings.TrimSpace(s)))
	for _, k := range MessageTypes {
		if t == k {
			return t, nil
		}
	}
	return "", fmt.Errorf("unknown message type %q: use TEXT, IMAGE, VIDEO or DOCUMENT", s)
}

// IsMedia reports whether the type carries a media URL and a caption.
func (t MessageType) IsMedia() bool { return t == TypeImage || t == TypeVideo || t == TypeDocument }

// Description is the one-line explanation shown when picking a type.
func (t MessageType) Description() string {
	switch t {
	case TypeText:
		return "A plain text message, up to " + Grouped(MaxTextChars) + " characters."
	case TypeImage:
		return "A picture (JPEG/PNG, up to 5 MB) with an optional caption."
	case TypeVideo:
		return "A video (MP4/3GP, up to 16 MB) with an optional caption."
	case TypeDocument:
		return "A file such as a PDF (up to 100 MB) with an optional caption."
	}
	return ""
}

// ContentLimit is the character limit of the content field for this type:
// the text for TEXT, the caption for media types.
func (t MessageType) ContentLimit() int {
	if t.IsMedia() {
		return MaxCaptionChars
	}
	return MaxTextChars
}

// Campaign is one message to many recipients.
type Campaign struct {
	Type MessageType `json:"type"`
	// Content is the text (TEXT) or the caption (media types).
	Content  string `json:"content"`
	MediaURL string `json:"mediaUrl,omitempty"`
	// Recipients are E.164 digits without '+', already normalised.
	Recipients []string `json:"recipients,omitempty"`
	GroupIDs   []string `json:"groupIds,omitempty"`
	// ScheduledAt zero means "send now".
	ScheduledAt time.Time `json:"scheduledAt,omitzero"`
}

// Problem is one thing wrong with a campaign, tied to the field it concerns.
type Problem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (p Problem) String() string { return p.Field + ": " + p.Message }

// Problems is every problem found at once; it is an error when non-empty.
type Problems []Problem

func (ps Problems) Error() string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, "; ")
}

// For returns the problems concerning one field.
func (ps Problems) For(field string) Problems {
	var out Problems
	for _, p := range ps {
		if p.Field == field {
			out = append(out, p)
		}
	}
	return out
}

// Chars counts characters as WhatsApp does: Unicode code points, not bytes.
func Chars(s string) int { return utf8.RuneCountInString(s) }

// Field names used in problems; they match the CLI flag names.
const (
	FieldType       = "type"
	FieldContent    = "content"
	FieldMediaURL   = "media-url"
	FieldRecipients = "recipients"
	FieldGroups     = "group"
	FieldSchedule   = "schedule"
)

// Validate returns every problem with the campaign at once, or nil.
// now is the reference for "schedule in the past".
func (c Campaign) Validate(now time.Time) Problems {
	var ps Problems
	add := func(f, format string, a ...any) { ps = append(ps, Problem{f, fmt.Sprintf(format, a...)}) }
	if _, err := ParseMessageType(string(c.Type)); err != nil {
		add(FieldType, "%v", err)
	}
	n := Chars(c.Content)
	switch {
	case !c.Type.IsMedia() && strings.TrimSpace(c.Content) == "":
		add(FieldContent, "a TEXT message needs content: "+string(SettingContent))
	case n > c.Type.ContentLimit():
		what := "text"
		if c.Type.IsMedia() {
			what = "caption"
		}
		add(FieldContent, "%s is %s characters; WhatsApp allows at most %s — shorten it by %s",
			what, Grouped(n), Grouped(c.Type.ContentLimit()), Grouped(n-c.Type.ContentLimit()))
	}
	if c.Type.IsMedia() {
		if msg := CheckMediaURL(c.MediaURL); msg != "" {
			add(FieldMediaURL, "%s", msg)
		}
	} else if strings.TrimSpace(c.MediaURL) != "" {
		add(FieldMediaURL, "a TEXT message takes no media URL: choose IMAGE, VIDEO or DOCUMENT, or "+string(SettingNoMediaURL))
	}
	if len(c.Recipients) == 0 && len(c.GroupIDs) == 0 {
		add(FieldRecipients, "no recipients: "+string(SettingRecipients))
	}
	for _, g := range c.GroupIDs {
		if strings.TrimSpace(g) == "" {
			add(FieldGroups, "a group ID is empty")
			break
		}
	}
	if !c.ScheduledAt.IsZero() && c.ScheduledAt.Before(now) {
		add(FieldSchedule, "%s is in the past (it is now %s)",
			c.ScheduledAt.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return ps
}

// CheckMediaURL returns why a media URL is unusable, or "".
func CheckMediaURL(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "media types need the http(s) address of the file: " + string(SettingMediaURL)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Sprintf("%q is not an http(s) URL", raw)
	}
	return ""
}

// Request is the exact JSON body of POST /messages/send (API.md): documented
// fields only, empty optional ones omitted.
type Request struct {
	Type        MessageType `json:"type"`
	Content     string      `json:"content"`
	MediaURL    string      `json:"mediaUrl,omitempty"`
	Recipients  []string    `json:"recipients,omitempty"`
	GroupIDs    []string    `json:"groupIds,omitempty"`
	Caption     string      `json:"caption,omitempty"`
	ScheduledAt string      `json:"scheduledAt,omitempty"`
}

// IsBulk reports whether the API will answer with a bulk job rather than a
// synchronous result: more than 10 recipients, or any group.
func (r Request) IsBulk() bool { return len(r.Recipients) > BulkThreshold || len(r.GroupIDs) > 0 }

// Requests splits the campaign into request bodies of at most batchSize
// recipients each (batchSize <= 0: one request). Groups travel with the
// first request. The docs' own example repeats the caption in both content
// and caption for media, so we do the same.
func (c Campaign) Requests(batchSize int) []Request {
	base := Request{Type: c.Type, Content: c.Content, MediaURL: strings.TrimSpace(c.MediaURL)}
	if c.Type.IsMedia() {
		base.Caption = c.Content
	}
	if !c.ScheduledAt.IsZero() {
		base.ScheduledAt = c.ScheduledAt.UTC().Format(time.RFC3339)
	}
	if batchSize <= 0 || batchSize >= len(c.Recipients) {
		r := base
		r.Recipients = c.Recipients
		r.GroupIDs = c.GroupIDs
		return []Request{r}
	}
	var out []Request
	for i := 0; i < len(c.Recipients); i += batchSize {
		r := base
		r.Recipients = c.Recipients[i:min(i+batchSize, len(c.Recipients))]
		if i == 0 {
			r.GroupIDs = c.GroupIDs
		}
		out = append(out, r)
	}
	return out
}

// CountRequests is how many requests, and of them bulk jobs, Requests
// makes of n recipients and groups at batchSize, counted without building
// them (O(1): Review draws it every frame): requests of at most batchSize
// (<= 0, or >= n: one request), groups with the first; a request is bulk
// with more than BulkThreshold recipients or any group.
func CountRequests(n, groups, batchSize int) (reqs, bulk int) {
	isBulk := func(size int, withGroups bool) int {
		if size > BulkThreshold || (withGroups && groups > 0) {
			return 1
		}
		return 0
	}
	if batchSize <= 0 || batchSize >= n {
		return 1, isBulk(n, true)
	}
	reqs = (n + batchSize - 1) / batchSize
	last := n - (reqs-1)*batchSize // 1..batchSize
	// The first request (full, with the groups), the full ones between,
	// and the last.
	bulk = isBulk(batchSize, true) + (reqs-2)*isBulk(batchSize, false) + isBulk(last, false)
	return reqs, bulk
}

// Grouped writes n with digit grouping, as every count is shown: 1,000,000.
func Grouped(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	lead := len(s) % 3
	if lead == 0 {
		lead = 3
	}
	b.WriteString(s[:lead])
	for i := lead; i < len(s); i += 3 {
		b.WriteByte(',')
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// OptedOut is the suppression list as the audience merge uses it: the
// set (Engine.SuppressedSet) and the numbers of it that Import already left
// out of the list (ImportReport.SuppressedNumbers), so that a number both
// typed and in the list is counted once.
type OptedOut struct {
	Set    map[string]bool
	Listed []string
}

// Audience is a campaign's recipients from a contact list and the numbers
// typed one by one, each number once (the first occurrence wins), none of
// those that opted out; duplicates counts what was dropped between them
// (the list is Import's, already de-duplicated), left the distinct numbers
// that opted out and were not already counted at import. typedFirst puts
// the typed numbers before the list's: the CLI's --to go first, the
// composer's typed ones after the CSV. Every face merges through it. Only
// the few typed numbers get a set: a million-row list gets no second map.
func Audience(list []Recipient, typed []string, typedFirst bool, off OptedOut) (recipients []string, duplicates, left int) {
	uniq := make([]string, 0, len(typed))
	mark := make(map[string]bool, len(typed)) // typed numbers kept so far
	for _, p := range typed {
		if _, seen := mark[p]; seen {
			duplicates++
			continue
		}
		mark[p] = true
		uniq = append(uniq, p)
	}
	for _, p := range off.Listed {
		if mark[p] {
			mark[p] = false // in the list, left out there: the typed one is the repeat
			duplicates++
		}
	}
	out := make([]string, 0, len(list)+len(uniq))
	if typedFirst {
		for _, p := range uniq {
			if mark[p] {
				out = append(out, p)
			}
		}
		for _, r := range list {
			if mark[r.Phone] {
				duplicates++
				continue
			}
			out = append(out, r.Phone)
		}
	} else {
		for _, r := range list {
			out = append(out, r.Phone)
			if mark[r.Phone] {
				mark[r.Phone] = false // in the list: the typed one is the repeat
				duplicates++
			}
		}
		for _, p := range uniq {
			if mark[p] {
				out = append(out, p)
			}
		}
	}
	if len(off.Set) == 0 {
		return out, duplicates, 0
	}
	kept := out[:0] // out is ours: filtered in place
	for _, p := range out {
		if !off.Set[p] {
			kept = append(kept, p)
		}
	}
	return kept, duplicates, len(out) - len(kept)
}
