package sshtransport

import (
	"fmt"
	"os"
	"strings"
	"sync"
)

// fileCache keeps what was parsed from a set of files for as long as none
// of them changes (same size and modification time, or still absent):
// every host of a run reads the same ssh_config, known_hosts and key
// files, and parsing them once per host would grow with the square of the
// number of hosts. A parse runs under the lock, so hosts dialled at the
// same moment wait for one parse instead of each doing its own.
type fileCache[T any] struct {
	mu      sync.Mutex
	entries map[string]fileCacheEntry[T]
}

// fileCacheEntry is one parsed set of files and the stamp they had.
type fileCacheEntry[T any] struct {
	stamp string
	value T
}

// load returns the value parse gives for paths, calling parse only when
// the files changed since the last call. Failures are not kept.
func (c *fileCache[T]) load(paths []string, parse func() (T, error)) (T, error) {
	key := strings.Join(paths, "\x00")
	stamp := filesStamp(paths)
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok && e.stamp == stamp {
		return e.value, nil
	}
	v, err := parse()
	if err != nil {
		return v, err
	}
	if c.entries == nil {
		c.entries = map[string]fileCacheEntry[T]{}
	}
	c.entries[key] = fileCacheEntry[T]{stamp: stamp, value: v}
	return v, nil
}

// filesStamp describes the current version of each file.
func filesStamp(paths []string) string {
	var b strings.Builder
	for _, p := range paths {
		if info, err := os.Stat(p); err == nil {
			fmt.Fprintf(&b, "%d %d %o\n", info.Size(), info.ModTime().UnixNano(), info.Mode())
		} else {
			b.WriteString("-\n")
		}
	}
	return b.String()
}
