// Command alation-sim starts and stops a simulated Alation HA pair on this
// machine, for trying the ha-pair playbook by hand:
//
//	alation-sim up [flags]       # prints addresses and the runbook command line
//	alation-sim status [-dir DIR]
//	alation-sim down [-dir DIR]
//
// up writes the playbook's variables (primary, secondary, ssh_user,
// ssh_port, identity_file) to DIR/pair.vars.hcl and the hosts' keys to
// DIR/known_hosts, so that
//
//	runbook run ha-pair -var-file DIR/pair.vars.hcl --known-hosts DIR/known_hosts
//
// sets up replication on the pair. status reads each host's Alation
// version, replication settings, PostgreSQL replication and Mongo lag
// and ends with "Replication: streaming", or with what is wrong and exit
// status 1.
//
// The pair runs until down, which may be run from another process: its
// state lives in a directory (default /tmp/alation-sim). It needs root,
// OpenSSH's sshd, PostgreSQL 15 and util-linux's unshare and nsenter.
package main
