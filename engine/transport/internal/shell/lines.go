package shell

import (
	"bytes"
	"io"
	"strings"
	"sync"
)

// Lines is an io.Writer that keeps everything written to it and calls a
// function with each complete line, without its line ending. Flush emits a
// last line that has no ending. It is safe for concurrent use.
type Lines struct {
	mu      sync.Mutex
	emit    func(line string)
	all     bytes.Buffer
	partial []byte
}

// NewLines returns a Lines calling emit, which may be nil, for every line.
func NewLines(emit func(line string)) *Lines {
	return &Lines{emit: emit}
}

// StreamLines returns a Lines that passes each line to onLine, which may
// be nil, together with the stream it came from.
func StreamLines[S any](onLine func(S, string), stream S) *Lines {
	if onLine == nil {
		return NewLines(nil)
	}
	return NewLines(func(line string) { onLine(stream, line) })
}

// Write keeps p and emits the lines it completes.
func (l *Lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all.Write(p)
	if l.emit == nil {
		return len(p), nil
	}
	rest := p
	for {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		line := rest[:i]
		if len(l.partial) > 0 {
			line = append(l.partial, line...)
			l.partial = l.partial[:0]
		}
		l.emit(strings.TrimSuffix(string(line), "\r"))
		rest = rest[i+1:]
	}
	l.partial = append(l.partial, rest...)
	return len(p), nil
}

// ReadFrom keeps and emits everything read from r, to its end.
func (l *Lines) ReadFrom(r io.Reader) (int64, error) {
	return readChunks(r, func(p []byte) error {
		_, err := l.Write(p)
		return err
	})
}

// Flush emits the last line when it has no line ending.
func (l *Lines) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.emit != nil && len(l.partial) > 0 {
		l.emit(strings.TrimSuffix(string(l.partial), "\r"))
	}
	l.partial = nil
}

// Bytes returns a copy of everything written so far.
func (l *Lines) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.all.Bytes())
}
