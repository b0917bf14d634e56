package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// ErrInvalidCursor is a paging cursor this store did not hand out (or a later version changed).
var ErrInvalidCursor = errors.New("invalid cursor")

// MaxPage bounds one page of any listing: enough to fill a screen many times over, small enough
// that a page of a huge history is quick to read, send and render.
const MaxPage = 500

// ListOptions choose a page of the conversation list.
type ListOptions struct {
	// Limit is the page size; 0 means everything (for small callers and the old contract).
	Limit int
	// Cursor continues after the page that returned it.
	Cursor string
	// Tag keeps only conversations with this tag (ignoring case).
	Tag string
}

// ConversationPage is one page of the list. NextCursor is empty on the last page.
type ConversationPage struct {
	Conversations []Conversation `json:"conversations"`
	NextCursor    string         `json:"nextCursor,omitempty"`
}

// listCursor is where a page ended, in the list's order (pinned, updated_at, id — all
// descending). It is opaque to clients.
type listCursor struct {
	Pinned    bool      `json:"p"`
	UpdatedAt time.Time `json:"u"`
	ID        string    `json:"i"`
}

// ListConversations returns conversations without their messages: pinned first, then the most
// recently active. Paging is by keyset, so a page costs the same however deep it is and a
// conversation that moves up while someone pages is not shown twice on later pages.
func (s *Store) ListConversations(ctx context.Context, o ListOptions) (ConversationPage, error) {
	if o.Limit < 0 || o.Limit > MaxPage {
		return ConversationPage{}, fmt.Errorf("list conversations: limit %d is not between 0 and %d", o.Limit, MaxPage)
	}
	var cur *listCursor
	if o.Cursor != "" {
		c, err := decodeCursor[listCursor](o.Cursor)
		if err != nil {
			return ConversationPage{}, fmt.Errorf("list conversations: %w", err)
		}
		cur = &c
	}
	var page ConversationPage
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Where(alive)
		if cur != nil {
			// A row value compares in the same order as the index, so this is one range scan.
			q = q.Where("(pinned, updated_at, id) < (?, ?, ?)", cur.Pinned, cur.UpdatedAt, cur.ID)
		}
		if o.Tag != "" {
			q = q.Where("id IN (SELECT conversation_id FROM conversation_tags WHERE tag = ?)", o.Tag)
		}
		q = q.Order("pinned DESC, updated_at DESC, id DESC")
		if o.Limit > 0 {
			q = q.Limit(o.Limit + 1) // one more tells whether there is a next page
		}
		var cs []Conversation
		if err := q.Find(&cs).Error; err != nil {
			return err
		}
		page.Conversations = cs
		if o.Limit > 0 && len(cs) > o.Limit {
			page.Conversations = cs[:o.Limit]
			last := page.Conversations[o.Limit-1]
			page.NextCursor = encodeCursor(listCursor{Pinned: last.Pinned, UpdatedAt: last.UpdatedAt, ID: last.ID})
		}
		return loadTags(tx, page.Conversations)
	})
	if err != nil {
		return ConversationPage{}, fmt.Errorf("list conversations: %w", err)
	}
	if page.Conversations == nil {
		page.Conversations = []Conversation{}
	}
	return page, nil
}

func encodeCursor(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor[T any](s string) (T, error) {
	var v T
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 1024 {
		return v, ErrInvalidCursor
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, ErrInvalidCursor
	}
	return v, nil
}
