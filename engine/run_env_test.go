package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
)

// fakeHost is a transport that records what it is asked to do. Each
// command prints one line naming its script and, to try the redaction,
// its sudo password.
type fakeHost struct {
	mu    sync.Mutex
	cmds  []transport.Command
	files []transport.File
}

func (f *fakeHost) Run(_ context.Context, cmd transport.Command) (transport.Result, error) {
	f.mu.Lock()
	f.cmds = append(f.cmds, cmd)
	f.mu.Unlock()
	line := "ran " + cmd.Script
	if cmd.Sudo != nil {
		line += " with " + cmd.Sudo.Password
	}
	if cmd.OnLine != nil {
		cmd.OnLine(transport.Stdout, line)
	}
	return transport.Result{Stdout: []byte(line)}, nil
}

func (f *fakeHost) Upload(_ context.Context, file transport.File) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files = append(f.files, file)
	return true, nil
}

func (f *fakeHost) Download(context.Context, string, io.Writer) (fs.FileMode, error) { return 0, nil }
func (f *fakeHost) Close() error                                                     { return nil }

func TestSudoIsAppliedAndFilled(t *testing.T) {
	p := mustLoad(t, `
variable "sudo_pw" {
  type      = string
  sensitive = true
}
host "box" {
  sudo_password = var.sudo_pw
}
task "shell" "plain" {
  on     = host.box
  script = "plain"
}
task "shell" "root" {
  on     = host.box
  script = "root"
  sudo   = true
}
task "shell" "pg" {
  on      = host.box
  script  = "pg"
  as_root = true
}
task "put" "file" {
  on      = host.box
  path    = "/etc/x"
  content = "y"
  sudo    = true
}
`, LoadOptions{Vars: []string{"sudo_pw=pw-123456"}})
	fake := &fakeHost{}
	rec := &recorder{}
	rep, err := Run(context.Background(), p, RunOptions{
		Connect:     func(HostConfig) (transport.Host, error) { return fake, nil },
		Subscribers: []Subscriber{rec},
	})
	if err != nil {
		t.Fatal(err)
	}
	sudo := map[string]*transport.Sudo{}
	for _, c := range fake.cmds {
		sudo[c.Script] = c.Sudo
	}
	if sudo["plain"] != nil {
		t.Errorf("plain ran with sudo %+v", sudo["plain"])
	}
	if s := sudo["root"]; s == nil || s.User != "" || s.Password != "pw-123456" {
		t.Errorf("root ran with sudo %+v", s)
	}
	if s := sudo["pg"]; s == nil || s.User != "postgres" || s.Password != "pw-123456" {
		t.Errorf("pg ran with sudo %+v", s)
	}
	if len(fake.files) != 1 || fake.files[0].Sudo == nil || fake.files[0].Sudo.Password != "pw-123456" {
		t.Errorf("file written with %+v", fake.files)
	}
	assertNoSecret(t, "pw-123456", rep, err, rec.all())
	for _, e := range rec.all() {
		if e.Kind == EventOutput && e.Task == "root" && e.Line != "ran root with (sensitive)" {
			t.Errorf("root output line %q", e.Line)
		}
	}
}

// assertNoSecret checks that a secret appears nowhere in a report, an
// error or events.
func assertNoSecret(t *testing.T, secret string, rep *Report, err error, events []Event) {
	t.Helper()
	data, jerr := json.Marshal(events)
	if jerr != nil {
		t.Fatal(jerr)
	}
	if strings.Contains(string(data), secret) {
		t.Errorf("an event shows the secret: %s", data)
	}
	for _, r := range rep.Instances {
		text := fmt.Sprintf("%v %v %s", r.Outputs, r.Err, r.StderrTail)
		if strings.Contains(text, secret) {
			t.Errorf("the report of %s shows the secret: %s", r.ID(), text)
		}
	}
	if err != nil && strings.Contains(err.Error(), secret) {
		t.Errorf("the run error shows the secret: %v", err)
	}
}

func TestSensitiveValuesAreRedacted(t *testing.T) {
	p := mustLoad(t, `
variable "token" {
  type      = string
  sensitive = true
}
task "echo" "leak" {
  message = "token=${var.token}"
  secret  = var.token
}
task "fail" "leakfail" {
  message = "failed with ${var.token}"
}
task "echo" "uses_output" {
  message = "got ${task.leak.token}"
}
`, LoadOptions{Vars: []string{"token=s3cr3t-value"}})
	rec := &recorder{}
	rep, err := Run(context.Background(), p, RunOptions{Subscribers: []Subscriber{rec}})
	if !errors.Is(err, ErrTaskFailed) {
		t.Fatalf("run error %v", err)
	}
	assertNoSecret(t, "s3cr3t-value", rep, err, rec.all())
	assertNoSecret(t, echoToken("token=s3cr3t-value"), rep, err, rec.all())
	leak := resultOf(t, rep, "leak@local")
	// A value computed from a sensitive one is sensitive as a whole.
	if leak.Outputs["message"] != "(sensitive)" || leak.Outputs["token"] != "(sensitive)" {
		t.Errorf("leak outputs %v", leak.Outputs)
	}
	if got := resultOf(t, rep, "leakfail@local").Err.Error(); got != "task leakfail on host local: (sensitive)" {
		t.Errorf("leakfail error %q", got)
	}
	plan, diags := p.Plan()
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for _, pi := range plan.Instances {
		if pi.Task == "leak" && (pi.Args["message"] != "(sensitive)" || pi.Description != "print token=(sensitive)") {
			t.Errorf("plan of leak: %+v", pi)
		}
	}
}

func TestPeerReachesAnotherHost(t *testing.T) {
	p := mustLoad(t, `
host "other" {}
task "shell" "across" {
  script = "echo across"
  peer   = "other"
}
`, LoadOptions{})
	var connected []string
	connect := func(h HostConfig) (transport.Host, error) {
		connected = append(connected, h.Name)
		return &fakeHost{}, nil
	}
	rep, _ := Run(context.Background(), p, RunOptions{Connect: connect, Parallel: 1})
	if got := resultOf(t, rep, "across@local").Outputs["stdout"]; got != "ran echo across" {
		t.Errorf("across stdout %v", got)
	}
	if fmt.Sprint(connected) != "[other]" {
		t.Errorf("connected %v", connected)
	}
}

func TestConfirmAsksBeforeRunning(t *testing.T) {
	src := `
host "db" {}
task "echo" "drop" {
  on      = host.db
  message = "dropping"
  confirm = "Drop the database on ${self.name}?"
}
task "echo" "after" {
  message = task.drop.on.db.message
}
`
	p := mustLoad(t, src, LoadOptions{})
	if got := p.Instances()[1].Confirm; got != "Drop the database on db?" {
		t.Fatalf("confirm text %q", got)
	}
	rep, err := Run(context.Background(), p, RunOptions{Connect: localConnect})
	if !errors.Is(err, ErrTaskFailed) || !errors.Is(resultOf(t, rep, "drop@db").Err, ErrConfirmationRefused) {
		t.Errorf("without Confirm: %v / %v", err, resultOf(t, rep, "drop@db").Err)
	}
	if got := resultOf(t, rep, "after@local").Status; got != StatusSkipped {
		t.Errorf("after a refusal: %s", got)
	}
	for _, answer := range []bool{false, true} {
		var asked []InstanceInfo
		confirm := func(_ context.Context, inst InstanceInfo) (bool, error) {
			asked = append(asked, inst)
			return answer, nil
		}
		rep, _ := Run(context.Background(), p, RunOptions{Connect: localConnect, Confirm: confirm})
		if len(asked) != 1 || asked[0].ID() != "drop@db" {
			t.Errorf("asked %+v", asked)
		}
		want := StatusOK
		if !answer {
			want = StatusFailed
		}
		if got := resultOf(t, rep, "drop@db").Status; got != want {
			t.Errorf("answer %v: drop %s", answer, got)
		}
	}
}

// TestConfirmAtRunTime checks a confirm that refers to task outputs: it
// is known after run in the instance list, edges come from its
// references, and a null or empty sentence asks nothing.
func TestConfirmAtRunTime(t *testing.T) {
	src := `
host "a" {
  groups = ["g"]
}
host "b" {
  groups = ["g"]
}
task "echo" "state" {
  on      = group.g
  message = self.name == "a" ? "paired" : "standalone"
}
task "echo" "pair" {
  on      = group.g
  message = "pairing"
  confirm = task.state.message == "paired" ? null : "Pair ${self.name}, now ${task.state.message}?"
}
task "echo" "blank" {
  message = "blank"
  confirm = "  "
}
`
	p := mustLoad(t, src, LoadOptions{})
	for _, inst := range p.Instances() {
		want := ""
		if inst.Task == "pair" {
			want = KnownAfterRun
			if !slices.Equal(inst.DependsOn, []string{"state@" + inst.Host}) {
				t.Errorf("%s depends on %v", inst.ID(), inst.DependsOn)
			}
		}
		if inst.Confirm != want {
			t.Errorf("%s: Confirm %q, want %q", inst.ID(), inst.Confirm, want)
		}
	}
	var asked []string
	confirm := func(_ context.Context, inst InstanceInfo) (bool, error) {
		asked = append(asked, inst.ID()+": "+inst.Confirm)
		return true, nil
	}
	rep, err := Run(context.Background(), p, RunOptions{Connect: localConnect, Confirm: confirm})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"pair@b: Pair b, now standalone?"}; !slices.Equal(asked, want) {
		t.Errorf("asked %q, want %q", asked, want)
	}
	for _, id := range []string{"pair@a", "pair@b", "blank@local"} {
		if got := resultOf(t, rep, id).Status; got != StatusOK {
			t.Errorf("%s: %s", id, got)
		}
	}
}

func TestConfirmAtRunTimeRefusesSensitive(t *testing.T) {
	p := mustLoad(t, `
task "echo" "token" {
  message = "t"
}
task "echo" "use" {
  message = "u"
  confirm = "Use ${task.token.token}?"
}
`, LoadOptions{})
	var asked int
	confirm := func(context.Context, InstanceInfo) (bool, error) { asked++; return true, nil }
	rep, _ := Run(context.Background(), p, RunOptions{Confirm: confirm})
	res := resultOf(t, rep, "use@local")
	if res.Status != StatusFailed || asked != 0 || !strings.Contains(res.Err.Error(), "cannot include a sensitive value") {
		t.Errorf("use: %s, asked %d times: %v", res.Status, asked, res.Err)
	}
	if strings.Contains(res.Err.Error(), echoToken("t")) {
		t.Errorf("the error shows the sensitive output: %v", res.Err)
	}
}
