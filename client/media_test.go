package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestHeadMedia(t *testing.T) {
	var sawKey, sawMethods []string
	mux := http.NewServeMux()
	mux.HandleFunc("/img.png", func(w http.ResponseWriter, r *http.Request) {
		sawKey = append(sawKey, r.Header.Get("x-api-key"))
		sawMethods = append(sawMethods, r.Method)
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Content-Length", "2048")
	})
	mux.HandleFunc("/nohead.mp4", func(w http.ResponseWriter, r *http.Request) {
		sawMethods = append(sawMethods, r.Method)
		if r.Method == http.MethodHead {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		if r.Header.Get("Range") != "bytes=0-0" {
			t.Errorf("fallback GET without Range: %q", r.Header.Get("Range"))
		}
		w.Header().Set("Content-Type", "video/mp4")
		w.Header().Set("Content-Range", "bytes 0-0/20000000")
		w.WriteHeader(http.StatusPartialContent)
		w.Write([]byte{0})
	})
	mux.HandleFunc("/to-file", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	})
	release := make(chan struct{})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) { <-release })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer close(release)
	c := New(WithAPIKey("k-1234"))

	info, err := c.HeadMedia(context.Background(), srv.URL+"/img.png")
	if err != nil || info.StatusCode != 200 || info.ContentType != "image/png" || info.Size != 2048 {
		t.Fatalf("HEAD: %+v %v", info, err)
	}
	if sawKey[0] != "" {
		t.Fatal("the API key was sent to a third-party media host")
	}
	info, err = c.HeadMedia(context.Background(), srv.URL+"/nohead.mp4")
	if err != nil || info.StatusCode != 206 || info.Size != 20000000 || info.ContentType != "video/mp4" {
		t.Fatalf("405 then ranged GET: %+v %v", info, err)
	}
	info, err = c.HeadMedia(context.Background(), srv.URL+"/missing.pdf")
	if err != nil || info.StatusCode != 404 || info.Size != -1 {
		t.Fatalf("404 is reported in the info, not as an error: %+v %v", info, err)
	}
	if _, err := c.HeadMedia(context.Background(), srv.URL+"/to-file"); err == nil || !strings.Contains(err.Error(), "file") {
		t.Fatalf("a redirect to file:// must be refused: %v", err)
	}
	if _, err := c.HeadMedia(context.Background(), "ftp://example.com/a.png"); err == nil {
		t.Fatal("a non-http URL must be refused")
	}
	if _, err := New(WithTimeout(50*time.Millisecond)).HeadMedia(context.Background(), srv.URL+"/slow"); err == nil {
		t.Fatal("a media host that never answers must time out")
	}
	if got := strings.Join(sawMethods, ","); got != "HEAD,HEAD,GET" {
		t.Fatalf("methods = %s", got)
	}
}
