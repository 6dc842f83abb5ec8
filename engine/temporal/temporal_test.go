package temporal

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/internal/compile"
	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/engine/transport/sshtransport"
	"github.com/runbookhq/runbook/internal/sshdtest"
	"github.com/runbookhq/runbook/internal/temporaltest"
	_ "github.com/runbookhq/runbook/modules"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/proto"
)

func TestMain(m *testing.M) {
	code := m.Run()
	temporaltest.StopShared()
	os.Exit(code)
}

func TestEngineDoesNotLinkTemporal(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/runbookhq/runbook/engine").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "go.temporal.io") {
		t.Error("importing engine links the Temporal SDK")
	}
}

// connector connects to the hosts of srv with its client key.
func connector(srv *sshdtest.Server) func(engine.HostConfig) (transport.Host, error) {
	return func(h engine.HostConfig) (transport.Host, error) {
		cfg := sshtransport.ForHost(h)
		cfg.KnownHostsFiles = []string{srv.KnownHosts}
		cfg.IdentityFiles = []string{srv.ClientKey.File}
		return sshtransport.New(cfg)
	}
}

// serve runs a worker in this process until the test ends.
func serve(t *testing.T, c *Client, queue string, srv *sshdtest.Server) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Serve(ctx, queue, WorkerOptions{Connect: connector(srv)}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker: %v", err)
		}
	})
}

// startServing connects a client with a key of its own to the shared
// server, in the test's namespace, and serves the default queue with it
// against a new sshd until the test ends.
func startServing(t *testing.T) (*temporaltest.Server, *sshdtest.Server, *Client) {
	t.Helper()
	server := temporaltest.Shared(t)
	srv := sshdtest.Start(t, sshdtest.Options{})
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	c, err := Dial(Config{HostPort: server.HostPort, Namespace: server.Namespace, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	serve(t, c, DefaultQueue, srv)
	return server, srv, c
}

func TestSecretsNeverInHistory(t *testing.T) {
	server, srv, c := startServing(t)

	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	const token, sudoPassword = "tok-91c4d7e2aa50", "sudo-pw-4be81f07"
	dir := t.TempDir()
	playbook := `
variable "token" {
  type      = string
  sensitive = true
}
host "h" {
  address = "` + srv.Host + `"
  port    = ` + strconv.Itoa(srv.Port) + `
  user    = "` + me.Username + `"
}
task "command" "echo_token" {
  on  = [host.h]
  cmd = "echo \"$TOKEN\""
  env = { TOKEN = var.token }
}
task "command" "reads_it" {
  on  = [host.h]
  cmd = "test \"$SEEN\" = \"$WANT\" && echo same"
  env = { SEEN = task.echo_token.stdout, WANT = var.token }
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(playbook), 0o644); err != nil {
		t.Fatal(err)
	}
	// The secret comes from a var file, which the run carries.
	varFile := filepath.Join(t.TempDir(), "secret.vars.hcl")
	if err := os.WriteFile(varFile, []byte("token = \""+token+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := ReadSource(dir, compile.LoadOptions{VarFiles: []string{varFile}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	run, err := c.Start(ctx, src, StartOptions{SudoPassword: sudoPassword})
	if err != nil {
		t.Fatal(err)
	}
	var events bytes.Buffer
	rep, held, err := run.Follow(ctx, FollowOptions{Subscribers: []engine.Subscriber{engine.SubscriberFunc(func(e engine.Event) {
		events.WriteString(e.Line + e.Error + " " + toString(e.Outputs["stdout"]) + "\n")
	})}})
	if err != nil || len(held) > 0 {
		t.Fatalf("run: %v (held %v)", err, held)
	}
	for _, res := range rep.Instances {
		if res.Status != engine.StatusChanged {
			t.Errorf("%s ended %s: %v", res.ID(), res.Status, res.Err)
		}
	}
	if strings.Contains(events.String(), token) {
		t.Errorf("an event shows the secret:\n%s", events.String())
	}

	raw, err := client.Dial(client.Options{HostPort: server.HostPort, Namespace: server.Namespace, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var history bytes.Buffer
	iter := raw.GetWorkflowHistory(ctx, run.ID(), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		data, err := proto.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		history.Write(data)
	}
	if !bytes.Contains(history.Bytes(), []byte(stepName)) {
		t.Fatal("the raw history does not name the step activity; it was not read")
	}
	for _, secret := range []string{token, sudoPassword} {
		if bytes.Contains(history.Bytes(), []byte(secret)) {
			t.Errorf("the raw history holds the secret %q", secret)
		}
	}
}

// toString formats an output value.
func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

func TestLongRunContinuesAsNew(t *testing.T) {
	// Each step adds about six events to the history: the walk continues
	// as new every few steps.
	limit := historyLimit
	historyLimit = 30
	t.Cleanup(func() { historyLimit = limit })
	server, _, c := startServing(t)

	// A chain of steps, each reading the output of the one before.
	const steps = 10
	var playbook strings.Builder
	playbook.WriteString("task \"command\" \"t0\" {\n  argv = [\"echo\", \"s\"]\n}\n")
	for i := 1; i < steps; i++ {
		fmt.Fprintf(&playbook, "task \"command\" \"t%d\" {\n  argv = [\"echo\", \"${task.t%d.stdout}-%d\"]\n}\n", i, i-1, i)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(playbook.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := ReadSource(dir, compile.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	run, err := c.Start(ctx, src, StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"run_started"}
	for i := range steps {
		want = append(want, fmt.Sprintf("task_finished t%d changed", i))
	}
	want = append(want, "run_finished")
	// Following the run, and attaching to it once it ended, shows each
	// event once, in order, across the runs of the walk.
	for _, follow := range []string{"run", "attach"} {
		r := run
		if follow == "attach" {
			if r, err = c.Attach(ctx, run.ID()); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		var seq uint64
		rep, held, err := r.Follow(ctx, FollowOptions{Subscribers: []engine.Subscriber{engine.SubscriberFunc(func(e engine.Event) {
			if e.Seq != seq+1 {
				t.Errorf("%s: event %d after %d", follow, e.Seq, seq)
			}
			seq = e.Seq
			switch e.Kind {
			case engine.EventRunStarted, engine.EventRunFinished:
				got = append(got, string(e.Kind))
			case engine.EventTaskFinished:
				got = append(got, fmt.Sprintf("%s %s %s", e.Kind, e.Task, e.Status))
			}
		})}})
		if err != nil || len(held) > 0 {
			t.Fatalf("%s: %v (held %v)", follow, err, held)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s showed\n%s\nwant\n%s", follow, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		last := rep.Instances[len(rep.Instances)-1]
		if wantOut := "s-1-2-3-4-5-6-7-8-9"; last.Task != "t9" || toString(last.Outputs["stdout"]) != wantOut {
			t.Errorf("%s: the last step %s printed %q, want %q", follow, last.Task, toString(last.Outputs["stdout"]), wantOut)
		}
	}

	raw, err := client.Dial(client.Options{HostPort: server.HostPort, Namespace: server.Namespace, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	desc, err := raw.DescribeWorkflow(ctx, run.ID(), "")
	if err != nil {
		t.Fatal(err)
	}
	if info := desc.RawResponse.GetWorkflowExecutionInfo(); info.GetFirstRunId() == info.GetExecution().GetRunId() {
		t.Error("the walk did not continue as new")
	}
}
