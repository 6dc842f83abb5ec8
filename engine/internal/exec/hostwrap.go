package exec

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync"

	"github.com/runbookhq/runbook/engine/internal/compile"
	"github.com/runbookhq/runbook/engine/internal/lang"
	"github.com/runbookhq/runbook/engine/transport"
)

// taskHost is the transport a module sees: the host's connection with the
// task's sudo applied, the host's sudo password filled in, and every line
// of output sent as an event.
type taskHost struct {
	inner  transport.Host
	run    *hostRun
	inst   *compile.Instance // the instance whose module uses it
	target *compile.Host     // the host it reaches: inst.Host() or a peer
	tail   *lineTail
	quiet  bool // its commands' output is not shown
}

var (
	_ transport.Host      = (*taskHost)(nil)
	_ transport.HostKeyer = (*taskHost)(nil)
)

// hostRun is what every taskHost of a run shares: where output lines go,
// the secrets to redact from them, the connections whose hosts an error
// may show unreachable, and the run's defaults.
type hostRun struct {
	bus          *bus
	secrets      *lang.Redactor
	conns        *conns
	outputLimit  int    // RunOptions.OutputLimit
	sudoPassword string // RunOptions.SudoPassword
}

// output sends a line of a command's output that inst ran on h, redacted,
// as an event.
func (hr *hostRun) output(inst *compile.Instance, h *compile.Host, stream, line string) {
	e := Event{Kind: EventOutput, Task: inst.Task(), Module: inst.Module(), Host: inst.Host().Name(), Key: inst.Key(), Stream: stream, Line: hr.secrets.Redact(line)}
	if h != inst.Host() {
		e.On = h.Name()
	}
	hr.bus.emit(e)
}

// Run runs cmd under the task's sudo, streaming its lines as events; a
// script that holds a secret goes to the host off the command line.
func (th *taskHost) Run(ctx context.Context, cmd transport.Command) (transport.Result, error) {
	cmd, err := secretScriptOffCommandLine(cmd, th.run.secrets)
	if err != nil {
		return transport.Result{}, err
	}
	cmd.Sudo = th.sudo(cmd.Sudo)
	if cmd.MaxOutput == 0 { // the output kept: the task's output_limit, else the run's
		cmd.MaxOutput = cmp.Or(th.inst.OutputLimit(), th.run.outputLimit)
	}
	if th.quiet {
		res, err := th.inner.Run(ctx, cmd)
		th.run.conns.check(th.target, err)
		return res, err
	}
	own := cmd.OnLine
	cmd.OnLine = func(stream transport.Stream, line string) {
		if !cmd.Quiet {
			th.run.output(th.inst, th.target, string(stream), line)
		}
		if stream == transport.Stderr {
			th.tail.add(th.run.secrets.Redact(line))
		}
		if own != nil {
			own(stream, line)
		}
	}
	res, err := th.inner.Run(ctx, cmd)
	th.run.conns.check(th.target, err)
	return res, err
}

// Upload writes f under the task's sudo.
func (th *taskHost) Upload(ctx context.Context, f transport.File) (bool, error) {
	f.Sudo = th.sudo(f.Sudo)
	changed, err := th.inner.Upload(ctx, f)
	th.run.conns.check(th.target, err)
	return changed, err
}

// Download copies a file of the host to w and returns its mode.
func (th *taskHost) Download(ctx context.Context, path string, w io.Writer) (fs.FileMode, error) {
	mode, err := th.inner.Download(ctx, path, w)
	th.run.conns.check(th.target, err)
	return mode, err
}

// HostKey returns the host key that the host's transport verified; a
// transport that verifies none fails with transport.ErrHostKeyUnverified.
func (th *taskHost) HostKey(ctx context.Context) ([]byte, error) {
	k, ok := th.inner.(transport.HostKeyer)
	if !ok {
		return nil, fmt.Errorf("host %s: %w: its transport checks no host key", th.target.Name(), transport.ErrHostKeyUnverified)
	}
	key, err := k.HostKey(ctx)
	th.run.conns.check(th.target, err)
	return key, err
}

// Close does nothing: the engine closes every connection at the end of the
// run.
func (th *taskHost) Close() error { return nil }

// sudo returns the sudo settings of a call: the call's own, or root when
// the task sets sudo = true (its sudo_user when it sets one); with the
// host's sudo password (or else RunOptions.SudoPassword) when the call
// gives none.
func (th *taskHost) sudo(s *transport.Sudo) *transport.Sudo {
	if s == nil && th.inst.Sudo() {
		s = &transport.Sudo{User: th.inst.SudoUser()}
	}
	password := cmp.Or(th.target.Config().SudoPassword, th.run.sudoPassword)
	if s != nil && s.Password == "" && password != "" {
		filled := *s
		filled.Password = password
		s = &filled
	}
	return s
}

// lineTail keeps the last lines written to standard error.
type lineTail struct {
	mu    sync.Mutex
	lines []string
	bytes int // of lines
}

// Bounds of a lineTail: it keeps this many of the last lines, and beyond
// the last one no more than this many bytes.
const (
	tailLines = 20
	tailBytes = 8 << 10
)

// add appends a line, dropping the oldest beyond the bounds.
func (t *lineTail) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, line)
	t.bytes += len(line)
	for len(t.lines) > tailLines || len(t.lines) > 1 && t.bytes > tailBytes {
		t.bytes -= len(t.lines[0])
		t.lines = t.lines[1:]
	}
}

// String returns the kept lines.
func (t *lineTail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, "\n")
}
