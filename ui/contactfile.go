package ui

import (
	"errors"
	"fmt"
	"os"

	"spotcast/campaign"
)

// openContactList opens a file for import without ever blocking: a named
// pipe, a device or a socket is refused by its stat before any open (an
// open of a FIFO waits for a writer), and the open itself does not wait
// (O_NONBLOCK where there is one), should the path change in between.
func openContactList(path string) (*os.File, os.FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, openErr(err)
	}
	if err := regularFile(st); err != nil {
		return nil, nil, err
	}
	f, err := openNoWait(path)
	if err != nil {
		return nil, nil, openErr(err)
	}
	st, err = f.Stat()
	if err == nil {
		err = regularFile(st)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, st, nil
}

func openErr(err error) error {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return errors.New("the file does not exist: check the path (tab completes it)")
	case errors.Is(err, os.ErrPermission):
		return errors.New("permission denied: the file is not readable")
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func regularFile(st os.FileInfo) error {
	mode := st.Mode()
	switch {
	case mode.IsRegular():
		return nil
	case mode.IsDir():
		return errors.New("this is a directory: pick a .csv or .txt file")
	case mode&os.ModeNamedPipe != 0:
		return errors.New("this is a named pipe (FIFO), not a file: save the contact list to a regular file and pick that")
	case mode&os.ModeSocket != 0:
		return errors.New("this is a socket, not a file: save the contact list to a regular file and pick that")
	case mode&os.ModeDevice != 0:
		return errors.New("this is a device, not a file: save the contact list to a regular file and pick that")
	}
	return fmt.Errorf("this is not a regular file (%s): save the contact list to a regular file and pick that", campaign.SanitizeLine(mode.String(), 20))
}
