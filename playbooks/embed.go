// Package playbooks carries the playbooks bundled with runbook, embedded so
// that the binary holds them: ha-pair.hcl, which sets up replication on an
// Alation HA pair (versions 4.7 and below). Load one with
//
//	engine.LoadFS(playbooks.FS, ".", opts)
//
// after importing the modules it uses (modules and modules/alation). The
// package's tests run the bundled playbook, unchanged, against a simulated
// Alation pair.
package playbooks

import (
	"embed"
	"io/fs"
	"sort"
	"strings"
)

// FS holds the bundled playbook files, at its root.
//
//go:embed *.hcl
var FS embed.FS

// Names returns the names of the bundled playbooks, the file names without
// ".hcl", sorted.
func Names() []string {
	entries, err := fs.ReadDir(FS, ".")
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".hcl"); ok && !e.IsDir() {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}
