package campaign

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// localLayouts are the wall-clock forms read in the operator's location.
var localLayouts = []string{
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
}

// maxRelative bounds "+N..." so arithmetic cannot overflow; WhatsSpot has
// no use for schedules decades away.
const maxRelative = 10 * 366 * 24 * time.Hour

// ParseSchedule turns what an operator typed into an instant. Accepted: ""
// or "now" (zero time: send now), RFC 3339 with an offset (fractional
// seconds allowed), "+2h"/"+30m"/"+1d"/"+1d2h"/"+1h30m" relative to now (a
// day is 24 hours), and "YYYY-MM-DD HH:MM" (also with "T" and/or ":SS") in
// loc. A local time that does not exist (skipped by a DST change) is an
// error; one that happens twice is the earlier instant. Times in the past
// are not rejected here: Validate does that.
func ParseSchedule(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.Local
	}
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "now") {
		return time.Time{}, nil
	}
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		d, err := parseRelative(rest)
		if err != nil {
			return time.Time{}, fmt.Errorf("schedule %q: %v; %s", s, err, scheduleHelp(loc))
		}
		return now.Add(d), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s)); err == nil {
		return t, nil
	}
	for _, layout := range localLayouts {
		p, err := time.ParseInLocation(layout, s, time.UTC)
		if err != nil {
			continue
		}
		t, exists := wallTime(p, loc)
		if !exists {
			return time.Time{}, fmt.Errorf("schedule %q: that time does not exist in %s (the clocks skip it for daylight saving); the next valid time is %s",
				s, loc, t.In(loc).Format("2006-01-02 15:04"))
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("schedule %q not understood; %s", s, scheduleHelp(loc))
}

func scheduleHelp(loc *time.Location) string {
	return fmt.Sprintf(`use "now", a delay such as +30m, +2h, +1d or +1h30m, a local time such as 2026-12-25 10:00 (%s), or an RFC 3339 time with an offset such as 2026-12-25T10:00:00+05:30`, loc)
}

// parseRelative reads "1d2h30m" (after the "+"): an optional number of days
// followed by a Go duration.
func parseRelative(s string) (time.Duration, error) {
	if s == "" || strings.ContainsAny(s, "+-") {
		return 0, fmt.Errorf("a delay needs a positive amount and a unit (d, h, m, s)")
	}
	var total time.Duration
	if days, rest, ok := strings.Cut(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%q is not a whole number of days", days+"d")
		}
		if time.Duration(n) > maxRelative/(24*time.Hour) {
			return 0, fmt.Errorf("a delay can be at most %d days", maxRelative/(24*time.Hour))
		}
		total = time.Duration(n) * 24 * time.Hour
		s = rest
	}
	if s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("%q is not a delay", s)
		}
		if d > maxRelative {
			return 0, fmt.Errorf("a delay can be at most %d days", maxRelative/(24*time.Hour))
		}
		total += d
	}
	if total > maxRelative {
		return 0, fmt.Errorf("a delay can be at most %d days", maxRelative/(24*time.Hour))
	}
	return total, nil
}

// wallTime returns the instant at which clocks in loc show p's wall-clock
// fields (p is read as UTC only to carry them). When the wall time happens
// twice (clocks go back) it returns the earlier; when it never happens
// (clocks go forward) it returns the instant as far past the gap as the gap
// is long, with exists false.
func wallTime(p time.Time, loc *time.Location) (t time.Time, exists bool) {
	guess := time.Date(p.Year(), p.Month(), p.Day(), p.Hour(), p.Minute(), p.Second(), p.Nanosecond(), loc)
	var offsets []int
	for _, at := range []time.Time{guess.Add(-48 * time.Hour), guess, guess.Add(48 * time.Hour)} {
		_, off := at.Zone()
		offsets = append(offsets, off)
	}
	for _, off := range offsets {
		c := p.Add(-time.Duration(off) * time.Second)
		if sameWall(c.In(loc), p) && (!exists || c.Before(t)) {
			t, exists = c, true
		}
	}
	if exists {
		return t, true
	}
	// In a gap: read the wall time with the offset from before the change,
	// which lands after the gap (02:30 in a 02:00→03:00 gap becomes 03:30).
	return p.Add(-time.Duration(offsets[0]) * time.Second), false
}

func sameWall(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd && a.Hour() == b.Hour() && a.Minute() == b.Minute() &&
		a.Second() == b.Second() && a.Nanosecond() == b.Nanosecond()
}

// Preset is a ready-made schedule the TUI offers.
type Preset struct {
	Label string
	At    time.Time
}

// SchedulePresets returns the common choices relative to now, in loc:
// in one hour (to the minute), tomorrow 09:00, next Monday 09:00 (a week
// away when today is Monday). A 09:00 skipped by a DST change moves past
// the gap.
func SchedulePresets(now time.Time, loc *time.Location) []Preset {
	if loc == nil {
		loc = time.Local
	}
	local := now.In(loc)
	at9 := func(daysAhead int) time.Time {
		d := time.Date(local.Year(), local.Month(), local.Day()+daysAhead, 9, 0, 0, 0, time.UTC)
		t, _ := wallTime(d, loc)
		return t
	}
	toMonday := (int(time.Monday) - int(local.Weekday()) + 7) % 7
	if toMonday == 0 {
		toMonday = 7
	}
	return []Preset{
		{Label: "In 1 hour", At: now.Add(time.Hour).Truncate(time.Minute)},
		{Label: "Tomorrow 09:00", At: at9(1)},
		{Label: "Next Monday 09:00", At: at9(toMonday)},
	}
}
