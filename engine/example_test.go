package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/runbookhq/runbook/engine"
)

// greet is a custom module: its hcl tags are its arguments, and
// greetOutputs, by its cty tags, the outputs later tasks can refer to.
type greet struct {
	Name  string `hcl:"name" doc:"Who to greet."`
	Shout bool   `hcl:"shout,optional" doc:"Greet loudly."`
}

type greetOutputs struct {
	Text string `cty:"text"`
}

func (g *greet) Run(ctx context.Context, env *engine.Env) (engine.Result, error) {
	text := "hello, " + g.Name
	if g.Shout {
		text += "!"
	}
	return engine.Result{Changed: true, Outputs: greetOutputs{Text: text}}, nil
}

func init() {
	engine.RegisterModule(engine.ModuleInfo{
		Name:    "greet",
		Doc:     "Greets someone.",
		New:     func() engine.Module { return &greet{} },
		Outputs: greetOutputs{},
	})
}

func Example() {
	dir, err := os.MkdirTemp("", "runbook-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	playbook := `
variable "who" {
  type = string
}

task "greet" "first" {
  name = var.who
}

task "greet" "second" {
  name  = "${task.first.text} again"
  shout = true
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(playbook), 0o644); err != nil {
		fmt.Println(err)
		return
	}

	p, diags := engine.Load(dir, engine.LoadOptions{Vars: []string{"who=world"}})
	if diags.HasErrors() {
		fmt.Println(diags)
		return
	}
	report, err := engine.Run(context.Background(), p, engine.RunOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range report.Instances {
		fmt.Printf("%s on %s: %s, text = %q\n", r.Task, r.Host, r.Status, r.Outputs["text"])
	}
	// Output:
	// first on local: changed, text = "hello, world"
	// second on local: changed, text = "hello, hello, world again!"
}
