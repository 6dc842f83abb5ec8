package main

import "github.com/runbookhq/runbook/engine"

// tagFlags are the --tags and --skip-tags flags of run and plan.
type tagFlags struct {
	tags, skip string
}

func (f *tagFlags) register(fs *flagSet) {
	fs.StringVar(&f.tags, "tags", "", "Run only the tasks with one of these `TAGS` (comma-separated), with the tasks they depend on.")
	fs.StringVar(&f.skip, "skip-tags", "", "Leave out the tasks with one of these `TAGS` (comma-separated), unless a task that runs depends on them.")
}

// lists returns the tags of --tags and of --skip-tags.
func (f *tagFlags) lists() (tags, skip []string) { return splitList(f.tags), splitList(f.skip) }

// selection returns the IDs of the instances the flags select, checking that
// each tag names some task's.
func (f *tagFlags) selection(p *engine.Playbook) (map[string]bool, error) {
	tags, skip := f.lists()
	return p.SelectTags(tags, skip)
}
