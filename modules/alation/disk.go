package alation

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/shellquote"
	"github.com/runbookhq/runbook/engine/transport"
)

// DiskCheck checks that the data and backup disks Alation is configured
// with exist, and with fix set configures them when they do not.
type DiskCheck struct {
	Fix        bool   `hcl:"fix,optional" doc:"Whether to run /etc/init.d/alation init DATA_PATH BACKUP_PATH when the configured disks are not valid. Needs data_path and backup_path."`
	DataPath   string `hcl:"data_path,optional" doc:"The data disk to configure when fixing, an existing directory such as /data."`
	BackupPath string `hcl:"backup_path,optional" doc:"The backup disk to configure when fixing, an existing directory such as /backup."`
}

// DiskCheckOutputs are the outputs of disk_check.
type DiskCheckOutputs struct {
	DataPath        string `cty:"data_path" doc:"The data disk named by .disk1_cache (after any fix)."`
	BackupPath      string `cty:"backup_path" doc:"The backup disk named by .disk2_cache (after any fix)."`
	Valid           bool   `cty:"valid" doc:"Whether both cache files name an existing directory."`
	Layout          string `cty:"layout" doc:"The install layout: \"3.x\" or \"4.x\"."`
	DataFreeBytes   int64  `cty:"data_free_bytes" doc:"Bytes free on the data disk, from df -P; 0 when it is not valid."`
	BackupFreeBytes int64  `cty:"backup_free_bytes" doc:"Bytes free on the backup disk, from df -P; 0 when it is not valid."`
}

// ErrDisksInvalid is wrapped by the error of disk_check when the disks
// are not valid and it was not asked to fix them.
var ErrDisksInvalid = errors.New("alation data or backup disk not valid")

// Validate checks that a fix knows which disks to configure, and that
// the paths are absolute and fit the one-line disk caches.
func (m *DiskCheck) Validate() error {
	if m.Fix && (m.DataPath == "" || m.BackupPath == "") {
		return errors.New("fix = true needs data_path and backup_path: the disks to configure")
	}
	for _, p := range []struct{ arg, path string }{{"data_path", m.DataPath}, {"backup_path", m.BackupPath}} {
		if p.path != "" && !strings.HasPrefix(p.path, "/") {
			return engine.ArgErrorf(p.arg, "disk path %q must be absolute", p.path)
		}
	}
	return argsLineSafe("data_path", m.DataPath, "backup_path", m.BackupPath)
}

// SafeToRepeat reports whether the task only checks: without fix it reads
// the disk caches and measures the disks, so a second run after a cut-off
// one reads again. With fix, a cut-off run may have left Alation's init
// half done, which the operator should look at first.
func (m *DiskCheck) SafeToRepeat() bool { return !m.Fix }

// Run checks the disks and fixes them when asked to and needed.
func (m *DiskCheck) Run(ctx context.Context, env *engine.Env) (engine.Result, error) {
	if err := m.Validate(); err != nil {
		return engine.Result{}, err
	}
	in, err := detectInstall(ctx, env.Host, "")
	if err != nil {
		return engine.Result{}, err
	}
	disks, problems, err := readDisks(ctx, env.Host, in)
	if err != nil || disks.Valid {
		return engine.Result{Outputs: disks}, err
	}
	if !m.Fix {
		return engine.Result{Outputs: disks}, fmt.Errorf("%w on %s: %s; point them at existing directories with %s init DATA_DISK BACKUP_DISK, or set fix = true with data_path and backup_path",
			ErrDisksInvalid, env.HostName, strings.Join(problems, ", "), initScript)
	}
	res, err := runRoot(ctx, env.Host, initScript+" init "+shellquote.Quote(m.DataPath)+" "+shellquote.Quote(m.BackupPath))
	if _, err := mustOK(res, err, "configure the disks with "+initScript+" init "+m.DataPath+" "+m.BackupPath); err != nil {
		return engine.Result{Outputs: disks}, err
	}
	fixed, problems, err := readDisks(ctx, env.Host, in)
	if err == nil && !fixed.Valid {
		err = fmt.Errorf("%w on %s after %s init: %s", ErrDisksInvalid, env.HostName, initScript, strings.Join(problems, ", "))
	}
	return engine.Result{Changed: true, Outputs: fixed}, err
}

// readDisks reads the cache files of in, checks that the paths they name
// are directories and measures their free space. When the disks are not
// valid, problems says why, one phrase a disk.
func readDisks(ctx context.Context, h transport.Host, in install) (d DiskCheckOutputs, problems []string, err error) {
	dataCache, backupCache := in.diskCaches()
	res, err := runRoot(ctx, h, "tail -n +1 "+dataCache+" "+backupCache+" 2>/dev/null; true")
	out, err := mustOK(res, err, "read "+dataCache+" and "+backupCache)
	if err != nil {
		return d, nil, err
	}
	caches := parseDiskCaches(out)
	d = DiskCheckOutputs{DataPath: caches[dataCache].path, BackupPath: caches[backupCache].path, Layout: in.layout}
	for _, cache := range []string{dataCache, backupCache} {
		switch c := caches[cache]; {
		case c.path != "":
		case c.text == "":
			problems = append(problems, cache+" names no disk")
		default:
			problems = append(problems, fmt.Sprintf("%s holds no absolute path that can be read (it holds %q)", cache, c.text))
		}
	}
	if problems != nil {
		return d, problems, nil
	}
	paths := shellquote.Quote(d.DataPath) + " " + shellquote.Quote(d.BackupPath)
	script := "m=0; for p in " + paths + "; do if [ ! -d \"$p\" ]; then echo \"missing $p\"; m=1; fi; done; [ $m = 0 ] || exit 3; df -P " + paths
	res, err = runRoot(ctx, h, script)
	if err == nil && res.ExitCode == 3 {
		named := map[string]string{d.DataPath: dataCache, d.BackupPath: backupCache}
		for _, line := range strings.Split(string(res.Stdout), "\n") {
			if missing, ok := strings.CutPrefix(line, "missing "); ok {
				problems = append(problems, missing+" (named by "+named[missing]+") is not a directory")
			}
		}
		return d, problems, nil
	}
	out, err = mustOK(res, err, "measure the free space of "+d.DataPath+" and "+d.BackupPath)
	if err != nil {
		return d, nil, err
	}
	free := parseDF(out)
	if len(free) != 2 {
		return d, nil, fmt.Errorf("df -P %s %s printed %d filesystems, want 2: %q", d.DataPath, d.BackupPath, len(free), out)
	}
	d.Valid, d.DataFreeBytes, d.BackupFreeBytes = true, free[0], free[1]
	return d, nil, nil
}

// diskCache is what a disk cache holds: the disk path read from it, and
// its text, for errors to quote when no path can be read.
type diskCache struct {
	path, text string
}

// diskPathPattern matches an absolute path in a line of a disk cache: at
// the start, or after a space, "=", ":", a quote or a brace, up to a
// space, quote, comma or closing brace. Paths holding spaces are not
// read.
var diskPathPattern = regexp.MustCompile(`(?:^|[\s=:'"{(\[,])(/[^\s'",)}\]]*)`)

// parseDiskCaches reads the output of `tail -n +1 FILE...`: a "==> FILE <=="
// header before each file's content. A file's path is the last absolute
// path of its content outside comment lines ("# …"), in whatever wording:
// the bare path, "… path is /data" (the procedure's sample output),
// "path=/data", `path: "/data"`, JSON. With one file, and so no header,
// the content is filed under "".
func parseDiskCaches(out string) map[string]diskCache {
	caches := map[string]diskCache{}
	file := ""
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "==> ") && strings.HasSuffix(line, " <==") {
			file = strings.TrimSuffix(strings.TrimPrefix(line, "==> "), " <==")
			caches[file] = diskCache{}
			continue
		}
		c := caches[file]
		if line = strings.TrimSpace(line); line != "" {
			c.text = strings.TrimPrefix(c.text+"\n"+line, "\n")
		}
		if !strings.HasPrefix(line, "#") {
			for _, m := range diskPathPattern.FindAllStringSubmatch(line, -1) {
				c.path = m[1]
			}
		}
		if c != (diskCache{}) {
			caches[file] = c
		}
	}
	return caches
}

// parseDF reads the output of df -P: the bytes available on each
// filesystem listed, in order. The Available column counts 1024-byte
// blocks.
func parseDF(out string) []int64 {
	var free []int64
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Fields(line)
		if len(fields) < 6 {
			continue
		}
		blocks, err := strconv.ParseInt(fields[3], 10, 64)
		if err != nil {
			continue
		}
		free = append(free, blocks*1024)
	}
	return free
}

// Describe says what the task checks and may change.
func (m *DiskCheck) Describe() string {
	if m.Fix {
		return "check the data and backup disks; if not valid, configure " + m.DataPath + " and " + m.BackupPath
	}
	return "check the data and backup disks"
}

func init() {
	engine.RegisterModule(engine.ModuleInfo{
		Name:    "disk_check",
		Doc:     "Checks that .disk1_cache and .disk2_cache of the Alation install name existing directories and reports their free space. With fix it configures the given disks with /etc/init.d/alation init when they are not valid; without it, invalid disks fail the task.",
		New:     func() engine.Module { return &DiskCheck{} },
		Outputs: DiskCheckOutputs{},
	})
}

var (
	_ engine.Module     = (*DiskCheck)(nil)
	_ engine.Validator  = (*DiskCheck)(nil)
	_ engine.Describer  = (*DiskCheck)(nil)
	_ engine.Repeatable = (*DiskCheck)(nil)
)
