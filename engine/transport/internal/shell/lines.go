package shell

import (
	"bytes"
	"io"
	"sync"
	"unicode/utf8"
)

// MaxLine is the longest line Lines emits: a longer line is emitted in
// pieces of at most MaxLine bytes, cut between characters, so that a
// stream without line endings never piles up in memory.
const MaxLine = 64 << 10

// Lines is an io.Writer that keeps what is written to it, or only its tail,
// and calls a function with each complete line, without its line ending.
// Flush emits a last line that has no ending. It is safe for concurrent
// use.
type Lines struct {
	mu      sync.Mutex
	emit    func(line string)
	limit   int    // how many of the last bytes Bytes returns; negative for all
	kept    []byte // the last bytes written: everything, or at most half as many again as limit
	partial []byte
}

// NewLines returns a Lines calling emit, which may be nil, for every line
// and keeping everything written.
func NewLines(emit func(line string)) *Lines {
	return &Lines{emit: emit, limit: -1}
}

// StreamLines returns a Lines that passes each line to onLine, which may
// be nil, together with the stream it came from, and keeps the last limit
// bytes of the stream (everything when limit is negative).
func StreamLines[S any](onLine func(S, string), stream S, limit int) *Lines {
	l := NewLines(nil)
	if onLine != nil {
		l.emit = func(line string) { onLine(stream, line) }
	}
	l.limit = limit
	return l
}

// Write keeps p, or its tail, and emits the lines it completes.
func (l *Lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.keep(p)
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
		l.emit(string(l.emitPieces(bytes.TrimSuffix(line, []byte("\r")))))
		rest = rest[i+1:]
	}
	l.partial = append(l.partial, rest...)
	if len(l.partial) > MaxLine {
		l.partial = append(l.partial[:0], l.emitPieces(l.partial)...)
	}
	return len(p), nil
}

// keep appends p to the kept bytes. Past half as much again as the limit,
// it drops all but the last limit+1 bytes (the one before the tail tells
// whether the tail starts a line), so that each byte is copied a bounded
// number of times.
func (l *Lines) keep(p []byte) {
	l.kept = append(l.kept, p...)
	if l.limit >= 0 && len(l.kept) > l.limit+1+l.limit/2 {
		l.kept = append(l.kept[:0], l.kept[len(l.kept)-l.limit-1:]...)
	}
}

// emitPieces emits pieces of MaxLine bytes or less from the start of line
// while more than MaxLine bytes remain, and returns the rest.
func (l *Lines) emitPieces(line []byte) []byte {
	for len(line) > MaxLine {
		cut := MaxLine
		for i := MaxLine; i > MaxLine-utf8.UTFMax; i-- {
			if utf8.RuneStart(line[i]) {
				cut = i
				break
			}
		}
		l.emit(string(line[:cut]))
		line = line[cut:]
	}
	return line
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
		l.emit(string(bytes.TrimSuffix(l.partial, []byte("\r"))))
	}
	l.partial = nil
}

// Bytes returns a copy of what is kept: everything written so far or,
// when that is more than the limit (see Truncated), the last whole lines
// that fit in the limit; the last limit bytes, less a character cut at
// their start, when they hold no whole line.
func (l *Lines) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.truncated() {
		return bytes.Clone(l.kept)
	}
	tail := l.kept[len(l.kept)-l.limit:]
	if l.kept[len(l.kept)-l.limit-1] == '\n' {
		return bytes.Clone(tail)
	}
	if i := bytes.IndexByte(tail, '\n'); i >= 0 && i < len(tail)-1 {
		return bytes.Clone(tail[i+1:])
	}
	return bytes.Clone(fromRuneStart(tail))
}

// fromRuneStart returns b from the start of its first character, leaving
// out the end of a character cut at its start; b when there is none
// within utf8.UTFMax bytes.
func fromRuneStart(b []byte) []byte {
	for i := range min(len(b), utf8.UTFMax) {
		if utf8.RuneStart(b[i]) {
			return b[i:]
		}
	}
	return b
}

// Truncated reports whether more than the limit was written, so that
// Bytes returns only a tail.
func (l *Lines) Truncated() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.truncated()
}

// truncated is Truncated with l.mu held.
func (l *Lines) truncated() bool {
	return l.limit >= 0 && len(l.kept) > l.limit
}
