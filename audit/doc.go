// Package audit keeps Ratify's append-only audit log: who did what, when,
// from which IP address, to which object. Officers' actions (sign-in, failed
// sign-in, roster import applied, manual edits, officers added or removed,
// votes created, opened, closed or extended, reminders sent, results
// published) and the scheduler's (as System) are appended here.
//
// # Tamper evidence
//
// Entries are numbered 1, 2, 3... and each carries the SHA-256 hash of the
// previous entry's hash and its own canonical encoding, so that editing an
// entry breaks its hash and removing one breaks the numbering or the chain.
// A head document remembers the number and hash of the last entry, so that
// removing entries from the end is detected too. Verify walks the chain.
// The chain makes tampering evident to anyone who runs Verify; it cannot
// stop someone with write access to the database from rewriting the whole
// chain from the altered entry on. Keep copies of the head hash (printed by
// "ratify audit verify") somewhere else to catch that.
//
// # Without transactions, with concurrent appenders
//
// An entry's _id is its sequence number, zero-padded to 20 digits, so that
// the unique _id index serialises appenders: an appender reads the head,
// probes forward by _id for entries newer than the head, computes the next
// entry and inserts it; a duplicate key means another appender (in this or
// another instance) took that number first, and it reads on and retries.
// The head is updated after each insert and is only a starting point for the
// probe, so a crash between the two writes loses nothing.
//
// # What it never records
//
// The audit log never records a ballot choice, a voting token or a link
// that contains one, a password or a session token. Callers pass object ids
// and small details (counts, field names, roles); Append refuses detail keys
// named for such secrets ("token", "password", "choice", "link"...), as a
// guard against mistakes.
package audit
