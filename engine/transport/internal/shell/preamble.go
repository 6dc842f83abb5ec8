package shell

import (
	"bytes"
	"io"
)

// maxPreamble bounds what a login shell may print on standard output
// before the command line runs: what Preamble holds back while it looks
// for the marker. Past it, the marker is taken to be missing and
// everything is passed on.
const maxPreamble = 64 << 10

// Preamble is the standard output of a command line from Handshake.Line:
// it drops what comes before the marker the line writes first (a login
// shell's banner, printed by a start-up file such as .bashrc), and the
// marker, and passes the command's own output on to W. When the stream
// ends without the marker, End passes on what was held, so that nothing
// a failed start printed is lost.
type Preamble struct {
	w       io.Writer
	mark    []byte
	held    []byte
	dropped []byte // what came before the marker
	passing bool
}

// Stdout returns the Preamble that passes the command's standard output
// on to w.
func (h *Handshake) Stdout(w io.Writer) *Preamble {
	return &Preamble{w: w, mark: []byte(h.marker() + "\n")}
}

// Write passes on what follows the marker.
func (p *Preamble) Write(b []byte) (int, error) {
	if p.passing {
		return p.w.Write(b)
	}
	p.held = append(p.held, b...)
	if i := bytes.Index(p.held, p.mark); i >= 0 {
		rest := p.held[i+len(p.mark):]
		p.dropped = p.held[:i]
		p.held, p.passing = nil, true
		if len(rest) > 0 {
			if _, err := p.w.Write(rest); err != nil {
				return 0, err
			}
		}
	} else if len(p.held) > maxPreamble {
		if err := p.End(); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

// ReadFrom passes on what follows the marker in everything read from r,
// to its end. A session's copy of the command's output calls it, in place
// of io.Copy's own 32 KiB buffer for every command.
func (p *Preamble) ReadFrom(r io.Reader) (int64, error) {
	return readChunks(r, func(b []byte) error {
		_, err := p.Write(b)
		return err
	})
}

// End passes on what is held when the marker never came, and everything
// after it from then on.
func (p *Preamble) End() error {
	held := p.held
	p.held, p.passing = nil, true
	if len(held) == 0 {
		return nil
	}
	_, err := p.w.Write(held)
	return err
}

// Dropped returns what came before the marker, which Write did not pass
// on: what the login printed on standard output before the command line
// ran, and the line end the line writes before its marker.
func (p *Preamble) Dropped() []byte {
	return p.dropped
}
