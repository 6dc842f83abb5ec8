package shell

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
)

// maxEarlyLines bounds how many lines written before the wrapper started
// are kept to explain why it did not.
const maxEarlyLines = 8

// maxEarlyLine bounds, in bytes, each of those lines, and the line not
// ended yet that is held until its end (or sudo's prompt) arrives: only
// the last bytes of a longer one are kept.
const maxEarlyLine = 4096

// foreignPromptWait is how long a line that reads like a password prompt,
// but is not the prompt sudo was given, may wait unanswered before the
// handshake gives up: sudo (or a PAM module) is then asking in words of
// its own, and the password goes to no prompt but sudo's.
const foreignPromptWait = 3 * time.Second

// Handshake drives a process started through the wrapper (see Argv): when
// the process runs through sudo with a password (see Sudo), it writes the
// password when sudo prompts for it, and only then; it waits until the
// wrapper reports that it runs, then writes the environment block and the
// caller's input. It is the process's standard error sink: lines before
// the ready marker (from a login shell or sudo) are held back to explain
// a failure to start, and everything after it goes to Stderr.
type Handshake struct {
	// Env is the environment block (see EnvBlock), or nil.
	Env []byte
	// Stdin is the caller's input, or nil.
	Stdin io.Reader
	// Stderr receives the process's standard error after the marker.
	Stderr io.Writer
	// PasswordRequired is the error Failure returns when sudo wanted a
	// password and was run without one.
	PasswordRequired error

	sudo     bool   // whether the process runs through sudo
	password string // the sudo password, or empty
	prompt   []byte // the prompt sudo was given for it
	mark     string // the marker the wrapper writes once it runs

	once     sync.Once
	ready    chan struct{}
	changed  chan struct{} // holds a token when the state below changed
	mu       sync.Mutex
	started  bool
	group    string
	early    []string
	partial  []byte
	prompted bool   // whether sudo prompted for the password
	sent     bool   // whether the password was written
	foreign  bool   // whether partial reads like a prompt that is not sudo's
	stuck    string // the prompt not answered, once the handshake gave up on it
	required bool
	rejected bool
	noTTY    bool // sudo refused to run without a terminal
}

// ErrNeedsTTY means that sudo refused to run the command without a
// terminal, as sudoers' `Defaults requiretty` makes it do. Nothing was
// run and nothing was read from the command's input.
var ErrNeedsTTY = errors.New("sudo refused to run without a terminal (sudoers requiretty)")

func (h *Handshake) init() {
	h.once.Do(func() {
		h.mark = readyMarker + nonce()
		h.ready = make(chan struct{})
		h.changed = make(chan struct{}, 1)
	})
}

// marker returns the word that starts the line the wrapper writes once it
// runs. It is new for every command and unpredictable, so that no line
// written before the wrapper runs (by a login shell, say) can pass for
// it, and name a process group that cancelling the command would end.
func (h *Handshake) marker() string {
	h.init()
	return h.mark
}

// nonce returns 32 random hexadecimal digits.
func nonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Sudo returns the sudo prefix that runs a command as user (root when
// empty). With a password sudo is given a prompt of its own, random for
// each command, and reads the password from standard input, where Feed
// writes it once it has seen that prompt: when sudo asks for no password
// (a NOPASSWD rule, !authenticate, a ticket), none is written. Without a
// password sudo fails rather than ask.
//
// sudo runs with LC_ALL=C, so that the handshake reads its messages in
// the words it knows whatever the host's language; the wrapper gives the
// command the LC_ALL it would have had (see localeParam).
func (h *Handshake) Sudo(user, password string) []string {
	if user == "" {
		user = "root"
	}
	h.sudo = true
	head := []string{"env", "LC_ALL=C", "sudo"}
	if password == "" {
		return append(head, "-n", "-u", user, "--")
	}
	h.password = password
	h.prompt = []byte("runbook-sudo-" + nonce() + ": ")
	return append(head, "-S", "-p", string(h.prompt), "-u", user, "--")
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
	h.partial = append(h.partial, p...)
	h.scan()
	select {
	case h.changed <- struct{}{}:
	default:
	}
	if !h.started || len(h.partial) == 0 {
		return len(p), nil
	}
	rest := h.partial
	h.partial = nil
	if _, err := h.Stderr.Write(rest); err != nil {
		return 0, err
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

// scan reads the complete lines and the prompts held in h.partial until
// the wrapper has started or what is left is a partial line; h.mu is
// held. sudo's prompt ends no line: what follows it (the ready marker, or
// sudo's complaint about a wrong password) shares its line.
func (h *Handshake) scan() {
	for !h.started {
		end := bytes.IndexByte(h.partial, '\n')
		if i := h.promptIndex(); i >= 0 && (end < 0 || i < end) {
			if i > 0 {
				h.noteEarly(h.partial[:i])
			}
			h.partial = h.partial[i+len(h.prompt):]
			h.rejected = h.rejected || h.sent
			h.prompted = true
			continue
		}
		if end < 0 {
			if len(h.partial) > maxEarlyLine {
				h.partial = lastBytes(h.partial, maxEarlyLine)
			}
			h.foreign = readsLikePrompt(h.partial)
			return
		}
		line := h.partial[:end]
		h.partial = h.partial[end+1:]
		h.noteEarly(line)
	}
	h.foreign = false
}

// promptIndex returns where sudo's prompt starts in h.partial, or -1.
func (h *Handshake) promptIndex() int {
	if len(h.prompt) == 0 {
		return -1
	}
	return bytes.Index(h.partial, h.prompt)
}

// readsLikePrompt reports whether text, a line not ended yet, reads like
// a prompt: it ends with a colon, perhaps followed by spaces, as
// "[sudo] password for ann: ", "Password:" and PAM's prompts do.
func readsLikePrompt(text []byte) bool {
	return bytes.HasSuffix(bytes.TrimRight(text, " "), []byte(":"))
}

// lastBytes returns a copy of the last n bytes of b, less a character cut
// at their start.
func lastBytes(b []byte, n int) []byte {
	return bytes.Clone(fromRuneStart(b[max(len(b)-n, 0):]))
}

// noteEarly handles one line written before the wrapper was ready, of
// which it keeps the last maxEarlyLine bytes; h.mu is held.
func (h *Handshake) noteEarly(b []byte) {
	line := string(lastBytes(b, maxEarlyLine))
	if g, ok := strings.CutPrefix(line, h.mark+" "); ok {
		h.started, h.group = true, g
		close(h.ready)
		return
	}
	switch {
	case strings.Contains(line, "a password is required"):
		h.required = true
	case strings.Contains(line, "must have a tty"):
		h.noTTY = true
	case strings.Contains(line, "incorrect password attempt") || (h.sent && strings.Contains(line, "Sorry, try again")):
		h.rejected = true
	}
	if len(h.early) == maxEarlyLines {
		h.early = h.early[1:]
	}
	h.early = append(h.early, line)
}

// HasInput reports whether Feed has anything to write; when it has not,
// closing the process's standard input does the same.
func (h *Handshake) HasInput() bool {
	return h.password != "" || h.Env != nil || h.Stdin != nil
}

// Feed writes the process's standard input to w and closes w: the sudo
// password when sudo prompts for it (see Sudo), then, once the wrapper
// runs, the environment block and the caller's input. Through sudo it
// writes nothing before the wrapper runs, so that the caller's input is
// still whole when sudo refuses and the command is tried again (see
// ErrNeedsTTY). It returns early, closing w, when sudo does not let the
// wrapper run or done is closed. Write errors end the feed silently: a
// process need not read its input.
func (h *Handshake) Feed(w io.WriteCloser, done <-chan struct{}) {
	h.init()
	defer w.Close()
	if h.sudo && !h.authenticate(w, done) {
		return
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

// authenticate waits until the wrapper runs, writing the password, when
// there is one, to w the first time sudo prompts for it, and reports
// whether the wrapper runs. It gives up when sudo prompts again or says
// the password is wrong (it is never sent twice), when a prompt that is
// not sudo's has waited foreignPromptWait while a password waits to be
// sent, and when done is closed.
func (h *Handshake) authenticate(w io.Writer, done <-chan struct{}) bool {
	var wait *time.Timer
	var waited <-chan time.Time
	defer func() {
		if wait != nil {
			wait.Stop()
		}
	}()
	for {
		h.mu.Lock()
		started, rejected, foreign := h.started, h.rejected, h.foreign && h.password != ""
		answer := h.prompted && !h.sent
		h.sent = h.sent || answer
		h.mu.Unlock()
		switch {
		case started:
			return true
		case rejected:
			return false
		case answer:
			if _, err := io.WriteString(w, h.password+"\n"); err != nil {
				return false
			}
		}
		switch {
		case foreign && wait == nil:
			wait = time.NewTimer(foreignPromptWait)
			waited = wait.C
		case !foreign && wait != nil:
			wait.Stop()
			wait, waited = nil, nil
		}
		select {
		case <-h.changed:
		case <-waited:
			h.mu.Lock()
			h.stuck = string(h.partial)
			h.mu.Unlock()
			return false
		case <-done:
			return false
		}
	}
}

// Failure explains, once the process has ended, why the wrapper never
// reported that it ran, or ran without its input; it is nil when it ran
// with it, PasswordRequired when sudo refused to run for want of a
// password, and wraps ErrNeedsTTY when sudo refused to run without a
// terminal.
func (h *Handshake) Failure() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.stuck != "":
		return fmt.Errorf("the host asked %q, not with the prompt runbook gave sudo, so the password was not sent and the command got no input (does a PAM module ask in words of its own?)", strings.TrimSpace(h.stuck))
	case h.started:
		return nil
	case h.rejected:
		return errors.New("sudo rejected the password")
	case h.required:
		return h.PasswordRequired
	case h.noTTY:
		return fmt.Errorf("%w: %s", ErrNeedsTTY, strings.Join(h.early, "; "))
	case len(h.early) == 0:
		return errors.New("command did not start and wrote nothing")
	}
	return fmt.Errorf("command did not start: %s", strings.Join(h.early, "; "))
}

// Early returns the lines written to standard error before the wrapper
// reported that it runs (by a login shell or sudo), the last
// maxEarlyLines of them, each a line without its end.
func (h *Handshake) Early() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.early)
}
