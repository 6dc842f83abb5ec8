// Package faulttest proves how runbook fails: it drives the engine, and the
// built runbook command, against real OpenSSH servers (started with
// internal/sshdtest) and breaks them in real ways. A server crashes in the
// middle of a task; hosts are unreachable, silent, refuse the key or show
// another host key; a remote command never ends; a disk fills up during an
// upload; the operator interrupts a run; and sensitive values are hunted
// for in every output and in the argument vectors of the processes on the
// host. A load test runs thousands of task instances over hundreds of
// hosts.
//
// The package holds tests only. They need root (for mount namespaces,
// tmpfs and test users) and OpenSSH; without them a test is skipped,
// except under CI=true, where it fails.
package faulttest
