package modules_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/runbookhq/runbook/modules"
)

func waitFor(t *testing.T) *modules.WaitFor { return newModule[*modules.WaitFor](t, "wait_for") }

// freePort returns a loopback port that nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// listen listens on a loopback port until the test ends.
func listen(t *testing.T, port int) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// onFirstWait returns a progress function that calls act once, when
// wait_for first reports that it is still waiting: the moment between its
// first failed check and the next one.
func onFirstWait(act func()) func(string) {
	var once sync.Once
	return func(string) { once.Do(act) }
}

// waitHosts are the host names wait_for is tested under: on "local" it
// dials ports itself, under any other name it runs its probe command on
// the host.
var waitHosts = []string{"local", "probe"}

func TestWaitForPortThatOpensLater(t *testing.T) {
	for _, hostName := range waitHosts {
		t.Run(hostName, func(t *testing.T) {
			port := freePort(t)
			w := waitFor(t)
			w.Port = port
			w.Interval = "10ms"
			env := newEnv(t, hostName, onFirstWait(func() { listen(t, port) }))
			res, err := runIn(t, env, w)
			if err != nil {
				t.Fatal(err)
			}
			if out := res.Outputs.(modules.WaitForOutputs); out.Attempts != 2 || res.Changed {
				t.Errorf("changed = %v, outputs = %+v; want 2 attempts and no change", res.Changed, out)
			}
		})
	}
}

func TestWaitForPortToClose(t *testing.T) {
	for _, hostName := range waitHosts {
		t.Run(hostName, func(t *testing.T) {
			port := freePort(t)
			l := listen(t, port)
			w := waitFor(t)
			w.Port = port
			w.State = "stopped"
			w.Interval = "10ms"
			res, err := runIn(t, newEnv(t, hostName, onFirstWait(func() { l.Close() })), w)
			if err != nil {
				t.Fatal(err)
			}
			if out := res.Outputs.(modules.WaitForOutputs); out.Attempts != 2 {
				t.Errorf("attempts = %d, want 2", out.Attempts)
			}
		})
	}
}

func TestWaitForPortTimesOut(t *testing.T) {
	for _, hostName := range waitHosts {
		t.Run(hostName, func(t *testing.T) {
			port := freePort(t)
			w := waitFor(t)
			w.Port = port
			w.Within = "200ms"
			w.Interval = "50ms"
			var reports []string
			env := newEnv(t, hostName, func(msg string) { reports = append(reports, msg) })
			res, err := runIn(t, env, w)
			want := "port 127.0.0.1:" + strconv.Itoa(port) + " not reachable from " + hostName + " after 200ms"
			if err == nil || err.Error() != want {
				t.Fatalf("err = %v, want %q", err, want)
			}
			if out := res.Outputs.(modules.WaitForOutputs); out.Attempts < 2 {
				t.Errorf("attempts = %d, want at least one check after the first", out.Attempts)
			}
			if len(reports) == 0 || !strings.Contains(reports[0], "waiting for port 127.0.0.1:"+strconv.Itoa(port)) {
				t.Errorf("progress = %q, want a report of the wait", reports)
			}
		})
	}
}

func TestWaitForPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ready")
	w := waitFor(t)
	w.Path = path
	w.Interval = "10ms"
	create := func() {
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Error(err)
		}
	}
	res, err := runIn(t, newEnv(t, "local", onFirstWait(create)), w)
	if err != nil {
		t.Fatal(err)
	}
	if out := res.Outputs.(modules.WaitForOutputs); out.Attempts != 2 {
		t.Errorf("attempts = %d, want 2", out.Attempts)
	}

	w.State = "stopped"
	remove := func() {
		if err := os.Remove(path); err != nil {
			t.Error(err)
		}
	}
	if _, err := runIn(t, newEnv(t, "local", onFirstWait(remove)), w); err != nil {
		t.Fatal(err)
	}

	w.State = "started"
	w.Within = "50ms"
	_, err = runIn(t, newEnv(t, "local", nil), w)
	if want := "path " + path + " does not exist on local after 50ms"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}

func TestWaitForCommand(t *testing.T) {
	flag := filepath.Join(t.TempDir(), "flag")
	w := waitFor(t)
	w.Command = "test -e '" + flag + "' || { echo not yet >&2; exit 7; }"
	w.Interval = "10ms"
	create := func() {
		if err := os.WriteFile(flag, nil, 0o644); err != nil {
			t.Error(err)
		}
	}
	if _, err := runIn(t, newEnv(t, "local", onFirstWait(create)), w); err != nil {
		t.Fatal(err)
	}

	w.Command = "echo not yet >&2; exit 7"
	w.Within = "50ms"
	_, err := runIn(t, newEnv(t, "local", nil), w)
	if err == nil || !strings.Contains(err.Error(), "did not succeed on local (last exit code 7: not yet) after 50ms") {
		t.Errorf("err = %v, want the last exit code and stderr", err)
	}
}

func TestWaitForStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := waitFor(t)
	w.Port = freePort(t)
	env := newEnv(t, "local", onFirstWait(cancel))
	_, err := w.Run(ctx, env)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestWaitForDescribe(t *testing.T) {
	w := waitFor(t)
	w.Host = "10.0.0.2"
	w.Port = 5432
	if got, want := w.Describe(), "wait up to 60s for port 10.0.0.2:5432 to accept connections"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
}
