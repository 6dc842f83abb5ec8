package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/zclconf/go-cty/cty"
)

// The modules below are registered for the tests of this package only.

// echoModule runs echo on its host and returns what it printed.
type echoModule struct {
	Message string            `hcl:"message"`
	Items   []string          `hcl:"items,optional"`
	Labels  map[string]string `hcl:"labels,optional"`
	Count   int               `hcl:"count,optional"`
	Changed bool              `hcl:"changed,optional"`
	Secret  string            `hcl:"secret,optional"`
}

type echoOutputs struct {
	Message string   `cty:"message"`
	Host    string   `cty:"host"`
	Items   []string `cty:"items"`
	Count   int      `cty:"count"`
	Token   string   `cty:"token" sensitive:"true"`
}

func (m *echoModule) Run(ctx context.Context, env *Env) (Result, error) {
	res, err := env.Host.Run(ctx, transport.Command{Args: []string{"echo", m.Message}})
	if err != nil {
		return Result{}, err
	}
	if !res.OK() {
		return Result{}, fmt.Errorf("echo exited with %d", res.ExitCode)
	}
	return Result{Changed: m.Changed, Outputs: echoOutputs{
		Message: strings.TrimSuffix(string(res.Stdout), "\n"),
		Host:    env.HostName,
		Items:   m.Items,
		Count:   m.Count,
		Token:   echoToken(m.Message),
	}}, nil
}

// echoToken is the sensitive token output of an echo of message: it
// holds the message in hex, not as it is, so that the message itself is
// no piece of a secret (see lang.Redactor).
func echoToken(message string) string { return fmt.Sprintf("tok-%x", message) }

func (m *echoModule) Describe() string { return "print " + m.Message }

func (m *echoModule) Validate() error {
	if m.Count < 0 {
		return errors.New("count must not be negative")
	}
	return nil
}

// noopModule does nothing; it measures the engine's own cost.
type noopModule struct {
	Value string `hcl:"value,optional"`
}

type noopOutputs struct {
	Value string `cty:"value"`
}

func (m *noopModule) Run(context.Context, *Env) (Result, error) {
	return Result{Outputs: noopOutputs{Value: m.Value}}, nil
}

// failModule fails with its message, after printing it to stderr.
type failModule struct {
	Message string `hcl:"message"`
}

func (m *failModule) Run(ctx context.Context, env *Env) (Result, error) {
	if _, err := env.Host.Run(ctx, transport.Command{Args: []string{"sh", "-c", "echo \"$1\" >&2", "sh", m.Message}}); err != nil {
		return Result{}, err
	}
	return Result{}, errors.New(m.Message)
}

// counters backs the flaky module: attempts per key.
var counters = struct {
	sync.Mutex
	n map[string]int
}{n: map[string]int{}}

// flakyModule fails its first Failures attempts, then reports the attempt
// number.
type flakyModule struct {
	Key      string `hcl:"key"`
	Failures int    `hcl:"failures,optional"`
}

type flakyOutputs struct {
	Attempt int `cty:"attempt"`
}

// nextAttempt counts an attempt of the module run under key and returns
// its number, from 1.
func nextAttempt(key string) int {
	counters.Lock()
	defer counters.Unlock()
	counters.n[key]++
	return counters.n[key]
}

func (m *flakyModule) Run(context.Context, *Env) (Result, error) {
	n := nextAttempt(m.Key)
	if n <= m.Failures {
		return Result{}, fmt.Errorf("attempt %d failed", n)
	}
	return Result{Changed: true, Outputs: flakyOutputs{Attempt: n}}, nil
}

// barriers backs the rendezvous module.
var barriers = struct {
	sync.Mutex
	m map[string]*barrier
}{m: map[string]*barrier{}}

type barrier struct {
	arrived int
	open    chan struct{}
}

// rendezvousModule waits until Parties instances with the same key have
// arrived: it can only finish if they run at the same time.
type rendezvousModule struct {
	Key     string `hcl:"key"`
	Parties int    `hcl:"parties"`
}

type rendezvousOutputs struct {
	Key string `cty:"key"`
}

func (m *rendezvousModule) Run(ctx context.Context, env *Env) (Result, error) {
	barriers.Lock()
	b := barriers.m[m.Key]
	if b == nil {
		b = &barrier{open: make(chan struct{})}
		barriers.m[m.Key] = b
	}
	b.arrived++
	if b.arrived == m.Parties {
		close(b.open)
	}
	barriers.Unlock()
	select {
	case <-b.open:
		return Result{Outputs: rendezvousOutputs{Key: m.Key}}, nil
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}

// blockModule waits until its context ends.
type blockModule struct {
	Name string `hcl:"name,optional"`
}

func (m *blockModule) Run(ctx context.Context, env *Env) (Result, error) {
	env.Progressf("waiting in %s", m.Name)
	<-ctx.Done()
	return Result{}, ctx.Err()
}

// shellModule runs a script, passing through Env.Peer when Peer is set.
// It is safe to repeat when Repeat is set.
type shellModule struct {
	Script string  `hcl:"script"`
	Peer   HostRef `hcl:"peer,optional"`
	Sudo   bool    `hcl:"as_root,optional"`
	Repeat bool    `hcl:"repeatable,optional"`
}

func (m *shellModule) SafeToRepeat() bool { return m.Repeat }

type shellOutputs struct {
	Stdout string `cty:"stdout"`
}

func (m *shellModule) Run(ctx context.Context, env *Env) (Result, error) {
	h := env.Host
	if !m.Peer.IsZero() {
		var err error
		if h, err = env.Peer(m.Peer); err != nil {
			return Result{}, err
		}
	}
	cmd := transport.Command{Script: m.Script}
	if m.Sudo {
		cmd.Sudo = &transport.Sudo{User: "postgres"}
	}
	res, err := h.Run(ctx, cmd)
	if err != nil {
		return Result{}, err
	}
	if !res.OK() {
		return Result{}, fmt.Errorf("script exited with %d", res.ExitCode)
	}
	return Result{Changed: true, Outputs: shellOutputs{Stdout: strings.TrimSpace(string(res.Stdout))}}, nil
}

func init() {
	RegisterModule(ModuleInfo{Name: "echo", Doc: "Prints a message.", New: func() Module { return &echoModule{} }, Outputs: echoOutputs{}})
	RegisterModule(ModuleInfo{Name: "noop", Doc: "Does nothing.", New: func() Module { return &noopModule{} }, Outputs: noopOutputs{}})
	RegisterModule(ModuleInfo{Name: "fail", Doc: "Fails.", New: func() Module { return &failModule{} }})
	RegisterModule(ModuleInfo{Name: "flaky", Doc: "Fails at first.", New: func() Module { return &flakyModule{} }, Outputs: flakyOutputs{}})
	RegisterModule(ModuleInfo{Name: "rendezvous", Doc: "Waits for its peers.", New: func() Module { return &rendezvousModule{} }, Outputs: rendezvousOutputs{}})
	RegisterModule(ModuleInfo{Name: "block", Doc: "Blocks until cancelled.", New: func() Module { return &blockModule{} }})
	RegisterModule(ModuleInfo{Name: "shell", Doc: "Runs a script.", New: func() Module { return &shellModule{} }, Outputs: shellOutputs{}})
}

// putModule uploads a file.
type putModule struct {
	Path    string `hcl:"path"`
	Content string `hcl:"content"`
}

func (m *putModule) Run(ctx context.Context, env *Env) (Result, error) {
	changed, err := env.Host.Upload(ctx, transport.File{Path: m.Path, Content: []byte(m.Content)})
	return Result{Changed: changed}, err
}

func init() {
	RegisterModule(ModuleInfo{Name: "put", Doc: "Writes a file.", New: func() Module { return &putModule{} }})
}

// dataModule takes values of any type, as a cty.Value and as plain Go
// values.
type dataModule struct {
	Data  cty.Value `hcl:"data"`
	Extra any       `hcl:"extra,optional"`
	Ptr   *int      `hcl:"ptr,optional"`
}

type dataOutputs struct {
	JSON string `cty:"json"`
}

func (m *dataModule) Run(context.Context, *Env) (Result, error) {
	extra, err := json.Marshal(m.Extra)
	if err != nil {
		return Result{}, err
	}
	ptr := "nil"
	if m.Ptr != nil {
		ptr = fmt.Sprint(*m.Ptr)
	}
	return Result{Outputs: &dataOutputs{JSON: fmt.Sprintf("%s %s %s", m.Data.Type().FriendlyName(), extra, ptr)}}, nil
}

func init() {
	RegisterModule(ModuleInfo{Name: "data", Doc: "Takes any data.", New: func() Module { return &dataModule{} }, Outputs: dataOutputs{}})
}

// gates backs the gate module: a gate opens when its channel is closed.
var gates = struct {
	sync.Mutex
	m map[string]chan struct{}
}{m: map[string]chan struct{}{}}

// gate returns the channel of the gate named key, making it on first use.
func gate(key string) chan struct{} {
	gates.Lock()
	defer gates.Unlock()
	ch := gates.m[key]
	if ch == nil {
		ch = make(chan struct{})
		gates.m[key] = ch
	}
	return ch
}

// gateModule reports progress, then waits until the gate named Key opens
// or its context ends. It is safe to repeat when Repeat is set.
type gateModule struct {
	Key    string `hcl:"key"`
	Repeat bool   `hcl:"repeatable,optional"`
}

func (m *gateModule) SafeToRepeat() bool { return m.Repeat }

func (m *gateModule) Run(ctx context.Context, env *Env) (Result, error) {
	env.Progressf("waiting at gate %s", m.Key)
	select {
	case <-gate(m.Key):
		return Result{Changed: true}, nil
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}

func init() {
	RegisterModule(ModuleInfo{Name: "gate", Doc: "Waits for its gate to open.", New: func() Module { return &gateModule{} }})
}

// stepModule counts its runs per key and returns them with its input, so
// that a test can tell a restored output from one made again. It is safe
// to repeat when Repeat is set.
type stepModule struct {
	Key    string `hcl:"key"`
	Input  string `hcl:"input,optional"`
	Repeat bool   `hcl:"repeatable,optional"`
}

type stepOutputs struct {
	Value string `cty:"value"`
	Runs  int    `cty:"runs"`
}

func (m *stepModule) Run(context.Context, *Env) (Result, error) {
	counters.Lock()
	counters.n[m.Key]++
	n := counters.n[m.Key]
	counters.Unlock()
	return Result{Changed: true, Outputs: stepOutputs{Value: fmt.Sprintf("%s#%d", m.Input, n), Runs: n}}, nil
}

func (m *stepModule) SafeToRepeat() bool { return m.Repeat }

// runs returns how many times the step module ran with key.
func runs(key string) int {
	counters.Lock()
	defer counters.Unlock()
	return counters.n[key]
}

func init() {
	RegisterModule(ModuleInfo{Name: "step", Doc: "Counts its runs.", New: func() Module { return &stepModule{} }, Outputs: stepOutputs{}})
}

// argvModule takes arguments of a process, tagged cmdline:"true", and a
// standard input; it does nothing.
type argvModule struct {
	Args  []string `hcl:"args" cmdline:"true"`
	Stdin string   `hcl:"stdin,optional"`
}

func (m *argvModule) Run(context.Context, *Env) (Result, error) { return Result{}, nil }

func init() {
	RegisterModule(ModuleInfo{Name: "argv", Doc: "Takes arguments.", New: func() Module { return &argvModule{} }})
}
