// Package suggest holds the one "Did you mean" of runbook: the engine's
// diagnostics and the CLI's usage errors both name the closest of the
// names they know when a given name looks like a typo of one of them.
package suggest
