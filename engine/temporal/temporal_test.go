package temporal

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
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

func TestSecretsNeverInHistory(t *testing.T) {
	server := temporaltest.Shared(t)
	srv := sshdtest.Start(t, sshdtest.Options{})
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	c, err := Dial(Config{HostPort: server.HostPort, Namespace: server.Namespace, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	serve(t, c, DefaultQueue, srv)

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
