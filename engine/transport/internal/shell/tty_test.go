package shell

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestTTYLinesKeepStreamsApart runs the two sessions of a command on a
// terminal as plain processes, with env in place of sudo: the first
// names its FIFOs and runs the command on them, the second relays input,
// output and errors. The input arrives exactly, output and errors stay
// apart, the exit status is the first's, the wrapper reports the process
// group it is in, and the FIFOs are gone.
func TestTTYLinesKeepStreamsApart(t *testing.T) {
	input := []byte("binary \x00\x03\x04\x1a\r\xff and no newline")
	h := &Handshake{Env: []byte("1\nexport RB_V='v 1'\n"), Stdin: bytes.NewReader(input)}
	line, term := h.TTYLine([]string{"env"}, "/", nil, `cat; printf '%s|' "$RB_V"; pwd; echo err >&2; exit 7`)
	after := NewLines(nil)
	term.Stderr = after
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ttyCmd := exec.CommandContext(ctx, "/bin/sh", "-c", line)
	ttyCmd.Stdout, ttyCmd.Stderr = term, term
	if err := ttyCmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-term.Ready():
	case <-ctx.Done():
		t.Fatalf("the terminal session named no directory: %v", term.Failure())
	}
	dir := term.Dir()
	out, errOut := NewLines(nil), NewLines(nil)
	h.Stderr = errOut
	relay := exec.CommandContext(ctx, "/bin/sh", "-c", RelayLine(dir))
	relay.Stdout, relay.Stderr = out, h
	stdin, err := relay.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := relay.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go h.Feed(stdin, done)
	err = ttyCmd.Wait()
	if relayErr := relay.Wait(); relayErr != nil {
		t.Fatalf("relay: %v", relayErr)
	}
	close(done)
	if code := ttyCmd.ProcessState.ExitCode(); code != 7 {
		t.Fatalf("exit status %d (%v), want 7", code, err)
	}
	want := string(input) + "v 1|/\n"
	if string(out.Bytes()) != want || string(errOut.Bytes()) != "err\n" || len(after.Bytes()) != 0 || h.Failure() != nil {
		t.Fatalf("stdout %q, stderr %q, terminal %q, failure %v; want stdout %q, stderr %q", out.Bytes(), errOut.Bytes(), after.Bytes(), h.Failure(), want, "err\n")
	}
	if h.Group() != strconv.Itoa(syscall.Getpgrp()) {
		t.Errorf("group %q, want the process group the command is in, %d, not the shell's process id %d", h.Group(), syscall.Getpgrp(), ttyCmd.Process.Pid)
	}
	if _, err := os.Stat(dir); err == nil || !strings.Contains(dir, "runbook-tty.") {
		t.Errorf("the FIFOs' directory %q is still there (%v)", dir, err)
	}
}
