package shell

import "github.com/runbookhq/runbook/engine/shellquote"

// A host whose sudoers says `Defaults requiretty` runs sudo only on a
// terminal: sudo checks that it has a controlling terminal, whatever its
// standard input, output and error are. A command runs there in two
// sessions. The session with the terminal makes three FIFOs in a private
// directory and runs sudo, and the wrapper under it, with the FIFOs as
// standard input, output and error: sudo has the terminal as its
// controlling terminal, and nothing is ever written to the terminal. A
// second session, without a terminal, relays its own standard input,
// output and error through the FIFOs. Everything the handshake reads and
// writes (sudo's prompt, the password, the ready marker, the environment
// block, the caller's input) goes through the second session's streams,
// exactly as it goes through a single session's on other hosts, and the
// command's output and errors stay apart. The exit status is the first
// session's: sudo's, which is the command's.

// ttyScript is the script the session with a terminal runs. It makes a
// directory only the login user can enter, holding FIFOs 0, 1 and 2, and
// names it on a line of its own that starts with the marker $1, so that
// nothing a login shell prints can pass for it; it then opens the FIFOs,
// in that order, which waits for the relay session to open their other
// ends, and runs the rest of its arguments (sudo and the wrapper) with
// them as standard input, output and error. A failure before that exits
// with status 125. Until the FIFOs are open, the end of the script in any
// way (the relay session never came, and the session's end hangs its
// terminal up) removes the directory: no path leaves it on the host. The
// signals' trap removes it too, since dash runs no EXIT trap after an
// exit in another trap.
const ttyScript = `d=$(mktemp -d "${TMPDIR:-/tmp}/runbook-tty.XXXXXXXXXX") || exit 125
trap 'rm -rf -- "$d"' EXIT
trap 'rm -rf -- "$d"; exit 125' HUP INT TERM
mkfifo -m 600 "$d/0" "$d/1" "$d/2" || exit 125
printf '\n%s %s\n' "$1" "$d"
shift
exec 7<"$d/0" 8>"$d/1" 9>"$d/2" || exit 125
trap - EXIT HUP INT TERM
exec "$@" <&7 >&8 2>&9 7<&- 8>&- 9>&-`

// relayScript is the script of the session without a terminal. It opens
// the FIFOs in the directory $1 in the order ttyScript does, removes them
// (both ends are open by then), and copies its standard input to FIFO 0,
// FIFO 1 to its standard output and FIFO 2 to its standard error, each
// copy holding only its own descriptors, so that the end of its input
// reaches the command and the command's end reaches the session. It ends
// when the command's output and errors end, stopping the copy of its
// input should the command not have read it all.
const relayScript = `exec 3<&0 4>"$1/0" 5<"$1/1" 6<"$1/2" || exit 125
rm -f -- "$1/0" "$1/1" "$1/2"; rmdir -- "$1"
cat <&3 >&4 3<&- 4>&- 5<&- 6<&- &
rb_i=$!
cat <&6 >&2 3<&- 4>&- 5<&- 6<&- &
rb_e=$!
exec 3<&- 4>&- 6<&-
cat <&5 5<&-
wait "$rb_e"
kill "$rb_i" 2>/dev/null
exit 0`

// Terminal reads the output of the session with a terminal: lines a
// login shell prints are held back to explain a failure, and the line of
// the directory of the FIFOs makes it ready (see Handshake.Ready).
// Everything after that line goes to its Stderr.
type Terminal struct {
	Handshake
}

// Dir returns the directory of the FIFOs, or "" before the session with
// the terminal named it.
func (t *Terminal) Dir() string {
	return t.Group()
}

// TTYLine returns the command line, for the login shell of the session
// with a terminal, that runs args (or script) through the wrapper under
// prefix (sudo) with the FIFOs as its streams, and the Terminal that
// reads that session's output. The wrapper reports h's marker and the
// process group it is in: sudo on a terminal may give the command a
// process group of its own. RelayLine gives the line of the other
// session once the Terminal is ready.
func (h *Handshake) TTYLine(prefix []string, dir string, args []string, script string) (string, *Terminal) {
	t := &Terminal{}
	return "exec /bin/sh -c " + shellquote.Quote(ttyScript) + " sh " + shellquote.Quote(t.marker()) + " " +
		h.under(prefix, true, dir, args, script), t
}

// RelayLine returns the command line, for the login shell of the session
// without a terminal, that relays its standard input, output and error
// through the FIFOs in fifoDir (see Terminal.Dir).
func RelayLine(fifoDir string) string {
	return "exec /bin/sh -c " + shellquote.Quote(relayScript) + " sh " + shellquote.Quote(fifoDir)
}
