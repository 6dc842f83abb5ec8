package main

import "github.com/runbookhq/runbook/engine"

// view is a renderer of a run: an engine.Subscriber that is closed when
// the run has ended.
type view interface {
	engine.Subscriber
	close()
}

// newView returns the renderer for the output format: JSON lines, the live
// view when standard output is a terminal that can move its cursor (TERM
// is not "dumb"), plain lines otherwise. perHost counts the instances of
// each host taking part. The text views show every line of output as it
// comes when c.everyLine is set.
func (c *cli) newView(output string, con *console, pal palette, perHost map[string]int) view {
	switch {
	case output == "json":
		return newJSONStream(con)
	case isTerminal(c.stdout) && c.getenv("TERM") != "dumb":
		v := newLiveView(con, pal, perHost, c.everyLine)
		v.start()
		return v
	default:
		return newPlainLog(con, c.everyLine)
	}
}
