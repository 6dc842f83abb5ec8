package alation

import (
	"errors"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
)

// TestMongoAuthError recognises the refusals of MongoDB 2.4, 2.6 to 4.x
// and mongosh, for want of authentication and of credentials, and names
// the host and the fix; other failures and plain reports are not
// refusals.
func TestMongoAuthError(t *testing.T) {
	user := mongoLogin{"monitor", "s3cret-pw"}
	tests := []struct {
		name   string
		stdout string
		stderr string
		login  mongoLogin
		want   []string // nil: not a refusal
	}{
		{"2.4 query", `Thu Dec 06 10:00:00.000 error: { "$err" : "not authorized for query on local.system.replset", "code" : 16550 } at src/mongo/shell/query.js:128`, "", mongoLogin{},
			[]string{"on primary", "not authorized for query", "-var mongo_user=NAME", "mongo_password"}},
		{"2.4 command", "", `{ "ok" : 0, "errmsg" : "unauthorized" }`, mongoLogin{}, []string{"unauthorized", "mongo_user"}},
		{"2.6 command", `Error: error: { "ok" : 0, "errmsg" : "not authorized on admin to execute command { replSetGetStatus: 1.0 }", "code" : 13 }`, "", mongoLogin{},
			[]string{"not authorized on admin to execute command", "mongo_user"}},
		{"3.6 codeName", "", `Error: error: { "ok" : 0, "errmsg" : "command find requires authentication", "code" : 13, "codeName" : "Unauthorized" }`, mongoLogin{},
			[]string{"requires authentication", "mongo_user"}},
		{"mongosh", "", "MongoServerError: command replSetGetStatus requires authentication", mongoLogin{}, []string{"requires authentication", "mongo_user"}},
		{"2.4 bad password", "Error: 18 { code: 18, ok: 0.0, errmsg: \"auth fails\" }", "", user, []string{"refused the user \"monitor\"", "mongo_password"}},
		{"2.6 bad password", "Error: Authentication failed.\nuncaught exception: Error: Authentication failed.", "", user, []string{"refused the user", "auth"}},
		{"mongosh bad password", "", "MongoServerError: Authentication failed.", user, []string{"refused the user"}},
		{"user without the role", "", "MongoServerError: not authorized on local to execute command { find: \"system.replset\" }", user, []string{"clusterMonitor", "\"monitor\""}},
		{"report", "source: 127.0.2.2:27017\n\tsyncedTo: Thu Nov 26 2026\n\t0 secs (0 hrs) behind the primary\n", "", user, nil},
		{"refused connection", "", "Error: couldn't connect to server 127.0.0.1:27017, connection attempt failed", mongoLogin{}, nil},
	}
	for _, tt := range tests {
		res := transport.Result{Stdout: []byte(tt.stdout), Stderr: []byte(tt.stderr), ExitCode: 1}
		err := mongoAuthError(res, "primary", tt.login)
		if tt.want == nil {
			if err != nil {
				t.Errorf("%s: %v; want no refusal", tt.name, err)
			}
			continue
		}
		if !errors.Is(err, ErrMongoAuth) {
			t.Errorf("%s: %v; want ErrMongoAuth", tt.name, err)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not say %q", tt.name, err, w)
			}
		}
		if strings.Contains(err.Error(), "s3cret-pw") {
			t.Errorf("%s: the error shows the password: %s", tt.name, err)
		}
	}
}

// TestMongoScriptKeepsPasswordOffCommandLines checks that the password
// travels only in the script line, escaped as JSON so that it stays one
// line, never in the line the Alation shell runs as a command.
func TestMongoScriptKeepsPasswordOffCommandLines(t *testing.T) {
	login := mongoLogin{"mon\"itor", "pa ss'\n$(reboot)"}
	js := mongoAuthJS(login)
	if strings.Contains(mongoFileRunner, "pa ss") || lineSafe(js) != nil {
		t.Fatalf("script %q", js)
	}
	if !strings.Contains(js, `"mon\"itor"`) || !strings.Contains(js, `"pa ss'\n$(reboot)"`) {
		t.Errorf("script %q does not hold the user and password as JSON strings", js)
	}
	if mongoAuthJS(mongoLogin{}) != "" {
		t.Error("a script authenticates without a user")
	}
	if err := checkMongoLogin("mongo_user", "u", "mongo_password", ""); err == nil {
		t.Error("a user without a password was accepted")
	}
}

// TestOnlyLocal tells listen addresses that only the host reaches from
// those the peer reaches.
func TestOnlyLocal(t *testing.T) {
	for _, tt := range []struct {
		list       string
		emptyLocal bool
		want       bool
	}{
		{"localhost", true, true}, {"127.0.0.1,::1", false, true}, {"", true, true}, {"", false, false},
		{"*", true, false}, {"0.0.0.0", false, false}, {"localhost, 10.0.0.2", true, false}, {"127.0.2.1", true, false},
	} {
		if got := onlyLocal(tt.list, tt.emptyLocal); got != tt.want {
			t.Errorf("onlyLocal(%q, %v) = %v", tt.list, tt.emptyLocal, got)
		}
	}
}
