package compile

import "io/fs"

// LoadOptions are the values given to a playbook from outside its files.
type LoadOptions struct {
	// Vars holds "NAME=VALUE" assignments, as given by -var flags, in
	// command-line order; a later one wins.
	Vars []string
	// VarFiles holds the paths of *.vars.hcl files, in order; a later file
	// wins.
	VarFiles []string
	// Environ is the environment (as os.Environ returns it), from which
	// RUNBOOK_VAR_NAME values are read. Nil means no environment values.
	Environ []string
	// Inventory holds the paths of extra files, in HCL native syntax or
	// (named *.json) JSON syntax, whose host blocks join the playbook's.
	// They hold host blocks only, which may refer to variables and local
	// values like any host block; a host declared twice, in the playbook
	// or in another inventory file, is an error. They are read from
	// Files, also for LoadFS.
	Inventory []string
	// Files is the file system that VarFiles and Inventory are read
	// from, by slash-separated names; nil means the operating system's.
	Files fs.FS
	// Bundled holds the bundled playbooks, each a file NAME.hcl at its
	// root, which a role uses with source = "bundled:NAME". Nil means
	// none.
	Bundled fs.FS
}
