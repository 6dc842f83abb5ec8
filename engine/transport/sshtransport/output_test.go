package sshtransport

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/journal"
	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/internal/sshdtest"
	_ "github.com/runbookhq/runbook/modules"
)

// outputPlaybook returns a playbook of one command task, "big", that runs
// cmd on srv as root; extra holds more lines of the task's body.
func outputPlaybook(t testing.TB, srv *sshdtest.Server, cmd string, extra ...string) *engine.Playbook {
	t.Helper()
	src := fmt.Sprintf("host \"h\" {\n  address = %q\n  port    = %d\n}\ntask \"command\" \"big\" {\n  on  = host.h\n  cmd = %q\n%s\n}\n",
		srv.Host, srv.Port, cmd, strings.Join(extra, "\n"))
	p, diags := engine.LoadFS(fstest.MapFS{"main.hcl": {Data: []byte(src)}}, ".", engine.LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return p
}

// outputRunOptions returns the options of a run of a playbook from
// outputPlaybook, recorded in a journal in dir and with sub subscribed.
func outputRunOptions(t testing.TB, srv *sshdtest.Server, p *engine.Playbook, dir string, sub engine.Subscriber) engine.RunOptions {
	t.Helper()
	j, err := journal.Open(dir, p.JournalKey())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return engine.RunOptions{
		Journal:     j,
		Subscribers: []engine.Subscriber{sub},
		Connect: func(h engine.HostConfig) (transport.Host, error) {
			cfg := testConfig(srv)
			cfg.Name = h.Name
			return New(cfg)
		},
	}
}

// TestLargeOutputIsBounded runs, on real sshd, a command that prints
// 20 MB in numbered lines. Every line reaches the subscriber once and in
// order, while the task's stdout output keeps only the last
// transport.DefaultMaxOutput bytes and says it was truncated, and the
// journal stays small.
func TestLargeOutputIsBounded(t *testing.T) {
	const lines = 400000 // of 51 bytes each
	srv := sshdtest.Start(t, sshdtest.Options{})
	p := outputPlaybook(t, srv, fmt.Sprintf("seq -f '%%08g %041d' 1 %d; echo done >&2", 0, lines))
	var mu sync.Mutex
	seen, outOfOrder := 0, ""
	sub := engine.SubscriberFunc(func(e engine.Event) {
		if e.Kind != engine.EventOutput || e.Stream != "stdout" {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		n, _ := strconv.Atoi(strings.Fields(e.Line)[0])
		if n != seen+1 && outOfOrder == "" {
			outOfOrder = fmt.Sprintf("line %q after line %d", e.Line, seen)
		}
		seen = n
	})
	dir := t.TempDir()
	opts := outputRunOptions(t, srv, p, dir, sub)
	rep, err := engine.Run(context.Background(), p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if seen != lines || outOfOrder != "" {
		t.Errorf("the subscriber saw up to line %d of %d; %s", seen, lines, outOfOrder)
	}
	out := rep.Instances[0].Outputs
	stdout, _ := out["stdout"].(string)
	if len(stdout) > transport.DefaultMaxOutput || out["stdout_truncated"] != true {
		t.Errorf("stdout output of %d bytes (truncated: %v), want at most %d and truncated", len(stdout), out["stdout_truncated"], transport.DefaultMaxOutput)
	}
	if last := fmt.Sprintf("%08d %041d", lines, 0); !strings.HasSuffix(stdout, last) || !strings.HasPrefix(stdout, fmt.Sprintf("%08d ", lines-(len(stdout)+1)/51+1)) {
		t.Errorf("stdout output is not the last whole lines: it starts %.20q and ends %q", stdout, stdout[max(0, len(stdout)-20):])
	}
	if out["stderr"] != "done" || out["stderr_truncated"] != false {
		t.Errorf("stderr output %q (truncated: %v), want \"done\", not truncated", out["stderr"], out["stderr_truncated"])
	}
	info, err := os.Stat(opts.Journal.Path())
	if err != nil {
		t.Fatal(err)
	}
	if info.Size() > 2*transport.DefaultMaxOutput {
		t.Errorf("the journal holds %d bytes", info.Size())
	}
}

// TestOutputLimitOption checks that RunOptions.OutputLimit, and a task's
// output_limit before it, set how much of each stream a task's outputs
// keep.
func TestOutputLimitOption(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	const cmd = "seq 1 100000 >&2; echo out"
	for _, tc := range []struct {
		extra []string
		limit int
	}{
		{limit: 1000},
		{extra: []string{"  output_limit = 10 * 10"}, limit: 100},
	} {
		p := outputPlaybook(t, srv, cmd, tc.extra...)
		opts := outputRunOptions(t, srv, p, t.TempDir(), engine.SubscriberFunc(func(engine.Event) {}))
		opts.OutputLimit = 1000
		rep, err := engine.Run(context.Background(), p, opts)
		if err != nil {
			t.Fatal(err)
		}
		out := rep.Instances[0].Outputs
		stderr, _ := out["stderr"].(string)
		if len(stderr) > tc.limit || len(stderr) < tc.limit-7 || !strings.HasSuffix(stderr, "\n99999\n100000") || out["stderr_truncated"] != true {
			t.Errorf("limit %d: stderr output of %d bytes ending %q (truncated: %v)", tc.limit, len(stderr), stderr[max(0, len(stderr)-20):], out["stderr_truncated"])
		}
		if out["stdout"] != "out" || out["stdout_truncated"] != false {
			t.Errorf("limit %d: stdout output %q (truncated: %v)", tc.limit, out["stdout"], out["stdout_truncated"])
		}
	}
}

// BenchmarkLargeOutput runs one command that prints 100 MB, in lines of
// 100 bytes, through the engine and this transport, with a journal and
// with every event encoded as JSON, as `runbook run --output json` does.
// It reports the peak resident set of the process during the run
// (peak-RSS-MB, from VmHWM after resetting it) and the bytes allocated
// per run (alloc-MB).
func BenchmarkLargeOutput(b *testing.B) {
	const size = 100 << 20
	srv := sshdtest.Start(b, sshdtest.Options{})
	p := outputPlaybook(b, srv, fmt.Sprintf("yes %099d | head -c %d", 0, size))
	events := engine.SubscriberFunc(func(e engine.Event) {
		line, _ := json.Marshal(e)
		_, _ = io.Discard.Write(line)
	})
	opts := outputRunOptions(b, srv, p, b.TempDir(), events)
	var peak uint64
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		resetPeakRSS(b)
		if _, err := engine.Run(context.Background(), p, opts); err != nil {
			b.Fatal(err)
		}
		peak = max(peak, peakRSS(b))
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MB")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/(1<<20), "alloc-MB")
}

// resetPeakRSS sets the process's peak resident set to its current one.
func resetPeakRSS(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Skipf("cannot reset the peak resident set: %v", err)
	}
}

// peakRSS returns the process's peak resident set in bytes (VmHWM).
func peakRSS(b *testing.B) uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb << 10
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}
