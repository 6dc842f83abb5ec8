package compile

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
)

// WriteDOT writes the dependency graph in Graphviz DOT syntax: one node
// per task (labelled with its module), or per instance when perHost is
// true (labelled with its host and peers), the nodes of each role in a
// cluster of their own, and an edge from each dependency to what depends
// on it. The order of nodes and edges is stable.
func (p *Program) WriteDOT(w io.Writer, perHost bool) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "digraph runbook {")
	fmt.Fprintln(bw, "  node [shape=box];")
	var edges []string
	p.root.writeDOT(bw, "  ", func(t *task, indent string) {
		if !perHost {
			label := t.qname + "\n" + t.Module
			if t.batchPlan != nil && t.batchPlan.made != nil {
				label += "\n" + batchLabel(t.batchPlan.made)
			}
			fmt.Fprintf(bw, "%s%s [label=%s];\n", indent, dotQuote(t.qname), dotQuote(label))
		}
		for _, inst := range t.insts {
			if perHost {
				label := withKey(t.qname, inst.key) + "\n" + t.Module + " on " + hostsLabel(inst)
				if b := inst.batch; b != nil {
					label += fmt.Sprintf("\nbatch %d of %d", b.Index(inst)+1, b.Len())
				}
				fmt.Fprintf(bw, "%s%s [label=%s];\n", indent, dotQuote(inst.Name()), dotQuote(label))
			}
			for _, d := range inst.deps {
				from, to := p.insts[d].task.qname, t.qname
				if perHost {
					from, to = p.insts[d].Name(), inst.Name()
				}
				edges = append(edges, fmt.Sprintf("  %s -> %s;", dotQuote(from), dotQuote(to)))
			}
			for _, d := range inst.waits {
				if perHost {
					edges = append(edges, fmt.Sprintf("  %s -> %s [style=dashed];", dotQuote(p.insts[d].Name()), dotQuote(inst.Name())))
				}
			}
		}
	})
	slices.Sort(edges)
	for _, e := range slices.Compact(edges) {
		fmt.Fprintln(bw, e)
	}
	fmt.Fprintln(bw, "}")
	return bw.Flush()
}

// writeDOT writes the nodes of the tasks of s with node, indented by
// indent, then a cluster for each of its roles.
func (s *scope) writeDOT(w *bufio.Writer, indent string, node func(t *task, indent string)) {
	for _, t := range s.tasks {
		node(t, indent)
	}
	for _, r := range s.roles {
		label := r.path
		if r.batch != nil && r.batch.made != nil {
			label += "\n" + batchLabel(r.batch.made)
		}
		fmt.Fprintf(w, "%ssubgraph %s {\n%s  label=%s;\n", indent, dotQuote("cluster_"+r.path), indent, dotQuote(label))
		r.scope.writeDOT(w, indent+"  ", node)
		fmt.Fprintf(w, "%s}\n", indent)
	}
}

// hostsLabel names the hosts an instance holds: its own, then its peers
// ("primary with secondary").
func hostsLabel(inst *Instance) string {
	if len(inst.peers) == 0 {
		return inst.host.cfg.Name
	}
	return inst.host.cfg.Name + " with " + strings.Join(inst.PeerNames(), ", ")
}

// dotQuote returns s as a DOT quoted string; a newline becomes DOT's \n.
func dotQuote(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `"`, `\"`)
	s = strings.ReplaceAll(s, "\n", `\n`)
	return `"` + s + `"`
}

// batchLabel says how b splits its hosts, for the graph.
func batchLabel(b *Batch) string {
	return fmt.Sprintf("%d batches of %d hosts, max_failures %d", b.Len(), b.size, b.maxFailures)
}
