package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"time"

	_ "github.com/mattn/go-sqlite3" // the same SQLite the app uses
)

// dbMessages reads every message from the app's history database, read-only, while the app may
// be writing it (WAL lets a reader in beside the writer). It reads the file itself, not the API,
// so a test can tell what was really persisted.
func dbMessages(path string) ([]Message, error) {
	q := url.Values{"mode": {"ro"}, "_busy_timeout": {"5000"}}
	db, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, `SELECT id, conversation_id, position, role, content, status, error, model
		FROM messages ORDER BY conversation_id, position`)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer rows.Close()
	var ms []Message
	for rows.Next() {
		var m Message
		if err := rows.Scan(&m.ID, &m.ConversationID, &m.Position, &m.Role, &m.Content, &m.Status, &m.Error, &m.Model); err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	return ms, rows.Err()
}
