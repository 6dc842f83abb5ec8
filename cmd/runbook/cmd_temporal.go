package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/temporal"
	"github.com/runbookhq/runbook/engine/transport/dialgate"
	"github.com/runbookhq/runbook/playbooks"
)

// temporalFlags say where the Temporal server is and the key of the
// payloads, for run --temporal, attach and worker.
type temporalFlags struct {
	addr      string
	namespace string
	keyFile   string
}

func (t *temporalFlags) register(fs *flagSet) {
	fs.StringVar(&t.addr, "temporal", "", "Run on the Temporal server at `HOST:PORT` instead of in this process (see runbook worker).")
	fs.StringVar(&t.namespace, "namespace", "default", "The Temporal `NAMESPACE` of the runs.")
	fs.StringVar(&t.keyFile, "temporal-key-file", "", "Read the key that encrypts what runs store on Temporal from `FILE` (32 bytes, hex or base64) when "+temporal.KeyEnv+" is not set.")
}

// dial connects to the server the flags name.
func (t *temporalFlags) dial() (*temporal.Client, error) {
	if t.addr == "" {
		return nil, errors.New("--temporal HOST:PORT is required")
	}
	key, err := temporal.LoadKey(t.keyFile)
	if err != nil {
		return nil, err
	}
	return temporal.Dial(temporal.Config{HostPort: t.addr, Namespace: t.namespace, Key: key})
}

// checkTemporal reports the flags of run that a run on Temporal does not
// support yet.
func (f *runFlags) checkTemporal() error {
	unsupported := map[string]bool{
		"--tags/--skip-tags": f.tags.tags != "" || f.tags.skip != "", "--check": f.checkMode, "--diff": f.diff,
		"--resume-changed/--force-rerun": f.journal.resumeChanged || len(f.journal.rerun()) > 0,
	}
	for _, name := range []string{"--tags/--skip-tags", "--check", "--diff", "--resume-changed/--force-rerun"} {
		if unsupported[name] {
			return fmt.Errorf("%s does not go with --temporal yet; a run on Temporal keeps its own history (see runbook attach)", name)
		}
	}
	if f.detach && f.temporal.addr == "" {
		return errors.New("--detach goes with --temporal")
	}
	return nil
}

// runOnTemporal starts the run of p on Temporal and, unless --detach,
// follows it as a run in this process is shown.
//
// A run's ID comes from the playbook's journal key (its path and
// inventory): one run of a playbook and inventory runs at a time, and
// --resume attaches to the last one.
func (c *cli) runOnTemporal(fs *flagSet, f *runFlags, p *engine.Playbook) int {
	if err := f.checkTemporal(); err != nil {
		return fs.usageError(c, "%v", err)
	}
	id := "runbook-" + p.JournalKey()
	var src *temporal.Source
	var err error
	if f.load.path != "" {
		src, err = temporal.ReadSource(f.load.path, f.load.options())
	} else {
		src, err = temporal.ReadSourceFS(playbooks.FS, f.load.bundled, f.load.options())
	}
	if err != nil {
		return fs.usageError(c, "%v", err)
	}
	tc, err := f.temporal.dial()
	if err != nil {
		fmt.Fprintf(c.stderr, "runbook run: %v\n", err)
		return exitUsage
	}
	defer tc.Close()
	con := newConsole(c.stdout)
	in := c.watchInterrupts(con)
	if f.journal.resume {
		run, err := tc.Attach(in.ctx, id)
		if err != nil {
			in.release()
			fmt.Fprintf(c.stderr, "runbook run: --resume: %v\n", err)
			return exitUsage
		}
		return c.follow(con, in, run, f.output, f.load.noColor)
	}
	pr := c.newPrompter(con, palette(c.colorOn(c.stderr, f.load.noColor)), in.stopped)
	sudoPassword, err := f.sudo.password(pr)
	pr.close()
	if err != nil {
		in.release()
		return fs.usageError(c, "%v", err)
	}
	run, err := tc.Start(in.ctx, src, temporal.StartOptions{
		ID:       id,
		Limit:    splitList(f.limit),
		Parallel: f.parallel, PerHost: f.perHost, FailFast: f.failFast, Timeout: f.timeout, OutputLimit: int(f.outLimit),
		SudoPassword: sudoPassword, Yes: f.yes,
	})
	if err != nil {
		in.release()
		fmt.Fprintf(c.stderr, "runbook run: %v\n", err)
		return exitUsage
	}
	c.warnUnserved(in.ctx, "run", run)
	if f.detach {
		in.release()
		fmt.Fprintln(c.stdout, run.ID())
		return exitOK
	}
	fmt.Fprintf(c.stderr, "runbook run: run %s on Temporal; if this command stops, runbook attach %s (or run --resume) follows it\n", run.ID(), run.ID())
	return c.follow(con, in, run, f.output, f.load.noColor)
}

// follow shows a run on Temporal until the walk ends, as a run in this
// process is shown, asking the confirmations the walk waits for on the
// terminal, and returns the exit status. Interrupts stop the run as they
// stop one in this process: the first stops it gently (no new step, the
// running ones may end for the grace period), after which, or at the
// second, it is cancelled; either way it is followed to its end.
func (c *cli) follow(con *console, in *interrupts, run *temporal.Run, output string, noColor bool) int {
	view := c.newView(output, con, palette(c.colorOn(c.stdout, noColor)), run.InstancesPerHost())
	unreachable := unreachableHosts{}
	pr := c.newPrompter(con, palette(c.colorOn(c.stderr, noColor)), in.stopped)
	report, held, err := run.Follow(context.WithoutCancel(in.ctx), temporal.FollowOptions{
		Subscribers: []engine.Subscriber{view, unreachable},
		Stop:        in.stopped,
		Cancel:      in.ctx.Done(),
		Confirm:     confirmer(false, pr),
	})
	pr.close()
	in.release()
	view.close()
	if report == nil {
		fmt.Fprintf(c.stderr, "runbook: %v\n", err)
		if in.interrupted() {
			return exitInterrupted
		}
		return exitUsage
	}
	if output == "text" {
		writeRecap(c.stdout, report, unreachable, palette(c.colorOn(c.stdout, noColor)))
	}
	if len(held) > 0 {
		fmt.Fprintf(c.stderr, "runbook: run %s holds steps that were cut off mid-way and whose modules are not safe to run again: %s.\n"+
			"Check what they did on their hosts, then run them again with: runbook attach --force-rerun %s %s\n",
			run.ID(), strings.Join(held, ", "), strings.Join(held, ","), run.ID())
	}
	return c.runExitCode(report, err, in.interrupted())
}

var attachCommand = &command{
	name:     "attach",
	synopsis: "--temporal HOST:PORT [flags] ID",
	summary:  "Follow a run on Temporal, from any machine.",
	help: `Attach shows the run of workflow ID on Temporal (started by runbook run
--temporal) as runbook run shows it: its events from the start, the live view
or lines, the recap and the same exit status. Interrupting stops the run as
it stops one in a single process: no new step starts, the running ones may
end for a grace period, and a second interrupt cancels them at once.

A step cut off mid-way (its worker lost) whose module is not safe to repeat
holds the run; --force-rerun STEPS runs those steps again, once their hosts
have been checked.`,
	run: runAttach,
}

func runAttach(c *cli, cmd *command, args []string) int {
	fs := newFlagSet(cmd)
	var tf temporalFlags
	tf.register(fs)
	var rerun stringList
	fs.Var(&rerun, "force-rerun", "Run these held `STEPS` (TASK@HOST, comma-separated) again, whatever their modules say; repeatable.")
	output := fs.String("output", "text", "Output `FORMAT`: text, or json for one JSON event per line.")
	noColor := fs.Bool("no-color", false, "Print no colours.")
	positional, code, ok := fs.parse(c, args)
	switch {
	case !ok:
		return code
	case len(positional) != 1:
		return fs.usageError(c, "one run ID expected")
	case *output != "text" && *output != "json":
		return fs.usageError(c, "--output must be text or json, not %q", *output)
	}
	tc, err := tf.dial()
	if err != nil {
		return fs.usageError(c, "%v", err)
	}
	defer tc.Close()
	con := newConsole(c.stdout)
	in := c.watchInterrupts(con)
	run, err := tc.Attach(in.ctx, positional[0])
	if err == nil && len(rerun) > 0 {
		err = run.ForceRerun(in.ctx, splitList(strings.Join(rerun, ",")))
	}
	if err != nil {
		in.release()
		fmt.Fprintf(c.stderr, "runbook attach: %v\n", err)
		return exitUsage
	}
	c.warnUnserved(in.ctx, "attach", run)
	return c.follow(con, in, run, *output, *noColor)
}

// warnUnserved warns, for runbook cmd, of the queues of run that no
// worker serves, whose steps wait without an error until one does: a
// misspelt vars.queue, or a network whose worker is down.
func (c *cli) warnUnserved(ctx context.Context, cmd string, run *temporal.Run) {
	unserved, err := run.Unserved(ctx)
	if err != nil {
		fmt.Fprintf(c.stderr, "runbook %s: warning: %v\n", cmd, err)
		return
	}
	for _, queue := range slices.Sorted(maps.Keys(unserved)) {
		if hosts := unserved[queue]; len(hosts) > 0 {
			fmt.Fprintf(c.stderr, "runbook %s: warning: no worker serves queue %q, where the steps on %s go (their vars.queue): they wait until one does (runbook worker --queue %s)\n",
				cmd, queue, strings.Join(hosts, ", "), queue)
		} else {
			fmt.Fprintf(c.stderr, "runbook %s: warning: no worker serves Temporal here: the run waits until one starts (runbook worker)\n", cmd)
		}
	}
}

var workerCommand = &command{
	name:     "worker",
	synopsis: "--temporal HOST:PORT [--queue NAME] [flags]",
	summary:  "Run the steps of runs on Temporal for the hosts of a queue.",
	help: `Worker serves runs on Temporal until interrupted: it runs the task instances
of the hosts whose inventory sets vars.queue to --queue (the hosts that set
none are on queue runbook), keeping one SSH connection per host across a
run's steps, and the walks of runs. Start one or more in each network, next
to its hosts: a worker needs to reach its hosts and the Temporal server,
nothing else. The SSH flags are those of runbook run.`,
	run: runWorker,
}

func runWorker(c *cli, cmd *command, args []string) int {
	fs := newFlagSet(cmd)
	var tf temporalFlags
	tf.register(fs)
	var ssh sshFlags
	ssh.register(fs)
	queue := fs.String("queue", temporal.DefaultQueue, "Serve the hosts of task queue `NAME`.")
	positional, code, ok := fs.parse(c, args)
	switch {
	case !ok:
		return code
	case len(positional) > 0:
		return fs.usageError(c, "no arguments expected, got %s", strings.Join(positional, " "))
	}
	if err := ssh.check(); err != nil {
		return fs.usageError(c, "%v", err)
	}
	tc, err := tf.dial()
	if err != nil {
		return fs.usageError(c, "%v", err)
	}
	defer tc.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(c.stderr, "runbook worker: serving queue %s on %s\n", *queue, tf.addr)
	if err := tc.Serve(ctx, *queue, temporal.WorkerOptions{Connect: connector(&ssh, nil, dialgate.New(0))}); err != nil {
		fmt.Fprintf(c.stderr, "runbook worker: %v\n", err)
		return exitTaskFailed
	}
	return exitOK
}
