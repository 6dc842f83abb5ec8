package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is the release, set at build time with
// -ldflags "-X main.version=v1.2.3"; otherwise the module version or the
// VCS revision recorded by the Go toolchain is shown.
var version = ""

var versionCommand = &command{
	name:     "version",
	synopsis: "",
	summary:  "Print the version of runbook.",
	help:     "Version prints runbook's version, the commit it was built from when known, and the Go toolchain and platform.",
	run:      runVersion,
}

func runVersion(c *cli, cmd *command, args []string) int {
	fs := newFlagSet(cmd)
	rest, code, ok := fs.parse(c, args)
	if !ok {
		return code
	}
	if len(rest) > 0 {
		return fs.usageError(c, "version takes no arguments")
	}
	v, revision := version, ""
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				revision = s.Value[:12]
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	fmt.Fprintf(c.stdout, "runbook %s", v)
	if revision != "" {
		fmt.Fprintf(c.stdout, " (commit %s)", revision)
	}
	fmt.Fprintf(c.stdout, " %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return exitOK
}
