package campaign

import (
	"strings"
	"testing"
)

func TestMediaWarnings(t *testing.T) {
	const mb = 1 << 20
	tests := []struct {
		name string
		t    MessageType
		info MediaInfo
		n    int      // how many warnings
		want []string // substrings the warnings must mention
	}{
		{"good jpeg", TypeImage, MediaInfo{200, "image/jpeg", 100_000}, 0, nil},
		{"png with params", TypeImage, MediaInfo{200, "Image/PNG; charset=binary", 100}, 0, nil},
		{"good mp4", TypeVideo, MediaInfo{200, "video/mp4", 15 * mb}, 0, nil},
		{"3gpp", TypeVideo, MediaInfo{200, "video/3gpp", 1}, 0, nil},
		{"pdf document", TypeDocument, MediaInfo{200, "application/pdf", 99 * mb}, 0, nil},
		{"image as document is fine", TypeDocument, MediaInfo{200, "image/png", 1}, 0, nil},
		{"unreachable", TypeImage, MediaInfo{0, "", -1}, 1, []string{"could not be reached"}},
		{"404", TypeImage, MediaInfo{404, "text/html", 10}, 1, []string{"HTTP 404"}},
		{"500", TypeVideo, MediaInfo{503, "", -1}, 1, []string{"HTTP 503"}},
		{"pdf as image", TypeImage, MediaInfo{200, "application/pdf", 10}, 1, []string{"serves application/pdf, but IMAGE messages take image/jpeg or image/png"}},
		{"webm as video", TypeVideo, MediaInfo{200, "video/webm", 10}, 1, []string{"video/mp4 or video/3gpp"}},
		{"html document", TypeDocument, MediaInfo{200, "text/html; charset=utf-8", 10}, 1, []string{"text/html", "login"}},
		{"no content type", TypeImage, MediaInfo{200, "", 10}, 1, []string{"no Content-Type"}},
		{"image too big", TypeImage, MediaInfo{200, "image/jpeg", 5*mb + 1}, 1, []string{"5.1 MB", "up to 5 MB"}},
		{"image at limit", TypeImage, MediaInfo{200, "image/jpeg", 5 * mb}, 0, nil},
		{"video too big", TypeVideo, MediaInfo{200, "video/mp4", 20 * mb}, 1, []string{"20 MB", "up to 16 MB"}},
		{"document too big", TypeDocument, MediaInfo{200, "application/zip", 150 * mb}, 1, []string{"150 MB", "up to 100 MB"}},
		{"unknown size", TypeDocument, MediaInfo{200, "application/pdf", -1}, 1, []string{"did not say how large", "100 MB"}},
		{"wrong type and too big", TypeImage, MediaInfo{200, "image/gif", 6 * mb}, 2, []string{"image/gif", "6 MB"}},
		{"escape in content type", TypeImage, MediaInfo{200, "\x1b[31mimage/evil", 1}, 1, []string{"image/evil"}},
		{"text type has no media", TypeText, MediaInfo{0, "", -1}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MediaWarnings(tt.t, tt.info)
			if len(got) != tt.n {
				t.Fatalf("MediaWarnings = %q, want %d warnings", got, tt.n)
			}
			joined := strings.Join(got, "\n")
			for _, w := range tt.want {
				if !strings.Contains(joined, w) {
					t.Errorf("warnings %q do not mention %q", got, w)
				}
			}
			if strings.ContainsRune(joined, 0x1b) {
				t.Errorf("warnings %q carry an escape character", got)
			}
		})
	}
}

func TestExtensionWarning(t *testing.T) {
	tests := []struct {
		t    MessageType
		url  string
		want string // "" = no warning
	}{
		{TypeImage, "https://x.test/a.jpg", ""},
		{TypeImage, "https://x.test/a.JPEG?size=2", ""},
		{TypeImage, "https://x.test/a.png#frag", ""},
		{TypeImage, "https://x.test/a.webp", ""},
		{TypeImage, "https://x.test/brochure.pdf", ".pdf"},
		{TypeImage, "https://x.test/clip.mp4", ".mp4"},
		{TypeImage, "https://x.test/image", ""},
		{TypeImage, "https://x.test/", ""},
		{TypeImage, "https://x.test/img.php?f=a.pdf", ".php"},
		{TypeVideo, "https://x.test/v.mp4", ""},
		{TypeVideo, "https://x.test/v.3GP", ""},
		{TypeVideo, "https://x.test/v.mov", ".mov"},
		{TypeDocument, "https://x.test/f.pdf", ""},
		{TypeDocument, "https://x.test/f.docx", ""},
		{TypeDocument, "https://x.test/f.png", "choose IMAGE"},
		{TypeDocument, "https://x.test/f.mp4", "choose VIDEO"},
		{TypeText, "https://x.test/f.pdf", ""},
		{TypeImage, "::not a url", ""},
	}
	for _, tt := range tests {
		got := ExtensionWarning(tt.t, tt.url)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("ExtensionWarning(%s, %q) = %q, want %q", tt.t, tt.url, got, tt.want)
		}
	}
}

func TestPrivateHostWarning(t *testing.T) {
	tests := []struct {
		url  string
		want string // "" = no warning
	}{
		{"https://cdn.example.com/a.jpg", ""},
		{"https://93.184.215.14/a.jpg", ""},
		{"https://[2606:4700::1111]/a.jpg", ""},
		{"http://127.0.0.1:8080/a.jpg", "loopback"},
		{"http://127.9.9.9/a.jpg", "loopback"},
		{"http://[::1]/a.jpg", "loopback"},
		{"http://[::ffff:127.0.0.1]/a.jpg", "loopback"},
		{"http://10.1.2.3/a.jpg", "private network"},
		{"http://172.16.0.1/a.jpg", "private network"},
		{"http://172.31.255.255/a.jpg", "private network"},
		{"http://172.32.0.1/a.jpg", ""},
		{"http://192.168.1.10/a.jpg", "private network"},
		{"http://[fd12:3456::1]/a.jpg", "private network"},
		{"http://169.254.169.254/a.jpg", "link-local"},
		{"http://[fe80::1]/a.jpg", "link-local"},
		{"http://localhost:3000/a.jpg", "localhost"},
		{"http://LOCALHOST./a.jpg", "localhost"},
		{"http://printer.local/a.jpg", "local network name"},
		{"http://files.corp.internal/a.jpg", "local network name"},
		{"http://intranet/a.jpg", "local network name"},
		{"::not a url", ""},
	}
	for _, tt := range tests {
		got := PrivateHostWarning(tt.url)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("PrivateHostWarning(%q) = %q, want %q", tt.url, got, tt.want)
		}
		if got != "" && !strings.Contains(got, "WhatsApp") {
			t.Errorf("PrivateHostWarning(%q) = %q does not say who cannot reach it", tt.url, got)
		}
	}
}

func TestURLFindingsAreDoubts(t *testing.T) {
	fs := URLFindings(TypeImage, "http://192.168.1.5/brochure.pdf")
	if len(fs) != 2 || !strings.Contains(fs[0].Text, ".pdf") || !strings.Contains(fs[1].Text, "192.168.1.5") {
		t.Fatalf("URLFindings = %+v, want the extension and the private host", fs)
	}
	for _, f := range fs {
		if f.Definite {
			t.Errorf("%q is definite: a URL judged without fetching it is only a doubt", f.Text)
		}
	}
	if fs := URLFindings(TypeText, "http://localhost/a.pdf"); fs != nil {
		t.Errorf("TEXT has no media, got %+v", fs)
	}
}

func TestMediaReportRule(t *testing.T) {
	const mb = 1 << 20
	r := &MediaReport{Type: TypeImage, Info: MediaInfo{200, "image/jpeg", 6 * mb}}
	r.Findings = CheckMedia(r.Type, r.Info)
	if b := r.Blocking(); len(b) != 1 || !strings.Contains(b[0].Text, "6 MB") {
		t.Fatalf("Blocking = %+v, want the oversize file", b)
	}
	if got := r.Summary(); got != "image/jpeg, 6 MB" {
		t.Errorf("Summary = %q", got)
	}
	// The same answer is fine for a document of up to 100 MB.
	d := r.Retyped(TypeDocument)
	if len(d.Blocking()) != 0 || len(d.Doubts()) != 0 || d.Type != TypeDocument {
		t.Errorf("retyped as DOCUMENT: %+v", d)
	}
	if len(r.Blocking()) != 1 {
		t.Error("Retyped changed the original report")
	}
	nf := &MediaReport{Type: TypeImage, Info: MediaInfo{404, "text/html", -1}}
	nf.Findings = CheckMedia(nf.Type, nf.Info)
	if got := nf.Summary(); got != "HTTP 404" {
		t.Errorf("Summary of a 404 = %q", got)
	}
	if len(nf.Blocking()) != 1 {
		t.Errorf("a 404 does not block: %+v", nf.Findings)
	}
	for _, tc := range []struct {
		size int64
		want string
	}{{512, "image/png, 512 B"}, {1025, "image/png, 2 KB"}, {-1, "image/png"}} {
		r := &MediaReport{Type: TypeImage, Info: MediaInfo{200, "image/png", tc.size}}
		if got := r.Summary(); got != tc.want {
			t.Errorf("Summary of %d bytes = %q, want %q", tc.size, got, tc.want)
		}
	}
	var none *MediaReport
	if none.Blocking() != nil || none.Doubts() != nil || none.Retyped(TypeVideo) != nil {
		t.Error("a missing report blocks or warns")
	}
}
