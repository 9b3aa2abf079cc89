package cli

import (
	"fmt"

	"spotcast/campaign"
	"spotcast/campaign/store"
)

const envDatabase = "SPOTCAST_DATABASE_URL"

// store opens the database once per command (--database, else SQLite in
// the state directory) and says what it imported from the files of
// before the database; Close is at the command's end (run).
func (a *app) store() (*store.DB, error) {
	if a.db != nil {
		return a.db, nil
	}
	db, err := store.Open(a.ctx(), store.Options{StateDir: a.stateDir(), URL: a.g.database})
	if err != nil {
		return nil, exitf(ExitError, "cannot open the database: %v", err)
	}
	if imp := db.Imported; imp != nil {
		fmt.Fprintln(a.errOut, "spotcast: "+imp.String()+".")
		for _, w := range imp.Warnings {
			fmt.Fprintln(a.errOut, "warning: "+campaign.Sanitize(w))
		}
	}
	a.db = db
	return db, nil
}

// closeStore closes the database if a command opened it.
func (a *app) closeStore() {
	if a.db != nil {
		a.db.Close()
		a.db = nil
	}
}
