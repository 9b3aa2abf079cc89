package campaign

import (
	"errors"
	"time"
)

// ParseSchedule turns what an operator typed into an instant. Accepted: ""
// or "now" (zero time: send now), RFC 3339 with an offset, "+2h"/"+30m"/
// "+1d" relative to now, and "YYYY-MM-DD HH:MM" in loc.
func ParseSchedule(s string, now time.Time, loc *time.Location) (time.Time, error) {
	return time.Time{}, errors.New("not implemented")
}
