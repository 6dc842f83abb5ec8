package alation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/transport"
)

// ErrMongoAuth is wrapped by the error of a task that reads MongoDB when
// the server refuses it for want of authentication, or refuses the
// credentials it was given.
var ErrMongoAuth = errors.New("mongodb requires authentication")

// mongoLogin is the MongoDB user the modules authenticate as, in the admin
// database; the zero value reads without authenticating.
type mongoLogin struct {
	user, password string
}

// given reports whether a user was given.
func (l mongoLogin) given() bool { return l.user != "" }

// checkMongoLogin returns an *engine.ArgError unless user and password are
// given together or not at all; userArg and passwordArg name them.
func checkMongoLogin(userArg, user, passwordArg, password string) error {
	switch {
	case user != "" && password == "":
		return engine.ArgErrorf(passwordArg, "is needed with %s", userArg)
	case user == "" && password != "":
		return engine.ArgErrorf(userArg, "is needed with %s", passwordArg)
	}
	return nil
}

// mongoFileRunner is the Alation shell line that runs the next line of
// its standard input as a mongo shell script: it reads the line (the
// shell reads its input a byte at a time, so the line is still there),
// writes it to a file in a private directory (mktemp -d makes it 0700;
// umask 077 makes the file 0600), runs `mongo --quiet FILE` and removes
// the directory whatever happened. The script, which may hold a password,
// is never an argument of any process: read and printf are shell
// builtins. The line is read first, so that it is never run as a command
// should mktemp fail.
const mongoFileRunner = `IFS= read -r js; umask 077; d=$(mktemp -d) || exit 1; printf '%s\n' "$js" > "$d/runbook.js" && mongo --quiet "$d/runbook.js"; rc=$?; rm -rf "$d"; exit $rc`

// mongoAuthJS returns the JavaScript that authenticates as login in the
// admin database and throws when the server refuses: the mongo shell of
// 2.4 to 4.x returns 0 from db.auth on a refusal (after printing why),
// mongosh throws itself. It returns "" when no user is given. The strings
// are JSON, which is JavaScript, with every control character escaped, so
// that the script stays one line.
func mongoAuthJS(login mongoLogin) string {
	if !login.given() {
		return ""
	}
	user, _ := json.Marshal(login.user)
	password, _ := json.Marshal(login.password)
	return fmt.Sprintf(`if (!db.getSiblingDB("admin").auth(%s, %s)) { throw new Error("Authentication failed."); } `, user, password)
}

// runMongo runs js, one line of JavaScript, in the mongo shell inside the
// Alation shell of h, authenticated as login when a user is given (see
// mongoFileRunner for how the script reaches the shell). The error of a
// refusal for want of authentication, or of login, wraps ErrMongoAuth and
// names host and the playbook variables that give credentials; any other
// failure is returned as it is, saying what was being done.
func runMongo(ctx context.Context, h transport.Host, host string, login mongoLogin, js, what string) (string, error) {
	res, err := runInShell(ctx, h, mongoFileRunner, mongoAuthJS(login)+js)
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	if err := mongoAuthError(res, host, login); err != nil {
		return "", err
	}
	return mustOK(res, nil, what)
}

// mongoAuthPatterns match what MongoDB and its shells print when they
// refuse a command for want of authentication or refuse credentials: 2.4
// ("unauthorized", "not authorized for query on local.system.replset",
// "need to login", "auth fails"), 2.6 to 4.x ("not authorized on admin to
// execute command", "Error: 18 { ... auth failed ... }", "Authentication
// failed."), 3.6 and later and mongosh ("command find requires
// authentication", MongoServerError with codeName Unauthorized or
// AuthenticationFailed), and the codes 13 (Unauthorized) and 18
// (AuthenticationFailed).
var mongoAuthPatterns = regexp.MustCompile(`(?i)not authorized|unauthorized|requires authentication|need to login|auth(entication)? fail|AuthenticationFailed|"?code"?\s*:\s*(13|18)\b`)

// mongoRefusedLogin matches the refusal of credentials rather than of a
// command.
var mongoRefusedLogin = regexp.MustCompile(`(?i)auth(entication)? fail|AuthenticationFailed|"?code"?\s*:\s*18\b`)

// mongoAuthError returns an error wrapping ErrMongoAuth when res shows
// MongoDB refusing for want of authentication, or refusing login, on
// host; it quotes the line that says so and names the fix.
func mongoAuthError(res transport.Result, host string, login mongoLogin) error {
	out := string(res.Stdout) + "\n" + string(res.Stderr)
	var seen string
	for _, line := range strings.Split(out, "\n") {
		if mongoAuthPatterns.MatchString(line) {
			seen = strings.TrimSpace(line)
			break
		}
	}
	if seen == "" {
		return nil
	}
	if len(seen) > 300 {
		seen = seen[:300] + "…"
	}
	if login.given() && mongoRefusedLogin.MatchString(seen) {
		return fmt.Errorf("%w on %s: MongoDB refused the user %q given in mongo_user (it said %q): check mongo_user and mongo_password, a user of the admin database that may read the local database and run replSetGetStatus (the clusterMonitor role)",
			ErrMongoAuth, host, login.user, seen)
	}
	if login.given() {
		return fmt.Errorf("%w on %s: the user %q given in mongo_user may not read the replication state (MongoDB said %q): grant it the clusterMonitor role in the admin database",
			ErrMongoAuth, host, login.user, seen)
	}
	return fmt.Errorf("%w on %s: MongoDB said %q: give a user of its admin database that may read the replication state (the clusterMonitor role) with -var mongo_user=NAME and mongo_password (a sensitive variable: set it in a -var-file or in the environment as RUNBOOK_VAR_mongo_password, not on the command line)",
		ErrMongoAuth, host, seen)
}

// mongoAccessJS reads what the lag report reads first, the replica set
// configuration in the local database, so that a server that would refuse
// the report refuses here, and prints the options mongod runs with, whose
// bind address (net.bindIp, bind_ip before 2.6) says whether it listens
// only on its own host.
const mongoAccessJS = `db.getSiblingDB("local").getCollection("system.replset").findOne(); printjson(db.adminCommand({getCmdLineOpts: 1}).parsed);`

// mongoBindPattern matches the bind address in the options mongod runs
// with, as printjson prints them in the legacy shell ("bindIp" : "…") or
// in mongosh (bindIp: '…'), and bindIpAll (3.6 and later).
var mongoBindPattern = regexp.MustCompile(`"?(bindIp|bind_ip)"?\s*:\s*["']([^"']*)["']|"?(bindIpAll)"?\s*:\s*true`)

// checkMongoAccess reads MongoDB in the Alation shell of h, named host,
// as the lag report will, and returns the bind address it runs with ("*"
// for all, "" when it does not tell). An error wrapping ErrMongoAuth says
// MongoDB refused.
func checkMongoAccess(ctx context.Context, h transport.Host, host string, login mongoLogin) (string, error) {
	out, err := runMongo(ctx, h, host, login, mongoAccessJS, "read MongoDB")
	if err != nil {
		return "", err
	}
	m := mongoBindPattern.FindStringSubmatch(out)
	switch {
	case m == nil:
		return "", nil
	case m[3] != "":
		return "*", nil
	}
	return m[2], nil
}
