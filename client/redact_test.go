package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// echoKey is a key with every character a server likes to escape.
const echoKey = `Zq7/Xw+V9<pL>m3&T"tR=8kJ%2cB\6`

// encodings are the ways a server has been seen to echo a key back.
var encodings = map[string]func(string) string{
	"raw":  func(k string) string { return k },
	"json": func(k string) string { return jsonString(k) },
	// PHP's json_encode: `\/` for `/` as well.
	"json slashes": func(k string) string { return strings.ReplaceAll(jsonString(k), "/", `\/`) },
	"json every char": func(k string) string {
		var b strings.Builder
		for _, r := range k {
			fmt.Fprintf(&b, `\u%04X`, r)
		}
		return b.String()
	},
	"json mixed": func(k string) string {
		var b strings.Builder
		for i, r := range k {
			if i%2 == 0 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteString(jsonInner(string(r)))
			}
		}
		return b.String()
	},
	// A JSON document carried as a string inside another one.
	"json twice": func(k string) string { return jsonInner(jsonString(k)) },
	"query":      url.QueryEscape,
	"path":       url.PathEscape,
	"every byte": func(k string) string {
		var b strings.Builder
		for i := 0; i < len(k); i++ {
			fmt.Fprintf(&b, "%%%02x", k[i])
		}
		return b.String()
	},
	"query twice": func(k string) string { return url.QueryEscape(url.QueryEscape(k)) },
	"html":        html.EscapeString,
	"html every char": func(k string) string {
		var b strings.Builder
		for i, r := range k {
			if i%2 == 0 {
				fmt.Fprintf(&b, "&#%d;", r)
			} else {
				fmt.Fprintf(&b, "&#x%X;", r)
			}
		}
		return b.String()
	},
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// jsonInner is s as JSON string content, without the quotes.
func jsonInner(s string) string {
	q := jsonString(s)
	return q[1 : len(q)-1]
}

// decodings undo what the encodings did, so a test can tell whether the
// key is still there in a form a reader (or a tool) could decode.
func decodings(s string) []string {
	out := []string{s, html.UnescapeString(s)}
	if u, err := url.QueryUnescape(s); err == nil {
		out = append(out, u)
		if u2, err := url.QueryUnescape(u); err == nil {
			out = append(out, u2)
		}
	}
	var j string
	if json.Unmarshal([]byte(`"`+s+`"`), &j) == nil {
		out = append(out, j)
		var j2 string
		if json.Unmarshal([]byte(`"`+j+`"`), &j2) == nil {
			out = append(out, j2)
		}
	}
	return out
}

// leaks reports a piece of the key that text holds in any decoding.
func leaks(text string) (string, bool) {
	for _, d := range decodings(text) {
		for i := 0; i+6 <= len(echoKey); i++ {
			if strings.Contains(d, echoKey[i:i+6]) {
				return echoKey[i : i+6], true
			}
		}
	}
	return "", false
}

// A key the server echoes back escaped — JSON, URL, HTML, each character or
// only some, escaped once or twice — is redacted like a raw echo, in every
// kind of error a caller can see: API errors (4xx, 429, 5xx, an HTML error
// page), a "success": false answer, and an answer that cannot be read.
func TestEscapedKeyEchoIsRedacted(t *testing.T) {
	for name, enc := range encodings {
		echoed := enc(echoKey)
		if name != "raw" && strings.Contains(echoed, echoKey) {
			t.Fatalf("%s: the encoding leaves the key as it is", name)
		}
		for _, tc := range []struct {
			kind, ctype string
			code        int
			body        string
		}{
			{"400 JSON", "application/json", 400, `{"error":"invalid key ` + echoed + `","field":"apiKey"}`},
			{"401 text", "text/plain", 401, "unknown key " + echoed},
			{"429 JSON", "application/json", 429, `{"message":"slow down, ` + echoed + `"}`},
			{"502 HTML", "text/html", 502, `<html><body><h1>Bad Gateway</h1><p>upstream refused key ` + echoed + `</p></body></html>`},
			{"200 success false", "application/json", 200, `{"success":false,"error":"key ` + echoed + ` is suspended"}`},
			{"200 unreadable", "application/json", 200, `{"success":"maybe","key":"` + echoed + `"`},
		} {
			srv, _ := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", tc.ctype)
				w.WriteHeader(tc.code)
				_, _ = io.WriteString(w, tc.body)
			})
			c := New(WithBaseURL(srv.URL), WithAPIKey(echoKey))
			_, sendErr := c.Send(context.Background(), textReq("919999999999"))
			_, jobErr := c.GetJob(context.Background(), "job_1")
			for _, err := range []error{sendErr, jobErr} {
				if err == nil {
					t.Fatalf("%s, %s: no error", name, tc.kind)
				}
				texts := []string{err.Error()}
				var ae *APIError
				if errors.As(err, &ae) {
					texts = append(texts, ae.Message, ae.Body, ae.Status)
				}
				for _, text := range texts {
					if piece, ok := leaks(text); ok {
						t.Errorf("%s, %s: %q of the key is in %q", name, tc.kind, piece, text)
					}
				}
				if !strings.Contains(err.Error(), "[REDACTED]") && tc.code != 502 {
					t.Errorf("%s, %s: the echo was not marked redacted: %s", name, tc.kind, err)
				}
			}
		}
	}
}

func TestRedactKey(t *testing.T) {
	const key = "k🙂/é"
	for _, tc := range []struct{ in, want string }{
		{"x " + key + " y", "x [REDACTED] y"},
		{`x k\ud83d\ude42\/\u00e9 y`, "x [REDACTED] y"},                              // a surrogate pair
		{`x k\\ud83d\\ude42\\/\\u00E9 y`, "x [REDACTED] y"},                          // escaped twice
		{"x k%F0%9F%99%82%2F%C3%A9 y", "x [REDACTED] y"},                             // per byte
		{"x k&#128578;&sol;&#xe9; y", "x [REDACTED] y"},                              // HTML
		{`x k\ud83d\ude42 y`, `x k\ud83d\ude42 y`},                                   // only part of it
		{"kk🙂/é " + key, "k[REDACTED] [REDACTED]"},                                   // overlapping starts
		{`\u006b🙂%2f&#233;`, "[REDACTED]"},                                           // the first character escaped
		{"nothing here %zz \\u12 &#; &bogus;", "nothing here %zz \\u12 &#; &bogus;"}, // broken escapes
	} {
		got, found := redactKey([]byte(tc.in), key)
		if string(got) != tc.want || found != (tc.in != tc.want) {
			t.Errorf("redactKey(%q) = %q, %v; want %q", tc.in, got, found, tc.want)
		}
	}
	b := []byte(`{"success":true,"jobId":"job_1"}`)
	if got, found := redactKey(b, key); found || &got[0] != &b[0] {
		t.Error("a body without the key was copied")
	}
}

// The scan runs on every answer: it must not cost much more than a search.
func BenchmarkRedactKey(b *testing.B) {
	body := []byte(strings.Repeat(`{"id":"true_919999999999@c.us_3EB0C431C2","status":"SENT","error":null},`, 2000))
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, found := redactKey(body, echoKey); found {
			b.Fatal("found a key that is not there")
		}
	}
}
