// Package testenv holds the one rule every test of runbook follows about
// what the machine must have: a missing dependency skips a test on a
// developer's machine, with the reason, and fails it under CI (CI=true),
// where every dependency must be present.
package testenv
