package modules

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/runbookhq/runbook/engine"
)

func init() {
	engine.RegisterModule(engine.ModuleInfo{
		Name: "copy",
		Doc: "Writes a file on the host, from a string (content) or from a file on the control node (src). " +
			"The file is written to a temporary name and renamed into place, so it is never seen half-written; " +
			"a file that already has the same content and mode is left alone and the task reports no change.",
		New:     func() engine.Module { return &Copy{Mode: "0644"} },
		Outputs: FileOutputs{},
	})
}

// Copy is the copy module: it writes a file on the host.
type Copy struct {
	Content *string `hcl:"content,optional" doc:"The content of the file. Set exactly one of content and src."`
	Src     string  `hcl:"src,optional" doc:"A file on the control node whose content is copied; a relative path starts from the directory runbook runs in (content = file(\"NAME\") reads a file beside the playbook instead). Set exactly one of content and src."`
	Dest    string  `hcl:"dest" doc:"The absolute path of the file on the host."`
	Mode    string  `hcl:"mode,optional" doc:"The permission bits of the file, in octal."`
	Owner   string  `hcl:"owner,optional" doc:"The user that owns the file; changing it usually needs sudo = true."`
	Group   string  `hcl:"group,optional" doc:"The group that owns the file; changing it usually needs sudo = true."`
	Follow  bool    `hcl:"follow,optional" doc:"When dest is a symbolic link, write to the file it points to and keep the link, and trust every link on the way to dest. Without it such a dest is refused, and so is a link on the way that a user other than root and the writing user could change. Either way the file is written to a new name and renamed into place, so no link planted beside dest is ever followed, with sudo or without."`
}

// Validate checks that exactly one source is set and that dest, mode,
// owner and group are usable.
func (c *Copy) Validate() error { return c.ValidateKnown(engine.AllKnown) }

// ValidateKnown checks what Validate does of the arguments that are known,
// so that a wrong dest or mode is refused when the playbook loads even
// when the content is known only after a run.
func (c *Copy) ValidateKnown(known func(arg string) bool) error {
	switch {
	case !known("content") || !known("src"):
	case c.Content != nil && c.Src != "":
		return errors.New("content and src are mutually exclusive: set exactly one")
	case c.Content == nil && c.Src == "":
		return errors.New("one of content and src is required")
	}
	return c.target().validateKnown(known)
}

// Describe says how much is copied where.
func (c *Copy) Describe() string {
	if c.Content != nil {
		return c.target().describe(fmt.Sprintf("copy %d bytes", len(*c.Content)))
	}
	if fi, err := os.Stat(c.Src); err == nil {
		return c.target().describe(fmt.Sprintf("copy %s (%d bytes)", c.Src, fi.Size()))
	}
	return c.target().describe("copy " + c.Src)
}

// SafeToRepeat reports true: writing the same file again is harmless.
func (c *Copy) SafeToRepeat() bool { return true }

// Run writes the file on env's host.
func (c *Copy) Run(ctx context.Context, env *engine.Env) (engine.Result, error) {
	content, err := c.content()
	if err != nil {
		return engine.Result{}, err
	}
	return c.target().write(ctx, env, content)
}

// Check says whether Run would change the file, and with env.Diff how.
func (c *Copy) Check(ctx context.Context, env *engine.Env) (engine.Result, error) {
	content, err := c.content()
	if err != nil {
		return engine.Result{}, err
	}
	return c.target().check(ctx, env, content)
}

// content returns the content to write: content, or that of src.
func (c *Copy) content() ([]byte, error) {
	if c.Content != nil {
		return []byte(*c.Content), nil
	}
	return readSrc(c.Src)
}

// readSrc reads src, a file on the control node. Its error names src
// once, says where a relative path starts from, and is permanent: no
// retry finds a file that is not there.
func readSrc(src string) ([]byte, error) {
	b, err := os.ReadFile(src)
	if err == nil {
		return b, nil
	}
	why := err
	var pe *fs.PathError
	if errors.As(err, &pe) {
		why = pe.Err
	}
	where := ""
	if wd, werr := os.Getwd(); werr == nil && !filepath.IsAbs(src) {
		where = fmt.Sprintf(" (a relative path starts from %s, where runbook runs)", wd)
	}
	return nil, engine.Permanent(fmt.Errorf("read src %s on the control node: %w%s", src, why, where))
}

// target is where and how the file is written.
func (c *Copy) target() fileTarget {
	return fileTarget{dest: c.Dest, mode: c.Mode, owner: c.Owner, group: c.Group, follow: c.Follow}
}

var (
	_ engine.Validator  = (*Copy)(nil)
	_ engine.Describer  = (*Copy)(nil)
	_ engine.Repeatable = (*Copy)(nil)
	_ engine.Checker    = (*Copy)(nil)
)
