// Command alationcmd is the simulated Alation control program. The
// simulation installs it as /etc/init.d/alation on each simulated host and
// links it, under the names alation_conf, alation_action, mongo and psql,
// into the directory the Alation shell puts first on PATH; it picks its
// behaviour from the name it was run as.
//
// As /etc/init.d/alation it implements version, status, start, stop, init
// and shell, plus two subcommands the simulation itself uses: services (the
// process serving the simulated mongod and KVStore ports) and peer (what a
// primary asks a secondary over SSH during cluster_add_slaves). Its
// observable behaviour is the contract in internal/sim/README.md; where
// real Alation is undocumented it is strict and fails with a clear error.
package main
