package compile

import (
	"fmt"
	"slices"
)

// ansibleWords maps the Ansible task keywords that a task body may hold
// out of habit to what a playbook writes instead.
var ansibleWords = map[string]string{
	"become":      "write sudo = true",
	"become_user": `write sudo_user = "NAME"`,
	"delegate_to": "write on = host.NAME",
	"hosts":       "write on = group.NAME (or host.NAME)",
	"listen":      "write on_change = [task.NAME] on the handler, naming the tasks whose changes it handles",
	"loop":        "write for_each = toset([...]) (or a map), with each.key and each.value in the body",
	"name":        `name the task by its second label: task "MODULE" "NAME"`,
	"notify":      "write on_change = [task.NAME] on the handler, naming the tasks whose changes it handles",
	"register":    "read the task's outputs where they are needed: task.NAME.OUTPUT, such as task.NAME.stdout",
	"serial":      "write batch = N (or \"25%\") on the task or role, with max_failures: each batch of hosts ends before the next starts",
	"with_dict":   "write for_each = {...}, with each.key and each.value in the body",
	"with_items":  "write for_each = toset([...]), with each.value in the body",
}

// ansibleHint returns a sentence that says what a playbook writes for
// the Ansible keyword name, or "" when name is not one.
func ansibleHint(name string) string {
	if w, ok := ansibleWords[name]; ok {
		return fmt.Sprintf(" For Ansible's %s, %s.", name, w)
	}
	return ""
}

// ansibleOutputs maps the names of the results of Ansible modules to the
// outputs of runbook's modules that hold the same.
var ansibleOutputs = map[string]string{
	"rc": "exit_code",
}

// ansibleOutputHint returns a sentence that names the output among outs
// that holds what Ansible calls name, or "".
func ansibleOutputHint(name string, outs []string) string {
	if out, ok := ansibleOutputs[name]; ok && slices.Contains(outs, out) {
		return fmt.Sprintf(" Ansible's %s is %s.", name, out)
	}
	return ""
}
