package cli

import (
	"fmt"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

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

func (a *app) dbCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Show where the database is, its schema version and size",
		Long: `Show the database spotcast keeps campaigns, drafts and uploads in: SQLite
in the state directory unless --database (or ` + envDatabase + `) names a
PostgreSQL one; its schema version (migrations are applied when it is
opened) and its size, with what it holds.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := a.store()
			if err != nil {
				return err
			}
			in, err := db.Info(a.ctx())
			if err != nil {
				return exitf(ExitError, "reading %s: %v", db.Where(), err)
			}
			if asJSON {
				return writeJSON(a.out, in)
			}
			engine := "SQLite"
			if in.Engine == "postgres" {
				engine = "PostgreSQL"
			}
			fmt.Fprintf(a.out, "database:  %s (%s)\n", in.Where, engine)
			fmt.Fprintf(a.out, "schema:    version %d (this spotcast writes %d)\n", in.SchemaVersion, store.SchemaVersion)
			fmt.Fprintf(a.out, "size:      %s\n", humanize.IBytes(uint64(max(in.SizeBytes, 0))))
			fmt.Fprintf(a.out, "holds:     %s, %s, %s, %s\n", campaign.Plural(in.Campaigns, "campaign", "campaigns"),
				campaign.Plural(in.Events, "event", "events"), campaign.Plural(in.Drafts, "draft", "drafts"),
				campaign.Plural(in.Uploads, "uploaded list", "uploaded lists"))
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print it as JSON")
	return cmd
}
