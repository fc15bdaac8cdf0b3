package store

// Group commit for the embedded store.
//
// With Sync "group" (the service's default) SQLite runs with
// synchronous=NORMAL: a commit is written to the write-ahead log but does
// not wait for the disk. Before anything leaves the process (an HTTP
// response, an email whose link needs the tokens stored before it), the
// caller asks for Durable. When every write that has finished in this
// process is already covered by a finished sync, Durable returns at once;
// otherwise it waits for one fdatasync of the write-ahead log that began
// after the call, shared with every other caller waiting at that moment.
// So nothing a response or a message shows (its own writes, or another
// request's it read) can be taken back by a power cut. What SQLite in
// synchronous=FULL does for each commit is done once for all the commits
// of a round.
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
// (a later one may succeed without having written them), so such a
// failure is final: every later Durable fails too, SyncFailed reports it,
// the service answers 503 to everything but /healthz, and it must be
// restarted to recover from the disk. The log files are kept open from
// the first time they are seen, because Linux reports a write-back error
// to each open descriptor once, and not to one opened after another
// descriptor (SQLite's own) has seen it. Other errors (listing the
// directory, opening a file) fail their round only.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

	// written counts the write commands that have finished (the driver's
	// monitor); covered is what written was when the last successful
	// round began: when written <= covered, nothing is waiting for the disk.
	written, covered atomic.Uint64

	mu      sync.Mutex
	next    *syncRound // the round callers join; nil when nobody waits
	running bool
	failed  error // a failed fdatasync, final
	rounds  atomic.Int64
}

type syncRound struct {
	done chan struct{}
	err  error
}

// finalError is a failed fdatasync or fsync: see the top of this file.
type finalError struct{ err error }

func (e finalError) Error() string { return e.err.Error() }
func (e finalError) Unwrap() error { return e.err }

// wait returns once every write finished before the call is on the disk.
func (g *groupSync) wait(ctx context.Context) error {
	g.mu.Lock()
	if g.failed != nil {
		err := g.failed
		g.mu.Unlock()
		return err
	}
	if g.written.Load() <= g.covered.Load() {
		g.mu.Unlock()
		return nil
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
		r.err = g.failed
		g.mu.Unlock()
		if r.err == nil {
			g.rounds.Add(1)
			written := g.written.Load() // every write counted here finished before the sync begins
			err := g.sync()
			var final finalError
			switch {
			case err == nil:
				g.covered.Store(written)
			case errors.As(err, &final):
				r.err = fmt.Errorf("store: the write-ahead log could not be written to disk, so recent writes may be lost; restart the service: %w", err)
				g.mu.Lock()
				g.failed = r.err
				g.mu.Unlock()
			default:
				r.err = fmt.Errorf("store: syncing the write-ahead log: %w", err)
			}
		}
		close(r.done)
	}
}

// failure is the final failure, if any.
func (g *groupSync) failure() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.failed
}

// walSyncer fdatasyncs every SQLite write-ahead log in dir through a
// descriptor it keeps open, and fsyncs the directory (and, the first time,
// its parent) whenever a log file appears or is replaced, so that the
// file's name survives too.
type walSyncer struct {
	dir string

	mu       sync.Mutex
	files    map[string]*walFile // by file name
	synced   []string            // the paths the last round synced (tests)
	dirSyncs int                 // rounds that synced the directory (tests)
	closed   bool
	first    bool // the directories have been synced once
}

type walFile struct {
	f   *os.File
	ino uint64
}

func newWALSyncer(dir string) *walSyncer {
	return &walSyncer{dir: dir, files: map[string]*walFile{}}
}

func (w *walSyncer) syncAll() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return errors.New("the store is closed")
	}
	ents, err := os.ReadDir(w.dir)
	if err != nil {
		return err
	}
	present := map[string]bool{}
	changed := !w.first
	w.synced = w.synced[:0]
	for _, e := range ents {
		name := e.Name()
		if !strings.HasSuffix(name, ".sqlite-wal") {
			continue
		}
		p := filepath.Join(w.dir, name)
		var st syscall.Stat_t
		if err := syscall.Stat(p, &st); errors.Is(err, syscall.ENOENT) {
			continue // removed by a checkpoint at close: its frames are in the database file
		} else if err != nil {
			return fmt.Errorf("stat %s: %w", p, err)
		}
		present[name] = true
		wf := w.files[name]
		if wf == nil || wf.ino != st.Ino {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			var fst syscall.Stat_t
			if err := syscall.Fstat(int(f.Fd()), &fst); err != nil {
				f.Close()
				return err
			}
			if wf != nil {
				wf.f.Close() // the replaced file: its frames were checkpointed before it went
			}
			wf = &walFile{f: f, ino: fst.Ino}
			w.files[name] = wf
			changed = true
		}
		if err := syscall.Fdatasync(int(wf.f.Fd())); err != nil {
			return finalError{fmt.Errorf("fdatasync %s: %w", p, err)}
		}
		w.synced = append(w.synced, p)
	}
	for name, wf := range w.files {
		if !present[name] {
			wf.f.Close()
			delete(w.files, name)
		}
	}
	if changed {
		dirs := []string{w.dir}
		if !w.first {
			dirs = append(dirs, filepath.Dir(w.dir))
		}
		for _, d := range dirs {
			if err := syncDir(d); err != nil {
				return err
			}
		}
		w.first = true
		w.dirSyncs++
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return finalError{fmt.Errorf("fsync %s: %w", dir, err)}
	}
	return nil
}

// close releases the descriptors; later rounds fail (not finally).
func (w *walSyncer) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, wf := range w.files {
		wf.f.Close()
	}
	w.files, w.closed = nil, true
}

// Durable returns once everything this process wrote before the call is on
// the disk. It is immediate except with the embedded store in group
// commit mode while some finished write is not yet covered by a sync; then
// it waits for a shared fdatasync of the write-ahead log (see the top of
// this file).
func (s *Store) Durable(ctx context.Context) error {
	if s.group == nil {
		return nil
	}
	return s.group.wait(ctx)
}

// SyncFailed is the group commit's final failure (a failed fdatasync), or
// nil. Once it is set nothing more can be made durable until a restart.
func (s *Store) SyncFailed() error {
	if s.group == nil {
		return nil
	}
	return s.group.failure()
}

// SyncRounds is how many group-commit rounds have run (0 outside group mode).
func (s *Store) SyncRounds() int64 {
	if s.group == nil {
		return 0
	}
	return s.group.rounds.Load()
}

// readCommands never change data; every other command counts as a write.
// (aggregate could write with $out or $merge; Ratify uses neither, and
// FerretDB 1.24 supports neither.)
var readCommands = map[string]bool{
	"find": true, "getMore": true, "aggregate": true, "count": true, "distinct": true,
	"listCollections": true, "listIndexes": true, "listDatabases": true, "ping": true,
	"hello": true, "isMaster": true, "ismaster": true, "buildInfo": true, "buildinfo": true,
	"endSessions": true, "killCursors": true, "dbStats": true, "collStats": true,
	"explain": true, "getParameter": true, "serverStatus": true, "connectionStatus": true,
	"saslStart": true, "saslContinue": true, "getLog": true, "whatsmyuri": true,
}

// writeMonitor counts every command that may have written once it has
// finished, succeeded or not (a refused write may have changed something
// first). The driver publishes the event before the operation returns to
// its caller, so a caller's own writes are counted before it asks for
// Durable.
func writeMonitor(g *groupSync) *event.CommandMonitor {
	finished := func(name string) {
		if !readCommands[name] {
			g.written.Add(1)
		}
	}
	return &event.CommandMonitor{
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) { finished(e.CommandName) },
		Failed:    func(_ context.Context, e *event.CommandFailedEvent) { finished(e.CommandName) },
	}
}
