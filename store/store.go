package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
)

// Config says which store to use.
type Config struct {
	// URI of a MongoDB deployment. Empty starts the embedded store.
	URI string
	// DBName is the database Ratify uses.
	DBName string
	// Dir is where the embedded store keeps its files (ignored with URI).
	Dir string
	// Logger receives the store's own messages; the embedded server's are
	// filtered to warnings and errors.
	Logger *slog.Logger
	// Sync is the embedded store's commit durability: "full" (the default:
	// every commit waits for fsync), "group" (commits do not wait; Durable
	// waits for one fsync shared by every caller, see durable.go) or
	// "normal" (nothing waits for the disk, see startEmbedded).
	Sync string
}

// Store is a connected store.
type Store struct {
	Client   *mongo.Client
	DB       *mongo.Database
	Embedded bool
	// SQLitePath is the embedded database file ("" with a URI).
	SQLitePath string

	stop    context.CancelFunc
	stopped chan struct{}
	socket  string
	scan    scanner
	group   *groupSync // group commit; nil unless Sync is "group"
	wal     *walSyncer
}

// Open connects to the store described by cfg, starting the embedded server
// when cfg.URI is empty, and pings it before returning.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.DBName == "" {
		return nil, errors.New("store: database name is empty")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Store{}
	uri := cfg.URI
	if uri == "" {
		var err error
		if uri, err = s.startEmbedded(cfg); err != nil {
			return nil, err
		}
	}
	// Short timeouts so that requests fail fast (503, handlers/storehealth.go)
	// while the store is unreachable: server selection gives up after 1.5 s,
	// and the 1 s heartbeat (each check bounded by the 1 s connect timeout)
	// notices a silent store within about 3 s and interrupts what waits on it.
	opts := options.Client().ApplyURI(uri).
		SetServerSelectionTimeout(1500 * time.Millisecond).
		SetConnectTimeout(time.Second).
		SetHeartbeatInterval(time.Second).
		SetMaxPoolSize(128)
	if s.group != nil {
		opts.SetMonitor(writeMonitor(s.group))
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		s.Close(context.Background())
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	s.Client = client
	s.DB = client.Database(cfg.DBName)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := client.Ping(pctx, readpref.Primary()); err != nil {
		s.Close(context.Background())
		return nil, fmt.Errorf("store: %s is not reachable: %w", redactURI(uri), err)
	}
	if s.Embedded {
		s.SQLitePath = filepath.Join(cfg.Dir, "db", cfg.DBName+".sqlite")
	}
	if s.wal != nil {
		// Open the log files now, so that a write-back error from here on
		// is reported to this process's descriptors (see durable.go).
		if err := s.wal.syncAll(); err != nil {
			s.Close(context.Background())
			return nil, fmt.Errorf("store: %w", err)
		}
	}
	return s, nil
}

func (s *Store) startEmbedded(cfg Config) (string, error) {
	if cfg.Dir == "" {
		return "", errors.New("store: embedded store needs a directory")
	}
	dbDir := filepath.Join(cfg.Dir, "db")
	if err := os.MkdirAll(dbDir, 0o750); err != nil {
		return "", fmt.Errorf("store: %w", err)
	}
	sock := socketPath(cfg.Dir)
	// The caller holds the data directory's lock, so a socket file left
	// here belongs to a dead instance.
	if err := os.Remove(sock); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("store: removing stale socket %s: %w", sock, err)
	}
	u := url.URL{Scheme: "file", Path: dbDir + "/"}
	switch cfg.Sync {
	case "", "full":
	case "group":
		u.RawQuery = "_pragma=synchronous(normal)"
		s.wal = newWALSyncer(dbDir)
		s.group = &groupSync{sync: s.wal.syncAll}
	case "normal":
		// SQLite's synchronous=NORMAL in WAL mode: a commit does not wait
		// for fsync; the WAL is synced at each checkpoint. A crash of the
		// process loses nothing (the commits are in the OS's cache); a
		// power cut or OS crash can lose the commits since the last
		// checkpoint, acknowledged or not.
		u.RawQuery = "_pragma=synchronous(normal)"
	default:
		return "", fmt.Errorf("store: sync %q: want full, group or normal", cfg.Sync)
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{Unix: sock},
		Handler:   "sqlite",
		SQLiteURL: u.String(),
		Logger:    slog.New(minLevel{cfg.Logger.Handler(), slog.LevelWarn}).With("component", "ferretdb"),
	})
	if err != nil {
		return "", fmt.Errorf("store: embedded server: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stop, s.stopped, s.socket, s.Embedded = cancel, make(chan struct{}), sock, true
	go func() {
		defer close(s.stopped)
		f.Run(ctx)
	}()
	// Run binds the socket asynchronously; MongoDBURI blocks until it has.
	f.MongoDBURI()
	return "mongodb://" + url.PathEscape(sock), nil
}

// socketPath puts the socket in the data directory unless that path is too
// long for a Unix socket address (108 bytes on Linux).
func socketPath(dir string) string {
	p := filepath.Join(dir, "ferretdb.sock")
	if len(p) < 100 {
		return p
	}
	sum := sha256.Sum256([]byte(dir))
	return filepath.Join(os.TempDir(), "ratify-"+hex.EncodeToString(sum[:6])+".sock")
}

// Ping reports whether the store answers within ctx.
func (s *Store) Ping(ctx context.Context) error {
	return s.Client.Ping(ctx, readpref.Primary())
}

// Close disconnects and stops the embedded server, if any.
func (s *Store) Close(ctx context.Context) error {
	var err error
	if s.group != nil && s.Client != nil {
		err = s.Durable(ctx)
	}
	if s.wal != nil {
		defer s.wal.close()
	}
	if s.scan.db != nil {
		s.scan.db.Close()
	}
	if s.Client != nil {
		err = errors.Join(err, s.Client.Disconnect(ctx))
	}
	if s.stop != nil {
		s.stop()
		select {
		case <-s.stopped:
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
		}
		os.Remove(s.socket)
	}
	return err
}

// redactURI hides a password in a MongoDB URI.
func redactURI(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return "(unparseable URI)"
	}
	return u.Redacted()
}

// RedactURI hides a password in a MongoDB URI for printing.
func RedactURI(uri string) string { return redactURI(uri) }

// minLevel drops records below a level before they reach the wrapped handler.
type minLevel struct {
	h     slog.Handler
	level slog.Level
}

func (m minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.level && m.h.Enabled(ctx, l)
}
func (m minLevel) Handle(ctx context.Context, r slog.Record) error {
	// FerretDB dumps every failed command's response at warn level; the
	// driver's endSessions at disconnect, which FerretDB v1 lacks, is one.
	if r.Level < slog.LevelError && strings.HasPrefix(r.Message, "Response ") {
		return nil
	}
	return m.h.Handle(ctx, r)
}
func (m minLevel) WithAttrs(a []slog.Attr) slog.Handler {
	return minLevel{m.h.WithAttrs(a), m.level}
}
func (m minLevel) WithGroup(n string) slog.Handler { return minLevel{m.h.WithGroup(n), m.level} }
