// Package config is the syntax of a playbook: reading and parsing its
// files and decoding its blocks. It evaluates nothing: every value is
// computed by package compile, with the functions and scopes of package
// lang.
//
// It owns:
//   - where a playbook's files come from (Source: the operating system's
//     file system or an fs.FS) and the limits on reading them;
//   - the Parser, which reads a playbook file or directory, inventory
//     files and var files, refuses absurd nesting before parsing, and keeps
//     the files for diagnostics (hiding those that may hold secrets);
//   - Decode, which turns the files into a Config: variable, locals, host,
//     task, role and output blocks checked for shape (schemas, valid and
//     unique names, host blocks only in inventory files and never in a
//     role), with their expressions left as they are; each role block's
//     source directory is read and decoded into a Config of its own,
//     refusing a role that uses itself, directly or not;
//   - the one table of task meta-arguments (MetaArgs): a new
//     meta-argument is a row there and one evaluation site in compile or
//     exec; RoleArgs names those a role block takes;
//   - the one table of host attributes (HostAttrs), from which the schema
//     of a host block, the attributes of host.NAME and self, and the
//     "did you mean" of a misspelt attribute all come: a new host
//     attribute is a row there and one case where compile sets it.
//
// A task's module arguments are split from its meta-arguments here but
// checked against the module's schema by compile: finding a module binds
// the playbook to the Go types registered in the running program, which
// is the compiler's business, as checking against provider schemas is
// not terraform's configs package's.
package config
