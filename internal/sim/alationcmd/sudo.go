package main

// deniedSudo implements the sudo the Alation shell finds first on PATH
// when the host's shell user may not use sudo: it refuses every command,
// with sudo's words for a user the sudoers file does not name.
func deniedSudo() error {
	return &exitError{code: 1, msg: "alation is not in the sudoers file.  This incident will be reported."}
}
