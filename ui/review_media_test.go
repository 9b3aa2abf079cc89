package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"spotcast/campaign"
	"spotcast/client"
)

// mediaAPI is the sandbox with a media server of fixed answers, so the
// URLs in goldens are stable (an httptest server's port is not) and public.
type mediaAPI struct {
	campaign.API
	mu    sync.Mutex
	media map[string]campaign.MediaInfo
	heads int
}

func (a *mediaAPI) HeadMedia(_ context.Context, rawURL string) (campaign.MediaInfo, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.heads++
	info, ok := a.media[rawURL]
	if !ok {
		return campaign.MediaInfo{}, fmt.Errorf("HEAD %s: no answer within 10s", rawURL)
	}
	return info, nil
}

const (
	okJPEG      = "https://cdn.example.com/menu.jpg"
	missingJPEG = "https://cdn.example.com/gone.jpg"
)

// mediaReview opens Review on an IMAGE campaign to 2 numbers with the
// sandbox behind a fixed media server.
func mediaReview(t *testing.T, url string) (*Model, *mediaAPI, func() int) {
	t.Helper()
	srv, cl := startSandbox(t)
	api := &mediaAPI{API: cl, media: map[string]campaign.MediaInfo{
		okJPEG:      {StatusCode: 200, ContentType: "image/jpeg", Size: 1258291},
		missingJPEG: {StatusCode: 404, ContentType: "text/html", Size: 512},
	}}
	opts := rootOptions(t)
	opts.Engine = &campaign.Engine{API: api, Target: campaign.NewTarget(cl.BaseURL(), true)}
	m := reviewModel(t, opts, campaign.Campaign{Type: campaign.TypeImage, Content: "Our new menu", MediaURL: url, Recipients: numbers(2)})
	return m, api, srv.SendCount
}

// backToMedia walks back from Review to the Media URL step with esc.
func backToMedia(t *testing.T, m *Model) {
	t.Helper()
	for i := 0; i < 4 && m.active != stepMedia; i++ {
		rootPress(m, "esc")
	}
	if m.active != stepMedia {
		t.Fatalf("esc from Review reached %s, not Media URL", m.active)
	}
}

// checkAndReview presses ctrl+r on Media URL, delivers the answer and tabs
// on to Review.
func checkAndReview(t *testing.T, m *Model) {
	t.Helper()
	rootRun(m, rootPress(m, "ctrl+r"), 1)
	for i := 0; i < 4 && m.active != stepReview; i++ {
		rootPress(m, "tab")
	}
	if m.active != stepReview {
		t.Fatalf("tab from Media URL reached %s, not Review:\n%s", m.active, rootView(m))
	}
}

// Item 4: Review says whether the media was checked; a definite problem
// refuses the send until o says "send anyway", which the question repeats.
func TestReviewMediaProblemBlocksUntilOverridden(t *testing.T) {
	m, _, sends := mediaReview(t, missingJPEG)
	rootHas(t, m, "Media  not checked — ctrl+r on the Media URL step checks it")
	rootLacks(t, m, "o send anyway")

	backToMedia(t, m)
	checkAndReview(t, m)
	rootHas(t, m, "Media  checked 17:30: HTTP 404 ", "✗ media: the media URL answered HTTP 404",
		"Press o to send anyway", "o send anyway")
	rootGolden(t, m)
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 16})
	rootGoldenAs(t, m, "60x16") // the message first, then where the problem is
	rootHas(t, m, "Our new menu", "more lines, 1 problem · j/k scroll")
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})

	// enter is refused: no question, nothing sent.
	rootPress(m, "enter")
	rootHas(t, m, "Not sent: fix the problems listed above first.")
	rootLacks(t, m, "[y/N]")

	// o overrides this report; the card and the question say so.
	rootPress(m, "o")
	rootLacks(t, m, "✗ media")
	rootHas(t, m, "⚠ sending anyway despite the problem (o takes it back)", "o undo send anyway")
	rootPress(m, "enter")
	rootHas(t, m, "Send to 2 recipients despite the media problem? [y/N]")
	rootRun(m, rootPress(m, "y"), 2)
	if n := sends(); n != 1 || m.active != stepProgress {
		t.Fatalf("after o, enter, y: %d sends, active %s", n, m.active)
	}
}

// o is for the report it was pressed on: o again takes it back, and a new
// check (or an edited URL) needs its own o.
func TestReviewMediaOverrideIsPerCheck(t *testing.T) {
	m, api, sends := mediaReview(t, missingJPEG)
	backToMedia(t, m)
	checkAndReview(t, m)
	rootPress(m, "o", "o")
	rootHas(t, m, "✗ media:")
	rootPress(m, "o")
	rootLacks(t, m, "✗ media:")

	backToMedia(t, m)
	checkAndReview(t, m) // the same URL, checked again
	if api.heads != 2 {
		t.Fatalf("%d media checks, want 2", api.heads)
	}
	rootHas(t, m, "✗ media:")
	rootPress(m, "enter")
	rootLacks(t, m, "[y/N]")

	// A fixed URL, checked: nothing to override, the card says what it saw.
	backToMedia(t, m)
	m.media.SetValue("")
	rootType(m, okJPEG)
	checkAndReview(t, m)
	rootHas(t, m, "Media  checked 17:30: image/jpeg, 1.2 MB")
	rootLacks(t, m, "✗", "⚠", "o send anyway")
	rootPress(m, "enter")
	rootHas(t, m, "Send to 2 recipients? [y/N]")
	rootLacks(t, m, "despite")
	rootPress(m, "n")

	// An edited URL is no longer checked.
	backToMedia(t, m)
	rootType(m, "?v=2")
	for m.active != stepReview {
		rootPress(m, "tab")
	}
	rootHas(t, m, "Media  not checked — ctrl+r on the Media URL step checks it")
	if n := sends(); n != 0 {
		t.Fatalf("%d sends", n)
	}
}

// A check that could not be made from here is said so; it does not block.
func TestReviewMediaCheckFailedIsNotABlock(t *testing.T) {
	m, _, _ := mediaReview(t, "https://cdn.example.com/slow.jpg")
	backToMedia(t, m)
	checkAndReview(t, m)
	rootHas(t, m, "Media  not checked: HEAD https://cdn.example.com/slow.jpg: no answer", "within 10s (WhatsApp may still reach it)")
	rootPress(m, "enter")
	rootHas(t, m, "Send to 2 recipients? [y/N]")
}

// A private or loopback media URL is warned about on Media URL and on
// Review, without a check and without blocking.
func TestReviewPrivateMediaURLWarns(t *testing.T) {
	m, _, _ := mediaReview(t, "http://192.168.1.20/menu.jpg")
	rootHas(t, m, "⚠ 192.168.1.20 is a private network address: WhatsApp fetches the")
	rootGolden(t, m)
	rootPress(m, "enter")
	rootHas(t, m, "Send to 2 recipients? [y/N]")
	rootPress(m, "n")
	backToMedia(t, m)
	rootHas(t, m, "⚠ 192.168.1.20 is a private network address")
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 16})
	rootGoldenAs(t, m, "media_60x16")
	assertScreenFits(t, m, 60, 16)
}

// Changing the type re-judges a check: 6 MB is too big for an image, fine
// for a document.
func TestMediaCheckRejudgedForAnotherType(t *testing.T) {
	m, api, _ := mediaReview(t, "https://cdn.example.com/poster.jpg")
	api.media["https://cdn.example.com/poster.jpg"] = campaign.MediaInfo{StatusCode: 200, ContentType: "image/jpeg", Size: 6 << 20}
	backToMedia(t, m)
	rootRun(m, rootPress(m, "ctrl+r"), 1)
	rootHas(t, m, "✗ the file is 6 MB; WhatsApp accepts IMAGE files up to 5 MB")
	for m.active != stepType {
		rootPress(m, "esc")
	}
	rootPress(m, "down", "down") // IMAGE → VIDEO → DOCUMENT
	for m.active != stepMedia {
		rootPress(m, "tab")
	}
	rootHas(t, m, "Checked 17:30: image/jpeg, 6 MB", "✓ It fits a document message.")
	rootLacks(t, m, "✗")
	if strings.Contains(rootView(m), "IMAGE files") {
		t.Fatal("the image verdict outlived the type")
	}
}

var _ = client.New // the sandbox client is what mediaAPI wraps

// rootGoldenAs is rootGolden for another screen of the same test
// (testdata/<test name>_<suffix>.golden).
func rootGoldenAs(t *testing.T, m tea.Model, suffix string) {
	t.Helper()
	golden(t, strings.ReplaceAll(t.Name(), "/", "_")+"_"+suffix, rootView(m))
}

// The Media URL step shows a check's result: when, what, and for a
// definite problem that Review refuses it unless o.
func TestMediaStepShowsTheCheck(t *testing.T) {
	m, _, _ := mediaReview(t, missingJPEG)
	backToMedia(t, m)
	rootRun(m, rootPress(m, "ctrl+r"), 1)
	rootHas(t, m, "Checked 17:30: HTTP 404", "✗ the media URL answered HTTP 404", "press o on Review")
	rootGoldenAs(t, m, "80x24")
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 16})
	assertScreenFits(t, m, 60, 16)
	rootGoldenAs(t, m, "60x16")

	m.media.SetValue(okJPEG)
	rootLacks(t, m, "Checked") // another URL: the check was of the old one
	execAll(t, m, rootPress(m, "ctrl+r"))
	rootHas(t, m, "Checked 17:30: image/jpeg, 1.2 MB", "✓ It fits an image message.")
}
