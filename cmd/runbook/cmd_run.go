package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/journal"
	"github.com/runbookhq/runbook/engine/transport/dialgate"
)

var runCommand = &command{
	name:     "run",
	synopsis: "[flags] PLAYBOOK",
	summary:  "Run a playbook on its hosts.",
	help: `Run runs every task instance of the playbook, as many at once as their
dependencies and the limits allow, and prints their progress: on a terminal a
live line per host, otherwise a timestamped line per change; with
--output json one JSON event per line. A recap per host ends the text output.

A step whose task has a confirm sentence asks before it runs, on the
terminal; without a terminal it fails unless --yes is given.

Every run is recorded in a journal (one per playbook and inventory, in
--state-dir). --resume continues the last run: the steps that succeeded (or
were skipped by their when) are not run again, and the others run. A step
cut off mid-way runs again only when its module is safe to repeat;
otherwise the run stops before starting anything and says what to check.

A task with detach = true runs its command as a detached job on its host,
which outlives the connection and runbook: --resume re-attaches to a job
that still runs (its log goes on from where it was left) and reads the end
of one that ended meanwhile; it never starts one twice. --abandon-jobs HOST
gives up the jobs left on a host that is gone for good.

--check connects to the hosts and runs every step in check mode: a step
whose module can tell says whether it would change something (with --diff,
what), and changes nothing; any other step does not run and is reported
"cannot predict", as is a step whose arguments read outputs of a step that
would change (they are known only after a run). The recap lists what check
mode could not see. --diff, with or without --check, shows the changes to
files.

Interrupting (Ctrl-C, SIGTERM) starts no new task and gives the running
ones 10s before they are cancelled; detached jobs are left running, and
the recap says how to re-attach. A second interrupt cancels the running
tasks at once, and on a terminal asks whether to kill the detached jobs
too; without a terminal they go on.

Exit status: 0 success, 1 a task failed, 2 usage or playbook error (or a
resume refused), 3 a host was unreachable, 130 interrupted.`,
	run: runRun,
}

// runFlags are the flags of runbook run.
type runFlags struct {
	load      loadFlags
	ssh       sshFlags
	limit     string
	parallel  int
	perHost   int
	failFast  bool
	timeout   time.Duration
	output    string
	outLimit  byteSize
	yes       bool
	journal   journalFlags
	sudo      sudoFlags
	jobMaxAge time.Duration
	tags      tagFlags
	checkMode bool
	diff      bool
	stats     statsFlags
	temporal  temporalFlags // runbook run only
	detach    bool
}

func (f *runFlags) register(fs *flagSet) {
	f.load.register(fs)
	f.ssh.register(fs)
	fs.StringVar(&f.limit, "limit", "", "Run only on these `HOSTS` or groups (comma-separated).")
	f.tags.register(fs)
	fs.IntVar(&f.parallel, "parallel", engine.DefaultParallel, "Run at most `N` task instances at once, over all hosts.")
	fs.IntVar(&f.perHost, "per-host", engine.DefaultPerHost, "Run at most `N` task instances at once on one host.")
	fs.BoolVar(&f.failFast, "fail-fast", false, "Stop at the first failed task: cancel the running ones and start nothing more.")
	fs.DurationVar(&f.timeout, "timeout", 0, "Cancel an attempt of a task that runs longer than `DURATION` (e.g. 90s, 5m), unless the task sets its own timeout.")
	fs.StringVar(&f.output, "output", "text", "Output `FORMAT`: text, or json for one JSON event per line.")
	f.outLimit = engine.DefaultOutputLimit
	fs.Var(&f.outLimit, "output-limit", "Keep the last `SIZE` of each output stream of a command (e.g. 512KiB, 4MiB) for its task's outputs and the journal; events still carry every line.")
	fs.BoolVar(&f.yes, "yes", false, "Answer yes to every confirmation question: run the steps that destroy data without asking.")
	f.journal.register(fs)
	f.sudo.register(fs)
	fs.DurationVar(&f.jobMaxAge, "job-max-age", engine.DefaultJobMaxAge, "Remove the files that detached jobs which no longer run left on a host once they are older than `DURATION`, when the run starts a job there.")
	fs.BoolVar(&f.checkMode, "check", false, "Check mode: connect, and have every task say what it would change, changing nothing; a task whose module cannot tell does not run. Keeps no journal.")
	f.stats.register(fs)
	fs.BoolVar(&f.diff, "diff", false, "Show the changes made, or with --check that would be made, to files: a unified diff of each content (\"(sensitive)\" for a secret one) and the modes, owners and groups that change.")
}

// check reports values of the flags that make no sense.
func (f *runFlags) check() error {
	switch {
	case f.output != "text" && f.output != "json":
		return fmt.Errorf("--output must be text or json, not %q", f.output)
	case f.parallel < 1:
		return fmt.Errorf("--parallel must be at least 1, not %d", f.parallel)
	case f.perHost < 1:
		return fmt.Errorf("--per-host must be at least 1, not %d", f.perHost)
	case f.timeout < 0:
		return fmt.Errorf("--timeout must not be negative")
	case f.jobMaxAge < time.Minute:
		return fmt.Errorf("--job-max-age must be at least 1m")
	case f.checkMode && f.journal.resume:
		return fmt.Errorf("--check changes nothing and keeps no journal: it cannot --resume")
	case f.checkMode && len(f.journal.abandonJobs) > 0:
		return fmt.Errorf("--check changes nothing and keeps no journal: it cannot --abandon-jobs")
	}
	if err := f.journal.check(); err != nil {
		return err
	}
	if err := f.sudo.check(); err != nil {
		return err
	}
	return f.ssh.check()
}

func runRun(c *cli, cmd *command, args []string) int {
	fs := newFlagSet(cmd)
	var f runFlags
	f.register(fs)
	f.temporal.register(fs)
	fs.BoolVar(&f.detach, "detach", false, "With --temporal, start the run and print its ID without following it (see runbook attach).")
	p, code, ok := c.loadPlaybookArgs(fs, &f.load, args)
	if !ok {
		return code
	}
	if f.temporal.addr != "" || f.detach {
		if err := f.check(); err != nil {
			return fs.usageError(c, "%v", err)
		}
		return c.runOnTemporal(fs, &f, p)
	}
	return c.runPlaybook(fs, &f, p)
}

// runPlaybook runs a loaded playbook as the flags f say, for run and exec.
func (c *cli) runPlaybook(fs *flagSet, f *runFlags, p *engine.Playbook) int {
	if err := f.check(); err != nil {
		return fs.usageError(c, "%v", err)
	}
	limit := splitList(f.limit)
	selected, err := p.SelectHosts(limit)
	if err != nil {
		return fs.usageError(c, "%v", err)
	}
	if _, err := f.tags.selection(p); err != nil {
		return fs.usageError(c, "%v", err)
	}
	tags, skipTags := f.tags.lists()

	var j *journal.Journal
	if !f.checkMode {
		var ok bool
		if j, ok = c.openJournal(&f.journal, p); !ok {
			return exitUsage
		}
	}
	if j != nil {
		defer j.Close()
	}

	con := newConsole(c.stdout)
	pal := palette(c.colorOn(c.stdout, f.load.noColor))
	errPal := palette(c.colorOn(c.stderr, f.load.noColor))
	in := c.watchInterrupts(con)
	pr := c.newPrompter(con, errPal, in.stopped)
	defer pr.close()
	sudoPassword, err := f.sudo.password(pr)
	if err != nil {
		in.release()
		if errors.Is(err, errStopping) {
			return exitInterrupted
		}
		return fs.usageError(c, "%v", err)
	}
	view := c.newView(f.output, con, pal, instancesPerHost(p, selected))
	unreachable := unreachableHosts{}
	stopProfile, err := f.stats.start()
	if err != nil {
		in.release()
		return fs.usageError(c, "%v", err)
	}
	dials := dialgate.New(0)

	report, err := engine.Run(in.ctx, p, engine.RunOptions{
		Connect:       connector(&f.ssh, pr, dials),
		Parallel:      f.parallel,
		PerHost:       f.perHost,
		FailFast:      f.failFast,
		Limit:         limit,
		Tags:          tags,
		SkipTags:      skipTags,
		Timeout:       f.timeout,
		OutputLimit:   int(f.outLimit),
		Subscribers:   []engine.Subscriber{view, unreachable},
		Confirm:       confirmer(f.yes, pr),
		Stop:          in.stopped,
		KillDetached:  in.killDetached(pr),
		JobMaxAge:     f.jobMaxAge,
		Journal:       j,
		Resume:        f.journal.resume,
		ResumeChanged: f.journal.resumeChanged,
		Rerun:         f.journal.rerun(),
		AbandonJobs:   f.journal.abandoned(),
		SudoPassword:  sudoPassword,
		Check:         f.checkMode,
		Diff:          f.diff,
	})
	in.release()
	view.close()
	stopProfile()
	if report == nil {
		c.refused(err, j)
		return exitUsage
	}
	for _, a := range report.Abandoned {
		fmt.Fprintf(c.stderr, "runbook run: gave up job %s on host %s, of %s (its files are %s there): whether it still runs is unknown\n", a.ID, a.Host, a.Instance, a.Dir)
	}
	if jerr := journalError(err); jerr != nil {
		fmt.Fprintf(c.stderr, "runbook run: warning: %v; this run cannot be resumed\n", jerr)
	}

	if f.output == "text" {
		writeRecap(c.stdout, report, unreachable, pal)
	}
	f.stats.finish(c, c.stdout, f.output == "text", dials.Stats())
	return c.runExitCode(report, err, in.interrupted())
}

// errNoTerminal is why a step that asks for confirmation is refused
// without a terminal.
var errNoTerminal = errors.New("there is no terminal to ask on; pass --yes to run the steps that ask for confirmation")

// confirmer returns the RunOptions.Confirm function: yes to everything
// with --yes, the question on the terminal when there is one, and no
// otherwise, with an error saying to pass --yes.
func confirmer(yes bool, pr *prompter) func(ctx context.Context, inst engine.InstanceInfo) (bool, error) {
	switch {
	case yes:
		return func(context.Context, engine.InstanceInfo) (bool, error) { return true, nil }
	case pr != nil:
		return pr.confirm
	default:
		return func(context.Context, engine.InstanceInfo) (bool, error) { return false, errNoTerminal }
	}
}

// instancesPerHost counts the instances of each selected host.
func instancesPerHost(p *engine.Playbook, selected map[string]bool) map[string]int {
	counts := map[string]int{}
	for _, inst := range p.Instances() {
		if selected[inst.Host] {
			counts[inst.Host]++
		}
	}
	return counts
}

// runExitCode maps the end of a run to the exit status, the most serious
// first: interrupted, a host unreachable, a task failed.
func (c *cli) runExitCode(report *engine.Report, err error, interrupted bool) int {
	unreachable := false
	if report != nil {
		interrupted = interrupted || report.Interrupted
		for _, res := range report.Instances {
			unreachable = unreachable || res.Unreachable
		}
	}
	switch {
	case interrupted || errors.Is(err, engine.ErrInterrupted):
		return exitInterrupted
	case unreachable || errors.Is(err, engine.ErrHostUnreachable):
		return exitUnreachable
	case errors.Is(err, engine.ErrTaskFailed):
		return exitTaskFailed
	case err != nil:
		fmt.Fprintf(c.stderr, "runbook run: %v\n", err)
		return exitUsage
	}
	return exitOK
}
