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
	// 2: history you can organise and search.
	//
	// messages is rebuilt with an explicit INTEGER PRIMARY KEY (seq): the full-text index refers
	// to rows by rowid, and an implicit rowid may be renumbered by VACUUM, which would silently
	// point search results at the wrong messages. seq also orders messages by when they were
	// stored, which is the order search results come in.
	//
	// Conversations can be pinned, tagged and soft-deleted: deleted_at hides a conversation at
	// once, deleted_batch groups what one delete (or delete all) removed so one undo brings it
	// all back, and a purge removes them for good after the undo window.
	//
	// messages_fts is an external-content FTS5 index over message text (so the text is stored
	// once), kept in step by triggers: whatever writes a message, the index follows in the same
	// transaction.
	`
CREATE TABLE messages_v2 (
	seq              INTEGER PRIMARY KEY,
	id               TEXT NOT NULL UNIQUE,
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
INSERT INTO messages_v2 (id, conversation_id, position, role, content, status, error, model,
	eval_tokens, eval_duration_ms, created_at, updated_at)
SELECT id, conversation_id, position, role, content, status, error, model,
	eval_tokens, eval_duration_ms, created_at, updated_at
FROM messages ORDER BY rowid;
DROP TABLE messages;
ALTER TABLE messages_v2 RENAME TO messages;
CREATE INDEX idx_messages_streaming ON messages (status) WHERE status = 'streaming';

ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1));
ALTER TABLE conversations ADD COLUMN deleted_at DATETIME;
ALTER TABLE conversations ADD COLUMN deleted_batch TEXT;
DROP INDEX idx_conversations_updated_at;
-- The list's order, over the conversations it shows: one index walk per page.
CREATE INDEX idx_conversations_list ON conversations (pinned DESC, updated_at DESC, id DESC)
	WHERE deleted_at IS NULL;
CREATE INDEX idx_conversations_deleted ON conversations (deleted_batch) WHERE deleted_at IS NOT NULL;

CREATE TABLE conversation_tags (
	conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
	tag             TEXT NOT NULL COLLATE NOCASE,
	PRIMARY KEY (conversation_id, tag)
) WITHOUT ROWID;
CREATE INDEX idx_conversation_tags_tag ON conversation_tags (tag);

CREATE VIRTUAL TABLE messages_fts USING fts5(
	content,
	content = 'messages',
	content_rowid = 'seq',
	tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
	INSERT INTO messages_fts (rowid, content) VALUES (new.seq, new.content);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
	INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.seq, old.content);
END;
-- A streaming reply is rewritten a few times a second; only a real change is re-indexed.
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages
WHEN old.content IS NOT new.content BEGIN
	INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.seq, old.content);
	INSERT INTO messages_fts (rowid, content) VALUES (new.seq, new.content);
END;
`,
	// 3: more than one model server, and pictures for vision models.
	//
	// endpoint_id names the server a conversation talks to (backend/endpoints); '' is this
	// machine's Ollama, so every conversation from before keeps working unchanged. images holds a
	// message's attached pictures as JSON ([{mediaType, data}] with data in base64), '' for none:
	// they belong to the message as much as its text does, and go and come back with it.
	`
ALTER TABLE conversations ADD COLUMN endpoint_id TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN images TEXT NOT NULL DEFAULT '';
`,
	// 4: the full-text index gets prefix indexes for 2 and 3 characters. Without them a search
	// for a short prefix ("gai*") merges the entries of every word that starts so, which took
	// 50–80 ms on a million messages; with them it is one lookup (0.1 ms). It costs about 190
	// bytes per message. Longer prefixes match few words and stay fast without an index. The
	// table is made again and rebuilt from the messages, with the same triggers.
	`
DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_delete;
DROP TRIGGER messages_fts_update;
DROP TABLE messages_fts;
CREATE VIRTUAL TABLE messages_fts USING fts5(
	content,
	content = 'messages',
	content_rowid = 'seq',
	tokenize = 'unicode61 remove_diacritics 2',
	prefix = '2 3'
);
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
	INSERT INTO messages_fts (rowid, content) VALUES (new.seq, new.content);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
	INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.seq, old.content);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages
WHEN old.content IS NOT new.content BEGIN
	INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.seq, old.content);
	INSERT INTO messages_fts (rowid, content) VALUES (new.seq, new.content);
END;
`,
}

// SchemaVersion is the schema version this code writes.
func SchemaVersion() int { return len(migrations) }

// migrate applies the missing migrations in one transaction: a crash halfway leaves the database as
// it was. The transaction takes the write lock first, so two processes opening the same fresh
// database cannot both migrate it.
func migrate(ctx context.Context, db *gorm.DB, path string) error {
	// A database that already holds history is copied before its schema changes, so a migration
	// that goes wrong (a bug, a full disk mid-way is already covered by the transaction) can be
	// undone by hand. A new, empty database has nothing to lose.
	current, err := schemaVersion(db.WithContext(ctx))
	if err != nil {
		return err
	}
	if current > 0 && current < len(migrations) {
		if err := backupBeforeMigration(ctx, db, path, current); err != nil {
			return err
		}
	}
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
