package compile

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/dag"
	"github.com/runbookhq/runbook/engine/internal/config"
	"github.com/runbookhq/runbook/engine/internal/lang"
	"github.com/runbookhq/runbook/engine/module"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/gocty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// This file is the face a Program shows the executor: read-only views of
// its hosts and instances, and a Scope that evaluates what was left for
// run time. Nothing here exposes an hcl.Attribute or the loader's state.

// ErrInvalid is the error of running, or drawing the graph of, a
// playbook that did not load without errors.
var ErrInvalid = errors.New("the playbook has errors; fix them first")

// Valid reports whether the playbook compiled without errors; only a
// valid Program may be planned or run.
func (p *Program) Valid() bool { return p.valid }

// Instances returns the instances, sorted by task, then host; an
// instance's ID is its index. The slice is the program's own: read it,
// never change it.
func (p *Program) Instances() []*Instance { return p.insts }

// Hosts returns the hosts, sorted by name, the built-in local host
// included; a host's Index is its position. The slice is the program's
// own: read it, never change it.
func (p *Program) Hosts() []*Host { return p.hosts }

// Host returns the host called name, or nil.
func (p *Program) Host(name string) *Host { return p.hostIdx[name] }

// Graph returns the dependency graph of the instances: node i is the
// instance whose ID is i, and an edge goes from an instance to each it
// needs. It is acyclic.
func (p *Program) Graph() *dag.Graph { return p.graph }

// Secrets returns the secrets known once the playbook is compiled: the
// values of sensitive variables and the hosts' passwords.
func (p *Program) Secrets() []string { return p.secrets.Secrets() }

// RedactDiags rewrites the texts of diags so that no secret known to the
// program appears in them.
func (p *Program) RedactDiags(diags hcl.Diagnostics) { p.secrets.RedactDiags(diags) }

// Name returns the host's name.
func (h *Host) Name() string { return h.cfg.Name }

// Config returns the host's configuration. Its Groups and Vars are the
// program's own: read them, never change them.
func (h *Host) Config() config.HostConfig { return h.cfg }

// Index returns the host's position in Program.Hosts.
func (h *Host) Index() int { return h.index }

// Builtin reports whether h is the built-in local host.
func (h *Host) Builtin() bool { return h.builtin }

// ID returns the instance's position in Program.Instances.
func (inst *Instance) ID() int { return inst.id }

// Task returns the qualified name of the instance's task: its name, or
// role.ROLE.task.NAME for a task of a role.
func (inst *Instance) Task() string { return inst.task.qname }

// Module returns the name of the instance's module.
func (inst *Instance) Module() string { return inst.task.Module }

// Key returns the instance's key in its task's for_each, or "" when the
// task has none.
func (inst *Instance) Key() string { return inst.key }

// Host returns the host the instance runs on.
func (inst *Instance) Host() *Host { return inst.host }

// Peers returns the other hosts the instance holds, named by its
// module's HostRef arguments, in host order.
func (inst *Instance) Peers() []*Host { return inst.peers }

// Deps returns the IDs of the instances this one waits for, sorted.
func (inst *Instance) Deps() []int { return inst.deps }

// Batch returns the batches inst goes through in, or nil.
func (inst *Instance) Batch() *Batch { return inst.batch }

// Waits returns the ids of the instances of the batch before inst's,
// which it waits for without depending on them, sorted.
func (inst *Instance) Waits() []int { return inst.waits }

// Watches returns the instances of the task's on_change: the instance
// runs only when one of them changed something.
func (inst *Instance) Watches() []*Instance { return inst.watches }

// Throttle returns the most instances of the task that run at once,
// across hosts; 0 when the task sets no bound.
func (inst *Instance) Throttle() int { return inst.task.throttle }

// Retries returns how many times a failed attempt is repeated.
func (inst *Instance) Retries() int { return inst.retries }

// Delay returns the pause between attempts.
func (inst *Instance) Delay() time.Duration { return inst.delay }

// Timeout returns the bound of each attempt; 0 means the run's.
func (inst *Instance) Timeout() time.Duration { return inst.timeout }

// OutputLimit returns the bytes kept of each output stream of a command;
// 0 means the run's limit.
func (inst *Instance) OutputLimit() int { return inst.outputLimit }

// IgnoreErrors reports whether a failure of the instance lets what needs
// it run.
func (inst *Instance) IgnoreErrors() bool { return inst.ignoreErrors }

// Sudo reports whether the instance's commands run under sudo.
func (inst *Instance) Sudo() bool { return inst.sudo }

// Detach returns the options of the detached job the task asks its
// module to run (detach = true), or nil.
func (inst *Instance) Detach() *module.JobOptions {
	if !inst.detach {
		return nil
	}
	return &module.JobOptions{Poll: inst.poll}
}

// SudoUser returns the user sudo runs the instance's commands as, "" for
// root.
func (inst *Instance) SudoUser() string { return inst.sudoUser }

// ErrNotKnown is wrapped by the errors of Scope about a value that is not
// known when the instance runs: in check mode, one that depends on the
// outputs of a task that would change.
var ErrNotKnown = errors.New("not known")

// Scope is where the expressions of one instance are evaluated when it
// runs: the base scope with self, and task holding the outputs of the
// instances it reads.
type Scope struct {
	p    *Program
	inst *Instance
	refs *refValues
	ctx  *hcl.EvalContext
	// err holds the errors of the outputs of roles that the instance
	// reads, which When, Confirm and Module return.
	err error
}

// Scope returns the run-time scope of inst; outputs gives the outputs
// object of each finished instance that inst reads.
func (p *Program) Scope(inst *Instance, outputs func(*Instance) cty.Value) *Scope {
	refs, diags := inst.refValues(outputs)
	s := &Scope{p: p, inst: inst, refs: refs, ctx: p.instanceContext(inst, refs, cty.NilVal)}
	if diags.HasErrors() {
		s.err = module.Permanent(lang.DiagsError(diags))
	}
	return s
}

// When evaluates the task's when; true when it has none.
func (s *Scope) When() (bool, error) {
	if s.err != nil {
		return false, s.err
	}
	if a := s.inst.task.Meta.Get("when"); a != nil {
		return condition(a, s.ctx)
	}
	return true, nil
}

// Confirm returns the question to ask before the instance starts: the
// sentence evaluated when the playbook compiled, or now when it reads task
// outputs; empty when there is none.
func (s *Scope) Confirm() (string, error) {
	t := s.inst.task
	if s.err != nil {
		return "", s.err
	}
	if t.Meta.Get("confirm") == nil || !t.confirmLater {
		return s.inst.confirm, nil
	}
	sentence, diags := confirmSentence(t.Meta.Get("confirm"), s.ctx)
	if diags.HasErrors() {
		return "", lang.DiagsError(diags)
	}
	return sentence, nil
}

// unknownArgs is the error about the arguments named, whose values are
// not known: "the argument "that" is not known", or "the arguments
// "dest", "content" are not known".
func unknownArgs(names []string) error {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = strconv.Quote(n)
	}
	if len(names) == 1 {
		return fmt.Errorf("the argument %s is %w", quoted[0], ErrNotKnown)
	}
	return fmt.Errorf("the arguments %s are %w", strings.Join(quoted, ", "), ErrNotKnown)
}

// Module evaluates the module body and decodes it into a new module,
// checked by its Validate method when it has one. It returns the strings
// of the sensitive values among the arguments, to redact from whatever
// the module prints. Its errors are permanent (see module.Permanent):
// another attempt cannot mend them.
func (s *Scope) Module() (module.Module, []string, error) {
	if s.err != nil {
		return nil, nil, s.err
	}
	args, diags := evalArgs(s.inst.task, s.ctx)
	if diags.HasErrors() {
		return nil, nil, module.Permanent(lang.DiagsError(diags))
	}
	m, secrets, unknown, diags := decodeModule(s.inst, args)
	switch {
	case diags.HasErrors():
		return nil, secrets, module.Permanent(lang.DiagsError(diags))
	case len(unknown) > 0:
		return nil, secrets, module.Permanent(unknownArgs(unknown))
	}
	if v, ok := m.(module.Validator); ok {
		if err := v.Validate(); err != nil {
			return nil, secrets, module.Permanent(fmt.Errorf("invalid arguments: %w", err))
		}
	}
	return m, secrets, nil
}

// ChangedWhen evaluates changed_when over out, the outputs of the attempt
// that just ended; set is false when the task has none.
func (s *Scope) ChangedWhen(out cty.Value) (changed, set bool, err error) {
	return s.resultCondition(s.inst.task.Meta.Get("changed_when"), out)
}

// FailedWhen evaluates failed_when over out, the outputs of the attempt
// that just ended; set is false when the task has none.
func (s *Scope) FailedWhen(out cty.Value) (failed, set bool, err error) {
	return s.resultCondition(s.inst.task.Meta.Get("failed_when"), out)
}

// Until evaluates until over out, the outputs of the attempt that just
// ended; set is false when the task has none.
func (s *Scope) Until(out cty.Value) (met, set bool, err error) {
	return s.resultCondition(s.inst.task.Meta.Get("until"), out)
}

// resultCondition evaluates a condition over result, when a is set.
func (s *Scope) resultCondition(a *hcl.Attribute, out cty.Value) (bool, bool, error) {
	if a == nil {
		return false, false, nil
	}
	ok, err := condition(a, s.p.instanceContext(s.inst, s.refs, out))
	return ok, true, err
}

// condition evaluates a condition: when, failed_when, changed_when or
// until.
func condition(a *hcl.Attribute, ctx *hcl.EvalContext) (bool, error) {
	v, diags := lang.Eval(a.Expr, ctx)
	if diags.HasErrors() {
		return false, lang.DiagsError(diags)
	}
	place := lang.Place(a.Expr.Range())
	if v.IsNull() {
		return false, fmt.Errorf("%s: %s is null", place, a.Name)
	}
	b, err := lang.ConvertPlain(v, cty.Bool)
	if err != nil {
		return false, fmt.Errorf("%s: %s must be a bool: %w", place, a.Name, err)
	}
	if !b.IsKnown() {
		return false, fmt.Errorf("%s: %s is %w", place, a.Name, ErrNotKnown)
	}
	return b.True(), nil
}

// Outputs converts what the instance's module returned as Result.Outputs
// to the instance's outputs object, marking sensitive outputs; it returns
// the strings of those, to redact.
func (inst *Instance) Outputs(outputs any) (cty.Value, []string, error) {
	t := inst.task
	if len(t.schema.outNames) == 0 {
		return cty.EmptyObjectVal, nil, nil
	}
	rv := reflect.ValueOf(outputs)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if !rv.IsValid() || (rv.Kind() == reflect.Pointer && rv.IsNil()) {
		return cty.UnknownAsNull(cty.UnknownVal(t.schema.out)), nil, nil
	}
	if want := reflect.TypeOf(t.info.Outputs); rv.Type() != want {
		return cty.NilVal, nil, fmt.Errorf("module %s returned outputs of type %s, not %s", t.Module, rv.Type(), want)
	}
	v, err := gocty.ToCtyValue(rv.Interface(), t.schema.out)
	if err != nil {
		return cty.NilVal, nil, fmt.Errorf("module %s returned outputs that do not convert: %w", t.Module, err)
	}
	v, secrets := inst.markSensitive(v)
	return v, secrets, nil
}

// markSensitive marks the sensitive outputs of out, an outputs object of
// the instance, and returns the strings of those, to redact.
func (inst *Instance) markSensitive(out cty.Value) (cty.Value, []string) {
	sensitive := inst.task.schema.sensitiveOut
	if len(sensitive) == 0 || out.IsNull() {
		return out, nil
	}
	var secrets []string
	attrs := out.AsValueMap()
	for _, name := range slices.Sorted(maps.Keys(sensitive)) {
		secrets = lang.StringsIn(attrs[name], secrets)
		attrs[name] = lang.MarkSensitive(attrs[name])
	}
	return cty.ObjectVal(attrs), secrets
}

// HasOutputs reports whether the instance's module has outputs.
func (inst *Instance) HasOutputs() bool { return len(inst.task.schema.outNames) > 0 }

// NullOutputs stands for the outputs of an instance that was skipped or
// whose failure was ignored: every output null.
func (inst *Instance) NullOutputs() cty.Value { return nullOutputs(inst) }

// OutputsJSON returns out, an outputs object of the instance holding no
// sensitive value, in JSON.
func (inst *Instance) OutputsJSON(out cty.Value) (json.RawMessage, error) {
	if out.ContainsMarked() {
		return nil, errors.New("the outputs hold sensitive values")
	}
	return ctyjson.Marshal(out, inst.task.schema.out)
}

// RestoredOutputs returns the outputs object that data, written by
// OutputsJSON, holds, or cty.NilVal when it cannot be restored whole: the
// module has sensitive outputs, which the journal does not keep, or data
// no longer fits its outputs.
func (inst *Instance) RestoredOutputs(data json.RawMessage) cty.Value {
	schema := inst.task.schema
	if len(schema.outNames) == 0 {
		return cty.EmptyObjectVal
	}
	if len(data) == 0 || len(schema.sensitiveOut) > 0 {
		return cty.NilVal
	}
	v, err := ctyjson.Unmarshal(data, schema.out)
	if err != nil {
		return cty.NilVal
	}
	return v
}

// Reads returns the instances whose outputs inst Reads.
func (inst *Instance) Reads() []*Instance {
	var list []*Instance
	for _, v := range inst.views {
		list = append(list, v.same...)
		list = append(list, v.on...)
	}
	return list
}

// SealedOutputs returns out, an outputs object of the instance, in JSON
// with its sensitive values in clear, for an executor that hands outputs
// from one process to another over a channel that encrypts them. Only
// UnsealOutputs should read it.
func (inst *Instance) SealedOutputs(out cty.Value) (json.RawMessage, error) {
	plain, _ := lang.UnmarkSecrets(out)
	return ctyjson.Marshal(plain, inst.task.schema.out)
}

// UnsealOutputs returns the outputs object that data, written by
// SealedOutputs, holds, its sensitive outputs marked again, with the
// strings of those to redact.
func (inst *Instance) UnsealOutputs(data json.RawMessage) (cty.Value, []string, error) {
	schema := inst.task.schema
	if len(schema.outNames) == 0 {
		return cty.EmptyObjectVal, nil, nil
	}
	v, err := ctyjson.Unmarshal(data, schema.out)
	if err != nil {
		return cty.NilVal, nil, err
	}
	v, secrets := inst.markSensitive(v)
	return v, secrets, nil
}
