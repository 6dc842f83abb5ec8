package modules_test

import (
	"errors"
	"testing"

	"github.com/runbookhq/runbook/modules"
)

func TestAssertPasses(t *testing.T) {
	a := newModule[*modules.Assert](t, "assert")
	a.That = true
	a.Message = "unused"
	a.SuccessMessage = "both disks have room"
	var reports []string
	res, err := runIn(t, newEnv(t, "local", func(msg string) { reports = append(reports, msg) }), a)
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed || res.Outputs != (modules.AssertOutputs{Passed: true}) {
		t.Errorf("changed = %v, outputs = %+v; want passed and unchanged", res.Changed, res.Outputs)
	}
	if len(reports) != 1 || reports[0] != "both disks have room" {
		t.Errorf("progress = %q, want the success message", reports)
	}
}

func TestAssertFailsWithMessage(t *testing.T) {
	a := newModule[*modules.Assert](t, "assert")
	a.Message = "the backup disk has 2 GB free; 10 GB are needed"
	res, err := run(t, a)
	if !errors.Is(err, modules.ErrAssertionFailed) || err.Error() != "assertion failed: "+a.Message {
		t.Errorf("err = %v, want ErrAssertionFailed with the message", err)
	}
	if res.Outputs != (modules.AssertOutputs{Passed: false}) {
		t.Errorf("outputs = %+v, want passed = false", res.Outputs)
	}
	if got := a.Describe(); got != "assertion fails: "+a.Message {
		t.Errorf("Describe = %q", got)
	}
}
