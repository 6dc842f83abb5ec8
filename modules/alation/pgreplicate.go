package alation

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/shellquote"
	"github.com/runbookhq/runbook/engine/transport"
)

// PgReplicate adds the secondary to the primary it runs on and replicates
// PostgreSQL to it, in-line or not, then waits until the secondary streams
// (steps 5 to 6.1 of the procedure).
type PgReplicate struct {
	Secondary         engine.HostRef  `hcl:"secondary" doc:"The secondary host: host.NAME, or its name."`
	SecondaryAddress  string          `hcl:"secondary_address,optional" doc:"The address the primary sees the secondary connect from, as pg_stat_replication shows it in client_addr. Default: the secondary's address in the inventory."`
	PrimaryAddress    string          `hcl:"primary_address,optional" doc:"The primary's address as the secondary's PostgreSQL names it in its connection to its primary (pg_stat_wal_receiver, primary_conninfo); when set, a standby of another address is not taken as already replicating."`
	InlineThresholdGB int             `hcl:"inline_threshold_gb,optional" doc:"PostgreSQL data, in gigabytes (10^9 bytes), above which it is not replicated in-line. Default 100."`
	MinimizeDowntime  bool            `hcl:"minimize_downtime,optional" doc:"Whether downtime must be minimal, which rules out in-line replication."`
	Wait              engine.Duration `hcl:"wait,optional" doc:"How long to wait, after the copy, for the secondary to stream, as a duration such as \"6h\": a secondary catching up on large data takes hours. Default \"6h\"."`
	ReplaceData       bool            `hcl:"replace_data,optional" doc:"Whether the task may replace the secondary's PostgreSQL data, which it does unless the secondary already streams from the primary. False makes it fail instead, changing nothing: set it so when nobody was asked because the secondary streamed when the playbook checked, so that a change since then is not met by replacing the data unasked. Default true."`
}

// PgReplicateOutputs are the outputs of pg_replicate.
type PgReplicateOutputs struct {
	Inline           bool   `cty:"inline" doc:"Whether PostgreSQL was (or would be) replicated in-line, by cluster_add_slaves."`
	DataBytes        int64  `cty:"data_bytes" doc:"The size of the primary's PostgreSQL data directory, in bytes."`
	ByteLag          int64  `cty:"byte_lag" doc:"How many bytes of WAL the secondary has yet to replay, from pg_stat_replication."`
	ClientAddr       string `cty:"client_addr" doc:"The secondary's address in pg_stat_replication."`
	ServerVersionNum int    `cty:"server_version_num" doc:"The primary's PostgreSQL server_version_num, which picks the lag query."`
}

// ErrNotStreaming is wrapped by the error of pg_replicate when the
// secondary does not stream in time.
var ErrNotStreaming = errors.New("secondary not streaming from the primary")

// ErrReplaceRefused is wrapped by the error of pg_replicate when the
// secondary does not stream from the primary and replace_data is false.
var ErrReplaceRefused = errors.New("replacing the secondary's PostgreSQL data is not allowed")

// Validate checks the numbers and the wait.
func (m *PgReplicate) Validate() error {
	if err := m.ValidateKnown(engine.AllKnown); err != nil {
		return err
	}
	return engine.CheckArguments(m)
}

// ValidateKnown checks the in-line threshold once it is known, so that a
// playbook that computes other arguments from the facts of earlier tasks
// (as replace_data) still has a bad threshold refused when it loads.
func (m *PgReplicate) ValidateKnown(known func(string) bool) error {
	if known("inline_threshold_gb") && m.InlineThresholdGB < 0 {
		return engine.ArgErrorf("inline_threshold_gb", "must not be negative, not %d", m.InlineThresholdGB)
	}
	return nil
}

// Run replicates unless the secondary already streams from this primary.
func (m *PgReplicate) Run(ctx context.Context, env *engine.Env) (engine.Result, error) {
	if err := m.Validate(); err != nil {
		return engine.Result{}, err
	}
	secondary, err := env.Peer(m.Secondary)
	if err != nil {
		return engine.Result{}, fmt.Errorf("reach the secondary %s: %w", m.Secondary, err)
	}
	out := PgReplicateOutputs{}
	if out.ServerVersionNum, err = serverVersionNum(ctx, env.Host); err != nil {
		return engine.Result{}, fmt.Errorf("on %s: %w", env.HostName, err)
	}
	if out.DataBytes, err = pgDataBytes(ctx, env.Host); err != nil {
		return engine.Result{}, fmt.Errorf("on %s: %w", env.HostName, err)
	}
	out.Inline = inlineReplication(out.DataBytes, m.InlineThresholdGB, m.MinimizeDowntime)
	attached, err := m.attached(ctx, env, secondary, out.ServerVersionNum)
	if err != nil {
		return engine.Result{}, err
	}
	if !attached {
		if !m.ReplaceData {
			return engine.Result{Outputs: out}, fmt.Errorf("%w: %s does not stream from %s and replace_data is false; run again to be asked before its data is replaced", ErrReplaceRefused, m.Secondary, env.HostName)
		}
		if err := m.replicate(ctx, env, secondary, out); err != nil {
			return engine.Result{Changed: true, Outputs: out}, err
		}
	}
	row, err := m.waitStreaming(ctx, env, out.ServerVersionNum)
	out.ByteLag, out.ClientAddr = row.byteLag, row.clientAddr
	return engine.Result{Changed: !attached, Outputs: out}, err
}

// secondaryAddress returns the address the primary sees the secondary
// connect from: secondary_address, else the secondary's address.
func (m *PgReplicate) secondaryAddress() string {
	return cmp.Or(m.SecondaryAddress, m.Secondary.Address)
}

// inlineReplication decides, as the procedure advises, whether PostgreSQL
// is replicated in-line: not above the threshold, and not when downtime
// must be minimal.
func inlineReplication(dataBytes int64, thresholdGB int, minimizeDowntime bool) bool {
	return !minimizeDowntime && dataBytes <= int64(thresholdGB)*1_000_000_000
}

// attached reports whether the secondary is already a slave of this
// primary that replicates from it, so that nothing is left to copy: its
// replication_mode is slave, its PostgreSQL is a standby whose upstream is
// primary_address (when given), and pg_stat_replication here lists it,
// streaming or still catching up (a run whose wait ran out waits again
// rather than copy the data anew). A slave whose PostgreSQL cannot be
// read, as while its data is replaced, is not attached.
func (m *PgReplicate) attached(ctx context.Context, env *engine.Env, secondary transport.Host, versionNum int) (bool, error) {
	mode, err := getConf(ctx, secondary, keyReplicationMode)
	if err != nil {
		return false, fmt.Errorf("on %s: %w", m.Secondary, err)
	}
	if mode != "slave" {
		return false, nil
	}
	standby, _, err := m.standbyOfPrimary(secondary)(ctx)
	if err != nil {
		env.Progressf("the PostgreSQL of %s, a secondary, cannot be read (%v), as while its data is replaced: it is taken as not replicating", m.Secondary, err)
		return false, nil
	}
	if !standby {
		return false, nil
	}
	rows, err := readReplicationRows(ctx, env.Host, versionNum)
	if err != nil {
		return false, fmt.Errorf("on %s: %w", env.HostName, err)
	}
	_, listed := standbyRow(rows, m.secondaryAddress())
	return listed, nil
}

// replicate performs steps 5.4 to 5b: pg_repl_in_line on the secondary
// first, then cluster_add_slaves on the primary and, when not in-line,
// cluster_replicate_postgres on the secondary, each as a detached job on
// its host, so that a resumed run re-attaches to it (or reads how it
// ended) rather than run it twice. Each action is judged by
// its effect on the secondary: cluster_add_slaves makes it a slave, and
// cluster_replicate_postgres makes its PostgreSQL a standby of the
// primary. While the action that copies the data runs, the size of the
// secondary's data directory shows as progress.
func (m *PgReplicate) replicate(ctx context.Context, env *engine.Env, secondary transport.Host, out PgReplicateOutputs) error {
	inLine := "False"
	if out.Inline {
		inLine = "True"
	}
	if _, err := setConf(ctx, secondary, keyPgReplInLine, inLine); err != nil {
		return fmt.Errorf("on %s: %w", m.Secondary, err)
	}
	dir := m.copyDir(ctx, env, secondary)
	env.Progressf("alation_action cluster_add_slaves on %s (PostgreSQL in-line: %s)", env.HostName, inLine)
	stop := func() {}
	if out.Inline {
		stop = m.watchCopy(ctx, env, secondary, dir, out.DataBytes)
	}
	_, err := runDetachedJudged(ctx, env, engine.HostRef{}, "cluster_add_slaves", "alation_action cluster_add_slaves", modeIs(secondary, "slave"))
	stop()
	if err != nil {
		return fmt.Errorf("on %s: %w (read on %s)", env.HostName, err, m.Secondary)
	}
	if out.Inline {
		return nil
	}
	env.Progressf("alation_action cluster_replicate_postgres on %s", m.Secondary)
	stop = m.watchCopy(ctx, env, secondary, dir, out.DataBytes)
	_, err = runDetachedJudged(ctx, env, m.Secondary, "cluster_replicate_postgres", "alation_action cluster_replicate_postgres", m.standbyOfPrimary(secondary))
	stop()
	if err != nil {
		return fmt.Errorf("on %s: %w", m.Secondary, err)
	}
	return nil
}

// copyDir returns the secondary's PostgreSQL data directory, whose size
// on disk shows the copy's progress: as its PostgreSQL names it or, while
// that is stopped (as when a run resumed in the middle of the copy
// re-attaches to it), the primary's, which the secondary, of the same
// Alation version, has too. Empty means the progress cannot show.
func (m *PgReplicate) copyDir(ctx context.Context, env *engine.Env, secondary transport.Host) string {
	dir, err := pgDataDir(ctx, secondary)
	if err == nil {
		return dir
	}
	dir, perr := pgDataDir(ctx, env.Host)
	if perr != nil {
		env.Progressf("the copy's progress cannot show: on %s: %v; on %s: %v", m.Secondary, err, env.HostName, perr)
		return ""
	}
	env.Progressf("the PostgreSQL of %s does not answer, as while its data is replaced: the copy's progress measures %s there, where the primary keeps its data", m.Secondary, dir)
	return dir
}

// watchCopy shows, until the function it returns is called, how the
// secondary's data directory dir grows toward total, the size of the
// primary's: bytes, share, rate and, once it can be told, the time left.
// With no dir it shows nothing. A reading that fails (the directory is
// replaced) is passed over.
func (m *PgReplicate) watchCopy(ctx context.Context, env *engine.Env, secondary transport.Host, dir string, total int64) (stop func()) {
	if dir == "" {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		start := time.Now()
		var copied trend
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(pollInterval(time.Since(start)) * 5):
			}
			n, err := duBytes(ctx, secondary, shellquote.Quote(dir))
			if err != nil {
				continue
			}
			copied.add(time.Now(), float64(n))
			env.Progressf("copying PostgreSQL to %s: its data directory holds %s of the primary's %s (%d%%)%s",
				m.Secondary, byteSize(float64(n)), byteSize(float64(total)), n*100/max(total, 1), copied.pace(float64(total), byteSize))
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// standbyOfPrimary reads back whether the secondary's PostgreSQL is a
// standby, of primary_address when it is given.
func (m *PgReplicate) standbyOfPrimary(secondary transport.Host) effect {
	return func(ctx context.Context) (bool, string, error) {
		versionNum, err := serverVersionNum(ctx, secondary)
		if err != nil {
			return false, "", err
		}
		s, err := readStandby(ctx, secondary, versionNum)
		switch {
		case err != nil:
			return false, "", err
		case !s.inRecovery:
			return false, "its PostgreSQL is not a standby", nil
		case m.PrimaryAddress != "" && s.upstream != m.PrimaryAddress:
			return false, "its PostgreSQL is a standby of " + quoteState(s.upstream) + ", not of " + m.PrimaryAddress, nil
		}
		return true, "", nil
	}
}

// waitStreaming polls pg_stat_replication on the primary until the
// secondary streams or the wait is over, showing the secondary's replay
// lag and how fast it falls. When the wait, or the task's time, runs out,
// the error says what was last seen and how to wait again.
func (m *PgReplicate) waitStreaming(ctx context.Context, env *engine.Env, versionNum int) (replicationRow, error) {
	task := ctx
	ctx, cancel := context.WithTimeout(ctx, m.Wait.Value())
	defer cancel()
	start := time.Now()
	last := "it is not listed in pg_stat_replication"
	var lag trend
	for {
		rows, err := readReplicationRows(ctx, env.Host, versionNum)
		row, found := standbyRow(rows, m.secondaryAddress())
		switch {
		case err != nil && ctx.Err() == nil:
			return replicationRow{}, fmt.Errorf("on %s: %w", env.HostName, err)
		case found && row.streaming() && row.lagKnown:
			return row, nil
		case found && row.lagKnown:
			lag.add(time.Now(), float64(row.byteLag))
			last = fmt.Sprintf("its state is %s, %s of WAL behind%s", row.state, byteSize(float64(row.byteLag)), lag.pace(0, byteSize))
		case found:
			last = "its state is " + row.state
		}
		env.Progressf("waiting for %s to stream: %s", m.secondaryAddress(), last)
		select {
		case <-ctx.Done():
			spent := "the wait (" + string(m.Wait) + ") ran out"
			if task.Err() != nil {
				spent = "the task's time ran out"
			}
			return row, fmt.Errorf("%w: %s on %s: %s; last seen: %s. It may still be catching up, as it does for hours on large data: "+
				"run again (runbook run --resume) with more time (in ha-pair: -var pg_wait, and -var replicate_timeout, which bounds the whole step); "+
				"the data is not copied again while the secondary is a standby of this primary that pg_stat_replication lists (%w)",
				ErrNotStreaming, m.secondaryAddress(), env.HostName, spent, last, ctx.Err())
		case <-time.After(pollInterval(time.Since(start))):
		}
	}
}

// Describe says what the task does.
func (m *PgReplicate) Describe() string {
	if !m.ReplaceData {
		return fmt.Sprintf("check that %s already streams from this primary, and fail rather than replace its PostgreSQL data if not", m.Secondary)
	}
	return fmt.Sprintf("add %s as secondary and replicate PostgreSQL to it (in-line up to %d GB unless downtime must be minimal), replacing its PostgreSQL data, unless it already streams", m.Secondary, m.InlineThresholdGB)
}

// SafeToRepeat reports false: an interrupted replication is for the
// operator to look at before it runs again.
func (m *PgReplicate) SafeToRepeat() bool { return false }

func init() {
	engine.RegisterModule(engine.ModuleInfo{
		Name: "pg_replicate",
		Doc: "Runs on the primary: measures its PostgreSQL data, decides whether to replicate in-line, and, unless the secondary already streams from it, " +
			"sets pg_repl_in_line on the secondary, runs cluster_add_slaves on the primary and, when not in-line, cluster_replicate_postgres on the secondary, " +
			"which replaces the secondary's PostgreSQL data; with replace_data false it fails instead. While the data is copied, the progress shows the secondary's data directory growing toward the primary's size, its rate and the time left. " +
			"Then it waits until pg_stat_replication on the primary shows the secondary streaming, showing its lag and how fast it falls. A secondary that pg_stat_replication lists while it catches up is not copied to again: a run whose wait ran out waits again.",
		New:     func() engine.Module { return &PgReplicate{InlineThresholdGB: 100, Wait: "6h", ReplaceData: true} },
		Outputs: PgReplicateOutputs{},
	})
}

var (
	_ engine.Module           = (*PgReplicate)(nil)
	_ engine.Validator        = (*PgReplicate)(nil)
	_ engine.PartialValidator = (*PgReplicate)(nil)
	_ engine.Describer        = (*PgReplicate)(nil)
	_ engine.Repeatable       = (*PgReplicate)(nil)
)
