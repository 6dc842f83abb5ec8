package compile

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/runbookhq/runbook/internal/suggest"
)

// TagSet returns which instances a run selected by tags and skip (the
// --tags and --skip-tags of the command line) runs: those of the tasks
// with one of tags (every task when tags is empty) and none of skip,
// together with every instance they depend on, directly or not, so that
// their inputs exist. It returns nil when both are empty: every instance
// runs. A tag that no task has is an error.
func (p *Program) TagSet(tags, skip []string) ([]bool, error) {
	if len(tags) == 0 && len(skip) == 0 {
		return nil, nil
	}
	var known []string
	for _, t := range p.tasks {
		known = append(known, t.tags...)
	}
	slices.Sort(known)
	known = slices.Compact(known)
	for _, list := range []struct {
		flag string
		tags []string
	}{{"tags", tags}, {"skip-tags", skip}} {
		for _, tag := range list.tags {
			if !slices.Contains(known, tag) {
				return nil, fmt.Errorf("%s: no task has the tag %q.%s", list.flag, tag, cmp.Or(suggest.DidYouMean(tag, known), tagList(known)))
			}
		}
	}
	has := func(t *task, tags []string) bool {
		return slices.ContainsFunc(t.tags, func(tag string) bool { return slices.Contains(tags, tag) })
	}
	selected := make([]bool, len(p.insts))
	var todo []int
	for _, inst := range p.insts {
		if (len(tags) == 0 || has(inst.task, tags)) && !has(inst.task, skip) {
			selected[inst.id] = true
			todo = append(todo, inst.id)
		}
	}
	for len(todo) > 0 {
		id := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		for _, d := range p.insts[id].deps {
			if !selected[d] {
				selected[d] = true
				todo = append(todo, d)
			}
		}
	}
	return selected, nil
}

// Tags returns the task's tags, sorted.
func (inst *Instance) Tags() []string { return slices.Clone(inst.task.tags) }

// tagList says which tags the tasks have, for the message of a tag that
// none has.
func tagList(known []string) string {
	if len(known) == 0 {
		return " No task has tags."
	}
	return " The tags are " + quotedList(known) + "."
}
