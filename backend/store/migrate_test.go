package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"
)

// writeV1 makes dir/history.db as version 1 of the app left it: schema 1 with a conversation of
// two messages. extra SQL runs after, to set up a broken migration.
func writeV1(t *testing.T, dir, extra string) {
	t.Helper()
	db, err := sql.Open("sqlite3", filepath.Join(dir, FileName)+"?_journal_mode=WAL&_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stmts := []string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY NOT NULL, applied_at DATETIME NOT NULL)`,
		migrations[0],
		`INSERT INTO schema_migrations VALUES (1, '2025-01-01 00:00:00+00:00')`,
		`INSERT INTO conversations (id, title, model, created_at, updated_at)
			VALUES ('c1', 'Old times', 'llama', '2025-01-01 00:00:00+00:00', '2025-01-02 00:00:00+00:00')`,
		`INSERT INTO messages (id, conversation_id, position, role, content, status, created_at, updated_at)
			VALUES ('m1', 'c1', 0, 'user', 'Where do hedgehogs sleep?', 'done', '2025-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
			       ('m2', 'c1', 1, 'assistant', 'Under leaves and hedges.', 'done', '2025-01-01 00:00:01+00:00', '2025-01-01 00:00:01+00:00')`,
		extra,
	}
	for _, s := range stmts {
		if s == "" {
			continue
		}
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("write v1 database: %v\n%s", err, s)
		}
	}
}

func backups(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, BackupDirName, "*.db"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMigrateFromV1KeepsHistoryAndBacksUpFirst(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeV1(t, dir, "")

	st, err := Open(ctx, dir)
	if err != nil {
		t.Fatalf("Open a version 1 database: %v", err)
	}
	c, err := st.GetConversation(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if c.Title != "Old times" || len(c.Messages) != 2 || c.Messages[1].Content != "Under leaves and hedges." || c.Pinned || len(c.Tags) != 0 {
		t.Fatalf("migrated conversation = %+v", c)
	}
	// The index is built from the messages that were already there.
	page, err := st.Search(ctx, SearchOptions{Query: "hedgehogs", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Results) != 1 || page.Results[0].MessageID != "m1" {
		t.Fatalf("search after migration = %+v, want m1", page.Results)
	}
	st.Close()

	bs := backups(t, dir)
	if len(bs) != 1 || !strings.Contains(filepath.Base(bs[0]), "history-v1-") {
		t.Fatalf("backups = %v, want one copy of the version 1 database", bs)
	}
	// The copy is the database as it was: version 1, with the history.
	old, err := sql.Open("sqlite3", bs[0]+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	var v int
	var content string
	if err := old.QueryRow(`SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if err := old.QueryRow(`SELECT content FROM messages WHERE id = 'm2'`).Scan(&content); err != nil {
		t.Fatal(err)
	}
	if v != 1 || content != "Under leaves and hedges." {
		t.Fatalf("backup holds version %d and %q", v, content)
	}

	// Up to date now: opening again takes no new copy.
	st, err = Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if n := len(backups(t, dir)); n != 1 {
		t.Fatalf("%d backups after opening an up-to-date database, want still 1", n)
	}
}

func TestFailedMigrationLeavesTheDatabaseAsItWas(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	// A table in the way makes migration 2 fail halfway through.
	writeV1(t, dir, `CREATE TABLE messages_v2 (x)`)
	st, err := Open(ctx, dir)
	if err == nil {
		st.Close()
		t.Fatal("Open succeeded although the migration could not run")
	}
	if !strings.Contains(err.Error(), "migrate to version 2") {
		t.Errorf("error %q does not say which migration failed", err)
	}
	db, err := sql.Open("sqlite3", filepath.Join(dir, FileName)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v, n int
	if err := db.QueryRow(`SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM messages WHERE conversation_id = 'c1'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if v != 1 || n != 2 {
		t.Fatalf("after the failed migration: version %d, %d messages; want 1 and 2", v, n)
	}
	if len(backups(t, dir)) != 1 {
		t.Error("no copy was taken before the migration ran")
	}
}

func TestPruneBackupsKeepsTheNewest(t *testing.T) {
	dir := t.TempDir()
	names := []string{
		"history-v1-20250101T000000.000000Z.db",
		"history-v10-20250103T000000.000000Z.db",
		"history-v2-20250102T000000.000000Z.db",
		"history-v3-20250104T000000.000000Z.db",
		"history-v4-20250105T000000.000000Z.db",
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	pruneBackups(dir, "history")
	left, _ := filepath.Glob(filepath.Join(dir, "*.db"))
	want := map[string]bool{names[1]: true, names[3]: true, names[4]: true}
	if len(left) != keepBackups {
		t.Fatalf("left %v, want %d", left, keepBackups)
	}
	for _, l := range left {
		if !want[filepath.Base(l)] {
			t.Errorf("kept %s, which is not among the newest", filepath.Base(l))
		}
	}
}

func TestNewerSchemaTakesNoBackup(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.db.Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", SchemaVersion()+5, now()).Error; err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := Open(ctx, dir); !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open = %v, want ErrSchemaTooNew", err)
	}
	if bs := backups(t, dir); len(bs) != 0 {
		t.Fatalf("a refused database was copied: %v", bs)
	}
}
