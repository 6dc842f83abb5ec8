package sim

import (
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"time"

	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// ProfileHost is one host's part of a profile: each attribute is one knob
// of HostOptions (see the profile format in README.md). An attribute left
// out keeps the default.
type ProfileHost struct {
	Version          string   `hcl:"version,optional"`
	VersionIn        string   `hcl:"version_in,optional"`
	MachineID        string   `hcl:"machine_id,optional"`
	ConfFormat       string   `hcl:"conf_format,optional"`
	MongoShell       string   `hcl:"mongo_shell,optional"`
	MongoArbiter     bool     `hcl:"mongo_arbiter,optional"`
	BashrcNoise      string   `hcl:"bashrc_noise,optional"`
	Banner           string   `hcl:"banner,optional"`
	ShellRole        string   `hcl:"shell_role,optional"`
	ShellSudoDenied  bool     `hcl:"shell_sudo_denied,optional"`
	RequireTTY       bool     `hcl:"requiretty,optional"`
	MOTD             string   `hcl:"motd,optional"`
	ServicesStopped  bool     `hcl:"services_stopped,optional"`
	InvalidDisks     bool     `hcl:"invalid_disks,optional"`
	ReplicationMode  string   `hcl:"replication_mode,optional"`
	Master           string   `hcl:"master,optional"`
	ClosedPorts      []int    `hcl:"closed_ports,optional"`
	NoOpActions      []string `hcl:"no_op_actions,optional"`
	FailingActions   []string `hcl:"failing_actions,optional"`
	SSHClient        string   `hcl:"ssh_client,optional"`
	HostKeyType      string   `hcl:"host_key_type,optional"`
	KeyScriptPrompts bool     `hcl:"key_script_prompts,optional"`
	MongoUser        string   `hcl:"mongo_user,optional"`
	MongoPassword    string   `hcl:"mongo_password,optional"`
	LocalOnly        bool     `hcl:"local_only,optional"`
	StatusFormat     string   `hcl:"status_format,optional"`
	DownServices     []string `hcl:"down_services,optional"`
	DiskCacheFormat  string   `hcl:"disk_cache_format,optional"`
	SlowActions      []string `hcl:"slow_actions,optional"`
	ActionDelay      string   `hcl:"action_delay,optional"`
	ReplicateDelay   string   `hcl:"replicate_delay,optional"`
}

// Profile describes a pair in a file: what it stands for, the knobs of
// both hosts (block hosts), and those of each (blocks primary and
// secondary), which win over the shared ones.
type Profile struct {
	Description string `hcl:"description"`
	// Vars are variables of the playbook (NAME = VALUE) that a run on the
	// pair is given, such as the credentials a host of the profile
	// requires.
	Vars      map[string]string `hcl:"vars,optional"`
	Hosts     *ProfileHost      `hcl:"hosts,block"`
	Primary   *ProfileHost      `hcl:"primary,block"`
	Secondary *ProfileHost      `hcl:"secondary,block"`
}

// LoadProfile reads the profile at path.
func LoadProfile(path string) (*Profile, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read profile: %w", err)
	}
	return ParseProfile(src, path)
}

// ParseProfile parses a profile; filename names it in errors.
func ParseProfile(src []byte, filename string) (*Profile, error) {
	f, diags := hclparse.NewParser().ParseHCL(src, filename)
	if diags.HasErrors() {
		return nil, fmt.Errorf("profile %s: %w", filename, diags)
	}
	var p Profile
	if diags := gohcl.DecodeBody(f.Body, nil, &p); diags.HasErrors() {
		return nil, fmt.Errorf("profile %s: %w", filename, diags)
	}
	return &p, nil
}

// Apply sets the knobs of the profile on o, the shared ones first.
func (p *Profile) Apply(o *PairOptions) error {
	for _, h := range []struct {
		opts *HostOptions
		own  *ProfileHost
	}{{&o.Primary, p.Primary}, {&o.Secondary, p.Secondary}} {
		merged := overlay(p.Hosts, h.own)
		if err := merged.apply(h.opts); err != nil {
			return err
		}
	}
	return nil
}

// VarArgs returns the profile's playbook variables as NAME=VALUE, sorted
// by name.
func (p *Profile) VarArgs() []string {
	var args []string
	for _, name := range slices.Sorted(maps.Keys(p.Vars)) {
		args = append(args, name+"="+p.Vars[name])
	}
	return args
}

// overlay returns base with every field that over sets (non-zero) taking
// its place; either may be nil.
func overlay(base, over *ProfileHost) ProfileHost {
	var m ProfileHost
	if base != nil {
		m = *base
	}
	if over == nil {
		return m
	}
	mv, ov := reflect.ValueOf(&m).Elem(), reflect.ValueOf(over).Elem()
	for i := range ov.NumField() {
		if !ov.Field(i).IsZero() {
			mv.Field(i).Set(ov.Field(i))
		}
	}
	return m
}

// apply sets the knobs that are given on o.
func (h ProfileHost) apply(o *HostOptions) error {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&o.Version, h.Version)
	set(&o.VersionSource, h.VersionIn)
	set(&o.MachineID, h.MachineID)
	set(&o.ConfFormat, h.ConfFormat)
	set(&o.MongoShell, h.MongoShell)
	set(&o.BashrcNoise, h.BashrcNoise)
	set(&o.Banner, h.Banner)
	set(&o.ShellRole, h.ShellRole)
	set(&o.SSHClient, h.SSHClient)
	set(&o.HostKeyType, h.HostKeyType)
	set(&o.Faults.MOTD, h.MOTD)
	set(&o.Faults.ReplicationMode, h.ReplicationMode)
	set(&o.Faults.Master, h.Master)
	o.MongoArbiter = o.MongoArbiter || h.MongoArbiter
	o.ShellSudoDenied = o.ShellSudoDenied || h.ShellSudoDenied
	o.RequireTTY = o.RequireTTY || h.RequireTTY
	o.KeyScriptPrompts = o.KeyScriptPrompts || h.KeyScriptPrompts
	o.Faults.ServicesStopped = o.Faults.ServicesStopped || h.ServicesStopped
	o.Faults.InvalidDisks = o.Faults.InvalidDisks || h.InvalidDisks
	o.Faults.ClosedPorts = append(o.Faults.ClosedPorts, h.ClosedPorts...)
	o.Faults.NoOpActions = append(o.Faults.NoOpActions, h.NoOpActions...)
	o.Faults.FailingActions = append(o.Faults.FailingActions, h.FailingActions...)
	set(&o.MongoUser, h.MongoUser)
	set(&o.MongoPassword, h.MongoPassword)
	set(&o.StatusFormat, h.StatusFormat)
	set(&o.DiskCacheFormat, h.DiskCacheFormat)
	o.LocalOnly = o.LocalOnly || h.LocalOnly
	o.DownServices = append(o.DownServices, h.DownServices...)
	o.SlowActions = append(o.SlowActions, h.SlowActions...)
	for _, d := range []struct {
		name, value string
		dst         *time.Duration
	}{{"action_delay", h.ActionDelay, &o.ActionDelay}, {"replicate_delay", h.ReplicateDelay, &o.ReplicateDelay}} {
		if d.value == "" {
			continue
		}
		v, err := time.ParseDuration(d.value)
		if err != nil {
			return fmt.Errorf("%s: %w", d.name, err)
		}
		*d.dst = v
	}
	return nil
}
