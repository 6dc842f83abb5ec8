package main

import (
	"fmt"
	"io"
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
	host                                             string
	ok, changed, failed, skipped, cancelled, unreach int
}

// writeRecap prints the end of a run: a line per host counting its
// instances by how they ended, sorted by host, then the failed instances
// with the tail of their stderr or error, and the unreachable hosts.
func writeRecap(w io.Writer, r *engine.Report, pal palette) {
	tallies := tallyHosts(r.Instances)
	title := fmt.Sprintf("Recap (%s)", formatDuration(r.Duration))
	if r.Interrupted {
		title += ", interrupted"
	}
	fmt.Fprintf(w, "\n%s:\n", pal.paint(colorBold, title))
	writeTallyTable(w, tallies)
	writeFailures(w, r.Instances, pal)
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

// writeTallyTable prints the counts as aligned columns; the cancelled
// column appears only when a run was cut short.
func writeTallyTable(w io.Writer, tallies []hostTally) {
	header := []string{"HOST", "OK", "CHANGED", "FAILED", "SKIPPED", "UNREACHABLE"}
	withCancelled := false
	for _, t := range tallies {
		withCancelled = withCancelled || t.cancelled > 0
	}
	if withCancelled {
		header = append(header, "CANCELLED")
	}
	rows := [][]string{header}
	for _, t := range tallies {
		row := []string{t.host, strconv.Itoa(t.ok), strconv.Itoa(t.changed), strconv.Itoa(t.failed), strconv.Itoa(t.skipped), strconv.Itoa(t.unreach)}
		if withCancelled {
			row = append(row, strconv.Itoa(t.cancelled))
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

// writeFailures lists the failed instances, in the report's order, with
// the tail of what they wrote to stderr, then the unreachable hosts.
func writeFailures(w io.Writer, results []engine.InstanceResult, pal palette) {
	failedTitle := false
	unreachable := map[string]string{}
	for _, res := range results {
		if res.Unreachable {
			if _, seen := unreachable[res.Host]; !seen && res.Err != nil {
				unreachable[res.Host] = res.Err.Error()
			}
			continue
		}
		if res.Status != engine.StatusFailed {
			continue
		}
		if !failedTitle {
			fmt.Fprintf(w, "\n%s\n", pal.paint(colorRed, "Failed:"))
			failedTitle = true
		}
		fmt.Fprintf(w, "  %s on %s (%s)", res.Task, res.Host, res.Module)
		if res.Ignored {
			fmt.Fprint(w, ", ignored")
		}
		if res.Err != nil {
			fmt.Fprintf(w, ": %v", res.Err)
		}
		fmt.Fprintln(w)
		for _, line := range tail(res.StderrTail, recapTailLines) {
			fmt.Fprintf(w, "    | %s\n", line)
		}
	}
	if len(unreachable) == 0 {
		return
	}
	hosts := make([]string, 0, len(unreachable))
	for h := range unreachable {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	fmt.Fprintf(w, "\n%s\n", pal.paint(colorRed, "Unreachable:"))
	for _, h := range hosts {
		fmt.Fprintf(w, "  %s: %s\n", h, unreachable[h])
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
