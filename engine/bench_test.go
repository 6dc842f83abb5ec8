package engine

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/runbookhq/runbook/engine/internal/loadtest"
	"github.com/runbookhq/runbook/engine/journal"
	"github.com/runbookhq/runbook/engine/transport"
)

// genPlaybook returns a playbook of tasks tasks spread over hosts hosts in
// four groups: each task runs on one group or host and refers to an earlier
// task, on the same host or explicitly, so that the graph is wide and deep.
func genPlaybook(tasks, hosts int) string {
	var b strings.Builder
	b.WriteString("variable \"prefix\" {\n  type    = string\n  default = \"p\"\n}\nlocals {\n  base = \"${var.prefix}-base\"\n}\n")
	for h := range hosts {
		fmt.Fprintf(&b, "host \"h%03d\" {\n  address = \"127.0.%d.%d\"\n  groups  = [\"g%d\"]\n  vars    = { n = %d }\n}\n", h, h/250, h%250+1, h%4, h)
	}
	for i := range tasks {
		on := fmt.Sprintf("host.h%03d", i%hosts)
		msg := `local.base`
		switch {
		case i >= hosts && i%7 == 0:
			msg = fmt.Sprintf(`"${task.t%04d.message}-${self.vars.n}"`, i-hosts)
		case i >= 1 && i%3 == 0:
			msg = fmt.Sprintf(`"${task.t%04d.on.h%03d.message}+"`, i-1, (i-1)%hosts)
		}
		fmt.Fprintf(&b, "task \"echo\" \"t%04d\" {\n  on      = %s\n  message = %s\n  items   = [self.name, var.prefix]\n}\n", i, on, msg)
	}
	return b.String()
}

// BenchmarkLoad1000 loads and checks a generated playbook of 1,000 tasks
// over 50 hosts: parsing, variables, hosts, references, graph and type
// checks.
func BenchmarkLoad1000(b *testing.B) {
	dir := loadtest.WritePlaybook(b, map[string]string{"main.hcl": genPlaybook(1000, 50)})
	b.ReportAllocs()
	for b.Loop() {
		p, diags := Load(dir, LoadOptions{})
		if diags.HasErrors() || len(p.prog.Instances()) != 1000 {
			b.Fatal(diagText(p, diags))
		}
	}
}

// nopHost is a transport that does nothing.
type nopHost struct{}

func (nopHost) Run(context.Context, transport.Command) (transport.Result, error) {
	return transport.Result{}, nil
}
func (nopHost) Upload(context.Context, transport.File) (bool, error)             { return false, nil }
func (nopHost) Download(context.Context, string, io.Writer) (fs.FileMode, error) { return 0, nil }
func (nopHost) Close() error                                                     { return nil }

// BenchmarkRun10000 runs 10,000 no-op instances (100 tasks on each of 100
// hosts, each task reading the previous one's output on the same host)
// and reports the engine's cost per instance.
func BenchmarkRun10000(b *testing.B) {
	var src strings.Builder
	for h := range 100 {
		fmt.Fprintf(&src, "host \"h%03d\" {}\n", h)
	}
	for i := range 100 {
		value := `self.name`
		if i > 0 {
			value = fmt.Sprintf("task.t%03d.value", i-1)
		}
		fmt.Fprintf(&src, "task \"noop\" \"t%03d\" {\n  on    = group.all\n  value = %s\n}\n", i, value)
	}
	p := mustLoad(b, src.String(), LoadOptions{})
	if len(p.prog.Instances()) != 10000 {
		b.Fatalf("%d instances", len(p.prog.Instances()))
	}
	events := 0
	sub := SubscriberFunc(func(Event) { events++ })
	opts := RunOptions{Connect: func(HostConfig) (transport.Host, error) { return nopHost{}, nil }, Subscribers: []Subscriber{sub}}
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		if _, err := Run(context.Background(), p, opts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N*10000), "ns/instance")
}

// BenchmarkRunJournal1000 runs 1,000 no-op instances (10 tasks on each of
// 100 hosts) recorded in a journal. The noop module is not safe to
// repeat, so each start waits until it is on disk: the cost of durable,
// group-committed writes.
func BenchmarkRunJournal1000(b *testing.B) {
	var src strings.Builder
	for h := range 100 {
		fmt.Fprintf(&src, "host \"h%03d\" {}\n", h)
	}
	for i := range 10 {
		fmt.Fprintf(&src, "task \"noop\" \"t%02d\" {\n  on    = group.all\n  value = self.name\n}\n", i)
	}
	p := mustLoad(b, src.String(), LoadOptions{})
	state := b.TempDir()
	opts := RunOptions{Connect: func(HostConfig) (transport.Host, error) { return nopHost{}, nil }}
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		j, err := journal.Open(state, p.JournalKey())
		if err != nil {
			b.Fatal(err)
		}
		opts.Journal = j
		if _, err := Run(context.Background(), p, opts); err != nil {
			b.Fatal(err)
		}
		j.Close()
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N*1000), "ns/instance")
}
