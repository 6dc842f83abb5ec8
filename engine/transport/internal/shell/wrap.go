package shell

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// readyMarker starts the line the wrapper writes to standard error once it
// runs, before it reads anything from standard input. The rest of the line
// is the process group to signal to end the command.
const readyMarker = "runbook-ready"

// wrapper is the script run by /bin/sh -c. Its positional parameters are
// the process group to report, the working directory (empty for none),
// "1" when an environment block follows on standard input, and then the
// argument vector to exec. The environment block is a line holding a count
// n followed by n lines of shell assignments.
const wrapper = `g=$1 d=$2 e=$3; shift 3
printf '%s %s\n' ` + readyMarker + ` "$g" >&2
if [ "$e" = 1 ]; then
	IFS= read -r n || exit 125
	s=
	while [ "$n" -gt 0 ]; do IFS= read -r l || exit 125; s="$s$l
"; n=$((n-1)); done
	eval "$s"
fi
if [ -n "$d" ]; then cd -- "$d" || exit 1; fi
exec "$@"`

// Argv returns the argument vector that runs argv through the wrapper:
// /bin/sh -c WRAPPER sh GROUP DIR ENV ARGV... . group is what the wrapper
// reports after readyMarker; withEnv says an environment block (see
// EnvBlock) comes first on standard input.
func Argv(group, dir string, withEnv bool, argv []string) []string {
	return append(append(wrapperWords(), group), params(dir, withEnv, argv)...)
}

// Line returns the command line, for the login shell of an SSH session,
// that execs prefix (such as sudo) and the wrapper running argv. The
// wrapper reports the login shell's process id, which is the process group
// sshd gives the session.
func Line(prefix []string, dir string, withEnv bool, argv []string) string {
	return "exec " + Join(append(slices.Clone(prefix), wrapperWords()...)) + " $$ " + Join(params(dir, withEnv, argv))
}

// wrapperWords starts the argument vector that runs the wrapper.
func wrapperWords() []string { return []string{"/bin/sh", "-c", wrapper, "sh"} }

// params returns the wrapper's parameters after the group.
func params(dir string, withEnv bool, argv []string) []string {
	env := "0"
	if withEnv {
		env = "1"
	}
	return append([]string{dir, env}, argv...)
}

// CommandArgv returns the argument vector of a command given either as args
// or, when args is empty, as a script for /bin/sh -c.
func CommandArgv(args []string, script string) []string {
	if len(args) > 0 {
		return args
	}
	return []string{"/bin/sh", "-c", script}
}

// SudoArgv returns the sudo prefix that runs a command as user (root when
// empty). With a password sudo reads it from standard input without a
// prompt; without one sudo fails rather than ask.
func SudoArgv(user string, withPassword bool) []string {
	if user == "" {
		user = "root"
	}
	if withPassword {
		return []string{"sudo", "-S", "-p", "", "-u", user, "--"}
	}
	return []string{"sudo", "-n", "-u", user, "--"}
}

// EnvBlock encodes env as the block the wrapper reads from standard input:
// a line count, then one exported assignment per variable, sorted by name.
func EnvBlock(env map[string]string) ([]byte, error) {
	var b strings.Builder
	lines := 0
	for _, k := range slices.Sorted(maps.Keys(env)) {
		if !validName(k) {
			return nil, fmt.Errorf("invalid environment variable name %q", k)
		}
		line := "export " + k + "=" + Quote(env[k]) + "\n"
		lines += strings.Count(line, "\n")
		b.WriteString(line)
	}
	return []byte(strconv.Itoa(lines) + "\n" + b.String()), nil
}

// validName reports whether k is a shell variable name.
func validName(k string) bool {
	if k == "" || (k[0] >= '0' && k[0] <= '9') {
		return false
	}
	for _, r := range k {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
