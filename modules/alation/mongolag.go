package alation

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/runbookhq/runbook/engine"
)

// MongoLag waits until the MongoDB replication lag of the secondary is
// small enough, reading it on the primary. It never changes anything.
type MongoLag struct {
	MaxLag        int             `hcl:"max_lag,optional" doc:"The largest lag, in seconds, that counts as caught up. Default 60."`
	Wait          engine.Duration `hcl:"wait,optional" doc:"How long to wait for the lag to fall to max_lag, as a duration such as \"24h\": a secondary works through hours of backlog, and for large data days. Default \"24h\"."`
	Interval      engine.Duration `hcl:"interval,optional" doc:"How long to wait between two readings at first; as the wait goes on, readings grow sparser, a tenth of the time waited apart and a minute at most (or interval, when longer). Default \"2s\"."`
	Source        string          `hcl:"source,optional" doc:"The secondary to watch, as its address or host:port; empty means the one furthest behind."`
	MongoUser     string          `hcl:"mongo_user,optional" doc:"A user of MongoDB's admin database to authenticate as, when the server requires authentication; it needs the clusterMonitor role. Empty means no authentication."`
	MongoPassword string          `hcl:"mongo_password,optional" doc:"The password of mongo_user. It reaches the mongo shell in a script on standard input, never on a command line."`
}

// MongoLagOutputs are the outputs of mongo_lag.
type MongoLagOutputs struct {
	LagSeconds int    `cty:"lag_seconds" doc:"The last lag read, in seconds; it may be negative, which is normal."`
	CaughtUp   bool   `cty:"caught_up" doc:"Whether the lag fell to max_lag."`
	Source     string `cty:"source" doc:"The secondary the lag is of, as MongoDB names it (host:port)."`
}

// ErrMongoBehind is wrapped by the error of mongo_lag when the lag did not
// fall to max_lag in time.
var ErrMongoBehind = errors.New("mongodb replication did not catch up")

// Validate checks the durations and the lag limit.
func (m *MongoLag) Validate() error {
	if m.MaxLag < 0 {
		return engine.ArgErrorf("max_lag", "must not be negative, not %d", m.MaxLag)
	}
	if err := checkMongoLogin("mongo_user", m.MongoUser, "mongo_password", m.MongoPassword); err != nil {
		return err
	}
	return engine.CheckArguments(m)
}

// SafeToRepeat reports true: the task only reads the lag, so a second
// run after a cut-off one just waits again.
func (m *MongoLag) SafeToRepeat() bool { return true }

// mongoLagJS prints the lag report in whichever spelling the shell has:
// rs.printSecondaryReplicationInfo() from 4.4.1 (and in mongosh), else
// rs.printSlaveReplicationInfo().
const mongoLagJS = `if (typeof rs.printSecondaryReplicationInfo == "function") { rs.printSecondaryReplicationInfo(); } else { rs.printSlaveReplicationInfo(); }`

// Run reads the lag until it is at most max_lag or the wait, or the
// task's time, runs out, showing the lag, how fast it falls and when it
// will reach max_lag at that pace. Readings grow sparser as the wait goes
// on, from interval to a minute.
func (m *MongoLag) Run(ctx context.Context, env *engine.Env) (engine.Result, error) {
	if err := m.Validate(); err != nil {
		return engine.Result{}, err
	}
	task := ctx
	ctx, cancel := context.WithTimeout(ctx, m.Wait.Value())
	defer cancel()
	start := time.Now()
	var (
		out     MongoLagOutputs
		lastErr error
		lag     trend
		last    = "no lag read yet"
	)
	for {
		l, err := m.read(ctx, env)
		switch {
		case errors.Is(err, ErrMongoAuth):
			return engine.Result{Outputs: out}, err
		case err != nil && ctx.Err() != nil:
		case err != nil:
			lastErr = err
			env.Progressf("mongodb lag unknown: %v", err)
		case l.seconds <= m.MaxLag:
			out = MongoLagOutputs{LagSeconds: l.seconds, CaughtUp: true, Source: l.source}
			return engine.Result{Outputs: out}, nil
		default:
			out, lastErr = MongoLagOutputs{LagSeconds: l.seconds, Source: l.source}, nil
			lag.add(time.Now(), float64(l.seconds))
			last = fmt.Sprintf("%s %d s behind the primary%s", l.source, l.seconds, lag.pace(float64(m.MaxLag), seconds))
			env.Progressf("mongodb on %s (waiting for %d s or less)", last, m.MaxLag)
		}
		select {
		case <-ctx.Done():
			spent := "the wait (" + string(m.Wait) + ") ran out"
			if task.Err() != nil {
				spent = "the task's time ran out"
			}
			if lastErr != nil {
				last = lastErr.Error()
			}
			return engine.Result{Outputs: out}, fmt.Errorf("%w on %s: %s; last seen: %s (max_lag %d). It may still be catching up, as it does for hours or days on large data: "+
				"run again (runbook run --resume) with a longer wait (in ha-pair: -var mongo_wait) (%w)", ErrMongoBehind, env.HostName, spent, last, m.MaxLag, ctx.Err())
		case <-time.After(max(m.Interval.Value(), pollInterval(time.Since(start)))):
		}
	}
}

// read runs the lag report and picks the secondary to watch. A refusal
// for want of authentication wraps ErrMongoAuth: waiting does not cure it.
// A report that does not give the secondary's lag is quoted in the error.
func (m *MongoLag) read(ctx context.Context, env *engine.Env) (mongoLagLine, error) {
	out, err := runMongo(ctx, env.Host, env.HostName, mongoLogin{m.MongoUser, m.MongoPassword}, mongoLagJS, "read the mongodb lag report")
	if err != nil {
		return mongoLagLine{}, err
	}
	lag, err := pickLag(parseMongoLag(out), m.Source)
	if err != nil {
		return lag, fmt.Errorf("%w; it printed %q", err, quoteReport(strings.TrimSpace(out)))
	}
	return lag, nil
}

// mongoLagLine is one member in a lag report: its lag or, when the
// report gives none (an arbiter, a member in initial sync), what it says
// instead.
type mongoLagLine struct {
	source  string
	seconds int
	known   bool   // whether seconds was reported
	note    string // what the report says instead of a lag
	arbiter bool   // an arbiter, which holds no data and never lags
}

var (
	mongoSourcePattern = regexp.MustCompile(`source:\s*'?([^\s',]+)`)
	// mongoLagPatterns are the lag lines: "N secs (H hrs) behind the
	// primary" (2.6 and later, mongosh quoting it as replLag) and
	// "= N secs ago (H hrs)" (2.4).
	mongoLagPatterns = []*regexp.Regexp{
		regexp.MustCompile(`(-?\d+) secs? \(-?[\d.]+ hrs?\) behind the`),
		regexp.MustCompile(`=\s*(-?\d+) secs? ago`),
	}
	// mongoNotePattern matches what the report prints for a member with
	// no lag: "no replication info, yet.  State: ARBITER" or "doing
	// initial sync".
	mongoNotePattern = regexp.MustCompile(`(no replication info.*|doing initial sync.*)`)
)

// parseMongoLag reads what rs.printSlaveReplicationInfo() or
// rs.printSecondaryReplicationInfo() printed, in the wording of MongoDB
// 2.4, of 2.6 to 4.x, or of mongosh: for each member a "source:
// HOST:PORT" line and, a line or two later, its lag or a note saying why
// there is none.
func parseMongoLag(out string) []mongoLagLine {
	var lags []mongoLagLine
	source := ""
	for _, line := range strings.Split(out, "\n") {
		if m := mongoSourcePattern.FindStringSubmatch(line); m != nil {
			source = m[1]
			continue
		}
		if source == "" {
			continue
		}
		if secs, ok := lagSeconds(line); ok {
			lags = append(lags, mongoLagLine{source: source, seconds: secs, known: true})
			source = ""
		} else if m := mongoNotePattern.FindStringSubmatch(line); m != nil {
			note := strings.TrimRight(strings.TrimSpace(m[1]), `',`)
			lags = append(lags, mongoLagLine{source: source, note: note, arbiter: strings.Contains(note, "ARBITER")})
			source = ""
		}
	}
	return lags
}

// lagSeconds returns the lag a line reports, in any of mongoLagPatterns.
func lagSeconds(line string) (int, bool) {
	for _, p := range mongoLagPatterns {
		if m := p.FindStringSubmatch(line); m != nil {
			secs, err := strconv.Atoi(m[1])
			return secs, err == nil
		}
	}
	return 0, false
}

// pickLag returns the lag of the secondary named want (an address, or
// host:port), or the largest lag when want is empty. Arbiters hold no
// data and are passed over; a secondary whose lag the report does not
// give is an error that says what the report says of it.
func pickLag(lags []mongoLagLine, want string) (mongoLagLine, error) {
	var worst *mongoLagLine
	for i, l := range lags {
		if l.arbiter || (want != "" && l.source != want && !strings.HasPrefix(l.source, want+":")) {
			continue
		}
		if !l.known {
			return mongoLagLine{}, fmt.Errorf("the lag report gives no lag for %s: %s", l.source, l.note)
		}
		if worst == nil || l.seconds > worst.seconds {
			worst = &lags[i]
		}
	}
	switch {
	case worst != nil:
		return *worst, nil
	case want != "":
		return mongoLagLine{}, fmt.Errorf("the lag report does not list %s", want)
	}
	return mongoLagLine{}, errors.New("the lag report lists no secondary")
}

// Describe says what the task waits for.
func (m *MongoLag) Describe() string {
	return fmt.Sprintf("wait up to %s for the mongodb replication lag to fall to %d s or less", m.Wait, m.MaxLag)
}

func init() {
	engine.RegisterModule(engine.ModuleInfo{
		Name:    "mongo_lag",
		Doc:     "Reads the MongoDB replication lag on the primary with rs.printSlaveReplicationInfo() (or rs.printSecondaryReplicationInfo()) in the Alation shell and waits until it is at most max_lag seconds. Right after setup the lag reads many hours; it falls as the secondary works through the backlog. When MongoDB requires authentication, give mongo_user and mongo_password; a refusal fails at once. It never changes anything.",
		New:     func() engine.Module { return &MongoLag{MaxLag: 60, Wait: "24h", Interval: "2s"} },
		Outputs: MongoLagOutputs{},
	})
}

var (
	_ engine.Module     = (*MongoLag)(nil)
	_ engine.Validator  = (*MongoLag)(nil)
	_ engine.Describer  = (*MongoLag)(nil)
	_ engine.Repeatable = (*MongoLag)(nil)
)
