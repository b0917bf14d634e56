package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	st, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st, dir
}

func TestOpenConfiguresEveryConnection(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	sqlDB, err := st.db.DB()
	if err != nil {
		t.Fatal(err)
	}
	// Hold several connections at once so the pool must open new ones: pragmas set only on the
	// first connection would show up here.
	var conns []*sql.Conn
	for i := 0; i < 3; i++ {
		c, err := sqlDB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	tests := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"synchronous", "1"}, // NORMAL
		{"busy_timeout", "10000"},
	}
	for i, c := range conns {
		for _, tt := range tests {
			var got string
			if err := c.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil {
				t.Fatalf("PRAGMA %s: %v", tt.pragma, err)
			}
			if got != tt.want {
				t.Errorf("connection %d: PRAGMA %s = %s, want %s", i, tt.pragma, got, tt.want)
			}
		}
	}
}

func schemaRows(t *testing.T, st *Store) []int {
	t.Helper()
	var vs []int
	if err := st.db.Raw("SELECT version FROM schema_migrations ORDER BY version").Scan(&vs).Error; err != nil {
		t.Fatal(err)
	}
	return vs
}

func TestMigrateAndReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := schemaRows(t, st); len(got) != SchemaVersion() || got[len(got)-1] != SchemaVersion() {
		t.Fatalf("schema_migrations = %v after first open, want 1..%d", got, SchemaVersion())
	}
	c := Conversation{Title: "kept", Messages: []Message{{Role: RoleUser, Content: "hello"}}}
	if err := st.CreateConversation(ctx, &c); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st, err = Open(ctx, dir)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer st.Close()
	if got := schemaRows(t, st); len(got) != SchemaVersion() {
		t.Fatalf("schema_migrations = %v after reopen: migrations ran twice or were lost", got)
	}
	got, err := st.GetConversation(ctx, c.ID)
	if err != nil {
		t.Fatalf("conversation lost on reopen: %v", err)
	}
	if got.Title != "kept" || len(got.Messages) != 1 || got.Messages[0].Content != "hello" {
		t.Fatalf("reopened conversation = %+v", got)
	}
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func TestNewerSchemaIsRefusedAndLeftUntouched(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	c := Conversation{Title: "from the future"}
	if err := st.CreateConversation(ctx, &c); err != nil {
		t.Fatal(err)
	}
	newer := SchemaVersion() + 1
	if err := st.db.Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", newer, now()).Error; err != nil {
		t.Fatal(err)
	}
	st.Close()
	path := filepath.Join(dir, FileName)
	before := fileHash(t, path)

	st, err = Open(ctx, dir)
	if err == nil {
		st.Close()
		t.Fatal("Open accepted a database from a newer version")
	}
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("error = %v, want ErrSchemaTooNew", err)
	}
	if want := fmt.Sprintf("version %d", newer); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say which version it found (%s)", err, want)
	}
	if after := fileHash(t, path); after != before {
		t.Fatal("the refused database file was modified")
	}
}

func TestOpenRejectsUnusableDirectories(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, dir string }{
		{"question mark", filepath.Join(t.TempDir(), "what?")},
		{"a file, not a directory", file},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := Open(context.Background(), tt.dir)
			if err == nil {
				st.Close()
				t.Fatalf("Open(%q) succeeded", tt.dir)
			}
		})
	}
}

func TestConcurrentWritersDoNotFailBusy(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	const writers, each = 4, 25
	convs := make([]Conversation, writers)
	for i := range convs {
		if err := st.CreateConversation(ctx, &convs[i]); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func(c Conversation) {
			defer wg.Done()
			for j := 0; j < each; j++ {
				m := Message{Role: RoleAssistant, Status: StatusStreaming}
				if err := st.AppendMessages(ctx, c.ID, &m); err != nil {
					errs <- err
					return
				}
				if err := st.SetMessageContent(ctx, m.ID, "x"); err != nil {
					errs <- err
					return
				}
			}
		}(convs[i])
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, c := range convs {
		got, err := st.GetConversation(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Messages) != each {
			t.Errorf("conversation has %d messages, want %d", len(got.Messages), each)
		}
	}
}
