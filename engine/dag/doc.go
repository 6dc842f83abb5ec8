// Package dag owns the dependency graph and its scheduler: a directed graph
// over integer nodes 0..n-1, cycle detection with concrete, deterministic
// loops, a stable topological order, and Walk, a ready-queue scheduler that
// runs each node once all of its dependencies are done, bounded by a global
// and a per-group concurrency limit.
//
// The package is generic: it knows nothing of playbooks, tasks or hosts.
// Callers map their own items to node numbers, map hosts (or anything else
// that needs its own limit) to group numbers, and turn the node numbers in
// cycles and reports back into names. A node belongs to one group and may
// hold others while it runs (WalkOptions.Also), counting against each.
//
// An edge from a to b means "a depends on b": b runs first. When a node
// fails, every node that transitively depends on it is skipped without being
// visited and nothing else is affected; when a node is cancelled, its
// dependents are cancelled too. A node whose visit returns Skipped (for
// example because a condition was false) lets its dependents run unless
// WalkOptions.SkipPropagates is set.
//
// A wait edge (AddWaitEdge) only orders two nodes: the later starts once
// the earlier has ended, whatever its outcome, and is neither skipped nor
// cancelled by it. A node skipped because a dependency failed is reported
// only once every node it waits for has ended, so that what waits for it
// in turn is held as long as if it had run. Cycles and the topological order count wait edges as
// edges; Dependencies does not list them (Waits does).
package dag
