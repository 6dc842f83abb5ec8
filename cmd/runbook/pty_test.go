package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// ptyDeadline bounds how long a terminal test waits for output that
// should come; it guards against a hang, it measures nothing.
const ptyDeadline = 2 * time.Minute

// terminal is a run of the binary on a pseudo-terminal: its standard
// input, output and error, and its controlling terminal.
type terminal struct {
	t    *testing.T
	cmd  *exec.Cmd
	tty  *os.File
	mu   sync.Mutex
	out  bytes.Buffer
	more chan struct{} // signalled when output arrives or the reader ends
	done chan struct{} // closed when the reader ends
}

func startTerminal(t *testing.T, env []string, args ...string) *terminal {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(env, "TERM=xterm-256color") // a later entry wins
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatal(err)
	}
	term := &terminal{t: t, cmd: cmd, tty: tty, more: make(chan struct{}, 1), done: make(chan struct{})}
	go term.read()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		tty.Close()
	})
	return term
}

func (term *terminal) read() {
	defer close(term.done)
	buf := make([]byte, 4096)
	for {
		n, err := term.tty.Read(buf)
		term.mu.Lock()
		term.out.Write(buf[:n])
		term.mu.Unlock()
		select {
		case term.more <- struct{}{}:
		default:
		}
		if err != nil {
			return
		}
	}
}

func (term *terminal) output() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return term.out.String()
}

// waitFor waits until the output holds s.
func (term *terminal) waitFor(s string) {
	term.t.Helper()
	deadline := time.After(ptyDeadline)
	for !strings.Contains(term.output(), s) {
		select {
		case <-term.more:
		case <-term.done:
			if !strings.Contains(term.output(), s) {
				term.t.Fatalf("the terminal never showed %q:\n%s", s, term.output())
			}
		case <-deadline:
			term.t.Fatalf("the terminal did not show %q in %s:\n%s", s, ptyDeadline, term.output())
		}
	}
}

// wait waits for the process to end and for its output, and returns its
// exit status.
func (term *terminal) wait() int {
	term.t.Helper()
	err := term.cmd.Wait()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		term.t.Fatal(err)
	}
	<-term.done
	return term.cmd.ProcessState.ExitCode()
}

func TestLiveView(t *testing.T) {
	term := startTerminal(t, testEnv(), "run", "testdata/fail.hcl")
	if code := term.wait(); code != exitTaskFailed {
		t.Fatalf("exit status %d, want %d:\n%s", code, exitTaskFailed, term.output())
	}
	out := term.output()
	for _, want := range []string{
		hideCursor, showCursor, // the live lines are drawn with the cursor hidden,
		"\r\x1b[1A" + clearBelow, // redrawn in place,
		"\x1b[31m✗\x1b[0m",       // and coloured
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the live view does not hold %q:\n%q", want, out)
		}
	}
	text := ansi.ReplaceAllString(out, "")
	for _, want := range []string{
		"  local  0/3  ok 0  changed 0  failed 0  skipped 0  ",     // a line for the host,
		"  local  3/3  ok 0  changed 1  failed 1  skipped 1  done", // its counts at the end,
		"~ local  fine (",                // a mark for each finished task,
		"✗ local  broken (",              //
		"- local  after_broken (",        //
		"    | working\r\n",              // the failed task's whole output,
		"    | something went wrong\r\n", //
		"Recap (",                        // and the recap
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the live view does not show %q:\n%s", want, text)
		}
	}
}

// ansi matches the escape sequences of colours and cursor movements.
var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

func TestLiveViewWithoutColor(t *testing.T) {
	for name, env := range map[string][]string{
		"--no-color": testEnv(),
		"NO_COLOR":   append(testEnv(), "NO_COLOR=1"),
	} {
		t.Run(name, func(t *testing.T) {
			args := []string{"run", "testdata/fail.hcl"}
			if name == "--no-color" {
				args = append(args, "--no-color")
			}
			term := startTerminal(t, env, args...)
			term.wait()
			out := term.output()
			if regexp.MustCompile(`\x1b\[[0-9;]*m`).MatchString(out) || !strings.Contains(ansi.ReplaceAllString(out, ""), "✗ local  broken (") {
				t.Errorf("colours with %s, or no live view:\n%q", name, out)
			}
		})
	}
}

func TestConfirmOnTerminal(t *testing.T) {
	for answer, wantCode := range map[string]int{"yes": exitOK, "no": exitTaskFailed} {
		t.Run(answer, func(t *testing.T) {
			marker := filepath.Join(t.TempDir(), "marker")
			if err := os.WriteFile(marker, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			term := startTerminal(t, testEnv(), "run", "testdata/confirm.hcl", "-var", "marker="+marker)
			term.waitFor("Step remove_marker on host local: Deletes the marker file. Type yes to continue: ")
			if _, err := io.WriteString(term.tty, answer+"\r"); err != nil {
				t.Fatal(err)
			}
			if code := term.wait(); code != wantCode {
				t.Fatalf("answered %s: exit status %d, want %d:\n%s", answer, code, wantCode, term.output())
			}
			_, err := os.Stat(marker)
			if ran := os.IsNotExist(err); ran != (answer == "yes") {
				t.Errorf("answered %s: the step ran: %v", answer, ran)
			}
		})
	}
}
