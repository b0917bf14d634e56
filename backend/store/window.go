package store

import (
	"context"
	"fmt"
	"slices"

	"gorm.io/gorm"
)

// WindowOptions choose which messages of a conversation to read: by default the last Limit;
// Before or After a position (for scrolling back or forward); or Around a message (to open the
// conversation at a search result). At most one of Before, After and Around may be set.
type WindowOptions struct {
	Limit  int
	Before *int
	After  *int
	Around string
}

// Window says what lies outside the messages returned.
type Window struct {
	HasBefore bool `json:"hasBefore"`
	HasAfter  bool `json:"hasAfter"`
}

// GetConversationPage returns the conversation with a window of its messages, in order, so that
// opening a conversation of ten thousand messages reads a screenful, not all of them.
func (s *Store) GetConversationPage(ctx context.Context, id string, o WindowOptions) (Conversation, Window, error) {
	set := 0
	for _, b := range []bool{o.Before != nil, o.After != nil, o.Around != ""} {
		if b {
			set++
		}
	}
	if set > 1 || o.Limit < 1 || o.Limit > MaxPage {
		return Conversation{}, Window{}, fmt.Errorf("get conversation %s: choose at most one of before, after and around, and a limit from 1 to %d", id, MaxPage)
	}
	var c Conversation
	var w Window
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := takeConversation(tx, &c, id); err != nil {
			return err
		}
		var err error
		switch {
		case o.After != nil:
			c.Messages, err = messagesFrom(tx, id, *o.After+1, o.Limit)
		case o.Before != nil:
			c.Messages, err = messagesBefore(tx, id, *o.Before, o.Limit)
		case o.Around != "":
			var pos int
			r := tx.Raw(`SELECT position FROM messages WHERE id = ? AND conversation_id = ?`, o.Around, id).Scan(&pos)
			if r.Error != nil {
				return r.Error
			}
			if r.RowsAffected == 0 {
				return fmt.Errorf("message %s: %w", o.Around, ErrNotFound)
			}
			// The message a third of the way down: context before it, and more of what followed.
			before, err := messagesBefore(tx, id, pos, o.Limit/3)
			if err != nil {
				return err
			}
			after, err := messagesFrom(tx, id, pos, o.Limit-len(before))
			if err != nil {
				return err
			}
			c.Messages = append(before, after...)
		default:
			c.Messages, err = messagesBefore(tx, id, -1, o.Limit)
		}
		if err != nil {
			return err
		}
		if len(c.Messages) == 0 {
			return nil
		}
		first, last := c.Messages[0].Position, c.Messages[len(c.Messages)-1].Position
		if w.HasBefore, err = exists(tx, `SELECT 1 FROM messages WHERE conversation_id = ? AND position < ? LIMIT 1`, id, first); err != nil {
			return err
		}
		w.HasAfter, err = exists(tx, `SELECT 1 FROM messages WHERE conversation_id = ? AND position > ? LIMIT 1`, id, last)
		return err
	})
	if err != nil {
		return Conversation{}, Window{}, fmt.Errorf("get conversation %s: %w", id, err)
	}
	if c.Messages == nil {
		c.Messages = []Message{}
	}
	return c, w, nil
}

// messagesBefore returns up to limit messages before position (before < 0: the last ones), in
// order.
func messagesBefore(tx *gorm.DB, convID string, before, limit int) ([]Message, error) {
	if limit <= 0 {
		return nil, nil
	}
	q := tx.Where("conversation_id = ?", convID)
	if before >= 0 {
		q = q.Where("position < ?", before)
	}
	var ms []Message
	if err := q.Order("position DESC").Limit(limit).Find(&ms).Error; err != nil {
		return nil, err
	}
	slices.Reverse(ms)
	return ms, nil
}

// messagesFrom returns up to limit messages from position on, in order.
func messagesFrom(tx *gorm.DB, convID string, from, limit int) ([]Message, error) {
	if limit <= 0 {
		return nil, nil
	}
	var ms []Message
	err := tx.Where("conversation_id = ? AND position >= ?", convID, from).Order("position").Limit(limit).Find(&ms).Error
	return ms, err
}

func exists(tx *gorm.DB, query string, args ...any) (bool, error) {
	var one int
	r := tx.Raw(query, args...).Scan(&one)
	return r.RowsAffected > 0, r.Error
}
