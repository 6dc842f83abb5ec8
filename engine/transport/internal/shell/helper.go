package shell

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/runbookhq/runbook/engine/shellquote"
)

// A persistent helper is one perl process, started once in an SSH
// session, that runs many commands one after another, so that a command
// costs no session, no fork of sshd and no login shell. A host keeps
// several, one per command it runs at once. Perl is part of the base
// system of most Linux distributions (Debian's perl-base is essential); a
// host without it says so, and its commands take sessions.
//
// The session's standard input carries frames. A command's frame is its
// end marker on a line; on the next, the number of lines of its command
// line, a space, and 1 when the command has standard input or 0 when it
// has none; then those lines: the same command line (see Handshake.Line)
// a session would run, which carries no secret. A command with input is
// followed by the chunks of that input, each its length in decimal on a
// line and then that many bytes, and a chunk of length 0 that ends it.
// The helper passes the chunks to a pipe that is the command's standard
// input, and drops what comes once the command has closed it; a command
// without input reads /dev/null. The command never sees the control
// stream itself.
//
// The helper does not start a process per command. It keeps a zygote: a
// long-lived sh, started before the helper says it is ready, so that it
// starts while the ready line travels (and again, at the next command,
// after it has died), in a process group of its own, with SIGPIPE at its
// default, its standard input a control pipe from the helper, its
// standard output a status pipe to the helper, and its standard error
// /dev/null, so that nothing it says can reach the session's streams,
// which carry the framing. For each command the helper makes pipes for
// the command's text, output and errors (and input, when it has some),
// and tells the zygote, on one line of the control pipe, the numbers of
// its own descriptors of them. The zygote runs a subshell (a fork, and no
// exec) that opens them again through /proc/PID/fd of the helper, which
// on Linux gives new ends of the same pipes, says "s" on the status pipe
// and closes it, unsets the zygote's variables and sources the text,
// which runs the wrapper inline since $0 is sh; the zygote then writes
// the subshell's exit status on the status pipe. The helper closes its
// own ends of the command's output and errors once the subshell has
// said "s", so that a stream ends once every process holding it has
// closed it, as in an SSH session. It writes the text, as it writes the
// input, once select finds the pipe writable, so that no text is too
// long.
//
// When both streams have ended and the zygote has reported the status,
// the helper writes the end marker to its standard output, and the end
// marker, a space, the command's exit status, or "signal" and the number
// of the signal that ended it, and a newline to its standard error, at
// once, so that both usually leave in one packet. The marker is random
// for each command, so no output can pass for it. The helper reads the
// next frame once the command's input has ended. A command thus costs
// the host one fork of sh, and the exec of what the command runs. When
// its standard input ends between commands, the helper closes the control
// pipe and waits for the zygote, which ends then, so that no process of
// the helper outlives its session.
//
// The wrapper reports $$, which in the subshell is the zygote's process
// id, the id of its process group: cancelling a command ends the group,
// and with it the zygote. The helper then reports the command as ended by
// the signal that ended the zygote, and starts a new zygote for the next
// command. What a command can tell from a session: $$ is the zygote's
// process id, the same for the commands a helper runs one after another
// (and still unique among commands running at once); a program killed by
// a signal that did not also end the zygote reports 128 plus the
// signal's number as its exit status, as a script does in a session.
//
// The helper checks once, as it starts, that a pipe opened again through
// /proc/PID/fd is the same pipe; when it is not (no /proc, or one that
// hides processes), it says so on its ready line and ends, having started
// no zygote, and the host's commands take sessions.

// helperScript is the perl script of a persistent helper. $ARGV[0] is its
// ready marker, written to standard output with "ok" (or what the host
// lacks) and to standard error once it runs. It loads no module, since a
// module such as POSIX costs more to load than a helper's start otherwise
// does: the wait flag 1 is WNOHANG, and the command's text and input are
// written to their pipes, once select finds them writable, at most 4096
// bytes (PIPE_BUF) at a time, which Linux takes without blocking.
const helperScript = `# runbook persistent helper
use strict;
my $ready = $ARGV[0];
$SIG{PIPE} = 'IGNORE';

# The control stream: frames read from standard input. When it ends
# between commands, the helper waits for its shell (see below), which ends
# with its control pipe.
my $ctl = '';
my ($zpid, $zctl, $zstat, $zbuf);
sub more {
  my $n = sysread(STDIN, $ctl, 65536, length $ctl);
  return if $n;
  if ($_[0] && $zpid) { undef $zctl; waitpid($zpid, 0) }
  exit 0;
}
sub line {
  my $i;
  more(1) while ($i = index($ctl, "\n")) < 0;
  my $l = substr($ctl, 0, $i);
  substr($ctl, 0, $i + 1) = '';
  return $l;
}
sub put {
  my ($fh, $s) = @_;
  while (length $s) {
    my $n = syswrite($fh, $s);
    exit 141 unless $n;
    substr($s, 0, $n) = '';
  }
}

# The shell reopens the helper's pipes as /proc/PID/fd/N: check once that
# a pipe reopened there is the same pipe.
my $fds = "/proc/$$/fd/";
my ($pr, $pw, $again, $got);
my $usable = pipe($pr, $pw) && open($again, '>', $fds . fileno $pw)
  && syswrite($again, 'x') && sysread($pr, $got, 1) && $got eq 'x';
undef $_ for $pr, $pw, $again;
open(my $null, '<', '/dev/null') or exit 125;

# The zygote: a long-lived sh in a process group of its own that runs
# each command in a subshell. It reads from its control pipe the numbers
# of the helper's descriptors of the command's text, input, output and
# errors; the subshell opens those through /proc, says "s" on the status
# pipe, closes it and sources the text; then the zygote writes the
# subshell's exit status on the status pipe.
my $zygote = <<'SH';
rb_d=/proc/$1/fd; shift
while read -r rb_t rb_i rb_o rb_e; do
  (
    exec <"$rb_d/$rb_i" 2>"$rb_d/$rb_e" 3>&1 >"$rb_d/$rb_o"
    echo s >&3
    exec 3>&-
    set -- "$rb_d/$rb_t"
    unset rb_d rb_t rb_i rb_o rb_e
    . "$1"
  )
  echo $?
done
SH
my $me = $$;
sub zygote {
  pipe(my $cr, $zctl) && pipe($zstat, my $sw) or exit 125;
  $zbuf = '';
  $zpid = fork;
  exit 125 unless defined $zpid;
  if ($zpid) { close $cr; close $sw; return }
  setpgrp(0, 0);
  $SIG{PIPE} = 'DEFAULT';
  open(STDIN, '<&', $cr) && open(STDOUT, '>&', $sw) && open(STDERR, '>', '/dev/null')
    && exec { '/bin/sh' } 'sh', '-c', $zygote, 'sh', $me;
  exit 127;
}
# How the zygote ended, once waitpid with the flags $_[0] has reaped it
# (1 is WNOHANG); undef while it runs.
sub zygote_ended {
  my $w = waitpid($zpid, $_[0]);
  return undef if $w == 0;
  my $how = $w < 0 ? 127 : $? & 127 ? 'signal ' . ($? & 127) : $? >> 8;
  undef $_ for $zpid, $zctl, $zstat;
  return $how;
}

# The shell starts before the helper says it is ready, so that it starts
# while the ready line travels rather than at the first command.
zygote() if $usable;
put(\*STDOUT, "\n$ready " . ($usable ? 'ok' : 'no usable /proc/PID/fd') . "\n");
put(\*STDERR, "\n$ready\n");
exit 0 unless $usable;

# The commands, one frame after another.
my $mark;
while (defined($mark = line())) {
  my ($n, $input) = split / /, line();
  my $text = '';
  $text .= line() . "\n" for 1 .. $n;
  zygote_ended(1) if $zpid;
  zygote() unless $zpid;
  pipe(my $tr, my $tw) && pipe(my $or, my $ow) && pipe(my $er, my $ew) or exit 125;
  my ($ir, $iw);
  pipe($ir, $iw) or exit 125 if $input;
  syswrite($zctl, join(' ', map { fileno $_ } $tr, $ir || $null, $ow, $ew) . "\n");
  my @held = ($ow, $ew, $ir || ()); # closed once the subshell has opened them
  my ($left, $pend, $status, $done) = (0, '');
  my %out = (fileno $or => [$or, \*STDOUT], fileno $er => [$er, \*STDERR]);
  while ($input || !$done) {
    # Take the input's chunks from the control stream.
    while ($input && !length $pend) {
      if ($left == 0) {
        my $i = index($ctl, "\n");
        last if $i < 0;
        $left = substr($ctl, 0, $i) + 0;
        substr($ctl, 0, $i + 1) = '';
        if ($left == 0) { $input = 0; undef $iw }
        next;
      }
      last unless length $ctl;
      my $take = substr($ctl, 0, $left, '');
      $left -= length $take;
      $pend = $take if $iw;
    }
    # Report the end once the streams have ended and the status is known;
    # what is left of the input is still read, and dropped.
    if (!$done && !%out && defined $status) {
      put(\*STDOUT, $mark);
      put(\*STDERR, "$mark $status\n");
      $done = 1;
    }
    last if $done && !$input;
    my ($rin, $win) = ('', '');
    vec($rin, $_, 1) = 1 for keys %out;
    vec($rin, 0, 1) = 1 if $input && !length $pend;
    vec($rin, fileno $zstat, 1) = 1 if !defined $status;
    vec($win, fileno $iw, 1) = 1 if length $pend;
    vec($win, fileno $tw, 1) = 1 if $tw;
    next if select(my $rout = $rin, my $wout = $win, undef, undef) <= 0;
    # Relay the command's output and errors.
    for my $fd (keys %out) {
      next unless vec($rout, $fd, 1);
      my ($r, $to) = @{$out{$fd}};
      my $buf;
      my $got = sysread($r, $buf, 65536);
      if ($got) { put($to, $buf) } else { delete $out{$fd} }
    }
    more() if vec($rout, 0, 1);
    # Write the command's text and input, PIPE_BUF bytes at most at a time.
    if ($tw && vec($wout, fileno $tw, 1)) {
      my $w = syswrite($tw, $text, 4096);
      substr($text, 0, $w) = '' if $w;
      undef $tw unless $w && length $text;
    }
    if (length $pend && vec($wout, fileno $iw, 1)) {
      my $w = syswrite($iw, $pend, 4096);
      if ($w) { substr($pend, 0, $w) = '' } else { undef $iw; $pend = '' }
    }
    # Learn from the zygote that the subshell has its streams, then how it
    # ended; or, when the zygote itself ended, how.
    next if defined $status || !vec($rout, fileno $zstat, 1);
    $status = zygote_ended(0) unless sysread($zstat, $zbuf, 256, length $zbuf);
    while (!defined $status && (my $i = index($zbuf, "\n")) >= 0) {
      my $l = substr($zbuf, 0, $i);
      substr($zbuf, 0, $i + 1) = '';
      if ($l eq 's') { close $_ for @held; @held = () } else { $status = $l }
    }
    next unless defined $status;
    close $_ for @held;
    @held = ();
    undef $tw;
  }
}`

// helperShim starts the helper under /bin/sh, whatever the login shell:
// $1 is the helper's script, $2 its ready marker, written with what the
// host lacks when it has no perl.
const helperShim = `command -v perl >/dev/null 2>&1 || { printf '\n%s no perl\n' "$2"; exit 0; }
exec perl -e "$1" -- "$2"`

// HelperLine returns the command line, for the login shell of an SSH
// session, that starts a persistent helper whose ready marker is ready.
func HelperLine(ready string) string {
	return "exec /bin/sh -c " + shellquote.Quote(helperShim) + " sh " + shellquote.Quote(helperScript) + " " + shellquote.Quote(ready)
}

// NewMarker returns a new random marker: a ready marker for a helper,
// or an end marker for a command it runs.
func NewMarker() string {
	return "runbook-end-" + nonce()
}

// CommandFrame returns the frame that starts line, with end marker mark,
// in a persistent helper; input says whether chunks of standard input
// follow it.
func CommandFrame(mark, line string, input bool) []byte {
	flag := " 0\n"
	if input {
		flag = " 1\n"
	}
	return []byte(mark + "\n" + strconv.Itoa(strings.Count(line, "\n")+1) + flag + line + "\n")
}

// ChunkHeader returns what comes before a chunk of n bytes of a command's
// input; ChunkHeader(0) ends the input.
func ChunkHeader(n int) []byte {
	return []byte(strconv.Itoa(n) + "\n")
}

// ErrHelperEnded means that a stream of a persistent helper ended before
// the marker it waited for.
var ErrHelperEnded = errors.New("the persistent helper ended")

// maxMarkedLine bounds the line that follows a marker.
const maxMarkedLine = 256

// Marked reads a stream of a persistent helper, in which markers delimit
// what belongs to each command.
type Marked struct {
	r     io.Reader
	buf   []byte // read from r, not passed on yet
	store []byte // the buffer buf is in
	err   error  // the error that ended r
}

// NewMarked returns a Marked reading r.
func NewMarked(r io.Reader) *Marked {
	return &Marked{r: r}
}

// CopyUntil copies to w what comes before mark, and drops mark. Errors
// of w are ignored, so that the stream is read to the marker whatever
// becomes of what it carries. It fails, wrapping ErrHelperEnded, when the
// stream ends first.
func (m *Marked) CopyUntil(mark string, w io.Writer) error {
	needle := []byte(mark)
	for {
		if i := bytes.Index(m.buf, needle); i >= 0 {
			m.pass(w, i)
			m.buf = m.buf[len(needle):]
			m.release()
			return nil
		}
		if safe := len(m.buf) - partialSuffix(m.buf, needle); safe > 0 {
			m.pass(w, safe)
		}
		if err := m.fill(); err != nil {
			return err
		}
	}
}

// partialSuffix returns the length of the longest end of b that begins
// needle without being all of it: those bytes are held back until what
// follows says whether the marker starts there.
func partialSuffix(b, needle []byte) int {
	for k := min(len(needle)-1, len(b)); k > 0; k-- {
		if bytes.HasSuffix(b, needle[:k]) {
			return k
		}
	}
	return 0
}

// Line returns the rest of the line after a marker, without its end.
func (m *Marked) Line() (string, error) {
	for {
		if i := bytes.IndexByte(m.buf, '\n'); i >= 0 {
			line := string(m.buf[:i])
			m.buf = m.buf[i+1:]
			m.release()
			return line, nil
		}
		if len(m.buf) > maxMarkedLine {
			return "", fmt.Errorf("the line after a marker of the persistent helper is longer than %d bytes", maxMarkedLine)
		}
		if err := m.fill(); err != nil {
			return "", err
		}
	}
}

// Pending reports whether bytes were read beyond the last marker and what
// followed it.
func (m *Marked) Pending() bool {
	return len(m.buf) > 0
}

// pass writes the first n bytes held to w and drops them.
func (m *Marked) pass(w io.Writer, n int) {
	_, _ = w.Write(m.buf[:n])
	m.buf = m.buf[n:]
}

// readSize is how much fill asks the stream for at a time.
const readSize = 32 << 10

// fill reads more of the stream, after what is held, into a buffer kept
// while bytes are held and let go once none are.
func (m *Marked) fill() error {
	if m.err != nil {
		return m.err
	}
	if len(m.store)-len(m.buf) < readSize/2 {
		m.store = make([]byte, len(m.buf)+readSize)
	}
	held := copy(m.store, m.buf)
	n, err := m.r.Read(m.store[held:])
	m.buf = m.store[:held+n]
	if err != nil && n == 0 {
		m.err = fmt.Errorf("%w (%v)", ErrHelperEnded, err)
		return m.err
	}
	return nil
}

// release lets the buffer go when no byte is held.
func (m *Marked) release() {
	if len(m.buf) == 0 {
		m.buf, m.store = nil, nil
	}
}

// linuxSignals names the signals of Linux by number, as SSH does.
var linuxSignals = [...]string{1: "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM",
	"STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"}

// ParseStatus reads how a command ended, as a persistent helper reported
// it: an exit status, or "signal" and the number of the signal that ended
// it, which is named as SSH names it when Linux gives it a name.
func ParseStatus(s string) (code int, signal string, err error) {
	if n, ok := strings.CutPrefix(s, "signal "); ok {
		num, err := strconv.Atoi(n)
		switch {
		case err != nil || num < 1 || num > 64:
			return 0, "", fmt.Errorf("the persistent helper reported the signal %q", n)
		case num < len(linuxSignals):
			return -1, linuxSignals[num], nil
		}
		return -1, n, nil
	}
	code, err = strconv.Atoi(s)
	if err != nil || code < 0 || code > 255 {
		return 0, "", fmt.Errorf("the persistent helper reported the exit status %q", s)
	}
	return code, "", nil
}
