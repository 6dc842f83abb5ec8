// Package alation holds the modules that set up replication on an Alation
// HA pair (versions 4.7 and below), the steps of the "Set up Replication on
// HA Pair" procedure made safe to repeat. Importing it, even only for its
// side effects,
//
//	import _ "github.com/runbookhq/runbook/modules/alation"
//
// registers them with the engine:
//
//   - alation_facts: reads what preflight checks need (version, layout,
//     services, cluster settings, whether PostgreSQL is a standby and of
//     which primary, what tells the machine apart, the route to the peer,
//     and whether PostgreSQL already streams to it).
//   - disk_check: checks, and on request fixes, the data and backup disks.
//   - alation_shell: reads or sets an alation_conf key, runs a guarded
//     alation_action, or starts the services, inside the Alation shell.
//   - key_exchange: sets up the replication_rsa keys between the two hosts
//     and proves SSH works, cleanly, in both directions.
//   - pg_replicate: adds the secondary and replicates PostgreSQL to it,
//     in-line or not, and waits until it streams.
//   - mongo_lag: waits until the MongoDB replication lag is small enough.
//
// Replication may take hours, in some cases days. Its waits show the trend
// of what they watch, the rate and the time left (trend.go), and an
// in-line copy runs as a detached job (Env.Detached) that outlives the
// connection and the run, and that a resumed run re-attaches to.
//
// Every module runs its commands under sudo on the task's host and, where
// it works between two hosts, on the peer its host argument names
// (engine.HostRef), reached through Env.Peer. A peer is always an
// inventory host; its address is the inventory's unless an address
// argument says otherwise. The package owns the knowledge of Alation's
// layouts and versions (install.go), of the Alation shell and alation_conf
// (shell.go, conf.go), of pg_stat_replication (replication.go) and
// standbys (standby.go), of the mongo shell, its credentials and its
// refusals (mongo.go), of listen addresses (listen.go), of the status
// report (services.go), of machine identity (identity.go) and of routes
// (route.go), and the parsing of every output it reads, kept in pure
// functions. Commands whose effect can be read back are judged by it
// (runJudged, runDetachedJudged). README.md lists every command and key the modules send and
// where each comes from.
package alation
