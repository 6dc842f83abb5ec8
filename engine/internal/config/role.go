package config

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/zclconf/go-cty/cty"
)

// Role is a role block: a directory of variable, locals, task, output and
// role blocks, used with inputs (the role's variables) and meta-arguments.
type Role struct {
	Name string
	Decl hcl.Range
	// Source is the source as written, SourceRange its place.
	Source      string
	SourceRange hcl.Range
	// Meta holds the role meta-arguments it sets (RoleArgs), by name.
	Meta map[string]*hcl.Attribute
	// Inputs are the other attributes, the values of the role's
	// variables, sorted by source range.
	Inputs []*hcl.Attribute
	// Config is the decoded source; nil when it could not be read.
	Config *Config
}

// Output is an output block: a value a role gives to what uses it.
type Output struct {
	Name string
	Decl hcl.Range
	// Value is the value attribute.
	Value *hcl.Attribute
	// Type is the declared type, cty.DynamicPseudoType when there is
	// none, and Defaults the defaults of its optional attributes.
	Type     cty.Type
	Defaults *typeexpr.Defaults
}

// RoleArgs are the meta-arguments of a role block, in the order the
// language reference lists them; every other attribute is an input. Each
// but source is a task meta-argument (MetaArgs) of the same meaning,
// applied to the role's tasks as a whole. A new one is a name here and
// the place where the compiler uses its value.
var RoleArgs = []string{"source", "on", "tags", "batch", "max_failures"}

// IsRoleArg reports whether name is a meta-argument of a role block.
func IsRoleArg(name string) bool { return slices.Contains(RoleArgs, name) }

// maxRoleDepth bounds the nesting of roles.
const maxRoleDepth = 32

// outputSchema is the schema of an output block.
var outputSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "value", Required: true}, {Name: "type"}, {Name: "description"},
}}

// outputBlock decodes an output block.
func (d *decoder) outputBlock(b *hcl.Block) {
	name := b.Labels[0]
	if !d.validName("output", name, b.LabelRanges[0]) || !d.declare("output", name, b.LabelRanges[0]) {
		return
	}
	content, diags := b.Body.Content(outputSchema)
	d.diags = append(d.diags, diags...)
	if diags.HasErrors() {
		return
	}
	o := &Output{Name: name, Decl: b.DefRange, Value: content.Attributes["value"], Type: cty.DynamicPseudoType}
	if a := content.Attributes["type"]; a != nil {
		ty, defaults, diags := typeConstraint(a.Expr)
		d.diags = append(d.diags, diags...)
		if !diags.HasErrors() {
			o.Type, o.Defaults = ty, defaults
		}
	}
	d.cfg.Outputs = append(d.cfg.Outputs, o)
}

// roleBlock decodes a role block and the directory its source names.
func (d *decoder) roleBlock(b *hcl.Block) {
	name := b.Labels[0]
	if !d.validName("role", name, b.LabelRanges[0]) || !d.declare("role", name, b.LabelRanges[0]) {
		return
	}
	r := &Role{Name: name, Decl: b.DefRange}
	r.Meta, r.Inputs = d.splitAttrs(b.Body, IsRoleArg)
	d.cfg.Roles = append(d.cfg.Roles, r)
	src := r.Meta["source"]
	if src == nil {
		d.errorf(b.DefRange.Ptr(), "Missing role source",
			"A role needs source, the directory of its blocks relative to this file, such as source = \"./roles/web\".")
		return
	}
	v, diags := src.Expr.Value(nil)
	if diags.HasErrors() || v.Type() != cty.String || v.IsNull() || v.AsString() == "" {
		d.errorf(src.Expr.Range().Ptr(), "Invalid role source",
			"source must be a text written as it is, naming a directory relative to this file, such as \"./roles/web\": it is read when the playbook loads, before any value is known.")
		return
	}
	r.Source, r.SourceRange = v.AsString(), src.Expr.Range()
	d.readRole(r)
}

// roleLink is one role of the chain that led to the role being decoded:
// its name, its source as written and the place that resolved to.
type roleLink struct{ name, source, path string }

// readRole reads and decodes the directory of r's source, refusing a
// source that leads back to a role of the chain being read.
func (d *decoder) readRole(r *Role) {
	src, path, err := d.roleSource(r)
	if err != nil {
		d.errorf(r.SourceRange.Ptr(), "Invalid role source", "The role's source cannot be read: %s.", err)
		return
	}
	key := src.canonical(path)
	chain := append(slices.Clone(d.chain), roleLink{r.Name, r.Source, key})
	i := slices.IndexFunc(d.chain, func(l roleLink) bool { return l.path == key })
	if i >= 0 || len(chain) > maxRoleDepth {
		steps := make([]string, 0, len(chain))
		for _, l := range chain[max(i, 0):] {
			steps = append(steps, fmt.Sprintf("role %q (source %q)", l.name, l.source))
		}
		if i >= 0 {
			d.errorf(r.SourceRange.Ptr(), "Role cycle", "A role cannot use itself, directly or through other roles: %s, which is %s again.", strings.Join(steps, " uses "), key)
		} else {
			d.errorf(r.SourceRange.Ptr(), "Roles nest too deep", "Roles may nest at most %d deep: %s.", maxRoleDepth, strings.Join(steps, " uses "))
		}
		return
	}
	files, _, diags := d.parser.ReadPlaybook(src, path)
	for _, diag := range diags {
		if diag.Subject == nil {
			diag.Subject = r.SourceRange.Ptr()
		}
	}
	d.diags = append(d.diags, diags...)
	if diags.HasErrors() {
		return
	}
	child := &decoder{cfg: &Config{}, seen: map[declKey]hcl.Range{}, parser: d.parser, src: src, bundled: d.bundled, chain: chain}
	child.files(files)
	d.diags = append(d.diags, child.diags...)
	r.Config = child.cfg
}

// BundledPrefix starts the source of a role that is a bundled playbook:
// bundled:NAME.
const BundledPrefix = "bundled:"

// roleSource returns where the source of r is read from and its name
// there: a path relative to the file of the role block, or a bundled
// playbook.
func (d *decoder) roleSource(r *Role) (Source, string, error) {
	name, ok := strings.CutPrefix(r.Source, BundledPrefix)
	if !ok {
		path, err := d.src.resolve(d.src.dir(r.Decl.Filename), r.Source)
		return d.src, path, err
	}
	if d.bundled == nil {
		return nil, "", fmt.Errorf("there are no bundled playbooks here, so %q cannot be read", r.Source)
	}
	src := bundledSource{fsSource{d.bundled}}
	file := BundledPrefix + name + ".hcl"
	if _, err := src.stat(file); err != nil || !fs.ValidPath(name) {
		files, _ := fs.Glob(d.bundled, "*.hcl")
		for i, f := range files {
			files[i] = strings.TrimSuffix(f, ".hcl")
		}
		return nil, "", fmt.Errorf("there is no bundled playbook named %q; the bundled playbooks are %s", name, strings.Join(files, ", "))
	}
	return src, file, nil
}
