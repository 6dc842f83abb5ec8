// Package modules holds runbook's generic modules. Importing it, even only
// for its side effects,
//
//	import _ "github.com/runbookhq/runbook/modules"
//
// registers them all with the engine:
//
//   - assert: fails the task with a message when a condition is false.
//   - blockinfile: keeps a marked block of lines in a text file, or removes it.
//   - command: runs one command, from an argument vector or through /bin/sh -c.
//   - copy: writes a file on the host from a string or a file on the control node.
//   - fetch: copies a file from the host to the control node.
//   - file: makes a path a file, a directory or a link, or removes it, with its mode, owner and group.
//   - get_url: downloads a file on the host, checked against its SHA-256.
//   - group: keeps a group, with its gid, or removes it.
//   - lineinfile: keeps a line in a text file (replacing the one a regexp matches), or removes the matching lines.
//   - package: installs, upgrades or removes packages with apt, dnf or yum.
//   - service: starts, stops or restarts a service and enables it at boot, with systemd or its init script.
//   - shell: runs a multi-line script, sent to its interpreter on standard input.
//   - template: renders a Go text/template and writes the result like copy.
//   - unarchive: extracts a .tar.gz, .tar.xz or .zip archive into a directory on the host.
//   - user: keeps a user account, with its ids, groups, shell, home and SSH keys, or removes it.
//   - wait_for: waits until a port, a path or a command reaches the wanted state.
//
// Each module is an exported struct (Assert, BlockInFile, Command, Copy,
// Fetch, File, GetURL, Group, LineInFile, Package, Service, Shell, Template,
// Unarchive, User, WaitFor) whose `hcl` tags are its arguments, with an
// outputs struct whose `cty` tags name what later tasks can read. The
// package also renders the module reference (WriteReference) that `runbook
// modules` prints and modules/REFERENCE.md holds.
//
// The modules that can say what they would change without changing it
// implement engine.Checker, for check mode; they read what they compare
// on the host with commands marked Quiet, so a file's content never
// shows in the events.
//
// The Alation modules live in the alation subpackage.
package modules
