package job_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/runbookhq/runbook/engine/job"
	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/engine/transport/sshtransport"
	"github.com/runbookhq/runbook/internal/sshdtest"
	"github.com/runbookhq/runbook/internal/testenv"
)

// jobLine is the longest line a job passes whole.
const jobLine = 64 << 10

// poll is how often the tests poll a job.
const poll = 50 * time.Millisecond

// jobUser is a local user with a home of its own, for the job files, and
// the sudo that runs commands as that user from root.
type jobUser struct {
	sshdtest.User
	home string
	sudo *transport.Sudo
}

// newJobUser creates a jobUser, removed with its files when the test ends.
func newJobUser(t *testing.T) jobUser {
	t.Helper()
	if os.Geteuid() != 0 {
		testenv.Missing(t, "needs root: creates a user")
	}
	u, home := sshdtest.NewJobUser(t)
	return jobUser{User: u, home: home, sudo: &transport.Sudo{User: u.Name}}
}

// lines collects the lines a job passes.
type lines struct {
	mu  sync.Mutex
	got []string
}

func (l *lines) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, s)
}

func (l *lines) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.got)
}

// start starts script as a job of u on host and returns it with the Refs
// recorded, in order.
func start(t *testing.T, host transport.Host, u jobUser, cmd transport.Command) (*job.Job, *[]job.Ref) {
	t.Helper()
	var recorded []job.Ref
	j, err := job.Start(context.Background(), host, u.sudo, cmd, func(r job.Ref) error {
		recorded = append(recorded, r)
		return nil
	})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { j.Kill(context.Background(), time.Second) })
	return j, &recorded
}

func wait(t *testing.T, j *job.Job, l *lines) job.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := j.Wait(ctx, poll, l.add)
	if err != nil {
		t.Fatalf("wait: %v", err)
	}
	return st
}

func TestJobPassesEveryLineOnce(t *testing.T) {
	u := newJobUser(t)
	host := transport.NewLocal()
	long := strings.Repeat("x", jobLine+10)
	j, _ := start(t, host, u, transport.Command{
		Script: `printf 'one\ntw'; sleep 0.3; printf 'o\n'; sleep 0.3; printf '%s\n' "$LONG"; echo "$SECRET_ENV" >&2; printf 'last'; exit 3`,
		Env:    map[string]string{"SECRET_ENV": "from the environment", "LONG": long},
	})
	var l lines
	st := wait(t, j, &l)
	want := []string{"one", "two", long[:jobLine], long[jobLine:], "from the environment", "last"}
	if got := l.all(); !slices.Equal(got, want) {
		t.Errorf("lines = %.80q, want %.80q", got, want)
	}
	if st.State != job.Exited || st.ExitCode != 3 || st.Signal != "" {
		t.Errorf("status = %+v, want exited with 3", st)
	}
	if time.Since(st.Ended) > time.Minute || st.Ended.After(time.Now().Add(time.Second)) {
		t.Errorf("ended at %v, not about now", st.Ended)
	}
	// A poll after the end passes nothing again.
	var again lines
	if st, err := j.Poll(context.Background(), again.add); err != nil || st.State != job.Exited || len(again.all()) != 0 {
		t.Errorf("poll after the end: %+v, %v, lines %q", st, err, again.all())
	}
}

func TestJobFilesArePrivate(t *testing.T) {
	u := newJobUser(t)
	j, recorded := start(t, transport.NewLocal(), u, transport.Command{Script: "echo hi"})
	wait(t, j, &lines{})
	dir := j.Ref().Dir
	if want := filepath.Join(u.home, ".runbook", "jobs", j.Ref().ID); dir != want {
		t.Fatalf("job directory %s, want %s", dir, want)
	}
	for _, p := range []string{filepath.Join(u.home, ".runbook"), filepath.Dir(dir), dir} {
		assertMode(t, p, os.ModeDir|0o700)
	}
	for _, f := range []string{"cmd", "log", "pid", "status"} {
		assertMode(t, filepath.Join(dir, f), 0o600)
	}
	if len(*recorded) != 2 || (*recorded)[0].Started() || !(*recorded)[1].Started() || (*recorded)[1].Dir != dir {
		t.Errorf("recorded %+v, want the directory, then the process", *recorded)
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != want {
		t.Errorf("%s: mode %v, want %v", path, fi.Mode(), want)
	}
}

func TestJobRecordedBeforeItStarts(t *testing.T) {
	u := newJobUser(t)
	marker := filepath.Join(u.home, "ran")
	var sawBefore []bool
	j, err := job.Start(context.Background(), transport.NewLocal(), u.sudo, transport.Command{Script: "touch " + marker}, func(r job.Ref) error {
		_, err := os.Stat(marker)
		sawBefore = append(sawBefore, err == nil)
		if !r.Started() {
			return errors.New("journal full")
		}
		return nil
	})
	if err == nil || j != nil {
		t.Fatalf("start = %v, %v; want the record's error", j, err)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := os.Stat(marker); err == nil {
		t.Error("the command ran although its record failed")
	}
	if !slices.Equal(sawBefore, []bool{false}) {
		t.Errorf("records saw the command's effect: %v", sawBefore)
	}
}

func TestAttachShowsOnlyWhatFollows(t *testing.T) {
	u := newJobUser(t)
	host := transport.NewLocal()
	first, _ := start(t, host, u, transport.Command{Script: "echo 1; echo 2; sleep 1; echo 3"})
	var seen lines
	deadline := time.Now().Add(10 * time.Second)
	for len(seen.all()) < 2 && time.Now().Before(deadline) {
		if _, err := first.Poll(context.Background(), seen.add); err != nil {
			t.Fatal(err)
		}
		time.Sleep(poll)
	}
	if got := seen.all(); !slices.Equal(got, []string{"1", "2"}) {
		t.Fatalf("first handle saw %q", got)
	}
	second, err := job.Attach(host, u.sudo, first.Ref(), first.Offset())
	if err != nil {
		t.Fatal(err)
	}
	var rest lines
	if st := wait(t, second, &rest); st.State != job.Exited || st.ExitCode != 0 {
		t.Errorf("status %+v", st)
	}
	if got := rest.all(); !slices.Equal(got, []string{"3"}) {
		t.Errorf("re-attached handle saw %q, want only the line that followed", got)
	}
}

func TestKillEndsTheProcessGroup(t *testing.T) {
	u := newJobUser(t)
	j, _ := start(t, transport.NewLocal(), u, transport.Command{Script: "sleep 300 & sleep 301; wait"})
	pid := j.Ref().PID
	// The runner, the command's shell and its two sleeps.
	if len(liveInGroup(pid)) != 4 {
		t.Fatalf("the job's group %d does not hold its four processes: %v", pid, liveInGroup(pid))
	}
	st, err := j.Kill(context.Background(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != job.Exited || st.ExitCode != -1 || st.Signal != "TERM" {
		t.Errorf("status after kill = %+v, want exited by TERM", st)
	}
	if left := liveInGroup(pid); len(left) > 0 {
		t.Errorf("process group %d still has live processes: %v", pid, left)
	}
}

func TestJobLost(t *testing.T) {
	u := newJobUser(t)
	host := transport.NewLocal()
	t.Run("rebooted", func(t *testing.T) {
		j, _ := start(t, host, u, transport.Command{Script: "sleep 300"})
		pidFile := filepath.Join(j.Ref().Dir, "pid")
		real, err := os.ReadFile(pidFile)
		if err != nil {
			t.Fatal(err)
		}
		r := j.Ref()
		fake := strings.Replace(string(real), r.BootID, "00000000-0000-0000-0000-000000000000", 1)
		if err := os.WriteFile(pidFile, []byte(fake), 0o600); err != nil {
			t.Fatal(err)
		}
		st, err := j.Poll(context.Background(), func(string) {})
		if err != nil || st.State != job.Lost || !strings.Contains(st.Reason, "rebooted") {
			t.Errorf("poll = %+v, %v; want lost after a reboot", st, err)
		}
		// Kill leaves alone a process it cannot prove is the job's.
		if _, err := j.Kill(context.Background(), time.Second); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Kill(r.PID, 0); err != nil {
			t.Errorf("kill signalled a process that was not proven the job's: %v", err)
		}
		os.WriteFile(pidFile, real, 0o600)
	})
	t.Run("vanished", func(t *testing.T) {
		j, _ := start(t, host, u, transport.Command{Script: "sleep 300"})
		if err := syscall.Kill(-j.Ref().PID, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		var st job.Status
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(poll) {
			var err error
			if st, err = j.Poll(context.Background(), func(string) {}); err != nil || st.State != job.Running {
				break
			}
		}
		if st.State != job.Lost || !strings.Contains(st.Reason, "without recording") {
			t.Errorf("poll = %+v; want lost", st)
		}
	})
}

func TestRemoveAndSweep(t *testing.T) {
	u := newJobUser(t)
	host := transport.NewLocal()
	ctx := context.Background()
	running, _ := start(t, host, u, transport.Command{Script: "sleep 300"})
	if err := running.Remove(ctx); err == nil || !strings.Contains(err.Error(), "still runs") {
		t.Errorf("remove of a running job = %v", err)
	}
	old, _ := start(t, host, u, transport.Command{Script: "true"})
	recent, _ := start(t, host, u, transport.Command{Script: "true"})
	wait(t, old, &lines{})
	wait(t, recent, &lines{})
	long := time.Now().Add(-3 * time.Hour)
	for _, d := range []string{old.Ref().Dir, running.Ref().Dir} {
		if err := os.Chtimes(d, long, long); err != nil {
			t.Fatal(err)
		}
	}
	n, err := job.Sweep(ctx, host, u.sudo, time.Hour)
	if err != nil || n != 1 {
		t.Errorf("sweep = %d, %v; want 1 removed", n, err)
	}
	for d, want := range map[string]bool{old.Ref().Dir: false, recent.Ref().Dir: true, running.Ref().Dir: true} {
		if _, err := os.Stat(d); (err == nil) != want {
			t.Errorf("%s exists = %v, want %v", d, err == nil, want)
		}
	}
	if err := recent.Remove(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(recent.Ref().Dir); !os.IsNotExist(err) {
		t.Errorf("remove left %s: %v", recent.Ref().Dir, err)
	}
	if st, err := recent.Poll(ctx, func(string) {}); err != nil || st.State != job.Missing {
		t.Errorf("poll of a removed job = %+v, %v", st, err)
	}
}

func TestAttachRefusesWhatIsNotAJob(t *testing.T) {
	for _, r := range []job.Ref{
		{ID: "abc", Dir: "/etc"},
		{ID: "abc", Dir: "/home/u/.runbook/jobs/../../../etc/abc"},
		{ID: "abc", Dir: "relative/jobs/abc"},
		{ID: "a;b", Dir: "/home/u/.runbook/jobs/a;b"},
		{ID: "abc", Dir: "/home/u\n/.runbook/jobs/abc"},
	} {
		if _, err := job.Attach(transport.NewLocal(), nil, r, 0); !errors.Is(err, job.ErrNotJob) {
			t.Errorf("attach %+v = %v, want job.ErrNotJob", r, err)
		}
	}
}

// TestJobOutlivesItsConnection starts a job over real sshd, cuts the
// connection by killing sshd's per-connection processes, and attaches over
// a new one: the job ran once, to its end.
func TestJobOutlivesItsConnection(t *testing.T) {
	u := newJobUser(t)
	srv := sshdtest.Start(t, sshdtest.Options{})
	cfg := sshtransport.Config{
		Address: srv.Host, Port: srv.Port, User: u.Name,
		IdentityFiles: []string{srv.ClientKey.File}, KnownHostsFiles: []string{srv.KnownHosts},
		SSHConfigFile: "none", AgentSocket: "none",
	}
	first, err := sshtransport.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	j, err := job.Start(context.Background(), first, nil, transport.Command{Script: "echo started; sleep 2; echo finished"}, func(job.Ref) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	ref := j.Ref()
	cut := sshdtest.Descendants(srv.PID())
	if len(cut) == 0 {
		t.Fatal("sshd has no per-connection process to kill")
	}
	for _, pid := range cut {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	first.Close()
	if len(liveInGroup(ref.PID)) == 0 {
		t.Fatal("the job died with its connection")
	}

	second, err := sshtransport.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	again, err := job.Attach(second, nil, ref, 0)
	if err != nil {
		t.Fatal(err)
	}
	var l lines
	st := wait(t, again, &l)
	if st.State != job.Exited || st.ExitCode != 0 {
		t.Errorf("status %+v", st)
	}
	if got := l.all(); !slices.Equal(got, []string{"started", "finished"}) {
		t.Errorf("lines %q, want the job's output once", got)
	}
	if !strings.HasPrefix(ref.Dir, u.home+"/") {
		t.Errorf("job directory %s is not in the user's home %s", ref.Dir, u.home)
	}
}

// liveInGroup returns the processes of group pgid that are not zombies
// (an orphan's zombie waits for init, which reaps it in its own time).
func liveInGroup(pgid int) []string {
	var live []string
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		s := string(b)
		fields := strings.Fields(s[strings.LastIndex(s, ")")+1:])
		if len(fields) > 2 && fields[0] != "Z" && fields[2] == strconv.Itoa(pgid) {
			live = append(live, filepath.Base(filepath.Dir(f)))
		}
	}
	return live
}
