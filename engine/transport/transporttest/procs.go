package transporttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/runbookhq/runbook/engine/transport"
)

// settle is how long the suite waits for ended processes to leave the
// process table; it bounds a wait, not an expectation of speed.
const settle = 20 * time.Second

func testCancel(t *testing.T, h transport.Host) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runUntilEnded(t, h, ctx, cancel, nil, context.Canceled)
}

func testCancelSudo(t *testing.T, h transport.Host) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runUntilEnded(t, h, ctx, cancel, &transport.Sudo{User: "nobody"}, context.Canceled)
}

func testTimeout(t *testing.T, h transport.Host) {
	ctx, expire := expiring()
	defer expire()
	runUntilEnded(t, h, ctx, expire, nil, context.DeadlineExceeded)
}

// expiringContext is a context whose deadline passes when its expire
// function is called (see expiring).
type expiringContext struct{ context.Context }

// Err reports context.DeadlineExceeded once the context is done.
func (c expiringContext) Err() error {
	if c.Context.Err() != nil {
		return context.DeadlineExceeded
	}
	return nil
}

// expiring returns a context that ends as a timeout does, with
// context.DeadlineExceeded, when expire is called: a timeout that
// passes once the command runs, however long the machine takes to get it
// there, rather than after a fixed time that a loaded machine may spend
// before the command starts.
func expiring() (ctx context.Context, expire func()) {
	inner, cancel := context.WithCancel(context.Background())
	return expiringContext{inner}, cancel
}

// runUntilEnded starts a process tree, one part of which ignores SIGTERM,
// ends it through ctx (calling cancel once both its sleeps run, when
// cancel is set), and checks that Run reports want, that the tree did run
// before it was ended, and that none of it survives.
func runUntilEnded(t *testing.T, h transport.Host, ctx context.Context, cancel func(), sudo *transport.Sudo, want error) {
	marker := fmt.Sprint(900000 + rand.IntN(90000000))
	script := fmt.Sprintf("sleep %s & (trap '' TERM; sleep %s) & echo started; wait", marker, marker)
	var ran atomic.Bool
	_, err := h.Run(ctx, transport.Command{
		Script: script,
		Sudo:   sudo,
		OnLine: func(_ transport.Stream, line string) {
			if line != "started" {
				return
			}
			ran.Store(waitSleeping(marker, 2))
			if cancel != nil {
				cancel()
			}
		},
	})
	if !errors.Is(err, want) {
		t.Fatalf("run: %v, want an error wrapping %v", err, want)
	}
	if !ran.Load() {
		t.Fatalf("the command was ended before its two sleeps ran, so nothing shows that ending it ends them")
	}
	if left := waitGone(marker); len(left) > 0 {
		t.Fatalf("processes left running after the command was ended: %s", strings.Join(left, "; "))
	}
}

// waitGone waits, up to settle, until no live process has marker as a
// word of its command line, and returns those that are still there.
func waitGone(marker string) []string {
	deadline := time.Now().Add(settle)
	for {
		left := liveProcesses(marker)
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitSleeping waits, up to a second, until n processes run "sleep
// marker", and reports whether they did.
func waitSleeping(marker string, n int) bool {
	want := []byte("sleep\x00" + marker + "\x00")
	for deadline := time.Now().Add(time.Second); ; time.Sleep(10 * time.Millisecond) {
		dirs, _ := filepath.Glob("/proc/[0-9]*")
		found := 0
		for _, dir := range dirs {
			if cmdline, err := os.ReadFile(filepath.Join(dir, "cmdline")); err == nil && bytes.Equal(cmdline, want) {
				found++
			}
		}
		if found >= n || time.Now().After(deadline) {
			return found >= n
		}
	}
}

// liveProcesses lists the processes, zombies aside, whose command line has
// marker as one of its words.
func liveProcesses(marker string) []string {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var found []string
	for _, dir := range dirs {
		cmdline, err := os.ReadFile(filepath.Join(dir, "cmdline"))
		if err != nil || !containsWord(cmdline, marker) {
			continue
		}
		stat, err := os.ReadFile(filepath.Join(dir, "stat"))
		if err != nil {
			continue
		}
		if i := bytes.LastIndexByte(stat, ')'); i > 0 && len(stat) > i+2 && stat[i+2] == 'Z' {
			continue
		}
		found = append(found, fmt.Sprintf("%s: %s", filepath.Base(dir), bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '})))
	}
	return found
}

// containsWord reports whether marker is one of the words of cmdline,
// split at NULs and spaces.
func containsWord(cmdline []byte, marker string) bool {
	for _, w := range strings.FieldsFunc(string(cmdline), func(r rune) bool { return r == 0 || r == ' ' }) {
		if w == marker {
			return true
		}
	}
	return false
}
