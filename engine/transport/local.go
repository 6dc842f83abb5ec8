package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"slices"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/runbookhq/runbook/engine/transport/internal/shell"
	"golang.org/x/sys/unix"
)

// killGrace is how long a cancelled process group has between SIGTERM and
// SIGKILL.
const killGrace = 2 * time.Second

// local runs tasks on the control node.
type local struct {
	closed atomic.Bool
}

// NewLocal returns the Host of the control node: commands run with
// os/exec, each in its own process group, and files are written directly
// (or through sudo when a File asks for it).
func NewLocal() Host { return &local{} }

// Run runs c on the control node. Args are executed without a shell,
// Script with /bin/sh -c; cancelling ctx sends SIGTERM to the process
// group, then SIGKILL after a grace period.
func (l *local) Run(ctx context.Context, c Command) (Result, error) {
	if l.closed.Load() {
		return Result{}, fmt.Errorf("local: %w", ErrClosed)
	}
	if err := c.Validate(); err != nil {
		return Result{}, fmt.Errorf("local: %w", err)
	}
	stdout := shell.StreamLines(c.OnLine, Stdout, c.KeptOutput())
	stderr := shell.StreamLines(c.OnLine, Stderr, c.KeptOutput())
	argv := shell.CommandArgv(c.Args, c.Script)
	var cmd *exec.Cmd
	var hs *shell.Handshake
	if sudo := localSudo(c.Sudo); sudo == nil {
		cmd = exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Dir = c.Dir
		cmd.Env = os.Environ()
		for _, k := range slices.Sorted(maps.Keys(c.Env)) {
			cmd.Env = append(cmd.Env, k+"="+c.Env[k])
		}
		cmd.Stdin = c.Stdin
		cmd.Stderr = stderr
	} else {
		var err error
		if cmd, hs, err = sudoCommand(ctx, c, sudo, argv, stderr); err != nil {
			return Result{}, fmt.Errorf("local: %w", err)
		}
	}
	cmd.Stdout = stdout
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = killGrace
	res, err := wait(ctx, cmd, hs)
	stdout.Flush()
	stderr.Flush()
	res.Stdout, res.Stderr = stdout.Bytes(), stderr.Bytes()
	res.StdoutTruncated, res.StderrTruncated = stdout.Truncated(), stderr.Truncated()
	return res, err
}

// sudoCommand prepares argv to run through sudo and the wrapper, which
// reads the environment from standard input once sudo has let it run.
func sudoCommand(ctx context.Context, c Command, sudo *Sudo, argv []string, stderr io.Writer) (*exec.Cmd, *shell.Handshake, error) {
	hs := &shell.Handshake{Stdin: c.Stdin, Stderr: stderr, PasswordRequired: ErrSudoPasswordRequired}
	if len(c.Env) > 0 {
		block, err := shell.EnvBlock(c.Env)
		if err != nil {
			return nil, nil, err
		}
		hs.Env = block
	}
	full := append(hs.Sudo(sudo.User, sudo.Password), hs.Argv("0", c.Dir, argv)...)
	cmd := exec.CommandContext(ctx, full[0], full[1:]...)
	cmd.Stderr = hs
	return cmd, hs, nil
}

// wait starts cmd, feeds the handshake when there is one, and turns the
// way the process ended into a Result or an error.
func wait(ctx context.Context, cmd *exec.Cmd, hs *shell.Handshake) (Result, error) {
	var stdin io.WriteCloser
	if hs != nil {
		var err error
		if stdin, err = cmd.StdinPipe(); err != nil {
			return Result{}, fmt.Errorf("local: %w", err)
		}
	}
	drains, err := startDrained(cmd)
	if err != nil {
		return Result{}, fmt.Errorf("local: start %s: %w", cmd.Path, err)
	}
	done := make(chan struct{})
	if hs != nil {
		go hs.Feed(stdin, done)
	}
	err = cmd.Wait()
	close(done)
	cancelled := ctx.Err() != nil
	if cancelled {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	for _, d := range drains {
		d.finish(killGrace)
	}
	if cancelled {
		return Result{ExitCode: -1}, fmt.Errorf("local: command cancelled and its process group ended: %w", ctx.Err())
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) && !errors.Is(err, exec.ErrWaitDelay) {
		return Result{}, fmt.Errorf("local: %w", err)
	}
	if hs != nil {
		if err := hs.Failure(); err != nil {
			return Result{}, fmt.Errorf("local: %w", err)
		}
	}
	return exitResult(cmd.ProcessState), nil
}

// exitResult reads the exit status or the ending signal of a process.
func exitResult(ps *os.ProcessState) Result {
	ws, ok := ps.Sys().(syscall.WaitStatus)
	if ok && ws.Signaled() {
		return Result{ExitCode: -1, Signal: signalName(ws.Signal())}
	}
	return Result{ExitCode: ps.ExitCode()}
}

// signalName names sig without its SIG prefix, as SSH does.
func signalName(sig syscall.Signal) string {
	name := unix.SignalName(sig)
	if name == "" {
		return fmt.Sprint(int(sig))
	}
	return name[len("SIG"):]
}

// localSudo returns the sudo to use for s, or nil when none is needed:
// when s is nil, or asks for root and the control node already runs as
// root.
func localSudo(s *Sudo) *Sudo {
	if s == nil || ((s.User == "" || s.User == "root") && os.Geteuid() == 0) {
		return nil
	}
	return s
}

// Upload writes f on the control node; see Host.
func (l *local) Upload(ctx context.Context, f File) (bool, error) {
	if l.closed.Load() {
		return false, fmt.Errorf("local: %w", ErrClosed)
	}
	if err := f.Validate(); err != nil {
		return false, fmt.Errorf("local: upload: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("local: upload %s: %w", f.Path, err)
	}
	mode := shell.FileMode(f.Mode)
	if sudo := localSudo(f.Sudo); sudo != nil {
		run := func(ctx context.Context, argv []string, stdin io.Reader) ([]byte, []byte, bool, error) {
			res, err := l.Run(ctx, Command{Args: argv, Stdin: stdin, Sudo: sudo})
			return res.Stdout, res.Stderr, res.OK(), err
		}
		changed, err := shell.Install(ctx, run, shell.Dest{Path: f.Path, Mode: mode, Owner: f.Owner, Group: f.Group, Follow: f.Follow}, f.Content)
		if err != nil {
			return false, fmt.Errorf("local: upload %s: %w", f.Path, err)
		}
		return changed, nil
	}
	changed, err := writeLocalFile(f, mode)
	if err != nil {
		return false, fmt.Errorf("local: upload %s: %w", f.Path, err)
	}
	return changed, nil
}

// Download copies the file at path to w and returns its mode.
func (l *local) Download(ctx context.Context, path string, w io.Writer) (fs.FileMode, error) {
	if l.closed.Load() {
		return 0, fmt.Errorf("local: %w", ErrClosed)
	}
	if err := ValidatePath(path); err != nil {
		return 0, fmt.Errorf("local: download: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("local: download %s: %w", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("local: download: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("local: download %s: %w", path, err)
	}
	if _, err := io.Copy(w, f); err != nil {
		return 0, fmt.Errorf("local: download %s: %w", path, err)
	}
	return info.Mode(), nil
}

// Close marks the Host closed; there is nothing to release.
func (l *local) Close() error {
	l.closed.Store(true)
	return nil
}
