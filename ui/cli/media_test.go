package cli_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// --check-media refuses what WhatsApp will not deliver (exit 2, nothing
// sent) and only warns about what it cannot tell.
func TestCheckMediaRefusesDefiniteProblems(t *testing.T) {
	media := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok.jpg":
			w.Header().Set("Content-Type", "image/jpeg")
			w.Header().Set("Content-Length", "120000")
		case "/big.jpg":
			w.Header().Set("Content-Type", "image/jpeg")
			w.Header().Set("Content-Length", "6000000")
		case "/doc.pdf":
			w.Header().Set("Content-Type", "application/pdf")
			w.Header().Set("Content-Length", "1000")
		case "/nosize.jpg":
			w.Header().Set("Content-Type", "image/jpeg")
			w.Header().Set("Transfer-Encoding", "chunked")
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			return
		default:
			http.NotFound(w, r)
			return
		}
	}))
	t.Cleanup(media.Close)
	for _, tc := range []struct {
		path, want  string
		code, sends int
	}{
		{"/missing.jpg", "HTTP 404", 2, 0},
		{"/big.jpg", "up to 5 MB", 2, 0},
		{"/doc.pdf", "application/pdf", 2, 0},
		{"/nosize.jpg", "warning: the server did not say how large", 0, 1},
		{"/ok.jpg", "", 0, 1},
	} {
		t.Run(tc.path, func(t *testing.T) {
			f := startSandbox(t)
			r := run(t, runOpts{env: f.env()}, "send", "--type", "image", "--media-url", media.URL+tc.path,
				"--content", "menu", "--to", "+919876500001", "--check-media", "--yes")
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("want exit %d mentioning %q\n%s", tc.code, tc.want, r)
			}
			if tc.code == 2 && !strings.Contains(r.stderr, "--media-url") {
				t.Errorf("the refusal does not name --media-url\n%s", r)
			}
			if n := f.srv.SendCount(); n != tc.sends {
				t.Errorf("sandbox got %d sends, want %d", n, tc.sends)
			}
		})
	}
}
