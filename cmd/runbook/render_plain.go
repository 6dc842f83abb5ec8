package main

import (
	"fmt"
	"strings"

	"github.com/runbookhq/runbook/engine"
)

// plainTime is the layout of the timestamp that starts every plain line.
const plainTime = "15:04:05.000"

// plainLog renders a run as plain lines, for output that is not a
// terminal: "15:04:05.000 host task status (1.2s)", one line per change,
// with the output of failed instances (its end; see transcripts) below
// their line, and each line of a detached job's log (with every, each
// line of output) as it comes,
// "15:04:05.000 host task | line". An instance that a resumed run took from the journal reads
// "host task restored status", without a duration: it did not run. A
// warning about a host reads "host WARNING: message".
type plainLog struct {
	con   *console
	logs  transcripts
	every bool // show every line of output as it comes (see asItComes)
}

func newPlainLog(con *console, every bool) *plainLog {
	return &plainLog{con: con, logs: transcripts{}, every: every}
}

// Event implements engine.Subscriber.
func (l *plainLog) Event(e engine.Event) {
	var b strings.Builder
	stamp := e.Time.Local().Format(plainTime)
	if asItComes(e, l.every) {
		l.con.print([]byte(stamp + " " + comingLine(e) + "\n"))
		return
	}
	l.logs.record(e)
	switch {
	case e.Kind == engine.EventRunStarted:
		fmt.Fprintf(&b, "%s run started: %s%s\n", stamp, plural(e.Total, "instance"), checkNote(e.Check))
	case e.Kind == engine.EventTaskStarted:
		fmt.Fprintf(&b, "%s %s %s started\n", stamp, e.Host, taskLabel(e.Task, e.Key))
	case e.Kind == engine.EventProgress:
		fmt.Fprintf(&b, "%s %s %s progress: %s\n", stamp, e.Host, taskLabel(e.Task, e.Key), e.Line)
	case e.Kind == engine.EventRetry:
		fmt.Fprintf(&b, "%s %s %s retry: attempt %d failed: %s\n", stamp, e.Host, taskLabel(e.Task, e.Key), e.Attempt, e.Error)
	case e.Kind == engine.EventTaskFinished && e.Restored:
		fmt.Fprintf(&b, "%s %s %s restored %s\n", stamp, e.Host, taskLabel(e.Task, e.Key), e.Status)
	case e.Kind == engine.EventTaskFinished:
		fmt.Fprintf(&b, "%s %s %s %s (%s)", stamp, e.Host, taskLabel(e.Task, e.Key), statusWord(e), formatDuration(e.Duration))
		if e.Error != "" {
			fmt.Fprintf(&b, ": %s", instanceError(e.Error, e.Task, e.Key, e.Host))
		}
		b.WriteString("\n")
		b.WriteString(diffText(e.Diffs, false))
		b.WriteString(l.logs.finish(e, false))
	case e.Kind == engine.EventHostWarning:
		fmt.Fprintf(&b, "%s %s WARNING: %s\n", stamp, e.Host, e.Line)
	case e.Kind == engine.EventHostUnreachable:
		fmt.Fprintf(&b, "%s %s unreachable: %s\n", stamp, e.Host, e.Error)
	case e.Kind == engine.EventRunFinished:
		fmt.Fprintf(&b, "%s run finished (%s)", stamp, formatDuration(e.Duration))
		if e.Error != "" {
			fmt.Fprintf(&b, ": %s", e.Error)
		}
		b.WriteString("\n")
	}
	if b.Len() > 0 {
		l.con.print([]byte(b.String()))
	}
}

// close implements view; plain lines need no ending.
func (l *plainLog) close() {}
