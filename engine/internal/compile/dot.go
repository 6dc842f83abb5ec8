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
// true (labelled with its host and peers), and an edge from each dependency to what depends on it. The order
// of nodes and edges is stable.
func (p *Program) WriteDOT(w io.Writer, perHost bool) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "digraph runbook {")
	fmt.Fprintln(bw, "  node [shape=box];")
	var edges []string
	if perHost {
		for _, inst := range p.insts {
			fmt.Fprintf(bw, "  %s [label=%s];\n", dotQuote(inst.Name()), dotQuote(withKey(inst.task.Name, inst.key)+"\n"+inst.task.Module+" on "+hostsLabel(inst)))
			for _, d := range inst.deps {
				edges = append(edges, fmt.Sprintf("  %s -> %s;", dotQuote(p.insts[d].Name()), dotQuote(inst.Name())))
			}
		}
	} else {
		for _, t := range p.tasks {
			fmt.Fprintf(bw, "  %s [label=%s];\n", dotQuote(t.Name), dotQuote(t.Name+"\n"+t.Module))
			for _, inst := range t.insts {
				for _, d := range inst.deps {
					edges = append(edges, fmt.Sprintf("  %s -> %s;", dotQuote(p.insts[d].task.Name), dotQuote(t.Name)))
				}
			}
		}
	}
	slices.Sort(edges)
	for _, e := range slices.Compact(edges) {
		fmt.Fprintln(bw, e)
	}
	fmt.Fprintln(bw, "}")
	return bw.Flush()
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
