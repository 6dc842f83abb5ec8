package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"golang.org/x/term"
)

// toolsDir holds the links alation_conf, alation_action, mongo and psql,
// and sudo when the shell user may not use it, that the shell puts first
// on PATH.
func (h *host) toolsDir() string { return h.cfg.SimDir() + "/bin" }

// shell implements `alation shell [-c CMD]`. With -c it runs CMD; else it
// reads commands from standard input, one a line, runs each and exits with
// the status of the last. It reads one byte at a time so that a command
// such as `psql rosemeta` can read the lines that follow it, as with sh.
func (h *host) shell(args []string) error {
	if len(args) > 0 {
		if args[0] != "-c" || len(args) != 2 {
			return &exitError{code: 2, msg: "usage: alation shell [-c COMMAND]"}
		}
		return h.runShellCommand(args[1])
	}
	interactive := term.IsTerminal(int(os.Stdin.Fd()))
	var last error
	for {
		if interactive {
			fmt.Fprint(os.Stderr, "(alation) $ ")
		}
		line, err := readLine(os.Stdin)
		if cmd := strings.TrimSpace(line); cmd != "" && !strings.HasPrefix(cmd, "#") {
			if cmd == "exit" {
				return last
			}
			last = h.runShellCommand(cmd)
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return last
			}
			return err
		}
	}
}

// readLine reads up to and without the next newline, byte by byte.
func readLine(r io.Reader) (string, error) {
	var b strings.Builder
	buf := make([]byte, 1)
	for {
		n, err := r.Read(buf)
		if n == 1 {
			if buf[0] == '\n' {
				return b.String(), nil
			}
			b.WriteByte(buf[0])
		}
		if err != nil {
			return b.String(), err
		}
	}
}

// runShellCommand runs cmd with /bin/sh and the Alation tools on PATH. A
// non-zero exit becomes an exitError with that status and no message.
func (h *host) runShellCommand(cmd string) error {
	c := exec.Command("/bin/sh", "-c", cmd)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	c.Env = append(os.Environ(), "PATH="+h.toolsDir()+":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	err := c.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return &exitError{code: ee.ExitCode()}
	}
	if err != nil {
		return fmt.Errorf("shell: %w", err)
	}
	return nil
}
