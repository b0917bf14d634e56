// Package store keeps the conversation history and the settings in one SQLite database: the single
// source of truth for the app. It opens the database in WAL mode with foreign keys on, brings the
// schema up to date with numbered migrations, and offers the queries the services need.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// FileName is the database's name inside the data directory.
const FileName = "history.db"

// ErrNotFound is returned when the conversation, message or setting asked for does not exist.
var ErrNotFound = errors.New("not found")

// Store is the history database. It is safe for concurrent use.
type Store struct {
	db *gorm.DB
}

// Open opens (creating if needed) dir/history.db and migrates it to the current schema. A database
// written by a newer version of the app is refused, unchanged, with an error wrapping
// ErrSchemaTooNew.
func Open(ctx context.Context, dir string) (*Store, error) {
	if strings.ContainsRune(dir, '?') {
		// The driver reads everything after '?' as connection parameters.
		return nil, fmt.Errorf("open history: the directory %q contains '?', which SQLite cannot open", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open history: create %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	// Pragmas go in the DSN so that every pooled connection gets them, not just the first one:
	// foreign_keys in particular is per connection. synchronous=NORMAL is crash-safe for committed
	// transactions in WAL mode and avoids an fsync per write. _txlock=immediate takes the write lock
	// when a transaction begins, so two writers wait on busy_timeout instead of one failing with
	// SQLITE_BUSY when it upgrades a read lock.
	dsn := path + "?_journal_mode=WAL&_foreign_keys=on&_busy_timeout=10000&_synchronous=NORMAL&_txlock=immediate"
	db, err := gorm.Open(sqlite.Open(dsn), &gorm.Config{
		Logger: logger.NewSlogLogger(slog.Default(), logger.Config{
			SlowThreshold:             time.Second,
			LogLevel:                  logger.Warn,
			IgnoreRecordNotFoundError: true,
		}),
		TranslateError: true,
		NowFunc:        now,
		// A single statement is atomic on its own; GORM's wrapping BEGIN/COMMIT around each one
		// only adds round trips. Multi-statement writes use Transaction explicitly.
		SkipDefaultTransaction: true,
	})
	if err != nil {
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	s := &Store{db: db}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	if err := migrate(ctx, db, path); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	return s, nil
}

// Close closes the database. Call it once, after every user of the store has stopped.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return fmt.Errorf("close history: %w", err)
	}
	if err := sqlDB.Close(); err != nil {
		return fmt.Errorf("close history: %w", err)
	}
	return nil
}

// Transaction runs fn with a Store whose queries all belong to one transaction: it commits when fn
// returns nil and rolls back otherwise. Do not call Close on tx.
func (s *Store) Transaction(ctx context.Context, fn func(tx *Store) error) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(&Store{db: tx})
	})
}

// now is the clock for every stored time: UTC, so that times compare correctly as stored text
// whatever the machine's zone, and to the microsecond, which is plenty and keeps JSON short.
func now() time.Time {
	return time.Now().UTC().Truncate(time.Microsecond)
}

// notFound turns GORM's "no row" into ErrNotFound so callers need not know about GORM.
func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}
