// Package officers owns the union officers' accounts: who may run a vote,
// import the roster or read the audit log, and how they sign in.
//
// # What it promises
//
//   - Three roles: admin (manages officers, and everything else), officer
//     (roster, votes, notices, contracts) and observer (read-only: turnout,
//     results, audit log).
//   - Passwords of at least 12 characters, stored only as argon2id hashes
//     (golang.org/x/crypto/argon2) and compared in constant time; an
//     unknown email costs the same hashing as a wrong password.
//   - Failed sign-ins are counted per account and per IP address; too many
//     lock the account (or the address) for a while, and an admin can lift
//     an account's lock at once.
//   - A sign-in opens a session (a document keyed by a random id) and returns
//     a short-lived JWT (HS256 under a key derived from the service secret,
//     with exp, iat, sub, role and sid). Every request's token is checked
//     against its session by _id, so that signing out, a password change, a
//     role change or removal revokes it within seconds everywhere (each
//     instance caches a session's check for SessionCheckEvery).
//   - The first administrator is created by a one-time setup code printed
//     in the service log, by RATIFY_BOOTSTRAP_ADMIN_EMAIL and _PASSWORD, or
//     by "ratify officers add"; each only while no officer exists, except the
//     command, which an operator with the store may always run.
//   - Sign-ins, failed sign-ins, lockouts and every change to an account are
//     appended to the audit log. Passwords and tokens never are.
//
// Lookups are by _id: officers by id, their emails in a collection keyed
// by the lower-cased address, sessions and sign-in counters by their keys.
package officers
