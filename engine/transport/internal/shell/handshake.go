package shell

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
)

// maxEarlyLines bounds how many lines written before the wrapper started
// are kept to explain why it did not.
const maxEarlyLines = 8

// Handshake drives a process started through the wrapper (see Argv): it
// writes the sudo password, waits until the wrapper reports that it runs,
// then writes the environment block and the caller's input. It is the
// process's standard error sink: lines before the ready marker (from a
// login shell or sudo) are held back to explain a failure to start, and
// everything after it goes to Stderr.
type Handshake struct {
	// Password is the sudo password, written first when set.
	Password string
	// Env is the environment block (see EnvBlock), or nil.
	Env []byte
	// Stdin is the caller's input, or nil.
	Stdin io.Reader
	// Stderr receives the process's standard error after the marker.
	Stderr io.Writer
	// PasswordRequired is the error Failure returns when sudo wanted a
	// password and was run without one.
	PasswordRequired error

	once     sync.Once
	ready    chan struct{}
	refused  chan struct{}
	mu       sync.Mutex
	started  bool
	group    string
	early    []string
	partial  []byte
	required bool
	rejected bool
}

func (h *Handshake) init() {
	h.once.Do(func() {
		h.ready = make(chan struct{})
		h.refused = make(chan struct{})
	})
}

// Ready is closed once the wrapper has reported that it runs.
func (h *Handshake) Ready() <-chan struct{} {
	h.init()
	return h.ready
}

// Group returns the process group the wrapper reported, or "" before it
// did.
func (h *Handshake) Group() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.group
}

// Write takes the process's standard error.
func (h *Handshake) Write(p []byte) (int, error) {
	h.init()
	h.mu.Lock()
	if h.started {
		h.mu.Unlock()
		return h.Stderr.Write(p)
	}
	defer h.mu.Unlock()
	rest := p
	for !h.started {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			h.partial = append(h.partial, rest...)
			return len(p), nil
		}
		line := string(append(h.partial, rest[:i]...))
		h.partial = nil
		rest = rest[i+1:]
		h.noteEarly(line)
	}
	if len(rest) > 0 {
		if _, err := h.Stderr.Write(rest); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// ReadFrom takes the process's standard error from r, to its end.
func (h *Handshake) ReadFrom(r io.Reader) (int64, error) {
	return readChunks(r, func(p []byte) error {
		_, err := h.Write(p)
		return err
	})
}

// noteEarly handles one line written before the wrapper was ready; h.mu is held.
func (h *Handshake) noteEarly(line string) {
	if g, ok := strings.CutPrefix(line, readyMarker+" "); ok {
		h.started, h.group = true, g
		close(h.ready)
		return
	}
	switch {
	case strings.Contains(line, "a password is required"):
		h.required = true
	case strings.Contains(line, "Sorry, try again") || strings.Contains(line, "incorrect password attempt"):
		if !h.rejected {
			h.rejected = true
			close(h.refused)
		}
	}
	if len(h.early) == maxEarlyLines {
		h.early = h.early[1:]
	}
	h.early = append(h.early, line)
}

// HasInput reports whether Feed has anything to write; when it has not,
// closing the process's standard input does the same.
func (h *Handshake) HasInput() bool {
	return h.Password != "" || h.Env != nil || h.Stdin != nil
}

// Feed writes the process's standard input to w and closes w. It returns
// early, closing w, when sudo refuses the password or done is closed. Write
// errors end the feed silently: a process need not read its input.
func (h *Handshake) Feed(w io.WriteCloser, done <-chan struct{}) {
	h.init()
	defer w.Close()
	if h.Password != "" {
		if _, err := io.WriteString(w, h.Password+"\n"); err != nil {
			return
		}
		select {
		case <-h.ready:
		case <-h.refused:
			return
		case <-done:
			return
		}
	}
	if h.Env != nil {
		if _, err := w.Write(h.Env); err != nil {
			return
		}
	}
	if h.Stdin != nil {
		_, _ = io.Copy(w, h.Stdin)
	}
}

// Failure explains, once the process has ended, why the wrapper never
// reported that it ran; it is nil when it did, and PasswordRequired when
// sudo refused to run for want of a password.
func (h *Handshake) Failure() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.started:
		return nil
	case h.required:
		return h.PasswordRequired
	case h.rejected:
		return errors.New("sudo rejected the password")
	case len(h.early) == 0:
		return errors.New("command did not start and wrote nothing")
	}
	return fmt.Errorf("command did not start: %s", strings.Join(h.early, "; "))
}
