package main

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/runbookhq/runbook/engine"
)

// liveRefresh is how often the live lines are redrawn while nothing
// happens, so that elapsed times move on.
const liveRefresh = 200 * time.Millisecond

// spinner frames shown beside a host that is running a task.
var spinner = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// liveView renders a run on a terminal: one line per host, redrawn in
// place, saying what the host runs now, for how long, and how its finished
// instances ended; above them, a mark for each instance that finished, with
// the output of those that failed (its end; see transcripts), and
// "↺ … restored STATUS" for each that a resumed run took from the journal.
type liveView struct {
	con *console
	pal palette

	mu     sync.Mutex
	hosts  map[string]*hostProgress
	names  []string       // hosts seen so far, sorted
	totals map[string]int // instances per host in the playbook
	logs   transcripts
	every  bool // show every line of output as it comes (see asItComes)
	frame  int

	stop chan struct{}
	done chan struct{}
}

// hostProgress is what the live line of one host shows.
type hostProgress struct {
	running     []runningTask         // in the order they started
	counts      map[engine.Status]int // instances that ran, by how they ended
	restored    int                   // instances a resumed run took from the journal
	finished    int
	unreachable bool
}

// runningTask is an instance that started and has not finished.
type runningTask struct {
	task     string
	started  time.Time
	attempt  int
	progress string
}

// newLiveView returns a live view with a line for each host of totals,
// which gives the number of instances of each host taking part.
func newLiveView(con *console, pal palette, totals map[string]int, every bool) *liveView {
	v := &liveView{
		con: con, pal: pal, every: every,
		hosts:  map[string]*hostProgress{},
		totals: totals,
		logs:   transcripts{},
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	for name := range totals {
		v.host(name)
	}
	return v
}

// start draws the live lines and keeps them current until close.
func (v *liveView) start() {
	v.con.setLive(v.lines)
	go func() {
		defer close(v.done)
		tick := time.NewTicker(liveRefresh)
		defer tick.Stop()
		for {
			select {
			case <-v.stop:
				return
			case <-tick.C:
				v.mu.Lock()
				v.frame++
				v.mu.Unlock()
				v.con.redraw()
			}
		}
	}()
}

// close removes the live lines from the screen.
func (v *liveView) close() {
	close(v.stop)
	<-v.done
	v.con.setLive(nil)
}

// Event implements engine.Subscriber. Output lines are only kept: they
// change nothing on the screen until their instance fails; those of a
// detached job's log (with every, all of them) show above the live lines
// as they come.
func (v *liveView) Event(e engine.Event) {
	v.mu.Lock()
	above := v.apply(e)
	v.mu.Unlock()
	switch {
	case above != "":
		v.con.print([]byte(above))
	case e.Kind != engine.EventOutput:
		v.con.redraw()
	}
}

// apply updates the view's state with e and returns what to print above
// the live lines.
func (v *liveView) apply(e engine.Event) string {
	if asItComes(e, v.every) {
		return "  " + comingLine(e) + "\n"
	}
	v.logs.record(e)
	if e.Host == "" {
		return ""
	}
	h := v.host(e.Host)
	switch e.Kind {
	case engine.EventTaskStarted:
		h.running = append(h.running, runningTask{task: taskLabel(e.Task, e.Key), started: e.Time, attempt: 1})
	case engine.EventRetry:
		if r := h.find(taskLabel(e.Task, e.Key)); r != nil {
			r.attempt = e.Attempt + 1
			r.progress = ""
		}
		return fmt.Sprintf("%s %s  %s %s\n", v.pal.paint(colorYellow, "↻"), e.Host, taskLabel(e.Task, e.Key),
			v.pal.paint(colorDim, fmt.Sprintf("attempt %d failed: %s", e.Attempt, e.Error)))
	case engine.EventProgress:
		if r := h.find(taskLabel(e.Task, e.Key)); r != nil {
			r.progress = e.Line
		}
	case engine.EventTaskFinished:
		h.finished++
		if e.Restored {
			h.restored++
			return fmt.Sprintf("%s %s  %s %s\n", v.pal.paint(colorCyan, "↺"), e.Host, taskLabel(e.Task, e.Key), v.pal.paint(colorDim, "restored "+string(e.Status)))
		}
		h.remove(taskLabel(e.Task, e.Key))
		h.counts[e.Status]++
		return v.finishedLine(e) + diffText(e.Diffs, v.pal) + v.logs.finish(e, v.pal)
	case engine.EventHostWarning:
		return fmt.Sprintf("%s %s  %s\n", v.pal.paint(colorRed+";"+colorBold, "!"), e.Host,
			v.pal.paint(colorRed+";"+colorBold, "WARNING: "+e.Line))
	case engine.EventHostUnreachable:
		h.unreachable = true
		return fmt.Sprintf("%s %s  %s\n", statusMark(engine.StatusFailed, v.pal), e.Host,
			v.pal.paint(colorRed, "unreachable: "+e.Error))
	}
	return ""
}

// finishedLine is the line printed when an instance ends.
func (v *liveView) finishedLine(e engine.Event) string {
	line := fmt.Sprintf("%s %s  %s %s", statusMark(e.Status, v.pal), e.Host, taskLabel(e.Task, e.Key),
		v.pal.paint(colorDim, "("+formatDuration(e.Duration)+")"))
	if e.Check && e.Status == engine.StatusChanged {
		line += " " + v.pal.paint(colorYellow, "would change")
	}
	switch why := instanceError(e.Error, e.Task, e.Key, e.Host); {
	case e.Status == engine.StatusFailed && why != "":
		line += " " + v.pal.paint(colorRed, why)
	case why != "":
		line += " " + v.pal.paint(colorDim, why)
	}
	return line + "\n"
}

func (v *liveView) host(name string) *hostProgress {
	h, ok := v.hosts[name]
	if !ok {
		h = &hostProgress{counts: map[engine.Status]int{}}
		v.hosts[name] = h
		v.names = append(v.names, name)
		sort.Strings(v.names)
	}
	return h
}

func (h *hostProgress) find(task string) *runningTask {
	for i := range h.running {
		if h.running[i].task == task {
			return &h.running[i]
		}
	}
	return nil
}

func (h *hostProgress) remove(task string) {
	for i := range h.running {
		if h.running[i].task == task {
			h.running = append(h.running[:i], h.running[i+1:]...)
			return
		}
	}
}

// lines returns the live lines: one per host, sorted by host name.
func (v *liveView) lines() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	width := 0
	for _, name := range v.names {
		width = max(width, len([]rune(name)))
	}
	now := time.Now()
	lines := make([]string, 0, len(v.names))
	for _, name := range v.names {
		h := v.hosts[name]
		lines = append(lines, fmt.Sprintf("  %-*s  %s  %s", width, name, v.counts(name, h), v.activity(name, h, now)))
	}
	return lines
}

// counts renders how many of the host's instances finished, and how; the
// instances a resumed run took from the journal count apart, as restored.
func (v *liveView) counts(name string, h *hostProgress) string {
	failed := fmt.Sprintf("failed %d", h.counts[engine.StatusFailed])
	if h.counts[engine.StatusFailed] > 0 {
		failed = v.pal.paint(colorRed, failed)
	}
	progress := fmt.Sprintf("%d", h.finished)
	if total := v.totals[name]; total > 0 {
		progress = fmt.Sprintf("%d/%d", h.finished, total)
	}
	s := fmt.Sprintf("%s  ok %d  changed %d  %s  skipped %d", progress,
		h.counts[engine.StatusOK], h.counts[engine.StatusChanged], failed, h.counts[engine.StatusSkipped])
	if h.restored > 0 {
		s += fmt.Sprintf("  restored %d", h.restored)
	}
	return s
}

// activity renders what the host does now: its longest-running task.
func (v *liveView) activity(name string, h *hostProgress, now time.Time) string {
	switch {
	case h.unreachable:
		return v.pal.paint(colorRed, "unreachable")
	case len(h.running) > 0:
		r := h.running[0]
		s := fmt.Sprintf("%s %s %s", v.pal.paint(colorCyan, spinner[v.frame%len(spinner)]), r.task, formatDuration(now.Sub(r.started).Truncate(100*time.Millisecond)))
		if r.attempt > 1 {
			s += fmt.Sprintf(" (attempt %d)", r.attempt)
		}
		if more := len(h.running) - 1; more > 0 {
			s += fmt.Sprintf(" +%d more", more)
		}
		if r.progress != "" {
			s += " " + v.pal.paint(colorDim, strings.TrimSpace(r.progress))
		}
		return s
	case v.totals[name] > 0 && h.finished >= v.totals[name]:
		return v.pal.paint(colorGreen, "done")
	default:
		return v.pal.paint(colorDim, "waiting")
	}
}
