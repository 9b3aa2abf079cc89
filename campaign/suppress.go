package campaign

import "fmt"

// Suppressions is the engine's port to the suppression list: the numbers
// (E.164 digits) that opted out and must never reach a request body. The
// database (campaign/store) implements it; nil means no list.
type Suppressions interface {
	SuppressedSet() (map[string]bool, error)
}

// WithoutSuppressed is recipients less those in set, in order, and how
// many were left out. With an empty set it returns recipients as they are.
func WithoutSuppressed(recipients []string, set map[string]bool) ([]string, int) {
	if len(set) == 0 {
		return recipients, 0
	}
	kept := make([]string, 0, len(recipients))
	for _, p := range recipients {
		if !set[p] {
			kept = append(kept, p)
		}
	}
	return kept, len(recipients) - len(kept)
}

// SuppressedSet is the suppression list as the engine's port gives it
// (nil without one). Faces read it off their UI goroutine and hand it to
// Import and Audience; Submit and Resume read it again themselves.
func (e *Engine) SuppressedSet() (map[string]bool, error) {
	if e == nil || e.Suppressions == nil {
		return nil, nil
	}
	set, err := e.Suppressions.SuppressedSet()
	if err != nil {
		return nil, fmt.Errorf("reading the suppression list: %w", err)
	}
	return set, nil
}

// AllSuppressedError is a campaign whose every recipient opted out (and
// that has no group): there is nobody left to send to.
type AllSuppressedError struct{ Suppressed int }

func (e *AllSuppressedError) Error() string {
	return fmt.Sprintf("nothing to send: every recipient opted out (%s on the suppression list)", Plural(e.Suppressed, "number", "numbers"))
}
