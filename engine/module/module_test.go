package module

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/runbookhq/runbook/engine/transport"
)

type nopModule struct {
	Wait Duration `hcl:"wait,optional"`
}

func (*nopModule) Run(context.Context, *Env) (Result, error) { return Result{}, nil }

func TestRegisterRefusesDuplicatesAndListsSorted(t *testing.T) {
	Register(Info{Name: "module_test_b", New: func() Module { return &nopModule{} }})
	Register(Info{Name: "module_test_a", New: func() Module { return &nopModule{} }})
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), `"module_test_a" registered twice`) {
			t.Errorf("a second registration recovered %v, want a panic naming the module", r)
		}
	}()
	var names []string
	for _, info := range All() {
		names = append(names, info.Name)
	}
	if got := strings.Join(names, " "); !strings.Contains(got, "module_test_a module_test_b") {
		t.Errorf("All = %s, want the modules sorted", got)
	}
	if _, ok := Lookup("module_test_b"); !ok {
		t.Error("Lookup does not find a registered module")
	}
	Register(Info{Name: "module_test_a", New: func() Module { return &nopModule{} }})
}

func TestParseDuration(t *testing.T) {
	for s, want := range map[string]time.Duration{"0s": 0, "90s": 90 * time.Second, "1h30m": 90 * time.Minute} {
		if got, err := ParseDuration(s); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %s, %v; want %s", s, got, err, want)
		}
	}
	for _, s := range []string{"", "soon", "-1s", "5"} {
		if _, err := ParseDuration(s); err == nil {
			t.Errorf("ParseDuration(%q) accepted it", s)
		}
	}
	var ae *ArgError
	if err := CheckArguments(&nopModule{Wait: "0s"}); !errors.As(err, &ae) || ae.Arg != "wait" {
		t.Errorf("CheckArguments with a zero Duration = %v, want an ArgError about wait", err)
	}
}

func TestPermanent(t *testing.T) {
	base := errors.New("refused")
	err := fmt.Errorf("replace data: %w", Permanent(base))
	if !IsPermanent(err) || !errors.Is(err, base) || err.Error() != "replace data: refused" {
		t.Errorf("Permanent wrapped: %v (permanent %v)", err, IsPermanent(err))
	}
	if IsPermanent(base) || Permanent(nil) != nil {
		t.Error("an unmarked error is permanent, or Permanent(nil) is not nil")
	}
}

func TestEnvPeerRefusesOtherHosts(t *testing.T) {
	local := transport.NewLocal()
	env := NewEnv(local, "a", "task", map[string]transport.Host{"b": local}, nil)
	if h, err := env.Peer(HostRef{Name: "b"}); err != nil || h != local {
		t.Errorf("Peer(b) = %v, %v", h, err)
	}
	if _, err := env.Peer(HostRef{Name: "c"}); !errors.Is(err, ErrNotPeer) {
		t.Errorf("Peer(c) = %v, want ErrNotPeer", err)
	}
	env.Progressf("no receiver: %d", 1) // must not panic
}
