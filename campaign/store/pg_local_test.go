package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// postgresURL is a fresh database on the server SPOTCAST_TEST_DATABASE_URL
// names, dropped after the test.
func postgresURL(t *testing.T) string {
	admin := os.Getenv("SPOTCAST_TEST_DATABASE_URL")
	if admin == "" {
		t.Skip("PostgreSQL tests skipped: set SPOTCAST_TEST_DATABASE_URL")
	}
	var b [6]byte
	rand.Read(b[:])
	name := "spotcast_test_" + hex.EncodeToString(b[:])
	c, err := pgx.Connect(context.Background(), admin)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	if _, err := c.Exec(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), admin)
		if err == nil {
			c.Exec(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)")
			c.Close(context.Background())
		}
	})
	u, _ := url.Parse(admin)
	u.Path = "/" + name
	return u.String()
}
