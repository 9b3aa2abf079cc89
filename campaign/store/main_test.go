package store

import (
	"testing"

	"spotcast/campaign/store/pgtest"
)

// TestMain stops the throwaway PostgreSQL cluster pgtest may start.
func TestMain(m *testing.M) { pgtest.Main(m) }

// postgresURL is a fresh, empty PostgreSQL database, dropped after the
// test (skipped, saying how to run it, where there is no PostgreSQL).
func postgresURL(t *testing.T) string { return pgtest.URL(t) }
