// Package sim runs simulated Alation hosts for tests and demonstrations.
//
// A simulated host is a real OpenSSH sshd on its own loopback address, in
// its own mount namespace whose root is an overlay of the machine's root:
// the host's /etc/passwd, /etc/init.d/alation, Alation directory, data and
// backup disks, SSH user's home, machine-id and MOTD are its own, and
// nothing is written to the machine. Each host runs its own real
// PostgreSQL 15 cluster and a small services process standing in for
// mongod and the KVStore. The simulated alation command lives in
// internal/sim/alationcmd; what it promises is written down in README.md.
//
// Tests use StartPair or StartHost, which clean up through t.Cleanup;
// programs use Up and Down, which keep their state in a directory so that
// another process can tear the pair down.
package sim
