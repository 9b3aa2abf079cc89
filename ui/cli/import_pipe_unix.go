//go:build unix

package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

// openPipe opens a FIFO without waiting for a writer (O_NONBLOCK), then
// reads its first bytes: with nobody writing, a read ends at once, and the
// FIFO is refused by name. A read that waits for a slow writer ends when ctx
// is done.
func openPipe(ctx context.Context, path string) (io.ReadCloser, int64, error) {
	fh, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, fmt.Errorf("cannot read %s: %v", path, unwrapPathErr(err))
	}
	p := &pipeReader{f: fh, done: make(chan struct{})}
	go func() {
		select {
		case <-ctx.Done():
			fh.SetReadDeadline(time.Now()) // wakes a read waiting for the writer
		case <-p.done:
		}
	}()
	n, err := fh.Read(p.first[:])
	if n == 0 && (err == io.EOF || err == nil) {
		p.Close()
		return nil, 0, fmt.Errorf("%s is a named pipe (FIFO) and nothing is writing to it: start the program that writes to it first, or import a regular file", path)
	}
	if err != nil && err != io.EOF {
		p.Close()
		if ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		return nil, 0, fmt.Errorf("cannot read %s: %v", path, unwrapPathErr(err))
	}
	p.pending = p.first[:n]
	return p, 0, nil
}

type pipeReader struct {
	f       *os.File
	first   [4096]byte
	pending []byte
	done    chan struct{}
	closed  bool
}

func (p *pipeReader) Read(b []byte) (int, error) {
	if len(p.pending) > 0 {
		n := copy(b, p.pending)
		p.pending = p.pending[n:]
		return n, nil
	}
	n, err := p.f.Read(b)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = context.Canceled
	}
	return n, err
}

func (p *pipeReader) Close() error {
	if p.closed {
		return nil
	}
	p.closed = true
	close(p.done)
	return p.f.Close()
}
