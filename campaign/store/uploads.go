package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"spotcast/campaign"
)

// Upload is a contact list uploaded over SSH (`ssh HOST import NAME`),
// kept in the database so every host of a team serves it: the file as
// sent, the options it was checked with and its normalised recipients.
type Upload struct {
	Name       string
	Operator   string
	CSV        []byte
	Meta       campaign.UploadMeta
	Recipients []string
}

// PutUpload stores (or, with replace, replaces) an upload. Without
// replace an existing name is an error saying so.
func (s *DB) PutUpload(u Upload, replace bool) error {
	q := `INSERT INTO uploads (name, operator, csv, phone_column, default_country, international, rows_n, valid, checked_at, recipients)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	if replace {
		q += ` ON CONFLICT (name) DO UPDATE SET operator = excluded.operator, csv = excluded.csv, phone_column = excluded.phone_column,
			default_country = excluded.default_country, international = excluded.international, rows_n = excluded.rows_n,
			valid = excluded.valid, checked_at = excluded.checked_at, recipients = excluded.recipients`
	} else {
		q += ` ON CONFLICT (name) DO NOTHING`
	}
	m := u.Meta
	res, err := s.db.ExecContext(ctx, s.q(q), u.Name, u.Operator, u.CSV, m.PhoneColumn, m.DefaultCountry, boolInt(m.International),
		m.Rows, m.Valid, unixNano(m.CheckedAt), strings.Join(u.Recipients, "\n"))
	if err != nil {
		return fmt.Errorf("storing upload %s in %s: %w", u.Name, s.where, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: %s", ErrUploadExists, u.Name)
	}
	return nil
}

// ErrUploadExists: PutUpload without replace found the name taken.
var ErrUploadExists = errors.New("an upload of that name exists")

// UploadKey is an upload's name in the database: the folder it is kept in
// (the SSH server's folder per operator) and its file name.
func UploadKey(folder, name string) string {
	if folder == "" {
		return name
	}
	return folder + "/" + name
}

// Uploads lists the uploads of one folder ("": every upload), without
// their files, by name.
func (s *DB) Uploads(folder string) ([]Upload, error) {
	q, args := `SELECT name, operator, phone_column, default_country, international, rows_n, valid, checked_at FROM uploads`, []any{}
	if folder != "" {
		prefix := UploadKey(folder, "")
		q += ` WHERE SUBSTR(name, 1, ?) = ?`
		args = append(args, utf8.RuneCountInString(prefix), prefix) // SUBSTR counts characters
	}
	rows, err := s.db.QueryContext(ctx, s.q(q+` ORDER BY name`), args...)
	if err != nil {
		return nil, fmt.Errorf("listing uploads in %s: %w", s.where, err)
	}
	defer rows.Close()
	var out []Upload
	for rows.Next() {
		var (
			u                   Upload
			intl                int
			nrows, valid, check int64
		)
		if err := rows.Scan(&u.Name, &u.Operator, &u.Meta.PhoneColumn, &u.Meta.DefaultCountry, &intl, &nrows, &valid, &check); err != nil {
			return nil, err
		}
		u.Meta.International, u.Meta.Rows, u.Meta.Valid, u.Meta.CheckedAt = intl != 0, int(nrows), int(valid), fromNano(check)
		out = append(out, u)
	}
	return out, rows.Err()
}

// Upload is one upload with its file and recipients; nil, nil when none.
func (s *DB) Upload(name string) (*Upload, error) {
	var (
		u                   Upload
		intl                int
		nrows, valid, check int64
		recips              string
	)
	err := s.db.QueryRowContext(ctx, s.q(`SELECT name, operator, csv, phone_column, default_country, international, rows_n, valid, checked_at, recipients FROM uploads WHERE name = ?`), name).
		Scan(&u.Name, &u.Operator, &u.CSV, &u.Meta.PhoneColumn, &u.Meta.DefaultCountry, &intl, &nrows, &valid, &check, &recips)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading upload %s from %s: %w", name, s.where, err)
	}
	u.Meta.International, u.Meta.Rows, u.Meta.Valid, u.Meta.CheckedAt = intl != 0, int(nrows), int(valid), fromNano(check)
	if recips != "" {
		u.Recipients = strings.Split(recips, "\n")
	}
	return &u, nil
}

// DeleteUpload removes an upload; it reports whether there was one.
func (s *DB) DeleteUpload(name string) (bool, error) {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM uploads WHERE name = ?`), name)
	if err != nil {
		return false, fmt.Errorf("removing upload %s from %s: %w", name, s.where, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
