// Package notify emails members: a durable outbox of messages delivered by
// workers over SMTP (github.com/wneessen/go-mail) or, with no SMTP server
// configured, written as .eml files; the message templates (text and HTML,
// embedded from templates/); and the officers' Q&A meetings and contract
// status updates, which it sends to every member (Board).
//
// # What it promises
//
// Nothing is sent that was not first stored, and nothing stored is lost: a
// message ends sent, or failed with the reason (the server's answer). A
// message is delivered once, by one worker of one instance, except in one
// window: a process that dies after the SMTP server accepted a message and
// before the outbox recorded it sends it again on restart. The Message-ID
// header is derived from the message id, so the two copies carry the same
// one. A message's secrets (the personal voting link) are removed from the
// store once it is delivered, and never logged.
//
// # Collections
//
//   - outbox: one document per message, _id = Message.ID (so enqueueing an
//     id twice stores it once). It names its payload, its batch, its state
//     and attempts.
//   - outbox_payloads: template data, stored once per distinct value
//     (_id = hash); 100,000 invitations share one.
//   - outbox_batches and outbox_items: a batch's small header (campaign,
//     when due, lease) and its list of message ids. Only batches not yet
//     delivered exist, so workers may list every header.
//   - outbox_leases: claims on batches, _id "{batch}#{generation}".
//   - outbox_stats: one document per batch with what it enqueued, sent and
//     failed, from which campaign statistics are summed.
//   - meetings, notices: the board's posts (a few per vote).
//
// # The design, around the embedded store
//
// FerretDB 1.24 on SQLite scans the whole collection for any filter other
// than {_id: x}, and runs updates (findAndModify included) as a read and
// a write that another client can interleave. So no hot path filters or
// counts messages, and nothing relies on a conditional update:
//
//   - Enqueue writes the batch header and item list first, then the
//     messages (InsertMany, duplicates ignored), then the batch's count. A
//     crash part-way leaves a header whose worker waits a while for listed
//     messages and skips those never stored; enqueueing again converges.
//   - A worker lists the batch headers (a small collection), and claims a
//     batch by inserting its lease document: the unique _id makes that the
//     test-and-set. It renews the lease as it goes, checks before each
//     renewal that nobody took the next generation, and never starts a
//     message unless its lease outlives the send timeout; a dead worker's
//     batch is taken over, generation+1, when its lease has expired.
//   - Inside its batch, the worker reads each message by _id, skips those
//     already sent or failed (a previous holder's work) or now belonging to
//     another batch, sends, and records the outcome by _id.
//   - Temporary failures move, together, to a retry batch due at the
//     earliest retry time; the retry batch is written before the messages
//     point to it, so a crash in between leaves them with the old batch.
//   - Statistics come from the per-batch documents, written by the last
//     holder from the messages' own states, so a re-run writes the same.
//
// Every batch is one sender's at a time, and each sender keeps one SMTP
// connection open across messages (redialled after 500 messages, 20 s idle,
// or an error). A rate limiter spaces all of an instance's sends.
package notify
