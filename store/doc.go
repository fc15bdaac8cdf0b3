// Package store starts and connects Ratify's MongoDB-compatible store.
//
// With a MongoDB URI it connects to that deployment (a replica set in
// production). Without one it runs an embedded FerretDB v1 server with its
// SQLite handler in-process, under the data directory, and connects the same
// official driver to it over a Unix socket. Either way the caller gets a
// *mongo.Database and no other package knows which store is behind it.
//
// The package also owns the data directory: it creates it, checks that it is
// writable, and holds an exclusive lock on it for the life of the process, so
// that a second instance pointed at the same directory refuses to start. The
// lock is an flock(2), which the kernel releases when a process dies, so the
// files a killed instance leaves behind are recognised as stale and replaced.
//
// Domain packages do not import this package: cmd hands them the database.
package store
