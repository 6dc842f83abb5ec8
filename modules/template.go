package modules

import (
	"bytes"
	"context"
	"fmt"
	"math/big"
	"text/template"

	"github.com/runbookhq/runbook/engine"
	"github.com/zclconf/go-cty/cty"
)

func init() {
	engine.RegisterModule(engine.ModuleInfo{
		Name: "template",
		Doc: "Renders a Go text/template (https://pkg.go.dev/text/template) with the given variables and writes the result " +
			"on the host like copy does. The template text usually comes from file(\"…\"); variables are read as {{ .name }}, " +
			"and a variable the template names but vars lacks is an error, found when the playbook loads unless the template or vars depend on other tasks. " +
			"A template in HCL's own syntax needs no module: pass templatefile(\"…\", {…}) to copy's content.",
		New:     func() engine.Module { return &Template{Mode: "0644"} },
		Outputs: FileOutputs{},
	})
}

// Template is the template module: it renders a Go text/template and
// writes the result on the host.
//
// The module takes Go's template language rather than HCL's because HCL
// templates are already rendered by the playbook itself (templatefile()
// in copy's content); this module serves templates written for Go tools.
type Template struct {
	Source string    `hcl:"source" doc:"The template text, usually file(\"…\")."`
	Vars   cty.Value `hcl:"vars,optional" doc:"An object whose attributes the template reads as {{ .name }}; values may be strings, numbers, bools, lists and objects."`
	Dest   string    `hcl:"dest" doc:"The absolute path of the file on the host."`
	Mode   string    `hcl:"mode,optional" doc:"The permission bits of the file, in octal."`
	Owner  string    `hcl:"owner,optional" doc:"The user that owns the file; changing it usually needs sudo = true."`
	Group  string    `hcl:"group,optional" doc:"The group that owns the file; changing it usually needs sudo = true."`
	Follow bool      `hcl:"follow,optional" doc:"When dest is a symbolic link, write to the file it points to and keep the link, and trust every link on the way to dest. Without it such a dest is refused, and so is a link on the way that a user other than root and the writing user could change. Either way the file is written to a new name and renamed into place, so no link planted beside dest is ever followed, with sudo or without."`
}

// Validate checks that vars is an object, that the template parses and
// renders with it (so that a variable it reads and vars lacks is refused
// when the playbook loads), and that dest, mode, owner and group are
// usable.
func (t *Template) Validate() error { return t.ValidateKnown(engine.AllKnown) }

// ValidateKnown checks what Validate does of the arguments that are known,
// so that a wrong dest or mode is refused when the playbook loads even
// when the template or its variables are known only after a run.
func (t *Template) ValidateKnown(known func(arg string) bool) error {
	if known("vars") {
		if _, err := t.data(); err != nil {
			return engine.ArgErrorf("vars", "%v", err)
		}
	}
	if known("source") {
		if _, err := t.parse(); err != nil {
			return engine.ArgErrorf("source", "%v", err)
		}
	}
	if known("source") && known("vars") {
		if _, err := t.render(); err != nil {
			return engine.ArgErrorf("source", "%v", err)
		}
	}
	return t.target().validateKnown(known)
}

// Describe says where the rendered file goes.
func (t *Template) Describe() string {
	return t.target().describe("render a template")
}

// SafeToRepeat reports true: writing the same file again is harmless.
func (t *Template) SafeToRepeat() bool { return true }

// Run renders the template and writes the result on env's host.
func (t *Template) Run(ctx context.Context, env *engine.Env) (engine.Result, error) {
	content, err := t.render()
	if err != nil {
		return engine.Result{}, err
	}
	return t.target().write(ctx, env, content)
}

// Check says whether Run would change the file, and with env.Diff how.
func (t *Template) Check(ctx context.Context, env *engine.Env) (engine.Result, error) {
	content, err := t.render()
	if err != nil {
		return engine.Result{}, err
	}
	return t.target().check(ctx, env, content)
}

// render renders the template with vars.
func (t *Template) render() ([]byte, error) {
	tmpl, err := t.parse()
	if err != nil {
		return nil, err
	}
	data, err := t.data()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("render template: %w", err)
	}
	return buf.Bytes(), nil
}

// parse parses the template text; a variable missing from vars is an
// error when the template runs.
func (t *Template) parse() (*template.Template, error) {
	tmpl, err := template.New("source").Option("missingkey=error").Parse(t.Source)
	if err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	return tmpl, nil
}

// data returns vars as the map the template reads.
func (t *Template) data() (map[string]any, error) {
	if t.Vars == cty.NilVal || t.Vars.IsNull() {
		return map[string]any{}, nil
	}
	vars, _ := t.Vars.UnmarkDeep()
	if !vars.Type().IsObjectType() && !vars.Type().IsMapType() {
		return nil, fmt.Errorf("vars must be an object, not %s", vars.Type().FriendlyName())
	}
	v, err := goValue(vars, "vars")
	if err != nil {
		return nil, err
	}
	return v.(map[string]any), nil
}

// target is where and how the rendered file is written.
func (t *Template) target() fileTarget {
	return fileTarget{dest: t.Dest, mode: t.Mode, owner: t.Owner, group: t.Group, follow: t.Follow}
}

// goValue converts a known cty value to the plain Go value a template
// reads: string, bool, int64 (whole numbers that fit) or float64, []any
// for lists, sets and tuples, map[string]any for maps and objects, and nil
// for null. where names v in errors, e.g. vars.ports[1].
func goValue(v cty.Value, where string) (any, error) {
	switch {
	case v.IsNull():
		return nil, nil
	case !v.IsWhollyKnown():
		return nil, fmt.Errorf("%s is not known yet", where)
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		return v.AsString(), nil
	case ty == cty.Bool:
		return v.True(), nil
	case ty == cty.Number:
		bf := v.AsBigFloat()
		if i, acc := bf.Int64(); acc == big.Exact {
			return i, nil
		}
		f, _ := bf.Float64()
		return f, nil
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType():
		list := make([]any, 0, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			g, err := goValue(e, fmt.Sprintf("%s[%d]", where, len(list)))
			if err != nil {
				return nil, err
			}
			list = append(list, g)
		}
		return list, nil
	case ty.IsMapType() || ty.IsObjectType():
		m := make(map[string]any, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			g, err := goValue(e, where+"."+k.AsString())
			if err != nil {
				return nil, err
			}
			m[k.AsString()] = g
		}
		return m, nil
	}
	return nil, fmt.Errorf("%s has type %s, which a template cannot read", where, ty.FriendlyName())
}

var (
	_ engine.Validator  = (*Template)(nil)
	_ engine.Describer  = (*Template)(nil)
	_ engine.Repeatable = (*Template)(nil)
	_ engine.Checker    = (*Template)(nil)
)
