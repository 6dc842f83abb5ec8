package job

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/runbookhq/runbook/engine/shellquote"
	"github.com/runbookhq/runbook/engine/transport"
)

// Ref names a job on its host: everything needed to find it again, and
// nothing secret. It is what a journal records.
type Ref struct {
	// ID is the job's name, random and new for every job.
	ID string `json:"id"`
	// Dir is the job's directory on the host.
	Dir string `json:"dir"`
	// PID, StartTicks and BootID identify the job's session leader: its
	// process id, its start time in clock ticks after boot, and the boot
	// id of the host when it started. They are zero until the process
	// runs.
	PID        int    `json:"pid,omitempty"`
	StartTicks string `json:"start_ticks,omitempty"`
	BootID     string `json:"boot_id,omitempty"`
}

// Started reports whether r names a process, not only a directory.
func (r Ref) Started() bool { return r.PID > 0 }

// State says where a job is.
type State int

// The states of a job.
const (
	// Running: the job's process is alive.
	Running State = iota
	// Exited: the job recorded its end (Status.ExitCode, Status.Signal).
	Exited
	// Lost: the job's process is gone without a recorded end, because the
	// host rebooted or the process was killed outside runbook. Its log
	// is still there.
	Lost
	// NotStarted: the job's directory exists but its process never
	// recorded its start.
	NotStarted
	// Missing: the job's directory is gone.
	Missing
)

// String names the state in lower case.
func (s State) String() string {
	switch s {
	case Running:
		return "running"
	case Exited:
		return "exited"
	case Lost:
		return "lost"
	case NotStarted:
		return "not started"
	case Missing:
		return "missing"
	}
	return "state(" + strconv.Itoa(int(s)) + ")"
}

// Status is what a poll learned of a job.
type Status struct {
	State State
	// ExitCode is the command's exit status once Exited: 128+N when a
	// signal N ended it, -1 when Kill did.
	ExitCode int
	// Signal names the signal with which Kill ended the job (TERM or
	// KILL), or is empty.
	Signal string
	// Ended is when the job recorded its end.
	Ended time.Time
	// Reason says why a job is Lost.
	Reason string
}

// ErrNotJob means a Ref or a host's reply does not describe a job.
var ErrNotJob = errors.New("not a job")

// Job is a handle on a job, started or attached to. Its methods are not
// safe for concurrent use.
type Job struct {
	host   transport.Host
	sudo   *transport.Sudo
	ref    Ref
	offset int64
}

// Start runs cmd detached on host, as the user that sudo (when set) makes
// it, and returns its handle. cmd gives Args or Script, and may give Env,
// Dir and Stdin; its OnLine and MaxOutput are not used (a job writes its
// log). Stdin is read whole into a file in the job's private directory,
// which the job reads (else it reads /dev/null). record is called with the job's Ref
// once its directory exists, before the command starts, and again once
// its process runs; an error from record stops Start (after the first
// call, nothing has started; after the second, the job runs and Start
// returns its handle with the error).
func Start(ctx context.Context, host transport.Host, sudo *transport.Sudo, cmd transport.Command, record func(Ref) error) (*Job, error) {
	script := cmd.Script
	if len(cmd.Args) > 0 {
		script = "exec " + shellquote.Join(cmd.Args)
	}
	if strings.TrimSpace(script) == "" {
		return nil, errors.New("start job: no command")
	}
	id, err := newID()
	if err != nil {
		return nil, fmt.Errorf("start job: %w", err)
	}
	out, err := run(ctx, host, sudo, prepareScript, id)
	if err != nil {
		return nil, fmt.Errorf("start job: %w", err)
	}
	ref := Ref{ID: id, Dir: strings.TrimSpace(string(out))}
	if err := ref.checkDir(); err != nil {
		return nil, fmt.Errorf("start job: the host named its directory %q: %w", ref.Dir, err)
	}
	if err := record(ref); err != nil {
		return nil, err
	}
	if cmd.Stdin != nil {
		in := transport.Command{Args: []string{"/bin/sh", "-c", inputScript, "sh", ref.Dir}, Stdin: cmd.Stdin, Sudo: sudo}
		res, err := host.Run(ctx, in)
		if err == nil && !res.OK() {
			err = scriptError(res)
		}
		if err != nil {
			return nil, fmt.Errorf("start job in %s: write its input: %w", ref.Dir, err)
		}
	}
	start := transport.Command{
		Args:  []string{"/bin/sh", "-c", startScript, "sh", ref.Dir, runnerScript},
		Stdin: strings.NewReader(script),
		Env:   cmd.Env,
		Dir:   cmd.Dir,
		Sudo:  sudo,
	}
	res, err := host.Run(ctx, start)
	if err == nil && !res.OK() {
		err = scriptError(res)
	}
	if err != nil {
		return nil, fmt.Errorf("start job in %s: %w", ref.Dir, err)
	}
	if err := ref.setProcess(string(res.Stdout)); err != nil {
		return nil, fmt.Errorf("start job in %s: %w", ref.Dir, err)
	}
	j := &Job{host: host, sudo: sudo, ref: ref}
	return j, record(ref)
}

// Attach returns the handle of the job that ref names on host, run
// through sudo as Start was. offset is how many bytes of its log were
// shown already: the next poll shows what follows.
func Attach(host transport.Host, sudo *transport.Sudo, ref Ref, offset int64) (*Job, error) {
	if err := ref.checkDir(); err != nil {
		return nil, fmt.Errorf("attach to job %q: %w", ref.Dir, err)
	}
	if offset < 0 {
		offset = 0
	}
	return &Job{host: host, sudo: sudo, ref: ref, offset: offset}, nil
}

// Ref returns the name of the job.
func (j *Job) Ref() Ref { return j.ref }

// Offset returns how many bytes of the job's log were passed to the line
// functions of Poll: the place to attach at later.
func (j *Job) Offset() int64 { return j.offset }

// Kill ends the job when it still runs: SIGTERM to its process group,
// then SIGKILL to what is left after grace. It returns the job's status
// afterwards. A process that is not the job's (a reused id, a rebooted
// host) is never signalled.
func (j *Job) Kill(ctx context.Context, grace time.Duration) (Status, error) {
	secs := max(int(grace.Round(time.Second)/time.Second), 1)
	out, err := run(ctx, j.host, j.sudo, killScript, j.ref.Dir, strconv.Itoa(secs))
	if err != nil {
		return Status{}, fmt.Errorf("kill job %s: %w", j.ref.Dir, err)
	}
	st, err := parseState(strings.TrimSpace(string(out)))
	if err != nil {
		return Status{}, fmt.Errorf("kill job %s: %w", j.ref.Dir, err)
	}
	return st, nil
}

// Remove deletes the job's files. It refuses while the job runs.
func (j *Job) Remove(ctx context.Context) error {
	if _, err := run(ctx, j.host, j.sudo, removeScript, j.ref.Dir); err != nil {
		return fmt.Errorf("remove job %s: %w", j.ref.Dir, err)
	}
	return nil
}

// Sweep deletes, on host, the files of the jobs of the user that sudo
// makes it that do not run and have not changed for longer than age, and
// returns how many it deleted.
func Sweep(ctx context.Context, host transport.Host, sudo *transport.Sudo, age time.Duration) (int, error) {
	mins := max(int(age/time.Minute), 1)
	out, err := run(ctx, host, sudo, sweepScript, strconv.Itoa(mins))
	if err != nil {
		return 0, fmt.Errorf("sweep old jobs: %w", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		return 0, fmt.Errorf("sweep old jobs: unexpected reply %q", out)
	}
	return n, nil
}

// run runs script with args on host through sudo and returns its standard
// output; a non-zero exit is an error quoting what the script said.
func run(ctx context.Context, host transport.Host, sudo *transport.Sudo, script string, args ...string) ([]byte, error) {
	cmd := transport.Command{
		Args:      append([]string{"/bin/sh", "-c", script, "sh"}, args...),
		Sudo:      sudo,
		MaxOutput: -1,
	}
	res, err := host.Run(ctx, cmd)
	if err != nil {
		return nil, err
	}
	if !res.OK() {
		return nil, scriptError(res)
	}
	return res.Stdout, nil
}

// scriptError describes the failure of one of the job scripts by its
// message on standard error.
func scriptError(res transport.Result) error {
	msg := strings.TrimSpace(string(res.Stderr))
	if i := strings.LastIndex(msg, "runbook-job: "); i >= 0 {
		msg = msg[i+len("runbook-job: "):]
	}
	if msg == "" {
		return fmt.Errorf("exit status %d", res.ExitCode)
	}
	return fmt.Errorf("%s (exit status %d)", msg, res.ExitCode)
}

// newID returns a new random job id.
func newID() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// checkDir checks that r.Dir is a job directory as the prepare script
// makes them: an absolute, clean path ending in jobs/ID. The path comes
// from the host, so nothing else is accepted.
func (r Ref) checkDir() error {
	switch {
	case r.ID == "" || strings.Trim(r.ID, "0123456789abcdef") != "":
		return fmt.Errorf("%w: bad id %q", ErrNotJob, r.ID)
	case !path.IsAbs(r.Dir) || path.Clean(r.Dir) != r.Dir:
		return fmt.Errorf("%w: not an absolute, clean path", ErrNotJob)
	case path.Base(r.Dir) != r.ID || path.Base(path.Dir(r.Dir)) != "jobs":
		return fmt.Errorf("%w: not a directory jobs/%s", ErrNotJob, r.ID)
	case strings.ContainsFunc(r.Dir, func(c rune) bool { return c < ' ' || c == 0x7f }):
		return fmt.Errorf("%w: control character in the path", ErrNotJob)
	}
	return nil
}

// setProcess fills r's process fields from the record a job's runner
// writes: "PID TICKS BOOTID".
func (r *Ref) setProcess(record string) error {
	f := strings.Fields(record)
	if len(f) != 3 {
		return fmt.Errorf("%w: unexpected start record %q", ErrNotJob, record)
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil || pid <= 1 || strings.Trim(f[1], "0123456789") != "" || f[1] == "" ||
		strings.Trim(f[2], "0123456789abcdef-") != "" || f[2] == "" {
		return fmt.Errorf("%w: unexpected start record %q", ErrNotJob, record)
	}
	r.PID, r.StartTicks, r.BootID = pid, f[1], f[2]
	return nil
}

// tailBytes bounds what Tail returns.
const tailBytes = 8 << 10

// Tail returns the last n lines of the job's log, and of them the last
// 8 KiB at most; empty when the log is gone.
func (j *Job) Tail(ctx context.Context, n int) (string, error) {
	out, err := run(ctx, j.host, j.sudo, tailScript, j.ref.Dir, strconv.Itoa(max(n, 1)), strconv.Itoa(tailBytes))
	if err != nil {
		return "", fmt.Errorf("read the end of job %s's log: %w", j.ref.Dir, err)
	}
	return strings.ToValidUTF8(strings.TrimSuffix(string(out), "\n"), ""), nil
}
