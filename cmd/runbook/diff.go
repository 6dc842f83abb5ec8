package main

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/runbookhq/runbook/engine"
)

// diffText renders the changes an instance made, or would make, to files
// (its task_finished event's diffs, present with --diff), indented below
// its line: a unified diff for each content, "(sensitive)" for a secret
// one, and a line per other property that changes.
func diffText(diffs []engine.FileDiff, pal palette) string {
	var b strings.Builder
	for _, d := range diffs {
		for _, a := range d.Attributes {
			fmt.Fprintf(&b, "    %s: %s %s → %s\n", d.Path, a.Name, a.Before, a.After)
		}
		if d.Sensitive {
			fmt.Fprintf(&b, "    %s: content %s\n", d.Path, pal.paint(colorDim, "(sensitive)"))
		}
		for _, line := range strings.Split(strings.TrimSuffix(d.Diff, "\n"), "\n") {
			if line != "" {
				b.WriteString("    " + pal.paint(diffColor(line), visible(line)) + "\n")
			}
		}
	}
	return b.String()
}

// visible returns line with its control characters but tabs replaced by
// U+FFFD: the content of a file on a host must not steer the terminal.
func visible(line string) string {
	return strings.Map(func(r rune) rune {
		if r != '\t' && (r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0)) {
			return utf8.RuneError
		}
		return r
	}, line)
}

// diffColor is the color of a line of a unified diff.
func diffColor(line string) string {
	switch {
	case strings.HasPrefix(line, "+++"), strings.HasPrefix(line, "---"):
		return colorBold
	case strings.HasPrefix(line, "+"):
		return colorGreen
	case strings.HasPrefix(line, "-"):
		return colorRed
	case strings.HasPrefix(line, "@@"):
		return colorCyan
	}
	return colorDim
}

// checkNote is what the first line of a run adds in check mode.
func checkNote(check bool) string {
	if check {
		return " (check mode: nothing is changed)"
	}
	return ""
}

// statusWord says how an instance ended, in the words of its run: in
// check mode "changed" reads "would change".
func statusWord(e engine.Event) string {
	switch {
	case e.Status == engine.StatusCannotPredict:
		return "cannot predict"
	case e.Check && e.Status == engine.StatusChanged:
		return "would change"
	}
	return string(e.Status)
}
