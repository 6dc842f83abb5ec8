package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// TestFilesWithoutSFTP runs testdata/files.hcl, unchanged, against a
// real sshd with the SFTP subsystem and against one without it. Both
// runs write the same files with the same modes and fetch the same
// copy; a second run changes nothing; only the server without SFTP is
// warned about, once per run, by a host_warning event of its host and not
// on standard error. TestNoSFTPWarningInText shows the text output.
func TestFilesWithoutSFTP(t *testing.T) {
	var want string
	for _, noSFTP := range []bool{false, true} {
		srv := sshdtest.Start(t, sshdtest.Options{NoSFTP: noSFTP})
		dir, fetched := t.TempDir(), t.TempDir()
		args := playbookArgs(t, "testdata/files.hcl", srv, "-var", "dir="+dir, "-var", "fetched="+fetched,
			"--identity", srv.ClientKey.File, "--known-hosts", srv.KnownHosts, "--output", "json")
		for run, status := range []engine.Status{engine.StatusChanged, engine.StatusOK} {
			r := runbookSSH(t, args...)
			r.wantCode(t, exitOK)
			wantFileStatuses(t, fmt.Sprintf("run %d (no SFTP: %v)", run+1, noSFTP), r.stdout, status)
			if n := noSFTPWarnings(t, r.stdout); n != map[bool]int{false: 0, true: 1}[noSFTP] {
				t.Errorf("run %d (no SFTP: %v) warned %d times of a missing SFTP subsystem:\n%s", run+1, noSFTP, n, r.stdout)
			}
			if strings.Contains(r.stderr, "SFTP") {
				t.Errorf("run %d (no SFTP: %v) warned on standard error:\n%s", run+1, noSFTP, r.stderr)
			}
		}
		got := describeFiles(t, map[string]string{
			"app.conf": filepath.Join(dir, "app.conf"), "root.conf": filepath.Join(dir, "root.conf"),
			"motd": filepath.Join(dir, "motd"), "fetched": filepath.Join(fetched, "remote", dir, "app.conf"),
		})
		if want == "" {
			want = got
		} else if got != want {
			t.Errorf("without SFTP the files are\n%s\nwith SFTP\n%s", got, want)
		}
	}
}

// TestNoSFTPWarningInText checks that the text output of a run against
// a server without SFTP says so once, on the line of its host, and that
// standard error does not repeat it.
func TestNoSFTPWarningInText(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{NoSFTP: true})
	args := playbookArgs(t, "testdata/files.hcl", srv, "-var", "dir="+t.TempDir(), "-var", "fetched="+t.TempDir(),
		"--identity", srv.ClientKey.File, "--known-hosts", srv.KnownHosts)
	r := runbookSSH(t, args...)
	r.wantCode(t, exitOK)
	if n := strings.Count(r.stdout, " remote WARNING: remote has no SFTP subsystem"); n != 1 {
		t.Errorf("the text output warned %d times of a missing SFTP subsystem:\n%s", n, r.stdout)
	}
	if strings.Contains(r.stderr, "SFTP") {
		t.Errorf("warned on standard error:\n%s", r.stderr)
	}
}

// noSFTPWarnings counts the host_warning events of the host remote, in
// the JSON events of a run, that say it has no SFTP subsystem.
func noSFTPWarnings(t *testing.T, events string) int {
	t.Helper()
	n := 0
	for _, e := range parseEvents(t, events) {
		if e.Kind == engine.EventHostWarning {
			if e.Host != "remote" || !strings.Contains(e.Line, "has no SFTP subsystem") {
				t.Errorf("unexpected warning %+v", e)
				continue
			}
			n++
		}
	}
	return n
}

// wantFileStatuses fails the test unless every transfer of files.hcl
// ended with status, in the JSON events of a run, and the check of the
// fetched copy passed.
func wantFileStatuses(t *testing.T, run, events string, status engine.Status) {
	t.Helper()
	want := map[string]engine.Status{"config": status, "as_root": status, "motd": status, "config_back": status, "fetched_intact": engine.StatusOK}
	got := map[string]engine.Status{}
	for _, e := range parseEvents(t, events) {
		if e.Kind == engine.EventTaskFinished {
			got[e.Task] = e.Status
			if e.Error != "" {
				t.Errorf("%s: %s: %s", run, e.Task, e.Error)
			}
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s: statuses %v, want %v", run, got, want)
	}
}

// describeFiles returns, for each named path, its mode and content, one
// line each in the order of the names.
func describeFiles(t *testing.T, paths map[string]string) string {
	t.Helper()
	var b strings.Builder
	for _, name := range []string{"app.conf", "root.conf", "motd", "fetched"} {
		info, err := os.Stat(paths[name])
		if err != nil {
			t.Fatal(err)
		}
		content, err := os.ReadFile(paths[name])
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %v %q\n", name, info.Mode(), content)
	}
	return b.String()
}
