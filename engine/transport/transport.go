package transport

import (
	"context"
	"errors"
	"io"
	"io/fs"

	"github.com/runbookhq/runbook/engine/transport/internal/shell"
)

// Host is a connection to one machine on which tasks run. Implementations
// are safe for concurrent use: the engine runs several tasks on one host at
// once, and each call may run in its own goroutine.
type Host interface {
	// Run runs cmd on the host and waits for it to end. A command that ran
	// and exited, with any status, returns a nil error and its status in
	// the Result; the error is reserved for commands that could not be run
	// or whose end could not be observed (see ErrUnreachable,
	// ErrConnectionLost, ErrSudoPasswordRequired and context errors).
	// Cancelling ctx ends the process on the host, not only the local
	// session, and Run then returns an error wrapping ctx.Err().
	Run(ctx context.Context, cmd Command) (Result, error)

	// Upload writes f.Content to f.Path. The content is written to a
	// temporary name beside the destination and renamed over it, so a
	// failure never leaves a partial file at f.Path. When the file already
	// has the same content and mode, nothing is written and changed is
	// false. A destination that is a symbolic link is refused with
	// ErrSymlink unless f.Follow is set.
	Upload(ctx context.Context, f File) (changed bool, err error)

	// Download copies the file at path on the host to w and returns the
	// file's mode, read from the file it opened.
	Download(ctx context.Context, path string, w io.Writer) (fs.FileMode, error)

	// Close releases the connection. Calls after Close fail.
	Close() error
}

// Command is one process to run on a host.
type Command struct {
	// Args, when set, is the argument vector of the process. Each
	// element is quoted for the remote shell, so no element is ever
	// interpreted by it.
	Args []string
	// Script, used when Args is empty, is run by /bin/sh -c.
	Script string
	// Stdin, when set, is copied to the process's standard input.
	Stdin io.Reader
	// Env sets environment variables for the process.
	Env map[string]string
	// Dir, when set, is the working directory of the process.
	Dir string
	// Sudo, when set, runs the process through sudo.
	Sudo *Sudo
	// OnLine, when set, is called with every complete line the process
	// writes, in order within each stream, without the line ending; a
	// line longer than 64 KiB comes in pieces of at most 64 KiB. It is
	// called from the goroutine reading that stream; while it runs, the
	// stream is not read, and the process waits when it writes more.
	OnLine func(stream Stream, line string)
	// Quiet marks output that is data for the module that runs the
	// command, such as the content of a file it compares, rather than
	// something to show: the engine sends no output events for its
	// lines (OnLine still sees them). Transports ignore it.
	Quiet bool
	// MaxOutput bounds how much of each stream the Result keeps: the
	// last MaxOutput bytes, in whole lines. Zero means DefaultMaxOutput;
	// a negative value keeps everything. OnLine sees every line either
	// way.
	MaxOutput int
}

// DefaultMaxOutput is how many bytes of each stream a Result keeps when
// Command.MaxOutput is zero: 1 MiB.
const DefaultMaxOutput = 1 << 20

// KeptOutput returns how many of the last bytes of each stream a Result
// keeps for c: MaxOutput, or DefaultMaxOutput when it is zero; negative
// for all of them.
func (c Command) KeptOutput() int {
	if c.MaxOutput == 0 {
		return DefaultMaxOutput
	}
	return c.MaxOutput
}

// Sudo asks for a command to run as another user through sudo.
type Sudo struct {
	// User is the user to become; empty means root.
	User string
	// Password, when set, is written to sudo's standard input when sudo
	// prompts for it, with a prompt made for that one command, and only
	// then: when sudo asks for none (a NOPASSWD rule, !authenticate, a
	// ticket), the command never sees it, and a wrong one is not sent
	// twice. It is never placed in an argument vector, an environment, an
	// event or a log. When empty, sudo runs with -n and fails with
	// ErrSudoPasswordRequired if it asks for a password.
	Password string
}

// Stream names an output stream of a process.
type Stream string

// The two output streams of a process.
const (
	Stdout Stream = "stdout"
	Stderr Stream = "stderr"
)

// Result is what a finished process left behind.
type Result struct {
	// ExitCode is the exit status of the process; -1 when it was ended by
	// a signal.
	ExitCode int
	// Signal names the signal that ended the process (e.g. "TERM"), or is
	// empty.
	Signal string
	// Stdout and Stderr hold what the process wrote to each stream: all
	// of it, or, beyond Command.KeptOutput bytes, the last whole lines
	// that fit in that many (the last bytes, cut between characters, when
	// no whole line fits).
	Stdout []byte
	Stderr []byte
	// StdoutTruncated and StderrTruncated report that the process wrote
	// more than Command.KeptOutput bytes to the stream, so that Stdout or
	// Stderr holds only its end.
	StdoutTruncated bool
	StderrTruncated bool
	// LoginOutput is what was printed before the command started, which
	// is in neither Stdout nor Stderr: by the login shell's start-up
	// files (a greeting in .bashrc), a MOTD, or sudo. Over SSH it is
	// what the session's login printed, or, for a command run by a
	// persistent helper, what the helper's login printed. It is empty
	// when nothing was printed, and on the local host, where no login
	// runs.
	LoginOutput []byte
}

// OK reports whether the process exited with status 0.
func (r Result) OK() bool { return r.ExitCode == 0 && r.Signal == "" }

// File is a file to write on a host.
type File struct {
	// Path is the destination path on the host.
	Path string
	// Content is the whole content of the file.
	Content []byte
	// Mode is the permission bits of the file; zero means 0644.
	Mode fs.FileMode
	// Owner and Group, when set, are applied to the file (by name); they
	// usually need Sudo.
	Owner string
	Group string
	// Sudo, when set, writes the file as that user (root when empty),
	// for destinations the connecting user cannot write.
	Sudo *Sudo
	// Follow, when set, writes to the file that a symbolic link at Path
	// points to, leaving the link as it is; otherwise a link at Path is
	// refused with ErrSymlink. Either way no link in Path's directory is
	// followed while the file is written: one planted there meanwhile is
	// replaced, never written through.
	Follow bool
}

// Sentinel errors that callers test for with errors.Is.
var (
	// ErrUnreachable means no connection to the host could be made: the
	// address did not answer, refused, or did not complete the SSH
	// handshake in time, or authentication or host-key checks failed.
	// Nothing ran on the host.
	ErrUnreachable = errors.New("host unreachable")
	// ErrConnectionLost means the connection broke while a command ran;
	// the command may or may not have finished on the host.
	ErrConnectionLost = errors.New("connection lost")
	// ErrSudoPasswordRequired means sudo asked for a password and none was
	// given.
	ErrSudoPasswordRequired = errors.New("sudo requires a password and none was given")
	// ErrClosed means the Host was used after Close.
	ErrClosed = errors.New("transport closed")
	// ErrSymlink means an upload's destination is a symbolic link and
	// File.Follow was not set; nothing was written.
	ErrSymlink = shell.ErrSymlink
)
