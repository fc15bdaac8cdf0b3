package store

// Group commit for the embedded store.
//
// With Sync "group" (the service's default) SQLite runs with
// synchronous=NORMAL: a commit is written to the write-ahead log but does
// not wait for the disk. Before anything leaves the process that depends on
// a commit (the HTTP response to a request that wrote, an email whose link
// needs the tokens stored before it), the caller asks for Durable: it
// waits for one fdatasync of the write-ahead log that began after the
// call, shared with every other caller waiting at that moment. What SQLite
// in synchronous=FULL does for each commit is done once for all the
// commits of a round; what is acknowledged is on the disk either way.
//
// Why this holds: in WAL mode a committed transaction is a run of frames
// appended to the -wal file, the last one marked as a commit; on opening,
// SQLite replays every frame up to the last valid commit frame. Frames
// written before an fdatasync of that file began are on the disk when it
// returns, so every commit that returned before the round began survives a
// power cut. Frames already moved into the database file by a checkpoint
// are durable too: with synchronous=NORMAL SQLite syncs the log before a
// checkpoint and the database file after it. What a power cut can take is
// only what was committed after the last round began, and none of that
// has been acknowledged. A commit is either wholly there or wholly gone,
// and commits are replayed in order, so the store after a power cut is the
// store as it was at some instant, as after a SIGKILL.
//
// An fdatasync that fails leaves the kernel's pages in an unknown state
// (a later one may succeed without having written them), so the first
// failure is final: every later Durable fails too, writes are answered
// with 503, and the service must be restarted to recover from the disk.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"

	"go.mongodb.org/mongo-driver/v2/event"
)

// groupSync runs rounds of fsync: callers join the round that has not
// begun yet; one goroutine at a time takes that round, syncs, and wakes
// its callers. A caller that arrives while a sync runs joins the next one,
// which begins when the running one ends.
type groupSync struct {
	sync func() error

	mu      sync.Mutex
	next    *syncRound // the round callers join; nil when nobody waits
	running bool
	failed  error // the first failure, final
	rounds  atomic.Int64
}

type syncRound struct {
	done chan struct{}
	err  error
}

// wait returns once a sync that began after the call has ended.
func (g *groupSync) wait(ctx context.Context) error {
	g.mu.Lock()
	if g.failed != nil {
		err := g.failed
		g.mu.Unlock()
		return err
	}
	if g.next == nil {
		g.next = &syncRound{done: make(chan struct{})}
	}
	r := g.next
	if !g.running {
		g.running = true
		go g.loop()
	}
	g.mu.Unlock()
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *groupSync) loop() {
	for {
		g.mu.Lock()
		r := g.next
		if r == nil {
			g.running = false
			g.mu.Unlock()
			return
		}
		g.next = nil // callers from now on join a round that begins after this one
		failed := g.failed
		g.mu.Unlock()
		r.err = failed
		if failed == nil {
			g.rounds.Add(1)
			if err := g.sync(); err != nil {
				r.err = fmt.Errorf("store: the write-ahead log could not be written to disk, so recent writes may be lost; restart the service: %w", err)
				g.mu.Lock()
				g.failed = r.err
				g.mu.Unlock()
			}
		}
		close(r.done)
	}
}

// walSyncer fdatasyncs every SQLite write-ahead log in dir, and the
// directory itself the first time it sees a log file it had not seen (a
// new log file's name must survive too).
type walSyncer struct {
	dir  string
	seen map[uint64]bool // inodes of the log files already synced once
}

func (w *walSyncer) syncAll() error {
	paths, err := filepath.Glob(filepath.Join(w.dir, "*.sqlite-wal"))
	if err != nil {
		return err
	}
	newFile := false
	for _, p := range paths {
		f, err := os.Open(p)
		if errors.Is(err, os.ErrNotExist) {
			continue // removed by a checkpoint at close: its frames are in the database file
		}
		if err != nil {
			return err
		}
		err = syscall.Fdatasync(int(f.Fd()))
		if err == nil {
			var st syscall.Stat_t
			if syscall.Fstat(int(f.Fd()), &st) == nil && !w.seen[st.Ino] {
				w.seen[st.Ino], newFile = true, true
			}
		}
		f.Close()
		if err != nil {
			return fmt.Errorf("fdatasync %s: %w", p, err)
		}
	}
	if newFile {
		d, err := os.Open(w.dir)
		if err != nil {
			return err
		}
		defer d.Close()
		if err := d.Sync(); err != nil {
			return fmt.Errorf("fsync %s: %w", w.dir, err)
		}
	}
	return nil
}

// Durable returns once everything this process wrote before the call is on
// the disk. It is immediate except with the embedded store in group
// commit mode, where it waits for a shared fdatasync of the write-ahead
// log (see the top of this file).
func (s *Store) Durable(ctx context.Context) error {
	if s.group == nil {
		return nil
	}
	return s.group.wait(ctx)
}

// SyncRounds is how many group-commit rounds have run (0 outside group mode).
func (s *Store) SyncRounds() int64 {
	if s.group == nil {
		return 0
	}
	return s.group.rounds.Load()
}

type writeFlagKey struct{}

// TrackWrites returns ctx marked so that Wrote(ctx) reports whether any
// command that may write ran under it (or a context derived from it).
// Outside group mode it returns ctx unchanged and Wrote is always false:
// every commit is already durable when it returns.
func (s *Store) TrackWrites(ctx context.Context) context.Context {
	if s.group == nil {
		return ctx
	}
	return context.WithValue(ctx, writeFlagKey{}, new(atomic.Bool))
}

// Wrote reports whether a command that may write ran under ctx since
// TrackWrites marked it.
func (s *Store) Wrote(ctx context.Context) bool {
	f, _ := ctx.Value(writeFlagKey{}).(*atomic.Bool)
	return f != nil && f.Load()
}

// readCommands never change data; every other command counts as a write.
var readCommands = map[string]bool{
	"find": true, "getMore": true, "aggregate": true, "count": true, "distinct": true,
	"listCollections": true, "listIndexes": true, "listDatabases": true, "ping": true,
	"hello": true, "isMaster": true, "ismaster": true, "buildInfo": true, "buildinfo": true,
	"endSessions": true, "killCursors": true, "dbStats": true, "collStats": true,
	"explain": true, "getParameter": true, "serverStatus": true, "connectionStatus": true,
	"saslStart": true, "saslContinue": true, "getLog": true, "whatsmyuri": true,
}

// writeMonitor marks the tracked context of every command that may write.
// The driver calls Started with the operation's context, which carries
// the caller's values.
func writeMonitor() *event.CommandMonitor {
	return &event.CommandMonitor{Started: func(ctx context.Context, e *event.CommandStartedEvent) {
		if readCommands[e.CommandName] {
			return
		}
		if f, ok := ctx.Value(writeFlagKey{}).(*atomic.Bool); ok {
			f.Store(true)
		}
	}}
}
