package sshtransport

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/internal/sshdtest"
	_ "github.com/runbookhq/runbook/modules"
)

// BenchmarkEngineRun runs a playbook of 20 `true` tasks on each of 50
// hosts through the engine and this transport, with every event encoded
// as JSON as the CLI does: the whole path of a run but the terminal.
// "chained" makes each task depend on the one before on the same host,
// "independent" lets a host run several at once. All hosts are one sshd,
// logged in as a user whose login shell is /bin/sh. Profile it with
// -cpuprofile, -memprofile or -blockprofile.
func BenchmarkEngineRun(b *testing.B) {
	const hosts, tasks = 50, 20
	srv := sshdtest.Start(b, sshdtest.Options{})
	user := sshdtest.NewUser(b).Name
	for _, chained := range []bool{true, false} {
		name := map[bool]string{true: "chained", false: "independent"}[chained]
		b.Run(name, func(b *testing.B) {
			fsys := fstest.MapFS{"main.hcl": {Data: []byte(fleetPlaybook(srv, hosts, tasks, chained, user))}}
			p, diags := engine.LoadFS(fsys, ".", engine.LoadOptions{})
			if diags.HasErrors() {
				b.Fatal(diags.Error())
			}
			events := engine.SubscriberFunc(func(e engine.Event) {
				line, _ := json.Marshal(e)
				_, _ = io.Discard.Write(line)
			})
			opts := engine.RunOptions{
				Parallel:    hosts * 10,
				Subscribers: []engine.Subscriber{events},
				Connect: func(h engine.HostConfig) (transport.Host, error) {
					cfg := testConfig(srv)
					cfg.Name, cfg.Address, cfg.Port, cfg.User = h.Name, h.Address, h.Port, h.User
					return New(cfg)
				},
			}
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				if _, err := engine.Run(context.Background(), p, opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N*hosts*tasks), "ns/task")
		})
	}
}

// fleetPlaybook returns a playbook of tasks `true` commands on each of
// hosts hosts, all of them srv reached as user.
func fleetPlaybook(srv *sshdtest.Server, hosts, tasks int, chained bool, user string) string {
	var b strings.Builder
	for i := 1; i <= hosts; i++ {
		fmt.Fprintf(&b, "host \"h%d\" {\n  address = %q\n  port    = %d\n  user    = %q\n  groups  = [\"fleet\"]\n}\n", i, srv.Host, srv.Port, user)
	}
	for i := 1; i <= tasks; i++ {
		fmt.Fprintf(&b, "task \"command\" \"t%d\" {\n  on  = group.fleet\n  cmd = \"true\"\n", i)
		if chained && i > 1 {
			fmt.Fprintf(&b, "  depends_on = [task.t%d]\n", i-1)
		}
		b.WriteString("}\n")
	}
	return b.String()
}
