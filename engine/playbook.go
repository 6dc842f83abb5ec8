package engine

import (
	"io"
	"io/fs"
	"maps"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/internal/compile"
	"github.com/runbookhq/runbook/engine/internal/config"
)

// These names keep the types of a loaded playbook, defined by the
// compiler, part of the engine's public face. Each is documented where it
// is defined.
type (
	// LoadOptions are the values given to a playbook from outside its
	// files (see compile.LoadOptions).
	LoadOptions = compile.LoadOptions
	// HostConfig is a host of the inventory, as its host block sets it.
	HostConfig = config.HostConfig
	// InstanceInfo identifies a task instance: one task on one host.
	InstanceInfo = compile.InstanceInfo
	// Plan is what a run would do, as far as it is known before anything
	// runs.
	Plan = compile.Plan
	// PlannedInstance is one task instance in a plan.
	PlannedInstance = compile.PlannedInstance
)

// LocalHost is the name of the built-in host that stands for the control
// node: tasks without on run on it, and no host block may take its name.
const LocalHost = config.LocalHost

// KnownAfterRun stands, in plans and in InstanceInfo.Confirm, for a value
// that depends on the outputs of tasks that have not run.
const KnownAfterRun = compile.KnownAfterRun

// Playbook is a loaded playbook: its variables resolved, its locals and
// hosts evaluated, its tasks expanded into one instance per host, and the
// graph of those instances checked. A Playbook is read-only once loaded and
// may be run several times.
type Playbook struct {
	prog *compile.Program
}

// Load reads the playbook at path, a file or a directory of *.hcl and
// *.hcl.json files (var files, *.vars.hcl, excluded), resolves its
// variables from opts, and checks it whole: references, types, the module
// bodies against their schemas, and the dependency graph. Nothing connects
// to any host.
//
// The returned Playbook is never nil: when the diagnostics hold errors it
// serves only to print them (Files) and Run refuses it.
func Load(path string, opts LoadOptions) (*Playbook, hcl.Diagnostics) {
	prog, diags := compile.Load(path, opts)
	return &Playbook{prog}, diags
}

// LoadFS is Load for a playbook in fsys (such as an embedded one); dir is
// a directory or a file of fsys. Var files are still read from the
// operating system's file system.
func LoadFS(fsys fs.FS, dir string, opts LoadOptions) (*Playbook, hcl.Diagnostics) {
	prog, diags := compile.LoadFS(fsys, dir, opts)
	return &Playbook{prog}, diags
}

// SyntaxErrors returns the syntax errors of src, the content of the file
// called filename (in JSON syntax when its name ends in .json), as Load
// reports them: each in the file's order, but for those that may only
// follow from an earlier one.
func SyntaxErrors(src []byte, filename string) hcl.Diagnostics {
	if _, diags := config.NewParser().Parse(src, filename); diags.HasErrors() {
		return diags
	}
	return nil
}

// Files returns the parsed files of the playbook (and of its var files),
// by name, for printing diagnostics with NewDiagnosticWriter (or
// hcl.NewDiagnosticTextWriter, which shows long source lines whole).
func (p *Playbook) Files() map[string]*hcl.File { return p.prog.Files() }

// Hosts returns the inventory, sorted by name, the built-in local host
// included.
func (p *Playbook) Hosts() []HostConfig {
	list := make([]HostConfig, len(p.prog.Hosts()))
	for i, h := range p.prog.Hosts() {
		list[i] = h.Config()
		list[i].Groups = slices.Clone(list[i].Groups)
		list[i].Vars = maps.Clone(list[i].Vars)
	}
	return list
}

// Instances returns every task instance, sorted by task, then host; nil
// when the playbook has errors.
func (p *Playbook) Instances() []InstanceInfo {
	if !p.prog.Valid() {
		return nil
	}
	list := make([]InstanceInfo, len(p.prog.Instances()))
	for i, inst := range p.prog.Instances() {
		list[i] = inst.Info()
	}
	return list
}

// Plan evaluates every instance's arguments with the outputs of other
// tasks unknown, and asks modules to describe the instances whose
// arguments are all known; what is known of the arguments was validated
// when the playbook loaded. It connects to no host. The plan lists the
// instances in run order.
func (p *Playbook) Plan() (*Plan, hcl.Diagnostics) { return p.prog.Plan() }

// WriteDOT writes the dependency graph in Graphviz DOT syntax: one node
// per task (labelled with its module), or per instance when perHost is
// true (labelled with its host and peers), and an edge from each
// dependency to what depends on it. The order of nodes and edges is
// stable.
func (p *Playbook) WriteDOT(w io.Writer, perHost bool) error {
	if !p.prog.Valid() {
		return compile.ErrInvalid
	}
	return p.prog.WriteDOT(w, perHost)
}

// JournalKey returns the key of the playbook's journal (see journal.Open
// and RunOptions.Journal): a hash of where the playbook was loaded from
// (its absolute path, or its name in an embedded file system) and of the
// names, addresses and ports of its hosts, so that each playbook and
// inventory keeps a journal of its own.
func (p *Playbook) JournalKey() string { return p.prog.JournalKey() }

// SelectHosts returns the names of the hosts that a limit of host and group
// names selects: the hosts it names and the members of the groups it
// names; an empty limit selects every host. A name that is neither a host
// nor a group is an error, and so is a limit that selects no host any of
// the playbook's instances runs on, when it has some. Run selects the hosts of RunOptions.Limit with
// the same rule, so a program can check a limit before it runs anything.
func (p *Playbook) SelectHosts(limit []string) (map[string]bool, error) {
	return p.prog.SelectHosts(limit)
}

// SelectTags returns the IDs ("task@host", see InstanceInfo.ID) of the
// instances that a run with RunOptions.Tags set to tags and SkipTags to
// skip runs: the tasks with one of tags (every task when tags is empty)
// and none of skip, with every instance they depend on. A tag that no
// task has is an error. Run selects with the same rule, so a program can
// check tags before it runs anything.
func (p *Playbook) SelectTags(tags, skip []string) (map[string]bool, error) {
	set, err := p.prog.TagSet(tags, skip)
	if err != nil {
		return nil, err
	}
	ids := map[string]bool{}
	for _, inst := range p.prog.Instances() {
		if set == nil || set[inst.ID()] {
			ids[inst.Name()] = true
		}
	}
	return ids, nil
}

// MetaArguments returns the names of the meta-arguments every task
// accepts besides its module's own arguments, in the order the language
// reference lists them.
func MetaArguments() []string {
	names := make([]string, len(config.MetaArgs))
	for i, ma := range config.MetaArgs {
		names[i] = ma.Name
	}
	return names
}
