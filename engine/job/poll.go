package job

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// chunk is how many bytes of log one poll reads at most, and maxLine the
// longest line passed whole: a longer one is passed in pieces of maxLine.
const (
	chunk   = 256 << 10
	maxLine = 64 << 10
)

// runningRounds bounds how many chunks one Poll reads from a job that
// still runs, so that a job writing fast cannot hold a poll forever.
const runningRounds = 4

// Poll reads what the job's log gained since the last poll, passes each
// complete line to onLine in order (without its newline), and returns the
// job's state. A line the job has not finished is passed once it is (or
// once the job ended), so no line is passed twice or cut. Once a job has
// Exited, Poll has passed its whole log.
func (j *Job) Poll(ctx context.Context, onLine func(string)) (Status, error) {
	for round := 0; ; round++ {
		out, err := run(ctx, j.host, j.sudo, pollScript, j.ref.Dir, strconv.FormatInt(j.offset, 10), strconv.Itoa(chunk))
		if err != nil {
			return Status{}, fmt.Errorf("poll job %s: %w", j.ref.Dir, err)
		}
		head, body, _ := bytes.Cut(out, []byte("\n"))
		st, size, err := parseHeader(string(head))
		if err != nil {
			return Status{}, fmt.Errorf("poll job %s: %w", j.ref.Dir, err)
		}
		ended := st.State != Running
		j.offset += emitLines(body, ended && j.offset+int64(len(body)) >= size, onLine)
		if j.offset >= size || len(body) == 0 || (!ended && round+1 >= runningRounds) {
			return st, nil
		}
	}
}

// Wait polls the job every interval until it no longer runs, passing its
// log's lines to onLine, and returns its last status. When ctx ends
// first, Wait returns ctx's error and the job goes on: the caller may
// attach again later, or Kill it.
func (j *Job) Wait(ctx context.Context, interval time.Duration, onLine func(string)) (Status, error) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return Status{}, ctx.Err()
		case <-t.C:
		}
		st, err := j.Poll(ctx, onLine)
		if err != nil || st.State != Running {
			return st, err
		}
		t.Reset(interval)
	}
}

// emitLines passes the complete lines of b to onLine, and the rest too
// when final, and returns how many bytes it passed. A line longer than
// maxLine goes in pieces of maxLine.
func emitLines(b []byte, final bool, onLine func(string)) int64 {
	var n int64
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		switch {
		case i >= 0 && i <= maxLine:
			onLine(strings.TrimSuffix(string(b[:i]), "\r"))
			b, n = b[i+1:], n+int64(i+1)
		case len(b) >= maxLine:
			onLine(string(b[:maxLine]))
			b, n = b[maxLine:], n+maxLine
		case final:
			onLine(string(b))
			return n + int64(len(b))
		default:
			return n
		}
	}
	return n
}

// parseHeader reads the first line of a poll's reply: the job's state and
// the size of its log.
func parseHeader(line string) (Status, int64, error) {
	i := strings.LastIndexByte(line, ' ')
	if i < 0 {
		return Status{}, 0, fmt.Errorf("%w: unexpected reply %q", ErrNotJob, line)
	}
	size, err := strconv.ParseInt(line[i+1:], 10, 64)
	if err != nil || size < 0 {
		return Status{}, 0, fmt.Errorf("%w: unexpected reply %q", ErrNotJob, line)
	}
	st, err := parseState(line[:i])
	return st, size, err
}

// parseState reads a state as the scripts' rb_state prints it.
func parseState(s string) (Status, error) {
	f := strings.Fields(s)
	if len(f) == 0 {
		return Status{}, fmt.Errorf("%w: empty state", ErrNotJob)
	}
	switch f[0] {
	case "running":
		return Status{State: Running}, nil
	case "rebooted":
		return Status{State: Lost, Reason: "the host rebooted while the job ran"}, nil
	case "vanished":
		return Status{State: Lost, Reason: "the job's process ended without recording its exit (killed outside runbook?)"}, nil
	case "none":
		return Status{State: NotStarted}, nil
	case "missing":
		return Status{State: Missing}, nil
	case "exited":
		if len(f) < 3 || len(f) > 4 {
			break
		}
		code, err1 := strconv.Atoi(f[1])
		end, err2 := strconv.ParseInt(f[2], 10, 64)
		if err1 != nil || err2 != nil {
			break
		}
		st := Status{State: Exited, ExitCode: code, Ended: time.Unix(end, 0)}
		if len(f) == 4 {
			st.Signal = f[3]
		}
		return st, nil
	}
	return Status{}, fmt.Errorf("%w: unexpected state %q", ErrNotJob, s)
}
