package ui

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
	_ "time/tzdata" // zone names in goldens must not depend on the machine

	tea "github.com/charmbracelet/bubbletea"

	"spotcast/campaign"
	"spotcast/client"
)

// onSchedule opens a complete TEXT campaign (it starts on Review) and steps
// back to Schedule.
func onSchedule(t *testing.T) *Model {
	t.Helper()
	return onScheduleIn(t, rootLoc)
}

// onScheduleIn is onSchedule with the operator in loc.
func onScheduleIn(t *testing.T, loc *time.Location) *Model {
	t.Helper()
	opts := rootOptions(t)
	opts.Loc = loc
	opts.Prefill = campaign.Campaign{Type: campaign.TypeText, Content: "Hello", Recipients: []string{"919876543210"}}
	m := rootModel(t, opts)
	if m.active != stepReview {
		t.Fatalf("a complete prefill opened on %s, want Review", m.active)
	}
	rootPress(m, "esc")
	if m.active != stepSchedule {
		t.Fatalf("esc from Review: active %s", m.active)
	}
	return m
}

func TestSchedulePresets(t *testing.T) {
	m := onSchedule(t)
	rootHas(t, m, "Now", "In 1 hour", "Tomorrow 09:00", "Next Monday 09:00", "Custom…",
		"immediately after you confirm")
	rootPress(m, "down")
	// Frozen clock: 12:00Z is 17:30 in IST (UTC+05:30).
	rootHas(t, m, "Wed 25 Nov 2026 18:30 IST (UTC+05:30)", "2026-11-25T13:00:00Z")
	rootGolden(t, m)
	rootPress(m, "down", "down")
	rootHas(t, m, "Mon 30 Nov 2026 09:00 IST", "2026-11-30T03:30:00Z")
	rootPress(m, "tab")
	if m.active != stepReview {
		t.Fatalf("tab with a preset: active %s", m.active)
	}
	rootHas(t, m, "Mon 30 Nov 2026 09:00 IST", "2026-11-30T03:30:00Z (sent to the API)")
}

func TestScheduleCustomAndPastRejected(t *testing.T) {
	m := onSchedule(t)
	rootPress(m, "down", "down", "down", "down")
	if !m.schedule.Capturing() {
		t.Fatal("Custom… selected but its input has no focus")
	}
	rootPress(m, "tab")
	rootHas(t, m, "type a date and time")

	rootType(m, "2026-11-25 10:00") // 04:30Z: before the frozen 12:00Z
	rootHas(t, m, "That is in the past")
	rootPress(m, "tab")
	if m.active != stepSchedule {
		t.Fatalf("a past time advanced to %s", m.active)
	}
	rootHas(t, m, "✗ 2026-11-25T04:30:00Z is in the past (it is now 2026-11-25T12:00:00Z)")
	rootGolden(t, m)

	rootPress(m, "ctrl+u") // clear the input
	rootType(m, "bogus")
	rootPress(m, "tab")
	rootHas(t, m, `schedule "bogus" not understood`)

	m.schedule.in.SetValue("")
	rootType(m, "+2h")
	rootHas(t, m, "Wed 25 Nov 2026 19:30 IST (UTC+05:30)", "2026-11-25T14:00:00Z")
	rootRun(m, rootPress(m, "enter"), 1)
	if m.active != stepReview {
		t.Fatalf("enter on a valid custom time: active %s", m.active)
	}
	if got := m.review.d.Campaign.ScheduledAt.UTC().Format("15:04"); got != "14:00" {
		t.Fatalf("review schedule %s, want 14:00 UTC", got)
	}
}

func TestScheduleTypingLettersStaysInInput(t *testing.T) {
	m := onSchedule(t)
	rootPress(m, "down", "down", "down", "down")
	rootType(m, "k")
	rootPress(m, "j", "?")
	if got := m.schedule.in.Value(); got != "kj?" {
		t.Fatalf("custom input = %q, want the letters typed", got)
	}
	if m.fullHelp {
		t.Fatal("? while typing a time toggled help")
	}
	rootPress(m, "up")
	if m.schedule.Capturing() {
		t.Fatal("leaving Custom… kept the input focused")
	}
}

// onMedia goes Type(IMAGE) → Content → Media URL.
func onMedia(t *testing.T, opts Options) *Model {
	t.Helper()
	m := rootModel(t, opts)
	rootPress(m, "down", "tab", "tab")
	if m.active != stepMedia {
		t.Fatalf("active %s, want Media URL", m.active)
	}
	return m
}

func TestMediaURLValidationAndExtensionWarning(t *testing.T) {
	m := onMedia(t, rootOptions(t))
	rootPress(m, "tab")
	rootHas(t, m, "✗ media types need the http(s) address of the file")
	rootType(m, "ftp://example.com/a.jpg")
	rootRun(m, rootPress(m, "enter"), 1)
	if m.active != stepMedia {
		t.Fatal("an ftp URL was accepted")
	}
	m.media.SetValue("")
	rootType(m, "https://example.com/brochure.pdf")
	if w := campaign.ExtensionWarning(campaign.TypeImage, "https://example.com/brochure.pdf"); w != "" {
		rootHas(t, m, "⚠")
	}
	rootGolden(t, m)
	rootRun(m, rootPress(m, "enter"), 1) // a warning never blocks
	if m.active != stepRecipients {
		t.Fatalf("valid URL with a warning: active %s", m.active)
	}
}

func TestMediaCheck(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Length", "7340032") // 7 MB: over the image limit
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	opts := rootOptions(t)
	opts.Engine = engineFor(client.New(client.WithBaseURL(srv.URL)))
	m := onMedia(t, opts)
	rootType(m, srv.URL+"/photo.jpg")
	cmd := rootPress(m, "ctrl+r")
	if cmd == nil {
		t.Fatal("ctrl+r started no check")
	}
	rootHas(t, m, "Checking the media…")
	msg := cmd()
	// A reply to an older check is dropped.
	stale := msg.(mediaCheckMsg)
	stale.id--
	m.Update(stale)
	rootHas(t, m, "Checking the media…")
	m.Update(msg)
	// Definite problems are marked as such and say how to override them.
	rootHas(t, m, "✗ the URL serves application/pdf", "✗ the file is 7 MB", "press o on Review to send it",
		"Checked 17:30: application/pdf, 7 MB", "127.0.0.1 is a loopback address")
	rootLacks(t, m, "you may still go on")
	// Editing the URL forgets the result.
	rootType(m, "x")
	rootLacks(t, m, "Checked", "✗")
}

// Item 8: time zones by name on Schedule and Review, with the abbreviation
// and the offset, so "09:00" is never a guess.
func TestScheduleAndReviewNameTheZone(t *testing.T) {
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	m := onScheduleIn(t, kolkata)
	rootHas(t, m, "Times are in Asia/Kolkata (IST, UTC+05:30)")
	rootPress(m, "down")
	rootHas(t, m, "Sends Wed 25 Nov 2026 18:30 Asia/Kolkata (IST, UTC+05:30)")
	rootGoldenAs(t, m, "80x24")
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 16})
	assertScreenFits(t, m, 60, 16)
	rootGoldenAs(t, m, "60x16")
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	rootPress(m, "tab")
	rootHas(t, m, "When   Wed 25 Nov 2026 18:30 Asia/Kolkata (IST, UTC+05:30)")
	rootPress(m, "enter")
	rootHas(t, m, "Schedule for Wed 25 Nov 2026 18:30 Asia/Kolkata (IST, UTC+05:30)")
}

func TestZoneName(t *testing.T) {
	at := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	load := func(name string) *time.Location {
		l, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	for _, tc := range []struct {
		loc  *time.Location
		want string
	}{
		{load("Asia/Kolkata"), "Asia/Kolkata (IST, UTC+05:30)"},
		{load("Europe/London"), "Europe/London (BST, UTC+01:00)"},
		{load("America/Sao_Paulo"), "America/Sao_Paulo (UTC-03:00)"}, // its abbreviation is "-03"
		{time.UTC, "UTC (UTC+00:00)"},
		{time.FixedZone("IST", 19800), "IST (UTC+05:30)"},
		{time.FixedZone("", 3600), "UTC+01:00"},
	} {
		if got := zoneName(at, tc.loc); got != tc.want {
			t.Errorf("zoneName(%s) = %q, want %q", tc.loc, got, tc.want)
		}
	}
}
