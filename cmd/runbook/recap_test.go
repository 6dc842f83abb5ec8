package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine"
)

func TestRecapSaysFailedAfterChange(t *testing.T) {
	var b strings.Builder
	writeFailures(&b, []engine.InstanceResult{{
		InstanceInfo: engine.InstanceInfo{Task: "swap", Module: "shell", Host: "db"},
		Status:       engine.StatusFailed,
		Changed:      true,
		Err:          errors.New("disk full"),
	}}, palette(false))
	if want := "  swap on db (shell), changed before it failed: disk full\n"; !strings.Contains(b.String(), want) {
		t.Errorf("recap:\n%s\nwant the line %q", b.String(), want)
	}
}
