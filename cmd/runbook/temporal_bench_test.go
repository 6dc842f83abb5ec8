package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runbookhq/runbook/internal/sshdtest"
	"github.com/runbookhq/runbook/internal/temporaltest"
)

// BenchmarkTemporalChained runs 50 hosts × 20 chained tasks (each task
// after the one before on its host) in one process and on Temporal, in
// one run, against one real sshd, and reports the wall time of each and
// the overhead per instance on Temporal, with the CPU time the server and
// the worker spent.
//
//	go test -run '^$' -bench BenchmarkTemporalChained -benchtime 1x ./cmd/runbook
//	RUNBOOK_BENCH_SIZE=10x5 go test -run '^$' -bench BenchmarkTemporalChained -benchtime 1x ./cmd/runbook
func BenchmarkTemporalChained(b *testing.B) {
	hosts, tasks := 50, 20
	if size := os.Getenv("RUNBOOK_BENCH_SIZE"); size != "" { // HOSTSxTASKS, for a smaller machine
		if _, err := fmt.Sscanf(size, "%dx%d", &hosts, &tasks); err != nil {
			b.Fatalf("RUNBOOK_BENCH_SIZE=%q: want HOSTSxTASKS, such as 10x5", size)
		}
	}
	server := temporaltest.Start(b)
	srv := sshdtest.Start(b, sshdtest.Options{})
	w := startWorker(b, server, srv, "runbook")
	me, err := user.Current()
	if err != nil {
		b.Fatal(err)
	}
	var pb strings.Builder
	for h := range hosts {
		fmt.Fprintf(&pb, "host \"h%02d\" {\n  address = %q\n  port = %d\n  user = %q\n}\n", h, srv.Host, srv.Port, me.Username)
	}
	for i := range tasks {
		fmt.Fprintf(&pb, "task \"command\" \"t%02d\" {\n  on = %s\n  argv = [\"true\"]\n", i, allHosts(hosts))
		if i > 0 {
			fmt.Fprintf(&pb, "  depends_on = [task.t%02d]\n", i-1)
		}
		pb.WriteString("}\n")
	}
	playbook := filepath.Join(b.TempDir(), "bench.hcl")
	if err := os.WriteFile(playbook, []byte(pb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	// run runs the playbook and returns its wall time and the CPU time
	// of the runbook process.
	run := func(extra ...string) (wall, cpu time.Duration) {
		args := append([]string{"run", playbook, "--output", "json", "--identity", srv.ClientKey.File, "--known-hosts", srv.KnownHosts}, extra...)
		cmd := exec.Command(binary, args...)
		cmd.Env = temporalEnv()
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("runbook %s: %v\n%s", strings.Join(args, " "), err, lastLines(string(out), 20))
		}
		return time.Since(start), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	perInstance := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(hosts*tasks) }
	for range b.N {
		local, localCPU := run()
		serverCPU, workerCPU := cpuTime(b, server.PID()), cpuTime(b, w.cmd.Process.Pid)
		remote, cliCPU := run("--temporal", server.HostPort)
		serverCPU, workerCPU = cpuTime(b, server.PID())-serverCPU, cpuTime(b, w.cmd.Process.Pid)-workerCPU
		b.ReportMetric(local.Seconds(), "s/one-process")
		b.ReportMetric(remote.Seconds(), "s/temporal")
		b.ReportMetric(remote.Seconds()/local.Seconds(), "x")
		b.ReportMetric(perInstance(remote-local), "ms-overhead/instance")
		b.ReportMetric(perInstance(localCPU), "ms-cpu-one-process/instance")
		b.ReportMetric(perInstance(serverCPU), "ms-cpu-server/instance")
		b.ReportMetric(perInstance(workerCPU), "ms-cpu-worker/instance")
		b.ReportMetric(perInstance(cliCPU), "ms-cpu-cli/instance")
	}
}

// allHosts returns the list expression of hosts h00, h01, ...
func allHosts(n int) string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("host.h%02d", i)
	}
	return "[" + strings.Join(names, ", ") + "]"
}

// lastLines returns the last n lines of text.
func lastLines(text string, n int) string {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// cpuTime returns the user and system CPU time process pid has used.
func cpuTime(b *testing.B, pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
	utime, _ := strconv.Atoi(fields[11])
	stime, _ := strconv.Atoi(fields[12])
	return time.Duration(utime+stime) * time.Second / 100 // clock ticks at USER_HZ 100
}
