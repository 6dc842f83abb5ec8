package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// sudoPasswordEnv is the environment variable that may give the sudo
// password, read when neither flag does.
const sudoPasswordEnv = "RUNBOOK_SUDO_PASSWORD"

// maxSudoPasswordFile bounds what --sudo-password-file reads.
const maxSudoPasswordFile = 4096

// sudoFlags are the flags that give the sudo password of the hosts whose
// block sets none. Unlike -var sudo_password=…, none of them puts the
// password in the control node's process list.
type sudoFlags struct {
	ask  bool
	file string
}

func (s *sudoFlags) register(fs *flagSet) {
	fs.BoolVar(&s.ask, "ask-sudo-password", false, "Ask for the sudo password on the terminal, without echo, before the run starts: the sudo password of every host whose block sets none. Without a terminal the run is refused.")
	fs.StringVar(&s.file, "sudo-password-file", "", "Read the sudo password of every host whose block sets none from `FILE`: one line, readable by its owner only (mode 0600 or 0400). Without either flag, "+sudoPasswordEnv+" gives it, when set.")
}

// check reports flags that exclude each other.
func (s *sudoFlags) check() error {
	if s.ask && s.file != "" {
		return errors.New("--ask-sudo-password and --sudo-password-file exclude each other")
	}
	return nil
}

// password returns the sudo password that the flags or the environment
// give, or "" when none does; it asks on pr for --ask-sudo-password. It
// removes sudoPasswordEnv from the environment, so that the commands run
// on the control node do not inherit it.
func (s *sudoFlags) password(pr *prompter) (string, error) {
	fromEnv := os.Getenv(sudoPasswordEnv)
	_ = os.Unsetenv(sudoPasswordEnv) // it fails only for an invalid name
	switch {
	case s.ask && pr == nil:
		return "", fmt.Errorf("--ask-sudo-password: there is no terminal to ask on; give the password in a file (--sudo-password-file) or in %s", sudoPasswordEnv)
	case s.ask:
		pw, err := pr.askSecret("Sudo password: ")
		if err != nil {
			return "", fmt.Errorf("--ask-sudo-password: %w", err)
		}
		if pw == "" {
			return "", errors.New("--ask-sudo-password: no password was typed")
		}
		return pw, nil
	case s.file != "":
		pw, err := readPasswordFile(s.file)
		if err != nil {
			return "", fmt.Errorf("--sudo-password-file: %w", err)
		}
		return pw, nil
	}
	return fromEnv, nil
}

// readPasswordFile returns the password in the file at path: its one
// line, without the line end. A regular file that users other than its
// owner may read or write is refused, as ssh refuses such a key.
func readPasswordFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return "", err
	}
	if perm := info.Mode().Perm(); info.Mode().IsRegular() && perm&0o077 != 0 {
		return "", fmt.Errorf("%s: its mode %04o lets other users at it; make it its owner's only (chmod 600 %s)", path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSudoPasswordFile+1))
	if err != nil {
		return "", err
	}
	data = bytes.TrimSuffix(bytes.TrimSuffix(data, []byte("\n")), []byte("\r"))
	switch {
	case len(data) > maxSudoPasswordFile:
		return "", fmt.Errorf("%s: longer than %d bytes, it holds no password", path, maxSudoPasswordFile)
	case len(data) == 0:
		return "", fmt.Errorf("%s: the file is empty", path)
	case bytes.ContainsAny(data, "\n\x00"):
		return "", fmt.Errorf("%s: a password is one line, and this file holds several (or a NUL byte)", path)
	}
	return string(data), nil
}
