package sshtransport

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// shHost returns a Host logging in as a new user whose login shell is
// /bin/sh, which runs the wrapper itself (root's login shell, bash, hands
// it to /bin/sh, and the conformance suite covers that).
func shHost(t *testing.T) transport.Host {
	srv := sshdtest.Start(t, sshdtest.Options{})
	cfg := testConfig(srv)
	cfg.User = sshdtest.NewUser(t).Name
	return newHost(t, cfg)
}

func TestShLoginShellRunsCommandItself(t *testing.T) {
	h := shHost(t)
	ctx := context.Background()
	res := mustRunScript(t, h, `echo "$0 $#"; tr '\0' ' ' < /proc/$$/cmdline; echo; echo err >&2`)
	out := strings.Split(string(res.Stdout), "\n")
	if out[0] != "sh 0" || !strings.HasPrefix(out[1], "sh -c printf ") || string(res.Stderr) != "err\n" {
		t.Fatalf("stdout %q stderr %q; want the script run by the login shell itself, with no parameters", res.Stdout, res.Stderr)
	}

	words := []string{"a b", "it's", "$HOME", "`id`", "", "*", "new\nline", "-n"}
	res, err := h.Run(ctx, transport.Command{Args: append([]string{"printf", `%s\n`}, words...)})
	if err != nil || string(res.Stdout) != strings.Join(words, "\n")+"\n" {
		t.Fatalf("args: %v, stdout %q", err, res.Stdout)
	}

	res, err = h.Run(ctx, transport.Command{
		Script: `cat; printf '|%s|' "$RB_A"; pwd; exit 3`,
		Stdin:  strings.NewReader("in"),
		Env:    map[string]string{"RB_A": "x y'z\nw"},
		Dir:    "/usr",
	})
	if err != nil || res.ExitCode != 3 || string(res.Stdout) != "in|x y'z\nw|/usr\n" {
		t.Fatalf("stdin, env, dir: %v, exit %d, stdout %q, stderr %q", err, res.ExitCode, res.Stdout, res.Stderr)
	}

	res, err = h.Run(ctx, transport.Command{Script: "kill -TERM $$"})
	if err != nil || res.Signal != "TERM" {
		t.Fatalf("signal: %v, %+v", err, res)
	}
}

func TestShLoginShellCancelEndsProcesses(t *testing.T) {
	h := shHost(t)
	m := marker()
	killMarked(t, m)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := h.Run(ctx, transport.Command{
		Script: "sleep " + m + " & (trap '' TERM; sleep " + m + ") & echo started; wait",
		OnLine: onStarted(cancel),
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	for deadline := time.Now().Add(20 * time.Second); sleeping(m) > 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d processes left running after the command was cancelled", sleeping(m))
		}
	}
}

// sleeping counts the live processes running sleep for marker seconds.
func sleeping(marker string) int {
	n := 0
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range dirs {
		cmdline, err := os.ReadFile(filepath.Join(dir, "cmdline"))
		if err != nil || string(cmdline) != "sleep\x00"+marker+"\x00" {
			continue
		}
		if stat, err := os.ReadFile(filepath.Join(dir, "stat")); err == nil && !strings.Contains(string(stat), ") Z ") {
			n++
		}
	}
	return n
}
