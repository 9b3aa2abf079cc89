package campaign

import (
	"fmt"
	"mime"
	"net/netip"
	"net/url"
	"path"
	"strings"
	"time"
)

// MediaInfo is what a HEAD request learned about a media URL.
type MediaInfo struct {
	StatusCode  int
	ContentType string
	Size        int64 // -1 when unknown
}

// WhatsApp's media size limits (SPEC §3 --check-media).
const (
	MaxImageBytes    = 5 << 20
	MaxVideoBytes    = 16 << 20
	MaxDocumentBytes = 100 << 20
)

// MaxMediaBytes is the size limit for a media type, 0 for TEXT.
func (t MessageType) MaxMediaBytes() int64 {
	switch t {
	case TypeImage:
		return MaxImageBytes
	case TypeVideo:
		return MaxVideoBytes
	case TypeDocument:
		return MaxDocumentBytes
	}
	return 0
}

var mediaContentTypes = map[MessageType][]string{
	TypeImage: {"image/jpeg", "image/png"},
	TypeVideo: {"video/mp4", "video/3gpp"},
}

// MediaFinding is one thing a media check found. Definite findings (an HTTP
// error, a content type that cannot be this message type, a file over the
// limit) mean WhatsApp will not deliver it; the others are doubts.
type MediaFinding struct {
	Text     string
	Definite bool
}

// MediaReport is one check of a media URL: what its server answered and
// what that means for the message type. Both faces apply the same rule to
// it (Blocking) and show it the same way (Summary).
type MediaReport struct {
	URL      string
	Type     MessageType
	At       time.Time
	Info     MediaInfo
	Findings []MediaFinding
}

// Blocking is what stops a send: the definite findings. A face sends
// anyway only when the operator overrides them on purpose (the CLI: by
// not asking for the check; the TUI: a key on Review).
func (r *MediaReport) Blocking() []MediaFinding {
	if r == nil {
		return nil
	}
	var out []MediaFinding
	for _, f := range r.Findings {
		if f.Definite {
			out = append(out, f)
		}
	}
	return out
}

// Doubts are the findings that only warn.
func (r *MediaReport) Doubts() []MediaFinding {
	if r == nil {
		return nil
	}
	var out []MediaFinding
	for _, f := range r.Findings {
		if !f.Definite {
			out = append(out, f)
		}
	}
	return out
}

// Summary is what the server said, sanitised: "image/jpeg, 1.2 MB", or
// "HTTP 404" (an error page's type and size are not the media's).
func (r *MediaReport) Summary() string {
	if r.Info.StatusCode <= 0 || r.Info.StatusCode >= 400 {
		return fmt.Sprintf("HTTP %d", r.Info.StatusCode)
	}
	var parts []string
	if ct := SanitizeLine(r.Info.ContentType, 60); ct != "" {
		parts = append(parts, ct)
	}
	if r.Info.Size >= 0 {
		parts = append(parts, formatSize(r.Info.Size))
	}
	if len(parts) == 0 {
		return fmt.Sprintf("HTTP %d, no type or size given", r.Info.StatusCode)
	}
	return strings.Join(parts, ", ")
}

// formatSize is formatMB for files of a megabyte or more, KB (rounded up)
// or bytes below.
func formatSize(n int64) string {
	switch {
	case n >= 1<<20:
		return formatMB(n)
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", (n+1<<10-1)>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// Retyped is the report judged again for another message type (the
// server's answer does not change with the type).
func (r *MediaReport) Retyped(t MessageType) *MediaReport {
	if r == nil {
		return nil
	}
	c := *r
	c.Type, c.Findings = t, CheckMedia(t, r.Info)
	return &c
}

// URLFindings judges a media URL without fetching it: an extension that
// does not fit the type, and a host WhatsApp's servers cannot reach
// (private, loopback, link-local, local names). Both are doubts: the
// operator may know better.
func URLFindings(t MessageType, rawURL string) []MediaFinding {
	if !t.IsMedia() {
		return nil
	}
	var fs []MediaFinding
	if w := ExtensionWarning(t, rawURL); w != "" {
		fs = append(fs, MediaFinding{Text: w})
	}
	if w := PrivateHostWarning(rawURL); w != "" {
		fs = append(fs, MediaFinding{Text: w})
	}
	return fs
}

// PrivateHostWarning says why WhatsApp cannot fetch a URL on a private or
// loopback host, or "". Only the URL's own host is judged (a public name
// resolving to a private address is not looked up: no IO here).
func PrivateHostWarning(rawURL string) string {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || u.Host == "" {
		return ""
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	var why string
	if ip, err := netip.ParseAddr(host); err == nil {
		ip = ip.Unmap()
		switch {
		case ip.IsLoopback():
			why = "a loopback address (this machine)"
		case ip.IsPrivate():
			why = "a private network address"
		case ip.IsLinkLocalUnicast():
			why = "a link-local address"
		case ip.IsUnspecified():
			why = "an unspecified address"
		}
	} else {
		switch {
		case host == "localhost" || strings.HasSuffix(host, ".localhost"):
			why = "this machine"
		case strings.HasSuffix(host, ".local"), strings.HasSuffix(host, ".internal"),
			strings.HasSuffix(host, ".lan"), strings.HasSuffix(host, ".home.arpa"), !strings.Contains(host, "."):
			why = "a local network name"
		}
	}
	if why == "" {
		return ""
	}
	return fmt.Sprintf("%s is %s: WhatsApp fetches the media from its own servers on the internet and cannot reach it; use a public URL",
		SanitizeLine(host, 60), why)
}

// MediaWarnings returns human warnings (never errors: the operator may
// override) when the media does not fit the type: unreachable, wrong content
// type, over WhatsApp's size limit (image 5 MB, video 16 MB, document 100 MB).
// The content type and size come from the remote server and are sanitised.
func MediaWarnings(t MessageType, info MediaInfo) []string {
	var ws []string
	for _, f := range CheckMedia(t, info) {
		ws = append(ws, f.Text)
	}
	return ws
}

// CheckMedia is MediaWarnings with each finding marked definite or not, for
// callers that refuse definite problems (`send --check-media`).
func CheckMedia(t MessageType, info MediaInfo) []MediaFinding {
	if !t.IsMedia() {
		return nil
	}
	var fs []MediaFinding
	add := func(definite bool, format string, a ...any) {
		fs = append(fs, MediaFinding{Text: fmt.Sprintf(format, a...), Definite: definite})
	}
	if info.StatusCode == 0 || info.StatusCode >= 400 {
		if info.StatusCode == 0 {
			add(false, "the media URL could not be reached; WhatsApp must be able to download it")
		} else {
			add(true, "the media URL answered HTTP %d; WhatsApp must be able to download it without logging in", info.StatusCode)
		}
		// Headers of an error page say nothing about the media.
		return fs
	}
	ct := SanitizeLine(info.ContentType, 80)
	mt, _, err := mime.ParseMediaType(info.ContentType)
	mt = strings.ToLower(mt)
	switch {
	case strings.TrimSpace(info.ContentType) == "":
		add(false, "the server did not say what type the media is (no Content-Type)")
	case err != nil:
		add(false, "the server sent an unreadable Content-Type %q", ct)
	case t == TypeDocument:
		if mt == "text/html" {
			add(true, "the URL serves a web page (text/html), often a login or preview page, not the file itself; use a direct download link")
		}
	default:
		if want := mediaContentTypes[t]; !contains(want, mt) {
			add(true, "the URL serves %s, but %s messages take %s", ct, t, strings.Join(want, " or "))
		}
	}
	limit := t.MaxMediaBytes()
	switch {
	case info.Size < 0:
		add(false, "the server did not say how large the file is; WhatsApp accepts %s files up to %s", t, formatMB(limit))
	case info.Size > limit:
		add(true, "the file is %s; WhatsApp accepts %s files up to %s", formatMB(info.Size), t, formatMB(limit))
	}
	return fs
}

// formatMB shows a size in MB (MiB, as WhatsApp's limits are), rounded up
// to a tenth so a file just over a limit never reads as equal to it.
func formatMB(n int64) string {
	tenths := (n*10 + (1<<20 - 1)) >> 20
	if tenths%10 == 0 {
		return fmt.Sprintf("%d MB", tenths/10)
	}
	return fmt.Sprintf("%d.%d MB", tenths/10, tenths%10)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var (
	imageExts = []string{".jpg", ".jpeg", ".png", ".webp"}
	videoExts = []string{".mp4", ".3gp"}
)

// ExtensionWarning returns a warning when the URL's extension does not fit
// the type (the API's own example sends a .pdf as IMAGE), or "". A URL whose
// path has no extension gets no warning: many media URLs are opaque.
func ExtensionWarning(t MessageType, rawURL string) string {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return ""
	}
	ext := strings.ToLower(path.Ext(u.Path))
	if ext == "" || ext == "." {
		return ""
	}
	shown := SanitizeLine(ext, 16)
	switch t {
	case TypeImage:
		if !contains(imageExts, ext) {
			return fmt.Sprintf("the URL ends in %s, which is not an image: IMAGE takes .jpg, .jpeg, .png or .webp (choose DOCUMENT to send a file)", shown)
		}
	case TypeVideo:
		if !contains(videoExts, ext) {
			return fmt.Sprintf("the URL ends in %s, which is not a video: VIDEO takes .mp4 or .3gp (choose DOCUMENT to send a file)", shown)
		}
	case TypeDocument:
		if contains(imageExts, ext) {
			return fmt.Sprintf("the URL ends in %s, an image: choose IMAGE to show it as a picture, or keep DOCUMENT to send it as a file", shown)
		}
		if contains(videoExts, ext) {
			return fmt.Sprintf("the URL ends in %s, a video: choose VIDEO to play it inline, or keep DOCUMENT to send it as a file", shown)
		}
	}
	return ""
}
