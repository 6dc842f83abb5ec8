package modules

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/transport"
)

// probeTimeout bounds one attempt to connect to a port.
const probeTimeout = 2 * time.Second

// localHost is the inventory name of the control node; wait_for dials
// ports from it directly instead of through a probe command.
const localHost = "local"

// portProbeScript exits 0 when a TCP connection to $1:$2 succeeds within
// $3 seconds, 1 when it does not, and 3 when the host has no tool to try
// with. It uses bash's /dev/tcp under timeout, or else nc.
const portProbeScript = `if command -v bash >/dev/null 2>&1 && command -v timeout >/dev/null 2>&1; then
	timeout "$3" bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null && exit 0
	exit 1
fi
if command -v nc >/dev/null 2>&1; then
	nc -z -w "$3" "$1" "$2" 2>/dev/null && exit 0
	exit 1
fi
echo "probing a port needs bash and timeout, or nc" >&2
exit 3`

// words returns what the task waits for and the state it waits for it to
// reach, as they read in messages: "port 10.0.0.2:5432", "to accept
// connections".
func (w *WaitFor) words() (subject, want string) {
	switch {
	case w.Port != 0:
		subject = "port " + net.JoinHostPort(w.Host, strconv.Itoa(w.Port))
		if w.State == stateStopped {
			return subject, "to refuse connections"
		}
		return subject, "to accept connections"
	case w.Path != "":
		if w.State == stateStopped {
			return "path " + w.Path, "to be gone"
		}
		return "path " + w.Path, "to exist"
	}
	return fmt.Sprintf("command %q", w.Command), "to succeed"
}

// probe returns a function that checks once whether the wanted state
// holds on env's host, and one that says, after a check, how it failed.
func (w *WaitFor) probe(env *engine.Env) (check func(context.Context) (bool, error), failure func() string) {
	wantUp := w.State != stateStopped
	switch {
	case w.Port != 0:
		return func(ctx context.Context) (bool, error) {
				up, err := w.portOpen(ctx, env)
				return up == wantUp, err
			}, func() string {
				if wantUp {
					return "not reachable from " + env.HostName
				}
				return "still reachable from " + env.HostName
			}
	case w.Path != "":
		return func(ctx context.Context) (bool, error) {
				exists, err := pathExists(ctx, env, "", w.Path)
				return exists == wantUp, err
			}, func() string {
				if wantUp {
					return "does not exist on " + env.HostName
				}
				return "still exists on " + env.HostName
			}
	}
	var last transport.Result
	return func(ctx context.Context) (bool, error) {
			res, err := env.Host.Run(ctx, transport.Command{Script: w.Command})
			if err != nil {
				return false, fmt.Errorf("run command on %s: %w", env.HostName, err)
			}
			last = res
			return res.OK(), nil
		}, func() string {
			msg := fmt.Sprintf("did not succeed on %s (last exit code %d", env.HostName, last.ExitCode)
			if stderr := tail(trimNewline(last.Stderr), stderrTailLines); stderr != "" {
				msg += ": " + stderr
			}
			return msg + ")"
		}
}

// portOpen reports whether a TCP connection to the port can be made from
// env's host: dialled directly on the control node, through a probe
// command anywhere else.
func (w *WaitFor) portOpen(ctx context.Context, env *engine.Env) (bool, error) {
	port := strconv.Itoa(w.Port)
	if env.HostName == localHost {
		d := net.Dialer{Timeout: probeTimeout}
		conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(w.Host, port))
		if err != nil {
			if ctx.Err() != nil {
				return false, fmt.Errorf("probe port on %s: %w", env.HostName, ctx.Err())
			}
			return false, nil
		}
		conn.Close()
		return true, nil
	}
	res, err := env.Host.Run(ctx, transport.Command{Args: []string{"/bin/sh", "-c", portProbeScript, "sh", w.Host, port, strconv.Itoa(int(probeTimeout / time.Second))}})
	switch {
	case err != nil:
		return false, fmt.Errorf("probe port on %s: %w", env.HostName, err)
	case res.OK():
		return true, nil
	case res.ExitCode == 1:
		return false, nil
	}
	return false, fmt.Errorf("probe port on %s: %s", env.HostName, trimNewline(res.Stderr))
}
