package engine

import (
	"context"
	"slices"
	"testing"
)

func TestOnChange(t *testing.T) {
	p := mustLoad(t, `
host "web" {}
host "db" {}
task "echo" "conf" {
  on      = [host.web, host.db]
  message = "conf"
  changed = self.name == "web"
}
task "echo" "unit" {
  on      = [host.web, host.db]
  message = "unit"
}
task "echo" "restart" {
  on        = [host.web, host.db]
  message   = "restart"
  on_change = [task.conf, task.unit]
}
task "echo" "reload" {
  on        = host.web
  message   = "reload"
  on_change = [task.unit]
}
task "echo" "after" {
  on      = host.web
  message = coalesce(task.reload.message, "none")
}
`, LoadOptions{})
	var rec recorder
	rep, err := Run(context.Background(), p, RunOptions{Connect: localConnect, Subscribers: []Subscriber{&rec}})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	for id, want := range map[string]struct {
		status Status
		reason string
	}{
		"restart@web": {StatusOK, ""},
		"restart@db":  {StatusSkipped, ReasonNothingChanged},
		"reload@web":  {StatusSkipped, ReasonNothingChanged},
		"after@web":   {StatusOK, ""},
	} {
		res := resultOf(t, rep, id)
		if res.Status != want.status || res.Reason != want.reason || res.Err != nil {
			t.Errorf("%s: %s, reason %q, err %v; want %s, reason %q", id, res.Status, res.Reason, res.Err, want.status, want.reason)
		}
	}
	if got := resultOf(t, rep, "after@web").Outputs["message"]; got != "none" {
		t.Errorf("after@web read %v from the skipped reload, want null", got)
	}
	if got := resultOf(t, rep, "restart@web").OnChange; !slices.Equal(got, []string{"conf@web", "unit@web"}) {
		t.Errorf("restart@web: OnChange %v", got)
	}
	i := slices.IndexFunc(rec.all(), func(e Event) bool { return e.Kind == EventTaskFinished && e.Task == "reload" })
	if i < 0 || rec.all()[i].Reason != ReasonNothingChanged || rec.all()[i].Status != StatusSkipped {
		t.Errorf("no task_finished event of reload skipped for %q", ReasonNothingChanged)
	}
	last := func(task string) int {
		return slices.IndexFunc(rec.all(), func(e Event) bool {
			return e.Kind == EventTaskFinished && e.Task == task && e.Host == "web"
		})
	}
	if restart := slices.IndexFunc(rec.all(), func(e Event) bool {
		return e.Kind == EventTaskStarted && e.Task == "restart"
	}); restart < last("conf") || restart < last("unit") {
		t.Error("restart started before conf and unit ended")
	}
}
