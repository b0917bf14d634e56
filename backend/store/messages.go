package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// MessageUpdate changes some fields of a message; nil fields stay as they are.
type MessageUpdate struct {
	Content        *string
	Status         *string
	Error          *string
	Model          *string
	EvalTokens     *int
	EvalDurationMs *int64
}

// AppendMessages adds msgs after the last message of the conversation, in order and in one
// transaction, filling in their IDs, positions and times. The conversation counts as updated.
func (s *Store) AppendMessages(ctx context.Context, conversationID string, msgs ...*Message) error {
	t := now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Conversation{}).Where("id = ? AND "+alive, conversationID).Update("updated_at", t)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("conversation %s: %w", conversationID, ErrNotFound)
		}
		var next int
		if err := tx.Raw(`SELECT COALESCE(MAX(position), -1) + 1 FROM messages WHERE conversation_id = ?`, conversationID).
			Scan(&next).Error; err != nil {
			return err
		}
		for i, m := range msgs {
			if err := prepareMessage(m, conversationID, next+i, t); err != nil {
				return err
			}
			if err := tx.Create(m).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("append messages: %w", err)
	}
	return nil
}

// GetMessage returns one message.
func (s *Store) GetMessage(ctx context.Context, id string) (Message, error) {
	var m Message
	if err := s.db.WithContext(ctx).Take(&m, "id = ?", id).Error; err != nil {
		return Message{}, fmt.Errorf("get message %s: %w", id, notFound(err))
	}
	return m, nil
}

// UpdateMessage applies u and returns the message as stored.
func (s *Store) UpdateMessage(ctx context.Context, id string, u MessageUpdate) (Message, error) {
	fields := map[string]any{"updated_at": now()}
	if u.Content != nil {
		fields["content"] = *u.Content
	}
	if u.Status != nil {
		fields["status"] = *u.Status
	}
	if u.Error != nil {
		fields["error"] = *u.Error
	}
	if u.Model != nil {
		fields["model"] = *u.Model
	}
	if u.EvalTokens != nil {
		fields["eval_tokens"] = *u.EvalTokens
	}
	if u.EvalDurationMs != nil {
		fields["eval_duration_ms"] = *u.EvalDurationMs
	}
	var m Message
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Message{}).Where("id = ?", id).Updates(fields)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return tx.Take(&m, "id = ?", id).Error
	})
	if err != nil {
		return Message{}, fmt.Errorf("update message %s: %w", id, err)
	}
	return m, nil
}

// SetMessageContent writes the content of a growing reply. It is the cheap write made while a
// reply streams: one statement, nothing read back.
func (s *Store) SetMessageContent(ctx context.Context, id, content string) error {
	res := s.db.WithContext(ctx).Model(&Message{}).Where("id = ?", id).
		Updates(map[string]any{"content": content, "updated_at": now()})
	if res.Error != nil {
		return fmt.Errorf("save message %s: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("save message %s: %w", id, ErrNotFound)
	}
	return nil
}

// DeleteMessagesAfter deletes the messages of the conversation whose position is greater than
// position and returns how many went.
func (s *Store) DeleteMessagesAfter(ctx context.Context, conversationID string, position int) (int64, error) {
	res := s.db.WithContext(ctx).Where("conversation_id = ? AND position > ?", conversationID, position).
		Delete(&Message{})
	if res.Error != nil {
		return 0, fmt.Errorf("delete messages after %d in %s: %w", position, conversationID, res.Error)
	}
	return res.RowsAffected, nil
}

// MarkStreamingInterrupted closes every reply still marked streaming as interrupted and returns
// how many there were. Run at startup, before any generation: a reply still streaming then was
// cut off by a crash or kill, and keeps the content last flushed.
func (s *Store) MarkStreamingInterrupted(ctx context.Context) (int64, error) {
	res := s.db.WithContext(ctx).Model(&Message{}).Where("status = ?", StatusStreaming).
		Updates(map[string]any{"status": StatusInterrupted, "updated_at": now()})
	if res.Error != nil {
		return 0, fmt.Errorf("mark interrupted replies: %w", res.Error)
	}
	return res.RowsAffected, nil
}

func prepareMessage(m *Message, conversationID string, position int, t time.Time) error {
	id, err := newID()
	if err != nil {
		return err
	}
	m.ID, m.ConversationID, m.Position, m.CreatedAt, m.UpdatedAt = id, conversationID, position, t, t
	if m.Status == "" {
		m.Status = StatusDone
	}
	return nil
}
