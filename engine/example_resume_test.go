package engine_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/journal"
)

// exists fails unless its file exists: a step that cannot succeed until
// someone fixes something.
type exists struct {
	Path string `hcl:"path"`
}

func (e *exists) Run(context.Context, *engine.Env) (engine.Result, error) {
	if _, err := os.Stat(e.Path); err != nil {
		return engine.Result{}, fmt.Errorf("%s is missing", filepath.Base(e.Path))
	}
	return engine.Result{}, nil
}

func init() {
	engine.RegisterModule(engine.ModuleInfo{Name: "exists", Doc: "Checks that a file exists.", New: func() engine.Module { return &exists{} }})
}

// A run recorded in a journal stops at a failure; once the cause is
// fixed, a resumed run restores what succeeded and runs the rest.
func Example_resume() {
	dir, err := os.MkdirTemp("", "runbook-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	marker := filepath.Join(dir, "ready")
	playbook := fmt.Sprintf(`
task "greet" "hello" {
  name = "world"
}

task "exists" "ready" {
  path = %q
}

task "greet" "done" {
  name       = "${task.hello.text}, ready"
  depends_on = [task.ready]
}
`, marker)
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(playbook), 0o644); err != nil {
		fmt.Println(err)
		return
	}
	p, diags := engine.Load(dir, engine.LoadOptions{})
	if diags.HasErrors() {
		fmt.Println(diags)
		return
	}

	run := func(resume bool) {
		j, err := journal.Open(filepath.Join(dir, "state"), p.JournalKey())
		if err != nil {
			fmt.Println(err)
			return
		}
		defer j.Close()
		report, err := engine.Run(context.Background(), p, engine.RunOptions{Journal: j, Resume: resume})
		if errors.Is(err, engine.ErrTaskFailed) {
			fmt.Println("the run failed")
		}
		for _, r := range report.Instances {
			fmt.Printf("  %s: %s, restored %v\n", r.Task, r.Status, r.Restored)
		}
	}
	run(false)
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("resumed:")
	run(true)
	// Output:
	// the run failed
	//   done: skipped, restored false
	//   hello: changed, restored false
	//   ready: failed, restored false
	// resumed:
	//   done: changed, restored false
	//   hello: changed, restored true
	//   ready: ok, restored false
}
