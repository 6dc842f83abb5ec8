package sshdtest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Crash ends sshd and every process it started (the processes of its
// open sessions and whatever they run) with SIGKILL, as when the machine
// dies: the clients' connections break without a goodbye. Restart brings
// the server back.
func (s *Server) Crash(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p == nil {
		t.Fatal("sshd is not running")
	}
	if err := p.kill(); err != nil {
		t.Fatal(err)
	}
}

// Freeze stops sshd and every process of its sessions with SIGSTOP, as
// when the machine hangs or the network to it drops every packet: the
// clients' connections stay open and nothing answers on them. Crash,
// Restart or the end of the test kill the frozen processes.
func (s *Server) Freeze(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	p := s.proc
	s.mu.Unlock()
	if p == nil {
		t.Fatal("sshd is not running")
	}
	p.frozen.Store(true)
	freeze(p.cmd.Process.Pid)
}

// kill kills the process tree of sshd with SIGKILL and waits until every
// process of it is gone.
func (p *process) kill() error {
	root := p.cmd.Process.Pid
	tree := freeze(root)
	for _, pid := range tree {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	<-p.exit
	deadline := time.Now().Add(startTimeout)
	for {
		alive := parents()
		tree = slices.DeleteFunc(tree, func(pid int) bool { _, ok := alive[pid]; return !ok })
		if len(tree) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes of sshd %d still alive after SIGKILL: %v", root, tree)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// freeze stops root and its descendants with SIGSTOP, again until the
// tree stops changing, so that no process forks a child that escapes,
// and returns the tree.
func freeze(root int) []int {
	var tree []int
	for {
		next := append([]int{root}, Descendants(root)...)
		for _, pid := range next {
			_ = syscall.Kill(pid, syscall.SIGSTOP)
		}
		if slices.Equal(next, tree) {
			return tree
		}
		tree = next
	}
}

// Descendants returns the process ids of the living processes descended
// from pid (its children, theirs, and so on), sorted. Processes whose
// parent died are reparented and no longer count.
func Descendants(pid int) []int {
	children := map[int][]int{}
	for p, parent := range parents() {
		children[parent] = append(children[parent], p)
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		next := children[queue[0]]
		queue = append(queue[1:], next...)
		out = append(out, next...)
	}
	slices.Sort(out)
	return out
}

// parents maps the id of every living process (zombies excepted) to the
// id of its parent, read from /proc.
func parents() map[int]int {
	out := map[int]int{}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // the process ended meanwhile
		}
		// The command name, in parentheses, may hold spaces: the fields
		// that matter come after its closing parenthesis.
		i := strings.LastIndexByte(string(b), ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(string(b[i+1:]))
		if len(fields) < 2 || fields[0] == "Z" || fields[0] == "X" {
			continue
		}
		pid, err1 := strconv.Atoi(filepath.Base(filepath.Dir(path)))
		ppid, err2 := strconv.Atoi(fields[1])
		if err1 == nil && err2 == nil {
			out[pid] = ppid
		}
	}
	return out
}
