// Package job runs commands detached on a host, so that they outlive the
// connection and the run that started them: the long steps of a playbook
// (a replication that takes hours) that an operator starts, watches, walks
// away from and comes back to.
//
// A job runs in its own session (setsid), with its standard input from
// a private file (the command's Stdin) or /dev/null, and its standard
// output and error appended to a log file. Its
// files live in a private directory on the host, ~/.runbook/jobs/ID of the
// user it runs as (mode 0700, files 0600), where the job also records its
// process id, the process's start time and the host's boot id when it
// starts, and its exit status and end time when it ends.
//
// A Ref names a job: it is what a journal keeps. Start calls its record
// function twice, once the directory exists and before the command starts,
// and again once the process runs, so that a run killed at any point can
// find the job again. Attach rebuilds a Job from a Ref; Poll reads what
// the log gained since the last poll and says whether the job still runs;
// Wait polls until it ends; Tail reads the end of its log. Kill ends the
// job's process group, Remove deletes a finished job's files, and Sweep
// removes finished jobs older than an age. A Mark is what a journal keeps
// of a job a task instance watches: its Ref, how much of its log was
// shown, and how it ended.
//
// A process is the job's only if its id, its start time and the boot id
// all match, so a reused process id or a rebooted host is never taken for
// the job: a job whose host rebooted, or whose process vanished without
// recording an end, is Lost, and its log stays readable.
//
// Everything is done through transport.Host.Run with small POSIX shell
// scripts that need only sh, coreutils, getent and setsid (util-linux),
// as on RHEL/CentOS 6 and later and on Debian.
package job
