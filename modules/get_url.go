package modules

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/transport"
)

func init() {
	engine.RegisterModule(engine.ModuleInfo{
		Name: "get_url",
		Doc: "Downloads a file on the host, with its curl or wget, into a temporary file beside dest, checks its SHA-256 " +
			"checksum, gives it its mode and owner and renames it into place: a failed or wrong download never replaces dest. " +
			"Nothing is fetched when dest already has the checksum.",
		New:     func() engine.Module { return &GetURL{Mode: "0644"} },
		Outputs: FileOutputs{},
	})
}

// GetURL is the get_url module.
type GetURL struct {
	URL    string `hcl:"url" cmdline:"true" doc:"The http:// or https:// URL to download. It reaches curl or wget as an argument, which the host's process list shows: loading warns of a sensitive value in it."`
	Dest   string `hcl:"dest" doc:"The absolute path of the file on the host."`
	SHA256 string `hcl:"sha256" doc:"The SHA-256 checksum the file must have, in hex: the download is refused unless it has it, and a dest that has it is not fetched again."`
	Mode   string `hcl:"mode,optional" doc:"The permission bits of the file, in octal."`
	Owner  string `hcl:"owner,optional" doc:"The user that owns the file; changing it usually needs sudo = true."`
	Group  string `hcl:"group,optional" doc:"The group of the file; changing it usually needs sudo = true."`
}

// sha256Hex is what a SHA-256 checksum in hex looks like.
var sha256Hex = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)

// Validate checks the URL, the destination, the checksum and the owner.
func (g *GetURL) Validate() error {
	switch {
	case !strings.HasPrefix(g.URL, "https://") && !strings.HasPrefix(g.URL, "http://"):
		return engine.ArgErrorf("url", "the URL must start with https:// or http://")
	case strings.ContainsAny(g.URL, " \t\r\n"):
		return engine.ArgErrorf("url", "the URL holds white space")
	case !sha256Hex.MatchString(g.SHA256):
		return engine.ArgErrorf("sha256", "%q is not a SHA-256 checksum in hex (64 digits)", g.SHA256)
	}
	return g.target().validate()
}

// Describe says what is downloaded where.
func (g *GetURL) Describe() string {
	return g.target().describe("download a file")
}

// target returns where and how the file is written.
func (g *GetURL) target() fileTarget {
	return fileTarget{dest: g.Dest, mode: g.Mode, owner: g.Owner, group: g.Group}
}

// SafeToRepeat reports true: a dest that has the checksum is left alone.
func (g *GetURL) SafeToRepeat() bool { return true }

// Check says whether Run would download the file or change its mode,
// owner or group.
func (g *GetURL) Check(ctx context.Context, env *engine.Env) (engine.Result, error) {
	return g.apply(ctx, env, false)
}

// Run downloads the file unless dest has the checksum, and sets its mode,
// owner and group.
func (g *GetURL) Run(ctx context.Context, env *engine.Env) (engine.Result, error) {
	return g.apply(ctx, env, true)
}

// getScript downloads $1 to a temporary file beside $2, checks that its
// SHA-256 is $3, gives it the mode $4 and the owner $5 (USER[:GROUP], or
// empty), and renames it over $2.
const getScript = `set -e
tmp=$(mktemp "$(dirname -- "$2")/.runbook-get_url.XXXXXX")
trap 'rm -f -- "$tmp"' EXIT
if command -v curl >/dev/null 2>&1; then curl -fsSL --proto =https,http -o "$tmp" "$1"
elif command -v wget >/dev/null 2>&1; then wget -q -O "$tmp" "$1"
else echo "the host has neither curl nor wget" >&2; exit 127; fi
got=$(sha256sum <"$tmp" | cut -c1-64)
if [ "$got" != "$3" ]; then echo "the download's SHA-256 is $got, not $3" >&2; exit 3; fi
chmod "$4" "$tmp"
if [ -n "$5" ]; then chown -- "$5" "$tmp"; fi
mv -f -- "$tmp" "$2"
trap - EXIT`

// apply compares dest with what the task asks and, with do set, makes it
// so: a download when the content differs, else chmod and chown.
func (g *GetURL) apply(ctx context.Context, env *engine.Env, do bool) (engine.Result, error) {
	mode, _ := parseMode(g.Mode) // checked by Validate
	sum := strings.ToLower(g.SHA256)
	st, err := statPath(ctx, env, g.Dest, false)
	switch {
	case err != nil:
		return engine.Result{}, err
	case st.kind != "file" && st.kind != "absent":
		return engine.Result{}, engine.Permanent(fmt.Errorf("%s on %s is a %s, not a file", g.Dest, env.HostName, st.kind))
	}
	out := FileOutputs{Dest: g.Dest, SHA256: sum, Size: st.size}
	attrs := attributeChanges(st, mode, g.Owner, g.Group)
	fetch := st.kind == "absent" || st.sha256 != sum
	if !fetch && len(attrs) == 0 {
		return engine.Result{Outputs: out}, nil
	}
	res := engine.Result{Changed: true}
	if env.Diff {
		if fetch {
			attrs = append([]engine.Attribute{{Name: "sha256", Before: cmpOrAbsent(st.sha256), After: sum}}, attrs...)
		}
		res.Diffs = []engine.FileDiff{{Path: g.Dest, Attributes: attrs}}
	}
	if !do {
		return res, nil
	}
	if !fetch {
		f := &File{Path: g.Dest}
		for i, a := range attrs {
			if err := f.setAttribute(ctx, env, a); err != nil {
				return engine.Result{Changed: i > 0 || f.changedSince(ctx, env, st)}, err
			}
		}
	} else {
		owner := g.Owner
		if g.Group != "" {
			owner += ":" + g.Group
		}
		args := []string{"/bin/sh", "-c", getScript, "sh", g.URL, g.Dest, sum, fmt.Sprintf("%04o", mode), owner}
		if err := runChecked(ctx, env, "download "+g.Dest, transport.Command{Args: args}); err != nil {
			return engine.Result{}, err // dest is replaced at the end only, by mv
		}
	}
	if st, err = statPath(ctx, env, g.Dest, false); err != nil {
		return res, err
	}
	out.Size, out.Changed = st.size, true
	res.Outputs = out
	return res, nil
}

// cmpOrAbsent returns s, or "absent" when it is empty.
func cmpOrAbsent(s string) string {
	if s == "" {
		return "absent"
	}
	return s
}

var (
	_ engine.Validator  = (*GetURL)(nil)
	_ engine.Describer  = (*GetURL)(nil)
	_ engine.Repeatable = (*GetURL)(nil)
	_ engine.Checker    = (*GetURL)(nil)
)
