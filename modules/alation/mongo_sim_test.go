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

	"github.com/runbookhq/runbook/engine"
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

// TestMongoWaitRunsOut waits for a lag of hours that falls too slowly for
// the wait: the progress shows the lag falling, its pace and the time
// left, and the error says what was last seen and how to wait again.
func TestMongoWaitRunsOut(t *testing.T) {
	h := sim.StartHost(t, sim.HostOptions{Name: "primary", MongoInitialLag: 10 * time.Hour, MongoCatchUp: 5 * time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	state := `{"conf": {"replication_mode": "master", "hosts": ["127.0.9.9/32"], "pg_repl_in_line": true, "master": ""}, "mongo": [{"source": "127.0.9.9:27017", "started": "` + time.Now().UTC().Format(time.RFC3339) + `"}]}`
	if _, err := h.Exec(ctx, "cat > "+hostconf.StatePath(h.AlationDir)+" <<'EOF'\n"+state+"\nEOF"); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var progress []string
	env := engine.NewEnv(connectHosts(t, h)["primary"], "primary", "mongo_caught_up", nil, func(msg string) {
		mu.Lock()
		defer mu.Unlock()
		progress = append(progress, msg)
	})
	res, err := (&MongoLag{MaxLag: 60, Wait: "4s", Interval: "1s", Source: "127.0.9.9"}).Run(ctx, env)
	if !errors.Is(err, ErrMongoBehind) {
		t.Fatalf("mongo_lag = %v, want ErrMongoBehind", err)
	}
	for _, want := range []string{"on primary", "the wait (4s) ran out", "last seen: 127.0.9.9:27017", "s behind the primary, falling", "--resume", "mongo_wait"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
	if out := res.Outputs.(MongoLagOutputs); out.CaughtUp || out.LagSeconds < 3600 {
		t.Errorf("outputs %+v", out)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(progress) < 2 {
		t.Fatalf("progress %q; want readings", progress)
	}
	if last := progress[len(progress)-1]; !strings.Contains(last, ", falling ") || !strings.Contains(last, " s/s, about ") || !strings.Contains(last, " left") {
		t.Errorf("progress %q; want the lag falling, its pace and the time left", progress)
	}
}
