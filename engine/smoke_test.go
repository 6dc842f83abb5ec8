package engine

import (
	"context"
	"testing"
)

func TestSmoke(t *testing.T) {
	p := mustLoad(t, `
variable "who" {
  type    = string
  default = "world"
}
locals {
  greeting = "hello ${var.who}"
}
host "web" {
  address = "127.0.0.2"
  groups  = ["front"]
}
task "echo" "a" {
  message = local.greeting
}
task "echo" "b" {
  on      = group.front
  message = "${task.a.on.local.message}!"
}
`, LoadOptions{})
	rec := &recorder{}
	rep, err := Run(context.Background(), p, RunOptions{Connect: localConnect, Subscribers: []Subscriber{rec}})
	if err != nil {
		t.Fatal(err)
	}
	if got := resultOf(t, rep, "b@web").Outputs["message"]; got != "hello world!" {
		t.Errorf("b@web message = %v", got)
	}
	for _, e := range rec.all() {
		t.Logf("%+v", e)
	}
}
