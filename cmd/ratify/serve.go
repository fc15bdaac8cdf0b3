package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/ratifyhq/ratify/handlers"
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

	secret, err := loadSecret(cfg.Secret, dir.Join("secret"))
	if err != nil {
		return err
	}
	_ = secret // used by the auth and ballot packages as they land

	st, err := store.Open(ctx, store.Config{URI: cfg.MongoURI, DBName: cfg.DBName, Dir: dir.Path, Logger: log})
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
	if err := st.EnsureIDIndexes(ctx); err != nil {
		return err
	}

	srv, err := handlers.New(handlers.Config{BaseURL: cfg.BaseURL, Logger: log, Ready: st.Ping})
	if err != nil {
		return err
	}
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
	log.LogAttrs(context.Background(), slog.LevelInfo, "stopped")
	return nil
}
