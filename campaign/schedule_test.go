package campaign

import (
	"strings"
	"testing"
	"time"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone %s not available: %v", name, err)
	}
	return loc
}

func TestParseSchedule(t *testing.T) {
	kolkata := mustLoc(t, "Asia/Kolkata")
	now := time.Date(2026, 11, 25, 12, 45, 1, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"", time.Time{}},
		{"  now ", time.Time{}},
		{"NOW", time.Time{}},
		{"2026-12-25T10:00:00Z", time.Date(2026, 12, 25, 10, 0, 0, 0, time.UTC)},
		{"2026-12-25t10:00:00z", time.Date(2026, 12, 25, 10, 0, 0, 0, time.UTC)},
		{"2026-12-25T10:00:00+05:30", time.Date(2026, 12, 25, 4, 30, 0, 0, time.UTC)},
		{"2026-12-25T10:00:00.250-08:00", time.Date(2026, 12, 25, 18, 0, 0, 250e6, time.UTC)},
		{"+2h", now.Add(2 * time.Hour)},
		{"+30m", now.Add(30 * time.Minute)},
		{"+1d", now.Add(24 * time.Hour)},
		{"+1h30m", now.Add(90 * time.Minute)},
		{"+1d2h", now.Add(26 * time.Hour)},
		{"+0m", now},
		{"2026-12-25 10:00", time.Date(2026, 12, 25, 4, 30, 0, 0, time.UTC)},
		{"2026-12-25T10:00", time.Date(2026, 12, 25, 4, 30, 0, 0, time.UTC)},
		{"2026-12-25 10:00:30", time.Date(2026, 12, 25, 4, 30, 30, 0, time.UTC)},
		{"2026-12-25T10:00:30", time.Date(2026, 12, 25, 4, 30, 30, 0, time.UTC)},
		// The past is Validate's business, not the parser's.
		{"2020-01-01 00:00", time.Date(2019, 12, 31, 18, 30, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, err := ParseSchedule(tt.in, now, kolkata)
		if err != nil {
			t.Errorf("ParseSchedule(%q): %v", tt.in, err)
			continue
		}
		if !got.Equal(tt.want) {
			t.Errorf("ParseSchedule(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseScheduleErrors(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, in := range []string{
		"tomorrow", "+", "+-1h", "+2x", "+1.5d", "+h", "25/12/2026 10:00",
		"2026-12-25", "2026-13-01 10:00", "10:00", "+100000d", "+2562047h",
	} {
		_, err := ParseSchedule(in, now, time.UTC)
		if err == nil {
			t.Errorf("ParseSchedule(%q) succeeded, want an error", in)
			continue
		}
		if !strings.Contains(err.Error(), in) {
			t.Errorf("ParseSchedule(%q) error %q does not quote the input", in, err)
		}
	}
	// The generic error lists the accepted forms.
	_, err := ParseSchedule("next week", now, time.UTC)
	for _, want := range []string{"now", "+30m", "+1d", "2026-12-25 10:00", "RFC 3339"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %q", err, want)
		}
	}
}

func TestParseScheduleDST(t *testing.T) {
	london := mustLoc(t, "Europe/London")
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	// 2026-03-29 01:00 GMT the clocks jump to 02:00 BST: 01:30 never happens.
	_, err := ParseSchedule("2026-03-29 01:30", now, london)
	if err == nil || !strings.Contains(err.Error(), "does not exist") || !strings.Contains(err.Error(), "02:30") {
		t.Errorf("time in the DST gap: err = %v, want 'does not exist' naming 02:30", err)
	}

	// 2026-10-25 02:00 BST the clocks go back to 01:00 GMT: 01:30 happens
	// twice; the earlier one (BST, 00:30 UTC) is chosen.
	got, err := ParseSchedule("2026-10-25 01:30", now, london)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("ambiguous time = %v, want the earlier %v", got.UTC(), want)
	}

	// Ordinary summer time.
	got, err = ParseSchedule("2026-07-01 09:00", now, london)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("summer time = %v, want %v", got.UTC(), want)
	}
}

func TestSchedulePresets(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	// Wednesday 2026-11-25 07:45:30 in New York (12:45:30 UTC).
	now := time.Date(2026, 11, 25, 12, 45, 30, 0, time.UTC)
	ps := SchedulePresets(now, ny)
	want := []Preset{
		{"In 1 hour", time.Date(2026, 11, 25, 13, 45, 0, 0, time.UTC)},
		{"Tomorrow 09:00", time.Date(2026, 11, 26, 14, 0, 0, 0, time.UTC)},
		{"Next Monday 09:00", time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)},
	}
	if len(ps) != len(want) {
		t.Fatalf("got %d presets, want %d", len(ps), len(want))
	}
	for i := range want {
		if ps[i].Label != want[i].Label || !ps[i].At.Equal(want[i].At) {
			t.Errorf("preset %d = %q %v, want %q %v", i, ps[i].Label, ps[i].At.UTC(), want[i].Label, want[i].At)
		}
	}

	// On a Monday, "next Monday" is a week away, and the local date (not
	// the UTC one) decides what "tomorrow" is: 23:30 Monday in New York
	// is already Tuesday in UTC.
	monday := time.Date(2026, 11, 24, 4, 30, 0, 0, time.UTC) // Mon 23:30 EST
	ps = SchedulePresets(monday, ny)
	if want := time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC); !ps[1].At.Equal(want) {
		t.Errorf("tomorrow from Monday night = %v, want %v", ps[1].At.UTC(), want)
	}
	if want := time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC); !ps[2].At.Equal(want) {
		t.Errorf("next Monday from a Monday = %v, want %v", ps[2].At.UTC(), want)
	}

	// Across the spring-forward night, 09:00 is in the new offset.
	sat := time.Date(2026, 3, 7, 15, 0, 0, 0, time.UTC) // Sat 10:00 EST; DST starts Sun 8 March
	ps = SchedulePresets(sat, ny)
	if want := time.Date(2026, 3, 8, 13, 0, 0, 0, time.UTC); !ps[1].At.Equal(want) {
		t.Errorf("tomorrow across DST = %v, want %v (09:00 EDT)", ps[1].At.UTC(), want)
	}
}

func TestWallTimeGapMovesForward(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	// 2026-03-08 02:30 does not exist in New York (02:00 EST → 03:00 EDT).
	got, ok := wallTime(time.Date(2026, 3, 8, 2, 30, 0, 0, time.UTC), ny)
	if ok {
		t.Fatal("wallTime reported a skipped time as existing")
	}
	if h, m, _ := got.In(ny).Clock(); h != 3 || m != 30 {
		t.Errorf("gap time moved to %v, want 03:30 local", got.In(ny))
	}
}

func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{
		"", "now", "+2h", "+1d", "+1h30m", "2026-12-25 10:00", "2026-12-25T10:00:30",
		"2026-12-25T10:00:00Z", "2026-12-25T10:00:00.5+05:30", "+9999d", "+1d-1h",
	} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	loc := mustLoc(f, "Europe/London")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseSchedule(s, now, loc)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("ParseSchedule(%q): empty error", s)
			}
			return
		}
		if got.IsZero() {
			return
		}
		// The instant survives the form Requests sends and the form a
		// journal stores.
		again, err := ParseSchedule(got.Format(time.RFC3339Nano), now, loc)
		if err != nil || !again.Equal(got) {
			t.Fatalf("ParseSchedule(%q) = %v; re-parsing %q gave %v, %v",
				s, got, got.Format(time.RFC3339Nano), again, err)
		}
	})
}
