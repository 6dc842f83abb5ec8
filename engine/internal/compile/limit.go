package compile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/runbookhq/runbook/internal/suggest"
)

// SelectHosts returns the names of the hosts that a limit of host and group
// names selects: the hosts it names and the members of the groups it
// names; an empty limit selects every host. A name that is neither a host
// nor a group is an error, and so is a limit that selects no host any of
// the playbook's instances runs on, when it has some. Run selects the hosts of RunOptions.Limit with
// the same rule, so a program can check a limit before it runs anything.
func (p *Program) SelectHosts(limit []string) (map[string]bool, error) {
	selected := map[string]bool{}
	hosts, err := p.selectHosts(limit)
	if err != nil {
		return nil, err
	}
	for _, h := range p.hosts {
		if len(limit) == 0 || hosts[h] {
			selected[h.cfg.Name] = true
		}
	}
	return selected, nil
}

// selectHosts returns the hosts a non-empty limit selects, and an empty
// set for an empty limit; its errors are those of SelectHosts.
func (p *Program) selectHosts(limit []string) (map[*Host]bool, error) {
	hosts := map[*Host]bool{}
	for _, name := range limit {
		h, g := p.hostIdx[name], p.groups[name]
		if h == nil && g == nil {
			return nil, fmt.Errorf("limit: no host or group named %q.%s", name, suggest.DidYouMean(name, append(p.hostNames(), p.groupNames()...)))
		}
		if h != nil {
			hosts[h] = true
		}
		for _, m := range g {
			hosts[m] = true
		}
	}
	if len(limit) == 0 || len(p.insts) == 0 || slices.ContainsFunc(p.insts, func(inst *Instance) bool { return hosts[inst.host] }) {
		return hosts, nil
	}
	onTask := map[*Host]bool{}
	for _, inst := range p.insts {
		onTask[inst.host] = true
	}
	var taskHosts []string
	for _, h := range p.hosts {
		if onTask[h] {
			taskHosts = append(taskHosts, h.cfg.Name)
		}
	}
	if n := len(taskHosts); n > maxNamesShown {
		taskHosts = append(taskHosts[:maxNamesShown], fmt.Sprintf("and %d more", n-maxNamesShown))
	}
	return nil, fmt.Errorf("limit: %s selects none of the hosts the tasks run on: %s", strings.Join(limit, ", "), strings.Join(taskHosts, ", "))
}

// maxNamesShown is how many names of hosts an error lists at most.
const maxNamesShown = 10

// LimitSet returns which instances run under a limit of host and group
// names, all of them when the limit is empty, and the hosts the limit
// keeps, nil when it is empty. An instance kept whose peer the limit
// leaves out is skipped when the walk begins (see walkGraph).
func (p *Program) LimitSet(limit []string) ([]bool, map[*Host]bool, error) {
	hosts, err := p.selectHosts(limit)
	if err != nil {
		return nil, nil, err
	}
	included := make([]bool, len(p.insts))
	for i, inst := range p.insts {
		included[i] = len(limit) == 0 || hosts[inst.host]
	}
	if len(limit) == 0 {
		return included, nil, nil
	}
	return included, hosts, nil
}

// RerunSet returns which instances RunOptions.Rerun names:
// "task@host[key]", "task@host" (each of its instances on host) or "task"
// (each of its instances).
func (p *Program) RerunSet(names []string) ([]bool, error) {
	set := make([]bool, len(p.Instances()))
	for _, name := range names {
		taskName, hostName, one := strings.Cut(name, "@")
		t := p.taskIdx[taskName]
		if t == nil {
			return nil, fmt.Errorf("rerun: there is no task %q.%s", taskName, suggest.DidYouMean(taskName, p.taskNames()))
		}
		if !one {
			for _, inst := range t.insts {
				set[inst.ID()] = true
			}
			continue
		}
		hostName, key, keyed := strings.Cut(strings.TrimSuffix(hostName, "]"), "[")
		insts := t.byHost[hostName]
		if len(insts) == 0 {
			return nil, fmt.Errorf("rerun: task %s does not run on host %q; it runs on %s", taskName, hostName, hostList(t))
		}
		if keyed {
			inst := t.instance(hostName, key)
			if keys := t.keysOn(hostName); inst == nil && len(keys) == 0 {
				return nil, fmt.Errorf("rerun: task %s has no for_each, so its instances have no keys: name this one %s@%s", taskName, taskName, hostName)
			} else if inst == nil {
				return nil, fmt.Errorf("rerun: task %s has no instance with key %q on host %s; its keys there are %s.%s", taskName, key, hostName, quotedList(keys), suggest.DidYouMean(key, keys))
			}
			insts = []*Instance{inst}
		}
		for _, inst := range insts {
			set[inst.ID()] = true
		}
	}
	return set, nil
}
