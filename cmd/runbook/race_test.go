//go:build race

package main

// Under go test -race the binary under test is built with the race
// detector too, so that its goroutines are checked as well.
func init() { buildFlags = append(buildFlags, "-race") }
