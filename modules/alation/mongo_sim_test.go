package alation

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runbookhq/runbook/internal/sim"
	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// TestMongoCredentials reads a host whose MongoDB (2.4's shell) requires
// authentication: without a user, and with a wrong password, the read
// fails with ErrMongoAuth saying what to give; with the right user it
// reads mongod's bind address. The password never shows in the argument
// list of any process of the machine while it is read, and the script
// file holding it is gone afterwards.
func TestMongoCredentials(t *testing.T) {
	const password = "sim-pw-7f3a9c"
	h := sim.StartHost(t, sim.HostOptions{Name: "primary", MongoShell: hostconf.Mongo24, MongoUser: "monitor", MongoPassword: password})
	env := envOn(t, connectHosts(t, h), "primary", "facts")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, tt := range []struct {
		login mongoLogin
		want  string
	}{
		{mongoLogin{}, "-var mongo_user=NAME"},
		{mongoLogin{"monitor", "wrong"}, `refused the user "monitor"`},
	} {
		if _, err := checkMongoAccess(ctx, env.Host, "primary", tt.login); !errors.Is(err, ErrMongoAuth) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "on primary") {
			t.Errorf("login %q: %v; want ErrMongoAuth on primary saying %q", tt.login.user, err, tt.want)
		}
	}
	seen := make(chan string, 1)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			lists, _ := filepath.Glob("/proc/[0-9]*/cmdline")
			for _, f := range lists {
				if b, err := os.ReadFile(f); err == nil && strings.Contains(string(b), password) {
					select {
					case seen <- strings.ReplaceAll(string(b), "\x00", " "):
					default:
					}
				}
			}
		}
	}()
	for range 5 {
		bind, err := checkMongoAccess(ctx, env.Host, "primary", mongoLogin{"monitor", password})
		if err != nil || bind != h.Address {
			t.Errorf("with the user: bind %q, %v; want %s", bind, err, h.Address)
		}
	}
	close(stop)
	wg.Wait()
	select {
	case cmdline := <-seen:
		t.Errorf("a process showed the password in its arguments: %s", cmdline)
	default:
	}
	if left, err := h.Exec(ctx, "ls -d /tmp/tmp.*/runbook.js 2>/dev/null; true"); err != nil || left != "" {
		t.Errorf("script files left behind: %q, %v", left, err)
	}
}
