package compile

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/internal/config"
	"github.com/runbookhq/runbook/engine/internal/lang"
)

// scopeDiag reports a reference of a kind the scope does not allow.
func scopeDiag(r lang.Reference, sc lang.Scope) *hcl.Diagnostic {
	var why string
	switch {
	case r.Kind == lang.RefTask && sc.Where == lang.ScopeForEach.Where:
		why = "for_each is evaluated when the playbook loads, before any task runs, so it cannot refer to task outputs: its keys make the instances of the task, which plan, --limit, the journal and --force-rerun name before anything runs. Compute the keys from variables, local values or hosts; to act on each item of something a task finds, loop inside one task instead (a for expression in its arguments, or a shell loop)."
	case r.Kind == lang.RefTask:
		why = fmt.Sprintf("%s is evaluated when the playbook loads, before any task runs, so it cannot refer to task outputs.", upperFirst(sc.Where))
	case r.Kind == lang.RefRole:
		why = fmt.Sprintf("%s is evaluated when the playbook loads, before any task runs, so it cannot refer to the outputs of roles, which come from their tasks.", upperFirst(sc.Where))
	case r.Kind == lang.RefSelf:
		why = "self is the host a task instance runs on; it exists only in a task's arguments and meta-arguments."
	case r.Kind == lang.RefResult:
		why = fmt.Sprintf("result holds the outputs of the attempt that just ended; it exists only in %s.", listWords(config.MetaArgNames(config.MetaResultCondition)))
	case r.Kind == lang.RefEach:
		why = "each is the key and value of an instance of a task with for_each; it exists only in that task's arguments and meta-arguments other than on and for_each."
	default:
		why = fmt.Sprintf("%s cannot refer to %s values.", upperFirst(sc.Where), lang.RootOrder[r.Kind])
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid reference", Detail: why, Subject: r.Range().Ptr()}
}

// listWords joins words as a sentence lists them: "a, b and c".
func listWords(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// upperFirst returns s with its first letter in upper case.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
