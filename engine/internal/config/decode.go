package config

import (
	"io/fs"
	"slices"
	"strings"
	"unicode"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/zclconf/go-cty/cty"
)

// LocalHost is the name of the built-in host that stands for the control
// node: tasks without on run on it, and no host block may take its name.
const LocalHost = "local"

// Config is a playbook as its blocks declare it, decoded and checked for
// shape but not evaluated.
type Config struct {
	// Variables are the variable blocks, sorted by name.
	Variables []*Variable
	// Locals are the attributes of the locals blocks, sorted by name.
	Locals []*Local
	// Hosts are the host blocks of the playbook, then of the inventory
	// files, in the order read.
	Hosts []*Host
	// Tasks are the task blocks, sorted by name.
	Tasks []*Task
	// Roles are the role blocks, sorted by name.
	Roles []*Role
	// Outputs are the output blocks, sorted by name.
	Outputs []*Output
	// InventoryUnread reports that an inventory file could not be read
	// or parsed: the hosts and groups it declares are not known.
	InventoryUnread bool
	// Inventory holds the inventory files read.
	Inventory []NamedFile
	// Files holds the files decoded (for a role, those of its directory).
	Files []NamedFile
}

// Variable is a variable block.
type Variable struct {
	Name string
	Decl hcl.Range
	// Type is the declared type, cty.DynamicPseudoType when there is none,
	// and Defaults the defaults of its optional attributes.
	Type     cty.Type
	Defaults *typeexpr.Defaults
	// Default is nil when the variable is required.
	Default *hcl.Attribute
	// DescriptionAttr and SensitiveAttr are constants, evaluated by the
	// compiler; nil when not set.
	DescriptionAttr, SensitiveAttr *hcl.Attribute
	Validations                    []Validation
}

// Validation is a validation block of a variable.
type Validation struct {
	Condition, ErrorMessage hcl.Expression
}

// Local is one attribute of a locals block.
type Local struct {
	Name string
	Attr *hcl.Attribute
}

// Host is a host block.
type Host struct {
	Name string
	// Decl is the place of its name.
	Decl hcl.Range
	// Attrs are its attributes, sorted by source range.
	Attrs []*hcl.Attribute
}

// Task is a task block: its module's name, its meta-arguments, and its
// module's arguments, which the compiler checks against the module's
// schema.
type Task struct {
	Name, Module string
	Decl         hcl.Range
	ModuleRange  hcl.Range
	// Attrs are the module's arguments, sorted by source range.
	Attrs []*hcl.Attribute
	Meta  Meta
	// Body is the block's body, for the place of a missing argument.
	Body hcl.Body
}

// rootSchema is the schema of a playbook file.
var rootSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
	{Type: "variable", LabelNames: []string{"name"}},
	{Type: "locals"},
	{Type: "host", LabelNames: []string{"name"}},
	{Type: "task", LabelNames: []string{"module", "name"}},
	{Type: "role", LabelNames: []string{"name"}},
	{Type: "output", LabelNames: []string{"name"}},
}}

// decoder holds the state of one Decode.
type decoder struct {
	cfg   *Config
	diags hcl.Diagnostics
	// declaration ranges of named items, for duplicate checks
	seen   map[declKey]hcl.Range
	parser *Parser
	src    Source
	// bundled holds the bundled playbooks, which a role's source names as
	// bundled:NAME; nil when there are none.
	bundled fs.FS
	// chain is the roles that led here; empty for the playbook.
	chain []roleLink
}

// Decode decodes the top-level blocks of files, with the directories of
// their roles read from src (or from bundled, the bundled playbooks, for
// a source bundled:NAME), then reads the inventory files at the paths
// given, from extra, through parser and decodes their host blocks.
// Nothing is evaluated.
func Decode(parser *Parser, src Source, bundled fs.FS, files []NamedFile, extra Source, inventory []string) (*Config, hcl.Diagnostics) {
	d := &decoder{cfg: &Config{}, seen: map[declKey]hcl.Range{}, parser: parser, src: src, bundled: bundled}
	d.files(files)
	d.inventory(parser, extra, inventory)
	return d.cfg, d.diags
}

// files decodes the blocks of files, those of a playbook or of a role's
// directory, and sorts what they declare by name.
func (d *decoder) files(files []NamedFile) {
	for _, f := range files {
		content, diags := f.File.Body.Content(rootSchema)
		d.diags = append(d.diags, diags...)
		for _, b := range content.Blocks {
			switch b.Type {
			case "variable":
				d.variableBlock(b)
			case "locals":
				d.localsBlock(b)
			case "host":
				d.hostBlock(b)
			case "task":
				d.taskBlock(b)
			case "role":
				d.roleBlock(b)
			case "output":
				d.outputBlock(b)
			}
		}
		d.cfg.Files = append(d.cfg.Files, f)
	}
	c := d.cfg
	slices.SortFunc(c.Variables, func(a, b *Variable) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(c.Locals, func(a, b *Local) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(c.Tasks, func(a, b *Task) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(c.Roles, func(a, b *Role) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(c.Outputs, func(a, b *Output) int { return strings.Compare(a.Name, b.Name) })
}

// errorf records an error diagnostic.
func (d *decoder) errorf(subject *hcl.Range, summary, format string, args ...any) {
	d.diags = append(d.diags, Errorf(subject, summary, format, args...))
}

// declKey names a declared item: its kind and its name.
type declKey struct{ kind, name string }

// declare records a named item, reporting a duplicate. kind is the item's
// kind as messages name it ("task", "host", "variable", "local value").
func (d *decoder) declare(kind, name string, rng hcl.Range) bool {
	key := declKey{kind, name}
	if prev, dup := d.seen[key]; dup {
		d.errorf(rng.Ptr(), "Duplicate "+kind,
			"A %s named %q was already declared at %s. Names of %ss must be unique in the playbook.", kind, name, prev, kind)
		return false
	}
	d.seen[key] = rng
	return true
}

// validName checks that a block label is a valid name, so that references
// can spell it.
func (d *decoder) validName(kind, name string, rng hcl.Range) bool {
	if ValidIdentifier(name) {
		return true
	}
	d.errorf(rng.Ptr(), "Invalid "+kind+" name",
		"%q is not a valid name: a name starts with a letter or an underscore and holds only letters, digits, underscores and dashes.", name)
	return false
}

// ValidIdentifier reports whether s is a name references can spell: a
// letter or an underscore, then letters, digits, underscores and dashes.
func ValidIdentifier(s string) bool {
	for i, r := range s {
		if !(r == '_' || unicode.IsLetter(r) || i > 0 && (r == '-' || unicode.IsDigit(r))) {
			return false
		}
	}
	return s != ""
}

// SortedAttrs returns attrs ordered by their place in the source.
func SortedAttrs(attrs hcl.Attributes) []*hcl.Attribute {
	list := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		list = append(list, a)
	}
	slices.SortFunc(list, func(a, b *hcl.Attribute) int {
		if c := strings.Compare(a.Range.Filename, b.Range.Filename); c != 0 {
			return c
		}
		return a.Range.Start.Byte - b.Range.Start.Byte
	})
	return list
}

// localsBlock records the local values of a locals block.
func (d *decoder) localsBlock(b *hcl.Block) {
	attrs, diags := b.Body.JustAttributes()
	d.diags = append(d.diags, diags...)
	for _, a := range SortedAttrs(attrs) {
		if d.declare("local value", a.Name, a.NameRange) {
			d.cfg.Locals = append(d.cfg.Locals, &Local{Name: a.Name, Attr: a})
		}
	}
}

// hostBlock records a host block.
func (d *decoder) hostBlock(b *hcl.Block) {
	name := b.Labels[0]
	if !d.validName("host", name, b.LabelRanges[0]) {
		return
	}
	if name == LocalHost {
		d.errorf(b.LabelRanges[0].Ptr(), "Reserved host name",
			"The host %q is built in: it is the control node that runs the playbook. Give this host another name.", name)
		return
	}
	if !d.declare("host", name, b.LabelRanges[0]) {
		return
	}
	content, diags := b.Body.Content(HostSchema)
	d.diags = append(d.diags, diags...)
	d.cfg.Hosts = append(d.cfg.Hosts, &Host{Name: name, Decl: b.LabelRanges[0], Attrs: SortedAttrs(content.Attributes)})
}

// taskBlock decodes a task block: its module, its meta-arguments and its
// module's arguments.
func (d *decoder) taskBlock(b *hcl.Block) {
	module, name := b.Labels[0], b.Labels[1]
	if !d.validName("task", name, b.LabelRanges[1]) || !d.declare("task", name, b.LabelRanges[1]) {
		return
	}
	t := &Task{Name: name, Module: module, Decl: b.DefRange, ModuleRange: b.LabelRanges[0], Body: b.Body}
	d.cfg.Tasks = append(d.cfg.Tasks, t)
	t.Meta, t.Attrs = d.splitAttrs(b.Body, IsMetaArg)
}

// splitAttrs returns the attributes of body that isMeta accepts, by name,
// and the others, sorted by source range.
func (d *decoder) splitAttrs(body hcl.Body, isMeta func(string) bool) (map[string]*hcl.Attribute, []*hcl.Attribute) {
	attrs, diags := body.JustAttributes()
	d.diags = append(d.diags, diags...)
	meta := map[string]*hcl.Attribute{}
	var rest []*hcl.Attribute
	for _, a := range SortedAttrs(attrs) {
		if isMeta(a.Name) {
			meta[a.Name] = a
		} else {
			rest = append(rest, a)
		}
	}
	return meta, rest
}

// inventory reads the inventory files at paths in src and records their
// host blocks; any other block is an error.
func (d *decoder) inventory(parser *Parser, src Source, paths []string) {
	for _, path := range paths {
		data, err := ReadFile(src, path)
		if err != nil {
			d.errorf(nil, "Cannot read inventory file", "%s", err)
			d.cfg.InventoryUnread = true
			continue
		}
		f, diags := parser.Parse(data, path)
		d.diags = append(d.diags, diags...)
		if f == nil {
			d.cfg.InventoryUnread = true
			continue
		}
		content, diags := f.Body.Content(rootSchema)
		d.diags = append(d.diags, diags...)
		for _, b := range content.Blocks {
			if b.Type != "host" {
				d.errorf(b.DefRange.Ptr(), "Not a host block",
					"The inventory file %s may hold only host blocks; this %s block belongs in the playbook.", path, b.Type)
				continue
			}
			d.hostBlock(b)
		}
		d.cfg.Inventory = append(d.cfg.Inventory, NamedFile{path, f})
	}
}
