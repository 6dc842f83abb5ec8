package shell

import (
	"bytes"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

func TestHandshakeSeparatesEarlyLines(t *testing.T) {
	stderr := NewLines(nil)
	h := &Handshake{Stderr: stderr}
	m := h.marker()
	for _, chunk := range []string{"motd line\n" + m[:10], m[10:] + " 4242\nfrom the ", "command\n"} {
		if _, err := h.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	if h.Group() != "4242" || h.Failure() != nil {
		t.Fatalf("group %q failure %v", h.Group(), h.Failure())
	}
	if string(stderr.Bytes()) != "from the command\n" {
		t.Fatalf("stderr %q", stderr.Bytes())
	}
}

func TestHandshakeFailures(t *testing.T) {
	required := errors.New("required")
	for _, tc := range []struct{ stderr, want string }{
		{"sudo: a password is required\n", "required"},
		{"Sorry, try again.\nsudo: 1 incorrect password attempt\n", "sudo rejected the password"},
		{"sh: 1: exec: /bin/sh: not found\n", "command did not start: sh: 1: exec: /bin/sh: not found"},
		{"", "command did not start and wrote nothing"},
		{"sudo: sorry, you must have a tty to run sudo\n", ErrNeedsTTY.Error() + ": sudo: sorry, you must have a tty to run sudo"},
	} {
		h := &Handshake{Stderr: NewLines(nil), PasswordRequired: required}
		if _, err := h.Write([]byte(tc.stderr)); err != nil {
			t.Fatal(err)
		}
		if err := h.Failure(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("stderr %q: failure %v, want %q", tc.stderr, err, tc.want)
		}
	}
}

// stdinRecorder is the standard input of a process in these tests: it
// keeps what is written and tells when it is closed.
type stdinRecorder struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	closed chan struct{}
}

func newStdinRecorder() *stdinRecorder { return &stdinRecorder{closed: make(chan struct{})} }

func (r *stdinRecorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.Write(p)
}

func (r *stdinRecorder) Close() error {
	close(r.closed)
	return nil
}

func (r *stdinRecorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.String()
}

// sudoHandshake returns a handshake for a sudo command with a password,
// the prompt it gave sudo, and the standard input it feeds, already
// being fed.
func sudoHandshake(t *testing.T) (*Handshake, string, *stdinRecorder) {
	t.Helper()
	h := &Handshake{Env: []byte("0\n"), Stdin: strings.NewReader("input\n"), Stderr: NewLines(nil)}
	argv := h.Sudo("", "pw-1234")
	if len(argv) < 6 || argv[4] != "-p" || !strings.HasPrefix(argv[5], "runbook-sudo-") || strings.Contains(strings.Join(argv, " "), "pw-1234") {
		t.Fatalf("sudo argv %q", argv)
	}
	stdin := newStdinRecorder()
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	go h.Feed(stdin, done)
	return h, argv[5], stdin
}

// stderr writes each of chunks to h as the process's standard error.
func stderr(t *testing.T, h *Handshake, chunks ...string) {
	t.Helper()
	for _, c := range chunks {
		if _, err := h.Write([]byte(c)); err != nil {
			t.Fatal(err)
		}
	}
}

// waitWritten waits until something was written to stdin.
func waitWritten(stdin *stdinRecorder) {
	for stdin.String() == "" {
		time.Sleep(time.Millisecond)
	}
}

// waitClosed waits until the handshake closed stdin, and returns what it
// wrote.
func waitClosed(t *testing.T, stdin *stdinRecorder) string {
	t.Helper()
	select {
	case <-stdin.closed:
	case <-time.After(2 * foreignPromptWait):
		t.Fatalf("standard input not closed; it holds %q", stdin.String())
	}
	return stdin.String()
}

func TestHandshakeAnswersOnlyItsPrompt(t *testing.T) {
	h, prompt, stdin := sudoHandshake(t)
	stderr(t, h, "motd\n\nWe trust you have received the usual lecture:\n", prompt[:5])
	time.Sleep(50 * time.Millisecond)
	if got := stdin.String(); got != "" {
		t.Fatalf("written before sudo prompted: %q", got)
	}
	stderr(t, h, prompt[5:])
	waitWritten(stdin)
	stderr(t, h, "\n"+h.marker()+" 42\nfrom the command\n")
	if got := waitClosed(t, stdin); got != "pw-1234\n0\ninput\n" {
		t.Fatalf("stdin %q, want the password once, then the environment block and the input", got)
	}
	if h.Failure() != nil || h.Group() != "42" {
		t.Fatalf("failure %v, group %q", h.Failure(), h.Group())
	}
}

func TestHandshakeSendsNoPasswordUnasked(t *testing.T) {
	h, _, stdin := sudoHandshake(t)
	stderr(t, h, "Password: ", "\n"+h.marker()+" 42\n")
	if got := waitClosed(t, stdin); got != "0\ninput\n" {
		t.Fatalf("stdin %q, want only the environment block and the input", got)
	}
}

func TestHandshakeDoesNotResentARejectedPassword(t *testing.T) {
	h, prompt, stdin := sudoHandshake(t)
	stderr(t, h, prompt)
	waitWritten(stdin)
	stderr(t, h, "Sorry, try again.\n"+prompt)
	if got := waitClosed(t, stdin); got != "pw-1234\n" {
		t.Fatalf("stdin %q, want the password once", got)
	}
	stderr(t, h, "\nsudo: no password was provided\nsudo: 1 incorrect password attempt\n")
	if err := h.Failure(); err == nil || err.Error() != "sudo rejected the password" {
		t.Fatalf("failure %v", err)
	}
}

func TestHandshakeGivesUpOnAnotherPrompt(t *testing.T) {
	h, _, stdin := sudoHandshake(t)
	stderr(t, h, "[sudo] password for ann: ")
	if got := waitClosed(t, stdin); got != "" {
		t.Fatalf("stdin %q, want nothing", got)
	}
	stderr(t, h, "\nsudo: no password was provided\nsudo: a password is required\n")
	if err := h.Failure(); err == nil || !strings.Contains(err.Error(), `"[sudo] password for ann:"`) {
		t.Fatalf("failure %v, want it to quote the prompt", err)
	}
}

func TestHandshakeReportsACommandStartedWithoutItsInput(t *testing.T) {
	h, _, stdin := sudoHandshake(t)
	stderr(t, h, "Last login: ")
	waitClosed(t, stdin)
	stderr(t, h, "\n"+h.marker()+" 42\n")
	if err := h.Failure(); err == nil || !strings.Contains(err.Error(), "the password was not sent") {
		t.Fatalf("failure %v; the command ran without its input", err)
	}
}

// TestHandshakeBoundsEarlyOutput writes what a login shell might print
// before the wrapper starts: long lines, and a line without end. What
// the handshake keeps of them, and the failure that quotes them, stay
// small, and sudo's prompt after the line without end is still answered.
func TestHandshakeBoundsEarlyOutput(t *testing.T) {
	h, prompt, stdin := sudoHandshake(t)
	long := strings.Repeat("é", 1<<20)
	for range maxEarlyLines {
		stderr(t, h, long+"\n")
	}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range 32 {
		stderr(t, h, long)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 4<<20 {
		t.Errorf("the heap grew by %d bytes for a line without end", grown)
	}
	stderr(t, h, prompt)
	waitWritten(stdin)
	if err := h.Failure(); err == nil || len(err.Error()) > 64<<10 || !utf8.ValidString(err.Error()) {
		t.Errorf("failure of %d bytes (valid UTF-8: %v)", len(err.Error()), utf8.ValidString(err.Error()))
	}
}

// TestHandshakeFeedsNothingBeforeSudoRuns feeds a command run through
// sudo without a password: nothing of its environment or input is
// written before the wrapper runs, so that a command sudo refused (for
// want of a terminal) can be run again with its input whole.
func TestHandshakeFeedsNothingBeforeSudoRuns(t *testing.T) {
	input := strings.NewReader("input\n")
	h := &Handshake{Env: []byte("0\n"), Stdin: input, Stderr: NewLines(nil)}
	h.Sudo("", "")
	stdin := newStdinRecorder()
	done := make(chan struct{})
	go h.Feed(stdin, done)
	stderr(t, h, "sudo: sorry, you must have a tty to run sudo\n")
	time.Sleep(50 * time.Millisecond)
	close(done)
	if got := waitClosed(t, stdin); got != "" || input.Len() != len("input\n") {
		t.Fatalf("stdin %q, %d bytes of input left; want nothing written or read", got, input.Len())
	}
	if err := h.Failure(); !errors.Is(err, ErrNeedsTTY) {
		t.Fatalf("failure %v, want ErrNeedsTTY", err)
	}

	h = &Handshake{Env: []byte("0\n"), Stdin: strings.NewReader("input\n"), Stderr: NewLines(nil)}
	h.Sudo("", "")
	stdin = newStdinRecorder()
	go h.Feed(stdin, make(chan struct{}))
	stderr(t, h, "Password: ")
	time.Sleep(50 * time.Millisecond)
	if got := stdin.String(); got != "" {
		t.Fatalf("written before the wrapper ran: %q", got)
	}
	stderr(t, h, "\n"+h.marker()+" 42\n")
	if got := waitClosed(t, stdin); got != "0\ninput\n" {
		t.Fatalf("stdin %q, want the environment block and the input", got)
	}
}
