//go:build !unix

package cli

import (
	"context"
	"fmt"
	"io"
)

// openPipe refuses a named pipe where it cannot be opened without blocking.
func openPipe(_ context.Context, path string) (io.ReadCloser, int64, error) {
	return nil, 0, fmt.Errorf("%s is a named pipe, not a regular file: read it through standard input instead (spotcast import - < %s)", path, path)
}
