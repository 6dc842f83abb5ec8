package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/internal/netnstest"
	"github.com/runbookhq/runbook/internal/sim"
	"github.com/runbookhq/runbook/internal/sshdtest"
	"github.com/runbookhq/runbook/internal/temporaltest"
)

// temporalKey is the key the runs of these tests are encrypted with.
var temporalKey = hex.EncodeToString(bytes.Repeat([]byte{0x5a}, 32))

// temporalEnv is the environment of a runbook that talks to Temporal.
func temporalEnv() []string {
	return append(sshEnv(), "RUNBOOK_TEMPORAL_KEY="+temporalKey)
}

// worker is a runbook worker process.
type worker struct {
	cmd  *exec.Cmd
	log  *sshdtest.SyncBuffer
	done chan struct{}
}

// startWorker starts runbook worker for queue against srv's hosts, and
// stops it (by its PID) when the test ends.
func startWorker(t testing.TB, server *temporaltest.Server, srv *sshdtest.Server, queue string) *worker {
	t.Helper()
	return startWorkerWith(t, server, queue, "--identity", srv.ClientKey.File, "--known-hosts", srv.KnownHosts)
}

// startWorkerWith starts runbook worker for queue with the SSH flags ssh,
// and stops it (by its PID) when the test ends.
func startWorkerWith(t testing.TB, server *temporaltest.Server, queue string, ssh ...string) *worker {
	t.Helper()
	return startWorkerIn(t, "", server, queue, ssh...)
}

// startWorkerIn is startWorkerWith inside network namespace netns (see
// internal/netnstest), or where the test runs when it is empty.
func startWorkerIn(t testing.TB, netns string, server *temporaltest.Server, queue string, ssh ...string) *worker {
	t.Helper()
	w := &worker{log: &sshdtest.SyncBuffer{}, done: make(chan struct{})}
	args := append(append(append([]string{"worker"}, server.Flags()...), "--queue", queue), ssh...)
	w.cmd = exec.Command(binary, args...)
	if netns != "" {
		w.cmd = netnstest.Command(netns, binary, args...)
	}
	w.cmd.Env = temporalEnv()
	w.cmd.Stdout, w.cmd.Stderr = w.log, w.log
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = w.cmd.Wait()
		close(w.done)
	}()
	t.Cleanup(func() {
		w.kill(syscall.SIGTERM)
		if t.Failed() {
			t.Logf("worker log:\n%s", w.log.String())
		}
	})
	return w
}

// kill sends sig to the worker and waits for it to exit.
func (w *worker) kill(sig syscall.Signal) {
	_ = w.cmd.Process.Signal(sig)
	select {
	case <-w.done:
	case <-time.After(20 * time.Second):
		_ = w.cmd.Process.Kill()
		<-w.done
	}
}

// diamondArgs returns the arguments that run testdata/temporal/diamond.hcl
// against srv, counting its retries in dir, followed by extra.
func diamondArgs(t *testing.T, srv *sshdtest.Server, dir, token string, extra ...string) []string {
	t.Helper()
	args := append([]string{"run", "testdata/temporal/diamond.hcl", "-var", "token=" + token}, oneHostArgs(t, srv, dir)...)
	return append(args, extra...)
}

// endings returns, for each task_finished event, a line with the
// instance, its status, its outputs and its error.
func endings(t *testing.T, stdout string) []string {
	t.Helper()
	var lines []string
	for _, e := range parseEvents(t, stdout) {
		if e.Kind != engine.EventTaskFinished {
			continue
		}
		lines = append(lines, strings.Join([]string{e.Task + "@" + e.Host, string(e.Status), strconv.Itoa(e.Attempt),
			stringOf(e.Outputs["stdout"]), stringOf(e.Outputs["exit_code"]), e.Error}, " | "))
	}
	slices.Sort(lines)
	return lines
}

// stringOf formats an output value, numbers the same whether they went
// through JSON or not.
func stringOf(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// runIDLine finds the run's ID in what runbook run printed on stderr.
var runIDLine = regexp.MustCompile(`run (runbook-[0-9a-f]+) on Temporal`)

func TestTemporalRunMatchesOneProcess(t *testing.T) {
	server := temporaltest.Shared(t)
	srv := sshdtest.Start(t, sshdtest.Options{})
	startWorker(t, server, srv, "runbook")
	args := func(dir string, extra ...string) []string {
		return diamondArgs(t, srv, dir, "tok-3e1f9a77c2", extra...)
	}
	results, want := bothWays(t, server, args, exitTaskFailed)
	if len(want) != 10 {
		t.Errorf("%d instances ended, want 10:\n%s", len(want), strings.Join(want, "\n"))
	}
	for _, r := range results {
		if strings.Contains(r.stdout+r.stderr, "tok-3e1f9a77c2") {
			t.Errorf("the secret shows in the output:\n%s\n%s", r.stdout, r.stderr)
		}
	}
}

func TestTemporalIntegrationPlaybookMatchesOneProcess(t *testing.T) {
	server := temporaltest.Shared(t)
	srv := sshdtest.Start(t, sshdtest.Options{})
	startWorker(t, server, srv, "runbook")
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	args := func(dir string, extra ...string) []string {
		return append([]string{"run", "testdata/temporal/integration.hcl",
			"-var", "address=" + srv.Host, "-var", "port=" + strconv.Itoa(srv.Port), "-var", "user=" + me.Username, "-var", "dir=" + dir,
			"--identity", srv.ClientKey.File, "--known-hosts", srv.KnownHosts, "--per-host", "4"}, extra...)
	}
	_, endings := bothWays(t, server, args, exitOK)
	for _, want := range []string{
		"summary@local | changed | 1 | rel-v1-L+rel-v1-R | default | s-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16-17-18-19 | prep web1 front after prep db primary | prep web2 front after prep db primary | 0 | ",
		"migrate@db | changed | 3 | 3 | 0 | ",
		"warm@cache | changed | 3 | 3 | 0 | ",
		"gather@web2 | changed | 1 | web2 sees 3 and 3 | 0 | ",
		"meet_a@local | changed | 1 | met | 0 | ",
		"meet_b@db | changed | 1 | met | 0 | ",
		"skipped@local | skipped | 0 |  |  | ",
	} {
		if !slices.Contains(endings, want) {
			t.Errorf("no instance ended %q", want)
		}
	}
	if len(endings) != 39 {
		t.Errorf("%d instances ended, want 39", len(endings))
	}

	// Under a limit, the instances of the other hosts are left out and
	// those that need them are skipped, saying why.
	limited := func(dir string, extra ...string) []string {
		return args(dir, append([]string{"--limit", "web"}, extra...)...)
	}
	_, endings = bothWays(t, server, limited, exitOK)
	for _, want := range []string{
		"step19@web1 | changed | 1 | s-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16-17-18-19 | 0 | ",
		"configure@web2 | skipped | 0 |  |  | task configure on host web2: not run: it needs task prepare on host db, which the limit leaves out",
	} {
		if !slices.Contains(endings, want) {
			t.Errorf("under --limit web no instance ended %q:\n%s", want, strings.Join(endings, "\n"))
		}
	}
	if len(endings) != 26 {
		t.Errorf("under --limit web %d instances ended, want 26:\n%s", len(endings), strings.Join(endings, "\n"))
	}
}

// bothWays runs the playbook of args (given a directory of its own and
// extra flags) in one process and on Temporal, with JSON and with text
// output, and checks that each run exits with code, that the instances
// end the same way (status, attempts, outputs, error) and that the
// recaps match. It returns the four results and the endings.
func bothWays(t *testing.T, server *temporaltest.Server, args func(dir string, extra ...string) []string, code int) ([]result, []string) {
	t.Helper()
	local := runbookEnv(t, temporalEnv(), args(t.TempDir(), "--output", "json")...)
	local.wantCode(t, code)
	remote := runbookEnv(t, temporalEnv(), args(t.TempDir(), "--output", "json", "--temporal", server.HostPort, "--namespace", server.Namespace)...)
	remote.wantCode(t, code)
	want, got := endings(t, local.stdout), endings(t, remote.stdout)
	if !slices.Equal(got, want) {
		t.Errorf("on Temporal the instances ended\n%s\nin one process\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	checkEventOrder(t, parseEvents(t, remote.stdout))

	textLocal := runbookEnv(t, temporalEnv(), args(t.TempDir())...)
	textRemote := runbookEnv(t, temporalEnv(), args(t.TempDir(), "--temporal", server.HostPort, "--namespace", server.Namespace)...)
	if a, b := recapOf(textLocal.stdout), recapOf(textRemote.stdout); a != b || a == "" {
		t.Errorf("recap on Temporal:\n%s\nin one process:\n%s", b, a)
	}
	return []result{local, remote, textLocal, textRemote}, want
}

// recapOf returns the recap at the end of a run's text output, its
// durations normalised.
func recapOf(stdout string) string {
	i := strings.LastIndex(stdout, "\nRecap")
	if i < 0 {
		i = strings.Index(stdout, "Recap")
		if i < 0 {
			return ""
		}
	}
	return normalise(stdout[i:])
}

func TestTemporalAttachAfterTheCLIDied(t *testing.T) {
	server := temporaltest.Shared(t)
	srv := sshdtest.Start(t, sshdtest.Options{})
	startWorker(t, server, srv, "runbook")
	dir := t.TempDir()
	playbook := filepath.Join(t.TempDir(), "slow.hcl")
	writeFile(t, playbook, oneHostHeader+`
task "command" "first" {
  on  = [host.h]
  cmd = "touch ${var.dir}/started; i=0; while [ ! -e ${var.dir}/release ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; echo first"
}
task "command" "second" {
  on   = [host.h]
  argv = ["echo", "after-${task.first.stdout}"]
}
`)
	cmd := exec.Command(binary, append([]string{"run", playbook, "--temporal", server.HostPort, "--namespace", server.Namespace, "--output", "json"},
		oneHostArgs(t, srv, dir)...)...)
	cmd.Env = temporalEnv()
	stderr := &sshdtest.SyncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first step to start", func() bool { _, err := os.Stat(filepath.Join(dir, "started")); return err == nil })
	_ = cmd.Process.Kill() // the CLI dies mid-run; the run goes on
	_ = cmd.Wait()
	m := runIDLine.FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("runbook run named no run ID:\n%s", stderr.String())
	}
	// One run of a playbook and inventory at a time.
	again := runbookEnv(t, temporalEnv(), append(slices.Clone(cmd.Args[1:]), "--detach")...)
	again.wantCode(t, exitUsage)
	if want := "a run of this playbook and inventory is running on Temporal: runbook attach " + m[1]; !strings.Contains(again.stderr, want) {
		t.Errorf("a second run while the first runs: stderr\n%s\nwant %q", again.stderr, want)
	}
	writeFile(t, filepath.Join(dir, "release"), "")
	want := []string{"first@h | changed | 1 | first | 0 | ", "second@h | changed | 1 | after-first | 0 | "}
	for _, args := range [][]string{
		{"attach", "--temporal", server.HostPort, "--namespace", server.Namespace, "--output", "json", m[1]},
		append(slices.Clone(cmd.Args[1:]), "--resume"),
	} {
		r := runbookEnv(t, temporalEnv(), args...)
		r.wantCode(t, exitOK)
		if got := endings(t, r.stdout); !slices.Equal(got, want) {
			t.Errorf("runbook %s showed\n%s\nwant\n%s", args[0], strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// waitFor polls cond until it holds, failing the test after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// writeFile writes text to path.
func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// oneHostHeader declares host h of a playbook from the variables address,
// port and user, and the variable dir; oneHostArgs sets them.
const oneHostHeader = `
variable "address" { type = string }
variable "port" { type = number }
variable "user" { type = string }
variable "dir" { type = string }
host "h" {
  address = var.address
  port    = var.port
  user    = var.user
}
`

// oneHostArgs returns the flags that set the variables of oneHostHeader
// for srv and dir, and the key and known host of srv.
func oneHostArgs(t *testing.T, srv *sshdtest.Server, dir string) []string {
	t.Helper()
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return []string{"-var", "address=" + srv.Host, "-var", "port=" + strconv.Itoa(srv.Port), "-var", "user=" + me.Username,
		"-var", "dir=" + dir, "--identity", srv.ClientKey.File, "--known-hosts", srv.KnownHosts}
}

// cutOffPlaybook is a step that runs for a while on one host, safe to
// repeat when guard names a path (creates), and one that needs it.
const cutOffPlaybook = oneHostHeader + `
variable "guard" { type = string }
task "command" "long" {
  on      = [host.h]
  cmd     = "touch ${var.dir}/started.$$; sleep 4; echo done"
  creates = var.guard
}
task "command" "after" {
  on   = [host.h]
  argv = ["echo", "after-${task.long.stdout}"]
}
`

// detachedPlaybook is a step that runs a detached job for a while on one
// host, and one that needs it.
const detachedPlaybook = oneHostHeader + `
task "command" "long" {
  on     = [host.h]
  cmd    = "touch ${var.dir}/started.$$; sleep 4; echo done"
  detach = true
  poll   = "200ms"
}
task "command" "after" {
  on   = [host.h]
  argv = ["echo", "after-${task.long.stdout}"]
}
`

// startCutOff starts the run of playbook (cutOffPlaybook or
// detachedPlaybook) detached, with its guard variable set to guard when
// not empty, waits until its long step has started on the only worker,
// and SIGKILLs that worker; a second worker starts. It returns the run's
// ID and the directory where each start of the long step leaves a file.
func startCutOff(t *testing.T, playbook string, guard bool) (server *temporaltest.Server, id, dir string) {
	server = temporaltest.Shared(t)
	srv := sshdtest.Start(t, sshdtest.Options{})
	first := startWorker(t, server, srv, "runbook")
	dir = t.TempDir()
	file := filepath.Join(t.TempDir(), "cut.hcl")
	writeFile(t, file, playbook)
	args := append([]string{"run", file, "--temporal", server.HostPort, "--namespace", server.Namespace, "--detach"}, oneHostArgs(t, srv, dir)...)
	if strings.Contains(playbook, `variable "guard"`) {
		value := ""
		if guard {
			value = filepath.Join(dir, "never-made")
		}
		args = append(args, "-var", "guard="+value)
	}
	r := runbookEnv(t, temporalEnv(), args...)
	r.wantCode(t, exitOK)
	id = strings.TrimSpace(r.stdout)
	waitFor(t, "the long step to start", func() bool { return len(starts(t, dir)) == 1 })
	first.kill(syscall.SIGKILL)
	startWorker(t, server, srv, "runbook")
	return server, id, dir
}

// starts lists the files the long step left, one per start.
func starts(t *testing.T, dir string) []string {
	t.Helper()
	list, err := filepath.Glob(filepath.Join(dir, "started.*"))
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestTemporalWorkerKilledRepeatableStepRunsElsewhere(t *testing.T) {
	server, id, dir := startCutOff(t, cutOffPlaybook, true)
	r := runbookEnv(t, temporalEnv(), "attach", "--temporal", server.HostPort, "--namespace", server.Namespace, "--output", "json", id)
	r.wantCode(t, exitOK)
	want := []string{"after@h | changed | 1 | after-done | 0 | ", "long@h | changed | 1 | done | 0 | "}
	if got := endings(t, r.stdout); !slices.Equal(got, want) {
		t.Errorf("attach showed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := len(starts(t, dir)); n != 2 {
		t.Errorf("the long step started %d times, want 2: once on each worker", n)
	}
}

func TestTemporalWorkerKilledDetachedJobIsReattached(t *testing.T) {
	server, id, dir := startCutOff(t, detachedPlaybook, false)
	r := runbookEnv(t, temporalEnv(), "attach", "--temporal", server.HostPort, "--namespace", server.Namespace, "--output", "json", id)
	r.wantCode(t, exitOK)
	want := []string{"after@h | changed | 1 | after-done | 0 | ", "long@h | changed | 1 | done | 0 | "}
	if got := endings(t, r.stdout); !slices.Equal(got, want) {
		t.Errorf("attach showed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := len(starts(t, dir)); n != 1 {
		t.Errorf("the job started %d times, want 1: the second worker re-attaches to it", n)
	}
	if !strings.Contains(r.stdout, "re-attached to job") {
		t.Errorf("the second worker did not say it re-attached:\n%s", r.stdout)
	}
}

func TestTemporalWorkerKilledUnrepeatableStepHolds(t *testing.T) {
	server, id, dir := startCutOff(t, cutOffPlaybook, false)
	r := runbookEnv(t, temporalEnv(), "attach", "--temporal", server.HostPort, "--namespace", server.Namespace, id)
	r.wantCode(t, exitTaskFailed)
	if !strings.Contains(r.stderr, "runbook attach --force-rerun long@h "+id) {
		t.Errorf("attach does not say how to run the step again:\n%s", r.stderr)
	}
	if n := len(starts(t, dir)); n != 1 {
		t.Errorf("the long step started %d times, want 1", n)
	}
	r = runbookEnv(t, temporalEnv(), "attach", "--temporal", server.HostPort, "--namespace", server.Namespace, "--force-rerun", "long@h", "--output", "json", id)
	r.wantCode(t, exitOK)
	if n := len(starts(t, dir)); n != 2 {
		t.Errorf("the long step started %d times after --force-rerun, want 2", n)
	}
	var after []string
	for _, line := range endings(t, r.stdout) {
		if strings.HasPrefix(line, "after@h") {
			after = append(after, line)
		}
	}
	if want := []string{"after@h | changed | 1 | after-done | 0 | "}; !slices.Equal(after, want) {
		t.Errorf("after --force-rerun the step after it ended %v, want %v", after, want)
	}
}

func TestTemporalRefusesWhatItCannotRunYet(t *testing.T) {
	vars := []string{"-var", "address=127.0.0.1", "-var", "port=22", "-var", "user=u", "-var", "dir=/tmp", "-var", "token=x"}
	for _, tc := range []struct {
		env  []string
		args []string
		want string
	}{
		{temporalEnv(), []string{"--temporal", "127.0.0.1:1", "--tags", "a"}, "--tags/--skip-tags does not go with --temporal"},
		{temporalEnv(), []string{"--temporal", "127.0.0.1:1", "--check"}, "--check does not go with --temporal"},
		{temporalEnv(), []string{"--detach"}, "--detach goes with --temporal"},
		{sshEnv(), []string{"--temporal", "127.0.0.1:1"}, "no key to encrypt the run with: set RUNBOOK_TEMPORAL_KEY"},
		{append(sshEnv(), "RUNBOOK_TEMPORAL_KEY=abcd"), []string{"--temporal", "127.0.0.1:1"}, "RUNBOOK_TEMPORAL_KEY: the key holds 2 bytes, not 32"},
	} {
		args := append(append([]string{"run", "testdata/temporal/diamond.hcl"}, vars...), tc.args...)
		r := runbookEnv(t, tc.env, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("runbook %s: exit %d, stderr:\n%s\nwant exit %d and %q", strings.Join(tc.args, " "), r.code, r.stderr, exitUsage, tc.want)
		}
	}
}

// twoQueueInventory writes an inventory of host a, on srvA in queue
// queueA, and host b, on srvB in queueB, and returns its path.
func twoQueueInventory(t *testing.T, srvA *sshdtest.Server, queueA string, srvB *sshdtest.Server, queueB string) string {
	t.Helper()
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	inventory := filepath.Join(t.TempDir(), "hosts.hcl")
	writeFile(t, inventory, fmt.Sprintf(`
host "a" {
  address = %q
  port    = %d
  user    = %q
  vars    = { queue = %q }
}
host "b" {
  address = %q
  port    = %d
  user    = %q
  vars    = { queue = %q }
}
`, srvA.Host, srvA.Port, me.Username, queueA, srvB.Host, srvB.Port, me.Username, queueB))
	return inventory
}

func TestTemporalTwoQueuesEachReachOnlyTheirHosts(t *testing.T) {
	server := temporaltest.Shared(t)
	srvA, srvB := sshdtest.Start(t, sshdtest.Options{}), sshdtest.Start(t, sshdtest.Options{})
	// Each worker holds the key and known host of its own server only: an
	// instance of the other queue's host would fail on it.
	startWorker(t, server, srvA, "east")
	startWorker(t, server, srvB, "west")
	// The hosts come from an inventory file, which the run carries to
	// the workers.
	playbook, inventory := filepath.Join(t.TempDir(), "queues.hcl"), twoQueueInventory(t, srvA, "east", srvB, "west")
	writeFile(t, playbook, `
task "command" "top" {
  on   = [host.a]
  argv = ["echo", "east"]
}
task "command" "across" {
  on   = [host.b]
  argv = ["echo", "${task.top.on.a.stdout}-then-west"]
}
task "command" "back" {
  on   = [host.a]
  argv = ["echo", "${task.across.on.b.stdout}-then-east"]
}
`)
	r := runbookEnv(t, temporalEnv(), "run", playbook, "--inventory", inventory, "--temporal", server.HostPort, "--namespace", server.Namespace, "--output", "json")
	r.wantCode(t, exitOK)
	want := []string{"across@b | changed | 1 | east-then-west | 0 | ", "back@a | changed | 1 | east-then-west-then-east | 0 | ", "top@a | changed | 1 | east | 0 | "}
	if got := endings(t, r.stdout); !slices.Equal(got, want) {
		t.Errorf("the run ended\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestTemporalWarnsOfQueuesNoWorkerServes starts a run whose host b
// names a queue no worker serves (a misspelt vars.queue): the run would
// wait for it without an error, so runbook run says so, naming the queue
// and the host.
func TestTemporalWarnsOfQueuesNoWorkerServes(t *testing.T) {
	server := temporaltest.Shared(t)
	srvA, srvB := sshdtest.Start(t, sshdtest.Options{}), sshdtest.Start(t, sshdtest.Options{})
	startWorker(t, server, srvA, "east")
	playbook, inventory := filepath.Join(t.TempDir(), "queues.hcl"), twoQueueInventory(t, srvA, "east", srvB, "wset")
	writeFile(t, playbook, `
task "command" "both" {
  on   = [host.a, host.b]
  argv = ["true"]
}
`)
	r := runbookEnv(t, temporalEnv(), "run", playbook, "--inventory", inventory, "--temporal", server.HostPort, "--namespace", server.Namespace, "--detach")
	r.wantCode(t, exitOK)
	want := `runbook run: warning: no worker serves queue "wset", where the steps on b go (their vars.queue): they wait until one does (runbook worker --queue wset)`
	if !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, `queue "east"`) {
		t.Errorf("stderr\n%s\nstdout %s\nwant the warning %q and none for east", r.stderr, r.stdout, want)
	}
}

// TestTemporalAttachToEndedRunWarnsOfNoQueue attaches to a run that has
// ended: it waits for no worker, so the queue of its host b, which no
// worker serves (its one step was skipped when the one it depends on
// failed), is not said to be unserved, as it is while the run goes on.
func TestTemporalAttachToEndedRunWarnsOfNoQueue(t *testing.T) {
	server := temporaltest.Shared(t)
	srv := sshdtest.Start(t, sshdtest.Options{})
	startWorker(t, server, srv, "runbook")
	playbook, inventory := filepath.Join(t.TempDir(), "ended.hcl"), twoQueueInventory(t, srv, "runbook", srv, "nowhere")
	writeFile(t, playbook, `
task "command" "first" {
  on   = [host.a]
  argv = ["false"]
}
task "command" "then" {
  on         = [host.b]
  depends_on = [task.first]
  argv       = ["true"]
}
`)
	r := runbookEnv(t, temporalEnv(), "run", playbook, "--inventory", inventory, "--temporal", server.HostPort, "--namespace", server.Namespace, "--detach")
	r.wantCode(t, exitOK)
	id := strings.TrimSpace(r.stdout)
	attach := []string{"attach", "--temporal", server.HostPort, "--namespace", server.Namespace, "--output", "json", id}
	runbookEnv(t, temporalEnv(), attach...).wantCode(t, exitTaskFailed) // follows the run to its end
	r = runbookEnv(t, temporalEnv(), attach...)
	r.wantCode(t, exitTaskFailed)
	if strings.Contains(r.stderr, "no worker serves") {
		t.Errorf("attach to an ended run warned of an unserved queue:\n%s", r.stderr)
	}
}

func TestTemporalOutputLinesShowWhileTheStepRuns(t *testing.T) {
	server := temporaltest.Shared(t)
	srv := sshdtest.Start(t, sshdtest.Options{})
	startWorker(t, server, srv, "runbook")
	dir := t.TempDir()
	me, _ := user.Current()
	playbook := filepath.Join(t.TempDir(), "lines.hcl")
	// The step prints a line, then waits until the test has seen it (a
	// minute at most: then it fails).
	writeFile(t, playbook, fmt.Sprintf(`
host "h" {
  address = %q
  port    = %d
  user    = %q
}
task "command" "waits" {
  on  = [host.h]
  cmd = "echo first-line; i=0; while [ ! -e %[4]s/release ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; test -e %[4]s/release && echo released"
}
`, srv.Host, srv.Port, me.Username, dir))
	cmd := exec.Command(binary, "run", playbook, "--temporal", server.HostPort, "--namespace", server.Namespace, "--output", "json",
		"--identity", srv.ClientKey.File, "--known-hosts", srv.KnownHosts)
	cmd.Env = temporalEnv()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	var lines []string
	scanner := bufio.NewScanner(stdout)
	for scanner.Scan() {
		e := parseEvents(t, scanner.Text())[0]
		lines = append(lines, string(e.Kind)+" "+e.Line)
		if e.Kind == engine.EventOutput && e.Line == "first-line" {
			writeFile(t, filepath.Join(dir, "release"), "")
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("runbook run: %v", err)
	}
	want := []string{"run_started ", "task_started ", "output first-line", "output released", "task_finished ", "run_finished "}
	if !slices.Equal(lines, want) {
		t.Errorf("events\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func TestTemporalConfirmWithoutTerminalFailsAsInOneProcess(t *testing.T) {
	server := temporaltest.Shared(t)
	srv := sshdtest.Start(t, sshdtest.Options{})
	startWorker(t, server, srv, "runbook")
	var results []result
	for _, extra := range [][]string{nil, {"--temporal", server.HostPort, "--namespace", server.Namespace}} {
		marker := filepath.Join(t.TempDir(), "marker")
		writeFile(t, marker, "")
		r := runbookEnv(t, temporalEnv(), append([]string{"run", "testdata/confirm.hcl", "-var", "marker=" + marker, "--output", "json"}, extra...)...)
		r.wantCode(t, exitTaskFailed)
		if _, err := os.Stat(marker); err != nil {
			t.Errorf("the step ran without confirmation: %v", err)
		}
		results = append(results, r)
	}
	if a, b := endings(t, results[0].stdout), endings(t, results[1].stdout); !slices.Equal(a, b) {
		t.Errorf("on Temporal the instances ended\n%s\nin one process\n%s", strings.Join(b, "\n"), strings.Join(a, "\n"))
	}
}

func TestTemporalConfirmOnAttachingTerminal(t *testing.T) {
	server := temporaltest.Shared(t)
	srv := sshdtest.Start(t, sshdtest.Options{})
	startWorker(t, server, srv, "runbook")
	for answer, wantCode := range map[string]int{"yes": exitOK, "no": exitTaskFailed} {
		t.Run(answer, func(t *testing.T) {
			marker := filepath.Join(t.TempDir(), "marker")
			writeFile(t, marker, "")
			r := runbookEnv(t, temporalEnv(), "run", "testdata/confirm.hcl", "-var", "marker="+marker, "--temporal", server.HostPort, "--namespace", server.Namespace, "--detach")
			r.wantCode(t, exitOK)
			// The run waits for an answer until someone attaches.
			term := startTerminal(t, temporalEnv(), "attach", "--temporal", server.HostPort, "--namespace", server.Namespace, strings.TrimSpace(r.stdout))
			term.waitFor("Step remove_marker on host local: Deletes the marker file. Type yes to continue: ")
			if _, err := io.WriteString(term.tty, answer+"\r"); err != nil {
				t.Fatal(err)
			}
			if code := term.wait(); code != wantCode {
				t.Fatalf("answered %s: exit status %d, want %d:\n%s", answer, code, wantCode, term.output())
			}
			_, err := os.Stat(marker)
			if ran := os.IsNotExist(err); ran != (answer == "yes") {
				t.Errorf("answered %s: the step ran: %v", answer, ran)
			}
		})
	}
}

// writePlaybook writes a playbook, format with dir for its %[1]s, to a
// directory of its own and returns its path.
func writePlaybook(t *testing.T, dir, format string) string {
	t.Helper()
	playbook := filepath.Join(t.TempDir(), "main.hcl")
	writeFile(t, playbook, fmt.Sprintf(format, dir))
	return playbook
}

// TestTemporalInterruptCancelsTheRun interrupts a run once: the step
// that runs past the grace period is cancelled.
func TestTemporalInterruptCancelsTheRun(t *testing.T) {
	server := temporaltest.Shared(t)
	srv := sshdtest.Start(t, sshdtest.Options{})
	startWorker(t, server, srv, "runbook")
	dir := t.TempDir()
	playbook := writePlaybook(t, dir, `
task "command" "stuck" {
  cmd = "touch %[1]s/started; sleep 60; touch %[1]s/finished"
}
task "command" "after" {
  argv = ["echo", task.stuck.stdout]
}
`)
	cmd := exec.Command(binary, "run", playbook, "--temporal", server.HostPort, "--namespace", server.Namespace, "--output", "json")
	cmd.Env = temporalEnv()
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the step to start", func() bool { _, err := os.Stat(filepath.Join(dir, "started")); return err == nil })
	_ = cmd.Process.Signal(os.Interrupt)
	_ = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
		t.Fatalf("exit status %d, want %d\n%s", code, exitInterrupted, stdout.String())
	}
	got := endings(t, stdout.String())
	want := []string{"after@local | cancelled | 0 |  |  | task after on host local: not run: run interrupted",
		"stuck@local | cancelled | 1 |  |  | task stuck on host local: run command on local: local: command cancelled and its process group ended: context canceled"}
	if !slices.Equal(got, want) {
		t.Errorf("the instances ended\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := os.Stat(filepath.Join(dir, "finished")); err == nil {
		t.Error("the cancelled step ran to its end")
	}
}

// TestTemporalInterruptsAsInOneProcess interrupts a run twice, in one
// process and on Temporal: at the first signal the step that can end
// ends, and the one that needs it does not start; at the second the
// step still running is cancelled at once.
func TestTemporalInterruptsAsInOneProcess(t *testing.T) {
	server := temporaltest.Shared(t)
	srv := sshdtest.Start(t, sshdtest.Options{})
	startWorker(t, server, srv, "runbook")
	var got [][]string
	for _, extra := range [][]string{nil, {"--temporal", server.HostPort, "--namespace", server.Namespace}} {
		dir := t.TempDir()
		playbook := writePlaybook(t, dir, `
task "command" "quick" {
  cmd = "touch %[1]s/quick-started; i=0; while [ ! -e %[1]s/release ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; echo quick"
}
task "command" "slow" {
  cmd = "touch %[1]s/slow-started; sleep 60; touch %[1]s/slow-finished"
}
task "command" "after" {
  argv = ["echo", task.quick.stdout]
}
`)
		cmd := exec.Command(binary, append([]string{"run", playbook, "--output", "json"}, extra...)...)
		cmd.Env = temporalEnv()
		stderr := &sshdtest.SyncBuffer{}
		cmd.Stderr = stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines, quickEnded := &sshdtest.SyncBuffer{}, make(chan struct{})
		go func() {
			scanner := bufio.NewScanner(stdout)
			for scanner.Scan() {
				fmt.Fprintln(lines, scanner.Text())
				if e := parseEvents(t, scanner.Text())[0]; e.Kind == engine.EventTaskFinished && e.Task == "quick" {
					close(quickEnded)
				}
			}
		}()
		for _, step := range []string{"quick", "slow"} {
			waitFor(t, step+" to start", func() bool { _, err := os.Stat(filepath.Join(dir, step+"-started")); return err == nil })
		}
		_ = cmd.Process.Signal(os.Interrupt)
		waitFor(t, "runbook to say it stops", func() bool { return strings.Contains(stderr.String(), "stopping: no new tasks") })
		if extra != nil {
			id := runIDLine.FindStringSubmatch(stderr.String())
			if id == nil {
				t.Fatalf("runbook run named no run ID:\n%s", stderr.String())
			}
			waitFor(t, "the run to get the stop", func() bool {
				history, err := server.History(id[1])
				return err == nil && strings.Contains(history, "runbook.stop")
			})
		}
		writeFile(t, filepath.Join(dir, "release"), "")
		select {
		case <-quickEnded:
		case <-time.After(time.Minute):
			t.Fatalf("the quick step did not end after the first interrupt:\n%s\n%s", lines.String(), stderr.String())
		}
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
			t.Fatalf("%v: exit status %d, want %d\n%s\n%s", extra, code, exitInterrupted, lines.String(), stderr.String())
		}
		if _, err := os.Stat(filepath.Join(dir, "slow-finished")); err == nil {
			t.Errorf("%v: the cancelled step ran to its end", extra)
		}
		got = append(got, endings(t, lines.String()))
	}
	want := []string{"after@local | cancelled | 0 |  |  | task after on host local: not run: run interrupted",
		"quick@local | changed | 1 | quick | 0 | ",
		"slow@local | cancelled | 1 |  |  | task slow on host local: run command on local: local: command cancelled and its process group ended: context canceled"}
	for i, where := range []string{"in one process", "on Temporal"} {
		if !slices.Equal(got[i], want) {
			t.Errorf("%s the instances ended\n%s\nwant\n%s", where, strings.Join(got[i], "\n"), strings.Join(want, "\n"))
		}
	}
}

// TestTemporalHAPairMatchesOneProcess sets up two fresh simulated pairs
// with the bundled playbook, named as such, and a var file: one in one
// process, the other on Temporal. Both end streaming, their instances end
// the same way (their outputs' shapes, see outputShapes), and runs again change nothing,
// with the same recap.
func TestTemporalHAPairMatchesOneProcess(t *testing.T) {
	server := temporaltest.Shared(t)
	opts := sim.PairOptions{
		Primary:   sim.HostOptions{MongoCatchUp: 3 * time.Second},
		Secondary: sim.HostOptions{MongoCatchUp: 3 * time.Second},
	}
	var endingsOf, recaps []string
	for _, extra := range [][]string{nil, {"--temporal", server.HostPort, "--namespace", server.Namespace}} {
		pair := sim.StartPair(t, opts)
		if extra != nil {
			startWorkerWith(t, server, "runbook", "--known-hosts", pair.KnownHostsPath)
		}
		varFile := filepath.Join(t.TempDir(), "pair.vars.hcl")
		writeFile(t, varFile, fmt.Sprintf("primary = %q\nsecondary = %q\nidentity_file = %q\npg_wait = \"2m\"\nmongo_wait = \"2m\"\n",
			pair.Primary.Address, pair.Secondary.Address, pair.KeyPath))
		args := append([]string{"run", "ha-pair", "--no-color", "--yes", "-var-file", varFile, "--known-hosts", pair.KnownHostsPath}, extra...)
		first := runbookEnv(t, temporalEnv(), append(slices.Clone(args), "--output", "json")...)
		first.wantCode(t, exitOK)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		rows, err := pair.Primary.PSQL(ctx, "SELECT client_addr, state FROM pg_stat_replication")
		cancel()
		if err != nil || !strings.Contains(rows, pair.Secondary.Address+"|streaming") {
			t.Errorf("%v: pg_stat_replication on the primary = %q, %v; want the secondary streaming", extra, rows, err)
		}
		addresses := strings.NewReplacer(pair.Primary.Address, "PRIMARY", pair.Secondary.Address, "SECONDARY")
		endingsOf = append(endingsOf, addresses.Replace(strings.Join(outputShapes(t, first.stdout), "\n")))
		if !strings.Contains(first.stdout, "started job") {
			t.Errorf("%v: the run started no detached job:\n%s", extra, first.stdout)
		}
		again := runbookEnv(t, temporalEnv(), args...)
		again.wantCode(t, exitOK)
		recaps = append(recaps, recapOf(again.stdout))
	}
	t.Logf("both ended:\n%s", endingsOf[0])
	if endingsOf[0] != endingsOf[1] {
		t.Errorf("on Temporal the instances ended\n%s\nin one process\n%s", endingsOf[1], endingsOf[0])
	}
	if recaps[0] != recaps[1] || recaps[0] == "" {
		t.Errorf("recap of a run again on Temporal:\n%s\nin one process:\n%s", recaps[1], recaps[0])
	}
}

// outputShapes returns, for each task_finished event, a line with the
// instance, its status and attempts, the shape of its outputs and its
// error: the name of each output with its value when it is a bool (what
// the run found or did), else its kind, as the hosts of two pairs differ
// in their keys, ids and sizes.
func outputShapes(t *testing.T, stdout string) []string {
	t.Helper()
	var lines []string
	for _, e := range parseEvents(t, stdout) {
		if e.Kind != engine.EventTaskFinished {
			continue
		}
		var shape []string
		for name, v := range e.Outputs {
			kind := fmt.Sprintf("%T", v)
			if b, ok := v.(bool); ok {
				kind = strconv.FormatBool(b)
			}
			shape = append(shape, name+"="+kind)
		}
		slices.Sort(shape)
		lines = append(lines, strings.Join([]string{e.Task + "@" + e.Host, string(e.Status), strconv.Itoa(e.Attempt), strings.Join(shape, " "), e.Error}, " | "))
	}
	slices.Sort(lines)
	return lines
}
