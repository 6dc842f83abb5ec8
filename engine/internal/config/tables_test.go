package config

import (
	"slices"
	"testing"
)

// TestMetaArgsTable checks the meta-argument table: names unique, a scope
// for every meta-argument whose references are checked by the table, and
// Get refusing a name that is not in it.
func TestMetaArgsTable(t *testing.T) {
	names := MetaArgNames()
	if sorted := slices.Compact(slices.Sorted(slices.Values(names))); len(sorted) != len(names) {
		t.Errorf("meta-argument names repeat: %v", names)
	}
	for _, ma := range MetaArgs {
		if (ma.Refs == nil) != (ma.Kind == MetaStructure) {
			t.Errorf("%s: Refs %v, kind %d", ma.Name, ma.Refs, ma.Kind)
		}
	}
	if got := MetaArgNames(MetaResultCondition); !slices.Equal(got, []string{"failed_when", "changed_when", "until"}) {
		t.Errorf("result conditions %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("Get of a name that is not a meta-argument did not panic")
		}
	}()
	Meta{}.Get("whenn")
}

// TestRoleArgsTable checks that every meta-argument of a role block but
// source is a task meta-argument of the same name.
func TestRoleArgsTable(t *testing.T) {
	for _, name := range RoleArgs[1:] {
		if !IsMetaArg(name) {
			t.Errorf("the role meta-argument %s is not a task meta-argument", name)
		}
	}
}

// TestHostAttrsTable checks the host attribute table: names unique, a
// secret never shown in host.NAME, and the schema of a host block holding
// exactly the settable attributes.
func TestHostAttrsTable(t *testing.T) {
	seen := map[string]bool{}
	var settable []string
	for _, a := range HostAttrs {
		if seen[a.Name] {
			t.Errorf("host attribute %s repeats", a.Name)
		}
		seen[a.Name] = true
		if a.Secret && a.Value != nil {
			t.Errorf("the secret host attribute %s is shown in host.NAME", a.Name)
		}
		if a.Settable {
			settable = append(settable, a.Name)
		}
	}
	var schema []string
	for _, s := range HostSchema.Attributes {
		schema = append(schema, s.Name)
	}
	if !slices.Equal(schema, settable) {
		t.Errorf("host schema %v, settable %v", schema, settable)
	}
}
