package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/runbookhq/runbook/engine"
)

// prompter asks the person at the terminal, one question at a time, with
// the live view out of the way while it asks.
type prompter struct {
	con *console
	pal palette
	tty *os.File // read from, and written to for questions
	in  *bufio.Reader
	// stopped is closed when the run is stopping; a question waiting for
	// its answer is then answered no.
	stopped <-chan struct{}

	// pending receives the answer of a read that a cancelled question
	// left running; the next question takes it over rather than racing
	// it for the terminal.
	pending chan readResult
}

type readResult struct {
	line string
	err  error
}

// newPrompter returns a prompter for the terminal the person uses:
// /dev/tty when standard input or output is a terminal, or standard input
// itself when it is one and /dev/tty cannot be opened. It returns nil when
// there is no terminal to ask on. Questions are given up when stopped is
// closed.
func (c *cli) newPrompter(con *console, pal palette, stopped <-chan struct{}) *prompter {
	stdinTTY, stdoutTTY := isTerminal(c.stdin), isTerminal(c.stdout)
	if !stdinTTY && !stdoutTTY {
		return nil
	}
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		if !stdinTTY {
			return nil
		}
		tty = c.stdin
	}
	return &prompter{con: con, pal: pal, tty: tty, in: bufio.NewReader(tty), stopped: stopped}
}

// close releases the terminal if the prompter opened it.
func (p *prompter) close() {
	if p != nil && p.tty != os.Stdin {
		_ = p.tty.Close()
	}
}

// confirm asks whether the step inst may run; only "yes" says it may.
func (p *prompter) confirm(ctx context.Context, inst engine.InstanceInfo) (bool, error) {
	sentence := strings.TrimSpace(inst.Confirm)
	if !strings.HasSuffix(sentence, ".") && !strings.HasSuffix(sentence, "?") && !strings.HasSuffix(sentence, "!") {
		sentence += "."
	}
	question := fmt.Sprintf("%s Step %s on host %s: %s Type yes to continue: ",
		p.pal.paint(colorYellow, "?"), taskLabel(inst.Task, inst.Key), inst.Host, sentence)
	var answer string
	var err error
	p.con.interrupt(func() {
		_, _ = io.WriteString(p.tty, question)
		answer, err = p.readLine(ctx, p.stopped)
		if err != nil {
			_, _ = io.WriteString(p.tty, "\n")
		}
	})
	if err != nil {
		return false, fmt.Errorf("no answer: %w", err)
	}
	return strings.EqualFold(strings.TrimSpace(answer), "yes"), nil
}

// killJobsWait bounds how long the question whether to kill detached
// jobs waits for its answer; no answer leaves them running.
const killJobsWait = time.Minute

// killJobs asks, after the second interrupt, whether to kill the
// detached jobs the run leaves running; only "yes" says to. The run is
// stopping already, so the question is not given up when it stops.
func (p *prompter) killJobs(jobs []engine.DetachedJob) bool {
	var b strings.Builder
	fmt.Fprintf(&b, "%s Detached jobs still run on their hosts:\n", p.pal.paint(colorYellow, "?"))
	for _, j := range jobs {
		fmt.Fprintf(&b, "  job %s on host %s\n", j.ID, j.Host)
	}
	b.WriteString("Kill them? They cannot be re-attached to afterwards. Type yes to kill them: ")
	ctx, cancel := context.WithTimeout(context.Background(), killJobsWait)
	defer cancel()
	var answer string
	var err error
	p.con.interrupt(func() {
		_, _ = io.WriteString(p.tty, b.String())
		answer, err = p.readLine(ctx, nil)
		if err != nil {
			_, _ = io.WriteString(p.tty, "\n")
		}
	})
	return err == nil && strings.EqualFold(strings.TrimSpace(answer), "yes")
}

// errStopping is the error of a question given up because the run stops.
var errStopping = errors.New("the run is stopping")

// readLine reads one line from the terminal, or gives up when ctx ends or
// stopped is closed.
func (p *prompter) readLine(ctx context.Context, stopped <-chan struct{}) (string, error) {
	if p.pending == nil {
		ch := make(chan readResult, 1)
		go func() {
			line, err := p.in.ReadString('\n')
			if err == io.EOF && line != "" {
				err = nil
			}
			ch <- readResult{line, err}
		}()
		p.pending = ch
	}
	select {
	case r := <-p.pending:
		p.pending = nil
		return r.line, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	case <-stopped:
		return "", errStopping
	}
}

// passphrase asks for the passphrase of the key file at path, without
// echoing it.
func (p *prompter) passphrase(path string) (string, error) {
	secret, err := p.askSecret(fmt.Sprintf("Passphrase for key %s: ", path))
	if err != nil {
		return "", fmt.Errorf("key %s: reading the passphrase: %w", path, err)
	}
	return secret, nil
}

// askSecret asks the question prompt and reads the answer without
// echoing it; it gives up when the run stops.
func (p *prompter) askSecret(prompt string) (string, error) {
	var secret []byte
	err := errors.New("the terminal is busy with another question")
	p.con.interrupt(func() {
		if p.pending != nil {
			return
		}
		secret, err = readSecret(p.tty, prompt, p.stopped)
		_, _ = io.WriteString(p.tty, "\n")
	})
	return string(secret), err
}

// readSecret writes prompt to the terminal tty and reads a line from it
// without echoing it, or gives up with errStopping when stopped is
// closed. Echo goes off before the prompt is written, so that an answer
// typed as soon as the prompt shows is never echoed; the terminal's
// attributes are restored afterwards, also when it gives up.
func readSecret(tty *os.File, prompt string, stopped <-chan struct{}) ([]byte, error) {
	fd := int(tty.Fd())
	saved, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return nil, err
	}
	quiet := *saved
	quiet.Lflag &^= unix.ECHO
	quiet.Lflag |= unix.ICANON | unix.ISIG
	if err := unix.IoctlSetTermios(fd, ioctlSetTermios, &quiet); err != nil {
		return nil, err
	}
	defer func() { _ = unix.IoctlSetTermios(fd, ioctlSetTermios, saved) }()
	if _, err := io.WriteString(tty, prompt); err != nil {
		return nil, err
	}
	line := make(chan readResult, 1)
	go func() {
		// The terminal is in canonical mode: a read returns once the
		// line is typed, edited by the terminal.
		s, err := bufio.NewReader(tty).ReadString('\n')
		if err == io.EOF && s != "" {
			err = nil
		}
		line <- readResult{strings.TrimRight(s, "\r\n"), err}
	}()
	select {
	case r := <-line:
		return []byte(r.line), r.err
	case <-stopped:
		return nil, errStopping
	}
}
