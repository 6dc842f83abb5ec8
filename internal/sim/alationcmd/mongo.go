package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// syncedToLayout is how the mongo shell prints a date (JavaScript's
// Date.toString).
const syncedToLayout = "Mon Jan 02 2006 15:04:05 GMT-0700 (MST)"

// mongoCommand implements the uses of the mongo shell the modules make:
// `mongo [--quiet] --eval SCRIPT` and `mongo [--quiet] FILE.js`. The
// script is not JavaScript evaluated but read for the calls the modules
// make: db.getSiblingDB("admin").auth(USER, PASSWORD) with JSON strings,
// a read of local.system.replset, getCmdLineOpts (printed with
// printjson) and rs.printSlaveReplicationInfo() or
// rs.printSecondaryReplicationInfo(). A host with a Mongo user refuses
// every read without that user's authentication, in the wording of its
// shell.
func (h *host) mongoCommand(args []string) error {
	quiet, script := false, ""
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--quiet":
			quiet = true
		case a == "--eval" && i+1 < len(args):
			script = args[i+1]
			i++
		case strings.HasPrefix(a, "--eval="):
			script = strings.TrimPrefix(a, "--eval=")
		case strings.HasSuffix(a, ".js") && !strings.HasPrefix(a, "-"):
			b, err := os.ReadFile(a)
			if err != nil {
				return fmt.Errorf("file [%s] doesn't exist", a)
			}
			script = string(b)
		default:
			return &exitError{code: 2, msg: fmt.Sprintf("mongo (simulated): unsupported argument %q; use --eval 'rs.printSecondaryReplicationInfo()' or a .js file", a)}
		}
	}
	report := strings.Contains(script, "rs.printSlaveReplicationInfo()") || strings.Contains(script, "rs.printSecondaryReplicationInfo()")
	opts := strings.Contains(script, "getCmdLineOpts")
	if !report && !opts {
		return &exitError{code: 2, msg: fmt.Sprintf("mongo (simulated): cannot evaluate %q: only the lag report and getCmdLineOpts are simulated", script)}
	}
	if !quiet {
		fmt.Printf("MongoDB shell version (simulated)\nconnecting to: mongodb://127.0.0.1:%d/\n", hostconf.MongoPort)
	}
	if !h.servicesRunning() || h.cfg.PortClosed(hostconf.MongoPort) {
		return fmt.Errorf("couldn't connect to server 127.0.0.1:%d: connection refused", hostconf.MongoPort)
	}
	if err := h.mongoAuth(script); err != nil {
		return err
	}
	if opts {
		h.printOpts()
	}
	if !report {
		return nil
	}
	s, err := h.readState()
	if err != nil {
		return err
	}
	if len(s.Mongo) == 0 {
		return errors.New("error: no replication has been set up on this host (not a replica set primary with secondaries)")
	}
	now := time.Now().UTC()
	for _, sec := range s.Mongo {
		lag := h.mongoLag(now.Sub(sec.Started))
		h.printLag(sec.Source, now.Add(-time.Duration(lag)*time.Second).Format(syncedToLayout), lag)
	}
	if h.cfg.MongoArbiter {
		h.printArbiter(net.JoinHostPort(h.cfg.Address, strconv.Itoa(hostconf.MongoPort+1)))
	}
	return nil
}

// authCall matches db.getSiblingDB("admin").auth(USER, PASSWORD) with
// JSON strings.
var authCall = regexp.MustCompile(`getSiblingDB\("admin"\)\.auth\(("(?:[^"\\]|\\.)*"),\s*("(?:[^"\\]|\\.)*")\)`)

// mongoAuth refuses script, in the wording of the host's shell, when the
// host requires authentication and script does not authenticate as its
// user, or gives another password.
func (h *host) mongoAuth(script string) error {
	if h.cfg.MongoUser == "" {
		return nil
	}
	m := authCall.FindStringSubmatch(script)
	if m == nil {
		return &exitError{code: 1, msg: map[string]string{
			hostconf.Mongo24: `Thu Dec 06 10:00:00.000 error: { "$err" : "not authorized for query on local.system.replset", "code" : 16550 } at src/mongo/shell/query.js:128`,
			hostconf.Mongo3x: `Error: error: { "ok" : 0, "errmsg" : "not authorized on local to execute command { find: \"system.replset\", filter: {}, limit: 1.0, singleBatch: true }", "code" : 13, "codeName" : "Unauthorized" }`,
			hostconf.MongoSH: "MongoServerError: command find requires authentication",
		}[h.cfg.MongoShell]}
	}
	var user, password string
	if json.Unmarshal([]byte(m[1]), &user) != nil || json.Unmarshal([]byte(m[2]), &password) != nil || user != h.cfg.MongoUser || password != h.cfg.MongoPassword {
		return &exitError{code: 1, msg: map[string]string{
			hostconf.Mongo24: `Error: 18 { code: 18, ok: 0.0, errmsg: "auth fails" }`,
			hostconf.Mongo3x: "Error: Authentication failed.\nuncaught exception: Error: Authentication failed.",
			hostconf.MongoSH: "MongoServerError: Authentication failed.",
		}[h.cfg.MongoShell]}
	}
	return nil
}

// printOpts prints the options mongod runs with, as printjson prints
// getCmdLineOpts' parsed in the host's shell: bound to the host's address,
// or to 127.0.0.1 alone when it listens only locally.
func (h *host) printOpts() {
	bind := h.cfg.Address
	if h.cfg.LocalOnly {
		bind = "127.0.0.1"
	}
	switch h.cfg.MongoShell {
	case hostconf.Mongo24:
		fmt.Printf("{ \"bind_ip\" : \"%s\", \"port\" : %d, \"replSet\" : \"alation\" }\n", bind, hostconf.MongoPort)
	case hostconf.MongoSH:
		fmt.Printf("{ net: { bindIp: '%s', port: %d }, replication: { replSet: 'alation' } }\n", bind, hostconf.MongoPort)
	default:
		fmt.Printf("{\n\t\"net\" : {\n\t\t\"bindIp\" : \"%s\",\n\t\t\"port\" : %d\n\t},\n\t\"replication\" : {\n\t\t\"replSet\" : \"alation\"\n\t}\n}\n", bind, hostconf.MongoPort)
	}
}

// printLag prints one secondary's lag in the wording of the host's mongo
// shell.
func (h *host) printLag(source, syncedTo string, lag int64) {
	switch h.cfg.MongoShell {
	case hostconf.Mongo24:
		fmt.Printf("source:   %s\n\t syncedTo: %s\n\t\t = %d secs ago (%shrs)\n", source, syncedTo, lag, formatHours(lag))
	case hostconf.MongoSH:
		fmt.Printf("source: %s\n{\n  syncedTo: '%s',\n  replLag: '%d secs (%s hrs) behind the primary '\n}\n", source, syncedTo, lag, formatHours(lag))
	default:
		fmt.Printf("source: %s\n\tsyncedTo: %s\n\t%d secs (%s hrs) behind the primary \n", source, syncedTo, lag, formatHours(lag))
	}
}

// printArbiter prints an arbiter, which has no replication info, in the
// wording of the host's mongo shell.
func (h *host) printArbiter(source string) {
	if h.cfg.MongoShell == hostconf.MongoSH {
		fmt.Printf("source: %s\n{\n  'no replication info, yet': 'State: ARBITER'\n}\n", source)
		return
	}
	fmt.Printf("source: %s\n\tno replication info, yet.  State: ARBITER\n", source)
}

// mongoLag is the lag in seconds after replication has run for elapsed:
// it falls linearly from the initial lag to zero over the catch-up time.
func (h *host) mongoLag(elapsed time.Duration) int64 {
	initial, catchUp := h.cfg.MongoInitialLag, h.cfg.MongoCatchUp
	if elapsed >= catchUp || catchUp <= 0 {
		return 0
	}
	left := float64(catchUp-elapsed) / float64(catchUp)
	return int64(initial.Seconds() * left)
}

// formatHours prints lag/3600 rounded to two decimals the way the mongo
// shell does (Math.round(secs/36)/100).
func formatHours(secs int64) string {
	return strconv.FormatFloat(math.Round(float64(secs)/36)/100, 'f', -1, 64)
}
