package store

import (
	"strings"
	"testing"
)

// queryPlan is SQLite's plan for a query, one step per line.
func queryPlan(t *testing.T, st *Store, query string, args ...any) string {
	t.Helper()
	var rows []struct {
		ID, Parent, Notused int
		Detail              string
	}
	if err := st.db.Raw("EXPLAIN QUERY PLAN "+query, args...).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(r.Detail + "\n")
	}
	return b.String()
}

// The queries a big history depends on must not sort all their rows to return one page: that is
// what would make them slow on a million messages while staying fast in every small test.
func TestBigHistoryQueriesDoNotSortEverything(t *testing.T) {
	st, _ := openTemp(t)
	tests := []struct {
		name, query string
		args        []any
		uses        string
	}{
		{"search", searchSQL(" AND f.rowid < ?"), []any{"", "", "", 8, `"fox"`, 100, 21}, "VIRTUAL TABLE INDEX"},
		{"list page", `SELECT * FROM conversations WHERE deleted_at IS NULL AND (pinned, updated_at, id) < (?, ?, ?)
			ORDER BY pinned DESC, updated_at DESC, id DESC LIMIT 51`, []any{true, now(), "x"}, "idx_conversations_list"},
		{"last messages", `SELECT * FROM messages WHERE conversation_id = ? ORDER BY position DESC LIMIT 51`,
			[]any{"x"}, "sqlite_autoindex_messages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := queryPlan(t, st, tt.query, tt.args...)
			if strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("the plan sorts every row:\n%s", plan)
			}
			if !strings.Contains(plan, tt.uses) {
				t.Errorf("the plan does not use %s:\n%s", tt.uses, plan)
			}
		})
	}
}
