package engine

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/runbookhq/runbook/engine/internal/loadtest"
	"github.com/runbookhq/runbook/engine/journal"
)

// crashEnv, when set in the environment of the test binary, makes it the
// child of TestJournalSurvivesSIGKILL: it runs the playbook of the
// directory the variable names, with its journal there, and never ends
// on its own.
const crashEnv = "RUNBOOK_TEST_CRASH_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashEnv); dir != "" {
		os.Exit(crashChild(dir))
	}
	os.Exit(m.Run())
}

// crashPlaybook is run by the child: many quick instances, safe to
// repeat, whose records keep the journal busy, and one instance that is
// not safe to repeat and waits forever.
func crashPlaybook() string {
	var b strings.Builder
	b.WriteString("task \"gate\" \"stuck\" {\n  key = \"never-opens\"\n}\n")
	for i := range 300 {
		fmt.Fprintf(&b, "task \"step\" \"s%03d\" {\n  key        = \"crash-%d\"\n  repeatable = true\n}\n", i, i)
	}
	return b.String()
}

// crashChild runs the playbook of dir and prints "ready" once the stuck
// instance's module runs.
func crashChild(dir string) int {
	p, diags := Load(dir, LoadOptions{})
	if diags.HasErrors() {
		fmt.Fprintln(os.Stderr, diags)
		return 2
	}
	j, err := journal.Open(filepath.Join(dir, "state"), p.JournalKey())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	sub := SubscriberFunc(func(e Event) {
		if e.Kind == EventProgress && e.Task == "stuck" {
			fmt.Println("ready")
		}
	})
	_, err = Run(context.Background(), p, RunOptions{Journal: j, Parallel: 8, Subscribers: []Subscriber{sub}})
	fmt.Fprintln(os.Stderr, "the run ended:", err)
	return 1
}

// TestJournalSurvivesSIGKILL kills a running child with SIGKILL while it
// writes its journal: the journal is whole, holds the started record of
// the instance that was running, and a resume refuses to run it again.
func TestJournalSurvivesSIGKILL(t *testing.T) {
	dir := loadtest.WritePlaybook(t, map[string]string{"main.hcl": crashPlaybook()})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() || sc.Text() != "ready" {
		t.Fatalf("the child did not get ready: %q\n%s", sc.Text(), stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the child ended with %v, not by SIGKILL\n%s", err, stderr.String())
	}

	p, diags := Load(dir, LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diagText(p, diags))
	}
	state := filepath.Join(dir, "state")
	last := lastRun(t, p, state) // reads the file as the next run would
	if last.State != journal.StateRunning {
		t.Errorf("the killed run is recorded %s", last.State)
	}
	stuck, ok := last.Record("stuck@local")
	if !ok || !stuck.CutOff() || stuck.Repeatable {
		t.Fatalf("the record of the running instance: %+v (found %v)", stuck, ok)
	}
	if temps, _ := filepath.Glob(filepath.Join(state, ".*.tmp-*")); len(temps) > 0 {
		t.Errorf("opening the journal left the killed writer's temporary files: %v", temps)
	}
	_, _, err = journalRun(t, context.Background(), p, state, RunOptions{Resume: true})
	var unsafe *UnsafeResumeError
	if !errors.As(err, &unsafe) || len(unsafe.Instances) != 1 || unsafe.Instances[0].ID() != "stuck@local" {
		t.Fatalf("resume after the kill: %v", err)
	}
}
