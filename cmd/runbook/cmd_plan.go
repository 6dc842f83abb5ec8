package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/runbookhq/runbook/engine"
)

var planCommand = &command{
	name:     "plan",
	synopsis: "[flags] PLAYBOOK",
	summary:  "Show what a run would do, host by host, without doing it.",
	help: `Plan shows every task instance the run would start, grouped by host and in
the order they would start: its module, the other hosts it works on ("with
HOST", its peers), what it depends on, what it would do
where its module can tell, and its arguments. Values that depend on tasks not
yet run show as "(known after run)". Steps that ask for confirmation before
they run are marked "!" and listed at the end. Plan connects to no host and
changes nothing.

Marks: + runs, ? runs if its when condition holds, - does not run (when is
false, or --limit leaves out its peer), ! asks for confirmation first.`,
	run: runPlan,
}

func runPlan(c *cli, cmd *command, args []string) int {
	fs := newFlagSet(cmd)
	var lf loadFlags
	lf.register(fs)
	limit := fs.String("limit", "", "Show only the instances on these `HOSTS` or groups (comma-separated).")
	var tf tagFlags
	tf.register(fs)
	p, code, ok := c.loadPlaybookArgs(fs, &lf, args)
	if !ok {
		return code
	}
	selected, err := p.SelectHosts(splitList(*limit))
	if err != nil {
		return fs.usageError(c, "%v", err)
	}
	chosen, err := tf.selection(p)
	if err != nil {
		return fs.usageError(c, "%v", err)
	}
	plan, diags := p.Plan()
	c.writeDiagnostics(diags, p.Files(), lf.noColor)
	if diags.HasErrors() {
		return exitUsage
	}
	var shown []engine.PlannedInstance
	left := 0
	for _, inst := range plan.Instances {
		switch {
		case !selected[inst.Host]:
		case !chosen[inst.ID()]:
			left++
		default:
			shown = append(shown, inst)
		}
	}
	writePlan(c.stdout, shown, selected, palette(c.colorOn(c.stdout, lf.noColor)))
	if left > 0 {
		fmt.Fprintf(c.stdout, "\n%s not selected by --tags.\n", plural(left, "instance"))
	}
	return exitOK
}

// writePlan prints the planned instances grouped by host, hosts sorted,
// instances in the order given within each host; selected holds the hosts
// the limit keeps.
func writePlan(w io.Writer, instances []engine.PlannedInstance, selected map[string]bool, pal palette) {
	byHost := map[string][]engine.PlannedInstance{}
	var hosts []string
	for _, inst := range instances {
		if _, ok := byHost[inst.Host]; !ok {
			hosts = append(hosts, inst.Host)
		}
		byHost[inst.Host] = append(byHost[inst.Host], inst)
	}
	sort.Strings(hosts)
	infos := make([]engine.InstanceInfo, len(instances))
	for i, inst := range instances {
		infos[i] = inst.InstanceInfo
	}
	tasks, _ := countTasksAndHosts(infos)
	fmt.Fprintf(w, "Plan: %s, %s on %s.\n", plural(tasks, "task"), plural(len(instances), "instance"), plural(len(hosts), "host"))

	var confirms []engine.PlannedInstance
	for _, host := range hosts {
		fmt.Fprintf(w, "\n%s\n", pal.paint(colorBold, host))
		for _, inst := range byHost[host] {
			writePlannedInstance(w, inst, selected, pal)
			if inst.Confirm != "" {
				confirms = append(confirms, inst)
			}
		}
	}
	if len(confirms) == 0 {
		return
	}
	title := "1 step asks for confirmation before it runs:"
	if len(confirms) > 1 {
		title = fmt.Sprintf("%d steps ask for confirmation before they run:", len(confirms))
	}
	fmt.Fprintf(w, "\n%s\n", pal.paint(colorYellow, title))
	for _, inst := range confirms {
		question := inst.Confirm
		if question == engine.KnownAfterRun {
			question = laterQuestion
		}
		fmt.Fprintf(w, "  %s on %s: %s\n", taskLabel(inst.Task, inst.Key), inst.Host, question)
	}
	fmt.Fprintln(w, "A run asks on the terminal; --yes answers yes to every one.")
}

// laterQuestion is what plan says of a confirm sentence that depends on
// task outputs: it is known only when the step runs, and asks nothing if
// it turns out empty.
const laterQuestion = "the question depends on earlier tasks"

// writePlannedInstance prints one instance: its mark, task, module, peers,
// the user sudo runs it as, and dependencies, then what it would do and its arguments. An instance
// whose peer the limit (selected) leaves out is marked as skipped.
func writePlannedInstance(w io.Writer, inst engine.PlannedInstance, selected map[string]bool, pal palette) {
	leftOut := slices.IndexFunc(inst.Peers, func(peer string) bool { return !selected[peer] })
	mark := pal.paint(colorGreen, "+")
	switch {
	case leftOut >= 0:
		mark = pal.paint(colorDim, "-")
	case inst.Confirm != "":
		mark = pal.paint(colorYellow, "!")
	case inst.When == "false":
		mark = pal.paint(colorDim, "-")
	case inst.When != "" && inst.When != "true", len(inst.OnChange) > 0:
		mark = pal.paint(colorCyan, "?")
	}
	head := fmt.Sprintf("  %s %s (%s)", mark, taskLabel(inst.Task, inst.Key), inst.Module)
	if len(inst.Peers) > 0 {
		head += ", with " + strings.Join(inst.Peers, ", ")
	}
	if inst.SudoUser != "" {
		head += ", as " + inst.SudoUser + " through sudo"
	}
	if deps := instanceNames(inst.DependsOn, inst.Host); deps != "" {
		head += ", after " + deps
	}
	fmt.Fprintln(w, head)
	if leftOut >= 0 {
		fmt.Fprintf(w, "      %s\n", pal.paint(colorDim, "skipped: the limit leaves out its peer "+inst.Peers[leftOut]))
	}
	switch inst.Confirm {
	case "":
	case engine.KnownAfterRun:
		fmt.Fprintf(w, "      %s (%s)\n", pal.paint(colorYellow, "may ask for confirmation when it runs"), laterQuestion)
	default:
		fmt.Fprintf(w, "      %s %s\n", pal.paint(colorYellow, "asks for confirmation:"), inst.Confirm)
	}
	if len(inst.OnChange) > 0 {
		fmt.Fprintf(w, "      %s\n", pal.paint(colorCyan, "runs only if one of these changes: "+instanceNames(inst.OnChange, inst.Host)))
	}
	if inst.Batch != "" {
		fmt.Fprintf(w, "      %s\n", pal.paint(colorCyan, batchLine(inst.InstanceInfo)))
	}
	if inst.Description != "" {
		fmt.Fprintf(w, "      %s\n", inst.Description)
	}
	writeArgs(w, inst, pal)
}

// batchLine says which batch of a rolling update an instance is in, and
// what it waits for.
func batchLine(inst engine.InstanceInfo) string {
	line := fmt.Sprintf("batch %d of %d of %s", inst.BatchIndex, inst.Batches, inst.Batch)
	if inst.BatchIndex > 1 {
		line += fmt.Sprintf(": starts once batch %d has ended, unless more than %s failed by then", inst.BatchIndex-1, plural(inst.MaxFailures, "host"))
	}
	return line
}

// instanceNames lists instances, such as those an instance on host
// depends on, sorted: a task's name alone for an instance on host, with
// its key as in task[key], and the instance's ID (task@host, or
// task@host[key]) for one on another.
func instanceNames(ids []string, onHost string) string {
	names := make([]string, 0, len(ids))
	for _, id := range ids {
		task, at, _ := strings.Cut(id, "@")
		if host, key, _ := strings.Cut(strings.TrimSuffix(at, "]"), "["); host == onHost {
			id = taskLabel(task, key)
		}
		names = append(names, id)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// writeArgs prints the instance's arguments, and its when condition unless
// it is always true, sorted by name with their equals signs aligned.
func writeArgs(w io.Writer, inst engine.PlannedInstance, pal palette) {
	args := make(map[string]string, len(inst.Args)+1)
	for name, value := range inst.Args {
		args[name] = value
	}
	if inst.When != "" && inst.When != "true" {
		args["when"] = inst.When
	}
	names := make([]string, 0, len(args))
	width := 0
	for name := range args {
		names = append(names, name)
		width = max(width, len(name))
	}
	sort.Strings(names)
	for _, name := range names {
		value := args[name]
		if strings.HasPrefix(value, "(") && strings.HasSuffix(value, ")") {
			value = pal.paint(colorDim, value)
		}
		fmt.Fprintf(w, "      %-*s = %s\n", width, name, indentRest(value, 9+width))
	}
}

// indentRest indents every line of s after the first by n spaces.
func indentRest(s string, n int) string {
	return strings.ReplaceAll(s, "\n", "\n"+strings.Repeat(" ", n))
}
