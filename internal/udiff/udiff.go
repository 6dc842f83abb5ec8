package udiff

import (
	"fmt"
	"strings"
)

// contextLines is how many unchanged lines surround each change.
const contextLines = 3

// opKind is what an edit does with a line.
type opKind byte

const (
	keep   opKind = ' '
	delete opKind = '-'
	insert opKind = '+'
)

// edit is one line of the edit script turning a into b. aLine and bLine are
// the 0-based line numbers in a and b just before or at the edit.
type edit struct {
	kind         opKind
	text         string
	aLine, bLine int
}

// Unified returns the unified diff that turns before into after, with the
// headers naming them oldName and newName, or "" when they are equal.
func Unified(oldName, newName, before, after string) string {
	a, b := splitLines(before), splitLines(after)
	edits := editScript(a, b)
	var out strings.Builder
	for _, h := range hunks(edits) {
		if out.Len() == 0 {
			fmt.Fprintf(&out, "--- %s\n+++ %s\n", oldName, newName)
		}
		writeHunk(&out, h)
	}
	return out.String()
}

// splitLines splits s into lines, each keeping its newline; a last line
// without one is marked as in diff -u.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		return lines[:len(lines)-1]
	}
	lines[len(lines)-1] += "\n\\ No newline at end of file\n"
	return lines
}

// editScript returns a shortest sequence of keeps, deletes and inserts
// turning a into b, found by Myers' O(ND) algorithm.
func editScript(a, b []string) []edit {
	n, m := len(a), len(b)
	limit := n + m
	offset := limit + 1
	v := make([]int, 2*limit+3)
	var trace [][]int
	for d := 0; d <= limit; d++ {
		trace = append(trace, append([]int(nil), v...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[offset+k-1] < v[offset+k+1]) {
				x = v[offset+k+1]
			} else {
				x = v[offset+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[offset+k] = x
			if x >= n && y >= m {
				return backtrack(a, b, trace, offset)
			}
		}
	}
	return nil
}

// backtrack walks the saved frontiers from the end of both texts to their
// start and returns the edits in order.
func backtrack(a, b []string, trace [][]int, offset int) []edit {
	x, y := len(a), len(b)
	var rev []edit
	for d := len(trace) - 1; d >= 0; d-- {
		v := trace[d]
		k := x - y
		var prevK int
		if k == -d || (k != d && v[offset+k-1] < v[offset+k+1]) {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevX := v[offset+prevK]
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			x, y = x-1, y-1
			rev = append(rev, edit{kind: keep, text: a[x], aLine: x, bLine: y})
		}
		if d == 0 {
			break
		}
		if x == prevX {
			y--
			rev = append(rev, edit{kind: insert, text: b[y], aLine: x, bLine: y})
		} else {
			x--
			rev = append(rev, edit{kind: delete, text: a[x], aLine: x, bLine: y})
		}
	}
	edits := make([]edit, len(rev))
	for i, e := range rev {
		edits[len(rev)-1-i] = e
	}
	return edits
}

// hunks groups the changes of edits with up to contextLines unchanged
// lines around them; changes closer than twice that share a hunk.
func hunks(edits []edit) [][]edit {
	var groups [][]edit
	start, end := -1, -1
	for i, e := range edits {
		if e.kind == keep {
			continue
		}
		lo, hi := max(i-contextLines, 0), min(i+contextLines+1, len(edits))
		if start >= 0 && lo <= end {
			end = hi
			continue
		}
		if start >= 0 {
			groups = append(groups, edits[start:end])
		}
		start, end = lo, hi
	}
	if start >= 0 {
		groups = append(groups, edits[start:end])
	}
	return groups
}

// writeHunk writes one hunk: its header with both line ranges, then its
// lines.
func writeHunk(out *strings.Builder, h []edit) {
	aCount, bCount := 0, 0
	for _, e := range h {
		if e.kind != insert {
			aCount++
		}
		if e.kind != delete {
			bCount++
		}
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", hunkRange(h[0].aLine, aCount), hunkRange(h[0].bLine, bCount))
	for _, e := range h {
		out.WriteByte(byte(e.kind))
		out.WriteString(e.text)
	}
}

// hunkRange renders a hunk's range of lines in one text: its 1-based first
// line and its length, the way diff -u does (an empty range names the line
// before it).
func hunkRange(first, count int) string {
	switch count {
	case 0:
		return fmt.Sprintf("%d,0", first)
	case 1:
		return fmt.Sprintf("%d", first+1)
	default:
		return fmt.Sprintf("%d,%d", first+1, count)
	}
}
