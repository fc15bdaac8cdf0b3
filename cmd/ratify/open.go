package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ratifyhq/ratify/audit"
	"github.com/ratifyhq/ratify/members"
	"github.com/ratifyhq/ratify/officers"
	"github.com/ratifyhq/ratify/store"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// openStore opens the store the way serve does, for the administrative
// commands. On the embedded store it takes the data directory's lock, so
// it fails with one sentence while the service runs on that directory;
// with MONGODB_URI it takes no lock and works alongside running instances.
// close releases both.
func openStore(ctx context.Context, cfg *config, log *slog.Logger) (st *store.Store, close func(), err error) {
	unlock := func() {}
	if cfg.MongoURI == "" {
		dir, err := store.LockDataDir(cfg.DataDir)
		if errors.Is(err, store.ErrDirInUse) {
			return nil, nil, fmt.Errorf("the service is running on the data directory %s, and its embedded store admits no second process: "+
				"stop the service first, or run this command against the same MONGODB_URI as the service", cfg.DataDir)
		}
		if err != nil {
			return nil, nil, err
		}
		unlock = func() { dir.Unlock() }
		cfg.DataDir = dir.Path
	}
	st, err = store.Open(ctx, store.Config{URI: cfg.MongoURI, DBName: cfg.DBName, Dir: cfg.DataDir, Logger: log})
	if err != nil {
		unlock()
		return nil, nil, err
	}
	return st, func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		st.Close(cctx)
		unlock()
	}, nil
}

// core is the audit log, the roster and the officers' accounts.
type core struct {
	audit    *audit.Log
	members  *members.Store
	officers *officers.Store
}

// openCore builds the audit log, roster and accounts on db and creates
// their collections. secret signs session tokens (the commands, which
// issue none, may pass nil); timeZone is the union's.
func openCore(ctx context.Context, db *mongo.Database, secret []byte, timeZone string) (core, error) {
	loc, err := time.LoadLocation(timeZone)
	if err != nil {
		return core{}, fmt.Errorf("time zone %q: %w", timeZone, err)
	}
	log := audit.NewLog(db)
	c := core{audit: log, members: members.NewStore(db, log), officers: officers.NewStore(db, secret, log)}
	c.members.Location = loc
	for _, ensure := range []func(context.Context) error{c.audit.EnsureIndexes, c.members.EnsureIndexes, c.officers.EnsureIndexes} {
		if err := ensure(ctx); err != nil {
			return core{}, err
		}
	}
	return c, nil
}

// firstAdmin makes sure an administrator can get in: with the bootstrap
// settings it creates one if no officer exists; otherwise, on a store
// without officers, it logs a one-time setup URL, once. The URL holds a
// secret code: it is logged here and nowhere else.
// durable is the store's group commit: the setup code is on the disk
// before its link is shown.
func firstAdmin(ctx context.Context, cfg *config, accounts *officers.Store, durable func(context.Context) error, log *slog.Logger) error {
	if cfg.BootstrapAdminEmail != "" {
		created, err := accounts.Bootstrap(ctx, cfg.BootstrapAdminEmail, cfg.BootstrapAdminPassword)
		if err != nil {
			return fmt.Errorf("bootstrap administrator (RATIFY_BOOTSTRAP_ADMIN_EMAIL): %w", err)
		}
		if created {
			log.Info("created the bootstrap administrator", "email", cfg.BootstrapAdminEmail)
		}
		return nil
	}
	code, err := accounts.NewSetupCode(ctx)
	if err != nil || code == "" {
		return err
	}
	if err := durable(ctx); err != nil {
		return err
	}
	log.Info("no officer account exists yet: open this one-time link to create the first administrator",
		"setup_url", cfg.BaseURL+"/setup/"+code)
	return nil
}
