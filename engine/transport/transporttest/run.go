package transporttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
)

// mustRun runs c and fails the test when it cannot be run.
func mustRun(t *testing.T, h transport.Host, c transport.Command) transport.Result {
	t.Helper()
	res, err := h.Run(context.Background(), c)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return res
}

// wantOutput fails the test unless res exited 0 with the given output.
func wantOutput(t *testing.T, res transport.Result, stdout, stderr string) {
	t.Helper()
	if !res.OK() || string(res.Stdout) != stdout || string(res.Stderr) != stderr {
		t.Fatalf("got exit %d signal %q stdout %q stderr %q; want exit 0 stdout %q stderr %q",
			res.ExitCode, res.Signal, res.Stdout, res.Stderr, stdout, stderr)
	}
}

func testArgsQuoted(t *testing.T, h transport.Host) {
	words := []string{"a b", "it's", `"q"`, "$HOME", "`id`", "$(id)", `\`, "", "*", "new\nline", "-n", "a=b", "~", ";", "|&<>"}
	res := mustRun(t, h, transport.Command{Args: append([]string{"printf", `%s\n`}, words...)})
	wantOutput(t, res, strings.Join(words, "\n")+"\n", "")
}

func testScript(t *testing.T, h transport.Host) {
	res := mustRun(t, h, transport.Command{Script: "echo $((1+2)); echo err >&2"})
	wantOutput(t, res, "3\n", "err\n")
}

func testStdinEnvDir(t *testing.T, h transport.Host) {
	dir := t.TempDir()
	res := mustRun(t, h, transport.Command{
		Script: `cat; printf '%s|%s|' "$RB_A" "$RB_B"; pwd`,
		Stdin:  strings.NewReader("hello\nworld"),
		Env:    map[string]string{"RB_A": "x y'z $HOME", "RB_B": "line1\nline2\n"},
		Dir:    dir,
	})
	wantOutput(t, res, "hello\nworldx y'z $HOME|line1\nline2\n|"+dir+"\n", "")
}

func testStreaming(t *testing.T, h transport.Host) {
	var mu sync.Mutex
	got := map[transport.Stream][]string{}
	res := mustRun(t, h, transport.Command{
		Script: `printf 'a\nb\r\n'; printf 'e1\n' >&2; printf 'e2' >&2; printf c`,
		OnLine: func(s transport.Stream, line string) {
			mu.Lock()
			defer mu.Unlock()
			got[s] = append(got[s], line)
		},
	})
	wantOutput(t, res, "a\nb\r\nc", "e1\ne2")
	want := map[transport.Stream][]string{transport.Stdout: {"a", "b", "c"}, transport.Stderr: {"e1", "e2"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("lines %q, want %q", got, want)
	}
}

// testLargeOutput checks that every line reaches OnLine and that the
// Result keeps all of each stream when asked to, or else its last whole
// lines, up to Command.KeptOutput bytes (a tail of a stream without
// lines).
func testLargeOutput(t *testing.T, h transport.Host) {
	const size, errSize = 4 << 20, 1000000
	input := bytes.Repeat([]byte("0123456789abcde\n"), size/16)
	for _, tc := range []struct {
		limit, out, err int
	}{
		{limit: -1, out: size, err: errSize},
		{limit: 0, out: transport.DefaultMaxOutput, err: errSize},
		{limit: 1000, out: 1000 / 16 * 16, err: 1000},
	} {
		lines := 0
		res := mustRun(t, h, transport.Command{
			Script: "cat; head -c 1000000 /dev/zero >&2",
			Stdin:  bytes.NewReader(input),
			OnLine: func(s transport.Stream, _ string) {
				if s == transport.Stdout {
					lines++
				}
			},
			MaxOutput: tc.limit,
		})
		if !bytes.Equal(res.Stdout, input[size-tc.out:]) || len(res.Stderr) != tc.err || lines != size/16 ||
			res.StdoutTruncated != (tc.out < size) || res.StderrTruncated != (tc.err < errSize) {
			t.Fatalf("MaxOutput %d: got %d bytes out (truncated %v) in %d lines, %d bytes err (truncated %v); want %d in %d, %d",
				tc.limit, len(res.Stdout), res.StdoutTruncated, lines, len(res.Stderr), res.StderrTruncated, tc.out, size/16, tc.err)
		}
	}
}

func testExitCode(t *testing.T, h transport.Host) {
	res := mustRun(t, h, transport.Command{Script: "echo out; exit 7"})
	if res.ExitCode != 7 || res.Signal != "" || res.OK() || string(res.Stdout) != "out\n" {
		t.Fatalf("got %+v, want exit 7 with output", res)
	}
	res = mustRun(t, h, transport.Command{Args: []string{"false"}})
	if res.ExitCode != 1 {
		t.Fatalf("false exited %d", res.ExitCode)
	}
}

func testSignal(t *testing.T, h transport.Host) {
	res := mustRun(t, h, transport.Command{Script: "kill -TERM $$"})
	if res.ExitCode != -1 || res.Signal != "TERM" || res.OK() {
		t.Fatalf("got exit %d signal %q, want -1 TERM", res.ExitCode, res.Signal)
	}
}

func testSudoRoot(t *testing.T, h transport.Host) {
	res := mustRun(t, h, transport.Command{
		Script: `id -u; printf '%s\n' "$RB_V"; cat`,
		Env:    map[string]string{"RB_V": "v'1"},
		Stdin:  strings.NewReader("in\n"),
		Sudo:   &transport.Sudo{},
	})
	wantOutput(t, res, "0\nv'1\nin\n", "")
}

func testSudoOtherUser(t *testing.T, h transport.Host) {
	res := mustRun(t, h, transport.Command{
		Args:  []string{"sh", "-c", `id -un; pwd; printf '%s\n' "$RB_V"; cat`},
		Env:   map[string]string{"RB_V": "x"},
		Dir:   "/",
		Stdin: strings.NewReader("in"),
		Sudo:  &transport.Sudo{User: "nobody"},
	})
	wantOutput(t, res, "nobody\n/\nx\nin", "")
	res = mustRun(t, h, transport.Command{Script: "exit 4", Sudo: &transport.Sudo{User: "nobody"}})
	if res.ExitCode != 4 {
		t.Fatalf("exit status through sudo %d, want 4", res.ExitCode)
	}
}

func testConcurrent(t *testing.T, h transport.Host) {
	const n = 30
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			res, err := h.Run(context.Background(), transport.Command{Script: fmt.Sprintf("sleep 0.2; echo %d", i)})
			switch {
			case err != nil:
				errs[i] = err
			case string(res.Stdout) != fmt.Sprintf("%d\n", i):
				errs[i] = fmt.Errorf("command %d wrote %q", i, res.Stdout)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

func testClose(t *testing.T, h transport.Host) {
	mustRun(t, h, transport.Command{Args: []string{"true"}})
	if err := h.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if _, err := h.Run(context.Background(), transport.Command{Args: []string{"true"}}); !errors.Is(err, transport.ErrClosed) {
		t.Fatalf("run after close: %v, want ErrClosed", err)
	}
}
