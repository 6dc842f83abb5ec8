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

// A persistent helper is one sh process, started once in an SSH session,
// that runs many commands one after another, so that a command costs no
// session, no fork of sshd and no login shell. A host keeps several, one
// per command it runs at once.
//
// The session's standard input carries frames. A command's frame is its
// end marker on a line; on the next, the number of lines of its command
// line, a space, and 1 when the command has standard input or 0 when it
// has none; then those lines: the same command line (see Handshake.Line)
// a session would run, which carries no secret. A command with input is
// followed by the chunks of that input, each its length in decimal on a
// line and then that many bytes, and a chunk of length 0 that ends it. A
// chunk is copied by head -c, which reads no byte beyond it, so the next
// frame is never read as input; once the command no longer reads its
// input, the rest is drained. A command without input reads /dev/null,
// and nothing is forked to feed it.
//
// The command runs under setsid, in a session and process group of its
// own whose id is the process id the wrapper reports, as it does in an
// SSH session. Its standard output and error are two named pipes, made
// once in a directory of the helper's own (mode 0700, removed on exit),
// each copied by cat to the helper's own: a stream ends once every
// process holding it has closed it, as in an SSH session, and as the
// command ended only then, no process of it holds a pipe when the next
// command opens them. When both have ended, the helper writes the end
// marker to its standard output, and the end marker, a space, the exit
// status and a newline to its standard error, at once, so that both
// usually leave in one packet. The marker is random for each command, so
// no output can pass for it. The helper reads the next frame once the
// command's input has ended.
//
// A command without input thus costs the host three forks (the command
// and the two cat relays) and four execs (setsid, then sh, which runs the
// wrapper, and the two cats), besides the command's own.

// helperScript is the script of a persistent helper. $1 is its ready
// marker, written to standard output with "ok", or with what it lacks,
// and to standard error, once it runs.
const helperScript = `rb_d=$(mktemp -d "${TMPDIR:-/tmp}/runbook-helper.XXXXXXXXXX") || exit 125
trap 'rm -rf -- "$rb_d"' EXIT
trap 'exit 129' HUP
trap 'exit 141' PIPE
trap 'exit 143' TERM
for rb_t in setsid head mkfifo; do
  command -v "$rb_t" >/dev/null 2>&1 || { printf '\n%s no %s\n' "$1" "$rb_t"; exit 0; }
done
mkfifo -m 600 "$rb_d/o" "$rb_d/e" || exit 125
printf '\n%s ok\n' "$1"
printf '\n%s\n' "$1" >&2
rb_in() {
  while IFS= read -r rb_c && [ "$rb_c" -gt 0 ]; do
    head -c "$rb_c" | { cat || cat >/dev/null; }
  done
}
rb_run() {
  cat <"$rb_d/o" &
  cat <"$rb_d/e" >&2 &
  setsid sh -c "$1" >"$rb_d/o" 2>"$rb_d/e"
  rb_s=$?
  wait
  printf '%s' "$2"
  printf '%s %s\n' "$2" "$rb_s" >&2
}
while IFS= read -r rb_m && IFS=' ' read -r rb_n rb_i; do
  rb_l=
  while [ "$rb_n" -gt 0 ]; do IFS= read -r rb_x || exit 0; rb_l="$rb_l$rb_x
"; rb_n=$((rb_n-1)); done
  if [ "$rb_i" = 1 ]; then
    rb_in 2>/dev/null | rb_run "$rb_l" "$rb_m"
  else
    rb_run "$rb_l" "$rb_m" </dev/null
  fi
done`

// HelperLine returns the command line, for the login shell of an SSH
// session, that starts a persistent helper whose ready marker is ready.
func HelperLine(ready string) string {
	return "exec /bin/sh -c " + shellquote.Quote(helperScript) + " sh " + shellquote.Quote(ready)
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

// ParseStatus reads the exit status a persistent helper reported, as sh's
// $? gives it: a status above 128 that is 128 plus the number of a
// signal is taken for that signal, since sh says no more.
func ParseStatus(s string) (code int, signal string, err error) {
	code, err = strconv.Atoi(s)
	if err != nil || code < 0 || code > 255 {
		return 0, "", fmt.Errorf("the persistent helper reported the exit status %q", s)
	}
	if n := code - 128; n > 0 && n < len(linuxSignals) {
		return -1, linuxSignals[n], nil
	}
	return code, "", nil
}
