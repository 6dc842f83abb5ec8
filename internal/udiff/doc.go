// Package udiff writes the difference between two texts as a unified diff,
// the format of "diff -u", for "runbook fmt -diff" and for the diffs of
// files that modules change (module.NewFileDiff). It owns the line
// comparison (Myers' shortest edit script) and the grouping of changes into
// hunks with context.
package udiff
