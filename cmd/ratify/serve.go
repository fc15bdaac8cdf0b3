package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"time"

	"github.com/ratifyhq/ratify/contracts"
	"github.com/ratifyhq/ratify/handlers"
	"github.com/ratifyhq/ratify/notify"
	"github.com/ratifyhq/ratify/store"
)

// serve runs the service until ctx is cancelled, then shuts down gracefully.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, _, err := parseConfig("ratify serve", args, getenv, stderr)
	if err != nil {
		return err
	}
	log, err := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return err
	}
	dir, err := store.LockDataDir(cfg.DataDir)
	if err != nil {
		return err
	}
	defer dir.Unlock()
	log.Info("starting ratify", cfg.effective()...)
	// The embedded store allocates a great deal per command; collecting
	// less often (GOGC 400 instead of 100) raised the 100,000-ballot load
	// run from 515 to 571 votes/s for a heap a few hundred MB larger. An
	// explicit GOGC in the environment wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}

	secret, err := loadSecret(cfg.Secret, dir.Join("secret"))
	if err != nil {
		return err
	}

	st, err := store.Open(ctx, store.Config{URI: cfg.MongoURI, DBName: cfg.DBName, Dir: dir.Path, Logger: log, Sync: cfg.StoreSync})
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		st.Close(cctx)
	}()
	if st.Embedded {
		log.Info("store: embedded FerretDB (SQLite)", "file", st.SQLitePath)
	} else {
		log.Info("store: MongoDB", "uri", store.RedactURI(cfg.MongoURI))
	}
	// Member mail: the outbox and its workers (SMTP, or .eml files in
	// <data>/outbox), and the officers' meeting and status notices.
	mailCfg, err := cfg.notifyConfig(dir.Join("outbox"), log)
	if err != nil {
		return err
	}
	mailCfg.Durable = st.Durable // no link leaves before its token is on the disk
	outbox := notify.NewOutbox(st.DB, mailCfg)
	if err := outbox.EnsureIndexes(ctx); err != nil {
		return err
	}
	log.Info("mail: delivery mode "+outbox.Mode(), "rate_per_s", mailCfg.Rate, "senders", mailCfg.Senders)
	mailCtx, stopMail := context.WithCancel(ctx)
	mailDone := make(chan struct{})
	go func() {
		if err := outbox.Run(mailCtx); err != nil {
			log.Error("mail: delivery stopped", "error", err)
		}
		close(mailDone)
	}()
	defer func() { stopMail(); <-mailDone }() // before the store closes (deferred earlier)

	// The agreements: those embedded in the binary and the versions
	// officers published, re-read every minute for other instances' uploads.
	agreements := contracts.NewLibrary()
	if err := agreements.Load(); err != nil {
		return err
	}
	agreementVersions := contracts.NewStore(st.DB, agreements)
	if err := agreementVersions.EnsureIndexes(ctx); err != nil {
		return err
	}
	if err := agreementVersions.Load(ctx); err != nil {
		return err
	}
	go agreementVersions.Watch(ctx, time.Minute, func(err error) { log.Warn("contracts: reload", "error", err) })

	// The audit log, the roster and the officers' accounts.
	accounts, err := openCore(ctx, st.DB, secret, cfg.TimeZone)
	if err != nil {
		return err
	}
	// Meeting and status notices go to the eligible members of the roster.
	board := notify.NewBoard(st.DB, outbox, notify.AudienceFunc(func(ctx context.Context) ([]notify.Recipient, error) {
		es, err := accounts.members.Eligible(ctx)
		rs := make([]notify.Recipient, len(es))
		for i, e := range es {
			rs[i] = notify.Recipient{ID: e.EmployeeID, Email: e.Email, Name: e.Name}
		}
		return rs, err
	}))
	if err := board.EnsureIndexes(ctx); err != nil {
		return err
	}

	// Votes: the scheduler opens, closes and tallies them at their times.
	votes := newVotes(st, accounts, outbox, agreements, secret, cfg.BaseURL, log)
	if err := votes.EnsureIndexes(ctx); err != nil {
		return err
	}
	go votes.Run(ctx, time.Second)

	if err := st.EnsureIDIndexes(ctx); err != nil {
		return err
	}
	if err := firstAdmin(ctx, cfg, accounts.officers, st.Durable, log); err != nil {
		return err
	}
	if err := startPprof(ctx, cfg.PprofAddr, log); err != nil {
		return err
	}

	srv, err := handlers.New(handlers.Config{BaseURL: cfg.BaseURL, Logger: log, Ready: st.Ping,
		Notifications: outbox, Board: board, DevMailDir: outbox.MailDir(), NotificationAudit: accounts.audit,
		Contracts: agreements, ContractVersions: agreementVersions, ContractAudit: accounts.audit,
		Secret: secret, Officers: accounts.officers, Members: accounts.members, Audit: accounts.audit,
		Votes: votes, Location: unionLocation(cfg.TimeZone), Durability: st,
		TrustedProxies: cfg.Proxies})
	if err != nil {
		return err
	}
	// While the store is unreachable, requests fail at once with 503 and
	// /readyz says why; the first ping that answers lifts it.
	storeHealth := handlers.NewStoreHealth(st.Ping, time.Second, 2*time.Second)
	srv.GateOnStore(storeHealth)
	go storeHealth.Run(ctx, func(err error) {
		if err != nil {
			log.Warn("store: unreachable; answering 503 until it is back", "reason", err.Error())
		} else {
			log.Info("store: reachable again")
		}
	})
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	log.Info("listening", "addr", ln.Addr().String(), "base_url", cfg.BaseURL)
	served := make(chan error, 1)
	go func() { served <- srv.App().Listener(ln) }()

	select {
	case err := <-served:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	if err := srv.App().ShutdownWithTimeout(10 * time.Second); err != nil {
		log.Warn("http shutdown", "error", err)
	}
	log.LogAttrs(context.Background(), slog.LevelInfo, "stopped", slog.Int64("store_sync_rounds", st.SyncRounds()))
	return nil
}
