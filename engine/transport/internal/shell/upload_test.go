package shell

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// runLocal is a RunFunc that runs argv on this machine.
var runLocal = runLocalWith()

// runLocalWith returns a RunFunc that runs argv on this machine with env
// added to its environment.
func runLocalWith(env ...string) RunFunc {
	return func(ctx context.Context, argv []string, stdin io.Reader) ([]byte, []byte, bool, error) {
		var stdout, stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), env...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &stdout, &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return stdout.Bytes(), stderr.Bytes(), false, nil
		}
		return stdout.Bytes(), stderr.Bytes(), err == nil, err
	}
}

// dirNames returns the names in dir, sorted.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// touch creates each of names in dir, empty.
func touch(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, name := range names {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func TestIsTemp(t *testing.T) {
	for name, want := range map[string]bool{
		".f.runbook-0123456789abcdef": true,
		".f.runbook-4242":             true,
		".f.runbook-":                 false,
		".f.runbook-ABCDEF":           false,
		".f.runbook-12.bak":           false,
		".f.runbook-12/x":             false,
		"f.runbook-12":                false,
		".g.runbook-12":               false,
		"..f.runbook-12":              false,
		".f":                          false,
	} {
		if got := IsTemp("/srv/f", name); got != want {
			t.Errorf("IsTemp(/srv/f, %q) = %v, want %v", name, got, want)
		}
	}
	if want := "/srv/.f.runbook-"; TempPrefix("/srv/f") != want {
		t.Errorf("TempPrefix(/srv/f) = %q, want %q", TempPrefix("/srv/f"), want)
	}
}

func TestStaleTempsSorted(t *testing.T) {
	dir := t.TempDir()
	touch(t, dir, ".f.runbook-b2", ".f.runbook-a1", ".f.runbook-keep", ".g.runbook-00", "f")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(entries)
	got := StaleTemps(filepath.Join(dir, "f"), entries)
	want := []string{filepath.Join(dir, ".f.runbook-a1"), filepath.Join(dir, ".f.runbook-b2")}
	if !slices.Equal(got, want) {
		t.Fatalf("StaleTemps = %q, want %q", got, want)
	}
}

func TestInstallRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "f")
	touch(t, dir, ".f.runbook-4242", ".f.runbook-00ff", ".f.runbook-", ".f.runbook-keep", ".g.runbook-00", "f")
	changed, err := Install(context.Background(), runLocal, Dest{Path: dest, Mode: 0o640}, []byte("new\n"))
	if err != nil || !changed {
		t.Fatalf("Install = %v, %v; want true, nil", changed, err)
	}
	want := []string{".f.runbook-", ".f.runbook-keep", ".g.runbook-00", "f"}
	if got := dirNames(t, dir); !slices.Equal(got, want) {
		t.Fatalf("after the install the directory holds %q, want %q", got, want)
	}
	if b, err := os.ReadFile(dest); err != nil || string(b) != "new\n" {
		t.Fatalf("%s holds %q (%v), want the new content", dest, b, err)
	}
}

func TestInstallFailureSaysWhy(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "missing", "f")
	_, err := Install(context.Background(), runLocal, Dest{Path: dest}, []byte("x"))
	if err == nil || !strings.Contains(err.Error(), "write "+dest+": ") ||
		!strings.Contains(strings.TrimPrefix(err.Error(), "write "+dest), filepath.Dir(dest)+" does not exist") {
		t.Fatalf("Install into a missing directory: %v, want a message saying that %s does not exist", err, filepath.Dir(dest))
	}
	if got := dirNames(t, dir); len(got) != 0 {
		t.Fatalf("the failed install left %q", got)
	}
}

func TestInstallFailureWithoutMessage(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "f")
	// The script's own dd stands in for one that fails silently.
	silent := func(ctx context.Context, argv []string, stdin io.Reader) ([]byte, []byte, bool, error) {
		if len(argv) > 2 && argv[2] == installScript {
			argv = slices.Clone(argv)
			argv[2] = strings.Replace(installScript, "if ! msg=$(dd of=", "(exit 3)\nif ! msg=$(dd of=", 1)
		}
		return runLocal(ctx, argv, stdin)
	}
	_, err := Install(context.Background(), silent, Dest{Path: dest}, []byte("x"))
	if err == nil || !strings.HasSuffix(err.Error(), ": exited with code 3") {
		t.Fatalf("Install whose command fails silently: %v, want it to end in the exit code", err)
	}
	if got := dirNames(t, dir); len(got) != 0 {
		t.Fatalf("the failed install left %q", got)
	}
}

func TestFailure(t *testing.T) {
	for _, c := range []struct {
		stdout, stderr string
		want           string
		noSpace        bool
	}{
		{"", "chmod: invalid mode\n", "chmod: invalid mode", false},
		{"exit 2\n", "", "exited with code 2", false},
		{"", "", "failed without a message", false},
		{"exit 1\n", "dd: error writing '/d/.f.runbook-1': No space left on device\n", "dd: error writing '/d/.f.runbook-1': No space left on device", true},
	} {
		err := failure([]byte(c.stdout), []byte(c.stderr))
		if err.Error() != c.want || errors.Is(err, syscall.ENOSPC) != c.noSpace {
			t.Errorf("failure(%q, %q) = %q (ENOSPC %v), want %q (ENOSPC %v)",
				c.stdout, c.stderr, err, errors.Is(err, syscall.ENOSPC), c.want, c.noSpace)
		}
	}
}

// TestInstallRefusesSwappedPrivateDir plays the race another user of the
// directory could win: right after the install script makes its private
// directory, that directory is moved away and a link to another
// directory of the same owner and mode takes its name. The script must
// notice before it writes anything, and fail.
func TestInstallRefusesSwappedPrivateDir(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	if err := os.Chmod(other, 0o700); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(dir, "f")
	touch(t, dir, "f")
	bin := t.TempDir()
	swap := "#!/bin/sh\n/bin/mkdir \"$@\" && mv -- \"$2\" \"$2.moved\" && ln -s -- \"$OTHER\" \"$2\"\n"
	if err := os.WriteFile(filepath.Join(bin, "mkdir"), []byte(swap), 0o755); err != nil {
		t.Fatal(err)
	}
	racing := runLocalWith("PATH="+bin+":"+os.Getenv("PATH"), "OTHER="+other)
	_, err := Install(context.Background(), racing, Dest{Path: dest}, []byte("new\n"))
	if err == nil || !strings.Contains(err.Error(), "is not the private directory this upload made") {
		t.Fatalf("Install whose private directory was swapped: %v, want it refused", err)
	}
	if got := dirNames(t, other); len(got) != 0 {
		t.Fatalf("the directory the link pointed to now holds %q", got)
	}
	if b, err := os.ReadFile(dest); err != nil || len(b) != 0 {
		t.Fatalf("%s holds %q (%v), want it untouched", dest, b, err)
	}
}

// TestInstallRefusesCutStream cuts the content short on its way to the
// install script, as a transfer that ended early would: the script must
// find that the file it wrote is not the content sent, and leave the
// destination and its directory as they were.
func TestInstallRefusesCutStream(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "f")
	if err := os.WriteFile(dest, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cut := func(ctx context.Context, argv []string, stdin io.Reader) ([]byte, []byte, bool, error) {
		if stdin != nil {
			b, err := io.ReadAll(stdin)
			if err != nil {
				return nil, nil, false, err
			}
			stdin = bytes.NewReader(b[:len(b)-1])
		}
		return runLocal(ctx, argv, stdin)
	}
	_, err := Install(context.Background(), cut, Dest{Path: dest}, []byte("new content\n"))
	if err == nil || !strings.Contains(err.Error(), "the transfer was cut short") {
		t.Fatalf("Install of a stream cut short: %v, want it refused", err)
	}
	if b, err := os.ReadFile(dest); err != nil || string(b) != "old\n" {
		t.Fatalf("%s holds %q (%v), want its old content", dest, b, err)
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{"f"}) {
		t.Fatalf("the refused install left %q", got)
	}
}
