// Package lang is the evaluation side of the playbook language: what an
// expression may name and how its value is computed and shown, with no
// knowledge of playbooks, tasks or runs.
//
// It owns:
//   - references (Reference, ParseReference) and the scopes that say what
//     each place of a playbook may refer to (Scope);
//   - the function table of a playbook (Functions), file and templatefile
//     reading through a ReadFunc that the loader gives;
//   - evaluation (Eval), which scrubs diagnostics of sensitive values;
//   - sensitive marks (MarkSensitive, UnmarkSecrets) and the redaction of
//     secrets from every text the engine shows (Redactor);
//   - conversions between cty and Go (ConvertPlain, ToGo) and the wording
//     of types and conversion errors in messages (TypeName,
//     ConvertMessage);
//   - the limits on nesting that keep absurd input from exhausting the
//     parser's and the evaluator's recursion (CheckNesting,
//     CheckJSONNesting). They live here rather than with parsing because
//     the evaluator needs them too: jsondecode, templatefile and the type
//     expressions of JSON syntax parse text at evaluation time.
//
// lang imports no other package of the engine, so that parsing, compiling
// and running can all use it.
package lang
