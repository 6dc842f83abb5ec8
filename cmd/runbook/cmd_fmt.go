package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/internal/udiff"
)

var fmtCommand = &command{
	name:     "fmt",
	synopsis: "[flags] [PATH...]",
	summary:  "Rewrite HCL files in the canonical format.",
	help: `Fmt rewrites *.hcl files in place in the canonical HCL format and prints the
name of each file it changed. A PATH is a file, or a directory whose *.hcl
files are formatted (with --recursive, those of its subdirectories too,
hidden ones excepted). Without PATH, the current directory.

With --check, fmt changes nothing: it lists the files that are not formatted
and exits with status 1 if there are any. A file with a syntax error is
reported and left alone; fmt then exits with status 2.`,
	run: runFmt,
}

func runFmt(c *cli, cmd *command, args []string) int {
	fs := newFlagSet(cmd)
	check := fs.Bool("check", false, "Change nothing; list the files that are not formatted and exit with status 1 if any.")
	diff := fs.Bool("diff", false, "Print the changes as a unified diff.")
	recursive := fs.Bool("recursive", false, "Also format the files in subdirectories.")
	noColor := fs.Bool("no-color", false, "Print no colours. Setting the NO_COLOR environment variable does the same.")
	paths, code, ok := fs.parse(c, args)
	if !ok {
		return code
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	files, err := hclFiles(paths, *recursive)
	if err != nil {
		fmt.Fprintf(c.stderr, "runbook fmt: %v\n", err)
		return exitUsage
	}
	status := exitOK
	for _, file := range files {
		res, diags, err := formatFile(file, !*check)
		switch {
		case err != nil:
			fmt.Fprintf(c.stderr, "runbook fmt: %v\n", err)
			status = exitUsage
		case diags.HasErrors():
			c.writeDiagnostics(diags, map[string]*hcl.File{file: {Bytes: res.before}}, *noColor)
			status = exitUsage
		case res.after != nil:
			fmt.Fprintln(c.stdout, file)
			if *diff {
				fmt.Fprint(c.stdout, udiff.Unified("old/"+file, "new/"+file, string(res.before), string(res.after)))
			}
			if *check && status == exitOK {
				status = exitTaskFailed
			}
		}
	}
	return status
}

// formatted is a file's content before formatting, and after it when that
// differs.
type formatted struct {
	before, after []byte
}

// formatFile formats one file, writing it back when write is set and its
// content changed. A file with syntax errors is left alone and its
// diagnostics returned.
func formatFile(path string, write bool) (formatted, hcl.Diagnostics, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return formatted{}, nil, err
	}
	result := formatted{before: src}
	if diags := engine.SyntaxErrors(src, path); diags.HasErrors() {
		return result, diags, nil
	}
	out := hclwrite.Format(src)
	if bytes.Equal(out, src) {
		return result, nil, nil
	}
	result.after = out
	if write {
		if err := os.WriteFile(path, out, 0o644); err != nil {
			return result, nil, err
		}
	}
	return result, nil, nil
}

// hclFiles expands paths into the files to format, sorted and without
// repeats: a file stands for itself, a directory for its *.hcl files.
func hclFiles(paths []string, recursive bool) ([]string, error) {
	seen := map[string]bool{}
	var files []string
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			files = append(files, p)
		}
	}
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			add(root)
			continue
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case d.IsDir() && p != root && (!recursive || strings.HasPrefix(d.Name(), ".")):
				return filepath.SkipDir
			case !d.IsDir() && strings.HasSuffix(d.Name(), ".hcl"):
				add(p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(files)
	return files, nil
}
