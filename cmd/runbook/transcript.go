package main

import (
	"fmt"
	"strings"

	"github.com/runbookhq/runbook/engine"
)

// Bounds of the output kept of one running instance: a failed instance
// shows its last lines, at most this many and this many bytes of them.
const (
	maxTranscriptLines = 10000
	maxTranscriptBytes = 1 << 20
)

// transcript is the output of one instance's current attempt.
type transcript struct {
	lines   []outputLine // in order
	bytes   int          // of the lines' text
	dropped int          // earlier lines that were not kept
}

// outputLine is a line of an instance's output.
type outputLine struct {
	text   string
	stderr bool
}

// transcripts keeps the output of the running instances so that the output
// of one that fails can be shown in full. Renderers call it from their
// Event method only.
type transcripts map[string]*transcript

// eventID returns the ID of the instance e is about, as the engine's
// InstanceInfo.ID gives it: "task@host", or "task@host[key]".
func eventID(e engine.Event) string {
	return engine.InstanceInfo{Task: e.Task, Host: e.Host, Key: e.Key}.ID()
}

// record follows e: it starts a new transcript when an instance (or a new
// attempt of it) starts, and appends output lines. Views do not give it
// the lines they show as they come (see asItComes).
func (t transcripts) record(e engine.Event) {
	id := eventID(e)
	switch e.Kind {
	case engine.EventTaskStarted, engine.EventRetry:
		t[id] = &transcript{}
	case engine.EventOutput:
		tr := t[id]
		if tr == nil {
			tr = &transcript{}
			t[id] = tr
		}
		text := e.Line
		if e.On != "" {
			text = "[" + e.On + "] " + text // a line from a peer of the instance's host
		}
		tr.lines = append(tr.lines, outputLine{text: text, stderr: e.Stream == "stderr"})
		tr.bytes += len(text)
		for len(tr.lines) > maxTranscriptLines || tr.bytes > maxTranscriptBytes {
			tr.bytes -= len(tr.lines[0].text)
			tr.lines = tr.lines[1:]
			tr.dropped++
		}
	}
}

// asItComes reports whether e is a line of output that views show as it
// comes, rather than keep to show if its instance fails: a line of a
// detached job's log, or with every set any line (runbook exec, whose
// command's output is what the operator asked for).
func asItComes(e engine.Event, every bool) bool {
	return e.Kind == engine.EventOutput && (every || e.Stream == engine.StreamJob)
}

// comingLine returns the text that shows e, an output event that views
// show as it comes: "host task | line", or "host task[key] | line".
func comingLine(e engine.Event) string {
	return fmt.Sprintf("%s %s | %s", e.Host, taskLabel(e.Task, e.Key), e.Line)
}

// finish forgets the output of the instance e reports finished and returns
// it, indented, when the instance failed; it returns "" otherwise.
func (t transcripts) finish(e engine.Event, pal palette) string {
	id := eventID(e)
	tr := t[id]
	delete(t, id)
	if e.Status != engine.StatusFailed || tr == nil || len(tr.lines) == 0 {
		return ""
	}
	var b strings.Builder
	if tr.dropped > 0 {
		fmt.Fprintf(&b, "    %s\n", pal.paint(colorDim, fmt.Sprintf("(%d earlier lines not kept)", tr.dropped)))
	}
	for _, o := range tr.lines {
		line := o.text
		if o.stderr {
			line = pal.paint(colorRed, line)
		}
		fmt.Fprintf(&b, "    | %s\n", line)
	}
	return b.String()
}

// statusMark is the mark shown beside a finished instance.
func statusMark(s engine.Status, pal palette) string {
	switch s {
	case engine.StatusOK:
		return pal.paint(colorGreen, "✓")
	case engine.StatusChanged:
		return pal.paint(colorYellow, "~")
	case engine.StatusFailed:
		return pal.paint(colorRed, "✗")
	case engine.StatusCancelled:
		return pal.paint(colorYellow, "!")
	case engine.StatusCannotPredict:
		return pal.paint(colorCyan, "?")
	default:
		return pal.paint(colorDim, "-")
	}
}
