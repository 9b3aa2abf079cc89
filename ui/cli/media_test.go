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

// A media URL on a private or loopback host gets a warning on every send,
// checked or not: WhatsApp fetches it from the internet. It is a doubt, so
// the send goes on.
func TestSendWarnsAboutPrivateMediaHost(t *testing.T) {
	for _, tc := range []struct {
		url, want string
	}{
		{"http://192.168.1.20/menu.jpg", "warning: 192.168.1.20 is a private network address: WhatsApp"},
		{"http://localhost:8000/menu.jpg", "warning: localhost is this machine: WhatsApp"},
		{"http://files.corp.internal/menu.jpg", "warning: files.corp.internal is a local network name"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			f := startSandbox(t)
			r := run(t, runOpts{env: f.env()}, "send", "--type", "image", "--media-url", tc.url,
				"--content", "menu", "--to", "+919876500001", "--yes")
			if r.code != 0 || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("want exit 0 with %q\n%s", tc.want, r)
			}
			if n := f.srv.SendCount(); n != 1 {
				t.Errorf("sandbox got %d sends, want 1: a doubt never blocks", n)
			}
		})
	}
	f := startSandbox(t)
	r := run(t, runOpts{env: f.env()}, "send", "--type", "image", "--media-url", "https://cdn.example.com/menu.jpg",
		"--content", "menu", "--to", "+919876500001", "--yes")
	if r.code != 0 || strings.Contains(r.stderr, "cannot reach it") {
		t.Fatalf("a public host was warned about\n%s", r)
	}
}

// A check that passes says what it saw, like Review does.
func TestCheckMediaSaysWhatItSaw(t *testing.T) {
	media := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/jpeg")
		w.Header().Set("Content-Length", "1258291")
	}))
	t.Cleanup(media.Close)
	f := startSandbox(t)
	r := run(t, runOpts{env: f.env()}, "send", "--type", "image", "--media-url", media.URL+"/ok.jpg",
		"--content", "menu", "--to", "+919876500001", "--check-media", "--yes")
	if r.code != 0 || !strings.Contains(r.stderr, "media checked: image/jpeg, 1.2 MB") {
		t.Fatalf("want the check's result\n%s", r)
	}
	// The test server is on loopback: the check passes from here, and the
	// warning still says WhatsApp cannot reach it.
	if !strings.Contains(r.stderr, "127.0.0.1 is a loopback address") {
		t.Errorf("no loopback warning\n%s", r)
	}
}
