// Package moduletest is the test harness for authors of modules: it runs a
// module the way a playbook does. A test writes a playbook snippet that
// uses the module; Load takes it through parsing, the static checks of the
// module's schema and its Validate, and Run through the walk, which
// decodes each task's body from HCL into the module's struct and runs it
// on a host: the control node by default, or a host reached over SSH
// (see SSH). The test then reads the report as a user would see the run.
//
//	func TestGreet(t *testing.T) {
//		rep := moduletest.Run(t, `
//	task "greet" "hi" {
//	  name = "world"
//	}
//	`, engine.RunOptions{})
//		res := moduletest.Instance(t, rep, "hi@local")
//		if res.Status != engine.StatusOK || res.Outputs["line"] != "hello world" {
//			t.Errorf("greet: %s, %v", res.Status, res.Outputs)
//		}
//	}
package moduletest
