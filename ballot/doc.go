// Package ballot runs ratification votes: their lifecycle (draft, scheduled,
// open, closed, published, or cancelled), the personal voting tokens, the
// casting of ballots, and the tally with its public commitment.
//
// # What it promises
//
// Anonymity: no stored document and no log line lets anyone with full
// access to the database and the logs learn how a given member voted.
// Exactly once: each eligible member's choice is counted at most once, and a
// ballot acknowledged with 201 is never lost. On time: ballots are accepted
// only between the opening and the closing instant.
//
// # The design
//
// At opening, each eligible member (a snapshot of the roster taken then)
// gets a voting token T: 18 random bytes (144 bits), sent only in the
// member's emailed link. The service never stores T itself, only two keyed
// hashes of it, with keys derived from the service secret:
//
//   - H1(T) is the _id of a token document {vote, member, gen} that says
//     whose token it is;
//   - H2(T) is the _id of the member's ballot slot {vote, choice, receipt}.
//
// The two hashes share no value: without T nobody can get from a token
// document (which names a member) to a ballot slot (which holds a choice).
//
// The ballot slots of every token are created empty at opening, in an order
// drawn at random independently of the roster, so the physical order of the
// ballots collection (SQLite's rowid, MongoDB's record order) says nothing
// about who holds which slot or when it was filled. Casting fills a slot in
// place by its _id; no ballot is ever inserted while the vote is open, and a
// ballot holds no member id, no time, no ObjectID and no sequence number.
// Tokens issued after opening (resent links, reminders, members added while
// open) take slots from a pool of spares created, shuffled, with the others
// at opening; the spare tokens wait sealed (AES-GCM under the service secret)
// until issued. When a large batch exceeds the pool (a reminder round), its
// slots are created together in random order, so a slot's position reveals
// only that it belongs to that batch.
//
// The member's participation mark (vote_casts, _id "{vote}:{member}") says
// only that the member voted, on which date, with which of their links
// (a generation number) and through which service instance (a random name
// per process). Marks are inserted as members vote, so their order shows
// the order in which members voted, but nothing in them or in their order
// leads to a ballot. Turnout is counted per instance in counter documents,
// by hour, with no member in them.
//
// # Exactly once without transactions
//
// On the embedded store only an insert with a unique _id is an atomic
// test-and-set (a conditional update is a read followed by a write), so
// every claim here is such an insert. Casting with token T of member M,
// link generation g:
//
//  1. read the token document by _id H1(T) (absent: invalid or replaced link);
//  2. take the vote (a copy at most 500 ms old; an officer's early close
//     takes effect one second after the click, so every instance has seen
//     it by then); refuse unless the cast began before the close;
//  3. claim: insert the mark {_id: "{vote}:{M}", gen: g}. A duplicate with
//     another generation means M voted with another link: 409. A duplicate
//     with g is a retry: if the slot is filled, 409; if not, the earlier
//     attempt died between 3 and 4 (or, in another instance, is still in
//     flight: wait up to two seconds for it), so go on;
//  4. fill the slot by _id H2(T) with the choice and the receipt, a keyed
//     hash of T, so that two instances racing on one link write the same.
//
// A member holding two valid links (an invitation and a reminder) can cast
// with one of them only. Concurrent submissions of one member inside one
// process are serialised by a per-member lock. Vote transitions (open,
// close, tally, publish, cancel) are claimed the same way, by inserting
// "{vote}:{transition}" into vote_transitions, so each happens once however
// many instances run the scheduler.
//
// # The tally
//
// After the close and a grace period (ballots whose cast began before the
// close may still complete), the filled slots are counted once, claimed
// like a transition. The results carry the count per choice, the outcome
// under the pass rule and quorum, and a commitment: SHA-256 over the sorted
// lines "receipt,choice". The sorted receipts are stored apart from the
// vote (vote_receipts), so that a member can find their receipt in the
// published list without the vote document, which every cast and page
// reads, growing by a megabyte. On the embedded store the tally reads the
// slots straight from the SQLite file (store.Scan) and picks the three
// fields out of their JSON: 100,000 ballots in 0.2 s, where the driver took
// 3.7 s. Recount (ratify votes tally) reads them through the driver, so it
// checks one path against the other.
//
// # What this does not protect against
//
//   - The storage engine's own logs: SQLite's write-ahead log and freed pages,
//     and MongoDB's oplog, record writes in the order they happened. Someone
//     who copies the WAL or oplog during the vote can order slot fills in
//     time and correlate them with the order of participation updates.
//     Operators must treat those files like the live database and keep them
//     off backups taken during the vote.
//   - Someone who reads a member's link (from their mailbox, or from the
//     outbox before delivery, where it waits until sent) can vote as them or
//     see their choice afterwards by recomputing H2.
//   - Someone holding the service secret and a member's token. The secret
//     alone, without tokens, links nothing.
//   - Timing observed outside the service (network captures, a proxy's logs).
package ballot
