package main

import (
	"io/fs"
	"slices"

	"github.com/runbookhq/runbook/playbooks"
)

// bundledPlaybook returns the file system of the bundled playbooks and the
// file of the one called name.
func bundledPlaybook(name string) (fsys fs.FS, file string, ok bool) {
	if !slices.Contains(playbooks.Names(), name) {
		return nil, "", false
	}
	return playbooks.FS, name + ".hcl", true
}

// bundledNames returns the names of the bundled playbooks, sorted.
func bundledNames() []string {
	return playbooks.Names()
}
