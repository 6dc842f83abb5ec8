package faulttest

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// settleTime bounds how long the tests wait for a process on the host to
// appear or, once its command was ended, to be gone: a command ended with
// SIGKILL takes a moment to leave /proc.
const settleTime = 20 * time.Second

// processesWith returns, as "PID: ARGV", every living process whose
// argument vector holds text. The hosts of these tests are this machine,
// so this is what runs on them.
func processesWith(text string) []string {
	return processesWithAny(text)[text]
}

// processesWithAny reads the argument vector of every living process once
// and returns, for each of texts, the processes ("PID: ARGV") whose
// argument vector holds it.
func processesWithAny(texts ...string) map[string][]string {
	found := map[string][]string{}
	paths, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // ended meanwhile
		}
		for _, text := range texts {
			if bytes.Contains(b, []byte(text)) {
				pid := filepath.Base(filepath.Dir(path))
				found[text] = append(found[text], pid+": "+strings.Join(strings.Split(strings.TrimRight(string(b), "\x00"), "\x00"), " "))
			}
		}
	}
	return found
}

// waitProcess waits until a process whose argument vector holds text
// runs, failing the test when none does within settleTime.
func waitProcess(t testing.TB, text string) {
	t.Helper()
	waitFor(t, fmt.Sprintf("a process with %q in its arguments", text), func() bool { return len(processesWith(text)) > 0 })
}

// waitFor waits until cond holds, failing the test when it does not
// within settleTime.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(settleTime); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("gave up waiting for %s", what)
}

// waitGone waits until no process holds text in its argument vector,
// failing the test with those left after settleTime.
func waitGone(t testing.TB, text string) {
	t.Helper()
	var left []string
	for end := time.Now().Add(settleTime); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if left = processesWith(text); len(left) == 0 {
			return
		}
	}
	t.Errorf("processes still running on the host:\n%s", strings.Join(left, "\n"))
}

// argvWatch polls the argument vectors of every process on the machine
// while a run goes on, and remembers each one that holds any of the
// texts it looks for. It reads them all every few milliseconds, so a
// process that lives shorter than a round can be missed: the playbooks it
// watches make each command that handles a secret last half a second,
// and with it the sudo and the shells that carry the command.
type argvWatch struct {
	cancel context.CancelFunc
	done   chan struct{}
	seen   map[string]map[string]bool // text -> "PID: ARGV" of the processes that held it
}

// watchArgv starts polling for texts until stop is called.
func watchArgv(texts ...string) *argvWatch {
	ctx, cancel := context.WithCancel(context.Background())
	w := &argvWatch{cancel: cancel, done: make(chan struct{}), seen: map[string]map[string]bool{}}
	for _, text := range texts {
		w.seen[text] = map[string]bool{}
	}
	go func() {
		defer close(w.done)
		for ctx.Err() == nil {
			for text, procs := range processesWithAny(texts...) {
				for _, p := range procs {
					w.seen[text][p] = true
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	return w
}

// stop ends the polling and returns the processes seen holding text in
// their argument vector, sorted.
func (w *argvWatch) stop() func(text string) []string {
	w.cancel()
	<-w.done
	return func(text string) []string { return slices.Sorted(maps.Keys(w.seen[text])) }
}
