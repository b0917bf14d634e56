package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// ErrSchemaTooNew means the database was written by a newer version of the app. It is refused so
// that an older app never misreads or damages data it does not understand.
var ErrSchemaTooNew = errors.New("the history database is from a newer version of CloudToLocalLLM")

// migrations bring the schema from version i to i+1 (migrations[0] creates version 1). Append
// only: a released migration never changes, since databases out there have already run it.
var migrations = []string{
	// 1: conversations, their messages, and settings. Times are DATETIME so the driver reads them
	// back as time.Time. CHECKs keep a bug from storing a role or status no client understands.
	`
CREATE TABLE conversations (
	id            TEXT PRIMARY KEY NOT NULL,
	title         TEXT NOT NULL DEFAULT '',
	model         TEXT NOT NULL DEFAULT '',
	system_prompt TEXT NOT NULL DEFAULT '',
	temperature   REAL,
	num_ctx       INTEGER,
	created_at    DATETIME NOT NULL,
	updated_at    DATETIME NOT NULL
);
CREATE INDEX idx_conversations_updated_at ON conversations (updated_at);

CREATE TABLE messages (
	id               TEXT PRIMARY KEY NOT NULL,
	conversation_id  TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
	position         INTEGER NOT NULL,
	role             TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
	content          TEXT NOT NULL DEFAULT '',
	status           TEXT NOT NULL DEFAULT 'done'
	                 CHECK (status IN ('streaming', 'done', 'stopped', 'error', 'interrupted')),
	error            TEXT NOT NULL DEFAULT '',
	model            TEXT NOT NULL DEFAULT '',
	eval_tokens      INTEGER NOT NULL DEFAULT 0,
	eval_duration_ms INTEGER NOT NULL DEFAULT 0,
	created_at       DATETIME NOT NULL,
	updated_at       DATETIME NOT NULL,
	UNIQUE (conversation_id, position)
);
-- The startup sweep looks only for streaming replies; a partial index keeps that instant.
CREATE INDEX idx_messages_streaming ON messages (status) WHERE status = 'streaming';

CREATE TABLE settings (
	key   TEXT PRIMARY KEY NOT NULL,
	value TEXT NOT NULL
);
`,
}

// SchemaVersion is the schema version this code writes.
func SchemaVersion() int { return len(migrations) }

// migrate applies the missing migrations in one transaction: a crash halfway leaves the database as
// it was. The transaction takes the write lock first, so two processes opening the same fresh
// database cannot both migrate it.
func migrate(ctx context.Context, db *gorm.DB) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		current, err := schemaVersion(tx)
		if err != nil {
			return err
		}
		if current > len(migrations) {
			return fmt.Errorf("%w: its schema is version %d, this app knows up to %d; update the app (the database was left unchanged)",
				ErrSchemaTooNew, current, len(migrations))
		}
		if current == 0 {
			if err := tx.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
				version    INTEGER PRIMARY KEY NOT NULL,
				applied_at DATETIME NOT NULL
			)`).Error; err != nil {
				return fmt.Errorf("create schema_migrations: %w", err)
			}
		}
		for v := current + 1; v <= len(migrations); v++ {
			if err := tx.Exec(migrations[v-1]).Error; err != nil {
				return fmt.Errorf("migrate to version %d: %w", v, err)
			}
			if err := tx.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, v, now()).Error; err != nil {
				return fmt.Errorf("record migration %d: %w", v, err)
			}
		}
		return nil
	})
}

// schemaVersion is the highest applied migration, 0 for a new database.
func schemaVersion(tx *gorm.DB) (int, error) {
	var tables int64
	if err := tx.Raw(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).
		Scan(&tables).Error; err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if tables == 0 {
		return 0, nil
	}
	var v int
	if err := tx.Raw(`SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v).Error; err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}
