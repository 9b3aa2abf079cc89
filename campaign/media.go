package campaign

// MediaInfo is what a HEAD request learned about a media URL.
type MediaInfo struct {
	StatusCode  int
	ContentType string
	Size        int64 // -1 when unknown
}

// MediaWarnings returns human warnings (never errors: the operator may
// override) when the media does not fit the type: unreachable, wrong content
// type, over WhatsApp's size limit (image 5 MB, video 16 MB, document 100 MB).
func MediaWarnings(t MessageType, info MediaInfo) []string { return nil }

// ExtensionWarning returns a warning when the URL's extension does not fit
// the type (the API's own example sends a .pdf as IMAGE), or "".
func ExtensionWarning(t MessageType, rawURL string) string { return "" }
