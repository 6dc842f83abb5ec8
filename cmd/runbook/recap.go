package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/runbookhq/runbook/engine"
)

// recapTailLines is how many lines of a failed instance's stderr (or
// error) the recap repeats.
const recapTailLines = 10

// hostTally counts how the instances of one host ended.
type hostTally struct {
	host                                                       string
	ok, changed, failed, skipped, cancelled, unreach, restored int
	unknown                                                    int // check mode: cannot predict
}

// tallyColumn is a column of the recap's table of counts.
type tallyColumn struct {
	title string
	count func(hostTally) int
	// optional columns show only when some host counts one.
	optional bool
}

// tallyColumns are the columns of the recap's table after HOST: a
// cancelled column when a run was cut short, a restored one when a
// resumed run took instances from the journal.
var tallyColumns = []tallyColumn{
	{"OK", func(t hostTally) int { return t.ok }, false},
	{"CHANGED", func(t hostTally) int { return t.changed }, false},
	{"FAILED", func(t hostTally) int { return t.failed }, false},
	{"SKIPPED", func(t hostTally) int { return t.skipped }, false},
	{"UNREACHABLE", func(t hostTally) int { return t.unreach }, false},
	{"CANCELLED", func(t hostTally) int { return t.cancelled }, true},
	{"RESTORED", func(t hostTally) int { return t.restored }, true},
	{"CANNOT PREDICT", func(t hostTally) int { return t.unknown }, true},
}

// writeRecap prints the end of a run: a line per host counting its
// instances by how they ended, sorted by host, then the failed instances
// with the tail of their stderr or error, and the unreachable hosts with
// why they could not be reached.
func writeRecap(w io.Writer, r *engine.Report, unreachable unreachableHosts, pal palette) {
	tallies := tallyHosts(r.Instances)
	title := fmt.Sprintf("Recap (%s)", formatDuration(r.Duration))
	if r.Interrupted {
		title += ", interrupted"
	}
	if r.Check {
		title += ", check mode: nothing was changed, CHANGED counts what would change"
	}
	fmt.Fprintf(w, "\n%s:\n", pal.paint(colorBold, title))
	writeTallyTable(w, tallies)
	writeRestored(w, tallies)
	writeReasons(w, r.Instances)
	writeFailures(w, r.Instances, pal)
	writeDetached(w, r.Instances)

	writeUnpredicted(w, r.Instances, pal)
	unreachable.write(w, pal)
}

// writeDetached names the detached jobs that the run left running on
// their hosts, and says how to re-attach to them.
func writeDetached(w io.Writer, results []engine.InstanceResult) {
	var lines []string
	for _, res := range results {
		for _, j := range res.Detached {
			lines = append(lines, fmt.Sprintf("  %s: job %s (its log is %s/log on %s)", res.Label(), j.ID, j.Dir, j.Host))
		}
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(w, "\nStill running on their hosts, unwatched:\n%s\nRun again with --resume to re-attach: their logs go on from where they stopped, and they never start twice.\n", strings.Join(lines, "\n"))
}

func tallyHosts(results []engine.InstanceResult) []hostTally {
	byHost := map[string]*hostTally{}
	for _, res := range results {
		t := byHost[res.Host]
		if t == nil {
			t = &hostTally{host: res.Host}
			byHost[res.Host] = t
		}
		switch {
		case res.Restored:
			t.restored++
		case res.Unreachable:
			t.unreach++
		case res.Status == engine.StatusOK:
			t.ok++
		case res.Status == engine.StatusChanged:
			t.changed++
		case res.Status == engine.StatusFailed:
			t.failed++
		case res.Status == engine.StatusCancelled:
			t.cancelled++
		case res.Status == engine.StatusCannotPredict:
			t.unknown++
		default:
			t.skipped++
		}
	}
	tallies := make([]hostTally, 0, len(byHost))
	for _, t := range byHost {
		tallies = append(tallies, *t)
	}
	sort.Slice(tallies, func(i, j int) bool { return tallies[i].host < tallies[j].host })
	return tallies
}

// writeTallyTable prints the counts as aligned columns; an optional
// column appears only when some host counts one.
func writeTallyTable(w io.Writer, tallies []hostTally) {
	var columns []tallyColumn
	for _, col := range tallyColumns {
		if !col.optional || slices.ContainsFunc(tallies, func(t hostTally) bool { return col.count(t) > 0 }) {
			columns = append(columns, col)
		}
	}
	header := []string{"HOST"}
	for _, col := range columns {
		header = append(header, col.title)
	}
	rows := [][]string{header}
	for _, t := range tallies {
		row := []string{t.host}
		for _, col := range columns {
			row = append(row, strconv.Itoa(col.count(t)))
		}
		rows = append(rows, row)
	}
	widths := make([]int, len(header))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], len([]rune(cell)))
		}
	}
	for _, row := range rows {
		var b strings.Builder
		b.WriteString(" ")
		for i, cell := range row {
			if i == 0 {
				fmt.Fprintf(&b, " %-*s", widths[i], cell)
			} else {
				fmt.Fprintf(&b, "  %*s", widths[i], cell)
			}
		}
		fmt.Fprintln(w, b.String())
	}
}

// writeRestored says, below the counts of a resumed run, what its
// RESTORED column counts.
func writeRestored(w io.Writer, tallies []hostTally) {
	restored := 0
	for _, t := range tallies {
		restored += t.restored
	}
	switch restored {
	case 0:
	case 1:
		fmt.Fprintln(w, "\nRESTORED: 1 step had ended in the run this one resumed; it did not run again.")
	default:
		fmt.Fprintf(w, "\nRESTORED: %d steps had ended in the run this one resumed; they did not run again.\n", restored)
	}
}

// recapReasonIDs is how many instances the recap names for one reason
// of skipping.
const recapReasonIDs = 10

// writeReasons lists, by reason, the instances skipped without an error,
// such as a task whose on_change changed nothing: the first
// recapReasonIDs of each, and how many more there are.
func writeReasons(w io.Writer, results []engine.InstanceResult) {
	byReason := map[string][]string{}
	for _, res := range results {
		if res.Status == engine.StatusSkipped && res.Reason != "" {
			byReason[res.Reason] = append(byReason[res.Reason], res.ID())
		}
	}
	for _, reason := range slices.Sorted(maps.Keys(byReason)) {
		ids := byReason[reason]
		more := ""
		if len(ids) > recapReasonIDs {
			more = fmt.Sprintf(" and %d more", len(ids)-recapReasonIDs)
			ids = ids[:recapReasonIDs]
		}
		fmt.Fprintf(w, "\nSKIPPED, %s: %s%s\n", reason, strings.Join(ids, ", "), more)
	}
}

// writeFailures lists the failed instances, in the report's order, with
// the tail of what they wrote to stderr.
func writeFailures(w io.Writer, results []engine.InstanceResult, pal palette) {
	failedTitle := false
	for _, res := range results {
		if res.Unreachable || res.Status != engine.StatusFailed {
			continue
		}
		if !failedTitle {
			fmt.Fprintf(w, "\n%s\n", pal.paint(colorRed, "Failed:"))
			failedTitle = true
		}
		fmt.Fprintf(w, "  %s on %s (%s)", taskLabel(res.Task, res.Key), res.Host, res.Module)
		if res.Changed {
			fmt.Fprint(w, ", changed before it failed")
		}
		if res.Ignored {
			fmt.Fprint(w, ", ignored")
		}
		if res.Err != nil {
			fmt.Fprintf(w, ": %s", instanceError(res.Err.Error(), res.Task, res.Key, res.Host))
		}
		fmt.Fprintln(w)
		for _, line := range tail(res.StderrTail, recapTailLines) {
			fmt.Fprintf(w, "    | %s\n", line)
		}
	}
}

// writeUnpredicted lists what a check-mode run could not see: the
// instances whose change it could not predict, each with why.
func writeUnpredicted(w io.Writer, results []engine.InstanceResult, pal palette) {
	title := false
	for _, res := range results {
		if res.Status != engine.StatusCannotPredict {
			continue
		}
		if !title {
			fmt.Fprintf(w, "\n%s\n", pal.paint(colorCyan, "Check mode could not see what these would change (they did not run):"))
			title = true
		}
		fmt.Fprintf(w, "  %s on %s (%s)", taskLabel(res.Task, res.Key), res.Host, res.Module)
		if res.Err != nil {
			fmt.Fprintf(w, ": %s", instanceError(res.Err.Error(), res.Task, res.Key, res.Host))
		}
		fmt.Fprintln(w)
	}
}

// unreachableHosts records why each host of a run could not be reached:
// the error of its host_unreachable event, which the engine sends once
// per host. Run returns only after every subscriber has seen every event,
// so the recap reads it after the run without locking.
type unreachableHosts map[string]string

// Event implements engine.Subscriber.
func (u unreachableHosts) Event(e engine.Event) {
	if e.Kind == engine.EventHostUnreachable {
		u[e.Host] = e.Error
	}
}

// write lists the unreachable hosts, sorted, each with why it could not
// be reached.
func (u unreachableHosts) write(w io.Writer, pal palette) {
	if len(u) == 0 {
		return
	}
	hosts := make([]string, 0, len(u))
	for h := range u {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	fmt.Fprintf(w, "\n%s\n", pal.paint(colorRed, "Unreachable:"))
	for _, h := range hosts {
		fmt.Fprintf(w, "  %s: %s\n", h, u[h])
	}
}

// tail returns the last n lines of s, without its final newline.
func tail(s string, n int) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}
