package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Marks FTS5's snippet() puts around each match. They are characters from Unicode's private use
// area, which text people write does not contain, so the snippet can be cut into plain text and
// matches without any HTML ever being made from message content.
const (
	hitOpen  = "\uE000"
	hitClose = "\uE001"
)

// snippetTokens is how many words a snippet holds around its matches: about a line.
const snippetTokens = 16

// SearchOptions are a search and which page of its results to return.
type SearchOptions struct {
	Query  string
	Limit  int
	Cursor string
	// ConversationID, when set, searches only that conversation.
	ConversationID string
}

// SnippetPart is a piece of a result's snippet: text, and whether it is what matched.
type SnippetPart struct {
	Text string `json:"text"`
	Hit  bool   `json:"hit,omitempty"`
}

// SearchResult is one message that matches.
type SearchResult struct {
	ConversationID    string        `json:"conversationId"`
	ConversationTitle string        `json:"conversationTitle"`
	MessageID         string        `json:"messageId"`
	Position          int           `json:"position"`
	Role              string        `json:"role"`
	CreatedAt         time.Time     `json:"createdAt"`
	Snippet           []SnippetPart `json:"snippet"`
}

// SearchPage is one page of results, newest first. NextCursor is empty on the last page.
type SearchPage struct {
	Results    []SearchResult `json:"results"`
	NextCursor string         `json:"nextCursor,omitempty"`
}

type searchCursor struct {
	Seq int64 `json:"s"`
}

// Search finds the messages, in conversations that are not deleted, that match o.Query (see
// ftsQuery for the syntax), the most recently written first. Ordering by the index's own rowid
// lets SQLite stop after one page instead of ranking every match, which is what keeps a common
// word fast in a history of millions of messages. A query that cannot be run is ErrBadQuery.
func (s *Store) Search(ctx context.Context, o SearchOptions) (SearchPage, error) {
	if o.Limit < 1 || o.Limit > MaxPage {
		return SearchPage{}, fmt.Errorf("search: limit %d is not between 1 and %d", o.Limit, MaxPage)
	}
	match, err := ftsQuery(o.Query)
	if err != nil {
		return SearchPage{}, err
	}
	args := []any{hitOpen, hitClose, "…", snippetTokens, match}
	where := ""
	if o.Cursor != "" {
		c, err := decodeCursor[searchCursor](o.Cursor)
		if err != nil {
			return SearchPage{}, fmt.Errorf("search: %w", err)
		}
		where += " AND f.rowid < ?"
		args = append(args, c.Seq)
	}
	if o.ConversationID != "" {
		where += " AND m.conversation_id = ?"
		args = append(args, o.ConversationID)
	}
	args = append(args, o.Limit+1)
	var rows []struct {
		Seq               int64
		MessageID         string
		ConversationID    string
		ConversationTitle string
		Position          int
		Role              string
		CreatedAt         time.Time
		Snippet           string
	}
	err = s.db.WithContext(ctx).Raw(searchSQL(where), args...).Scan(&rows).Error
	if err != nil {
		if strings.Contains(err.Error(), "fts5") {
			// ftsQuery quotes everything, so this is not expected; if it happens anyway the
			// person learns their search failed, not that the app broke.
			return SearchPage{}, fmt.Errorf("%w: %v", ErrBadQuery, err)
		}
		return SearchPage{}, fmt.Errorf("search: %w", err)
	}
	page := SearchPage{Results: make([]SearchResult, 0, min(len(rows), o.Limit))}
	for i, r := range rows {
		if i == o.Limit {
			page.NextCursor = encodeCursor(searchCursor{Seq: rows[i-1].Seq})
			break
		}
		page.Results = append(page.Results, SearchResult{
			ConversationID: r.ConversationID, ConversationTitle: r.ConversationTitle, MessageID: r.MessageID,
			Position: r.Position, Role: r.Role, CreatedAt: r.CreatedAt, Snippet: splitSnippet(r.Snippet),
		})
	}
	return page, nil
}

// splitSnippet cuts FTS5's marked snippet into parts.
func splitSnippet(s string) []SnippetPart {
	parts := []SnippetPart{}
	for s != "" {
		i := strings.Index(s, hitOpen)
		if i < 0 {
			parts = append(parts, SnippetPart{Text: s})
			break
		}
		if i > 0 {
			parts = append(parts, SnippetPart{Text: s[:i]})
		}
		s = s[i+len(hitOpen):]
		j := strings.Index(s, hitClose)
		if j < 0 {
			parts = append(parts, SnippetPart{Text: s, Hit: true})
			break
		}
		if j > 0 {
			parts = append(parts, SnippetPart{Text: s[:j], Hit: true})
		}
		s = s[j+len(hitClose):]
	}
	return parts
}

// searchSQL is the search with extra conditions; its arguments are the four of snippet(), the
// match, those of extra, and the limit.
func searchSQL(extra string) string {
	return `SELECT f.rowid AS seq, m.id AS message_id, m.conversation_id,
			c.title AS conversation_title, m.position, m.role, m.created_at,
			snippet(messages_fts, 0, ?, ?, ?, ?) AS snippet
		FROM messages_fts f
		JOIN messages m ON m.seq = f.rowid
		JOIN conversations c ON c.id = m.conversation_id
		WHERE messages_fts MATCH ? AND c.deleted_at IS NULL` + extra + `
		ORDER BY f.rowid DESC LIMIT ?`
}
