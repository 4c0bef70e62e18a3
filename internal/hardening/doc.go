// Package hardening holds what golden-harden knows without talking to a machine:
// the rule catalogue (embedded, rules/*.hcl), the selection of rules and their
// parameters, the bundle that is uploaded (a POSIX sh runner, the rules and the
// user's scripts), the parsing of what the runner streams and writes, and the
// report built from it: its versioned JSON form (schema/report-v1.schema.json),
// verdict, JUnit XML, HTML page, console summary, and the rendezvous file that
// golden-seal reads. It imports neither the Packer SDK nor the AWS SDK.
package hardening
