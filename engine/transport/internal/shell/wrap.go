package shell

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/runbookhq/runbook/engine/shellquote"
)

// readyMarker starts the marker of each command (see Handshake): the word
// the wrapper writes to standard error once it runs, before it reads
// anything from standard input. The rest of that line is the process
// group to signal to end the command. A newline comes first, so that the
// marker starts a line even after a line left unfinished: sudo's prompt,
// or a login shell's output.
const readyMarker = "runbook-ready-"

// envReader is the part of the wrapper that reads the environment block
// (see EnvBlock) from standard input and evaluates it once its own
// variables are gone.
const envReader = `IFS= read -r rb_n || exit 125
rb_s=
while [ "$rb_n" -gt 0 ]; do IFS= read -r rb_l || exit 125; rb_s="$rb_s$rb_l
"; rb_n=$((rb_n-1)); done
unset rb_n rb_l
eval "unset rb_s; $rb_s"`

// wrapper is the script that starts a command, made to measure: it has
// only the parts the command needs. Its positional parameters are the
// process group to report, the working directory when there is one, and
// the argument vector to exec or the script to evaluate. A script is
// evaluated by the shell running the wrapper, which is always sh, once no
// positional parameter is left: it runs as under /bin/sh -c, without a
// process of its own. Everything else the wrapper does is built into sh.
type wrapper struct {
	text   string // the script
	quoted string // the script quoted for a command line
}

// ownGroup is the part of a wrapper that reports the process group the
// wrapper itself is in, read from /proc, rather than the one it was
// given ($2), which it reports only when /proc cannot tell: sudo with a
// terminal runs the command in a process group of its own.
const ownGroup = `rb_g=$2; { read -r rb_g </proc/$$/stat && rb_g=${rb_g##*) } && rb_g=${rb_g#* } && rb_g=${rb_g#* } && rb_g=${rb_g%% *}; } 2>/dev/null || rb_g=$2
printf '\n%s %s\n' "$1" "$rb_g" >&2; unset rb_g; shift 2`

// localeRestorer is the part of a wrapper run by sudo that gives the
// command back the LC_ALL it would have had, sudo having run with LC_ALL=C
// (see Handshake.Sudo): when sudo kept LC_ALL (sudoers' env_keep), it is
// set again to the value $1 holds after an equals sign, or unset when $1
// is empty (see localeParam); when sudo dropped it, it stays unset.
const localeRestorer = `case ${LC_ALL+s}$1 in s=*) LC_ALL=${1#=}; export LC_ALL ;; s*) unset LC_ALL ;; esac; shift`

// wrappers holds the wrapper of every kind of command, indexed by five
// bits: 1 for a working directory, 2 for an environment block, 4 for a
// script, 8 for reporting the wrapper's own process group, 16 for a
// command run by sudo (see wrapperFor).
var wrappers = func() (ws [32]wrapper) {
	for i := range ws {
		dir, env, script, own, sudo := i&1 != 0, i&2 != 0, i&4 != 0, i&8 != 0, i&16 != 0
		var b strings.Builder
		if own {
			b.WriteString(ownGroup)
		} else {
			b.WriteString(`printf '\n%s %s\n' "$1" "$2" >&2; shift 2`)
		}
		if sudo {
			b.WriteString("\n" + localeRestorer)
		}
		if dir {
			b.WriteString("\ncd -- \"$1\" || exit 1; shift")
		}
		if env {
			b.WriteString("\n" + envReader)
		}
		if script {
			b.WriteString("\neval \"shift; $1\"")
		} else {
			b.WriteString("\nexec \"$@\"")
		}
		ws[i] = wrapper{text: b.String(), quoted: shellquote.Quote(b.String())}
	}
	return ws
}()

// wrapperFor returns the wrapper of h's command, run by sudo or not,
// with a working directory (or not), an environment block (or not), and
// a script rather than args, reporting its own process group or the one
// given it, and the parameters to give it after the process group and,
// through sudo, the locale parameter (see localeParam).
func (h *Handshake) wrapperFor(own bool, dir string, args []string, script string) (wrapper, []string) {
	i := 0
	if own {
		i |= 8
	}
	if h.sudo {
		i |= 16
	}
	var params []string
	if dir != "" {
		i |= 1
		params = append(params, dir)
	}
	if h.Env != nil {
		i |= 2
	}
	if len(args) == 0 {
		return wrappers[i|4], append(params, script)
	}
	return wrappers[i], append(params, args...)
}

// Argv returns the argument vector that runs argv through the wrapper:
// /bin/sh -c WRAPPER sh MARKER GROUP [DIR] ARGV... . group is what the
// wrapper reports after h's marker; an environment block comes first on
// standard input when h has one.
func (h *Handshake) Argv(group, dir string, argv []string) []string {
	w, params := h.wrapperFor(false, dir, argv, "")
	head := []string{"/bin/sh", "-c", w.text, "sh", h.marker(), group}
	if h.sudo {
		lcAll, set := os.LookupEnv("LC_ALL")
		head = append(head, localeParam(lcAll, set))
	}
	return append(head, params...)
}

// localeParam returns the wrapper's parameter that holds LC_ALL as it
// was before sudo: "=" and its value when it was set, else "".
func localeParam(lcAll string, set bool) string {
	if !set {
		return ""
	}
	return "=" + lcAll
}

// Line returns the command line, for the login shell of an SSH session,
// that runs args (or, when args is empty, script as /bin/sh -c would)
// through the wrapper, which reads h's environment block first when h has
// one. The wrapper reports h's marker and the login shell's process id,
// which is the process group sshd gives the session.
//
// With a prefix (such as sudo) the line execs the prefix, which runs the
// wrapper under /bin/sh. Without one, a login shell that is sh (as its $0
// says) runs the wrapper itself, so that a command costs the host no
// process beyond those sshd starts for any session, the same as a bare
// `ssh host cmd`; any other login shell execs /bin/sh to run it. The one
// difference from /bin/sh -c that a script can see is that sh does not
// exec the last command of an evaluated script but waits for it: a signal
// that ends that command ends the script with status 128+n rather than
// ending the session's process itself.
//
// The line first writes h's marker on a line of its own to standard
// output, so that what a login shell's start-up files print there before
// it (a banner in .bashrc, say) can be told from the command's output
// (see Stdout).
func (h *Handshake) Line(prefix []string, dir string, args []string, script string) string {
	mark := "printf '\\n%s\\n' " + shellquote.Quote(h.marker()) + "\n"
	if len(prefix) > 0 {
		return mark + "exec " + h.under(prefix, false, dir, args, script)
	}
	w, params := h.wrapperFor(false, dir, args, script)
	head := h.head(params)
	return mark + "set -- " + head + "\ncase $0 in sh)\n" + w.text + "\n;; *) exec /bin/sh -c " + w.quoted + ` sh "$@" ;; esac`
}

// under returns the words, for a login shell, that run the wrapper
// under prefix (such as sudo), reporting its own process group when own
// is set and otherwise the login shell's process id.
func (h *Handshake) under(prefix []string, own bool, dir string, args []string, script string) string {
	w, params := h.wrapperFor(own, dir, args, script)
	return shellquote.Join(prefix) + " /bin/sh -c " + w.quoted + " sh " + h.head(params)
}

// head returns the wrapper's parameters for a login shell's command line:
// h's marker, the login shell's process id, through sudo the login
// shell's LC_ALL as localeParam gives it, and params.
func (h *Handshake) head(params []string) string {
	locale := ""
	if h.sudo {
		locale = `"${LC_ALL+=$LC_ALL}" `
	}
	return shellquote.Quote(h.marker()) + " $$ " + locale + shellquote.Join(params)
}

// CommandArgv returns the argument vector of a command given either as args
// or, when args is empty, as a script for /bin/sh -c.
func CommandArgv(args []string, script string) []string {
	if len(args) > 0 {
		return args
	}
	return []string{"/bin/sh", "-c", script}
}

// EnvBlock encodes env as the block the wrapper reads from standard input:
// a line count, then one exported assignment per variable, sorted by name.
func EnvBlock(env map[string]string) ([]byte, error) {
	var b strings.Builder
	lines := 0
	for _, k := range slices.Sorted(maps.Keys(env)) {
		if !shellquote.IsName(k) {
			return nil, fmt.Errorf("invalid environment variable name %q", k)
		}
		line := "export " + k + "=" + shellquote.Quote(env[k]) + "\n"
		lines += strings.Count(line, "\n")
		b.WriteString(line)
	}
	return []byte(strconv.Itoa(lines) + "\n" + b.String()), nil
}
