package compile

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/dag"
	"github.com/runbookhq/runbook/engine/internal/config"
	"github.com/runbookhq/runbook/engine/internal/lang"
	"github.com/runbookhq/runbook/engine/module"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// Program is a compiled playbook: its variables resolved, its locals and
// hosts evaluated, its tasks expanded into one instance per host with
// their meta-arguments evaluated, the graph of those instances checked,
// and the expressions left for run time (when, failed_when, changed_when,
// until, a confirm that reads task outputs) kept as compiled values. A Program is
// read-only once compiled and may be run several times.
type Program struct {
	origin  string // where it was loaded from: an absolute path, or "embedded:" and the name in its fs.FS
	files   map[string]*hcl.File
	sources []config.NamedFile // the playbook's files, then the inventory files, in the order read
	funcs   map[string]function.Function
	root    *scope      // the playbook's own scope, in which its roles nest
	vars    []*variable // the playbook's variables (those of root), sorted by name
	varIdx  map[string]*variable
	hosts   []*Host // sorted by name, the built-in local host included
	hostIdx map[string]*Host
	groups  map[string][]*Host // each sorted by name
	// groupsUnknown is set when the groups of some host are not known
	// (a variable is missing): every group's value is then unknown.
	groupsUnknown bool
	tasks         []*task          // every task, of the playbook and of its roles, sorted by qualified name
	taskIdx       map[string]*task // by qualified name
	insts         []*Instance      // sorted by task, then host; an instance's id is its index
	graph         *dag.Graph
	secrets       *lang.Redactor
	valid         bool // loaded without errors
}

// InstanceInfo identifies a task instance: one task on one host.
type InstanceInfo struct {
	// Task is the task's qualified name: its name, or
	// role.ROLE.task.NAME for a task of a role.
	Task string
	// Module is the task's module.
	Module string
	// Host is the name of the host the instance runs on.
	Host string
	// Key is the instance's key in its task's for_each, or empty when
	// the task has none.
	Key string
	// Confirm is the question the instance asks before it starts: the
	// task's confirm sentence, or KnownAfterRun when the sentence depends
	// on task outputs (it may then turn out empty), or empty when the
	// instance asks nothing. The InstanceInfo given to
	// RunOptions.Confirm always holds the sentence itself.
	Confirm string
	// DependsOn lists the instances this one waits for, as "task@host"
	// IDs, sorted.
	DependsOn []string
	// Peers lists the other hosts the instance holds besides Host, named
	// by its module's HostRef arguments, sorted.
	Peers []string
	// Batch names what makes the instance go through in batches
	// (task.NAME, role.NAME or role.ROLE.task.NAME), or is empty when
	// nothing does; it is in batch BatchIndex (from 1) of Batches, and
	// the later batches are stopped once more than MaxFailures hosts
	// have failed.
	Batch                            string
	BatchIndex, Batches, MaxFailures int
	// OnChange lists, as "task@host" IDs in the order written, the
	// instances of the task's on_change: the instance runs only when one
	// of them changed something. Empty when the task has no on_change.
	OnChange []string
}

// ID returns the instance's ID: "task@host", or "task@host[key]" for an
// instance of a task with for_each.
func (i InstanceInfo) ID() string { return instanceID(i.Task, i.Host, i.Key) }

// Label names the instance in a sentence, as errors and messages do: "task
// NAME on host HOST", or "task NAME[KEY] on host HOST" for an instance of
// a task with for_each.
func (i InstanceInfo) Label() string { return InstanceLabel(i.Task, i.Host, i.Key) }

// InstanceLabel names the instance of task on host with key in a
// sentence; see InstanceInfo.Label.
func InstanceLabel(task, host, key string) string {
	return "task " + withKey(task, key) + " on host " + host
}

// withKey returns the name of task with key in brackets after it, or the
// name alone when key is empty.
func withKey(task, key string) string {
	if key == "" {
		return task
	}
	return task + "[" + key + "]"
}

// instanceID returns the ID of the instance of task on host with key.
func instanceID(task, host, key string) string {
	if key == "" {
		return task + "@" + host
	}
	return task + "@" + host + "[" + key + "]"
}

// variable is a variable block and its resolved value.
type variable struct {
	*config.Variable
	description string
	sensitive   bool
	value       cty.Value
	from        valueSource
	set         bool // a value was given or defaulted
}

// valueSource tells where a variable's value came from, for messages.
type valueSource struct {
	what string     // e.g. "the -var flag"
	rng  *hcl.Range // the value's place in a file, when it has one
}

// localValue is one attribute of a locals block and its value.
type localValue struct {
	*config.Local
	value cty.Value
}

// Host is a host of the inventory.
type Host struct {
	scope   *scope    // the scope of its host block; nil for the built-in local host
	decl    hcl.Range // the place of its name in its host block
	cfg     config.HostConfig
	attrs   []*hcl.Attribute // sorted by source range
	obj     cty.Value        // the value of host.NAME and self
	index   int              // position in Program.hosts
	builtin bool
}

// task is a task block, its module and the instances it expands into.
type task struct {
	*config.Task
	scope        *scope     // where its references resolve
	qname        string     // its qualified name: its name in the playbook, role.web.task.NAME in a role
	outs         []*output  // the outputs of roles that its module body, when and until read
	batchPlan    *batchPlan // its batch and max_failures; nil without batch
	info         module.Info
	schema       *moduleSchema
	refs         []lang.Reference // task references made by the module body, when and until
	after        []lang.Reference // the task references of depends_on
	afterRoles   []roleDep        // the roles depends_on names
	watch        []lang.Reference // the task references of on_change
	tags         []string         // its tags and those of its roles, sorted
	throttle     int              // at most this many of its instances run at once; 0 for no bound
	hosts        []*Host
	insts        []*Instance            // sorted by host, then key
	byHost       map[string][]*Instance // the instances by host name, sorted by key
	broken       bool                   // errors were reported; checks that would repeat them are skipped
	confirmLater bool                   // confirm refers to task outputs, so it is evaluated when an instance runs
	onUnknown    bool                   // on is not known (a variable is missing): the task has no instance to check
}

// ref returns how a reference from the playbook names the task:
// task.NAME, or role.ROLE.task.NAME for a task of a role.
func (t *task) ref() string {
	if t.scope.role == nil {
		return "task." + t.Name
	}
	return t.qname
}

// keyed reports whether the task sets for_each, which keys its instances.
func (t *task) keyed() bool { return t.Meta.Get("for_each") != nil }

// instance returns the instance of t on host with key, or nil.
func (t *task) instance(host, key string) *Instance {
	insts := t.byHost[host]
	if i, ok := slices.BinarySearchFunc(insts, key, func(inst *Instance, key string) int { return strings.Compare(inst.key, key) }); ok {
		return insts[i]
	}
	return nil
}

// Instance is a task on one host: a node of the graph.
type Instance struct {
	id           int
	task         *task
	host         *Host
	key          string    // its key in the task's for_each, or "" without one
	each         cty.Value // each: its key and value in for_each, or cty.NilVal without one
	peers        []*Host   // the other hosts its HostRef arguments name, in host order
	retries      int
	delay        time.Duration
	timeout      time.Duration
	outputLimit  int // bytes kept of each output stream; 0 for the run's limit
	ignoreErrors bool
	sudo         bool
	detach       bool          // its module runs its work as a detached job
	poll         time.Duration // how often a detached job is polled; 0 for the default
	confirm      string        // the confirm sentence when known at load, or empty
	deps         []int         // ids of the instances this one waits for, sorted
	views        []taskView    // what task.NAME shows this instance and the outputs it reads, sorted by qualified name
	outs         []*output     // the outputs of roles it reads, directly or through other outputs
	batch        *Batch        // the batches it goes through in, of its task or of a role; nil for none
	waits        []int         // ids of the instances of the batch before its own, which it waits for, sorted
	sudoUser     string        // the user sudo makes the commands run as; "" for root
	watches      []*Instance   // the instances of on_change, in the order written
	public       InstanceInfo
}

// taskView is what one task reference shows an instance: the instances of
// the task on the same host (one, or those of the keys it names when the
// task has for_each), and the instances named through task.NAME.on.
type taskView struct {
	task *task
	same []*Instance // sorted by key
	on   []*Instance // sorted by host, then key
}

// describe fills inst.public, once the graph is built.
func (inst *Instance) describe(p *Program) {
	deps := make([]string, len(inst.deps))
	for i, d := range inst.deps {
		deps[i] = p.insts[d].Name()
	}
	confirm := inst.confirm
	if inst.task.confirmLater {
		confirm = KnownAfterRun
	}
	var watches []string
	for _, w := range inst.watches {
		watches = append(watches, w.Name())
	}
	inst.public = InstanceInfo{Task: inst.task.qname, Module: inst.task.Module, Host: inst.host.cfg.Name, Key: inst.key, Confirm: confirm, DependsOn: deps, Peers: inst.PeerNames(), OnChange: watches}
	if b := inst.batch; b != nil {
		inst.public.Batch, inst.public.BatchIndex, inst.public.Batches, inst.public.MaxFailures = b.name, b.Index(inst)+1, b.Len(), b.maxFailures
	}
}

// Info returns the public description of inst, with a DependsOn, Peers
// and OnChange of its own.
func (inst *Instance) Info() InstanceInfo {
	i := inst.public
	i.DependsOn = slices.Clone(i.DependsOn)
	i.Peers = slices.Clone(i.Peers)
	i.OnChange = slices.Clone(i.OnChange)
	return i
}

// Name returns the instance's ID: "task@host", or "task@host[key]" for
// an instance of a task with for_each.
func (inst *Instance) Name() string { return instanceID(inst.task.qname, inst.host.cfg.Name, inst.key) }

// Label names the instance in a sentence; see InstanceInfo.Label.
func (inst *Instance) Label() string {
	return InstanceLabel(inst.task.qname, inst.host.cfg.Name, inst.key)
}

// Files returns the parsed files of the playbook (and of its var files),
// by name, for printing diagnostics with NewDiagnosticWriter (or
// hcl.NewDiagnosticTextWriter, which shows long source lines whole).
func (p *Program) Files() map[string]*hcl.File { return maps.Clone(p.files) }
