package config

import (
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// HostConfig is a host of the inventory, as its host block sets it.
type HostConfig struct {
	// Name is the host's name in the playbook.
	Name string
	// Address is the host name or IP address to connect to; it defaults
	// to Name.
	Address string
	// Port is the SSH port; 0 means the transport's default.
	Port int
	// User is the user to connect as; empty means the transport's
	// default.
	User string
	// Groups are the groups the host belongs to, sorted.
	Groups []string
	// IdentityFile is the path of a private key to authenticate with.
	IdentityFile string
	// Password, SudoPassword and KeyPassphrase are secrets; they never
	// appear in events, reports or errors.
	Password, SudoPassword, KeyPassphrase string
	// Vars holds the host's variables, as host.NAME.vars shows them.
	Vars map[string]cty.Value
	// Warn, set only in the HostConfig given to RunOptions.Connect,
	// passes a warning about the host to the run, which emits it,
	// redacted, as an EventHostWarning event. A transport's warnings
	// belong there (sshtransport.ForHost does so).
	Warn func(message string)
}

// HostAttr is one attribute of a host, a row of HostAttrs.
type HostAttr struct {
	// Name is the attribute's name in a host block and in host.NAME.
	Name string
	// Type is the type its value converts to; a value not known when the
	// playbook compiles is an unknown value of this type.
	Type cty.Type
	// Settable reports that a host block may set it; name, the block's
	// label, cannot be set.
	Settable bool
	// Value gives the attribute in host.NAME (and self) from a host's
	// configuration; nil for an attribute that host.NAME does not show,
	// such as a password.
	Value func(HostConfig) cty.Value
	// Secret reports an attribute whose value is a secret, hidden
	// wherever the engine would show it.
	Secret bool
}

// HostAttrs are the attributes of a host. The schema of a host block, the
// attributes of host.NAME and self, and the names suggested for a misspelt
// one all come from this table; compile sets each from its value
// (setHostAttr). A new host attribute is a row here, a field of HostConfig
// and a case there.
var HostAttrs = []HostAttr{
	{Name: "name", Type: cty.String, Value: func(c HostConfig) cty.Value { return cty.StringVal(c.Name) }},
	{Name: "address", Type: cty.String, Settable: true, Value: func(c HostConfig) cty.Value { return cty.StringVal(c.Address) }},
	{Name: "port", Type: cty.Number, Settable: true, Value: func(c HostConfig) cty.Value { return cty.NumberIntVal(int64(c.Port)) }},
	{Name: "user", Type: cty.String, Settable: true, Value: func(c HostConfig) cty.Value { return cty.StringVal(c.User) }},
	{Name: "groups", Type: cty.List(cty.String), Settable: true, Value: groupsValue},
	{Name: "vars", Type: cty.DynamicPseudoType, Settable: true, Value: varsValue},
	{Name: "identity_file", Type: cty.String, Settable: true},
	{Name: "password", Type: cty.String, Settable: true, Secret: true},
	{Name: "sudo_password", Type: cty.String, Settable: true, Secret: true},
	{Name: "key_passphrase", Type: cty.String, Settable: true, Secret: true},
}

// groupsValue returns the groups of a host as a list of strings.
func groupsValue(c HostConfig) cty.Value {
	if len(c.Groups) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	list := make([]cty.Value, len(c.Groups))
	for i, g := range c.Groups {
		list[i] = cty.StringVal(g)
	}
	return cty.ListVal(list)
}

// varsValue returns the variables of a host as an object.
func varsValue(c HostConfig) cty.Value {
	if len(c.Vars) == 0 {
		return cty.EmptyObjectVal
	}
	return cty.ObjectVal(c.Vars)
}

// HostAttrNamed returns the host attribute called name, or nil.
func HostAttrNamed(name string) *HostAttr {
	for i := range HostAttrs {
		if HostAttrs[i].Name == name {
			return &HostAttrs[i]
		}
	}
	return nil
}

// HostSchema is the schema of a host block: its settable attributes.
var HostSchema = hostSchema()

// hostSchema builds HostSchema from HostAttrs.
func hostSchema() *hcl.BodySchema {
	s := &hcl.BodySchema{}
	for _, a := range HostAttrs {
		if a.Settable {
			s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: a.Name})
		}
	}
	return s
}

// ShownHostAttrs returns the names of the attributes host.NAME shows,
// sorted.
func ShownHostAttrs() []string {
	var names []string
	for _, a := range HostAttrs {
		if a.Value != nil {
			names = append(names, a.Name)
		}
	}
	slices.Sort(names)
	return names
}
